#!/usr/bin/env bash
# run --backend grpc --protocol robust --kill BRANCH@OPS (issue 15, "Over gRPC"): a branch
# process is SIGKILLed mid-run and restarted from its durable state; the run finishes, every
# property holds, no acknowledged write is lost and the balances converge. Other protocols
# and malformed or impossible kill specs are refused in one line, exit 2.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/grpc_lib.sh"

# 3 branches, 3 customers moving between them: 3000 operations.
make_busy_scenario "$WORK/busy.json" 3 3 1000
S="$WORK/busy.json"

# check_run OUT KILLS: exit 0 was checked by the caller; every property held, the kills
# happened, and the branches end equal, at initial + acknowledged writes.
check_run() {
  local out=$1 kills=$2
  for p in convergence conservation monotonic-writes read-your-writes liveness; do
    expect_grep "^$p +yes +held" "$out"
  done
  expect_grep '^acknowledged writes: [0-9]+ successful, net [-+0-9]+; every branch ends at its initial balance plus them$' "$out"
  [[ $(grep -cE '^kill [0-9]+: branch [0-9]+ SIGKILLed at [0-9]+ answered operations' "$out") == "$kills" ]] ||
    { cat "$out" >&2; fail "expected $kills kills in the summary"; }
  expect_grep '^speed: 3000 operations in' "$out"
  # Converged: the three final balances are equal.
  [[ $(sed -n '/^branches (initial -> final balance):/,/^customers:/p' "$out" |
    sed -n 's/^  branch [0-9]*: [0-9-]* -> \([0-9-]*\)$/\1/p' | sort -u | wc -l) == 1 ]] ||
    { cat "$out" >&2; fail "final balances differ"; }
}

# One kill, mid-run.
expect_exit 0 "$BANKSIM" run "$S" --backend grpc --protocol robust --kill 2@1000 --summary-max 1
check_run "$WORK/out" 1
expect_grep 'durable state fsync.d in a temporary data directory' "$WORK/out"

# The same branch twice.
expect_exit 0 "$BANKSIM" run "$S" --backend grpc --protocol robust --kill 3@700 --kill 3@1800 \
  --retransmit-ms 100 --summary-max 1
check_run "$WORK/out" 2
expect_grep '^kill 2: branch 3 SIGKILLed' "$WORK/out"
expect_grep '^robust: retransmission after 100 ms' "$WORK/out"

# Where it must fail: the same kill, but the branch comes back without its durable state (a
# test hook removes its file): it no longer knows which writes it applied, holds its
# customers' next requests for writes that never come, and the run fails.
expect_exit 3 env BANKSIM_TEST_FORGET_ON_KILL=1 "$BANKSIM" run "$S" --backend grpc \
  --protocol robust --kill 2@1000 --timeout-ms 3000 --summary-max 1
expect_grep '^banksim: run --backend grpc failed: no progress for [0-9]+ ms' "$WORK/err"

# Where it must fail: a protocol that does not survive a kill is refused, as is a kill the
# scenario cannot have, and --kill outside the gRPC backend.
expect_exit 2 "$BANKSIM" run "$S" --backend grpc --protocol session --kill 2@1000
expect_grep '^banksim: --kill: protocol session does not survive a killed branch' "$WORK/err"
expect_exit 2 "$BANKSIM" run "$S" --backend grpc --protocol robust --kill 9@10
expect_grep '^banksim: --kill 9@10: the scenario has no branch 9$' "$WORK/err"
expect_exit 2 "$BANKSIM" run "$S" --backend grpc --protocol robust --kill 2@3001
expect_grep '^banksim: --kill 2@3001: OPS must be 1..3000' "$WORK/err"
for bad in 2 2@ @5 2@x 2@-1 x@1; do
  expect_exit 2 "$BANKSIM" run "$S" --backend grpc --protocol robust --kill "$bad"
  expect_grep "^banksim: --kill $bad: expected BRANCH@OPS" "$WORK/err"
done
expect_exit 2 "$BANKSIM" run "$S" --protocol robust --kill 2@10
expect_grep '^banksim: --kill: kills a real branch process: only with --backend grpc' "$WORK/err"
expect_exit 2 "$BANKSIM" run "$S" --backend grpc --protocol robust --retransmit-ms 3000
expect_grep '^banksim: --retransmit-ms 3000: at most half of --timeout-ms \(5000\)' "$WORK/err"
expect_exit 2 "$BANKSIM" run "$S" --backend grpc --protocol session --retransmit-ms 50
expect_grep '^banksim: --retransmit-ms: only the robust protocol retransmits' "$WORK/err"

leftover=$(find "$WORK" -maxdepth 1 -name 'banksim-grpc-*')
[[ -z "$leftover" ]] || fail "run left $leftover behind"
expect_no_branch_processes
echo "grpc_kill_test: ok"
