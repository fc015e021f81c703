#!/usr/bin/env bash
# Loopback fan-out benchmark: every server of the list against the same scenarios in the same run, the
# server pinned to one core and the load generator to the other, then a table with ratios to the bare
# baseline (the ceiling) and to the hand-written broadcaster (the floor).
#
#   benchmarks/fanout.sh smoke [server...]   stopped readers (against the same load without them) and two hubs
#                                            through Redis (against one), tiny, with
#                                            sub-second windows, library only by default: what
#                                            FanoutScriptSmokeIT runs in the build
#   benchmarks/fanout.sh quick [server...]   tiny sizes, a few minutes: a sanity check (SCENARIOS picks groups too)
#   benchmarks/fanout.sh full  [server...]   the issue's scenarios: 1k/10k subscribers x 64/512 B at saturation
#                                            and at half load (the rate at which the first server of the
#                                            list uses half its core, found by probe runs), 1% of
#                                            subscribers not reading (each run paired with one just before it
#                                            without them), 19,500 idle subscribed connections, two
#                                            library hubs through a local redis-server against one hub
#
#   SCENARIOS="churn storm" benchmarks/fanout.sh full ws-node library library-netty spring
#                                            the connection scenarios: churn (connect, upgrade, welcome, subscribe,
#                                            close, CHURN_CONCURRENCY (50) at a time, cycles per second) and storm
#                                            (STORM_SUBS (19500) clients connecting and subscribing at once to a
#                                            server just started: seconds until all are subscribed), each beside
#                                            the Node ws server (quick mode runs them small)
#
# Servers: bare, handwritten, library (the hub's standalone server on its default Reactor Netty engine, included by
# default when its jar exists), library-netty (the same server with --engine=netty, the plain-Netty engine),
# spring (benchmarks/spring-server: a WebFlux application with the starter and nothing else, on Boot's default
# Reactor Netty server; SPRING_JAR) and ws-node (benchmarks/ws-node/server.mjs: Node's ws, each publish encoded
# once into one Buffer for every subscriber; NODE (node), its ws package installed by npm ci on first use).
# The first server of the list sets the half-load rate; keep bare first. When the list has library, the two-hub
# scenario runs `library` (one process) and `library-redis` (two processes sharing topics through
# redis-server, subscribers split evenly over both, publishers on the first); every server process and
# redis-server run on SERVER_CPU.
# Environment: SERVER_CPU (0), LOADGEN_CPU (1), PORT_BASE (18480), SOURCE_ADDRESSES (4), OUT_DIR,
# SERVER_JVM_OPTS (-Xmx4g -XX:+UseParallelGC: pinned to one core, HotSpot would pick the Serial collector, on which
# both hub servers spent more CPU per delivery and varied more from run to run; docs/BENCHMARKS-FANOUT.md, "The
# collector"), LOADGEN_JVM_OPTS, LIB_JAR, LIB_QUEUE_SIZE (1024), LIB_OVERFLOW (drop-oldest), REDIS_SERVER
# (redis-server), and size overrides for trying the full run small: SMALL_SUBS (1000), LARGE_SUBS (10000),
# IDLE_SUBS (19500), WARMUP (10s: past the JIT compiling the servers' hot paths), LARGE_WARMUP (30s: the same for
# the LARGE_SUBS throughput runs, where a Spring server still compiles after 10 s), REDIS_WARMUP (30s: the
# two-hub scenario, whose two JVMs share one core), DURATION (6s), REPEAT (3 in
# full, else 1: every scenario but idle runs that often per server, the servers taking turns, and the report
# keeps each server's median run), and for re-measuring a part of full: SCENARIOS (a subset of "small-64
# small-512 large-64 large-512 slow-small slow-large idle redis churn storm"; default all but churn and storm)
# and HALF=0 (saturation only), HALF_CPU (0.5: the first server's share of its core that sets the half-load rate,
# found by up to CALIBRATION_PROBES (5) probe runs of it; off: HALF_FRACTION of its saturated rate instead, as
# before), HALF_FRACTION (where the probes start: 0.15 of the first server's saturated rate, or, with
# HALF_CPU=off, the half-load rate: 0.5 of it), HALF_DURATION (30s in full: the half-load runs' measured window,
# whose p99 needs many publishes); CHURN_CONCURRENCY (50), CHURN_WARMUP (30s in full, 5s in quick), STORM_SUBS (19500).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
MODE="${1:-quick}"
shift || true
case "$MODE" in
  smoke|quick|full) ;;
  *) echo "usage: $0 smoke|quick|full [bare] [handwritten] [library] [library-netty] [spring] [ws-node]" >&2; exit 2 ;;
