#!/usr/bin/env bash
# The gRPC backend at the scenario limit, 256 branches (one process each, n * (n - 1) links):
# it runs to quiescence with the default timeouts, and no process has a thread per peer
# (it used to need branches + 13 threads per process and abort when thread creation
# failed). One branch more is refused up front, before any process starts.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/grpc_lib.sh"

# Threads a process may have whatever the number of branches: banksim's four (main, the
# completion-queue thread, the side thread, the report timer) and gRPC's own (8 to 11
# measured; its pool grows a little under load). A thread per peer would be 256 more.
MAX_THREADS=48

threads_of() {
  ls "/proc/$1/task" 2>/dev/null | wc -l
}

# At the limit, kept small: 2 customers, 3 operations each (deposit, withdraw, query) at
# branches 2..5, so 4 branches propagate to all 255 others. Under the sanitizers (each
# process several times larger and slower) 64 branches: still more peers than threads.
N=256
[[ "${BANKSIM_SANITIZED:-0}" == 1 ]] && N=64
make_busy_scenario "$WORK/b256.json" "$N" 2 3
"$BANKSIM" run "$WORK/b256.json" --backend grpc --check promised -o "$WORK/b256-out.json" \
  >"$WORK/out" 2>"$WORK/err" &
RUN=$!
wait_for_branches "$N"
writer=$(pgrep -f -- "serve --branch 2 --scenario $WORK/")
[[ -n "$writer" ]] || fail "no process for branch 2"
wait_for_traffic "$writer"
# Every link of both exists now: the driver opened all 256 outboxes when its customers
# started, branch 2 all 256 of its own when it was configured.
driver_threads=$(threads_of "$RUN")
writer_threads=$(threads_of "$writer")
echo "threads: driver $driver_threads, branch 2 $writer_threads"
((driver_threads > 0 && driver_threads <= MAX_THREADS)) ||
  fail "the driver of $N branches has $driver_threads threads (at most $MAX_THREADS)"
((writer_threads > 0 && writer_threads <= MAX_THREADS)) ||
  fail "branch 2 of $N has $writer_threads threads (at most $MAX_THREADS)"
got=0
wait "$RUN" || got=$?
if [[ "$got" != 0 ]]; then
  cat "$WORK/err" >&2
  fail "the $N-branch run exited with $got"
fi
expect_grep '^convergence +yes +held' "$WORK/out"
expect_grep '^liveness +yes +held' "$WORK/out"
[[ -s "$WORK/b256-out.json" ]] || fail "no results written"
expect_no_branch_processes

# One branch more: refused with exit 2 and the rule, no process started, nothing written.
make_busy_scenario "$WORK/b257.json" 257 1 1
expect_exit 2 "$BANKSIM" run "$WORK/b257.json" --backend grpc -o "$WORK/b257-out.json"
expect_grep "b257\.json: \\\$\[256\]: more than 256 branches" "$WORK/err"
[[ $(wc -l <"$WORK/err") == 1 ]] || fail "more than one line of error"
[[ ! -e "$WORK/b257-out.json" ]] || fail "a refused run wrote its output"
[[ -z "$(branch_pids)" ]] || fail "a refused run started branch processes"
