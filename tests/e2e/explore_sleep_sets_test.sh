#!/usr/bin/env bash
# banksim explore --sleep-sets: the same terminal states and verdicts as the search
# without it (over the persistent sets, and alone with --no-reduction), no more
# transitions on these scenarios, the summary says so, the same output twice, a
# counterexample that replays; refused (one line, exit 2) where it does not apply.
source "$(dirname "$0")/lib.sh"
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
[[ -x "$GEN" ]] || fail "no banksim_gen next to $BANKSIM"
cd "$WORK"
expect_exit 0 "$GEN" --branches 3 --customers 3 --events 3 --seed 1 -o s333.json
cp "$SCENARIOS/concurrent-withdraws.json" "$SCENARIOS/three-customers-deposits.json" .

counts() {  # counts FILE: "distinct transitions terminal" from a summary
  sed -n 's/^states visited [0-9,]*, distinct \([0-9,]*\), transitions \([0-9,]*\), terminal \([0-9,]*\).*/\1 \2 \3/p' "$1" | tr -d ,
}
verdicts() { sed -n '/^property /,/^$/p' "$1"; }

for protocol in sync async session; do
  for reduce in "" "--no-reduction"; do
    for f in s333.json three-customers-deposits.json; do
      compare=--no-compare
      [[ -n "$reduce" ]] && compare=""
      st=0
      "$BANKSIM" explore "$f" --protocol "$protocol" -q --keep-going --no-minimize --workers 1 \
        $reduce $compare >plain.txt 2>/dev/null || st=$?
      [[ $st == 0 || $st == 1 ]] || fail "$f $protocol $reduce: exit status $st"
      expect_exit "$st" "$BANKSIM" explore "$f" --protocol "$protocol" -q --keep-going \
        --no-minimize --sleep-sets $reduce $compare
      cp "$WORK/out" sleep.txt
      diff <(verdicts plain.txt) <(verdicts sleep.txt) ||
        fail "$f $protocol $reduce: verdicts differ with --sleep-sets"
      read -r d1 t1 term1 <<<"$(counts plain.txt)"
      read -r d2 t2 term2 <<<"$(counts sleep.txt)"
      [[ -n "$term1" && "$term1" == "$term2" ]] ||
        fail "$f $protocol $reduce: terminal states $term1 without sleep sets, $term2 with"
      ((d2 <= d1)) || fail "$f $protocol $reduce: more distinct states with sleep sets ($d2 > $d1)"
      ((t2 <= t1)) || fail "$f $protocol $reduce: more transitions with sleep sets ($t2 > $t1)"
      if [[ -n "$reduce" ]]; then
        expect_grep 'reduction off \(sleep sets only\)' sleep.txt
      else
        expect_grep 'reduction on \(persistent sets, sleep sets\)' sleep.txt
      fi
      # Deterministic: the same output again, but for the lines that measure the run.
      expect_exit "$st" "$BANKSIM" explore "$f" --protocol "$protocol" -q --keep-going \
        --no-minimize --sleep-sets $reduce $compare
      diff <(grep -vE '^(elapsed|memory)' sleep.txt) <(grep -vE '^(elapsed|memory)' "$WORK/out") ||
        fail "$f $protocol $reduce: two runs with --sleep-sets differ"
    done
  done
done

# Violations: the same verdicts, and the counterexample replays.
for protocol in sync session; do
  expect_exit 1 "$BANKSIM" explore concurrent-withdraws.json --protocol "$protocol" -q \
    --keep-going --workers 1 --trace-out plain.json
  verdicts "$WORK/out" >plain-verdicts.txt
  expect_exit 1 "$BANKSIM" explore concurrent-withdraws.json --protocol "$protocol" -q \
    --keep-going --sleep-sets --trace-out sleep.json
  verdicts "$WORK/out" >sleep-verdicts.txt
  diff plain-verdicts.txt sleep-verdicts.txt || fail "$protocol: verdicts differ with --sleep-sets"
  for t in sleep-*.json; do
    expect_exit 1 "$BANKSIM" replay "$t"
  done
  rm -f sleep-*.json plain-*.json
done

# Refusals: one line naming the flag, exit 2.
refused() {
  expect_exit 2 "$BANKSIM" explore s333.json --protocol sync -q --sleep-sets "$@"
  [[ $(wc -l <"$WORK/err") == 1 ]] || fail "refusal of --sleep-sets $* is not one line"
}
refused --workers 2
expect_grep '^banksim: --sleep-sets: does not apply with --workers above 1' "$WORK/err"
refused --strategy random
expect_grep '--sleep-sets: does not apply with --strategy random' "$WORK/err"
refused --checkpoint ck
expect_grep '--sleep-sets: does not apply with --checkpoint' "$WORK/err"
[[ ! -e ck ]] || fail "a refused --checkpoint wrote $WORK/ck"
refused --resume ck
refused --max-drops 1
expect_grep '--sleep-sets: does not apply with fault budgets' "$WORK/err"
refused --max-crashes 1
# Open MPI's own initialisation leaks (as in mpi_explore_test): no leak check here.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" refused --mpi
echo "ok"
