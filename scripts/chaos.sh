#!/usr/bin/env bash
# Chaos campaign (docs/RELIABILITY.md, "Chaos campaign"): three standalone-server hubs (both engines)
# sharing one redis-server with history on, publishers and WsTopicClient subscribers on overlapping
# topics, every connection through a proxy the campaign controls. Seeded faults (SIGKILL and SIGTERM
# of hubs, Redis restarts, frozen / reset / delayed paths, a subscriber that stops reading), then a
# checker: every acknowledged publish reached every subscriber of its topic exactly once and in
# order, or a gap told it; nothing received that was not published; hub memory bounded; every
# subscriber subscribed again at the end. Prints a summary; exits non-zero on any violation.
#
#   scripts/chaos.sh [DURATION] [SEED]        DURATION: 60, 60s, 10m, 1h (default 60s); SEED: default random
#   scripts/chaos.sh 30m 20261206
#
# The same seed draws the same fault schedule (times, kinds, targets). CHAOS_SKIP_BUILD=1 reuses the
# jars of the last build (scripts/test.sh does, after `mvn verify`); CHAOS_JARS=DIR takes benchmarks.jar and
# standalone-server.jar from DIR instead (a long run that a rebuild must not change). Logs:
# benchmarks/target/chaos-SEED/.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-60s}"
seed="${2:-$(( (RANDOM << 15 | RANDOM) ))}"
dir="benchmarks/target/chaos-$seed"

if [ "${CHAOS_SKIP_BUILD:-0}" != "1" ]; then
  echo "chaos.sh: building the standalone server and the campaign (mvn package, tests skipped)"
  mvn -B -q -ntp -pl benchmarks -am -DskipTests package
fi
command -v redis-server >/dev/null 2>&1 || { echo "chaos.sh: redis-server is not installed (scripts/test.sh installs it)"; exit 2; }

rm -rf "$dir"
mkdir -p "$dir"
# Whatever happens to the campaign's JVM (even SIGKILL), no hub or redis-server outlives this script.
cleanup() {
  if [ -f "$dir/pids" ]; then
    while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$dir/pids"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
bench_jar="${CHAOS_JARS:-benchmarks/target}/benchmarks.jar"
server_jar="${CHAOS_JARS:-samples/standalone-server/target}/standalone-server.jar"
java -Xmx512m -Dlogback.configurationFile=chaos-logback.xml -Dchaos.dir="$dir" -jar "$bench_jar" chaos "$duration" "$seed" \
  --server-jar="$server_jar" --dir="$dir"