esac

JAR="$HERE/target/benchmarks.jar"
LIB_JAR="${LIB_JAR:-$ROOT/samples/standalone-server/target/standalone-server.jar}"
SPRING_JAR="${SPRING_JAR:-$HERE/spring-server/target/spring-server.jar}"
NODE="${NODE:-node}"
SERVER_CPU="${SERVER_CPU:-0}"
LOADGEN_CPU="${LOADGEN_CPU:-1}"
PORT_BASE="${PORT_BASE:-18480}"
SOURCE_ADDRESSES="${SOURCE_ADDRESSES:-4}"
SERVER_JVM_OPTS="${SERVER_JVM_OPTS:--Xmx4g -XX:+UseParallelGC}"
LOADGEN_JVM_OPTS="${LOADGEN_JVM_OPTS:--Xmx4g}"
LIB_QUEUE_SIZE="${LIB_QUEUE_SIZE:-1024}"
LIB_OVERFLOW="${LIB_OVERFLOW:-drop-oldest}"
REDIS_SERVER="${REDIS_SERVER:-redis-server}"
OUT_DIR="${OUT_DIR:-$HERE/target/fanout-$MODE-$(date -u +%Y%m%dT%H%M%SZ)}"
if [ "$MODE" = full ]; then REPEAT="${REPEAT:-3}"; else REPEAT="${REPEAT:-1}"; fi

if [ "$#" -gt 0 ]; then
  SERVERS=("$@")
else
  if [ "$MODE" = smoke ]; then SERVERS=(); else SERVERS=(bare handwritten); fi
  if [ -f "$LIB_JAR" ]; then SERVERS+=(library); fi
fi

# Build when the jar is missing or older than any source of the module.
if [ ! -f "$JAR" ] || [ -n "$(find "$HERE/src/main" "$HERE/pom.xml" -newer "$JAR" -print -quit)" ]; then
  echo "building $JAR"
  (cd "$ROOT" && mvn -B -q -pl benchmarks -am package -DskipTests)
fi

if [[ " ${SERVERS[*]} " == *" spring "* ]] && { [ ! -f "$SPRING_JAR" ] \
    || [ -n "$(find "$ROOT/reactive-wspool/src/main" "$ROOT/reactive-wspool-spring/src/main" "$HERE/spring-server/src" \
      -newer "$SPRING_JAR" -print -quit)" ]; }; then
  echo "building $SPRING_JAR"
  (cd "$ROOT" && mvn -B -q -pl benchmarks/spring-server -am package -DskipTests)
fi
if [[ " ${SERVERS[*]} " == *" ws-node "* ]] && [ ! -d "$HERE/ws-node/node_modules/ws" ]; then
  echo "installing the ws package for the ws-node server"
  (cd "$HERE/ws-node" && npm ci --no-audit --no-fund)
fi

# The load generator holds one descriptor per connection: lift the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)"
mkdir -p "$OUT_DIR"
# Run from a copy, so that a rebuild during a long run cannot change classes under running JVMs.
cp "$JAR" "$OUT_DIR/benchmarks.jar"
JAR="$OUT_DIR/benchmarks.jar"
JSON="$OUT_DIR/results.jsonl"
: > "$JSON"
PINNING=1
if ! command -v taskset > /dev/null || [ "$(nproc --all)" -lt 2 ]; then
  echo "warning: taskset or a second core is missing, running unpinned" >&2
  PINNING=0
