#!/usr/bin/env bash
# banksim explore's limits end to end: Ctrl-C / SIGTERM and --max-seconds end a search
# with a partial summary and the counterexamples found so far; --max-memory (and a
# ulimit -v) end it before memory runs out; a counterexample that does not reproduce on
# replay is refused. Every search here runs under ulimit -v, so a failure cannot take
# the machine down.
source "$(dirname "$0")/lib.sh"
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
[[ -x "$GEN" ]] || fail "no banksim_gen next to $BANKSIM"
cd "$WORK"
# AddressSanitizer reserves terabytes of address space at start-up, so no process of a
# sanitizer build can run under ulimit -v: skipped there (exit 77, ctest says "Skipped");
# the Release suite runs it.
if [[ "${BANKSIM_SANITIZED:-0}" == 1 ]]; then
  echo "skipped under the sanitizers: ulimit -v cannot apply to an ASan build"
  exit 77
fi
ulimit -v $((4 * 1024 * 1024))  # KiB: 4 GiB for everything below

# A space far too large to finish in the test's time (52 million states without
# reduction), with read-your-writes broken early under async.
expect_exit 0 "$GEN" --branches 4 --customers 4 --events 3 --seed 1 \
  --mix deposit=1,query=1,moving=100 -o big-space.json

# Ctrl-C: the partial summary, "search: interrupted", and the counterexample found so far.
# signal_when_searching SIGNAL ARGS...: runs banksim ARGS, sends SIGNAL once its first
# progress line shows the search running (not after a fixed time: a loaded machine may
# still be starting it), and sets $got to its exit status.
signal_when_searching() {
  local sig=$1
  shift
  "$BANKSIM" "$@" >out.txt 2>err.txt &
  local pid=$!
  for _ in $(seq 1 600); do
    grep -q '^explore: ' err.txt 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^explore: ' err.txt || { cat out.txt err.txt >&2; fail "no progress line from: $*"; }
  kill -s "$sig" "$pid"
  got=0
  wait "$pid" || got=$?
}
signal_when_searching INT explore big-space.json --protocol async --no-reduction \
  --keep-going --trace-out int.json
[[ $got == 1 ]] || { cat out.txt err.txt >&2; fail "interrupted search: exit status $got, expected 1"; }
expect_grep '^search: interrupted \(SIGINT\): not complete' out.txt
expect_grep '^states visited [0-9,]+, distinct [0-9,]+' out.txt
expect_grep '^read-your-writes +no +VIOLATED' out.txt
expect_grep '^convergence +yes +not (judged|violated in the [0-9,]+ quiescent states? reached) \(interrupted \(SIGINT\): not complete\)' out.txt
expect_grep 'counterexample for read-your-writes: [0-9]+ deliveries \(the first found: not shortened, the search was cut short\), replayed and reproduced' out.txt
expect_grep 'trace written to int-read-your-writes.json' out.txt
expect_exit 1 "$BANKSIM" replay int-read-your-writes.json --no-timeline
expect_grep '^reproduced the recorded read-your-writes violation' "$WORK/out"

# SIGTERM, the same way; nothing violated under sync so far: exit status 0.
signal_when_searching TERM explore big-space.json --protocol sync --no-reduction
[[ $got == 0 ]] || { cat out.txt err.txt >&2; fail "SIGTERM: exit status $got, expected 0"; }
expect_grep '^search: interrupted \(SIGTERM\): not complete' out.txt

# --max-seconds ends it the same way.
expect_exit 0 "$BANKSIM" explore big-space.json --protocol sync --no-reduction -q --max-seconds 1
expect_grep '^search: stopped at the time limit \(--max-seconds\): not complete' "$WORK/out"
expect_exit 2 "$BANKSIM" explore big-space.json --max-seconds 0 -q
expect_grep '^banksim: --max-seconds: must be a positive number of seconds, not 0$' "$WORK/err"

# Progress lines (stderr, not quiet): distinct states/s, elapsed, memory, stack.
expect_exit 0 "$BANKSIM" explore big-space.json --protocol sync --no-reduction --max-seconds 2.5
expect_grep '^explore: [0-9,]+ distinct states, [0-9]+ distinct/s, [0-9,]+ visited, stack [0-9,]+, max depth [0-9]+, [0-9]+ s, [0-9]+ MiB$' "$WORK/err"

# --max-memory: a world of several MiB per search level (one World copy per level) on a
# scenario with many branches and events; the search ends at the limit, not in a crash.
# (256 branches x 32,000 events: about 2 MiB per level.)
expect_exit 0 "$GEN" --branches 256 --customers 64 --events 500 --seed 1 -o wide.json
expect_exit 0 "$BANKSIM" explore wide.json --protocol sync --no-reduction -q --max-memory 300M
expect_grep '^search: stopped at the memory limit \(--max-memory\): not complete' "$WORK/out"
expect_grep '^memory: peak [0-9]+ MiB resident, limit 300 MiB \(--max-memory\)' "$WORK/out"
expect_grep '^convergence +yes +not judged: no path searched reached quiescence' "$WORK/out"
peak=$(sed -n 's/^memory: peak \([0-9]*\) MiB.*/\1/p' "$WORK/out")
((peak <= 300)) || fail "peak $peak MiB passed --max-memory 300M"
# The default under a small ulimit -v: stops before an allocation fails.
(
  ulimit -v $((900 * 1024))
  expect_exit 0 "$BANKSIM" explore wide.json --protocol sync --no-reduction -q
)
expect_grep '^search: stopped at the memory limit \(85% of ulimit -v\): not complete' "$WORK/out"
expect_grep 'address space limit 900 MiB \(ulimit -v\)' "$WORK/out"
expect_exit 2 "$BANKSIM" explore wide.json --max-memory 12X -q
expect_grep '^banksim: --max-memory: "12X" must be a size' "$WORK/err"

# A counterexample that does not reproduce on replay is not claimed and not written: a
# banksim bug, exit status 70 (internal; 3 is a failed gRPC backend).
expect_exit 70 env BANKSIM_TEST_BREAK_COUNTEREXAMPLES=1 "$BANKSIM" explore \
  "$SCENARIOS/concurrent-withdraws.json" --protocol sync --trace-out broken.json -q
[[ ! -e broken.json ]] || fail "a counterexample that does not reproduce was written"
expect_grep 'no-overdraft counterexample does not reproduce, broken.json not written' "$WORK/err"
expect_grep '^no-overdraft +no +not judged: the violation found did not reproduce' "$WORK/out"
if grep -q 'VIOLATED' "$WORK/out"; then fail "an unreproduced violation was claimed"; fi
