#!/usr/bin/env bash
# banksim explore --mpi --checkpoint / --resume under mpirun (registered only in a
# BANKSIM_MPI build): an -np 2 search interrupted (--max-seconds, SIGTERM to mpirun) and
# resumed, alternately with -np 3 and -np 2, as many times as it takes, ends with the
# counts, verdicts and counterexample traces of the search that was never interrupted;
# checkpoints of the other kind of search (with or without --mpi), another scenario,
# other options, a torn or missing rank part are refused in one line, exit 2.
source "$(dirname "$0")/lib.sh"
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
[[ -x "$GEN" ]] || fail "no banksim_gen next to $BANKSIM"
MPIRUN=${MPIRUN:-mpirun}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
if [[ "${BANKSIM_SANITIZED:-0}" == 1 || "${BANKSIM_SANITIZED:-}" == ON ]]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
cd "$WORK"

# What must not depend on interruptions or rank counts: the counts, search, max depth and
# verdict lines (the traces are compared as files).
result_lines() {
  grep -E '^(search:|states visited|terminal|max depth|counterexample|trace written|[a-z-]+ +(yes|no) )' "$1" |
    sed -E 's/, [0-9.]+ (ms|s)\b.*//; s/[0-9,]+ distinct\/s//'
}

mpi() {  # mpi NP ARGS...: banksim under mpirun, quiet
  local np=$1
  shift
  "$MPIRUN" -q --oversubscribe -np "$np" "$BANKSIM" "$@"
}

# resume_until_done NAME ARGS...: an -np 2 search with --checkpoint ck-NAME and
# --max-seconds, then --resume (-np 3, 2, 3 ...) until a run is not stopped by the time
# limit; the last summary in NAME.out, its traces in NAME/. $resumes: how many. Each
# resume gets 0.2 s more than the one before, so a slow build (sanitizers) still ends.
resume_until_done() {
  local name=$1
  shift
  local dir=$WORK/ck-$name np=2
  rm -rf "$dir" "$name"
  mkdir "$name"
  (cd "$name" && mpi 2 explore "$@" -q --mpi --trace-out t.json --checkpoint "$dir" \
    --checkpoint-every 0.1 --max-seconds 0.4 >"../$name.out" 2>"../$name.err") || true
  resumes=0
  while grep -q '^search: stopped at the time limit' "$name.out"; do
    [[ -f $dir/mpi-checkpoint.bin ]] || { cat "$name.out" >&2; fail "$name: stopped, no checkpoint"; }
    expect_grep "^checkpoint: +$dir/mpi-checkpoint.bin written" "$name.out"
    resumes=$((resumes + 1))
    ((resumes < 100)) || fail "$name: does not finish"
    np=$((5 - np))
    rm -f "$name"/t*.json
    local slice
    slice=$(awk -v r="$resumes" 'BEGIN { printf "%.1f", 0.4 + 0.2 * r }')
    (cd "$name" && mpi "$np" explore "$@" -q --mpi --trace-out t.json --resume "$dir" \
      --checkpoint "$dir" --max-seconds "$slice" >"../$name.out" 2>"../$name.err") || true
    expect_grep "^resumed: +from $dir/mpi-checkpoint.bin \(" "$name.out"
    expect_grep "^mpi: +$np ranks" "$name.out"
  done
}

