#!/usr/bin/env bash
# `banksim run` keeps no History unless an output prints it (--history, --format json,
# --debug). The outputs must not depend on which path ran: results (-o, every format),
# the summary on stdout and the --record trace are byte-identical with and without the
# history kept, and the streamed run's --history equals the one `banksim replay` of its
# trace writes from a whole History. Outputs go through a temporary file and a rename,
# except to files that are not regular: -o /dev/null must leave /dev/null a character
# device (renaming over it as root would replace it with a plain file).
source "$(dirname "$0")/lib.sh"
cd "$WORK"

# same A B: byte-identical files.
same() { cmp -s "$1" "$2" || { diff "$1" "$2" | head -20 >&2; fail "$1 differs from $2"; }; }

# scenario | exit status | options
runs=(
  "three-customers-deposits|0|--seed 7 --no-fifo"
  "moving-customer-3-branches|1|--seed 3 --protocol async --no-fifo --latency uniform:100:10000"
  "session-2-customers-3-branches|0|--seed 42 --protocol session --latency exp:3000 --no-fifo"
  "concurrent-withdraws|1|--seed 1 --protocol sync"
  "seed-cc-dest-test1|0|--seed 2 --protocol session"
  "seed-ryw-branch-key|0|--seed 4 --protocol session"
  "seed-p1-three-branches|0|--seed 11 --quiescent-queries --latency const:100"
)
for r in "${runs[@]}"; do
  IFS='|' read -r name status opts <<<"$r"
  s="$SCENARIOS/$name.json"
  for format in recv balance events; do
    # Streaming only: nothing asks for the history.
    # shellcheck disable=SC2086
    expect_exit "$status" "$BANKSIM" run "$s" $opts --format $format -o lean.json \
      --record lean.trace.json
    cp "$WORK/out" lean.stdout
    # The same run keeping its history for --history.
    # shellcheck disable=SC2086
    expect_exit "$status" "$BANKSIM" run "$s" $opts --format $format -o kept.json \
      --history kept.history.json --record kept.trace.json
    same lean.json kept.json
    same lean.trace.json kept.trace.json
    sed "s|kept|lean|" "$WORK/out" >kept.stdout
    same lean.stdout kept.stdout
    # Results printed after the summary equal the results file.
    # shellcheck disable=SC2086
    expect_exit "$status" "$BANKSIM" run "$s" $opts --format $format -o -
    same lean.json "$WORK/out"
    # Replay rebuilds the run from a whole History: same history and results.
    expect_exit "$status" "$BANKSIM" replay kept.trace.json --format $format -o replay.json \
      --history replay.history.json
    same kept.json replay.json
    same kept.history.json replay.history.json
  done
  # The json format embeds the history: equal to the --history file's.
  # shellcheck disable=SC2086
  expect_exit "$status" "$BANKSIM" run "$s" $opts --format json -o full.json
  # shellcheck disable=SC2086
  expect_exit "$status" "$BANKSIM" run "$s" $opts --format json -o full2.json \
    --history h2.json --debug
  same full.json full2.json
  same kept.history.json h2.json
done

# Special files are written in place, never replaced. Our own null device (when we may
# create one) cannot be touched by anything else on the machine.
s="$SCENARIOS/three-customers-deposits.json"
if mknod "$WORK/null" c 1 3 2>/dev/null; then
  expect_exit 0 "$BANKSIM" run "$s" -o "$WORK/null" --history "$WORK/null" --record "$WORK/null"
  [[ -c "$WORK/null" ]] || fail "$WORK/null is no longer a character device"
  compgen -G "$WORK/null.tmp.*" >/dev/null && fail "a temporary file was left beside $WORK/null"
fi
# /dev/null itself, unless something else on the machine already replaced it.
if [[ -c /dev/null ]]; then
  expect_exit 0 "$BANKSIM" run "$s" -o /dev/null --history /dev/null --record /dev/null
  [[ -c /dev/null ]] || fail "/dev/null is no longer a character device"
  compgen -G "/dev/null.tmp.*" >/dev/null && fail "a temporary file was left in /dev"
  expect_grep "results written to /dev/null" "$WORK/out"
else
  echo "note: /dev/null is not a character device before the test; not judged here" >&2
fi
# A pipe gets the bytes the regular file gets.
expect_exit 0 "$BANKSIM" run "$s" -o regular.json
mkfifo pipe
cat pipe >piped.json &
reader=$!
expect_exit 0 "$BANKSIM" run "$s" -o pipe
wait "$reader"
[[ -p pipe ]] || fail "the pipe was replaced"
same regular.json piped.json
# A regular file is replaced whole, and no temporary file stays behind.
echo "old contents, longer than nothing" >target.json
expect_exit 0 "$BANKSIM" run "$s" -o target.json
same regular.json target.json
compgen -G "target.json.tmp.*" >/dev/null && fail "a temporary file was left behind"
echo ok
