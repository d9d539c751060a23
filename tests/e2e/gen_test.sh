#!/usr/bin/env bash
# banksim_gen: the same options and seed write a byte-identical scenario; another seed
# writes another one; the output loads and runs in banksim; bad options exit 2 with one
# line and write nothing.
source "$(dirname "$0")/lib.sh"
# banksim_gen is built next to banksim (tools/bench and ctest build both).
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
[[ -x "$GEN" ]] || fail "no banksim_gen next to $BANKSIM"
cd "$WORK"

opts=(--branches 3 --customers 7 --events 40 --mix deposit=5,withdraw=3,query=2,moving=30)
expect_exit 0 "$GEN" "${opts[@]}" --seed 9 -o a.json
expect_exit 0 "$GEN" "${opts[@]}" --seed 9 -o b.json
cmp a.json b.json || fail "same options and seed gave different files"
# stdout is the same text as -o.
expect_exit 0 "$GEN" "${opts[@]}" --seed 9
cmp a.json "$WORK/out" || fail "stdout differs from -o"
expect_exit 0 "$GEN" "${opts[@]}" --seed 10 -o c.json
if cmp -s a.json c.json; then fail "seeds 9 and 10 gave the same file"; fi

# Pinned shape: 7 customers, 3 branches, 7 * 40 events with ids 1..280.
[[ $(grep -c '"type":"customer"' a.json) == 7 ]] || fail "expected 7 customers"
[[ $(grep -c '"type":"branch"' a.json) == 3 ]] || fail "expected 3 branches"
[[ $(grep -o '"interface":' a.json | wc -l) == 280 ]] || fail "expected 280 events"
grep -q '"id":280,' a.json || fail "event ids do not run to 280"
# Customers that do not move use their home branch: customer 4 -> branch 1.
expect_exit 0 "$GEN" --branches 3 --customers 4 --events 2 --mix deposit=1 --seed 1 -o home.json
grep '"id":4,"type":"customer"' home.json | grep -q '"dest":1,' || fail "customer 4 not at branch 1"
if grep '"id":4,"type":"customer"' home.json | grep -qE '"dest":[23],'; then
  fail "a customer that does not move used another branch"
fi
if grep -q '"withdraw"\|"query"' home.json; then fail "--mix deposit=1 wrote other kinds"; fi

# The generated file is a valid scenario for every protocol, and runs are deterministic.
for p in sync async session; do
  expect_exit 0 "$BANKSIM" run a.json --protocol "$p" --seed 3 --check liveness,conservation \
    -o "run-$p.txt"
  expect_grep '^messages delivered: [0-9]+' "$WORK/out"
done
expect_exit 0 "$GEN" --branches 2 --customers 2 --events 2 --protocol async -o p.json
expect_grep '"protocol": "async"' p.json

# A path that is not a regular file is written in place, never replaced (as root,
# renaming a temporary file over a null device would turn it into a plain file).
if mknod "$WORK/null" c 1 3 2>/dev/null; then
  expect_exit 0 "$GEN" --branches 2 --customers 2 --events 2 -o "$WORK/null"
  [[ -c "$WORK/null" ]] || fail "$WORK/null is no longer a character device"
  compgen -G "$WORK/null.tmp.*" >/dev/null && fail "a temporary file was left beside $WORK/null"
fi

# Bad options: exit 2, one line on stderr, no file.
for bad in "--branches 0" "--branches 300" "--customers -1" "--mix deposit=0" \
  "--mix moving=101,deposit=1" "--mix sideways=3" "--protocol paxos" "--money-max 0"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$GEN" $bad -o bad.json
  [[ $(wc -l <"$WORK/err") == 1 ]] || fail "$bad: expected one line on stderr"
  [[ ! -e bad.json ]] || fail "$bad: wrote a file"
done
echo "gen_test: ok"
