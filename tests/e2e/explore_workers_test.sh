#!/usr/bin/env bash
# banksim explore --workers: the summary (counts, verdicts) and the counterexample traces
# of a search are the same for 1, 2 and 4 workers, on complete searches, searches that
# find violations (with and without --keep-going) and under FIFO. Only the lines that
# measure the run (elapsed, memory, the worker count) may differ, and at an early stop
# the counts line, which then says it depends on thread timing. --workers above 1 is
# refused where the result would depend on the order states are reached in.
source "$(dirname "$0")/lib.sh"
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
[[ -x "$GEN" ]] || fail "no banksim_gen next to $BANKSIM"
cd "$WORK"
shopt -s nullglob
expect_exit 0 "$GEN" --branches 3 --customers 3 --events 4 --seed 1 -o session.json
# Big enough (155,588 states) that workers reach states by different paths: a persistent
# set that broke ties by message id (path-dependent) gave 148,752 to 149,464 states here.
expect_exit 0 "$GEN" --branches 3 --customers 4 --events 4 --seed 1 -o session-344.json
expect_exit 0 "$GEN" --branches 3 --customers 3 --events 3 --seed 2 \
  --mix deposit=1,withdraw=2,query=1 -o withdraws.json
cp "$SCENARIOS/concurrent-withdraws.json" "$SCENARIOS/moving-customer-3-branches.json" .

# same SCENARIO EXIT ARGS...: every worker count gives the same summary and traces.
same() {
  local scenario=$1 want=$2
  shift 2
  local first=""
  for w in 1 2 4 4; do
    mkdir -p "w$w"
    (cd "w$w" && expect_exit "$want" "$BANKSIM" explore "../$scenario" -q --workers "$w" \
      --trace-out t.json "$@")
    # The run's own measures, and the counts of a search stopped early, may differ.
    local early=()
    grep -q '^search: stopped at the first violation$' "$WORK/out" && early=(-e '^states visited ')
    grep -v -e '^elapsed ' -e '^memory: ' "${early[@]}" "$WORK/out" |
      sed -e 's/, [0-9]* workers,/,/' >"w$w/summary.txt"
    if [[ -z "$first" ]]; then
      first=$w
      continue
    fi
    diff "w$first/summary.txt" "w$w/summary.txt" >&2 ||
      fail "--workers $w summary differs from --workers $first: $scenario $*"
    for t in "w$first"/t*.json; do
      cmp -s "$t" "w$w/$(basename "$t")" || fail "--workers $w trace $(basename "$t") differs: $scenario $*"
    done
  done
  expect_grep '^search: ' "w1/summary.txt"
  rm -rf w1 w2 w4
}

same session.json 0 --protocol session --no-compare
expect_grep '^states visited 13,485, distinct 6,915' "$WORK/out"
same session.json 0 --protocol session --fifo --no-compare
same session-344.json 0 --protocol session --no-compare
expect_grep '^states visited 318,979, distinct 155,588, transitions 318,978, terminal 1,' "$WORK/out"
same withdraws.json 0 --protocol sync
same concurrent-withdraws.json 1 --protocol sync
same concurrent-withdraws.json 1 --protocol sync --keep-going
same concurrent-withdraws.json 1 --protocol async --keep-going --fifo
same moving-customer-3-branches.json 1 --protocol async
same moving-customer-3-branches.json 1 --protocol async --keep-going
same moving-customer-3-branches.json 1 --protocol async --keep-going --max-drops 1
same withdraws.json 1 --protocol async --keep-going
same withdraws.json 1 --protocol async

# An early stop with several workers says its counts are this run's.
expect_exit 1 "$BANKSIM" explore withdraws.json -q --protocol async --workers 2 --trace-out x.json
expect_grep '^states visited .* \(when the workers stopped: depends on thread timing\)$' "$WORK/out"
expect_grep '^protocol async, strategy dfs, 2 workers, reduction' "$WORK/out"

# Refused: more than one worker where the order states are reached in decides the result.
expect_exit 2 "$BANKSIM" explore session.json --workers 2 --max-depth 5
expect_grep '--workers: --max-depth bounds a search' "$WORK/err"
expect_exit 2 "$BANKSIM" explore session.json --workers 2 --max-states 100
expect_grep '--workers: --max-states bounds a search' "$WORK/err"
expect_exit 2 "$BANKSIM" explore session.json --workers 2 --strategy random
expect_grep '--workers: applies only to --strategy dfs' "$WORK/err"
expect_exit 2 "$BANKSIM" explore session.json --workers 0
expect_grep '--workers: must be between 1 and 256, not 0' "$WORK/err"
# ...but the bounds alone still run (with one worker).
expect_exit 0 "$BANKSIM" explore session.json -q --protocol session --max-depth 5
expect_grep '^protocol session, strategy dfs, reduction' "$WORK/out"
echo ok
