#!/usr/bin/env bash
# The protocol default follows the input's form: events carrying "dest" (seed 002) or
# "branch" (seed 004) are the client-centric assignment and run `session`, and the summary
# says why; inputs without them (seeds 000/001) run `sync` as before. The scenario's own
# "protocol" and --protocol override the default, in that order.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
note='session \(default for inputs with dest/branch\)'

for f in seed-cc-dest-test1 seed-ryw-branch-key; do
  expect_exit 0 "$BANKSIM" run "$SCENARIOS/$f.json" -o res.json
  expect_grep "^protocol $note, seed 1," "$WORK/out"
  expect_grep '^monotonic-writes +yes +held' "$WORK/out"
  expect_exit 0 "$BANKSIM" run "$SCENARIOS/$f.json" --format json -o res.json
  expect_grep '"protocol": "session"' res.json
  # The override: a flag names its protocol, with no note.
  expect_exit 0 "$BANKSIM" run "$SCENARIOS/$f.json" --protocol async -o res.json
  expect_grep '^protocol async, seed 1,' "$WORK/out"
  expect_exit 0 "$BANKSIM" explore "$SCENARIOS/$f.json" -q
  expect_grep "^protocol $note, strategy dfs," "$WORK/out"
done
# Seed 002's test 1 under the session default gives the seed project's expected output.
expect_exit 0 "$BANKSIM" run "$SCENARIOS/seed-cc-dest-test1.json" -o res.json
expect_json_equal res.json "$SEEDS/cc-dest-test1.expected.json"

# Without dest/branch: sync, as before, and no note.
expect_exit 0 "$BANKSIM" run "$SCENARIOS/seed-p1-three-branches.json" -o res.json
expect_grep '^protocol sync, seed 1,' "$WORK/out"
# The scenario's own protocol beats the default.
expect_exit 0 "$BANKSIM" run "$SCENARIOS/banksim-form-session.json" -o res.json
expect_grep '^protocol session, seed 1,' "$WORK/out"
sed 's/"protocol": *"session"/"protocol": "async"/' "$SCENARIOS/banksim-form-session.json" >a.json
expect_exit 0 "$BANKSIM" run a.json --check convergence -o res.json
expect_grep '^protocol async, seed 1,' "$WORK/out"

# --help says so.
expect_exit 0 "$BANKSIM" run --help
tr -s ' \n' ' ' <"$WORK/out" | grep -q 'else session for inputs whose events carry dest or branch' ||
  fail "run --help does not give the dest/branch default"
expect_exit 0 "$BANKSIM" serve --help
tr -s ' \n' ' ' <"$WORK/out" | grep -q 'else session for inputs with dest or branch, else sync' ||
  fail "serve --help does not give the dest/branch default"
echo "protocol defaults: session for dest/branch inputs, sync otherwise"