fi

# Other work on the machine must not take the pinned cores from the run: raise its priority where allowed
# (root or CAP_SYS_NICE); the server's own JIT and GC threads still share its core, as they should.
NICE=()
PRIORITY="normal"
if [ "$(nice -n -10 nice 2> /dev/null)" = "-10" ]; then NICE=(nice -n -10); PRIORITY="nice -10"; fi
if echo -10 2> /dev/null > /proc/$$/autogroup; then PRIORITY="$PRIORITY, autogroup -10"; fi

pin() { # pin CPU COMMAND...
  local cpu="$1"; shift
  if [ "$PINNING" = 1 ]; then exec "${NICE[@]}" taskset -c "$cpu" "$@"; else exec "${NICE[@]}" "$@"; fi
}

SERVER_PIDS=() # every process of the current run: server JVMs, then redis-server
PORTS=()       # the server JVMs' ports, in start order
REDIS_PID=""
RUN=0

stop_pid() { # stop_pid PID: SIGTERM, up to 10 s to exit, then SIGKILL
  local pid="$1"
  if kill -0 "$pid" 2> /dev/null; then
    kill "$pid" 2> /dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2> /dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2> /dev/null || true
  fi
}

stop_servers() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid"; done
  # redis last: the hubs close their broker connections first
  if [ -n "$REDIS_PID" ]; then stop_pid "$REDIS_PID"; fi
  SERVER_PIDS=()
  PORTS=()
  REDIS_PID=""
}
trap stop_servers EXIT
trap 'stop_servers; exit 130' INT TERM

listening() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }

# await_listen PID PORT NAME LOG: until PORT accepts connections, or PID died, or 30 s passed.
await_listen() {
  local pid="$1" port="$2" name="$3" log="$4"
  for _ in $(seq 1 300); do
    if listening "$port"; then return 0; fi
    if ! kill -0 "$pid" 2> /dev/null; then break; fi
    sleep 0.1
  done
  echo "$name did not listen on $port; see $log" >&2
  return 1
}

start_redis() { # a redis-server of this run: own port and directory, no persistence, on the server CPU
  local port dir log
  RUN=$((RUN + 1))
  port=$((PORT_BASE + 1000 + RUN))
  while listening "$port"; do port=$((port + 1)); done
  dir="$OUT_DIR/redis-$RUN"
  mkdir -p "$dir"
  log="$OUT_DIR/redis-$RUN.log"
  (pin "$SERVER_CPU" "$REDIS_SERVER" --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
    --daemonize no) > "$log" 2>&1 &
  REDIS_PID=$!
  REDIS_PORT="$port"
  if ! await_listen "$REDIS_PID" "$port" redis-server "$log"; then stop_servers; return 1; fi
}

