#!/usr/bin/env bash
# The project's one test command (README "Run the tests"; .ci/run calls exactly this).
# On a fresh Debian machine with only Java and Maven it first installs what the suites need
# (redis-server for the broker tests, chromium and chromium-driver for the browser test),
# then runs every unit test (Surefire) and every *IT test on real loopback sockets (Failsafe), and
# then a 60-second chaos campaign with a fixed seed on the jars that build made (scripts/chaos.sh;
# CHAOS_DURATION=0 skips it, CHAOS_SEED / CHAOS_DURATION choose another run, CHAOS_TIMEOUT bounds it).
# Every stage is bounded (Surefire/Failsafe fork timeouts, `timeout` here), so a hang fails the run
# with a message instead of running into CI's limit.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || need+=(chromium chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]} (apt-get)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---- JavaScript client (clients/js, docs/CLIENT-JS.md): node and npm for its tests ----
# Debian's nodejs (18 on bookworm) has no global WebSocket: the tests use the `ws` package from npm ci.
js_need=()
command -v node >/dev/null 2>&1 || js_need+=(nodejs)
command -v npm >/dev/null 2>&1 || js_need+=(npm)
if [ ${#js_need[@]} -gt 0 ]; then
  echo "test.sh: installing ${js_need[*]} (apt-get)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${js_need[@]}" >/dev/null
fi
# ---- end JavaScript client ----

# Load tests open thousands of sockets; the hard limit here is 20,000.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# -Pimage: also build the standalone server's container image (no Docker daemon needed), which
# ContainerImageIT runs from its extracted layers (docs/DEPLOYMENT.md).
mvn -B -ntp verify -Pimage "$@"

# ---- JavaScript client (clients/js): against the standalone server jar mvn verify just built ----
# Bounded: a hang here fails the run with a message instead of eating CI's budget.
(cd clients/js && npm ci --no-audit --no-fund && timeout -k 20s 10m npm test) \
  || { rc=$?; [ "$rc" -eq 124 ] && echo "test.sh: the JavaScript client tests did not finish within 10 minutes" >&2; exit "$rc"; }
# ---- end JavaScript client ----

# ---- chaos campaign (docs/RELIABILITY.md, "Chaos campaign"): 60 s, seeded, against the jars just built ----
chaos_duration="${CHAOS_DURATION:-60s}"
if [ "$chaos_duration" != "0" ]; then
  # Bounded like the JavaScript tests (CHAOS_TIMEOUT, for longer campaigns): its final checks wait on hubs.
  CHAOS_SKIP_BUILD=1 timeout -k 30s "${CHAOS_TIMEOUT:-10m}" scripts/chaos.sh "$chaos_duration" "${CHAOS_SEED:-2406}" \
    || { rc=$?; [ "$rc" -eq 124 ] && echo "test.sh: the chaos campaign did not finish within ${CHAOS_TIMEOUT:-10m}" >&2; exit "$rc"; }
fi
# ---- end chaos campaign ----
