#!/usr/bin/env bash
# banksim explore --checkpoint / --resume end to end: a search interrupted (--max-seconds,
# SIGTERM) and resumed, as many times as it takes, ends with the summary of a search that
# was never interrupted (counts, verdicts, counterexamples), with one worker or two, and
# resumed with another worker count; checkpoints of another scenario, other options or a
# torn file are refused.
source "$(dirname "$0")/lib.sh"
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
[[ -x "$GEN" ]] || fail "no banksim_gen next to $BANKSIM"
cd "$WORK"

# What must not depend on interruptions: the counts, search, max depth and verdict lines,
# and the counterexamples (schedules compared through their trace files).
result_lines() {
  grep -E '^(search:|states visited|terminal|max depth|counterexample|trace written|[a-z-]+ +(yes|no) )' "$1" |
    sed -E 's/, [0-9.]+ (ms|s)\b.*//; s/[0-9,]+ distinct\/s//'
}

# resume_until_done NAME FIRST THEN ARGS...: runs explore ARGS with --workers FIRST,
# --checkpoint ck-NAME and --max-seconds, then --resume with --workers THEN until a run is
# not stopped by the time limit; the last summary in NAME.out. At least one resume must
# have happened ($resumes). Each resume gets 0.1 s more than the one before, so that a
# loaded machine (a full ctest -j2 beside other builds) still finishes in a few dozen.
resume_until_done() {
  local name=$1 first=$2 then=$3
  shift 3
  local dir=ck-$name got=0
  rm -rf "$dir"
  "$BANKSIM" explore "$@" --workers "$first" -q --checkpoint "$dir" --checkpoint-every 0.05 \
    --max-seconds 0.15 \
    >"$name.out" 2>"$name.err" || got=$?
  resumes=0
  while grep -q '^search: stopped at the time limit' "$name.out"; do
    [[ -f $dir/checkpoint.bin ]] || { cat "$name.out" >&2; fail "$name: stopped, no checkpoint"; }
    resumes=$((resumes + 1))
    ((resumes < 200)) || fail "$name: does not finish"
    got=0
    "$BANKSIM" explore "$@" --workers "$then" -q --resume "$dir" --checkpoint "$dir" \
      --max-seconds "$(awk -v r="$resumes" 'BEGIN { print 0.15 + 0.1 * r }')" \
      >"$name.out" 2>"$name.err" || got=$?
    expect_grep '^resumed: ' "$name.out"
  done
  last_status=$got
}

# A space that takes a few seconds: several interruptions.
expect_exit 0 "$GEN" --branches 3 --customers 3 --events 6 --seed 1 -o space.json

expect_exit 0 "$BANKSIM" explore space.json --protocol session -q --workers 1 --no-compare
cp "$WORK/out" whole.out
resume_until_done sync 1 1 space.json --protocol session --no-compare
((resumes >= 1)) || fail "the session search was never resumed: too small to test"
[[ $last_status == 0 ]] || fail "resumed sync search: exit status $last_status"
diff <(result_lines whole.out) <(result_lines sync.out) || fail "resumed sync search differs"
expect_grep '^search: complete' sync.out

# Two workers, stopped and resumed with two, then with one (the worker count is not part
# of the checkpoint's key; the counts of a complete search do not depend on it).
resume_until_done w2 2 2 space.json --protocol session --no-compare
((resumes >= 1)) || fail "the two-worker search was never resumed"
[[ $last_status == 0 ]] || fail "resumed two-worker search: exit status $last_status"
diff <(result_lines whole.out) <(result_lines w2.out) || fail "resumed two-worker search differs"
resume_until_done w2to1 2 1 space.json --protocol session --no-compare
((resumes >= 1)) || fail "the two-worker search was never resumed with one"
[[ $last_status == 0 ]] || fail "two workers resumed with one: exit status $last_status"
diff <(result_lines whole.out) <(result_lines w2to1.out) || fail "two workers resumed with one differs"