start_server() { # start_server NAME [EXTRA-FLAG...]: one more server process of the current run
  local name="$1" log port pid
  shift
  RUN=$((RUN + 1))
  port=$((PORT_BASE + RUN)) # a fresh port per process: no TIME_WAIT surprises
  log="$OUT_DIR/server-$RUN-$name.log"
  case "$name" in
    bare) (pin "$SERVER_CPU" java $SERVER_JVM_OPTS -jar "$JAR" bare-server --port="$port" --max-lifetime=30m) > "$log" 2>&1 & ;;
    handwritten) (pin "$SERVER_CPU" java $SERVER_JVM_OPTS -jar "$JAR" handwritten-server --port="$port" --max-lifetime=30m) > "$log" 2>&1 & ;;
    library|library-netty)
      if [ ! -f "$LIB_JAR" ]; then echo "no $LIB_JAR" >&2; return 1; fi
      local engine=reactor-netty
      if [ "$name" = library-netty ]; then engine=netty; fi
      (pin "$SERVER_CPU" java $SERVER_JVM_OPTS -jar "$LIB_JAR" --port="$port" --publish-topics='bench*' \
        --queue-size="$LIB_QUEUE_SIZE" --overflow="$LIB_OVERFLOW" --max-connections=25000 --max-per-topic=25000 \
        --drain-ms=0 --engine="$engine" "$@") > "$log" 2>&1 & ;;
    spring)
      if [ ! -f "$SPRING_JAR" ]; then echo "no $SPRING_JAR" >&2; return 1; fi
      (pin "$SERVER_CPU" java $SERVER_JVM_OPTS -jar "$SPRING_JAR" --server.port="$port" \
        --wspool.server.queue-size="$LIB_QUEUE_SIZE" --wspool.server.overflow="$LIB_OVERFLOW" "$@") > "$log" 2>&1 & ;;
    ws-node) (pin "$SERVER_CPU" "$NODE" "$HERE/ws-node/server.mjs" --port="$port" --max-lifetime=1800) > "$log" 2>&1 & ;;
    *) echo "unknown server $name" >&2; return 1 ;;
  esac
  pid=$! # pin and taskset exec, so this is the JVM's pid
  SERVER_PIDS+=("$pid")
  PORTS+=("$port")
  if ! await_listen "$pid" "$port" "server $name" "$log"; then stop_servers; return 1; fi
}

# start_run SERVER: the processes of one run. library-redis is redis-server and two library processes.
start_run() {
  case "$1" in
    library-redis)
      if ! command -v "$REDIS_SERVER" > /dev/null; then echo "no $REDIS_SERVER on the PATH" >&2; return 1; fi
      start_redis || return 1
      start_server library --redis="redis://127.0.0.1:$REDIS_PORT" || return 1
      start_server library --redis="redis://127.0.0.1:$REDIS_PORT" || return 1 ;;
    *) start_server "$1" ;;
  esac
}

join() { local IFS=,; echo "$*"; }

# run_one SERVER SCENARIO LOADGEN-OPTIONS...: fresh server processes for every scenario.
run_one() {
  local server="$1" scenario="$2" broker=()
  shift 2
  echo
  echo "### $server / $scenario $*"
  if ! start_run "$server"; then return 0; fi
  if [ -n "$REDIS_PID" ]; then broker=(--broker-pid="$REDIS_PID"); fi
  (pin "$LOADGEN_CPU" java $LOADGEN_JVM_OPTS -jar "$JAR" loadgen --server="$server" --scenario="$scenario" \
    --port="$(join "${PORTS[@]}")" --server-pid="$(join "${SERVER_PIDS[@]}")" "${broker[@]}" \
    --source-addresses="$SOURCE_ADDRESSES" --json-file="$JSON" "$@") \
    2>&1 | tee -a "$OUT_DIR/loadgen.log" || echo "loadgen for $server / $scenario failed" >&2
  stop_servers
}

# The publish rate the first server sustained in SCENARIO (the median of its runs, as the report keeps), times
# HALF_FRACTION (by default 0.15, where calibration starts, or 0.5 with HALF_CPU=off).
half_rate_of() {
  local rates
  rates="$(grep "\"server\":\"${SERVERS[0]}\",\"scenario\":\"$1\"" "$JSON" \
    | sed -E 's/.*"publishRate":([0-9.]+).*/\1/' | sort -n || true)"
  if [ -z "$rates" ]; then echo 0; return; fi
  local fraction="${HALF_FRACTION:-0.5}"
  if [ -z "${HALF_FRACTION:-}" ] && [ "${HALF_CPU:-0.5}" != off ]; then fraction=0.15; fi
  echo "$rates" | awk -v f="$fraction" '{ r[NR] = $1 } END { printf "%.0f", r[int((NR + 1) / 2)] * f }'
}


# rounds "SERVER..." SCENARIO LOADGEN-OPTIONS...: REPEAT rounds, each running SCENARIO once on every server
# of the list, so that the servers take turns.
rounds() {
  local servers="$1" i s
  shift
  for i in $(seq 1 "$REPEAT"); do
    for s in $servers; do run_one "$s" "$@"; done
  done
}

