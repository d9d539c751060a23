#!/usr/bin/env bash
# The seed examples load unchanged and give the seeds' expected results.
source "$(dirname "$0")/lib.sh"

# Seed 000: with queries held until propagation settles, p1 gives the seed's output.
expect_exit 0 "$BANKSIM" run "$SEEDS/p1-three-branches.input.json" --seed 42 \
  --quiescent-queries -o "$WORK/p1.json"
expect_json_equal "$WORK/p1.json" "$SEEDS/p1-three-branches.expected.json"

# Seed 002 under the session protocol, on several seeds and network settings.
for seed in 1 2 3 4 5 6 7 8; do
  for t in 1 2; do
    expect_exit 0 "$BANKSIM" run "$SEEDS/cc-dest-test$t.input.json" --protocol session \
      --seed $seed --no-fifo --latency exp:3000 -o "$WORK/cc$t.json"
    expect_json_equal "$WORK/cc$t.json" "$SEEDS/cc-dest-test$t.expected.json"
  done
done
