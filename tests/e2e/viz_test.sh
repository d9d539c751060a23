#!/usr/bin/env bash
# banksim viz end to end, in a real browser: the pages viz, explore and run --viz write,
# loaded from disk by headless Chromium (tools/setup installs it; this test requires it):
# one arrow per delivery, the violation highlighted, no script error, a screenshot under
# build/viz-screenshots/ for a person to look at. Also: the same trace gives the same
# bytes, and bad input writes nothing.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$CHROMIUM" ]] || fail "chromium is not installed (tools/setup installs it)"
SHOTS="$(dirname "$BANKSIM")/viz-screenshots"
mkdir -p "$SHOTS"

# browser ARGS... PAGE: headless Chromium on file://PAGE; a fresh profile each time, no
# sandbox (tests run as root), a hard timeout. stdout to $WORK/dom (or as the args say).
browser() {
  local profile
  profile=$(mktemp -d "$WORK/profile.XXXXXX")
  local page="${*: -1}"
  local args=("${@:1:$#-1}")
  timeout -k 5 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-extensions --user-data-dir="$profile" --enable-logging=stderr --v=0 \
    "${args[@]}" "file://$page" >"$WORK/dom" 2>"$WORK/browser-err" ||
    { tail -20 "$WORK/browser-err" >&2; fail "chromium failed on $page"; }
}

# count PATTERN FILE: how many times PATTERN occurs in FILE (0 is not an error).
count() {
  { grep -oE -- "$1" "$2" || true; } | wc -l
}

# dom_check PAGE DELIVERIES IN_FLIGHT: the page drew, without a script error, one arrow
# per delivery and one open arrow per message in flight.
dom_check() {
  browser --virtual-time-budget=5000 --dump-dom "$1"
  grep -q 'data-ready="1"' "$WORK/dom" || { head -c 2000 "$WORK/dom" >&2; fail "$1: never drawn"; }
  if grep -q 'id="viz-error"' "$WORK/dom"; then
    grep -o 'id="viz-error"[^<]*' "$WORK/dom" >&2
    fail "$1: script error"
  fi
  if grep -E 'Uncaught|SyntaxError|TypeError|ReferenceError' "$WORK/browser-err" >&2; then
    fail "$1: error on the browser's console"
  fi
  local delivered open
  delivered=$(count 'class="msg [a-z]+ delivered' "$WORK/dom")
  open=$(count 'class="msg [a-z]+ in_flight' "$WORK/dom")
  [[ "$delivered" == "$2" ]] || fail "$1: $delivered delivered arrows, expected $2"
  [[ "$open" == "$3" ]] || fail "$1: $open open arrows, expected $3"
}

# --- The read-your-writes counterexample of the issue, drawn by explore: customer 1's
# withdraw 30 (event 2) refused at branch 2 on balance 0 while the propagation of its
# deposit 100 (event 1) from branch 1 to branch 2 is still in flight.
expect_exit 1 "$BANKSIM" explore "$SCENARIOS/moving-customer-3-branches.json" --protocol async \
  --trace-out "$WORK/ryw.json" -q
expect_grep 'counterexample for read-your-writes: 3 deliveries' "$WORK/out"
expect_grep "^  drawn in $WORK/ryw.html\$" "$WORK/out"
[[ -s ryw.html ]] || fail "explore wrote no page next to its trace"

dom_check "$WORK/ryw.html" 3 3
expect_grep '<span class="bad">VIOLATED</span> <b>read-your-writes</b>: <span>a query or a withdraw decision sees every write its customer completed before issuing it.' "$WORK/dom"
expect_grep 'At step 3: customer 1 event 2 \(withdraw 30\) at branch 2 was refused on balance 0 without customer 1 event 1 \(deposit 100\)' "$WORK/dom"
# The violation's row, the withdraw's serve and the deposit's late propagation to branch 2,
# highlighted; its propagation to branch 3, which does not matter, is not.
expect_grep '<rect class="vrow"' "$WORK/dom"
expect_grep 'class="mark serve hl"[^>]*><title>[^<]*</title><circle[^>]*></circle><text[^>]*>refused withdraw 30 on balance 0</text>' "$WORK/dom"
expect_grep 'class="msg propagate in_flight hl"[^>]*data-detail="message #[0-9]+: propagation of customer 1 event 1 \(deposit 100\), branch 1 -&gt; branch 2' "$WORK/dom"
expect_grep 'class="msg propagate in_flight"[^>]*data-detail="message #[0-9]+: propagation of customer 1 event 1 \(deposit 100\), branch 1 -&gt; branch 3' "$WORK/dom"
[[ $(count 'class="msg [a-z]+ [a-z_]+ hl' "$WORK/dom") -lt $(count 'class="msg ' "$WORK/dom") ]] ||
  fail "every arrow is highlighted"