# same_as NAME WHOLE: NAME's summary and traces are WHOLE's.
same_as() {
  diff <(result_lines "$2.out") <(result_lines "$1.out") >&2 || fail "$1: differs from $2"
  local traces=("$2"/t*.json) theirs=("$1"/t*.json)
  [[ ${#traces[@]} == "${#theirs[@]}" ]] || fail "$1: other traces than $2: ${theirs[*]}"
  for t in "${traces[@]}"; do
    [[ -f $t ]] || continue
    cmp -s "$t" "$1/$(basename "$t")" || fail "$1: trace $(basename "$t") differs from $2's"
  done
}

# uninterrupted NAME ARGS...: the search without interruption (-np 2) in NAME.out, NAME/.
uninterrupted() {
  local name=$1
  shift
  rm -rf "$name"
  mkdir "$name"
  (cd "$name" && mpi 2 explore "$@" -q --mpi --trace-out t.json >"../$name.out" 2>&1) || true
}

# A complete session search of a few seconds (about 80 exchanges at -np 2).
expect_exit 0 "$GEN" --branches 3 --customers 3 --events 6 --seed 1 -o space.json
uninterrupted whole ../space.json --protocol session --no-compare
expect_grep '^search: complete' whole.out
resume_until_done session ../space.json --protocol session --no-compare
((resumes >= 1)) || fail "the session search was never resumed: too small to test"
same_as session whole

# Violations, every property (--keep-going): the counterexamples found before a
# checkpoint are carried over, minimized at the end as without interruption. 4 events
# (260,587 states, about 2 s at -np 2): with 3 the search could end within the first
# --max-seconds on a quiet machine, and there was nothing to resume.
expect_exit 0 "$GEN" --branches 3 --customers 3 --events 4 --seed 1 -o async.json
uninterrupted whole-async ../async.json --protocol async --keep-going
expect_grep '^search: complete' whole-async.out
expect_grep 'trace written' whole-async.out
resume_until_done async ../async.json --protocol async --keep-going
((resumes >= 1)) || fail "the async search was never resumed: too small to test"
same_as async whole-async

# SIGTERM to mpirun once a checkpoint exists. mpirun sends SIGTERM to the ranks only
# odls_base_sigkill_timeout seconds later (1 by default) and SIGKILL as long after that:
# either the search ends at the next round with a checkpoint and the partial summary, or
# it is killed; either way DIR holds a whole checkpoint that finishes the search.
rm -rf ck-term term
mkdir term
(cd term && exec "$MPIRUN" -q --oversubscribe -np 2 "$BANKSIM" explore ../space.json \
  --protocol session --no-compare -q --mpi --checkpoint "$WORK/ck-term" \
  --checkpoint-every 0.1 >../term.out 2>../term.err) &
pid=$!
for _ in $(seq 1 600); do
  [[ -f ck-term/mpi-checkpoint.bin ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
kill -s TERM "$pid" 2>/dev/null || true
wait "$pid" || true
[[ -f ck-term/mpi-checkpoint.bin ]] || fail "SIGTERM: no checkpoint"
if grep -q '^search: interrupted (SIGTERM)' term.out; then
  expect_grep "^checkpoint: +$WORK/ck-term/mpi-checkpoint.bin written" term.out
fi
rm -rf term
mkdir term
(cd term && mpi 2 explore ../space.json --protocol session --no-compare -q --mpi \
  --trace-out t.json --resume "$WORK/ck-term" >../term.out 2>&1) || true
same_as term whole

# Refusals, exit 2 with one line.
refused() {  # refused NP PATTERN ARGS...
  local np=$1 pattern=$2
  shift 2
  expect_exit 2 "$MPIRUN" -q --oversubscribe -np "$np" "$BANKSIM" "$@"
  expect_grep "$pattern" "$WORK/err"
  [[ $(wc -l <"$WORK/err") == 1 ]] || fail "refusal is not one line: $(cat "$WORK/err")"
}
ck=$WORK/ck-session
# Another scenario, other options.
expect_exit 0 "$GEN" --branches 3 --customers 3 --events 6 --seed 2 -o other.json
refused 2 "^banksim: --resume: $ck/mpi-checkpoint.bin: of another scenario" \
  explore other.json --protocol session --no-compare -q --mpi --resume "$ck"
refused 2 "^banksim: --resume: $ck/mpi-checkpoint.bin: made with other search options" \
  explore space.json --protocol session --fifo --no-compare -q --mpi --resume "$ck"
# A local (depth-first) checkpoint under --mpi, an MPI checkpoint without --mpi.
expect_exit 0 "$BANKSIM" explore space.json --protocol session --no-compare -q \
  --checkpoint ck-local --max-seconds 0.01
[[ -f ck-local/checkpoint.bin ]] || fail "no local checkpoint written"
refused 2 "^banksim: --resume: ck-local holds the checkpoint of a search without --mpi" \
  explore space.json --protocol session --no-compare -q --mpi --resume ck-local
expect_exit 2 "$BANKSIM" explore space.json --protocol session --no-compare -q --resume "$ck"
expect_grep "^banksim: --resume: $ck holds the checkpoint of an MPI search" "$WORK/err"
# A torn part (one bit flipped, then truncated), a missing one, a torn manifest.
gen=$(cd "$ck" && ls -d mpi-[0-9]* | sed 's/mpi-//')
[[ $(cd "$ck" && ls -d mpi-[0-9]* | wc -l) == 1 ]] || fail "older generations left: $(ls "$ck")"
cp -r "$ck" ck-torn
part=ck-torn/mpi-$gen/rank-1.bin
size=$(stat -c %s "$part")
# One bit of the middle byte flipped (writing a fixed byte changes nothing where it is one).
byte=$(od -An -tu1 -j $((size / 2)) -N1 "$part" | tr -d ' ')
printf "\\x$(printf %02x $((byte ^ 1)))" | dd of="$part" bs=1 seek=$((size / 2)) count=1 conv=notrunc 2>/dev/null
cmp -s "$ck/mpi-$gen/rank-1.bin" "$part" && fail "the bit flip changed nothing"
refused 3 "^banksim: --resume: ck-torn/mpi-$gen/rank-1.bin: torn checkpoint" \
  explore space.json --protocol session --no-compare -q --mpi --resume ck-torn
cp "$ck/mpi-$gen/rank-1.bin" "$part"
truncate -s $((size - 3)) "$part"
refused 2 "^banksim: --resume: ck-torn/mpi-$gen/rank-1.bin: torn checkpoint" \
  explore space.json --protocol session --no-compare -q --mpi --resume ck-torn
rm "$part"
refused 2 "^banksim: --resume: ck-torn/mpi-$gen/rank-1.bin: cannot read checkpoint" \
  explore space.json --protocol session --no-compare -q --mpi --resume ck-torn
cp "$ck/mpi-$gen/rank-1.bin" "$part"
truncate -s 40 ck-torn/mpi-checkpoint.bin
refused 2 "^banksim: --resume: ck-torn/mpi-checkpoint.bin: torn checkpoint" \
  explore space.json --protocol session --no-compare -q --mpi --resume ck-torn
refused 2 "^banksim: --resume: nowhere/mpi-checkpoint.bin: cannot read checkpoint" \
  explore space.json --protocol session --no-compare -q --mpi --resume nowhere
echo ok
