#!/usr/bin/env bash
# One table of exit statuses: README's "exit-statuses" table, the table that closes
# `banksim --help` and every `banksim COMMAND --help` (generated from src/cli/exit_status.h)
# must agree row for row; and the binary gives the statuses the table names for what it
# says (0, 1, 2, 4, 70 here; 3 and 130 in the gRPC tests).
source "$(dirname "$0")/lib.sh"
readme="$BANKSIM_SOURCE_DIR/README.md"
cd "$WORK"

# README's table as "STATUS|NAME|MEANING" lines.
awk '/<!-- exit-statuses: begin -->/ { on = 1; next } /<!-- exit-statuses: end -->/ { on = 0 }
     on && /^\| [0-9]/ { print }' "$readme" |
  sed -E 's/^\| //; s/ \|$//; s/ \| /|/g' >readme.rows
[[ $(wc -l <readme.rows) -ge 5 ]] || fail "README has no exit-statuses table"

# A help text's table as the same lines: "  STATUS NAME: MEANING" with wrapped lines joined.
help_rows() {
  awk '/^Exit statuses:/ { on = 1; next }
       on && /^  [0-9]/ { if (row != "") print row; row = $0; next }
       on && /^        [^ ]/ { sub(/^ +/, " "); row = row $0; next }
       on { if (row != "") print row; row = ""; on = 0 }
       END { if (row != "") print row }' "$1" |
    sed -E 's/^  ([0-9]+) +([^:]+): /\1|\2|/'
}

"$BANKSIM" --help >help.txt || fail "banksim --help failed"
help_rows help.txt >help.rows
diff readme.rows help.rows >&2 || fail "README's exit-statuses table and banksim --help differ"
for cmd in run explore replay serve viz check; do
  "$BANKSIM" "$cmd" --help >cmd-help.txt || fail "$cmd --help failed"
  help_rows cmd-help.txt >cmd.rows
  diff help.rows cmd.rows >&2 || fail "banksim $cmd --help has another exit-status table"
done

# status NAME: the status the table gives that name.
status() { awk -F'|' -v name="$1" '$2 == name { print $1 }' help.rows; }

# The binary exits with the status of the row that describes what happened.
s="$SCENARIOS/concurrent-withdraws.json"
expect_exit "$(status ok)" "$BANKSIM" run "$s" --protocol sync --check promised -q
expect_exit "$(status violation)" "$BANKSIM" run "$s" --protocol async -q
expect_exit "$(status 'invalid input')" "$BANKSIM" run no-such-scenario.json
[[ $(cat "$WORK/err") == "banksim: no-such-scenario.json: "* ]] || fail "invalid input: $(cat "$WORK/err")"
expect_exit "$(status 'invalid input')" "$BANKSIM" run "$s" --history same.json -o same.json
# An output that cannot be written: I/O, for every command that writes one.
expect_exit "$(status I/O)" "$BANKSIM" run "$s" -o no-such-folder/r.json
expect_grep '^banksim: -o: no-such-folder/r.json: cannot write file: the folder no-such-folder does not exist$' "$WORK/err"
[[ $(wc -l <"$WORK/err") == 1 ]] || fail "more than one line for one error"
expect_exit "$(status I/O)" "$BANKSIM" run "$s" --protocol async --record no-such-folder/t.json
expect_exit 1 "$BANKSIM" run "$s" --protocol async --record t.json -q
expect_exit "$(status I/O)" "$BANKSIM" replay t.json -o no-such-folder/r.json
expect_exit "$(status I/O)" "$BANKSIM" viz t.json -o no-such-folder/t.html
expect_grep '^banksim: no-such-folder/t.html: cannot write file: ' "$WORK/err"
# explore still prints its summary and says which trace it could not write.
expect_exit "$(status I/O)" "$BANKSIM" explore "$s" --protocol async -q \
  --trace-out no-such-folder/t.json
expect_grep '^banksim: no-such-folder/t.json: cannot write file: ' "$WORK/err"
expect_grep '^no-overdraft +no +VIOLATED' "$WORK/out"
# stdout that cannot be written: I/O.
if [[ -w /dev/full ]]; then
  expect_exit "$(status I/O)" bash -c '"$@" >/dev/full' _ "$BANKSIM" run "$s" --protocol sync
  expect_grep '^banksim: cannot write to stdout: No space left on device$' "$WORK/err"
fi
# A counterexample that does not reproduce: a banksim bug (the test hook breaks it).
expect_exit "$(status internal)" env BANKSIM_TEST_BREAK_COUNTEREXAMPLES=1 "$BANKSIM" explore \
  "$s" --protocol sync -q --trace-out broken.json
[[ ! -e broken.json ]] || fail "an unreproduced counterexample was written"

# The statuses themselves are the documented ones (scripts depend on them).
[[ "$(cut -d'|' -f1,2 help.rows | tr '\n' ' ')" == \
   "0|ok 1|violation 2|invalid input 3|backend failed 4|I/O 70|internal 130|interrupted " ]] ||
  fail "the exit statuses changed: $(cut -d'|' -f1,2 help.rows | tr '\n' ' ')"
echo "exit status table: README, --help and the binary agree"
