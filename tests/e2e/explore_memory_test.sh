#!/usr/bin/env bash
# explore's memory per search level follows what the step changed (issue 19, item 2): a
# World copy shares the branches' receipts and the monitor's per-branch bitsets (copy on
# write) instead of copying branches x events bits per level. On 256 branches x 64
# customers x 4,096 events (262,144 events) a World copy was about 100 MiB; 400 levels
# took 822 MiB and, under --max-memory 500M, stopped at the memory limit. Now they take
# under 200 MiB and the search reaches its state bound. Under ulimit -v, so that a
# regression cannot take the machine down.
source "$(dirname "$0")/lib.sh"
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
[[ -x "$GEN" ]] || fail "no banksim_gen next to $BANKSIM"
cd "$WORK"
# AddressSanitizer reserves terabytes of address space at start-up: no ulimit -v there.
if [[ "${BANKSIM_SANITIZED:-0}" == 1 ]]; then
  echo "skipped under the sanitizers: ulimit -v cannot apply to an ASan build"
  exit 77
fi
ulimit -v $((2 * 1024 * 1024))  # KiB: 2 GiB

expect_exit 0 "$GEN" --branches 256 --customers 64 --events 4096 --seed 1 -o deep.json
expect_exit 0 "$BANKSIM" explore deep.json --protocol sync --no-reduction -q --max-states 400 \
  --max-memory 500M
expect_grep '^search: stopped at 400 distinct states \(--max-states\): not complete' "$WORK/out"
expect_grep '^states visited 400, distinct 400, transitions 399, terminal 0, max depth 399' "$WORK/out"
peak=$(sed -n 's/^memory: peak \([0-9]*\) MiB.*/\1/p' "$WORK/out")
[[ -n $peak ]] || fail "no memory line in the summary"
((peak <= 400)) || fail "peak $peak MiB for 400 levels: a level costs more than its step"
echo "400 levels of a 262,144-event bank in $peak MiB"