# SIGTERM once a checkpoint exists (two workers): one is written at the stop, and
# resuming finishes, with one worker.
rm -rf ck-term
"$BANKSIM" explore space.json --protocol session --no-compare --checkpoint ck-term \
  --workers 2 --checkpoint-every 0.05 >term.out 2>term.err &
pid=$!
for _ in $(seq 1 600); do
  [[ -f ck-term/checkpoint.bin ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
kill -s TERM "$pid" 2>/dev/null || true
got=0
wait "$pid" || got=$?
[[ $got == 0 ]] || { cat term.out term.err >&2; fail "SIGTERM: exit status $got"; }
if grep -q '^search: interrupted (SIGTERM)' term.out; then
  expect_grep '^checkpoint: +ck-term/checkpoint.bin written' term.out
  expect_exit 0 "$BANKSIM" explore space.json --protocol session --no-compare -q --resume ck-term \
    --workers 1
  diff <(result_lines whole.out) <(result_lines "$WORK/out") || fail "resume after SIGTERM differs"
fi

# Refusals, exit 2 with one line: another scenario, another option, another version's or
# a torn checkpoint, and options that do not combine.
expect_exit 0 "$GEN" --branches 3 --customers 3 --events 6 --seed 2 -o other.json
expect_exit 2 "$BANKSIM" explore other.json --protocol session -q --resume ck-sync
expect_grep '^banksim: --resume: ck-sync/checkpoint.bin: of another scenario' "$WORK/err"
expect_exit 2 "$BANKSIM" explore space.json --protocol sync -q --resume ck-sync
expect_grep '^banksim: --resume: ck-sync/checkpoint.bin: made with other search options' "$WORK/err"
expect_exit 2 "$BANKSIM" explore space.json --protocol session --fifo -q --resume ck-sync
expect_grep 'made with other search options' "$WORK/err"
[[ $(wc -l <"$WORK/err") == 1 ]] || fail "refusal is not one line"
cp -r ck-sync ck-torn
size=$(stat -c %s ck-torn/checkpoint.bin)
truncate -s $((size - 5)) ck-torn/checkpoint.bin
expect_exit 2 "$BANKSIM" explore space.json --protocol session -q --resume ck-torn
expect_grep '^banksim: --resume: ck-torn/checkpoint.bin: torn checkpoint: checksum mismatch' "$WORK/err"
cp ck-sync/checkpoint.bin ck-torn/checkpoint.bin
# One bit flipped in the middle of the visited set (of the byte that is there: writing a
# fixed byte changes nothing where it is that byte already).
byte=$(od -An -tu1 -j $((size / 2)) -N1 ck-torn/checkpoint.bin | tr -d ' ')
printf "\\x$(printf %02x $((byte ^ 1)))" |
  dd of=ck-torn/checkpoint.bin bs=1 seek=$((size / 2)) count=1 conv=notrunc 2>/dev/null
cmp -s ck-sync/checkpoint.bin ck-torn/checkpoint.bin && fail "the bit flip changed nothing"
expect_exit 2 "$BANKSIM" explore space.json --protocol session -q --resume ck-torn
expect_grep 'torn checkpoint: checksum mismatch' "$WORK/err"
expect_exit 2 "$BANKSIM" explore space.json --protocol session -q --resume nowhere
expect_grep '^banksim: --resume: nowhere/checkpoint.bin: cannot read checkpoint' "$WORK/err"
echo garbage >ck-torn/checkpoint.bin
expect_exit 2 "$BANKSIM" explore space.json --protocol session -q --resume ck-torn
expect_grep 'not a banksim checkpoint' "$WORK/err"
expect_exit 2 "$BANKSIM" explore space.json -q --strategy random --checkpoint ck-x
expect_grep '^banksim: --checkpoint: applies only to --strategy dfs' "$WORK/err"
expect_exit 2 "$BANKSIM" explore space.json -q --checkpoint-every 5
expect_grep '^banksim: --checkpoint-every: applies only with --checkpoint' "$WORK/err"
[[ ! -e ck-x ]] || fail "a refused search created its checkpoint directory"
echo "ok"
