#!/usr/bin/env bash
# banksim explore and replay end to end: exit statuses, traces written and replayed
# byte for byte, the printed replay command, and traces that do not fit.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

# Session on the seed examples: complete, every property holds.
for f in seed-cc-dest-test1 seed-cc-dest-test2 seed-ryw-branch-key; do
  expect_exit 0 "$BANKSIM" explore "$SCENARIOS/$f.json" --protocol session -q
  expect_grep '^search: complete' "$WORK/out"
  expect_grep '^read-your-writes +yes +holds in every interleaving' "$WORK/out"
done

# Async on a moving customer: a read-your-writes counterexample, written as a trace.
expect_exit 1 "$BANKSIM" explore "$SCENARIOS/moving-customer-3-branches.json" --protocol async \
  --check read-your-writes -q
expect_grep 'counterexample for read-your-writes: 3 deliveries \(shortest possible\)' "$WORK/out"
expect_grep 'replay it: banksim replay banksim-trace-read-your-writes.json' "$WORK/out"
[[ -f banksim-trace-read-your-writes.json ]] || fail "no trace written"

# The trace replays to the same violation, twice byte for byte.
expect_exit 1 "$BANKSIM" replay banksim-trace-read-your-writes.json
cp "$WORK/out" first.txt
expect_grep '^reproduced the recorded read-your-writes violation' first.txt
expect_exit 1 "$BANKSIM" replay banksim-trace-read-your-writes.json
cmp first.txt "$WORK/out" || fail "two replays differ"

# A run's recorded schedule replays to the same results.
expect_exit 0 "$BANKSIM" run "$SCENARIOS/three-customers-deposits.json" --seed 9 --no-fifo \
  --record run-trace.json -o run.json
expect_exit 0 "$BANKSIM" replay run-trace.json -o replay.json
cmp run.json replay.json || fail "replay of a recorded run gives other results"

# A schedule that does not fit: exit 2, one line naming the file and the schedule index.
sed 's/"schedule": \[/"schedule": [ 4242,/' banksim-trace-read-your-writes.json > bad-trace.json
expect_exit 2 "$BANKSIM" replay bad-trace.json
[[ $(wc -l < "$WORK/err") == 1 ]] || fail "expected one line on stderr"
expect_grep 'bad-trace.json: \$\.schedule\[0\]: message 4242 is not in flight' "$WORK/err"
echo '{"banksim_trace": 1}' > incomplete.json
expect_exit 2 "$BANKSIM" replay incomplete.json
expect_grep 'incomplete.json: \$\.protocol: is required' "$WORK/err"

# Sync with concurrent withdraws: an overdraft counterexample with --trace-out.
expect_exit 1 "$BANKSIM" explore "$SCENARIOS/concurrent-withdraws.json" --protocol sync \
  --trace-out overdraft.json -q
expect_grep 'counterexample for no-overdraft' "$WORK/out"
expect_exit 1 "$BANKSIM" replay overdraft.json --no-timeline
expect_grep '^reproduced the recorded no-overdraft violation' "$WORK/out"

# A depth bound is reported as such, and unknown strategies are bad input.
expect_exit 0 "$BANKSIM" explore "$SCENARIOS/three-customers-deposits.json" --max-depth 5 -q
expect_grep '^search: bounded at depth 5' "$WORK/out"
expect_exit 2 "$BANKSIM" explore "$SCENARIOS/three-customers-deposits.json" --strategy bfs
expect_exit 0 "$BANKSIM" explore "$SCENARIOS/three-customers-deposits.json" --strategy random \
  --walks 50 --seed 3 -q
expect_grep '^search: sampled by 50 random walks' "$WORK/out"