# calibrate TAG SUBSCRIBERS PAYLOAD RATE: the publish rate at which the first server uses HALF_CPU of its core.
# Half the saturated rate is not half load: publishes at a fixed rate are written one by one instead of in
# batches, and that rate kept both hub servers at 95 to 100 % of their core (docs/BENCHMARKS-FANOUT.md, "Half
# load"). Probe runs of the first server (in calibration.jsonl, not in the report) start at RATE and move it
# toward HALF_CPU, up to CALIBRATION_PROBES (5) times, until the share is within 0.05 of HALF_CPU; the rate of the
# last probe, or the next estimate when none came that close, is the half-load rate.
calibrate() {
  local tag="$1" subs="$2" payload="$3" rate="$4" target="${HALF_CPU:-0.5}" i line cpu window share next prev_rate= prev_share= probes=
  for i in $(seq 1 "${CALIBRATION_PROBES:-5}"); do
    JSON="$OUT_DIR/calibration.jsonl" run_one "${SERVERS[0]}" "cal-$tag" --subscribers="$subs" --payload="$payload" \
      --rate="$rate" $COMMON >&2
    line="$(grep "\"scenario\":\"cal-$tag\"" "$OUT_DIR/calibration.jsonl" | tail -1)"
    cpu="$(echo "$line" | sed -nE 's/.*"serverCpuSeconds":([0-9.]+).*/\1/p')"
    window="$(echo "$line" | sed -nE 's/.*"windowSeconds":([0-9.]+).*/\1/p')"
    if [ -z "$cpu" ] || [ -z "$window" ]; then
      echo "calibration of $tag: no CPU figure from the probe at $rate/s" >&2
      break
    fi
    share="$(awk -v c="$cpu" -v w="$window" 'BEGIN { printf "%.3f", c / w }')"
    echo "calibration of $tag: ${SERVERS[0]} at $rate publishes/s used $share of its core" \
      | tee -a "$OUT_DIR/calibration.txt" >&2
    if awk -v s="$share" -v t="$target" 'BEGIN { exit !(s >= t - 0.05 && s <= t + 0.05) }'; then
      break
    fi
    # The share grows with the rate, not in proportion (a 10k-subscriber server went 0.27, 0.38, 0.77, 0.97 at 3,
    # 7, 12, 23 publishes/s): between the closest probes on either side of the target once there are such, else
    # along the line through the last two probes, or through the origin after the first; at most 4x a step.
    probes="$probes $rate:$share"
    next="$(echo "$probes" | awk -v r="$rate" -v s="$share" -v t="$target" -v pr="${prev_rate:-}" -v ps="${prev_share:-}" '{
      lo = ""; hi = ""
      for (i = 1; i <= NF; i++) {
        split($i, p, ":")
        if (p[2] < t && (lo == "" || p[2] > ls)) { lo = p[1]; ls = p[2] }
        if (p[2] > t && (hi == "" || p[2] < hs)) { hi = p[1]; hs = p[2] }
      }
      n = (s > 0 ? r * t / s : r * 4)
      if (pr != "" && ps != "" && s != ps && (s - ps) / (r - pr) > 0) n = r + (t - s) * (r - pr) / (s - ps)
      if (lo != "" && hi != "" && hi > lo) n = lo + (t - ls) * (hi - lo) / (hs - ls)
      if (n > r * 4) n = r * 4; if (n < r / 4) n = r / 4; printf "%.0f", (n < 1 ? 1 : n) }')"
    prev_rate="$rate"
    prev_share="$share"
    rate="$next"
  done
  echo "$rate"
}

