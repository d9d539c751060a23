#!/usr/bin/env bash
# banksim serve --data-dir: a branch keeps its durable state in DIR/branch-ID.durable. A
# directory that is missing, not a directory or unwritable, a file that holds another
# scenario's or protocol's state, and a torn (truncated) or bit-flipped file are refused in
# one line with exit 2, and the file is left exactly as it was.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/grpc_lib.sh"

S="$SCENARIOS/faults/small.json"
D="$WORK/data"

# refused DIR PATTERN ARGS...: serve on DIR exits 2 with one line matching PATTERN.
refused() {
  local dir=$1 pattern=$2
  shift 2
  expect_exit 2 "$BANKSIM" serve --branch 1 --scenario "$S" --data-dir "$dir" "$@"
  [[ $(wc -l <"$WORK/err") == 1 ]] || { cat "$WORK/err" >&2; fail "more than one error line"; }
  expect_grep "^banksim serve: $pattern" "$WORK/err"
  [[ ! -s "$WORK/out" ]] || fail "serve printed on stdout before refusing"
}

# serve_once DIR ARGS...: starts serve on DIR, waits until it listens, stops it (SIGTERM).
serve_once() {
  local dir=$1 pid
  shift
  "$BANKSIM" serve --branch 1 --scenario "$S" --data-dir "$dir" "$@" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
  pid=$!
  for _ in $(seq 1 400); do
    grep -q 'listening on' "$WORK/serve.out" && break
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/serve.err" >&2; fail "serve exited early"; }
    sleep 0.05
  done
  grep -q 'listening on' "$WORK/serve.out" || fail "serve did not start listening"
  kill -TERM "$pid"
  wait "$pid" || fail "serve --data-dir exited with $? on SIGTERM"
}

# Missing, a plain file, unwritable.
refused "$WORK/missing" "--data-dir $WORK/missing: No such file or directory"
touch "$WORK/plain"
refused "$WORK/plain" "--data-dir $WORK/plain: not a directory"
if [[ $(id -u) == 0 ]]; then
  unwritable=/proc  # root writes anywhere else
else
  unwritable="$WORK/readonly"
  mkdir "$unwritable"
  chmod 555 "$unwritable"
fi
refused "$unwritable" "--data-dir $unwritable: cannot create $unwritable/branch-1.durable.tmp-"

# A fresh directory: the branch claims it with its initial state.
mkdir "$D"
serve_once "$D"
F="$D/branch-1.durable"
[[ -f "$F" ]] || fail "serve --data-dir wrote no $F"
[[ $(head -c 8 "$F") == BANKSIMD ]] || fail "$F does not start with the magic"
[[ $(ls "$D") == branch-1.durable ]] || fail "serve left more than its file in $D: $(ls "$D")"
cp "$F" "$WORK/good"
# Started again on it: it loads it (and rewrites the same state).
serve_once "$D"
cmp "$F" "$WORK/good" || fail "a restart changed an unchanged state"

# Another scenario (one balance differs), another protocol: refused, nothing overwritten.
sed 's/"balance": 100}/"balance": 101}/' "$S" >"$WORK/other.json"
expect_exit 2 "$BANKSIM" serve --branch 1 --scenario "$WORK/other.json" --data-dir "$D"
expect_grep "^banksim serve: $F: holds the durable state of another bank \(scenario [0-9a-f]{16}, branch 1 \(index 0\), protocol session\), not of this one \(scenario [0-9a-f]{16}, branch 1 \(index 0\), protocol session\); refusing to load or overwrite it$" "$WORK/err"
refused "$D" "$F: holds the durable state of another bank .*protocol session\), not of this one .*protocol sync\)" --protocol sync
cmp "$F" "$WORK/good" || fail "a refused start changed $F"

# Torn: truncated anywhere, the header included.
for keep in 3 12 $(($(stat -c %s "$WORK/good") - 1)); do
  head -c "$keep" "$WORK/good" >"$F"
  cp "$F" "$WORK/torn"
  refused "$D" "$F: truncated \($keep bytes.*a torn write\?\); refusing to load it"
  cmp "$F" "$WORK/torn" || fail "a refused start changed the torn $F"
done
# Bit-flipped: in the payload (the checksum catches it) and in the magic.
flip() {  # flip FILE OFFSET: xor one bit of the byte at OFFSET
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "\\$(printf %03o $((b ^ 4)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp "$WORK/good" "$F"
flip "$F" 20
cmp -s "$F" "$WORK/good" && fail "flip changed nothing"
cp "$F" "$WORK/flipped"
refused "$D" "$F: corrupt \(checksum mismatch: CRC-32C [0-9a-f]{8} stored, [0-9a-f]{8} computed\); refusing to load it"
cmp "$F" "$WORK/flipped" || fail "a refused start changed the corrupt $F"
cp "$WORK/good" "$F"
flip "$F" 2
refused "$D" "$F: not a banksim durable state file"

# Restored, it starts again.
cp "$WORK/good" "$F"
serve_once "$D"
echo ok
