#!/usr/bin/env bash
# banksim explore --summary-json and banksim merge: the merged coverage, verdicts and
# counterexample are what the pieces say (recomputed here from the pieces, not taken from
# merge); the merge does not depend on the order of its inputs and merges merge again; a
# violating task makes the merge report the violation with a trace that replays; bad or
# mismatched summaries are refused with one line, exit 2, nothing written.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v jq >/dev/null || { echo "SKIP: jq is not installed (tools/setup installs it)"; exit 77; }
deposits="$SCENARIOS/three-customers-deposits.json"
moving="$SCENARIOS/moving-customer-3-branches.json"

# --summary-json applies to random walks only.
expect_exit 2 "$BANKSIM" explore "$deposits" --summary-json s.json
expect_grep 'summary-json: applies only with --strategy random' "$WORK/err"
[[ ! -e s.json ]] || fail "a refused option wrote its file"
expect_exit 2 "$BANKSIM" explore "$deposits" --strategy random --summary-json s.json --trace-out s.json
expect_grep 'summary-json: names the --trace-out file' "$WORK/err"
# A task whose counterexample does not reproduce writes no summary (exit 70, internal).
BANKSIM_TEST_BREAK_COUNTEREXAMPLES=1 expect_exit 70 "$BANKSIM" explore "$SCENARIOS/moving-customer-3-branches.json" \
  --protocol async --strategy random --walks 5 --summary-json s.json --trace-out st.json -q
expect_grep 'summary-json: s.json not written' "$WORK/err"
[[ ! -e s.json ]] || fail "a task with a broken counterexample wrote its summary"

# Four tasks on a scenario where sync violates nothing.
for s in 1 2 3 4; do
  expect_exit 0 "$BANKSIM" explore "$deposits" --protocol sync --strategy random --walks 30 \
    --seed "$s" --summary-json "out-$s.json" -q
done
# The same task twice: byte-identical summaries.
expect_exit 0 "$BANKSIM" explore "$deposits" --protocol sync --strategy random --walks 30 \
  --seed 3 --summary-json again-3.json -q
cmp out-3.json again-3.json || fail "a task's summary is not deterministic"

expect_exit 0 "$BANKSIM" merge out-1.json out-2.json out-3.json out-4.json -o merged.json
cp "$WORK/out" merged.txt
# What the pieces say, recomputed with jq, base64 and od.
sum() { jq -s "map($1) | add" out-[1-4].json; }
[[ $(jq '.coverage.transitions' merged.json) == $(sum .coverage.transitions) ]] ||
  fail "merged transitions are not the tasks' sum"
[[ $(jq '.coverage.quiescent_walk_ends' merged.json) == $(sum .coverage.quiescent_walk_ends) ]] ||
  fail "merged quiescent walk ends are not the tasks' sum"
[[ $(jq '.coverage.max_depth' merged.json) == $(jq -s 'map(.coverage.max_depth) | max' out-[1-4].json) ]] ||
  fail "merged max depth is not the tasks' max"
[[ $(jq '[.tasks[].seed]' -c merged.json) == '[1,2,3,4]' ]] || fail "merged tasks are not seeds 1-4"
union=$(for f in out-[1-4].json; do jq -r '.fingerprints.data' "$f" | base64 -d | od -An -v -tx8; done |
  tr -s ' ' '\n' | grep -v '^$' | sort -u | wc -l)
distinct=$(jq '.coverage.distinct' merged.json)
[[ "$distinct" == "$union" ]] || fail "merged distinct $distinct, union of the pieces' fingerprints $union"
own=$(sum .coverage.distinct)
((distinct < own)) || fail "the walks overlap, yet the union ($distinct) is not below the sum ($own)"
grouped() { echo "$1" | sed ':a; s/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/; ta'; }
expect_grep "^distinct states $(grouped "$distinct"): the exact union of the tasks' state fingerprints \\(their own counts sum to $(grouped "$own")\\)" merged.txt
expect_grep '^walks 120 of 120 requested' merged.txt
expect_grep '^read-your-writes +yes +not violated in the [0-9,]+ distinct states reached \(120 random walks in 4 tasks: sampled, not a proof\)' merged.txt
expect_grep '^convergence +yes +not violated at the 120 quiescent walk ends reached' merged.txt
if grep -qE 'holds|proved' merged.txt; then fail "a swarm claimed a proof"; fi
[[ $(jq -r '[.verdicts[].verdict] | unique | join(",")' merged.json) == not-violated ]] ||
  fail "merged verdicts are not all not-violated"

