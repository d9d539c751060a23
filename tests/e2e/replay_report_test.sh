#!/usr/bin/env bash
# What run and replay print, and which files they write: a trace that ends at its
# violation says so and lists what is still in flight; the --debug timeline shows message
# ids, held requests and seed 002's sanity checks; the summary is capped; outputs are
# written all together or not at all; text from a trace is escaped and capped; trace
# fields are validated.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

# no_grep PATTERN FILE: no line matches.
no_grep() {
  if grep -qE -- "$1" "$2"; then
    grep -nE -- "$1" "$2" | head -5 >&2
    fail "a line matches '$1' in $2"
  fi
}

# --- 1. A counterexample's replay agrees with its verdict ---------------------------------
expect_exit 1 "$BANKSIM" explore "$SCENARIOS/moving-customer-3-branches.json" --protocol async \
  --trace-out ryw.json -q
expect_exit 1 "$BANKSIM" replay ryw.json
cp "$WORK/out" ryw.txt
# The query was served (it saw 0) and its reply is still on the way: not "never answered".
expect_grep '^    event 2: withdraw 30 at branch 2: served: fail, balance 0, reply in flight at the end$' ryw.txt
no_grep 'never answered' ryw.txt
# An explored schedule has no network: no seed, no latency, times are steps.
expect_grep '^protocol async, schedule: a delivery order from banksim explore, times are step numbers \(no latency, no seed\)' ryw.txt
no_grep 'seed [0-9]|latency (uniform|const|exp):| us\)|virtual time' ryw.txt
# The undelivered propagation (the cause) is listed with its id.
expect_grep '^in flight at the end: [0-9]+ messages?$' ryw.txt
expect_grep '^  #[0-9]+ branch 1 -> branch 2: propagate deposit 100 \(customer 1 event 1\)$' ryw.txt
# The timeline names every message by its id: the schedule is made of them.
expect_grep '^ +step 1  [a-z]+ [0-9]+ <- [a-z]+ [0-9]+: #[0-9]+ ' ryw.txt
expect_grep '^ +[a-z]+ [0-9]+ -> [a-z]+ [0-9]+: #[0-9]+ ' ryw.txt
for id in $(tr -d ' \n' <ryw.json | sed -E 's/.*"schedule":\[([0-9,]*)\].*/\1/' | tr ',' ' '); do
  expect_grep "<- [a-z]+ [0-9]+: #$id " ryw.txt
done
# The seed-format results are not silently empty.
expect_grep 'without a reply: the execution ended before quiescence' ryw.txt
expect_exit 1 "$BANKSIM" replay ryw.json --format json -o ryw-results.json
no_grep '"seed"|"network"|"virtual_time_us"' ryw-results.json
expect_grep '"result": "served, not answered"' ryw-results.json

# --- 2. Held requests in the --debug timeline ----------------------------------------------
held_runs=0
for seed in 1 2 3 4 5 6 7 8 9 10 11 12; do
  expect_exit 0 "$BANKSIM" run "$SCENARIOS/seed-cc-dest-test1.json" --protocol session \
    --seed "$seed" --latency uniform:100:10000 --debug
  if grep -q 'held: waiting for write' "$WORK/out"; then
    held_runs=$((held_runs + 1))
    expect_grep '^ +held: waiting for write [12] of customer 1$' "$WORK/out"
    expect_grep '^ +released: branch [0-9]+ now has the writes the held request of customer 1 \(event [0-9]+\) waited for$' "$WORK/out"
  fi
done
((held_runs > 0)) || fail "no seed made the session protocol hold a request"
# --quiescent-queries: a query that waits says why, and when it goes.
expect_exit 0 "$BANKSIM" run "$SCENARIOS/seed-p1-three-branches.json" --seed 42 \
  --quiescent-queries --debug
expect_grep ': #[0-9]+ request query \(event [0-9]+\): held by --quiescent-queries: [1-9][0-9]* write message\(s\) in flight$' "$WORK/out"
expect_grep 'released: no write in flight any more: [0-9]+ held quer' "$WORK/out"

# --- 3. Seed 002's second sanity check: all events per branch ------------------------------
expect_exit 0 "$BANKSIM" run "$SCENARIOS/seed-cc-dest-test1.json" --protocol session --debug
expect_grep '^all events per branch:$' "$WORK/out"
sed -n '/^all events per branch:$/,/^]$/p' "$WORK/out" | tail -n +2 >events.json
cat >events.expected.json <<'EOF'
[{"branch_1": {"1": {"1": {"interface": "deposit", "money": 400, "event_id": 1},
                     "2": {"interface": "withdraw", "money": 400, "event_id": 2}}}},
 {"branch_2": {"1": {"1": {"interface": "deposit", "money": 400, "event_id": 1},
                     "2": {"interface": "withdraw", "money": 400, "event_id": 2},
                     "3": {"interface": "query", "money": 0, "event_id": 3}}}}]
EOF
expect_json_equal events.json events.expected.json

# --- 4. --debug -o -: the timeline goes to stderr, the results alone to stdout ------------
s="$SCENARIOS/three-customers-deposits.json"
expect_exit 0 "$BANKSIM" run "$s" -o -
cp "$WORK/out" plain-results.json
expect_exit 0 "$BANKSIM" run "$s" -o - --debug
cmp -s plain-results.json "$WORK/out" || fail "--debug changed the results on stdout"
expect_grep '^timeline:$' "$WORK/err"
expect_grep '^all events per branch:$' "$WORK/err"

