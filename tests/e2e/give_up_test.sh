#!/usr/bin/env bash
# run --give-up-after (issue 14): a sync/async/session customer whose request is unanswered
# within the timeout gives up, and the summary, the liveness row, -o json and --debug say
# so; a late answer is marked; robust customers retransmit instead (and stop only when the
# run ends inside a fault window); the flag is refused where it does not apply.
source "$(dirname "$0")/lib.sh"
S="$SCENARIOS/faults/small.json"
cd "$WORK"

# Seed 4 drops customer 2's withdraw (or what it waits for): it gives up after the default
# 42 ms (8 x 5000 us + 2 ms for uniform:500:5000), and never issues its query.
expect_exit 1 "$BANKSIM" run "$S" --protocol sync --faults drop=0.2 --seed 4
cp "$WORK/out" sum.txt
expect_grep '^    event 1: withdraw 20 at branch 3: gave up after 42 ms \(request sent at t=0 us, unanswered at t=42000 us\)$' sum.txt
expect_grep '^    event 2: query at branch 1: not issued \(the customer gave up on event 1 before it\)$' sum.txt
expect_grep '^customers gave up on 1 request \(unanswered within 42 ms; --give-up-after\)$' sum.txt
expect_grep '^liveness +yes +violated +customer 2 event 1 \(withdraw 20\) was never answered \(the customer gave up on it after 42 ms\)$' sum.txt
# Customer 1 was answered in time.
expect_grep '^    event 1: deposit 10 at branch 1: success, balance 110 \(t=[0-9]+ us\)$' sum.txt

# --give-up-after changes the timeout and nothing else (the schedule is the same).
expect_exit 1 "$BANKSIM" run "$S" --protocol sync --faults drop=0.2 --seed 4 --record a.json
expect_exit 1 "$BANKSIM" run "$S" --protocol sync --faults drop=0.2 --seed 4 --give-up-after 7 \
  --record b.json
expect_grep 'withdraw 20 at branch 3: gave up after 7 ms \(request sent at t=0 us, unanswered at t=7000 us\)' "$WORK/out"
expect_grep 'deposit 10 at branch 1: success, balance 110 \(t=15301 us, too late: the customer gave up after 7 ms' "$WORK/out"
cmp a.json b.json || fail "--give-up-after changed the schedule"

# -o json and the --debug timeline agree.
expect_exit 1 "$BANKSIM" run "$S" --protocol sync --faults drop=0.2 --seed 4 --format json -o r.json --debug
expect_grep '"result": "gave up"' r.json
expect_grep '"gave_up_us": 42000' r.json
expect_grep '"gave_up": 1' r.json
expect_grep '^ +t=42000us  customer 2 gives up on event 1: its request sent at t=0us is unanswered after 42 ms$' "$WORK/out"

# A late answer: every message takes 20 ms, a write's answer comes at 80 ms.
expect_exit 0 "$BANKSIM" run "$S" --protocol sync --latency const:20000 --give-up-after 50
expect_grep 'deposit 10 at branch 1: success, balance 110 \(t=80000 us, too late: the customer gave up after 50 ms' "$WORK/out"
expect_grep '^liveness +yes +held +2 requests given up \(first: customer 1 event 1, gave up after 50 ms' "$WORK/out"
# ... and with the default timeout (162 ms there) nobody gives up.
expect_exit 0 "$BANKSIM" run "$S" --protocol sync --latency const:20000
grep -q 'gave up\|given up' "$WORK/out" && fail "a customer gave up within the default timeout"

# Without faults nobody gives up.
for p in sync async session; do
  expect_exit 0 "$BANKSIM" run "$S" --protocol "$p" --check promised
  grep -q 'gave up\|given up' "$WORK/out" && fail "$p: a customer gave up without faults"
done

# Robust customers retransmit: the same drops, everything answered.
expect_exit 0 "$BANKSIM" run "$S" --protocol robust --faults drop=0.2 --seed 4
grep -q 'gave up\|given up' "$WORK/out" && fail "a robust customer gave up"
expect_grep '^liveness +yes +held' "$WORK/out"
# ... unless the run ends inside a fault window: they stop then, and say so.
expect_exit 0 "$BANKSIM" run "$S" --protocol robust --faults crash=3@1000
expect_grep 'withdraw 20 at branch 3: gave up at the end of the run \(t=[0-9]+ us, retransmitting since t=0 us\): the run ended inside a fault window' "$WORK/out"
expect_grep '^liveness +yes +not judged +1 request given up' "$WORK/out"

# Refused where it does not apply.
expect_exit 2 "$BANKSIM" run "$S" --protocol robust --give-up-after 5
expect_grep '^banksim: --give-up-after: robust customers retransmit' "$WORK/err"
expect_exit 2 "$BANKSIM" run "$S" --backend grpc --give-up-after 5
expect_grep '^banksim: --give-up-after: the grpc backend has no virtual time' "$WORK/err"
expect_exit 2 "$BANKSIM" run "$S" --give-up-after 0
expect_exit 2 "$BANKSIM" run "$S" --give-up-after x
echo ok
