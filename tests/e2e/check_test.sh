#!/usr/bin/env bash
# banksim check: the seeds' expected outputs pass; on banksim's own outputs (every
# protocol, many seeds) it agrees with what `run` judged on the same execution; hand-
# mutated outputs are caught; bad input gets exit 2 with the file and the JSON path.
source "$(dirname "$0")/lib.sh"

# verdict FILE PROPERTY: the verdict column of PROPERTY's row in a property table.
verdict() {
  awk -v p="$2" '$1 == p { print $3 }' "$1"
}

# --- the seeds' own expected outputs pass ---------------------------------------------------
for name in p1-three-branches cc-dest-test1 cc-dest-test2; do
  for settled in "" --settled; do
    expect_exit 0 "$BANKSIM" check --input "$SEEDS/$name.input.json" \
      --output "$SEEDS/$name.expected.json" $settled
  done
done
expect_exit 0 "$BANKSIM" check --input "$SEEDS/p1-three-branches.input.json" \
  --output "$SEEDS/p1-three-branches.expected.json" --settled --protocol sync
expect_grep '^banksim check: .*p1-three-branches.expected.json \(recv form\)' "$WORK/out"
expect_grep '^convergence +yes +held' "$WORK/out"
expect_grep '^conservation +yes +held' "$WORK/out"
expect_grep '^read-your-writes +yes +held' "$WORK/out"
expect_grep '^liveness +yes +held' "$WORK/out"
expect_exit 0 "$BANKSIM" check --input "$SEEDS/cc-dest-test1.input.json" \
  --output "$SEEDS/cc-dest-test1.expected.json"
expect_grep '\(balance form\)' "$WORK/out"
expect_grep '^liveness +- +not judged +the balance form shows' "$WORK/out"
expect_grep '^convergence +- +not judged +the output has no times' "$WORK/out"
# Seed 004's example: both queries see 400 (banksim's expected events output for it).
expect_exit 0 "$BANKSIM" check --input "$SEEDS/ryw-branch-key.input.json" \
  --output "$SCENARIOS/expected/seed-ryw-branch-key.session.seed1.events.json"
expect_grep '\(events form\)' "$WORK/out"
expect_grep '^consecutive-queries +- +held' "$WORK/out"

# --- hand-mutated outputs are caught --------------------------------------------------------
P1_IN="$SEEDS/p1-three-branches.input.json"
P1_OUT="$SEEDS/p1-three-branches.expected.json"
# A changed balance: customer 1's query says 510.
sed '0,/"money": 500/s//"money": 510/' "$P1_OUT" >"$WORK/changed.json"
expect_exit 1 "$BANKSIM" check --input "$P1_IN" --output "$WORK/changed.json"
expect_grep '^read-your-writes +- +violated +customer 1 event 1 \(query\) at branch 1 saw balance 510, which no admissible balance gives' "$WORK/out"
# A missing reply: customer 3's query is gone.
cat >"$WORK/missing.json" <<'EOF'
[
  {"id": 1, "recv": [{"interface": "query", "result": "success", "money": 500}]},
  {"id": 2, "recv": [{"interface": "deposit", "result": "success"},
                     {"interface": "query", "result": "success", "money": 500}]},
  {"id": 3, "recv": [{"interface": "withdraw", "result": "success"}]}
]
EOF
expect_exit 1 "$BANKSIM" check --input "$P1_IN" --output "$WORK/missing.json"
expect_grep '^liveness +- +violated +customer 3 event 5 \(query\) was never answered' "$WORK/out"
# A swapped result: customer 3's withdraw of 70 from 400 "failed".
awk '/"interface": "withdraw"/ { w = 1 } w && /"result": "success"/ { sub(/success/, "fail"); w = 0 } { print }' \
  "$P1_OUT" >"$WORK/swapped.json"
expect_exit 1 "$BANKSIM" check --input "$P1_IN" --output "$WORK/swapped.json"
expect_grep '^withdraw-decisions +- +violated +customer 3 event 4 \(withdraw 70\) failed at branch 3 though every admissible balance covers it \(at least 400\)' "$WORK/out"
# cc-dest-test2 (balance form): the final query at branch 2 must see the deposit of 400.
echo '[{"id": 1, "balance": 0}]' >"$WORK/cc2.json"
expect_exit 1 "$BANKSIM" check --input "$SEEDS/cc-dest-test2.input.json" --output "$WORK/cc2.json"
expect_grep '^read-your-writes +- +violated +customer 1 event 2 \(query\) at branch 2 saw balance 0 without customer 1 event 1 \(deposit 400\)' "$WORK/out"
# Seed 004's rule on the events form: the second query disagrees with the first.
sed '0,/"balance": 400/! s/"balance": 400/"balance": 0/' \
  "$SCENARIOS/expected/seed-ryw-branch-key.session.seed1.events.json" >"$WORK/ryw.json"
