#!/usr/bin/env bash
# replay --backend grpc: a conductor releases every message between real branch processes in
# the trace's order. Its output equals the simulated replay's byte for byte: on a
# counterexample found by explore, on a recorded run (with times, json format), and on a
# schedule that does not fit (the same error, exit 2).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/grpc_lib.sh"

# A counterexample found by explore: async breaks read-your-writes on seed 002's test 2.
expect_exit 1 "$BANKSIM" explore "$SEEDS/cc-dest-test2.input.json" --protocol async -q \
  --trace-out "$WORK/ryw.json"
same_replay "$WORK/ryw.json"
[[ $REPLAY_STATUS == 1 ]] || fail "the counterexample replayed with status $REPLAY_STATUS"
expect_grep "^reproduced the recorded read-your-writes violation" "$WORK/grpc.out"
same_replay "$WORK/ryw.json" --no-timeline --format json

# A recorded run with recorded times, sync (acks) and session (held requests).
for p in sync session; do
  expect_exit 0 "$BANKSIM" run "$SCENARIOS/session-2-customers-3-branches.json" --protocol $p \
    --seed 3 --no-fifo --record "$WORK/run-$p.json"
  same_replay "$WORK/run-$p.json"
  same_replay "$WORK/run-$p.json" --format json --debug
done

# A schedule that does not fit its scenario: the same error, exit 2.
sed '/"schedule": \[/,/\]/{s/^  0,$/  7,/}' "$WORK/ryw.json" >"$WORK/bad.json"
same_replay "$WORK/bad.json"
[[ $REPLAY_STATUS == 2 ]] || fail "a bad schedule replayed with status $REPLAY_STATUS"
cmp "$WORK/sim.err" "$WORK/grpc.err" || fail "the errors differ"
expect_grep 'schedule\[0\]: message 7 is not in flight' "$WORK/grpc.err"

expect_no_branch_processes
