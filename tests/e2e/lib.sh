# Helpers for end-to-end tests. Source it; the test runs with `set -euo pipefail`.
# Environment (set by ctest): BANKSIM (binary), JSON_EQUAL, BANKSIM_SOURCE_DIR, SEEDS.
set -euo pipefail
: "${BANKSIM:?run through ctest}"
SCENARIOS="$BANKSIM_SOURCE_DIR/scenarios"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_exit CODE CMD...: runs CMD, stdout to $WORK/out, stderr to $WORK/err.
expect_exit() {
  local want=$1
  shift
  local got=0
  "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
  if [[ "$got" != "$want" ]]; then
    echo "--- stdout" >&2; head -50 "$WORK/out" >&2
    echo "--- stderr" >&2; cat "$WORK/err" >&2
    fail "exit status $got, expected $want: $*"
  fi
}

# expect_json_equal A B: the files hold equal JSON values.
expect_json_equal() {
  "$JSON_EQUAL" "$1" "$2" || fail "$1 differs from $2"
}

# expect_grep PATTERN FILE
expect_grep() {
  grep -qE -- "$1" "$2" || { cat "$2" >&2; fail "no line matches '$1' in $2"; }
}
