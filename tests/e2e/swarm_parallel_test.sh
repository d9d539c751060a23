#!/usr/bin/env bash
# tools/swarm/parallel.sh, the GNU parallel job file: 4 tasks run and merged; the merged
# summary is what the 4 pieces say (sums, max, the union of their fingerprints, the
# shortest counterexample), and the same swarm run again with other parallelism gives
# byte-identical merged output.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
command -v parallel >/dev/null || { echo "SKIP: GNU parallel is not installed (tools/setup installs it)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed (tools/setup installs it)"; exit 77; }
swarm="$BANKSIM_SOURCE_DIR/tools/swarm/parallel.sh"
export BANKSIM

check_pieces() {  # check_pieces DIR: merged.json against out-1..4.json
  local d=$1
  sum() { jq -s "map($1) | add" "$d"/out-[1-4].json; }
  [[ $(jq '.coverage.transitions' "$d/merged.json") == $(sum .coverage.transitions) ]] ||
    fail "$d: merged transitions are not the tasks' sum"
  [[ $(jq '[.tasks[].walks_taken] | add' "$d/merged.json") == $(sum '.tasks[0].walks_taken') ]] ||
    fail "$d: merged walks are not the tasks' sum"
  [[ $(jq '.coverage.max_depth' "$d/merged.json") == $(jq -s 'map(.coverage.max_depth) | max' "$d"/out-[1-4].json) ]] ||
    fail "$d: merged max depth is not the tasks' max"
  local union
  union=$(for f in "$d"/out-[1-4].json; do jq -r '.fingerprints.data' "$f" | base64 -d | od -An -v -tx8; done |
    tr -s ' ' '\n' | grep -v '^$' | sort -u | wc -l)
  [[ $(jq '.coverage.distinct' "$d/merged.json") == "$union" ]] ||
    fail "$d: merged distinct is not the union of the pieces' fingerprints ($union)"
  # Violated in the merge exactly when violated in some piece, with the shortest trace.
  local p merged pieces
  for p in $(jq -r '.search.check[]' "$d/merged.json"); do
    merged=$(jq -r --arg p "$p" '.verdicts[] | select(.property == $p) | .verdict' "$d/merged.json")
    pieces=$(jq -s -r --arg p "$p" '[.[].verdicts[] | select(.property == $p) | .verdict] |
      if index("violated") then "violated" elif index("not-violated") then "not-violated"
      else "not-judged" end' "$d"/out-[1-4].json)
    [[ "$merged" == "$pieces" ]] || fail "$d: $p is $merged in the merge, $pieces in the pieces"
    [[ "$merged" != violated ]] && continue
    [[ $(jq --arg p "$p" '.counterexamples[] | select(.property == $p) | .deliveries' "$d/merged.json") == \
       $(jq -s --arg p "$p" '[.[].counterexamples[] | select(.property == $p) | .deliveries] | min' "$d"/out-[1-4].json) ]] ||
      fail "$d: the merged $p counterexample is not the shortest"
  done
}

# A clean swarm (sync deposits): exit 0, every verdict "not violated", none "holds".
JOBS=2 expect_exit 0 bash "$swarm" "$SCENARIOS/three-customers-deposits.json" 4 25 clean --protocol sync
expect_grep '^search: sampled by 100 random walks in 4 tasks \(not a proof\)' "$WORK/out"
if grep -q 'holds' "$WORK/out"; then fail "a swarm claimed a property holds"; fi
check_pieces clean

# A violating swarm (async, a moving customer, --keep-going): exit 1, the violation
# reported and its trace replayable; run twice with other parallelism, byte-identical.
JOBS=4 expect_exit 1 bash "$swarm" "$SCENARIOS/moving-customer-3-branches.json" 4 15 one \
  --protocol async --keep-going
cp "$WORK/out" one.txt
expect_grep '^read-your-writes +no +VIOLATED' one.txt
check_pieces one
expect_exit 1 "$BANKSIM" replay one/trace-read-your-writes.json
expect_grep '^reproduced the recorded read-your-writes violation' "$WORK/out"
JOBS=1 expect_exit 1 bash "$swarm" "$SCENARIOS/moving-customer-3-branches.json" 4 15 two \
  --protocol async --keep-going
cmp one/merged.json two/merged.json || fail "the swarm's merged summary is not deterministic"
cmp one/trace-read-your-writes.json two/trace-read-your-writes.json ||
  fail "the swarm's merged trace is not deterministic"
sed 's#two/#one/#g' "$WORK/out" | cmp - one.txt || fail "the swarm's report is not deterministic"

# A failing task (bad option): exit 2, nothing merged.
expect_exit 2 bash "$swarm" "$SCENARIOS/three-customers-deposits.json" 2 5 failed --protocol nope
expect_grep 'some task failed; nothing merged' "$WORK/err"
[[ ! -e failed/merged.json ]] || fail "a failed swarm was merged"
echo "swarm_parallel_test: ok"
