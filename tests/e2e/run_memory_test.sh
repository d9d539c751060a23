#!/usr/bin/env bash
# `run` memory follows the links that carry traffic, not (branches + customers)^2: at
# the documented limit of 100,000 customers the FIFO network's per-link state once took
# 8 * (B + C)^2 bytes (80 GB here) and the run died of std::bad_alloc. Under a 2 GiB
# address-space limit it must now run to the end.
source "$(dirname "$0")/lib.sh"
GEN=${BANKSIM_GEN:-$(dirname "$BANKSIM")/banksim_gen}
[[ -x "$GEN" ]] || fail "no banksim_gen next to $BANKSIM"
cd "$WORK"
# The huge-page restart re-executes banksim; keep this test about the network alone.
export GLIBC_TUNABLES=glibc.malloc.hugetlb=0

expect_exit 0 "$GEN" --branches 5 --customers 100000 --events 1 --seed 1 -o many.json
# (A sanitizer build reserves terabytes of address space and cannot start under ulimit
# -v: there the run goes unlimited and shows only that it finishes.)
run_limited() {
  if [[ "${BANKSIM_SANITIZED:-0}" == 1 ]]; then
    "$BANKSIM" "$@"
  else
    (ulimit -v $((2 * 1024 * 1024)) && exec "$BANKSIM" "$@")
  fi
}
expect_exit 0 run_limited run many.json --seed 1 --protocol sync --format recv -o res.json
expect_grep '^protocol sync, seed 1, latency uniform:500:5000 us, per-link FIFO' "$WORK/out"
# Every customer got its answer: one record per customer, each with its one reply.
[[ $(grep -c '"recv"' res.json) == 100000 ]] || fail "expected 100000 customers in the results"
[[ $(grep -c '"result"' res.json) == 100000 ]] || fail "expected 100000 replies in the results"
echo "100,000 customers ran under a 2 GiB address-space limit"
