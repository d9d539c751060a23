#!/usr/bin/env bash
# run --backend grpc: one real process per branch, the same outputs and checkers as a
# simulated run. The seed examples give the seeds' expected results, ids above 9 work,
# and no branch process outlives its run.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/grpc_lib.sh"

# Seed 000: queries after propagation settled give the seed's output.
expect_exit 0 "$BANKSIM" run "$SEEDS/p1-three-branches.input.json" --backend grpc \
  --quiescent-queries -o "$WORK/p1.json"
expect_json_equal "$WORK/p1.json" "$SEEDS/p1-three-branches.expected.json"

# Seed 002 under the session protocol, whatever the real interleaving.
for i in 1 2 3; do
  for t in 1 2; do
    expect_exit 0 "$BANKSIM" run "$SEEDS/cc-dest-test$t.input.json" --backend grpc \
      --protocol session -o "$WORK/cc$t.json"
    expect_json_equal "$WORK/cc$t.json" "$SEEDS/cc-dest-test$t.expected.json"
  done
done

# The same report as a simulated run: summary, property table, results.
expect_exit 0 "$BANKSIM" run "$SEEDS/ryw-branch-key.input.json" --backend grpc --protocol session
expect_grep '^protocol session, backend grpc' "$WORK/out"
expect_grep '^read-your-writes +yes +held' "$WORK/out"
expect_grep '^results \(events format\):' "$WORK/out"
expect_exit 0 "$BANKSIM" run "$SEEDS/ryw-branch-key.input.json" --backend grpc --protocol session \
  --format json -o "$WORK/ryw.json" --history "$WORK/ryw-history.json"
expect_grep '"backend": "grpc"' "$WORK/ryw.json"
expect_grep '"kind": "apply"' "$WORK/ryw-history.json"

# Ids above 9 (the seeds' projects used fixed ports 5005N and collided there).
cat >"$WORK/ids.json" <<'JSON'
[ {"type":"branch","id":10,"balance":0}, {"type":"branch","id":11,"balance":0},
  {"type":"branch","id":12,"balance":0},
  {"type":"customer","id":10,"events":[{"id":1,"interface":"deposit","money":30,"dest":12},
                                        {"id":2,"interface":"query","dest":10}]},
  {"type":"customer","id":11,"events":[{"id":3,"interface":"deposit","money":5,"dest":11},
                                        {"id":4,"interface":"query","dest":11}]} ]
JSON
expect_exit 0 "$BANKSIM" run "$WORK/ids.json" --backend grpc --protocol sync -o "$WORK/ids-out.json"
expect_grep '"balance": 3[05]' "$WORK/ids-out.json"
expect_exit 0 "$BANKSIM" run "$WORK/ids.json" --backend grpc --protocol sync
expect_grep '^  branch 12: 0 -> 35$' "$WORK/out"

# A run over several protocols on a moderately busy scenario: every promised property holds.
make_busy_scenario "$WORK/busy.json" 3 3 60
for p in sync session; do
  expect_exit 0 "$BANKSIM" run "$WORK/busy.json" --backend grpc --protocol $p --check promised
done

# Bad input stays exit 2; --record has no meaning for real processes.
expect_exit 2 "$BANKSIM" run "$WORK/busy.json" --backend carrier-pigeon
expect_exit 2 "$BANKSIM" run "$WORK/busy.json" --backend grpc --record "$WORK/t.json"
expect_grep 'no replayable schedule' "$WORK/err"

expect_no_branch_processes
