#!/usr/bin/env bash
# replay --backend grpc of robust traces (issue 15): retransmission timers, drops,
# duplicates, partitions, crashes and restarts. A branch's timer fires in its conducted
# process (FireTimer RPC), a customer's in the conductor; every step a process takes must be
# the one the conductor's mirror of that branch takes. Output and exit status equal the
# simulated replay's byte for byte.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/grpc_lib.sh"

S="$SCENARIOS/faults/small.json"
make_busy_scenario "$WORK/busy.json" 3 4 12

n=0
for spec in "drop=0.3,dup=0.1" "drop=0.2,crash=1@5500,restart=1@9000" \
  "drop=0.1,dup=0.2,partition=1+2|3@2000..6000" "drop=0.3,crash=2@3000,restart=2@7000"; do
  for s in "$S" "$WORK/busy.json"; do
    for seed in 3 5; do
      n=$((n + 1))
      t="$WORK/r$n.json"
      status=0
      "$BANKSIM" run "$s" --protocol robust --seed "$seed" --faults "$spec" --record "$t" \
        >"$WORK/run.out" 2>&1 || status=$?
      [[ $status == 0 ]] || { cat "$WORK/run.out" >&2; fail "run $s robust --faults $spec --seed $seed: exit $status"; }
      same_replay "$t" --debug
      [[ $REPLAY_STATUS == 0 ]] || fail "$t: replayed with $REPLAY_STATUS"
      grep -qE '^replaying .*: [0-9]+ deliveries' "$WORK/grpc.out" || fail "$t: no replay header"
    done
  done
done
# The traces above did fire timers, of branches and of customers, and crash branches.
grep -lE '"timer": [0-9]' "$WORK"/r*.json >/dev/null || fail "no trace fired a timer"
grep -l '"restart": [0-9]' "$WORK"/r*.json >/dev/null || fail "no trace restarted a branch"
"$BANKSIM" replay "$WORK/r1.json" --backend grpc --debug >"$WORK/out" 2>&1 || fail "replay r1"
expect_grep 'timer: branch [0-9] retransmits its propagation' "$WORK/out"
expect_grep 'timer: customer [0-9] retransmits its request' "$WORK/out"
same_replay "$WORK/r1.json" --no-timeline --format json

# Free runs of robust (real-time timers, --kill): grpc_kill_test.sh.

leftover=$(find "$WORK" -maxdepth 1 -name 'banksim-grpc-*')
[[ -z "$leftover" ]] || fail "replay left $leftover behind"
expect_no_branch_processes
echo ok