# Order does not matter; a merge of merges is the same merge.
expect_exit 0 "$BANKSIM" merge out-4.json out-2.json out-3.json out-1.json -o reversed.json
cmp merged.json reversed.json || fail "the merge depends on the order of its inputs"
expect_exit 0 "$BANKSIM" merge out-1.json out-2.json -o half.json
expect_exit 0 "$BANKSIM" merge out-4.json half.json out-3.json -o nested.json
cmp merged.json nested.json || fail "a merge of merges differs from the merge of the tasks"

# Violating tasks (async lets a moving customer miss its own deposit): the merge reports
# the violation with the shortest of the tasks' counterexamples, and its trace replays.
for s in 1 2 3 4; do
  expect_exit 1 "$BANKSIM" explore "$moving" --protocol async --strategy random --walks 20 \
    --seed "$s" --keep-going --trace-out "task-$s.json" --summary-json "bad-$s.json" -q
done
expect_exit 1 "$BANKSIM" merge bad-1.json bad-2.json bad-3.json bad-4.json -o bad.json --trace-out m.json
cp "$WORK/out" bad.txt
expect_grep '^read-your-writes +no +VIOLATED: ' bad.txt
shortest=$(jq -s '[.[].counterexamples[] | select(.property == "read-your-writes") | .deliveries] | min' bad-[1-4].json)
expect_grep "^counterexample for read-your-writes: $shortest deliveries .*replayed and reproduced" bad.txt
[[ $(jq '.counterexamples[] | select(.property == "read-your-writes") | .deliveries' bad.json) == "$shortest" ]] ||
  fail "the merged counterexample is not the shortest"
[[ $(jq -r '.verdicts[] | select(.property == "read-your-writes") | .verdict' bad.json) == violated ]] ||
  fail "the merged summary does not say violated"
expect_exit 1 "$BANKSIM" replay m-read-your-writes.json
expect_grep '^reproduced the recorded read-your-writes violation' "$WORK/out"
# A violating task among clean ones still makes the merge report it (one walk each: seed
# 1's first walk violates nothing, seed 2's does).
expect_exit 0 "$BANKSIM" explore "$moving" --protocol async --strategy random --walks 1 --seed 1 \
  --summary-json one-1.json -q
expect_exit 1 "$BANKSIM" explore "$moving" --protocol async --strategy random --walks 1 --seed 2 \
  --trace-out t2.json --summary-json one-2.json -q
expect_exit 1 "$BANKSIM" merge one-1.json one-2.json --trace-out one.json
expect_grep '^read-your-writes +no +VIOLATED: ' "$WORK/out"
expect_grep 'from the task with seed 2\), replayed and reproduced' "$WORK/out"
# Another --check is another search: refused.
expect_exit 0 "$BANKSIM" explore "$moving" --protocol async --strategy random --walks 1 --seed 3 \
  --check convergence --summary-json conv.json -q
expect_exit 2 "$BANKSIM" merge one-1.json conv.json
expect_grep 'conv.json: \$\.search\.check: ' "$WORK/err"

# Bad input: one line naming the file and the JSON path, exit 2, nothing written.
refused() {  # refused PATTERN SUMMARY...
  local pattern=$1
  shift
  rm -f never.json
  expect_exit 2 "$BANKSIM" merge "$@" -o never.json
  [[ $(wc -l <"$WORK/err") == 1 ]] || fail "expected one line on stderr: $(cat "$WORK/err")"
  expect_grep "$pattern" "$WORK/err"
  [[ ! -e never.json ]] || fail "a refused merge wrote its output"
}
refused 'missing.json: cannot open file' out-1.json missing.json
head -c 2000 out-2.json >truncated.json
refused 'truncated.json: \$: malformed JSON' out-1.json truncated.json
(($(wc -c <"$WORK/err") < 600)) || fail "the error for a truncated summary is $(wc -c <"$WORK/err") bytes long"
jq -c '.fingerprints.data |= .[:-4]' out-2.json >short.json
refused 'short.json: \$\.fingerprints\.data: ' out-1.json short.json
jq -c '.coverage.distinct += 1' out-2.json >count.json
refused 'count.json: \$\.fingerprints\.data: holds [0-9]+ fingerprints; \$\.coverage\.distinct says' count.json
jq -c '.banksim_version = "0.0-other"' out-2.json >version.json
refused 'version.json: \$\.banksim_version: "0.0-other" differs from out-1.json' out-1.json version.json
"$BANKSIM" explore "$deposits" --protocol sync --strategy random --walks 5 --seed 9 \
  --max-depth 4 --summary-json depth.json -q >/dev/null
