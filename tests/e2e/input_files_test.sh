#!/usr/bin/env bash
# Inputs that are not what they claim: a JSON object that gives a key twice (nlohmann
# keeps the last one, so "money": -1, "money": 80 once passed as 80), in a scenario and in
# a trace; and a scenario that is not a regular file (a FIFO with no writer once blocked
# forever in open(); /dev/zero read as "unexpected end of input"). Each is refused at
# once: exit 2, one line on stderr naming the file, the JSON path and the rule, nothing
# on stdout, no output file.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

# refused WHAT EXPECTED_LINE CMD...: CMD exits 2 (within 10 s) with exactly that one line.
refused() {
  local what=$1 want=$2
  shift 2
  expect_exit 2 timeout 10 "$@"
  [[ $(wc -l <"$WORK/err") == 1 ]] || { cat "$WORK/err" >&2; fail "$what: not one line"; }
  [[ $(cat "$WORK/err") == "$want" ]] || fail "$what: got '$(cat "$WORK/err")', want '$want'"
  [[ ! -s "$WORK/out" ]] || fail "$what: printed on stdout"
  [[ ! -e res.json ]] || fail "$what: wrote an output file"
}

# A repeated key, at every level: inside an event, in the settings, at the top.
cat >money.json <<'JSON'
[{"id":1,"type":"branch","balance":100},
 {"id":1,"type":"customer","events":[{"id":1,"interface":"withdraw","money":-1,"money":80}]}]
JSON
refused "money twice" \
  'banksim: money.json: $[1].events[0].money: duplicate key "money": a key may appear only once in an object' \
  "$BANKSIM" run money.json -o res.json
refused "money twice, explore" \
  'banksim: money.json: $[1].events[0].money: duplicate key "money": a key may appear only once in an object' \
  "$BANKSIM" explore money.json
printf '%s' '{"network":{"fifo":true,"fifo":false},"processes":[{"id":1,"type":"branch","balance":1}]}' >fifo-key.json
refused "fifo twice" \
  'banksim: fifo-key.json: $.network.fifo: duplicate key "fifo": a key may appear only once in an object' \
  "$BANKSIM" run fifo-key.json -o res.json
printf '%s' '{"processes":[],"processes":[{"id":1,"type":"branch","balance":1}]}' >lists.json
refused "processes twice" \
  'banksim: lists.json: $.processes: duplicate key "processes": a key may appear only once in an object' \
  "$BANKSIM" run lists.json -o res.json
# Keys that differ only in how they are escaped are the same key.
printf '%s' '[{"id":1,"type":"branch","balance":1,"b\u0061lance":2}]' >escaped.json
refused "escaped twice" \
  'banksim: escaped.json: $[0].balance: duplicate key "balance": a key may appear only once in an object' \
  "$BANKSIM" run escaped.json -o res.json

# In a trace: the top level, and the embedded scenario.
expect_exit 0 "$BANKSIM" run "$SCENARIOS/three-customers-deposits.json" --record t.json -o /dev/null
sed 's/"seed": *\([0-9]*\),/"seed": \1, "seed": 5,/' t.json >seed-twice.json
cmp -s t.json seed-twice.json && fail "the trace has no seed to repeat"
refused "trace seed twice" \
  'banksim: seed-twice.json: $.seed: duplicate key "seed": a key may appear only once in an object' \
  "$BANKSIM" replay seed-twice.json
sed '0,/"balance": *\([0-9]*\)/s//"balance": \1, "balance": 7/' t.json >balance-twice.json
refused "trace scenario key twice" \
  'banksim: balance-twice.json: $.scenario.processes[3].balance: duplicate key "balance": a key may appear only once in an object' \
  "$BANKSIM" replay balance-twice.json
expect_exit 0 "$BANKSIM" replay t.json  # the untouched trace still replays

# Not a regular file: refused at once, before any read.
mkfifo pipe.json
refused "FIFO without a writer" \
  'banksim: pipe.json: is a FIFO (named pipe), not a regular file: a scenario file must be a regular file' \
  "$BANKSIM" run pipe.json -o res.json
refused "FIFO as a trace" \
  'banksim: pipe.json: is a FIFO (named pipe), not a regular file: a trace file must be a regular file' \
  "$BANKSIM" replay pipe.json
refused "/dev/zero" \
  'banksim: /dev/zero: is a character device, not a regular file: a scenario file must be a regular file' \
  "$BANKSIM" explore /dev/zero
echo "duplicate keys and non-regular files refused"