# throughput SUBSCRIBERS PAYLOAD: saturation, then half load (calibrate) for every server.
throughput() {
  local subs="$1" payload="$2" tag
  tag="$(label "$subs")-$payload"
  # --heap-check: the heap after the drain is the baseline of the slow-… run of the same size
  rounds "${SERVERS[*]}" "sat-$tag" --subscribers="$subs" --payload="$payload" --heap-check $COMMON
  local rate
  rate="$(half_rate_of "sat-$tag")"
  if [ "${HALF:-1}" = 0 ]; then
    return 0
  elif [ "$rate" -gt 0 ]; then
    if [ "${HALF_CPU:-0.5}" != off ]; then
      rate="$(calibrate "$tag" "$subs" "$payload" "$rate")"
      echo "half-$tag: every server at $rate publishes/s" | tee -a "$OUT_DIR/calibration.txt"
    fi
    rounds "${SERVERS[*]}" "half-$tag" --subscribers="$subs" --payload="$payload" --rate="$rate" $COMMON $HALF_WINDOW
  else
    echo "no saturation rate for sat-$tag from ${SERVERS[0]}: skipping half-$tag" >&2
  fi
}

# slow SUBSCRIBERS FRACTION: saturation with readers that stop, compared with a run of the same server
# without them just before it (ref-SUBSCRIBERS-64), so that the pair shares the machine's speed of that
# minute: healthy readers' deliveries (the report takes the median of the pairs' ratios), and the heap after
# the drain (after a full GC, stopped readers still connected) against the reference run's heap after its
# drain plus the library's queue bound (LIB_QUEUE_SIZE messages of the delivered frame size) for every
# stopped reader.
slow() {
  local tag i s
  tag="$(label "$1")-64"
  for i in $(seq 1 "$REPEAT"); do
    for s in "${SERVERS[@]}"; do
      run_one "$s" "ref-$tag" --subscribers="$1" --payload=64 --heap-check $COMMON
      run_one "$s" "slow-$tag" --subscribers="$1" --payload=64 --stop-reading-fraction="$2" \
        --heap-check --queue-size="$LIB_QUEUE_SIZE" $COMMON
    done
  done
}

# redis SUBSCRIBERS: one library process against two sharing topics through redis-server, same load.
redis() {
  if [[ " ${SERVERS[*]} " != *" library "* ]]; then return 0; fi
  if [ ! -f "$LIB_JAR" ] || ! command -v "$REDIS_SERVER" > /dev/null; then
    echo "no $LIB_JAR or no $REDIS_SERVER: skipping the two-hub scenario" >&2
    return 0
  fi
  rounds "library library-redis" "redis-$(label "$1")-64" --subscribers="$1" --payload=64 ${REDIS_COMMON:-$COMMON}
}

idle() { # idle SUBSCRIBERS
  for s in "${SERVERS[@]}"; do
    run_one "$s" "idle-$(label "$1")" --subscribers="$1" --idle --idle-wait=5s
  done
}

# churn SECONDS WARMUP: whole connect … close cycles, CHURN_CONCURRENCY at a time, for every server, the servers
# taking turns, each after WARMUP (CHURN_WARMUP overrides it). Full mode warms up 30 s: a JVM server's C2 compiler
# still took 42 % of its CPU 9 to 17 s into a churn run, and had settled by 30 s.
churn() {
  local n="${CHURN_CONCURRENCY:-50}"
  rounds "${SERVERS[*]}" "churn-$n" --churn --connect-concurrency="$n" --warmup="${CHURN_WARMUP:-$2}" \
    --duration="$1" --connect-timeout=30s
}

# storm SUBSCRIBERS: every client connecting and subscribing at once to a server just started (no warm-up).
storm() {
  local i s
  for i in $(seq 1 "$REPEAT"); do
    for s in "${SERVERS[@]}"; do
      run_one "$s" "storm-$(label "$1")" --subscribers="$1" --idle --idle-wait=0s --connect-concurrency="$1"
    done
  done
}

# wanted GROUP: whether SCENARIOS (default: all but churn and storm) names this group of scenarios.
wanted() {
  if [ -z "${SCENARIOS:-}" ]; then [ "$1" != churn ] && [ "$1" != storm ]; else [[ " $SCENARIOS " == *" $1 "* ]]; fi
}

