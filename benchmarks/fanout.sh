#!/usr/bin/env bash
# Loopback fan-out benchmark: every server of the list against the same scenarios in the same run, the
# server pinned to one core and the load generator to the other, then a table with ratios to the bare
# baseline (the ceiling) and to the hand-written broadcaster (the floor).
#
#   benchmarks/fanout.sh quick [server...]   tiny sizes, about a minute: CI and a sanity check
#   benchmarks/fanout.sh full  [server...]   the issue's scenarios: 1k/10k subscribers x 64/512 B at saturation
#                                            and at 50% of the bare baseline's saturation rate, 1% of
#                                            subscribers not reading, 19,500 idle subscribed connections
#
# Servers: bare, handwritten, library (the hub's standalone server, included by default when its jar exists).
# The first server of the list sets the 50% rate; keep bare first.
# Environment: SERVER_CPU (0), LOADGEN_CPU (1), PORT_BASE (18480), SOURCE_ADDRESSES (4), OUT_DIR,
# SERVER_JVM_OPTS, LOADGEN_JVM_OPTS, LIB_JAR, LIB_QUEUE_SIZE (1024), LIB_OVERFLOW (drop-oldest),
# and size overrides for trying the full run small: SMALL_SUBS (1000), LARGE_SUBS (10000), IDLE_SUBS (19500),
# WARMUP (3s), DURATION (6s).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
MODE="${1:-quick}"
shift || true
case "$MODE" in
  quick|full) ;;
  *) echo "usage: $0 quick|full [bare] [handwritten] [library]" >&2; exit 2 ;;
esac

JAR="$HERE/target/benchmarks.jar"
LIB_JAR="${LIB_JAR:-$ROOT/samples/standalone-server/target/standalone-server.jar}"
SERVER_CPU="${SERVER_CPU:-0}"
LOADGEN_CPU="${LOADGEN_CPU:-1}"
PORT_BASE="${PORT_BASE:-18480}"
SOURCE_ADDRESSES="${SOURCE_ADDRESSES:-4}"
SERVER_JVM_OPTS="${SERVER_JVM_OPTS:--Xmx4g}"
LOADGEN_JVM_OPTS="${LOADGEN_JVM_OPTS:--Xmx4g}"
LIB_QUEUE_SIZE="${LIB_QUEUE_SIZE:-1024}"
LIB_OVERFLOW="${LIB_OVERFLOW:-drop-oldest}"
OUT_DIR="${OUT_DIR:-$HERE/target/fanout-$MODE-$(date -u +%Y%m%dT%H%M%SZ)}"

if [ "$#" -gt 0 ]; then
  SERVERS=("$@")
else
  SERVERS=(bare handwritten)
  if [ -f "$LIB_JAR" ]; then SERVERS+=(library); fi
fi

# Build when the jar is missing or older than any source of the module.
if [ ! -f "$JAR" ] || [ -n "$(find "$HERE/src/main" "$HERE/pom.xml" -newer "$JAR" -print -quit)" ]; then
  echo "building $JAR"
  (cd "$ROOT" && mvn -B -q -pl benchmarks -am package -DskipTests)
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

pin() { # pin CPU COMMAND...
  local cpu="$1"; shift
  if [ "$PINNING" = 1 ]; then exec taskset -c "$cpu" "$@"; else exec "$@"; fi
}

SERVER_PID=""
PORT="$PORT_BASE"
RUN=0

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2> /dev/null; then
    kill "$SERVER_PID" 2> /dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$SERVER_PID" 2> /dev/null || break
      sleep 0.1
    done
    kill -9 "$SERVER_PID" 2> /dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

start_server() { # start_server NAME
  local name="$1" log
  RUN=$((RUN + 1))
  PORT=$((PORT_BASE + RUN)) # a fresh port per run: no TIME_WAIT surprises
  log="$OUT_DIR/server-$RUN-$name.log"
  case "$name" in
    bare) (pin "$SERVER_CPU" java $SERVER_JVM_OPTS -jar "$JAR" bare-server --port="$PORT" --max-lifetime=30m) > "$log" 2>&1 & ;;
    handwritten) (pin "$SERVER_CPU" java $SERVER_JVM_OPTS -jar "$JAR" handwritten-server --port="$PORT" --max-lifetime=30m) > "$log" 2>&1 & ;;
    library)
      if [ ! -f "$LIB_JAR" ]; then echo "no $LIB_JAR" >&2; return 1; fi
      (pin "$SERVER_CPU" java $SERVER_JVM_OPTS -jar "$LIB_JAR" --port="$PORT" --publish-topics='bench*' \
        --queue-size="$LIB_QUEUE_SIZE" --overflow="$LIB_OVERFLOW" --max-connections=25000 --max-per-topic=25000) > "$log" 2>&1 & ;;
    *) echo "unknown server $name" >&2; return 1 ;;
  esac
  SERVER_PID=$! # pin and taskset exec, so this is the JVM's pid
  for _ in $(seq 1 300); do
    if (exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2> /dev/null; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2> /dev/null; then break; fi
    sleep 0.1
  done
  echo "server $name did not listen on $PORT; see $log" >&2
  stop_server
  return 1
}

