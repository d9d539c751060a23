#!/usr/bin/env bash
# A swarm of random-walk tasks on one machine (or several, with GNU parallel's --sshlogin),
# then their merge. Usage:
#   tools/swarm/parallel.sh SCENARIO TASKS WALKS OUTDIR [EXPLORE_OPTION...]
# Task i (1..TASKS) runs, with seed FIRST_SEED + i - 1 (FIRST_SEED defaults to 1):
#   banksim explore SCENARIO --strategy random --walks WALKS --seed S \
#     --summary-json OUTDIR/out-S.json --trace-out OUTDIR/trace-S.json -q EXPLORE_OPTION...
# then: banksim merge OUTDIR/out-*.json -o OUTDIR/merged.json --trace-out OUTDIR/trace.json
# Exit status: merge's (0 nothing violated, 1 a violation: its trace is OUTDIR/trace-<property>.json,
# 2 bad input, 3 a counterexample did not reproduce); 2 when a task failed (exit status 2 or
# more: its output is in OUTDIR/task-S.log).
# Environment: BANKSIM (default: banksim on PATH), JOBS (parallel jobs, default one per
# core), FIRST_SEED.
set -euo pipefail
if (($# < 4)); then
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
scenario=$1 tasks=$2 walks=$3 outdir=$4
shift 4
banksim=${BANKSIM:-banksim}
first=${FIRST_SEED:-1}
command -v parallel >/dev/null || { echo "parallel.sh: GNU parallel is not installed (Debian: apt-get install parallel)" >&2; exit 2; }
mkdir -p "$outdir"
rm -f "$outdir"/out-*.json
seeds=$(seq "$first" $((first + tasks - 1)))
# One task; a task fails when explore exits 2 or more (1 only means a violation was found).
# Exported (with the explore options) so that the shells GNU parallel starts have it.
swarm_task() {
  local seed=$1 status=0
  eval "local options=($SWARM_OPTIONS)"
  "$SWARM_BANKSIM" explore "$SWARM_SCENARIO" --strategy random --walks "$SWARM_WALKS" \
    --seed "$seed" --summary-json "$SWARM_OUT/out-$seed.json" \
    --trace-out "$SWARM_OUT/trace-$seed.json" -q "${options[@]}" \
    >"$SWARM_OUT/task-$seed.log" 2>&1 || status=$?
  if ((status > 1)); then
    echo "task seed $seed: exit status $status (see $SWARM_OUT/task-$seed.log)" >&2
    return 1
  fi
}
export -f swarm_task
export SWARM_BANKSIM=$banksim SWARM_SCENARIO=$scenario SWARM_WALKS=$walks SWARM_OUT=$outdir
SWARM_OPTIONS=$(printf '%q ' "$@")
export SWARM_OPTIONS
# shellcheck disable=SC2086  # one seed per word
if ! SHELL=bash parallel --will-cite --jobs "${JOBS:-100%}" swarm_task ::: $seeds; then
  echo "parallel.sh: some task failed; nothing merged" >&2
  exit 2
fi
files=()
for s in $seeds; do files+=("$outdir/out-$s.json"); done
exec "$banksim" merge "${files[@]}" -o "$outdir/merged.json" --trace-out "$outdir/trace.json"