refused 'depth.json: \$\.search\.max_depth: 4 differs from out-1.json' out-1.json depth.json
"$BANKSIM" explore "$moving" --protocol sync --strategy random --walks 5 --seed 9 \
  --summary-json other.json -q >/dev/null
refused 'other.json: \$\.identity: [0-9a-f]{16} differs from out-1.json.*another scenario' out-1.json other.json
refused 'half.json: \$\.tasks\[0\]\.seed: seed 1 is also in out-1.json' out-1.json half.json
jq -c '(.verdicts[] | select(.property == "read-your-writes")) |= (.verdict = "not-violated")' \
  bad-1.json >hidden.json
refused 'hidden.json: \$\.verdicts\[3\]: does not match' hidden.json
jq -c '.counterexamples[0].trace.banksim_trace = 7' bad-1.json >trace.json
refused 'trace.json: \$\.counterexamples\[0\]\.trace\.banksim_trace: must be 1' trace.json
jq -c '.extra = 1' out-1.json >extra.json
refused 'extra.json: \$\.extra: unknown field' extra.json

# A counterexample that does not reproduce (the first: monotonic-writes, cut short by one
# delivery): exit 70 (internal), its trace and the merged summary not written; the others, replayed, are.
jq -c '.counterexamples[0].trace.schedule |= .[:-1] | .counterexamples[0].deliveries -= 1' \
  bad-1.json >broken.json
rm -f b-*.json
expect_exit 70 "$BANKSIM" merge broken.json -o b.json --trace-out b.json
expect_grep 'does not reproduce' "$WORK/err"
expect_grep '^monotonic-writes +no +not judged: the violation found did not reproduce' "$WORK/out"
[[ ! -e b.json && ! -e b-monotonic-writes.json ]] || fail "an unreproduced counterexample was written"
[[ -e b-read-your-writes.json ]] || fail "a reproduced counterexample was not written"
# Fault budgets are part of the search: summaries record them, merge keeps them and says how
# many faults a counterexample took, and refuses to merge searches with other budgets.
faults="$SCENARIOS/faults/small.json"
for s in 1 2; do
  expect_exit 1 "$BANKSIM" explore "$faults" --protocol async --strategy random --walks 40 \
    --seed "$s" --max-drops 1 --check liveness --summary-json "fd-$s.json" --trace-out "fd-$s-trace.json" -q
done
[[ $(jq -c '.search.faults' fd-1.json) == '{"drops":1,"duplicates":0,"crashes":0,"partitions":0}' ]] ||
  fail "a summary does not record its fault budget: $(jq -c .search fd-1.json)"
expect_exit 1 "$BANKSIM" merge fd-1.json fd-2.json -o fd-merged.json --trace-out fd-m.json
expect_grep '^counterexample for liveness: [0-9]+ deliveries and 1 fault ' "$WORK/out"
[[ $(jq '.counterexamples[0].faults' fd-merged.json) == 1 ]] ||
  fail "the merged counterexample does not count its fault"
expect_exit 1 "$BANKSIM" replay fd-m-liveness.json
[[ ! -e fd-m-read-your-writes.json ]] || fail "an unchecked property was reported"
"$BANKSIM" explore "$faults" --protocol async --strategy random --walks 40 --seed 3 --check liveness \
  --summary-json fd-0.json --trace-out fd-0-trace.json -q >/dev/null || [[ $? == 1 ]]
[[ $(jq -c '.search | has("faults")' fd-0.json) == false ]] ||
  fail "a summary without budgets grew a faults block"
refused 'fd-1.json: \$\.search\.faults: drops 1, duplicates 0, crashes 0, partitions 0 differs from fd-0.json.s drops 0,' \
  fd-0.json fd-1.json
jq -c '.search.faults.drops = 0' fd-1.json >zero.json
refused 'zero.json: \$\.search\.faults: has every budget 0' zero.json
jq -c 'del(.counterexamples[0].faults)' fd-1.json >nofault.json
refused 'nofault.json: \$\.counterexamples\[0\]\.faults: is required but missing' nofault.json
echo "merge_test: ok"
