#!/usr/bin/env bash
# replay --backend grpc of traces with drops, duplicates, partitions, crashes and restarts:
# the World decides what is lost or copied, the conducted branch processes perform every
# delivery, and a duplicate or stale message is accepted there as in process
# (Packet.repeats_possible). A crash SIGKILLs the branch process; a restart starts it again
# on the same port from its durable file (serve --data-dir, in a directory of the replay's
# own, removed at the end). Output and exit status equal the simulated replay's byte for byte.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/grpc_lib.sh"

S="$SCENARIOS/faults/small.json"

# Counterexamples found by explore with a budget of one fault (one file per violated
# property with --keep-going). Session deduplicates, so one duplicate breaks nothing there:
# the recorded runs below cover its duplicates.
for p in sync async session; do
  for fault in drops dups partitions crashes; do
    status=0
    "$BANKSIM" explore "$S" --protocol "$p" --max-"$fault" 1 --keep-going \
      --trace-out "$WORK/$p-$fault.json" -q >"$WORK/explore.out" 2>&1 || status=$?
    if [[ $p-$fault == session-dups ]]; then
      [[ $status == 0 ]] || fail "explore session --max-dups 1: exit $status"
      continue
    fi
    [[ $status == 1 ]] || fail "explore $p --max-$fault 1: exit $status, expected 1"
    traces=("$WORK/$p-$fault"-*.json)
    [[ -f "${traces[0]}" ]] || fail "explore $p --max-$fault 1 wrote no trace"
    # Some violations need no fault (async breaks read-your-writes anyway): at least one
    # trace must hold the fault.
    case $fault in
      drops) pattern='"drop": [0-9]' ;;
      dups) pattern='"dup": [0-9]' ;;
      partitions) pattern='"partition": "' ;;
      crashes) pattern='"restart": [0-9]' ;;
    esac
    grep -qE "$pattern" "${traces[@]}" || fail "explore $p --max-$fault 1: no trace with a fault"
    for t in "${traces[@]}"; do
      same_replay "$t"
      [[ $REPLAY_STATUS == 1 ]] || fail "$t: the counterexample replayed with $REPLAY_STATUS"
      expect_grep '^reproduced the recorded ' "$WORK/grpc.out"
    done
    same_replay "${traces[0]}" --no-timeline --format json
  done
done

# Recorded runs with random drops and duplicates (the branch processes accept a duplicated
# propagate: refused without repeats_possible), and with a scheduled partition.
for p in sync async session; do
  status=0
  "$BANKSIM" run "$S" --protocol "$p" --seed 4 --faults "dup=0.3,drop=0.05" \
    --record "$WORK/run-$p.json" >"$WORK/run.out" 2>&1 || status=$?
  [[ $status == 0 || $status == 1 ]] || fail "run $p --faults: exit $status"
  expect_grep '"dup": [0-9]' "$WORK/run-$p.json"
  same_replay "$WORK/run-$p.json"
  [[ $REPLAY_STATUS == "$status" ]] || fail "run-$p: replayed with $REPLAY_STATUS, ran with $status"
  same_replay "$WORK/run-$p.json" --format json --debug
  status=0
  "$BANKSIM" run "$S" --protocol "$p" --seed 4 --faults "drop=0.05,partition=1+2|3@2000..6000" \
    --record "$WORK/part-$p.json" >"$WORK/run.out" 2>&1 || status=$?
  [[ $status == 0 || $status == 1 ]] || fail "run $p --faults partition: exit $status"
  expect_grep '"partition": "' "$WORK/part-$p.json"
  expect_grep '"heal"' "$WORK/part-$p.json"
  same_replay "$WORK/part-$p.json" --debug
  [[ $REPLAY_STATUS == "$status" ]] || fail "part-$p: replayed with $REPLAY_STATUS, ran with $status"
done

# Recorded runs where branch 1 crashes after it applied writes (balance 90 or 110) and
# restarts before a query reaches it: the restarted process must come back from its durable
# file, not from the scenario, for the query and the final balances to match.
for p in sync async session; do
  status=0
  "$BANKSIM" run "$S" --protocol "$p" --seed 4 --faults "crash=1@5500,restart=1@9000" \
    --record "$WORK/crash-$p.json" >"$WORK/run.out" 2>&1 || status=$?
  [[ $status == 0 || $status == 1 ]] || fail "run $p --faults crash: exit $status"
  expect_grep '"restart": 1' "$WORK/crash-$p.json"
  same_replay "$WORK/crash-$p.json" --debug
  [[ $REPLAY_STATUS == "$status" ]] || fail "crash-$p: replayed with $REPLAY_STATUS, ran with $status"
  expect_grep 'branch 1: 100 -> (90|110)' "$WORK/grpc.out"
done

# Each replay removed its data directory and scenario copy.
leftover=$(find "$WORK" -maxdepth 1 -name 'banksim-grpc-*')
[[ -z "$leftover" ]] || fail "replay left $leftover behind"

expect_no_branch_processes
echo ok
