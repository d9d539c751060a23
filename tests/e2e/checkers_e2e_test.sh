#!/usr/bin/env bash
# The checkers end to end, through banksim run:
# - one customer moving between three branches, random latency, no FIFO, seeds 1..200:
#   session never violates monotonic writes, read-your-writes, convergence, conservation
#   or liveness, and every query sees exactly its customer's writes; async violates
#   read-your-writes on some of those seeds (seed 3 is pinned and its violation shown;
#   seeds 1..10 are scanned too);
# - deposit at one branch, withdraw at another: under async a withdraw refused for lack of
#   the customer's own deposit is a read-your-writes violation (run and explore);
# - two customers withdrawing concurrently at different branches: under sync, seed 1
#   drives both replicas to -60 and banksim reports the overdraft;
# - under session, the seed examples give their expected answers for every seed (1..12,
#   random latency, no FIFO): cc-dest-test1 0, cc-dest-test2 400, ryw-branch-key 400 twice.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

moving="$SCENARIOS/moving-customer-3-branches.json"
net=(--no-fifo --latency uniform:100:10000)
session_props=monotonic-writes,read-your-writes,convergence,conservation,liveness

# slurp FILE VAR: the file's bytes into VAR, without starting a process.
slurp() { IFS= read -r -d '' "$2" <"$1" || true; }

# deposit 100 @1, withdraw 30 @2, query @3, deposit 20 @3, query @1, query @2.
cat >moving-expected.json <<'JSON'
[{"id": 1, "recv": [
  {"interface": "deposit", "result": "success"},
  {"interface": "withdraw", "result": "success"},
  {"interface": "query", "result": "success", "money": 70},
  {"interface": "deposit", "result": "success"},
  {"interface": "query", "result": "success", "money": 90},
  {"interface": "query", "result": "success", "money": 90}]}]
JSON
expect_exit 0 "$BANKSIM" run "$moving" --protocol session "${net[@]}" --seed 1 --format recv \
  -o session-reference.json
expect_json_equal session-reference.json moving-expected.json
slurp session-reference.json reference

for seed in $(seq 1 200); do
  "$BANKSIM" run "$moving" --protocol session "${net[@]}" --seed "$seed" \
    --check "$session_props" --format recv -o session.json >session.out 2>&1 ||
    { cat session.out >&2; fail "session violated a property on seed $seed"; }
  slurp session.json got
  [[ "$got" == "$reference" ]] ||
    { cat session.json >&2; fail "session seed $seed: a query missed its customer's writes"; }
done

async_ryw_seeds=()
for seed in $(seq 1 10); do
  status=0
  "$BANKSIM" run "$moving" --protocol async "${net[@]}" --seed "$seed" --check read-your-writes \
    -o /dev/null >async.out 2>&1 || status=$?
  case $status in
    0) ;;
    1) async_ryw_seeds+=("$seed") ;;
    *) cat async.out >&2; fail "async seed $seed: exit status $status" ;;
  esac
