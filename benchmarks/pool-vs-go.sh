#!/usr/bin/env bash
# WsClientPool side by side with the seed's Go pool (wspool) in the same run: C callers looping
# acquire -> send -> read -> release against one Node `ws` echo server, then a table with ratios.
#
#   benchmarks/pool-vs-go.sh [CALLERS...]        default: 1 8 64
#   (also: benchmarks/run.sh pool-vs-go [CALLERS...])
#
# One echo server (wspool-go/echo/echo.js) pinned to ECHO_CPU for the whole run; for each C, in turn
# and pinned to DRIVER_CPU: the Go driver (wspool-go/driver, GOMAXPROCS=1), then the Java driver
# (EchoRoundTrips, one JVM per cell) in each of MODES: `borrow` (acquire, send, receive one, release)
# and `request` (pool.request). Every driver warms up (Go: 2 s, fixed in its code; Java: WARMUP_SECONDS,
# 10 s by default: on one core the JIT is still compiling the hot path after 2 s, and its CPU would be
# counted as the pool's), then measures SECONDS_PER_RUN. Client CPU is the driver process's utime + stime over the measured
# window (read from /proc at its start and end by the Java driver itself; for the Go driver, which exits as
# its window closes, sampled by this script every 0.2 s, the rate between the first and the last sample inside
# the window scaled to the window); echo CPU is the echo server's over the same window.
# Environment: SECONDS_PER_RUN (15), WARMUP_SECONDS (10), ROUNDS (1: the whole sweep that often, and the
# report keeps each cell's median), MODES ("borrow request"), ECHO_CPU (0), DRIVER_CPU (1), PORT (18090),
# WSPOOL_GO (../shared/peers/wspool-go beside the project), DRIVER_JVM_OPTS ("-Xms512m -Xmx512m"; add e.g.
# -XX:StartFlightRecording=... to profile), EVENT_LOOPS (0: Reactor Netty's default client loops, at least 4
# even on the one driver core; N: the pool's connections on N loops of their own), NO_BUILD=1 (use benchmarks/target/benchmarks.jar as it is), OUT_DIR.
# Needs: go (apt-get install golang-go golang-github-gorilla-websocket-dev), node and npm (ws@8), taskset.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
WSPOOL_GO="${WSPOOL_GO:-$(dirname "$ROOT")/shared/peers/wspool-go}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-15}"
WARMUP_SECONDS="${WARMUP_SECONDS:-10}"
ROUNDS="${ROUNDS:-1}"
MODES="${MODES:-borrow request}"
ECHO_CPU="${ECHO_CPU:-0}"
DRIVER_CPU="${DRIVER_CPU:-1}"
PORT="${PORT:-18090}"
DRIVER_JVM_OPTS="${DRIVER_JVM_OPTS:--Xms512m -Xmx512m}"
EVENT_LOOPS="${EVENT_LOOPS:-0}"
OUT_DIR="${OUT_DIR:-$HERE/target/pool-vs-go-$(date -u +%Y%m%dT%H%M%SZ)}"
GO_WARMUP_SECONDS=2 # the Go driver's, fixed in driver/main.go
CALLERS=("$@")
if [ "${#CALLERS[@]}" -eq 0 ]; then CALLERS=(1 8 64); fi

for tool in go node npm taskset; do
  command -v "$tool" > /dev/null || { echo "$tool is missing (see the header of $0)" >&2; exit 2; }
done
[ -d "$WSPOOL_GO/wspool" ] || { echo "no wspool peer at $WSPOOL_GO (set WSPOOL_GO)" >&2; exit 2; }
mkdir -p "$OUT_DIR"

if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "building benchmarks/target/benchmarks.jar"
  (cd "$ROOT" && mvn -B -q -pl benchmarks -am package -DskipTests)
fi
# Run from a copy, so that a rebuild during the run cannot change classes under running JVMs.
cp "$HERE/target/benchmarks.jar" "$OUT_DIR/benchmarks.jar"
JAR="$OUT_DIR/benchmarks.jar"

# The Go driver and the echo server, built as wspool-go/run.sh builds them: GOPATH mode with Debian's
# gorilla/websocket, and ws@8 from npm.
GO_WORK="$OUT_DIR/wspool-go"
mkdir -p "$GO_WORK/gopath/src/github.com/yinebebt"
cp -r "$WSPOOL_GO/wspool" "$GO_WORK/gopath/src/github.com/yinebebt/wspool"
cp -r "$WSPOOL_GO/driver" "$GO_WORK/gopath/src/driver"
(cd "$GO_WORK/gopath/src/driver" && GO111MODULE=off GOPATH="$GO_WORK/gopath:/usr/share/gocode" GOFLAGS= go build -o "$GO_WORK/driver" .)
cp -r "$WSPOOL_GO/echo" "$GO_WORK/echo"
(cd "$GO_WORK/echo" && npm install --no-audit --no-fund --silent > /dev/null)

