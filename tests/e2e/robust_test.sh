#!/usr/bin/env bash
# The robust protocol (issue 15): complete exploration under fault budgets keeps every
# promise (session, under the same budgets, does not); timed runs with random faults
# retransmit and keep every promise; traces carry timer steps and replay them; gRPC
# refuses robust cleanly.
source "$(dirname "$0")/lib.sh"
S="$SCENARIOS/faults/small.json"
cd "$WORK"

# Complete searches with faults: nothing broken (budgets that finish in seconds; README
# gives the larger ones).
for budget in "--max-drops 2" "--max-drops 1 --max-crashes 1" "--max-dups 1 --max-partitions 1"; do
  # shellcheck disable=SC2086
  expect_exit 0 "$BANKSIM" explore "$S" --protocol robust $budget -q
  expect_grep '^protocol robust, strategy dfs(, [0-9]+ workers)?, reduction off \(robust: every choice expanded\)' "$WORK/out"
  expect_grep '^search: complete' "$WORK/out"
  for p in convergence conservation monotonic-writes read-your-writes liveness; do
    expect_grep "^$p +yes +holds in every interleaving" "$WORK/out"
  done
done
# Without faults no timer fires: robust's search is session's plus acks, reduction off.
expect_exit 0 "$BANKSIM" explore "$S" --protocol robust -q
expect_grep '^protocol robust, strategy dfs(, [0-9]+ workers)?, reduction off \(robust: every choice expanded\)' "$WORK/out"
# The same budgets break session (the checker can fail here).
expect_exit 1 "$BANKSIM" explore "$S" --protocol session --max-drops 1 --check liveness -q
expect_grep '^liveness +yes +VIOLATED' "$WORK/out"

# A timed run with heavy random drops and duplicates: timers fire, every promise holds,
# and the recorded trace (timer steps included) replays to the same outcome.
expect_exit 0 "$BANKSIM" run "$S" --protocol robust --faults drop=0.3,dup=0.1 --seed 5 \
  --record rt.json --debug
expect_grep '^robust: [1-9][0-9]* retransmission timers fired$' "$WORK/out"
expect_grep 'timer: customer 1 retransmits its request of customer 1 event 1 to branch 1' "$WORK/out"
for p in convergence conservation monotonic-writes read-your-writes liveness; do
  expect_grep "^$p +yes +held" "$WORK/out"
done
expect_grep '"timer": [0-9]+' rt.json
expect_exit 0 "$BANKSIM" replay rt.json
expect_grep '^replaying rt.json .*: [0-9]+ deliveries and [0-9]+ faults, [0-9]+ timers$' "$WORK/out"
expect_grep 'timer: branch [0-9] retransmits its propagation' "$WORK/out"
# Same seed, same bytes.
expect_exit 0 "$BANKSIM" run "$S" --protocol robust --faults drop=0.3,dup=0.1 --seed 5 \
  --record rt2.json --debug
cmp -s rt.json rt2.json || fail "robust run is not deterministic"

# A branch that never comes back: its timers are given up, the run ends, not judged.
expect_exit 0 "$BANKSIM" run "$S" --protocol robust --faults crash=3@1
expect_grep '^robust: [0-9]+ retransmission timers fired, [1-9][0-9]* still armed at the end \(given up\)$' "$WORK/out"
expect_grep '^liveness +yes +not judged' "$WORK/out"

# A timer step that cannot happen is refused with its path.
sed 's/"timer": [0-9]*/"timer": 999/' rt.json >bad-timer.json
expect_exit 2 "$BANKSIM" replay bad-timer.json
expect_grep 'bad-timer.json: \$\.schedule\[[0-9]+\]: timer \{"timer":999\} cannot happen at this step' "$WORK/err"

# Over gRPC: replayed in grpc_robust_test.sh, run free (and killed) in grpc_kill_test.sh.
echo "robust_test: ok"
