#!/usr/bin/env bash
# Runs a benchmark scenario from the shaded jar: benchmarks/run.sh client-pool [options]
#   client-pool            loopback request/reply comparison, then the acquire+release JMH benchmark
#   client-pool-loopback   only the loopback comparison (--callers 1,16,256 --warmup-ms 2000 --measure-ms 5000)
#   client-pool-jmh        only the JMH benchmark
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-client-pool}"
shift || true
mvn -B -q -pl benchmarks -am package -DskipTests
# connect-per-request opens thousands of sockets
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec java -Xms1g -Xmx1g -jar benchmarks/target/benchmarks.jar "$scenario" "$@"