PORT="$PORT" taskset -c "$ECHO_CPU" node "$GO_WORK/echo/echo.js" > "$OUT_DIR/echo.log" 2>&1 &
ECHO_PID=$!
trap 'kill "$ECHO_PID" 2> /dev/null || true' EXIT
listening=0
for _ in $(seq 1 100); do
  if (exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2> /dev/null; then listening=1; break; fi
  kill -0 "$ECHO_PID" 2> /dev/null || break
  sleep 0.1
done
[ "$listening" = 1 ] || { echo "the echo server did not listen on $PORT; see $OUT_DIR/echo.log" >&2; exit 1; }
URL="ws://127.0.0.1:$PORT/"

CLK_TCK="$(getconf CLK_TCK)"
ticks() { # utime + stime of PID in clock ticks (fields 14 and 15 of proc(5), counted after the command name); -1 if gone
  awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat" 2> /dev/null || echo -1
}

JSON="$OUT_DIR/results.jsonl"
: > "$JSON"
echo "run: $(date -u +%FT%TZ), commit $(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet HEAD -- reactive-wspool benchmarks || echo '+changes'),"\
  "callers ${CALLERS[*]}, modes $MODES, ${SECONDS_PER_RUN} s per cell after warm-up (Go ${GO_WARMUP_SECONDS} s, Java ${WARMUP_SECONDS} s),"\
  "$ROUNDS round(s), echo on core $ECHO_CPU, drivers on core $DRIVER_CPU, $(nproc --all) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT_DIR/run.txt"

now() { date +%s%N; }

run_go() { # run_go C: one Go driver run; its JSON line with the CPU fields added
  # The driver has no CPU figures and exits as its window closes, and sleeps overrun on a loaded machine:
  # sample its CPU and the echo server's every 0.2 s with timestamps, take the first and last samples
  # inside its window (0.1 s margins) and scale the CPU rate between them to the whole window.
  local c="$1" out="$OUT_DIR/go-$1.out" samples="$OUT_DIR/go-$1.samples" pid launch
  launch="$(now)"
  GOMAXPROCS=1 taskset -c "$DRIVER_CPU" "$GO_WORK/driver" -url "$URL" -c "$c" -seconds "$SECONDS_PER_RUN" > "$out" &
  pid=$!
  : > "$samples"
  while kill -0 "$pid" 2> /dev/null; do
    echo "$(now) $(ticks "$pid") $(ticks "$ECHO_PID")" >> "$samples"
    sleep 0.2
  done
  wait "$pid"
  local line
  line="$(grep '^{' "$out" | tail -1)"
  awk -v l="$line" -v launch="$launch" -v w="$GO_WARMUP_SECONDS" -v s="$SECONDS_PER_RUN" -v t="$CLK_TCK" '
    BEGIN { lo = launch + (w + 0.1) * 1e9; hi = launch + (w + s - 0.1) * 1e9 }
    $2 >= 0 && $3 >= 0 && $1 >= lo && $1 <= hi { if (!n++) { t0 = $1; c0 = $2; e0 = $3 } t1 = $1; c1 = $2; e1 = $3 }
    END {
      ok = n > 1 && (t1 - t0) >= 0.5 * s * 1e9; k = ok ? s * 1e9 / (t1 - t0) / t : 0
      sub(/}$/, "", l)
      printf "%s,\"mode\":\"borrow\",\"seconds\":%s,\"client_cpu_s\":%.3f,\"echo_cpu_s\":%.3f}\n", l, s, ok ? (c1 - c0) * k : -1, ok ? (e1 - e0) * k : -1
    }' "$samples"
}

run_java() { # run_java MODE C: one JVM, one JSON line
  # shellcheck disable=SC2086 # DRIVER_JVM_OPTS is a list of options
  taskset -c "$DRIVER_CPU" java $DRIVER_JVM_OPTS -jar "$JAR" echo-round-trips --url "$URL" --mode "$1" --callers "$2" \
    --seconds "$SECONDS_PER_RUN" --warmup-seconds "$WARMUP_SECONDS" --echo-pid "$ECHO_PID" --event-loops "$EVENT_LOOPS" \
    > "$OUT_DIR/java-$1-$2.out"
  grep '^{' "$OUT_DIR/java-$1-$2.out" | tail -1
}

for round in $(seq 1 "$ROUNDS"); do
  for c in "${CALLERS[@]}"; do
    run_go "$c" | tee -a "$JSON"
    for mode in $MODES; do
      run_java "$mode" "$c" | tee -a "$JSON"
    done
  done
done

echo
echo "== WsClientPool vs wspool (Go): $(cat "$OUT_DIR/run.txt")" | tee "$OUT_DIR/report.txt"
java -jar "$JAR" pool-vs-go-report "$JSON" | tee -a "$OUT_DIR/report.txt"
echo "raw lines: $JSON"