# --- 5. The summary is capped; -q prints the verdicts only ---------------------------------
{
  echo '[{"id": 1, "type": "branch", "balance": 0},'
  echo ' {"id": 1, "type": "customer", "events": ['
  for i in $(seq 1 299); do echo "  {\"id\": $i, \"interface\": \"deposit\", \"money\": 1},"; done
  echo '  {"id": 300, "interface": "query"}]}]'
} >many.json
expect_exit 0 "$BANKSIM" run many.json
[[ $(grep -c '^    event ' "$WORK/out") == 200 ]] || fail "the summary should list 200 events"
expect_grep '^  \.\.\. 100 more events not listed \(--summary-max 0 lists them all' "$WORK/out"
expect_exit 0 "$BANKSIM" run many.json --summary-max 0 -o many-results.json
[[ $(grep -c '^    event ' "$WORK/out") == 300 ]] || fail "--summary-max 0 should list every event"
[[ $(grep -c '"interface"' many-results.json) == 300 ]] || fail "the results file must stay whole"
expect_exit 0 "$BANKSIM" run many.json --summary-max 7
[[ $(grep -c '^    event ' "$WORK/out") == 7 ]] || fail "--summary-max 7 should list 7 events"
expect_exit 0 "$BANKSIM" run many.json -q
expect_grep '^property +promised +verdict' "$WORK/out"
no_grep 'customer|results|event ' "$WORK/out"
[[ $(wc -l <"$WORK/out") == 7 ]] || fail "-q prints the property table alone"
expect_exit 2 "$BANKSIM" run many.json -q --debug
expect_exit 2 "$BANKSIM" run many.json --summary-max 5 -o -

# --- 6. Outputs: all or nothing, checked before the run ------------------------------------
# An output that cannot be written is I/O (exit 4); two outputs on one path, invalid input (2).
expect_exit 4 "$BANKSIM" run "$s" -o no-such-folder/r.json --record rec.json
expect_grep '^banksim: -o: no-such-folder/r.json: cannot write file: the folder no-such-folder does not exist$' "$WORK/err"
[[ ! -e rec.json ]] || fail "--record was written although -o cannot be"
# Before any branch process starts, too.
expect_exit 4 "$BANKSIM" run "$s" --backend grpc --history no-such-folder/h.json
expect_grep '^banksim: --history: no-such-folder/h.json: cannot write file' "$WORK/err"
expect_exit 2 "$BANKSIM" run "$s" --history h.json -o h.json
expect_grep "is also -o's file" "$WORK/err"
expect_exit 4 "$BANKSIM" run "$s" -o .
expect_grep 'is a folder' "$WORK/err"
# A replay that does not reproduce its violation writes nothing.
sed 's/on balance 0/on balance 7/' ryw.json >not-reproduced.json
echo old >keep.json
echo old >keep-history.json
expect_exit 2 "$BANKSIM" replay not-reproduced.json -o keep.json --history keep-history.json
expect_grep 'was not reproduced' "$WORK/err"
[[ $(cat keep.json) == old && $(cat keep-history.json) == old ]] || fail "outputs were overwritten"
expect_grep '^results not written to keep.json: the recorded violation was not reproduced$' "$WORK/out"
compgen -G "keep*.new.*" >/dev/null && fail "a temporary file was left behind"
# And one that does writes both.
expect_exit 1 "$BANKSIM" replay ryw.json -o keep.json --history keep-history.json
[[ $(cat keep.json) != old && $(cat keep-history.json) != old ]] || fail "outputs not written"

# --- 7. Text from a trace is escaped and capped --------------------------------------------
esc=$(printf '\033')
sed "s|\"scenario_source\": \"[^\"]*\"|\"scenario_source\": \"\\\\u001b[2J\\\\u001b]0;pwned\\\\u0007$(head -c 5000 /dev/zero | tr '\0' x)\"|" \
  ryw.json >escapes.json
expect_exit 1 "$BANKSIM" replay escapes.json --no-timeline
no_grep "$esc" "$WORK/out"
expect_grep '\\x1b\[2J' "$WORK/out"
expect_grep 'more bytes\)' "$WORK/out"
awk 'length > 1000 { exit 1 }' "$WORK/out" || fail "a line of more than 1000 bytes was echoed"
# The scenario loader caps what it echoes of a bad value.
printf '[{"id": 1, "type": "%s", "balance": 0}]' "$(head -c 1000000 /dev/zero | tr '\0' y)" >big-type.json
expect_exit 2 "$BANKSIM" run big-type.json
expect_grep 'type: must be "branch" or "customer", not "y+"\.\.\. \([0-9]+ more bytes\)' "$WORK/err"
(($(wc -c <"$WORK/err") < 1000)) || fail "the error echoed the whole value"

# --- 8. Trace fields are validated -----------------------------------------------------------
sed 's/"origin": "explore"/"origin": "banana"/' ryw.json >bad-origin.json
expect_exit 2 "$BANKSIM" replay bad-origin.json
expect_grep '^banksim: bad-origin.json: \$\.origin: must be "run" or "explore"' "$WORK/err"
# The embedded scenario says session, the trace async.
expect_exit 0 "$BANKSIM" run "$SCENARIOS/banksim-form-session.json" --record session.json -o /dev/null
sed '0,/"protocol": "session"/s//"protocol": "async"/' session.json >conflict.json
grep -q '"protocol": "async"' conflict.json || fail "test setup: no protocol to change"
expect_exit 2 "$BANKSIM" replay conflict.json
expect_grep '^banksim: conflict.json: \$\.protocol: is "async", but the embedded scenario' "$WORK/err"
# A --protocol override is recorded consistently and replays.
expect_exit 0 "$BANKSIM" run "$SCENARIOS/banksim-form-session.json" --protocol sync --record sync.json
expect_exit 0 "$BANKSIM" replay sync.json
echo ok