# run_one SERVER SCENARIO LOADGEN-OPTIONS...: a fresh server process for every scenario.
run_one() {
  local server="$1" scenario="$2"; shift 2
  echo
  echo "### $server / $scenario $*"
  if ! start_server "$server"; then return 0; fi
  (pin "$LOADGEN_CPU" java $LOADGEN_JVM_OPTS -jar "$JAR" loadgen --server="$server" --scenario="$scenario" \
    --port="$PORT" --server-pid="$SERVER_PID" --source-addresses="$SOURCE_ADDRESSES" --json-file="$JSON" "$@") \
    2>&1 | tee -a "$OUT_DIR/loadgen.log" || echo "loadgen for $server / $scenario failed" >&2
  stop_server
}

# The publish rate the first server sustained in SCENARIO, halved.
half_rate_of() {
  local line
  line="$(grep "\"server\":\"${SERVERS[0]}\",\"scenario\":\"$1\"" "$JSON" | tail -1 || true)"
  if [ -z "$line" ]; then echo 0; return; fi
  echo "$line" | sed -E 's/.*"publishRate":([0-9.]+).*/\1/' | awk '{ printf "%.0f", $1 / 2 }'
}

# throughput SUBSCRIBERS PAYLOAD: saturation then 50% of the reference's saturation rate, for every server.
throughput() {
  local subs="$1" payload="$2" tag
  tag="$(label "$subs")-$payload"
  for s in "${SERVERS[@]}"; do
    run_one "$s" "sat-$tag" --subscribers="$subs" --payload="$payload" $COMMON
  done
  local rate
  rate="$(half_rate_of "sat-$tag")"
  if [ "$rate" -gt 0 ]; then
    for s in "${SERVERS[@]}"; do
      run_one "$s" "half-$tag" --subscribers="$subs" --payload="$payload" --rate="$rate" $COMMON
    done
  else
    echo "no saturation rate for sat-$tag from ${SERVERS[0]}: skipping half-$tag" >&2
  fi
}

slow() { # slow SUBSCRIBERS FRACTION
  for s in "${SERVERS[@]}"; do
    run_one "$s" "slow-$(label "$1")-64" --subscribers="$1" --payload=64 --stop-reading-fraction="$2" $COMMON
  done
}

idle() { # idle SUBSCRIBERS
  for s in "${SERVERS[@]}"; do
    run_one "$s" "idle-$(label "$1")" --subscribers="$1" --idle --idle-wait=5s
  done
}

label() { # 10000 -> 10k, 19500 -> 19.5k, 50 -> 50
  awk -v n="$1" 'BEGIN { if (n >= 1000) { s = sprintf("%.1fk", n / 1000); sub(/\.0k$/, "k", s); print s } else print n }'
}

echo "fan-out benchmark: $MODE, servers ${SERVERS[*]}, server on CPU $SERVER_CPU, load generator on CPU $LOADGEN_CPU"
echo "results in $OUT_DIR"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "mode: $MODE; servers: ${SERVERS[*]}; pinning: $PINNING (server $SERVER_CPU, loadgen $LOADGEN_CPU)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc --all) cores"
  echo "kernel: $(uname -r); java: $(java -version 2>&1 | head -1)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)"
} | tee "$OUT_DIR/machine.txt"

if [ "$MODE" = quick ]; then
  COMMON="--publishers=2 --warmup=1s --duration=3s --drain=3s"
  throughput 50 64
  slow 50 0.02
  idle 100
else
  COMMON="--publishers=2 --warmup=${WARMUP:-3s} --duration=${DURATION:-6s} --drain=5s"
  SMALL="${SMALL_SUBS:-1000}"
  LARGE="${LARGE_SUBS:-10000}"
  throughput "$SMALL" 64
  throughput "$SMALL" 512
  throughput "$LARGE" 64
  throughput "$LARGE" 512
  slow "$SMALL" 0.01
  slow "$LARGE" 0.01
  idle "${IDLE_SUBS:-19500}"
fi

echo
echo "## Fan-out results ($MODE, $(date -u +%Y-%m-%dT%H:%MZ))" | tee "$OUT_DIR/report.md"
java -jar "$JAR" report --json-file="$JSON" | tee -a "$OUT_DIR/report.md"
echo
echo "raw JSON lines: $JSON"
