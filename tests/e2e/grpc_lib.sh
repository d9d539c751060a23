# Helpers for the gRPC end-to-end tests. Source after lib.sh.
# Every branch process a test starts gets its scenario copy under $WORK (TMPDIR), so
# `pgrep -f "$WORK"` finds exactly this test's branch processes, even under ctest -j.
export TMPDIR="$WORK"

if "$BANKSIM" serve --branch 1 --scenario /dev/null 2>&1 | grep -q "built without the gRPC"; then
  echo "SKIP: banksim was built without the gRPC backend"
  exit 0
fi

# make_busy_scenario FILE BRANCHES CUSTOMERS EVENTS: customers move between branches,
# depositing, withdrawing and querying.
make_busy_scenario() {
  local file=$1 branches=$2 customers=$3 events=$4 id=1 out
  out="["
  for ((b = 1; b <= branches; b++)); do
    out+="{\"type\":\"branch\",\"id\":$b,\"balance\":1000},"
  done
  for ((c = 1; c <= customers; c++)); do
    out+="{\"type\":\"customer\",\"id\":$c,\"events\":["
    for ((e = 0; e < events; e++)); do
      local dest=$(((c + e) % branches + 1))
      case $((e % 3)) in
        0) out+="{\"id\":$id,\"interface\":\"deposit\",\"money\":10,\"dest\":$dest}" ;;
        1) out+="{\"id\":$id,\"interface\":\"withdraw\",\"money\":10,\"dest\":$dest}" ;;
        2) out+="{\"id\":$id,\"interface\":\"query\",\"dest\":$dest}" ;;
      esac
      id=$((id + 1))
      ((e + 1 < events)) && out+=","
    done
    out+="]}"
    ((c < customers)) && out+=","
  done
  out+="]"
  printf '%s\n' "$out" >"$file"
}

# branch_pids: the branch processes this test started and that still run.
branch_pids() {
  pgrep -f -- "serve --branch .* --scenario $WORK/" || true
}

expect_no_branch_processes() {
  local left
  left=$(branch_pids)
  if [[ -n "$left" ]]; then
    ps -o pid,stat,args -p $left >&2 || true
    kill -9 $left 2>/dev/null || true
    fail "branch processes left behind: $left"
  fi
}

# wait_for_branches N: until N branch processes run (at most 10 s).
wait_for_branches() {
  local want=$1
  for _ in $(seq 1 200); do
    [[ $(branch_pids | wc -l) -ge $want ]] && return 0
    sleep 0.05
  done
  fail "$want branch processes did not start"
}

# listening_branches: how many of this test's branch processes have a listening TCP socket
# (a LISTEN entry of /proc/net/tcp{,6} whose inode is one of the process's open sockets).
listening_branches() {
  local listen pid inode n=0
  listen=$(awk '$4 == "0A" {print $10}' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  for pid in $(branch_pids); do
    for inode in $(ls -l "/proc/$pid/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p'); do
      if grep -qx "$inode" <<<"$listen"; then
        n=$((n + 1))
        break
      fi
    done
  done
  echo "$n"
}

# wait_for_listening N: until N branch processes listen (at most 20 s: a sanitizer build on
# a busy machine starts slowly). Killing one before that tests start-up, not a run.
wait_for_listening() {
  local want=$1
  for _ in $(seq 1 400); do
    (($(listening_branches) >= want)) && return 0
    sleep 0.05
  done
  fail "$want branch processes did not start listening"
}

# established_sockets PID: how many TCP connections process PID holds open (ESTABLISHED
# entries of /proc/net/tcp{,6} whose inode is one of the process's sockets).
established_sockets() {
  local pid=$1 inodes
  inodes=$(ls -l "/proc/$pid/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p')
  [[ -z "$inodes" ]] && { echo 0; return; }
  awk -v want="$inodes" 'BEGIN { n = split(want, a, "\n"); for (i = 1; i <= n; i++) mine[a[i]] = 1 }
    $4 == "01" && ($10 in mine) { c++ } END { print c + 0 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# wait_for_traffic PID: until branch process PID has exchanged messages with its peers, so
# the run is under way (at most 20 s). Observed, not assumed from a sleep: a link stream is
# opened by its first message, so a branch with streams to and from the driver and to or
# from both peers of a 3-branch run holds at least 4 connections. Fails if the run ($RUN)
# ended first: a test that interrupts a run must interrupt a running one.
wait_for_traffic() {
  local pid=$1
  for _ in $(seq 1 400); do
    (($(established_sockets "$pid") >= 4)) && return 0
    kill -0 "$RUN" 2>/dev/null || fail "the run ended before branch process $pid had traffic"
    sleep 0.05
  done
  fail "branch process $pid had no traffic within 20 s"
}

# same_replay TRACE ARGS...: both backends, same status, same stdout
# (sets REPLAY_STATUS).
same_replay() {
  local trace=$1 sim=0 grpc=0
  shift
  "$BANKSIM" replay "$trace" "$@" >"$WORK/sim.out" 2>"$WORK/sim.err" || sim=$?
  "$BANKSIM" replay "$trace" --backend grpc "$@" >"$WORK/grpc.out" 2>"$WORK/grpc.err" || grpc=$?
  if [[ "$sim" != "$grpc" ]]; then
    cat "$WORK/grpc.err" >&2
    fail "replay $trace $*: exit $sim (sim) vs $grpc (grpc)"
  fi
  cmp "$WORK/sim.out" "$WORK/grpc.out" || {
    diff "$WORK/sim.out" "$WORK/grpc.out" >&2 || true
    fail "replay $trace $*: outputs differ"
  }
  REPLAY_STATUS=$sim
}
