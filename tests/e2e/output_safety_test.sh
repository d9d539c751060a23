#!/usr/bin/env bash
# Output files and streams: the temporary output file is never a planted name and never
# left behind; the target keeps its mode; a long name works; the scenario is never
# overwritten by its own output; every failed write to stdout or a file is an error with
# its reason (exit 4 for stdout), and an unwritable stderr never turns an error into a
# crash.
source "$(dirname "$0")/lib.sh"
good="$SCENARIOS/seed-cc-dest-test1.json"
cd "$WORK"

# no_temporaries WHAT: nothing but the expected files in $WORK/d.
no_temporaries() {
  if compgen -G "$WORK/d/*.tmp*" >/dev/null; then
    ls -la "$WORK/d" >&2
    fail "$1: temporary file left behind"
  fi
}
mkdir d

# A symlink planted at the temporary name banksim used to pick (<path>.tmp.<pid>, the
# pid is that of the exec'd subshell) is neither followed nor replaced.
echo 'precious' >victim
expect_exit 0 bash -c 'ln -s "$1" "$2.tmp.$$" && exec "$3" run "$4" -o "$2"' \
  _ "$WORK/victim" "$WORK/d/out.json" "$BANKSIM" "$good"
[[ "$(cat victim)" == precious ]] || fail "the planted symlink was followed: victim overwritten"
[[ -L "$(echo d/out.json.tmp.*)" ]] || fail "the planted symlink was removed or replaced"
[[ -s d/out.json && ! -L d/out.json ]] || fail "no output written"
rm d/out.json.tmp.*

# An existing target keeps its permission bits.
echo old >d/mode.json
chmod 640 d/mode.json
expect_exit 0 "$BANKSIM" run "$good" -o d/mode.json
[[ "$(stat -c %a d/mode.json)" == 640 ]] || fail "mode $(stat -c %a d/mode.json), expected 640"
no_temporaries "mode"

# A 250-character file name: the temporary name must still fit NAME_MAX (255).
long=$(printf 'r%.0s' {1..245}).json
expect_exit 0 "$BANKSIM" run "$good" -o "d/$long"
[[ -s "d/$long" ]] || fail "250-character output name not written"
no_temporaries "long name"

# A file size limit (ulimit -f) makes the write fail: a one-line error saying why, exit 4
# (I/O: the output cannot be written; the input was fine), no temporary file left, the old
# output untouched.
echo 'previous' >d/big.json
expect_exit 4 bash -c 'ulimit -f 1 && exec "$@"' _ "$BANKSIM" run "$good" --format json \
  --history d/big.json
[[ "$(cat "$WORK/err")" == "banksim: --history: d/big.json: cannot write file: File too large" ]] ||
  fail "ulimit -f: '$(cat "$WORK/err")'"
[[ "$(cat d/big.json)" == previous ]] || fail "ulimit -f: the old file was changed"
no_temporaries "ulimit -f"

# A missing directory: the reason is given; exit 4 (I/O), before the run.
expect_exit 4 "$BANKSIM" run "$good" -o d/no-such-dir/out.json
[[ "$(cat "$WORK/err")" == "banksim: -o: d/no-such-dir/out.json: cannot write file: the folder d/no-such-dir does not exist" ]] ||
  fail "missing directory: '$(cat "$WORK/err")'"

# -o (or --history, --record) naming the scenario itself, under any spelling or through a
# hard link, is refused before anything runs; the scenario is unchanged.
cp "$good" d/s.json
ln d/s.json d/s-link.json
before=$(cksum <d/s.json)
for flag in -o --history --record; do
  for spelling in d/s.json ./d/s.json "$WORK/d/s-link.json"; do
    expect_exit 2 "$BANKSIM" run d/s.json "$flag" "$spelling"
    [[ "$(cat "$WORK/err")" == "banksim: $flag: $spelling is the scenario file itself; refusing to overwrite it" ]] ||
      fail "$flag $spelling: '$(cat "$WORK/err")'"
    [[ "$(cksum <d/s.json)" == "$before" ]] || fail "$flag $spelling overwrote the scenario"
  done
done
expect_exit 2 "$BANKSIM" explore d/s.json --trace-out d/s.json
[[ "$(cksum <d/s.json)" == "$before" ]] || fail "explore --trace-out overwrote the scenario"
expect_exit 0 "$BANKSIM" run d/s.json --record d/t.json -o /dev/null
expect_exit 2 "$BANKSIM" replay d/t.json -o d/t.json
expect_grep 'is the trace file itself' "$WORK/err"

# stdout that cannot be written: exit 4 and the reason, for results alone and for the
# summary, for every command.
full() { "$@" >/dev/full 2>"$WORK/err"; }
for args in "run $good -o -" "run $good" "explore $good -q" "replay d/t.json"; do
  # shellcheck disable=SC2086
  status=0; full "$BANKSIM" $args || status=$?
  [[ $status == 4 ]] || fail "$args >/dev/full: exit $status, expected 4"
  [[ "$(cat "$WORK/err")" == "banksim: cannot write to stdout: No space left on device" ]] ||
    fail "$args >/dev/full: '$(cat "$WORK/err")'"
done
# A closed stdout likewise.
status=0; "$BANKSIM" run "$good" -o - >&- 2>"$WORK/err" || status=$?
[[ $status == 4 ]] || fail "closed stdout: exit $status, expected 4"

# An unwritable or closed stderr: the error is lost, its exit status is not.
for redirect in full closed; do
  status=0
  if [[ $redirect == full ]]; then
    "$BANKSIM" run no-such.json 2>/dev/full || status=$?
  else
    "$BANKSIM" run no-such.json 2>&- || status=$?
  fi
  [[ $status == 2 ]] || fail "stderr $redirect: exit $status, expected 2"
done
status=0; "$BANKSIM" run "$good" --seed x >/dev/null 2>/dev/full || status=$?
[[ $status == 2 ]] || fail "bad option, stderr full: exit $status, expected 2"
status=0; "$BANKSIM" run "$good" -o - >/dev/full 2>/dev/full || status=$?
[[ $status == 4 ]] || fail "stdout and stderr full: exit $status, expected 4"