done
((${#async_ryw_seeds[@]} > 0)) || fail "async never violated read-your-writes in 10 seeds"
[[ " ${async_ryw_seeds[*]} " == *" 3 "* ]] ||
  fail "async seed 3 no longer violates read-your-writes"
echo "async violates read-your-writes on seeds ${async_ryw_seeds[*]} of 1..10"

# The pinned seed, in full: customer 1's query at branch 1 (event 5) does not see the
# deposit of 20 (event 4) it completed at branch 3 just before.
expect_exit 1 "$BANKSIM" run "$moving" --protocol async "${net[@]}" --seed 3
ryw='^read-your-writes +no +violated +customer 1 event 5 \(query\) at branch 1 saw balance 70 '
ryw+='without customer 1 event 4 \(deposit 20\)'
expect_grep "$ryw" "$WORK/out"
expect_grep '^monotonic-writes +no +held' "$WORK/out"
expect_grep '^convergence +yes +held' "$WORK/out"
expect_grep 'event 5: query at branch 1: success, balance 70' "$WORK/out"
# Only what async promises: that run is fine.
expect_exit 0 "$BANKSIM" run "$moving" --protocol async "${net[@]}" --seed 3 --check promised

# Read-your-writes covers withdraws: deposit 100 at branch 1, then withdraw 30 at branch 2.
# Under async the withdraw may be decided before the deposit reaches branch 2 and fail for
# lack of the customer's own money: that is a violation, found by explore and by every
# run where it happens; session holds the withdraw until the deposit is there.
printf '%s' '[{"id":1,"type":"branch","balance":0},{"id":2,"type":"branch","balance":0},
  {"id":1,"type":"customer","events":[{"id":1,"interface":"deposit","money":100,"dest":1},
                                      {"id":2,"interface":"withdraw","money":30,"dest":2}]}]' \
  >withdraw-own.json
expect_exit 1 "$BANKSIM" explore withdraw-own.json --protocol async -q --trace-out ryw-w.json
expect_grep '^read-your-writes +no +VIOLATED: customer 1 event 2 \(withdraw 30\) at branch 2 was refused on balance 0 without customer 1 event 1 \(deposit 100\)' "$WORK/out"
expect_exit 0 "$BANKSIM" explore withdraw-own.json --protocol session -q
expect_grep '^read-your-writes +yes +holds in every interleaving' "$WORK/out"
refused_seeds=0
for seed in $(seq 1 20); do
  status=0
  "$BANKSIM" run withdraw-own.json --protocol async "${net[@]}" --seed "$seed" \
    --check read-your-writes >w.out 2>&1 || status=$?
  if grep -q 'event 2: withdraw 30 at branch 2: fail' w.out; then
    refused_seeds=$((refused_seeds + 1))
    [[ $status == 1 ]] || { cat w.out >&2; fail "seed $seed: refused withdraw not judged"; }
    expect_grep '^read-your-writes +no +violated' w.out
  else
    [[ $status == 0 ]] || { cat w.out >&2; fail "seed $seed: exit $status"; }
  fi
done
((refused_seeds > 0)) || fail "async never refused the withdraw in 20 seeds"
echo "async refused the customer's own withdraw on $refused_seeds of 20 seeds: each a violation"

# Sync with two customers withdrawing 80 each from 100 at different branches: seed 1
# serves both before either propagation arrives, and both replicas go to -60.
withdraws="$SCENARIOS/concurrent-withdraws.json"
expect_exit 1 "$BANKSIM" run "$withdraws" --protocol sync --seed 1
expect_grep \
  '^no-overdraft +no +violated +branch 1 fell to -60 applying customer 2 event 3 \(withdraw 80\)' \
  "$WORK/out"
expect_grep '^  branch 1: 100 -> -60$' "$WORK/out"
expect_grep '^  branch 2: 100 -> -60$' "$WORK/out"
expect_grep '^conservation +yes +held' "$WORK/out"
expect_exit 1 "$BANKSIM" run "$withdraws" --protocol sync --seed 1 --format json -o overdraft.json
expect_grep '"property": "no-overdraft"' overdraft.json
grep -A3 '"property": "no-overdraft"' overdraft.json | grep -q '"verdict": "violated"' ||
  fail "json results do not report the overdraft"
# Overdraft is not something sync promises: checking only its promises, exit 0.
expect_exit 0 "$BANKSIM" run "$withdraws" --protocol sync --seed 1 --check promised

# Session on the seed examples: the seed's expected answers for every seed tried.
echo '[{"id": 1, "recv": [{"interface": "deposit", "branch": 1, "result": "success"}]},
       {"id": 1, "recv": [{"interface": "query", "branch": 1, "balance": 400}]},
       {"id": 1, "recv": [{"interface": "query", "branch": 2, "balance": 400}]}]' >ryw-expected.json
expect_json_equal "$SCENARIOS/expected/seed-cc-dest-test1.session.seed1.balance.json" \
  "$SEEDS/cc-dest-test1.expected.json"
expect_json_equal "$SCENARIOS/expected/seed-cc-dest-test2.session.seed1.balance.json" \
  "$SEEDS/cc-dest-test2.expected.json"
expect_json_equal "$SCENARIOS/expected/seed-ryw-branch-key.session.seed1.events.json" \
  ryw-expected.json
slurp "$SCENARIOS/expected/seed-cc-dest-test1.session.seed1.balance.json" want_cc1
slurp "$SCENARIOS/expected/seed-cc-dest-test2.session.seed1.balance.json" want_cc2
slurp "$SCENARIOS/expected/seed-ryw-branch-key.session.seed1.events.json" want_ryw
for seed in $(seq 1 12); do
  for t in cc1 cc2 ryw; do
    case $t in
      cc1) file=seed-cc-dest-test1 ;;
      cc2) file=seed-cc-dest-test2 ;;
      ryw) file=seed-ryw-branch-key ;;
    esac
    "$BANKSIM" run "$SCENARIOS/$file.json" --protocol session "${net[@]}" --seed "$seed" \
      -o got.json >run.out 2>&1 || { cat run.out >&2; fail "$file seed $seed: a violation"; }
    slurp got.json got
    want="want_$t"
    [[ "$got" == "${!want}" ]] || { cat got.json >&2; fail "$file seed $seed: other answers"; }
  done
done
