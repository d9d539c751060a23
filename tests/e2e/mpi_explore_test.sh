#!/usr/bin/env bash
# banksim explore --mpi under mpirun (registered only in a BANKSIM_MPI build): for -np 1,
# 2 and 4 (oversubscribed on a small machine) the summary (counts, verdicts) and the
# counterexample traces are those of the search without MPI, byte for byte; only the
# lines that measure the run (elapsed, memory, the mpi and per-rank lines) differ, and at
# an early stop the counts line (the breadth-first search stops after the level where it
# met the violation). The counterexample replays. Options that do not apply are refused.
source "$(dirname "$0")/lib.sh"
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
[[ -x "$GEN" ]] || fail "no banksim_gen next to $BANKSIM"
MPIRUN=${MPIRUN:-mpirun}
# mpirun refuses root without these (containers, CI).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Shared memory only: no network interface is probed.
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
# Open MPI does not free everything it allocates in MPI_Init: no leak report for it in the
# sanitizer build (the other checks stay on).
if [[ "${BANKSIM_SANITIZED:-0}" == 1 || "${BANKSIM_SANITIZED:-}" == ON ]]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
cd "$WORK"
shopt -s nullglob
expect_exit 0 "$GEN" --branches 3 --customers 3 --events 3 --seed 1 -o session.json
cp "$SCENARIOS/concurrent-withdraws.json" "$SCENARIOS/moving-customer-3-branches.json" .

summary() {  # the summary without the run's own measures (and the counts at an early stop)
  local early=()
  grep -q '^search: stopped at the first violation$' "$1" && early=(-e '^states visited ')
  grep -v -e '^elapsed ' -e '^memory: ' -e '^mpi: ' -e '^  rank [0-9]*: ' "${early[@]}" "$1" |
    if ((${ANY_DEPTH:-0})); then sed -e 's/, max depth [0-9]*$//'; else cat; fi
}

# same SCENARIO EXIT ARGS...: -np 1, 2, 4 (or $NPS) give the summary and traces of explore
# alone.
same() {
  local scenario=$1 want=$2
  shift 2
  mkdir -p local
  (cd local && expect_exit "$want" "$BANKSIM" explore "../$scenario" -q --workers 1 \
    --trace-out t.json "$@")
  summary "$WORK/out" >local/summary.txt
  for np in ${NPS:-1 2 4}; do
    mkdir -p "np$np"
    (cd "np$np" && expect_exit "$want" "$MPIRUN" --oversubscribe -np "$np" "$BANKSIM" explore \
      "../$scenario" -q --mpi --trace-out t.json "$@")
    expect_grep "^mpi: +$np ranks, breadth-first" "$WORK/out"
    expect_grep "^  rank $((np - 1)): " "$WORK/out"
    summary "$WORK/out" >"np$np/summary.txt"
    diff local/summary.txt "np$np/summary.txt" >&2 ||
      fail "-np $np summary differs from explore without MPI: $scenario $*"
    local traces=(local/t*.json)
    local theirs=("np$np"/t*.json)
    [[ ${#traces[@]} == "${#theirs[@]}" ]] || fail "-np $np wrote other traces: $scenario $*"
    for t in "${traces[@]}"; do
      cmp -s "$t" "np$np/$(basename "$t")" ||
        fail "-np $np trace $(basename "$t") differs: $scenario $*"
    done
  done
}

# A complete search without violations (and the comparison without reduction).
same session.json 0 --protocol session
expect_grep '^search: complete' np4/summary.txt
expect_grep '^without reduction: distinct ' np4/summary.txt
rm -rf local np*
# Violations: every property (--keep-going: complete, counts compared) ...
same concurrent-withdraws.json 1 --protocol sync --keep-going
expect_grep '^states visited ' np4/summary.txt
rm -rf local np*
# ... the first one (stopped early: the minimized counterexample), which replays.
same moving-customer-3-branches.json 1 --protocol async
expect_grep '^search: stopped at the first violation' np2/summary.txt
expect_grep 'replayed and reproduced' np2/summary.txt
traces=(np4/t*.json)
[[ ${#traces[@]} == 1 ]] || fail "expected one trace, got ${traces[*]}"
expect_exit 1 "$BANKSIM" replay "${traces[0]}"
rm -rf local np*
# Fault budgets (their counts are part of the state); -np 4 only, to keep the test short.
NPS=4 same moving-customer-3-branches.json 1 --protocol async --keep-going --max-drops 1
rm -rf local np*
# With crashes (restarts, timers) paths to a state differ in length: the breadth-first max
# depth (the longest shortest path) may be below the depth-first one; the rest is equal.
ANY_DEPTH=1 NPS=4 same moving-customer-3-branches.json 0 --protocol robust --max-crashes 1 --no-compare
rm -rf local np*

# --no-minimize: the breadth-first schedules (not the depth-first search's), the same
# traces for every rank count.
for np in 2 4; do
  mkdir -p "nm$np"
  (cd "nm$np" && expect_exit 1 "$MPIRUN" --oversubscribe -np "$np" "$BANKSIM" explore \
    ../moving-customer-3-branches.json -q --mpi --protocol async --keep-going --no-minimize \
    --trace-out t.json)
done
traces=(nm2/t*.json)
[[ ${#traces[@]} == 3 ]] || fail "--no-minimize: expected 3 traces, got ${traces[*]}"
for t in "${traces[@]}"; do
  cmp -s "$t" "nm4/$(basename "$t")" || fail "--no-minimize: -np 4 trace $(basename "$t") differs"
done

# Refused, in one line, exit 2: options that do not apply to the MPI search.
for args in "--workers 2" "--max-depth 5" "--max-states 100"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$MPIRUN" --oversubscribe -np 2 "$BANKSIM" explore session.json --mpi $args
  expect_grep "^banksim: ${args%% *}.*: does not apply with --mpi" "$WORK/err"
  [[ $(grep -c 'does not apply with --mpi' "$WORK/err") == 1 ]] ||
    fail "the refusal of $args is not one line: $(cat "$WORK/err")"
done
echo ok
