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

# The network model: explore reorders by default and says so; --fifo keeps each link in
# order. One customer, two deposits at branch 1, two branches, async: only reordering
# lets the second propagation overtake the first (monotonic writes).
cat > two-deposits.json <<'JSON'
[{"id": 1, "type": "customer", "events": [{"id": 1, "branch": 1, "interface": "deposit", "money": 1},
                                          {"id": 2, "branch": 1, "interface": "deposit", "money": 2}]},
 {"id": 1, "type": "branch", "balance": 0}, {"id": 2, "type": "branch", "balance": 0}]
JSON
expect_exit 0 "$BANKSIM" explore two-deposits.json --protocol async --fifo -q
expect_grep '^network: per-link FIFO, only the oldest message of a link can be delivered \(--fifo\)' "$WORK/out"
expect_grep '^monotonic-writes +no +holds in every interleaving' "$WORK/out"
expect_exit 1 "$BANKSIM" explore two-deposits.json --protocol async -q --trace-out mw.json
expect_grep "^network: no FIFO, any in-flight message can be delivered next \(explore's default\)" "$WORK/out"
expect_grep '^monotonic-writes +no +VIOLATED' "$WORK/out"
grep -q '"fifo": false' mw.json || fail "the trace of a reordering search must say fifo: false"
expect_exit 1 "$BANKSIM" replay mw.json --no-timeline
expect_grep 'no FIFO \(reordering\)' "$WORK/out"
expect_grep '^reproduced the recorded monotonic-writes violation' "$WORK/out"
# Under FIFO a counterexample's trace says so, and replays to the same violation.
expect_exit 1 "$BANKSIM" explore "$SCENARIOS/concurrent-withdraws.json" --protocol sync --fifo \
  --check no-overdraft --trace-out fifo-overdraft.json -q
grep -q '"fifo": true' fifo-overdraft.json || fail "the trace of a FIFO search must say fifo: true"
expect_exit 1 "$BANKSIM" replay fifo-overdraft.json --no-timeline
expect_grep 'per-link FIFO' "$WORK/out"
expect_grep '^reproduced the recorded no-overdraft violation' "$WORK/out"
# Time is not simulated: --latency is refused, in one line.
expect_exit 2 "$BANKSIM" explore two-deposits.json --latency const:5 -q
[[ $(wc -l < "$WORK/err") == 1 ]] || fail "expected one line on stderr"
expect_grep '^banksim: --latency: does not apply to explore' "$WORK/err"
[[ ! -e banksim-trace-monotonic-writes.json ]] || fail "a refused command wrote a trace"

# A bounded search that reached no quiescent state judges no quiescence property: it says
# "not judged" (exit status 0: nothing was violated), never "not violated".
expect_exit 0 "$BANKSIM" explore "$SCENARIOS/three-customers-deposits.json" --max-depth 3 -q
expect_grep '^search: bounded at depth 3' "$WORK/out"
for p in convergence conservation liveness; do
  expect_grep "^$p +yes +not judged: no path searched reached quiescence \(bounded at depth 3\)" "$WORK/out"
done
expect_grep '^monotonic-writes +yes +not violated in the states searched' "$WORK/out"
if grep -qE '^(convergence|conservation|liveness) .*not violated' "$WORK/out"; then
  fail "a quiescence property claimed without a quiescent state"
fi

# --trace-out F with --keep-going writes F-<property>.json, even for one property.
expect_exit 1 "$BANKSIM" explore "$SCENARIOS/moving-customer-3-branches.json" --protocol async \
  --check read-your-writes --keep-going --trace-out kg.json -q
[[ -f kg-read-your-writes.json ]] || fail "--keep-going --trace-out kg.json: no kg-read-your-writes.json"
[[ ! -e kg.json ]] || fail "--keep-going wrote kg.json itself"
expect_grep 'trace written to kg-read-your-writes.json' "$WORK/out"
"$BANKSIM" explore --help > help.txt
expect_grep 'FILE-<property>.json' help.txt
expect_grep 'not judged' help.txt

# Options that do not apply are refused, in one line, with nothing written.
for args in "--walks 5" "--seed 3" "--max-depth 0" "--strategy random --no-reduction" \
            "--no-reduction --no-compare" "--strategy random --walks 2 --no-compare" \
            "--strategy random --max-states 10" "--max-states 0" "--max-states=-3" \
            "--strategy random --walks=-1"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$BANKSIM" explore "$SCENARIOS/concurrent-withdraws.json" $args -q \
    --trace-out refused.json
  [[ $(wc -l < "$WORK/err") == 1 ]] || fail "$args: expected one line on stderr"
  expect_grep "^banksim: --(walks|seed|max-depth|max-states|no-reduction|no-compare): " "$WORK/err"
  [[ ! -e refused.json ]] || fail "$args: a refused command wrote a trace"
done
