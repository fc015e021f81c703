#!/usr/bin/env bash
# Runs a benchmark scenario from the shaded jar: benchmarks/run.sh client-pool [options]
#   client-pool            loopback request/reply comparison, then the acquire+release JMH benchmark
#   client-pool-loopback   only the loopback comparison (--callers 1,4,16,64,256 --pool-sizes 1,8,32
#                          --warmup-ms 2000 --measure-ms 5000)
#   client-pool-jmh        only the acquire+release JMH benchmark
#   codec                  JMH: WsCodec.json() encode/decode against plain Jackson 3, with -prof gc
#   broadcast              JMH: in-process broadcast to 100/1000 connections, encode once against
#                          encode per recipient through the same hub, with -prof gc
#   jmh                    codec, broadcast and client-pool-jmh in a row
#   pool-vs-go [CALLERS…]  WsClientPool (borrow and request) against the seed's Go pool, same Node echo
#                          server, same run (benchmarks/pool-vs-go.sh; default callers 1 8 64)
#   smoke | quick | full [server…]
#                          the loopback fan-out suite (benchmarks/fanout.sh): bare Netty ceiling,
#                          hand-written Reactor floor and the library's standalone server, same run
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-client-pool}"
shift || true
case "$scenario" in
  smoke|quick|full) exec benchmarks/fanout.sh "$scenario" "$@" ;;
  pool-vs-go) exec benchmarks/pool-vs-go.sh "$@" ;;
esac
mvn -B -q -pl benchmarks -am package -DskipTests
# connect-per-request opens thousands of sockets
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec java -Xms1g -Xmx1g -jar benchmarks/target/benchmarks.jar "$scenario" "$@"
