#!/usr/bin/env bash
# Soak test: the packaged standalone server in its own process under connection churn, topic
# broadcasts and client-pool request traffic for a while (default 10 minutes), then a report:
# connections served, messages delivered and lost, errors, server heap after a full GC and RSS at
# start and end. Exits non-zero when a message was lost, an error occurred, or the heap after a
# full GC grew by more than the bound (--heap-growth-mib, default 32).
#
#   scripts/soak.sh [duration] [driver flags]      duration: 600, 600s, 10m, 1h
#   scripts/soak.sh 30m --subscribers=64 --requesters=16 --heap-growth-mib=32
#
# SOAK_SKIP_BUILD=1 reuses what the last build left in samples/standalone-server/target.
# The CI runs the same driver for 60 s (samples/standalone-server SoakIT).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-10m}"
[ $# -gt 0 ] && shift

if [ "${SOAK_SKIP_BUILD:-0}" != "1" ]; then
  echo "soak.sh: building the standalone server and the soak driver (mvn package, tests skipped)"
  mvn -B -q -ntp -pl samples/standalone-server -am -DskipTests package
fi

# Churn opens and closes thousands of sockets over a run.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# The shaded server jar carries the library and its dependencies; the driver is in the test classes.
exec java -cp samples/standalone-server/target/test-classes:samples/standalone-server/target/standalone-server.jar \
  io.reactivewspool.samples.standalone.soak.SoakDriver --duration="$duration" "$@"