browser --virtual-time-budget=5000 --hide-scrollbars --window-size=1300,720 \
  --screenshot="$SHOTS/moving-customer-ryw.png" "$WORK/ryw.html"
[[ $(head -c 8 "$SHOTS/moving-customer-ryw.png" | od -An -c | tr -d ' \n') == '211PNG\r\n032\n' ]] ||
  fail "no PNG screenshot in $SHOTS"

# Search, opened as PAGE#find=QUERY: message #4 (the withdraw's request) alone; event 2
# (the withdraw, its reply and its serve mark); a query that matches nothing says so.
browser --virtual-time-budget=5000 --dump-dom "$WORK/ryw.html#find=%234"
[[ $(count 'class="msg [a-z]+ [a-z_]+( hl)? found"' "$WORK/dom") == 1 ]] || fail "#4 not found once"
expect_grep 'class="msg request delivered hl found" data-id="4"' "$WORK/dom"
expect_grep 'id="search-status">1 match, first at step 2<' "$WORK/dom"
browser --virtual-time-budget=5000 --dump-dom "$WORK/ryw.html#find=1:2"
[[ $(count 'class="msg [a-z]+ [a-z_]+( hl)? found"' "$WORK/dom") == 2 ]] || fail "event 1:2: not 2 arrows"
expect_grep 'class="mark serve hl found"' "$WORK/dom"
browser --virtual-time-budget=5000 --dump-dom "$WORK/ryw.html#find=%2399"
expect_grep 'id="search-status">nothing matches #99<' "$WORK/dom"

# --- The query form of read-your-writes: the moving customer without its withdraw. The
# query (event 3) is served at branch 3 and sees 0 while the deposit's propagation to
# branch 3 is in flight; the propagation to branch 2 is not part of it.
cat > "$WORK/query.scenario.json" <<'EOF'
[
  {"id": 1, "type": "customer", "events": [
    {"id": 1, "interface": "deposit", "money": 100, "dest": 1},
    {"id": 3, "interface": "query", "dest": 3},
    {"id": 4, "interface": "deposit", "money": 20, "dest": 3}]},
  {"id": 1, "type": "branch", "balance": 0},
  {"id": 2, "type": "branch", "balance": 0},
  {"id": 3, "type": "branch", "balance": 0}
]
EOF
expect_exit 1 "$BANKSIM" explore "$WORK/query.scenario.json" --protocol async \
  --check read-your-writes --trace-out "$WORK/query.json" -q
expect_grep 'counterexample for read-your-writes: 3 deliveries' "$WORK/out"
dom_check "$WORK/query.html" 3 3
expect_grep 'At step 3: customer 1 event 3 \(query\) at branch 3 saw balance 0 without customer 1 event 1 \(deposit 100\)' "$WORK/dom"
expect_grep 'class="mark serve hl"[^>]*><title>[^<]*</title><circle[^>]*></circle><text[^>]*>served query: saw 0</text>' "$WORK/dom"
expect_grep 'class="msg propagate in_flight hl"[^>]*data-detail="message #[0-9]+: propagation of customer 1 event 1 \(deposit 100\), branch 1 -&gt; branch 3' "$WORK/dom"
expect_grep 'class="msg propagate in_flight"[^>]*data-detail="message #[0-9]+: propagation of customer 1 event 1 \(deposit 100\), branch 1 -&gt; branch 2' "$WORK/dom"

