#!/usr/bin/env bash
# The command line: --seed refuses what would wrap or saturate (every command that takes
# it, banksim_gen too); --fifo and --no-fifo together are refused; errors say the rule in
# words; --version; an unknown command is named; banksim_gen refuses a terminal unless
# asked; serve's listening line is the one its help and the README describe; --help
# prints what a person reads.
source "$(dirname "$0")/lib.sh"
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
good="$SCENARIOS/seed-cc-dest-test1.json"
cd "$WORK"

# error_is WANT: stderr of the last run is exactly the line WANT.
error_is() {
  [[ "$(cat "$WORK/err")" == "$1" ]] || fail "stderr '$(cat "$WORK/err")', expected '$1'"
}

# --seed: digits only, 0 .. 2^64-1.
seed_rule='must be an integer from 0 to 18446744073709551615'
for bad in -1 18446744073709551616 99999999999999999999999 1e3 0x10 +5 ''; do
  expect_exit 2 "$BANKSIM" run "$good" --seed "$bad"
  error_is "banksim: --seed: \"$bad\" $seed_rule (see banksim --help)"
  [[ ! -s "$WORK/out" ]] || fail "--seed '$bad': printed on stdout"
  expect_exit 2 "$BANKSIM" explore "$good" --strategy random --seed "$bad"
  error_is "banksim: --seed: \"$bad\" $seed_rule (see banksim --help)"
  expect_exit 2 "$GEN" --events 1 --seed "$bad" -o "$WORK/gen.json"
  error_is "banksim_gen: --seed: \"$bad\" $seed_rule"
  [[ ! -e "$WORK/gen.json" ]] || fail "banksim_gen --seed '$bad' wrote a file"
done
expect_exit 0 "$BANKSIM" run "$good" --seed 18446744073709551615
expect_grep '^protocol [a-z]+.*, seed 18446744073709551615,' "$WORK/out"
expect_exit 0 "$BANKSIM" run "$good" --seed 0
expect_grep '^protocol [a-z]+.*, seed 0,' "$WORK/out"

# --fifo and --no-fifo contradict each other, in either order; each alone works.
for order in "--no-fifo --fifo" "--fifo --no-fifo"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$BANKSIM" run "$good" $order
  expect_grep '^banksim: --(no-)?fifo excludes --(no-)?fifo' "$WORK/err"
done
expect_exit 0 "$BANKSIM" run "$good" --no-fifo
expect_grep 'no FIFO \(reordering\)' "$WORK/out"
expect_exit 0 "$BANKSIM" run "$good" --fifo
expect_grep 'per-link FIFO' "$WORK/out"

# --max-steps 0: the rule in words, not DBL_MAX in full.
expect_exit 2 "$BANKSIM" run "$good" --max-steps 0
error_is 'banksim: --max-steps: "0" must be an integer from 1 to 9223372036854775807 (see banksim --help)'
expect_exit 2 "$BANKSIM" run "$good" --max-steps -3
expect_exit 0 "$BANKSIM" run "$good" --max-steps 5

# --version; an unknown command is named.
expect_exit 0 "$BANKSIM" --version
expect_grep '^banksim [0-9]+\.[0-9]+' "$WORK/out"
expect_exit 2 "$BANKSIM" frobnicate "$good"
# (Other commands may join the list; these four must be in it.)
[[ "$(cat "$WORK/err")" == "banksim: unknown command 'frobnicate' (commands: run, explore, replay, serve"*"; see banksim --help)" ]] ||
  fail "unknown command: '$(cat "$WORK/err")'"
expect_exit 2 "$BANKSIM"
expect_grep 'subcommand is required' "$WORK/err"

# banksim_gen refuses a terminal without -o - (script(1) gives it a pseudo-terminal).
if command -v script >/dev/null; then
  status=0
  script -qec "$GEN --branches 1 --customers 1 --events 1" /dev/null >"$WORK/tty" 2>&1 ||
    status=$?
  [[ $status == 2 ]] || fail "banksim_gen on a terminal: exit $status, expected 2"
  expect_grep 'stdout is a terminal: give -o FILE, or -o - to print' "$WORK/tty"
  script -qec "$GEN --branches 1 --customers 1 --events 1 -o -" /dev/null >"$WORK/tty" 2>&1 ||
    fail "banksim_gen -o - on a terminal failed"
  expect_grep '"type": ?"branch"' "$WORK/tty"
else
  echo "note: no script(1); the terminal case of banksim_gen is not checked"
fi
# A pipe or file is not a terminal: no -o needed.
"$GEN" --branches 1 --customers 1 --events 1 | grep -q branch || fail "banksim_gen | grep"

# --help: no CLI11 type noise, in every command; each value is named (FILE, DIR, N...),
# never the generic VALUE.
for cmd in run explore replay serve viz check merge; do
  expect_exit 0 "$BANKSIM" "$cmd" --help
  if grep -nE '\{false\}|\{true\}|INT:|UINT|TEXT|in \[[0-9]' "$WORK/out"; then
    fail "$cmd --help shows CLI11's rendering noise"
  fi
  if grep -nE '^ +-.* VALUE( |$)' "$WORK/out"; then
    fail "$cmd --help names an option's value VALUE; add it to metavariable() in cli_style.h"
  fi
  expect_grep '^Usage: banksim '"$cmd"' ' "$WORK/out"
done
expect_exit 0 "$BANKSIM" run --help
expect_grep '^  --fifo +Per-link FIFO' "$WORK/out"
expect_grep '^  --no-fifo +Let later messages overtake' "$WORK/out"
expect_grep '^  --timeout-ms N +gRPC backend' "$WORK/out"
expect_grep '^  -o, --output FILE +Write the results' "$WORK/out"
# No line wider than 100 columns.
if awk 'length > 100' "$WORK/out" | grep -q .; then fail "run --help has lines over 100 columns"; fi
expect_exit 0 "$GEN" --help
if grep -nE 'INT:|UINT|TEXT' "$WORK/out"; then fail "banksim_gen --help shows type noise"; fi

# serve's listening line is the one its --help and the README describe.
line_format='banksim serve: branch ID (PROTOCOL) listening on HOST:PORT'
expect_exit 0 "$BANKSIM" serve --help
tr -s ' \n' ' ' <"$WORK/out" | grep -qF "'$line_format'" ||
  fail "serve --help does not give the line '$line_format'"
tr -s ' \n' ' ' <"$BANKSIM_SOURCE_DIR/README.md" | grep -qF "\`$line_format\`" ||
  fail "README does not give the line '$line_format'"
if ! "$BANKSIM" serve --branch 1 --scenario /dev/null 2>&1 | grep -q "built without the gRPC"; then
  cp "$good" s.json
  "$BANKSIM" serve --branch 1 --scenario s.json >serve.out 2>serve.err &
  serve=$!
  for _ in $(seq 1 400); do
    grep -qs "listening on" serve.out && break
    sleep 0.05
  done
  kill -TERM "$serve"
  wait "$serve" || fail "serve exited with $? on SIGTERM"
  expect_grep '^banksim serve: branch 1 \(session\) listening on 127\.0\.0\.1:[1-9][0-9]*$' serve.out
fi