expect_exit 1 "$BANKSIM" check --input "$SEEDS/ryw-branch-key.input.json" --output "$WORK/ryw.json"
expect_grep '^consecutive-queries +- +violated +customer 1 event 2 \(query\) at branch 1 saw 400 but the next, customer 1 event 3 \(query\) at branch 2, saw 0' "$WORK/out"

# --- banksim's own outputs: check agrees with run on the same execution --------------------
# Amounts are distinct powers of two, so a balance shows exactly which writes it includes:
# whenever run saw a query miss its customer's own write, the output shows it.
cat >"$WORK/powers.json" <<'EOF'
[
  {"id": 1, "type": "branch", "balance": 0},
  {"id": 2, "type": "branch", "balance": 0},
  {"id": 3, "type": "branch", "balance": 0},
  {"id": 1, "type": "customer", "events": [
    {"id": 1, "interface": "deposit", "money": 1, "dest": 1},
    {"id": 2, "interface": "query", "dest": 2},
    {"id": 3, "interface": "deposit", "money": 4, "dest": 3},
    {"id": 4, "interface": "query", "dest": 1},
    {"id": 5, "interface": "deposit", "money": 16, "dest": 2},
    {"id": 6, "interface": "query", "dest": 3},
    {"id": 7, "interface": "query", "dest": 1}]},
  {"id": 2, "type": "customer", "events": [
    {"id": 1, "interface": "deposit", "money": 2, "dest": 2},
    {"id": 2, "interface": "query", "dest": 3},
    {"id": 3, "interface": "deposit", "money": 8, "dest": 1},
    {"id": 4, "interface": "query", "dest": 2},
    {"id": 5, "interface": "deposit", "money": 32, "dest": 3},
    {"id": 6, "interface": "query", "dest": 1}]},
  {"id": 3, "type": "customer", "events": [
    {"id": 1, "interface": "query", "dest": 3},
    {"id": 2, "interface": "deposit", "money": 64, "dest": 3},
    {"id": 3, "interface": "query", "dest": 1},
    {"id": 4, "interface": "query", "dest": 2}]}
]
EOF
# With withdraws (some must fail): run's read-your-writes judges queries, check's also
# withdraw decisions, so here check must find at least what run found.
cat >"$WORK/withdraws.json" <<'EOF'
[
  {"id": 1, "type": "branch", "balance": 100},
  {"id": 2, "type": "branch", "balance": 100},
  {"id": 1, "type": "customer", "events": [
    {"id": 1, "interface": "deposit", "money": 64, "dest": 1},
    {"id": 2, "interface": "withdraw", "money": 128, "dest": 2},
    {"id": 3, "interface": "query", "dest": 2},
    {"id": 4, "interface": "withdraw", "money": 512, "dest": 1},
    {"id": 5, "interface": "query", "dest": 1}]},
  {"id": 2, "type": "customer", "events": [
    {"id": 1, "interface": "withdraw", "money": 16, "dest": 2},
    {"id": 2, "interface": "query", "dest": 1},
    {"id": 3, "interface": "deposit", "money": 256, "dest": 1},
    {"id": 4, "interface": "withdraw", "money": 32, "dest": 2},
    {"id": 5, "interface": "query", "dest": 2}]}
]
EOF
ryw_runs=0
for protocol in sync async session; do
  for seed in $(seq 1 15); do
    for scenario in powers withdraws; do
      got=0
      "$BANKSIM" run "$WORK/$scenario.json" --protocol "$protocol" --seed "$seed" --no-fifo \
        --format recv \
        -o "$WORK/results.json" --history "$WORK/history.json" >"$WORK/run.txt" || got=$?
      [[ $got == 0 || $got == 1 ]] || fail "run $scenario $protocol seed $seed: exit $got"
      run_ryw=$(verdict "$WORK/run.txt" read-your-writes)
      for output in history results; do
        got=0
        "$BANKSIM" check --input "$WORK/$scenario.json" --output "$WORK/$output.json" \
          --protocol "$protocol" >"$WORK/check.txt" 2>"$WORK/err" || got=$?
        [[ $got == 0 || $got == 1 ]] || { cat "$WORK/err" >&2; fail "check exit $got"; }
        check_ryw=$(verdict "$WORK/check.txt" read-your-writes)
        where="$scenario $protocol seed $seed, $output: run $run_ryw, check $check_ryw"
        if [[ $run_ryw == violated ]]; then
          ryw_runs=$((ryw_runs + 1))
          # A recv output shows a withdraw's result, not the balance it was decided on: a
          # refused withdraw there may be explained by other customers' withdraws (check
          # decides that exactly). A history, and a query's balance, show it.
          if [[ $output == history ]] || ! grep -q 'read-your-writes .*(withdraw' "$WORK/run.txt"; then
            [[ $check_ryw == violated ]] || fail "check missed a read-your-writes violation: $where"
          fi
        elif [[ $scenario == powers ]]; then
          [[ $check_ryw == held ]] || fail "check and run disagree: $where"
        fi
        # What every protocol keeps (and sync/session's promises) must never be violated.
        [[ $(verdict "$WORK/check.txt" withdraw-decisions) != violated ]] ||
          fail "withdraw decision: $where"
        if [[ $protocol != async ]]; then
          for p in read-your-writes liveness convergence conservation consecutive-queries; do
            [[ $(verdict "$WORK/check.txt" $p) != violated ]] || { cat "$WORK/check.txt" >&2; fail "$p: $where"; }
          done
        fi
      done
    done
  done
