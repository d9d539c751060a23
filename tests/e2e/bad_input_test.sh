#!/usr/bin/env bash
# Bad input, one case per kind: each run exits 2 with exactly one line on stderr that
# names the file, the JSON path and the rule, prints nothing on stdout, and writes no
# output file (nor leaves a temporary one). Bad command-line options likewise.
source "$(dirname "$0")/lib.sh"

# one_line WHAT: stderr of the last run is exactly one line; it is left in $line.
one_line() {
  local lines
  mapfile -t lines <"$WORK/err"
  if ((${#lines[@]} != 1)); then
    cat "$WORK/err" >&2
    fail "$1: expected exactly one line on stderr, got ${#lines[@]}"
  fi
  line=${lines[0]}
}

# refused NAME JSON_PATH RULE: banksim run refuses $WORK/NAME.json the way it should.
refused() {
  local name=$1 path=$2 rule=$3
  local file="$WORK/$name.json" out="$WORK/$name.out"
  expect_exit 2 "$BANKSIM" run "$file" --seed 1 -o "$out"
  one_line "$name"
  [[ "$line" == "banksim: $file: $path: "* ]] || fail "$name: '$line' lacks '$file: $path'"
  [[ "$line" == *"$rule"* ]] || fail "$name: '$line' does not say '$rule'"
  [[ ! -s "$WORK/out" ]] || fail "$name: printed on stdout"
  [[ ! -e "$out" ]] || fail "$name: output file written"
  if compgen -G "$out.tmp*" >/dev/null; then fail "$name: temporary file left behind"; fi
}

# scenario NAME TEXT: writes TEXT to $WORK/NAME.json.
scenario() { printf '%s\n' "$2" >"$WORK/$1.json"; }
branch='{"id":1,"type":"branch","balance":100}'
# events NAME EVENT...: branch 1 at 100 and customer 1 with these events.
events() {
  local name=$1 list
  shift
  printf -v list '%s,' "$@"
  scenario "$name" "[$branch,{\"id\":1,\"type\":\"customer\",\"events\":[${list%,}]}]"
}

scenario malformed '[{"id":1,"type":"branch","balance":100}'
refused malformed '$' 'malformed JSON'

scenario missing-field '[{"id":1,"type":"branch"}]'
refused missing-field '$[0].balance' 'is required but missing'

events missing-money '{"id":1,"interface":"deposit"}'
refused missing-money '$[1].events[0].money' 'is required but missing'

scenario unknown-field '[{"id":1,"type":"branch","balance":100,"owner":"x"}]'
refused unknown-field '$[0].owner' 'unknown field'

events unknown-event-field '{"id":1,"interface":"query","amount":3}'
refused unknown-event-field '$[1].events[0].amount' 'unknown field'

events unknown-interface '{"id":1,"interface":"transfer","money":5}'
refused unknown-interface '$[1].events[0].interface' \
  'must be one of "query", "deposit", "withdraw"'

events negative-money '{"id":1,"interface":"withdraw","money":-5}'
refused negative-money '$[1].events[0].money' 'must be a non-negative integer, not -5'

events fractional-money '{"id":1,"interface":"deposit","money":10.5}'
refused fractional-money '$[1].events[0].money' \
  'must be a non-negative integer, not a fractional number'

scenario negative-balance '[{"id":1,"type":"branch","balance":-100}]'
refused negative-balance '$[0].balance' 'must be a non-negative integer, not -100'

events overflowing-money '{"id":1,"interface":"deposit","money":99999999999999999999999}'
refused overflowing-money '$[1].events[0].money' 'fits in 64 bits'

events overflowing-int64 '{"id":1,"interface":"deposit","money":9223372036854775808}'
refused overflowing-int64 '$[1].events[0].money' 'fits in 64 bits'

events overflowing-sum '{"id":1,"interface":"deposit","money":9223372036854775000}' \
  '{"id":2,"interface":"deposit","money":1000}'
refused overflowing-sum '$[1].events[1].money' 'overflow a 64-bit integer'

scenario duplicate-branch "[$branch,$branch]"
refused duplicate-branch '$[1].id' 'duplicate branch id 1'

customer='{"id":1,"type":"customer","events":[]}'
scenario duplicate-customer "[$branch,$customer,$customer]"
refused duplicate-customer '$[2].id' 'duplicate customer id 1'

events duplicate-event '{"id":3,"interface":"query"}' '{"id":3,"interface":"query"}'
refused duplicate-event '$[1].events[1].id' 'duplicate event id 3'

scenario no-branch-to-talk-to \
  "[$branch,{\"id\":2,\"type\":\"customer\",\"events\":[{\"id\":1,\"interface\":\"query\"}]}]"
refused no-branch-to-talk-to '$[1].events[0]' 'customer 2 has no branch 2 to talk to'

events dest-not-a-branch '{"id":1,"interface":"query","dest":4}'
refused dest-not-a-branch '$[1].events[0].dest' 'names branch 4, which does not exist'

events branch-key-not-a-branch '{"id":1,"interface":"query","branch":4}'
refused branch-key-not-a-branch '$[1].events[0].branch' 'names branch 4, which does not exist'

scenario no-branches "[$customer]"
refused no-branches '$' 'has no branches'

scenario bad-protocol-setting "{\"protocol\":\"raft\",\"processes\":[$branch]}"
refused bad-protocol-setting '$.protocol' 'must be one of "sync", "async", "session"'

scenario bad-latency-setting "{\"network\":{\"latency\":\"normal:5\"},\"processes\":[$branch]}"
refused bad-latency-setting '$.network.latency' 'must be const:US'

# A missing file: one line naming it; nothing written.
expect_exit 2 "$BANKSIM" run "$WORK/no-such-file.json" -o "$WORK/missing.out"
one_line "missing file"
[[ "$line" == "banksim: $WORK/no-such-file.json: cannot open file" ]] ||
  fail "missing file: '$line'"
[[ ! -e "$WORK/missing.out" ]] || fail "missing file: output file written"

# A directory is not a scenario file.
expect_exit 2 "$BANKSIM" run "$WORK" -o "$WORK/dir.out"
one_line "directory"
[[ "$line" == "banksim: $WORK: is a directory"* ]] || fail "directory: '$line'"
[[ ! -e "$WORK/dir.out" ]] || fail "directory: output file written"

# An existing output file is left as it was when the input is bad.
echo 'previous results' >"$WORK/keep.out"
expect_exit 2 "$BANKSIM" run "$WORK/malformed.json" -o "$WORK/keep.out"
IFS= read -r kept <"$WORK/keep.out"
[[ "$kept" == 'previous results' ]] || fail "bad input overwrote the output file"

# Bad command-line options on a good scenario: one line naming the option; no output.
good="$SCENARIOS/seed-cc-dest-test1.json"
option_refused() {
  local what=$1
  shift
  expect_exit 2 "$BANKSIM" run "$good" "$@" -o "$WORK/opt.out"
  one_line "$*"
  [[ "$line" == "banksim: $what"* ]] || fail "$*: '$line' does not start with '$what'"
  [[ ! -e "$WORK/opt.out" ]] || fail "$*: output file written"
}
option_refused '--protocol: unknown protocol "paxos"' --protocol paxos
option_refused '--latency: "fast"' --latency fast
option_refused '--latency: "uniform:9:1" uniform latency needs MIN_US <= MAX_US' \
  --latency uniform:9:1
option_refused '--latency: "const:-3"' --latency const:-3
option_refused '--latency: "exp:1.5"' --latency exp:1.5
option_refused '--format: unknown format "xml"' --format xml
option_refused '--check: unknown property "speed"' --check speed
option_refused '--check: unknown property "liveliness"' --check convergence,liveliness
option_refused '--check: unknown property ""' --check ''

# The same scenario and options without the mistake run fine.
expect_exit 0 "$BANKSIM" run "$good" --protocol session -o "$WORK/opt.out"
[[ -s "$WORK/opt.out" ]] || fail "a good run wrote no output file"