# --- banksim viz draws the same page from the trace, byte for byte, twice.
expect_exit 0 "$BANKSIM" viz "$WORK/ryw.json" -o "$WORK/viz.html"
expect_grep "^trace $WORK/ryw.json drawn in $WORK/viz.html\$" "$WORK/out"
cmp ryw.html viz.html || fail "viz and explore draw the same trace differently"
expect_exit 0 "$BANKSIM" viz "$WORK/ryw.json" -o "$WORK/viz2.html"
cmp viz.html viz2.html || fail "two pages of one trace differ"
# Without -o: next to the trace.
cp ryw.json other.json
expect_exit 0 "$BANKSIM" viz other.json
[[ -s other.html ]] || fail "viz wrote no other.html"

# --- A long trace opens on a window around the violation (here 3 rows of 5: start, 3 steps, end).
expect_exit 0 "$BANKSIM" viz "$WORK/ryw.json" -o "$WORK/win.html" --window 3
browser --virtual-time-budget=5000 --dump-dom "$WORK/win.html"
expect_grep '<span id="window-controls">' "$WORK/dom"
expect_grep 'id="window-status">showing step 2 to end of 3 steps<' "$WORK/dom"
if grep -q 'id="viz-error"' "$WORK/dom"; then fail "windowed page: script error"; fi

# --- run --viz: the page viz draws of the run's recorded trace.
# (With this seed the query of event 5 reaches branch 1 before the deposit of event 4:
# branch 1 holds it.)
expect_exit 0 "$BANKSIM" run "$SCENARIOS/moving-customer-3-branches.json" --protocol session \
  --latency uniform:100:20000 --seed 3 --record "$WORK/run.json" --viz "$WORK/run.html" -o /dev/null
expect_exit 0 "$BANKSIM" viz "$WORK/run.json" -o "$WORK/run2.html"
cmp run.html run2.html || fail "run --viz and viz of its trace differ"
expect_exit 0 "$BANKSIM" replay run.json --no-timeline
deliveries=$(sed -nE 's/^replaying .*: ([0-9]+) deliveries$/\1/p' "$WORK/out")
[[ "$deliveries" -gt 0 ]] || fail "no deliveries in run.json"
dom_check "$WORK/run.html" "$deliveries" 0
expect_grep 'class="hold"[^>]*data-detail="customer 1 event 5 \(query\) held from step 14' "$WORK/dom"
expect_grep '[0-9,]+ us</text>' "$WORK/dom"
browser --virtual-time-budget=5000 --hide-scrollbars --window-size=1300,1100 \
  --screenshot="$SHOTS/moving-customer-session-run.png" "$WORK/run.html"

# --- Bad input: one line naming the file and the rule, exit 2, nothing written.
expect_exit 2 "$BANKSIM" viz missing.json -o out.html
[[ $(wc -l < "$WORK/err") == 1 ]] || fail "expected one line on stderr"
expect_grep 'missing.json' "$WORK/err"
[[ ! -e out.html ]] || fail "a page was written for a missing trace"
sed 's/"schedule": \[/"schedule": [ 4242,/' ryw.json > bad.json
expect_exit 2 "$BANKSIM" viz bad.json -o out.html
[[ $(wc -l < "$WORK/err") == 1 ]] || fail "expected one line on stderr"
expect_grep '^banksim: bad.json: \$\.schedule\[0\]: message 4242 is not in flight' "$WORK/err"
[[ ! -e out.html ]] || fail "a page was written for a bad trace"
sed 's/"detail": "/"detail": "not /' ryw.json > wrong.json
echo keep > out.html
expect_exit 2 "$BANKSIM" viz wrong.json -o out.html
expect_grep '^banksim: wrong.json: the recorded read-your-writes violation was not reproduced$' "$WORK/err"
[[ $(cat out.html) == keep ]] || fail "a bad trace overwrote the page"
expect_exit 2 "$BANKSIM" viz ryw.json --window 0
expect_exit 2 "$BANKSIM" run "$SCENARIOS/moving-customer-3-branches.json" --backend grpc \
  --viz x.html
expect_grep '^banksim: --viz: a gRPC run has no replayable schedule' "$WORK/err"
[[ ! -e x.html ]] || fail "a page was written for a gRPC run"
echo "viz: ok (screenshots in $SHOTS)"