done
# The async runs must have produced violations for the comparison to mean anything.
((ryw_runs >= 10)) || fail "only $ryw_runs outputs with a read-your-writes violation"

# With times, a history's final queries judge convergence and conservation.
expect_exit 0 "$BANKSIM" run "$P1_IN" --seed 42 --quiescent-queries --history "$WORK/h.json" -o "$WORK/o.json"
expect_exit 0 "$BANKSIM" check --input "$P1_IN" --output "$WORK/h.json"
expect_grep '\(history form\)' "$WORK/out"
expect_grep '^convergence +- +held' "$WORK/out"
expect_grep '^conservation +- +held' "$WORK/out"
# banksim's --format json carries the history too.
expect_exit 0 "$BANKSIM" run "$P1_IN" --seed 42 --quiescent-queries --format json -o "$WORK/j.json"
expect_exit 0 "$BANKSIM" check --input "$P1_IN" --output "$WORK/j.json"
expect_grep '\(history form\)' "$WORK/out"
# Same inputs, same bytes.
"$BANKSIM" check --input "$P1_IN" --output "$WORK/h.json" >"$WORK/a.txt"
"$BANKSIM" check --input "$P1_IN" --output "$WORK/h.json" >"$WORK/b.txt"
cmp -s "$WORK/a.txt" "$WORK/b.txt" || fail "check's output differs between two runs"

# --- bad input: exit 2, one line naming the file, the JSON path (or flag) and the rule -----
echo '[{"id": 1, "recv": [' >"$WORK/garbage.json"
expect_exit 2 "$BANKSIM" check --input "$P1_IN" --output "$WORK/garbage.json"
expect_grep "^banksim: $WORK/garbage.json: \\$: malformed JSON" "$WORK/err"
echo '[{"id": 2, "recv": [{"interface": "query", "result": "success", "money": 1}]}]' >"$WORK/wrong.json"
expect_exit 2 "$BANKSIM" check --input "$P1_IN" --output "$WORK/wrong.json"
expect_grep "^banksim: $WORK/wrong.json: \\$\\[0\\]\\.recv\\[0\\]\\.interface: must be \"deposit\" \\(customer 2 event 2 in the input\\), not \"query\"$" "$WORK/err"
echo '[{"id": 1, "recv": [{"interface": "query", "result": "success", "money": "500"}]}]' >"$WORK/string.json"
expect_exit 2 "$BANKSIM" check --input "$P1_IN" --output "$WORK/string.json"
expect_grep '\$\[0\]\.recv\[0\]\.money: must be an integer, not a string$' "$WORK/err"
expect_exit 2 "$BANKSIM" check --input "$WORK/garbage.json" --output "$P1_OUT"
expect_grep "^banksim: $WORK/garbage.json: \\$: malformed JSON" "$WORK/err"
expect_exit 2 "$BANKSIM" check --input "$P1_IN" --output "$WORK/none.json"
expect_grep "none.json: cannot open file" "$WORK/err"
expect_exit 2 "$BANKSIM" check --input "$P1_IN" --output "$P1_OUT" --format xml
expect_grep '^banksim: --format: unknown format "xml"' "$WORK/err"
expect_exit 2 "$BANKSIM" check --input "$P1_IN" --output "$P1_OUT" --format balance
expect_grep 'p1-three-branches.expected.json: \$\[0\]: missing "balance"$' "$WORK/err"
expect_exit 2 "$BANKSIM" check --input "$P1_IN" --output "$WORK/h.json" --settled
expect_grep '^banksim: --settled: does not apply' "$WORK/err"
expect_exit 2 "$BANKSIM" check --input "$P1_IN" --output "$P1_OUT" --protocol paxos
expect_grep '^banksim: --protocol: unknown protocol "paxos"' "$WORK/err"
[[ $(wc -l <"$WORK/err") == 1 ]] || fail "error is not one line"
echo "check_test: ok ($ryw_runs outputs with read-your-writes violations agreed)"
