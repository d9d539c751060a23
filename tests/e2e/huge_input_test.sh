#!/usr/bin/env bash
# A large input (4 MiB or more) makes banksim restart itself once with malloc on
# transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1; see src/cli/main.cc).
# The restart changes nothing a user sees: the same results byte for byte, the same exit
# status. A small input, a tunable the user set, and valgrind are left alone.
source "$(dirname "$0")/lib.sh"
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
[[ -x "$GEN" ]] || fail "no banksim_gen next to $BANKSIM"
cd "$WORK"
unset GLIBC_TUNABLES

expect_exit 0 "$GEN" --branches 5 --customers 50 --events 1700 --seed 1 -o big.json
(($(stat -c %s big.json) >= 4 * 1024 * 1024)) || fail "big.json is under 4 MiB"

# Same results and summary with and without the restart (same relative paths, so the
# summary's "results written to" line matches too).
mkdir restarted plain
(cd restarted && expect_exit 0 "$BANKSIM" run ../big.json --seed 3 -o results.json)
cp "$WORK/out" restarted.out
(cd plain && expect_exit 0 env GLIBC_TUNABLES=glibc.malloc.hugetlb=0 "$BANKSIM" run \
  ../big.json --seed 3 -o results.json)
cmp restarted/results.json plain/results.json || fail "the restart changed the results file"
cmp restarted.out "$WORK/out" || fail "the restart changed the summary"

# Bad input still gets its one-line error and exit 2 after the restart.
expect_exit 2 "$BANKSIM" run big.json --latency sideways
[[ $(wc -l <"$WORK/err") == 1 ]] || fail "expected one line on stderr"

# Whether it restarted shows in a long-lived process's environment: banksim serve.
# environ_of ARGS...: starts banksim serve ARGS, prints its environment once it listens.
environ_of() {
  # Truncate before starting: the background child truncates only once it runs, so a
  # check right after `&` could still see the previous call's "listening on".
  : >serve.out
  "$BANKSIM" serve "$@" >serve.out 2>serve.err &
  local pid=$!
  for _ in $(seq 1 200); do
    grep -q "listening on" serve.out && break
    sleep 0.05
  done
  grep -q "listening on" serve.out || fail "serve did not start: $(cat serve.err)"
  tr '\0' '\n' <"/proc/$pid/environ"
  kill -TERM "$pid"
  wait "$pid" || true
}
if "$BANKSIM" serve --branch 1 --scenario /dev/null 2>&1 | grep -q "built without the gRPC"; then
  echo "huge_input_test: ok (serve part skipped: no gRPC backend)"
  exit 0
fi
environ_of --branch 1 --scenario big.json >env.big
grep -q 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1' env.big || fail "no restart for a 4 MiB input"
"$GEN" --branches 3 --customers 2 --events 3 --seed 1 -o small.json
environ_of --branch 1 --scenario small.json >env.small
grep -q 'GLIBC_TUNABLES' env.small && fail "restarted for a small input"
GLIBC_TUNABLES=glibc.malloc.hugetlb=0 environ_of --branch 1 --scenario big.json >env.optout
grep -qx 'GLIBC_TUNABLES=glibc.malloc.hugetlb=0' env.optout || fail "the user's tunable was changed"
# (glibc ends each tunable's value with a NUL in place, so in /proc the appended tunable
# shows as a line of its own.)
GLIBC_TUNABLES=glibc.malloc.tcache_count=10 environ_of --branch 1 --scenario big.json >env.other
grep -qx 'GLIBC_TUNABLES=glibc.malloc.tcache_count=10' env.other ||
  fail "the user's other tunables were not kept"
grep -q 'glibc.malloc.hugetlb=1' env.other || fail "no restart when other tunables are set"
echo "huge_input_test: ok"
