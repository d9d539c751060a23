#!/usr/bin/env bash
# The layering lint passes on the tree, and names the file, the line and the wall for
# includes planted in a temporary tree: sim reaching up into grpc/, protocol into cli/,
# orchestration climbing out with ../, and viz using gRPC.
source "$(dirname "$0")/lib.sh"
lint="$BANKSIM_SOURCE_DIR/tools/lint-layers"
expect_exit 0 "$lint"
[[ ! -s "$WORK/out" ]] || fail "the lint printed on a clean tree"

tree="$WORK/tree"
mkdir -p "$tree/sim" "$tree/src/protocol" "$tree/src/orchestration" "$tree/src/viz" "$tree/src/cli"
printf '#include "sim/world.h"\n#include "grpc/outbox.h"\n' >"$tree/sim/bad.cc"
echo '#include "cli/settings.h"' >"$tree/src/protocol/bad.h"
echo '#include "../cli/settings.h"' >"$tree/src/orchestration/bad.cc"
echo '#include <grpcpp/grpcpp.h>' >"$tree/src/viz/bad.cc"
# What is allowed stays quiet: cli sees every layer, orchestration sees sim and grpc.
printf '#include "grpc/outbox.h"\n#include "orchestration/grpc_cluster.h"\n#include "viz/viz_page.h"\n' \
  >"$tree/src/cli/good.cc"
printf '#include "grpc/layout.h"\n#include "sim/scenario.h"\n' >"$tree/src/orchestration/good.cc"
LINT_ROOT="$tree" expect_exit 1 "$lint"
expect_grep '^sim/bad\.cc:2: sim may not include grpc/ \(layering: .*protocol <- sim' "$WORK/out"
expect_grep '^src/protocol/bad\.h:1: protocol may not include cli/ ' "$WORK/out"
expect_grep '^src/orchestration/bad\.cc:1: orchestration may not include "\.\./cli/settings\.h"' \
  "$WORK/out"
expect_grep '^src/viz/bad\.cc:1: viz may not include <grpcpp/grpcpp\.h>' "$WORK/out"
[[ $(wc -l <"$WORK/out") -eq 4 ]] || { cat "$WORK/out" >&2; fail "expected exactly 4 complaints"; }