label() { # 10000 -> 10k, 19500 -> 19.5k, 50 -> 50
  awk -v n="$1" 'BEGIN { if (n >= 1000) { s = sprintf("%.1fk", n / 1000); sub(/\.0k$/, "k", s); print s } else print n }'
}

echo "fan-out benchmark: $MODE, servers ${SERVERS[*]}, server on CPU $SERVER_CPU, load generator on CPU $LOADGEN_CPU"
echo "results in $OUT_DIR"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "mode: $MODE; servers: ${SERVERS[*]}; pinning: $PINNING (server $SERVER_CPU, loadgen $LOADGEN_CPU)"
  echo "priority: $PRIORITY"
  echo "runs per server and scenario: $REPEAT (idle: 1); the report keeps each server's median run"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc --all) cores"
  echo "kernel: $(uname -r); java: $(java -version 2>&1 | head -1)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)"
} | tee "$OUT_DIR/machine.txt"

HALF_WINDOW=""
if [ "$MODE" = smoke ]; then
  COMMON="--publishers=2 --warmup=300ms --duration=700ms --drain=2s"
  slow 20 0.1
  redis 20
elif [ "$MODE" = quick ]; then
  COMMON="--publishers=2 --warmup=1s --duration=3s --drain=3s"
  if wanted small-64; then throughput 50 64; fi
  if wanted slow-small; then slow 50 0.02; fi
  if wanted idle; then idle 100; fi
  if wanted redis; then redis 50; fi
  if wanted churn; then churn 3s 5s; fi
  if wanted storm; then storm 500; fi
else
  COMMON="--publishers=2 --warmup=${WARMUP:-10s} --duration=${DURATION:-6s} --drain=5s"
  # Two server JVMs share the server core, so each JIT-compiles at half speed: after 10 s the two-hub runs
  # were still warming up (0.30x to 0.62x one hub over three runs, against 0.59x to 0.72x after 30 s).
  REDIS_COMMON="--publishers=2 --warmup=${REDIS_WARMUP:-30s} --duration=${DURATION:-6s} --drain=5s"
  # At 7 publishes/s a 6 s window holds 42 publishes, and its p99 delivery lies in the slowest one's fan-out: the
  # library's p99 then went 173 to 290 ms over three runs of one cell. 30 s hold 210 publishes or more.
  HALF_WINDOW="--duration=${HALF_DURATION:-30s}"
  SMALL="${SMALL_SUBS:-1000}"
  LARGE="${LARGE_SUBS:-10000}"
  if wanted small-64; then throughput "$SMALL" 64; fi
  if wanted small-512; then throughput "$SMALL" 512; fi
  # A WebFlux server's JIT was still compiling 10 s into a 10k run: its compiler threads took 1.5 of the server's
  # 6 CPU-s in the window (0.3 for the standalone server). After 30 s both were down to 0.02 to 0.1 CPU-s.
  LARGE_COMMON="--publishers=2 --warmup=${LARGE_WARMUP:-30s} --duration=${DURATION:-6s} --drain=5s"
  if wanted large-64; then COMMON="$LARGE_COMMON" throughput "$LARGE" 64; fi
  if wanted large-512; then COMMON="$LARGE_COMMON" throughput "$LARGE" 512; fi
  if wanted slow-small; then slow "$SMALL" 0.01; fi
  if wanted slow-large; then slow "$LARGE" 0.01; fi
  if wanted idle; then idle "${IDLE_SUBS:-19500}"; fi
  if wanted redis; then redis "$SMALL"; fi
  if wanted churn; then churn "${DURATION:-6s}" 30s; fi
  if wanted storm; then storm "${STORM_SUBS:-19500}"; fi
fi

echo
echo "## Fan-out results ($MODE, $(date -u +%Y-%m-%dT%H:%MZ))" | tee "$OUT_DIR/report.md"
java -jar "$JAR" report --json-file="$JSON" | tee -a "$OUT_DIR/report.md"
echo
echo "raw JSON lines: $JSON"
