#!/usr/bin/env bash
# The determinism lint passes on the tree, and fails on a planted wall-clock read.
source "$(dirname "$0")/lib.sh"
lint="$BANKSIM_SOURCE_DIR/tools/lint-determinism"
expect_exit 0 "$lint"
mkdir -p "$WORK/tree/sim" "$WORK/tree/src/protocol"
echo 'auto t = std::chrono::steady_clock::now();' > "$WORK/tree/sim/bad.cc"
LINT_ROOT="$WORK/tree" expect_exit 1 "$lint"
expect_grep 'sim/bad.cc:1' "$WORK/out"
