#!/usr/bin/env bash
# The gRPC backend under faults: a branch process killed mid-run, a hung branch, Ctrl-C on
# the driver. Each ends with a clear message and a non-zero status within a few seconds,
# and leaves no branch process behind. Also serve's address rules.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/grpc_lib.sh"

make_busy_scenario "$WORK/big.json" 3 3 3000

# start_run ARGS...: runs banksim in the background; $RUN is its pid.
start_run() {
  # sync: the slowest protocol, so the run is still going when the faults come.
  "$BANKSIM" run "$WORK/big.json" --backend grpc --protocol sync "$@" >"$WORK/out" 2>"$WORK/err" &
  RUN=$!
}
# finish_run WANT: waits for the run, checks its status.
finish_run() {
  local want=$1 got=0
  wait "$RUN" || got=$?
  if [[ "$got" != "$want" ]]; then
    cat "$WORK/err" >&2
    fail "exit status $got, expected $want"
  fi
}

# Each case interrupts a run under way: it waits until a branch has traffic (wait_for_traffic),
# never for a fixed time, so a faster machine cannot finish the run first.

# 1. A branch killed mid-run.
start_run
wait_for_listening 3
victim=$(branch_pids | sed -n 2p)
wait_for_traffic "$victim"
kill -9 "$victim"
SECONDS=0
finish_run 3
((SECONDS <= 10)) || fail "the run took ${SECONDS}s to notice a dead branch"
expect_grep "^banksim: run --backend grpc failed: branch [0-9]+ \(pid $victim\) was killed by signal 9" "$WORK/err"
expect_no_branch_processes

# 2. A hung branch (stopped): no delivery within --timeout-ms, or an RPC past its deadline.
start_run --timeout-ms 1000 --rpc-timeout-ms 800
wait_for_listening 3
victim=$(branch_pids | sed -n 3p)
wait_for_traffic "$victim"
kill -STOP "$victim"
SECONDS=0
finish_run 3
((SECONDS <= 8)) || fail "the run took ${SECONDS}s to notice a hung branch"
expect_grep "^banksim: run --backend grpc failed: .*(DEADLINE_EXCEEDED|no progress for)" "$WORK/err"
expect_no_branch_processes

# 3. Ctrl-C (SIGINT) on the driver: status 130, every branch process gone.
start_run
wait_for_listening 3
wait_for_traffic "$(branch_pids | sed -n 1p)"
kill -INT "$RUN"
finish_run 130
expect_grep "interrupted by signal 2" "$WORK/err"
expect_no_branch_processes

# 4. The driver killed outright: its branch processes die with it (PR_SET_PDEATHSIG).
start_run
wait_for_branches 3
kill -9 "$RUN"
wait "$RUN" 2>/dev/null || true
for _ in $(seq 1 40); do
  [[ -z "$(branch_pids)" ]] && break
  sleep 0.05
done
expect_no_branch_processes

# 5. serve listens on loopback unless told otherwise; bad addresses and ids are input errors.
expect_exit 2 "$BANKSIM" serve --branch 1 --scenario "$WORK/big.json" --listen 0.0.0.0:0
expect_grep "not a loopback address.*--allow-remote" "$WORK/err"
expect_exit 2 "$BANKSIM" serve --branch 9 --scenario "$WORK/big.json"
expect_grep "has no such branch \(its branches: 1, 2, 3\)" "$WORK/err"
expect_exit 2 "$BANKSIM" serve --branch 1 --scenario "$WORK/big.json" --listen 127.0.0.1:99999
expect_exit 2 "$BANKSIM" serve --branch 1 --scenario "$WORK/big.json" --peers 2=127.0.0.1:5
expect_grep "needs --driver" "$WORK/err"

# A standalone serve prints where it listens and stops cleanly on SIGTERM.
"$BANKSIM" serve --branch 2 --scenario "$WORK/big.json" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/serve.out" && break
  sleep 0.05
done
# Its scenario has dest: serve defaults to session, as run does.
expect_grep "^banksim serve: branch 2 \(session\) listening on 127\.0\.0\.1:[1-9][0-9]*$" "$WORK/serve.out"
kill -TERM "$SERVE"
wait "$SERVE" || fail "serve exited with $? on SIGTERM"
