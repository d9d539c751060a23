#!/usr/bin/env bash
# Faults in explore and replay (issue 14): the three expected breakages, counterexamples
# with faults that replay exactly, budgets 0 = the search without faults, bad input.
source "$(dirname "$0")/lib.sh"
S="$SCENARIOS/faults/small.json"
cd "$WORK"

# A single dropped propagation breaks convergence under async: the shortest
# counterexample drops a propagation, and replay reproduces it.
expect_exit 1 "$BANKSIM" explore "$S" --protocol async --max-drops 1 --check convergence \
  --trace-out async-drop.json -q
expect_grep '^faults per execution: at most 1 drops, 0 duplicates, 0 crashes, 0 partitions' "$WORK/out"
expect_grep '^convergence +yes +VIOLATED: replicas differ' "$WORK/out"
expect_grep '^counterexample for convergence: [0-9]+ deliveries and 1 fault \(shortest possible\), replayed and reproduced' "$WORK/out"
expect_grep '"drop": [0-9]+' async-drop.json
expect_exit 1 "$BANKSIM" replay async-drop.json
expect_grep 'fault: drop #[0-9]+ branch [0-9] -> branch [0-9]: propagate' "$WORK/out"
expect_grep '^reproduced the recorded convergence violation' "$WORK/out"
# Without the drop, async converges.
expect_exit 0 "$BANKSIM" explore "$S" --protocol async --check convergence -q
expect_grep '^convergence +yes +holds in every interleaving' "$WORK/out"

# A scenario's faults block is run's; explore says it places none without budgets.
printf '{"faults": "drop=0.5", "processes": %s}' "$(cat "$S")" >with-block.json
expect_exit 0 "$BANKSIM" explore with-block.json --protocol async --check convergence -q
expect_grep '^faults: the scenario.s faults block \("drop=0.5"\) is for banksim run; .*\(none given: no faults\)' "$WORK/out"

# A single dropped ack makes sync lose liveness: every replica applied the deposit, but
# branch 1 waits for the lost ack forever and customer 1 is never answered.
cat >ack.json <<'EOF'
{"banksim_trace": 1, "origin": "explore", "protocol": "sync",
 "network": {"latency": "uniform:500:5000", "fifo": false}, "seed": 0,
 "check": ["convergence", "conservation", "liveness"], "violation": null,
 "schedule": [0, 2, {"drop": 4}, 3, 5, 1, 6, 7, 8, 9, 10, 11, 12],
 "scenario": [
  {"id": 1, "type": "customer", "events": [
    {"id": 1, "interface": "deposit", "money": 10, "dest": 1},
    {"id": 2, "interface": "query", "dest": 2}]},
  {"id": 2, "type": "customer", "events": [
    {"id": 1, "interface": "withdraw", "money": 20, "dest": 3},
    {"id": 2, "interface": "query", "dest": 1}]},
  {"id": 1, "type": "branch", "balance": 100},
  {"id": 2, "type": "branch", "balance": 100},
  {"id": 3, "type": "branch", "balance": 100}]}
EOF
expect_exit 1 "$BANKSIM" replay ack.json
expect_grep '^replaying ack.json .*: 12 deliveries and 1 fault$' "$WORK/out"
expect_grep 'step 3  fault: drop #4 branch 2 -> branch 1: ack deposit' "$WORK/out"
expect_grep '^liveness +yes +violated +customer 1 event 1 \(deposit 10\) was never answered' "$WORK/out"
expect_grep '^convergence +yes +held' "$WORK/out"
expect_grep '^conservation +yes +held' "$WORK/out"
# And explore finds sync's liveness lost to one drop.
expect_exit 1 "$BANKSIM" explore "$S" --protocol sync --max-drops 1 --check liveness \
  --trace-out sync-drop.json -q
expect_grep '^liveness +yes +VIOLATED: .* was never answered' "$WORK/out"

# A duplicated propagation breaks conservation under a protocol that does not
# deduplicate (sync, async); session deduplicates by sequence number.
for p in sync async; do
  expect_exit 1 "$BANKSIM" explore "$S" --protocol "$p" --max-dups 1 --check conservation \
    --trace-out "$p-dup.json" -q
  expect_grep '^conservation +yes +VIOLATED: ' "$WORK/out"
  expect_exit 1 "$BANKSIM" replay "$p-dup.json"
  expect_grep 'fault: duplicate #[0-9]+ branch [0-9] -> branch [0-9]: propagate' "$WORK/out"
  expect_grep '^reproduced the recorded conservation violation' "$WORK/out"
done
expect_exit 0 "$BANKSIM" explore "$S" --protocol session --max-dups 1 -q
expect_grep '^conservation +yes +holds in every interleaving' "$WORK/out"
expect_grep '^convergence +yes +holds in every interleaving' "$WORK/out"

# Crashes and partitions: restart and heal are always possible, and every terminal
# state has them done; the counterexample carries both faults and replays.
expect_exit 1 "$BANKSIM" explore "$S" --protocol async --max-crashes 1 --check convergence \
  --trace-out crash.json -q
expect_grep '"crash": [0-9]' crash.json
expect_grep '"restart": [0-9]' crash.json
expect_exit 1 "$BANKSIM" replay crash.json
expect_grep 'fault: crash branch [0-9]: its volatile state and messages to it are lost' "$WORK/out"
expect_grep 'fault: restart branch [0-9] from its durable state' "$WORK/out"
expect_exit 1 "$BANKSIM" explore "$S" --protocol sync --max-partitions 1 --check convergence \
  --trace-out part.json -q
expect_grep '"partition": "[0-9+]+\|[0-9+]+"' part.json
expect_grep '"heal": true' part.json
expect_exit 1 "$BANKSIM" replay part.json
expect_grep 'fault: partition [0-9+]+\|[0-9+]+ \(branch links across it are cut\)' "$WORK/out"

# Budgets of 0 are the search without faults: the same counts and verdicts.
for p in sync async session; do
  expect_exit 0 "$BANKSIM" explore "$S" --protocol "$p" --check convergence -q
  grep -vE '^(elapsed|memory)' "$WORK/out" >plain.txt
  expect_exit 0 "$BANKSIM" explore "$S" --protocol "$p" --check convergence -q \
    --max-drops 0 --max-dups 0 --max-crashes 0 --max-partitions 0
  grep -vE '^(elapsed|memory)' "$WORK/out" >zero.txt
  cmp plain.txt zero.txt || fail "budgets 0 changed explore's output under $p"
done

# (Crash traces replay over gRPC too: grpc_faults_replay_test.sh.)

# Bad input: one line, exit 2.
expect_exit 2 "$BANKSIM" explore "$S" --max-drops -1
expect_grep '^banksim: .*--max-drops: must be between 0 and 1000, not -1' "$WORK/err"
sed 's/{"drop": 4}/{"crash": 9}/' ack.json >bad.json
expect_exit 2 "$BANKSIM" replay bad.json
expect_grep '^banksim: bad.json: \$.schedule\[2\].crash: must be the id of a branch' "$WORK/err"
sed 's/{"drop": 4}/{"restart": 2}/' ack.json >bad.json
expect_exit 2 "$BANKSIM" replay bad.json
expect_grep '^banksim: bad.json: \$.schedule\[2\]: fault \{"restart":2\} cannot happen at this step' "$WORK/err"
sed 's/{"drop": 4}/{"partition": "1+2"}/' ack.json >bad.json
expect_exit 2 "$BANKSIM" replay bad.json
expect_grep '^banksim: bad.json: \$.schedule\[2\].partition: must be two sides' "$WORK/err"
echo ok
