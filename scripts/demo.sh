#!/usr/bin/env bash
# The README's "run the demo": builds the chat sample (Spring Boot, in-process broker) and starts
# it on http://localhost:${PORT:-8080}/. Stop it with Ctrl-C (it closes every client with 1001).
#   PORT=9090 ADMIN_TOKEN=secret ./scripts/demo.sh
#   REDIS_URI=redis://127.0.0.1:6379 ./scripts/demo.sh    # share rooms between instances
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8080}"
ADMIN_TOKEN="${ADMIN_TOKEN:-demo-admin-token}"

if [ ! -f samples/chat/target/chat.jar ] || [ -n "$(find reactive-wspool reactive-wspool-spring samples/chat -newer samples/chat/target/chat.jar -type f -not -path '*/target/*' 2>/dev/null | head -1)" ]; then
  echo "demo.sh: building the chat sample (first run downloads dependencies)…"
  mvn -B -q -ntp -DskipTests -pl samples/chat -am package
fi

args=(--server.port="$PORT" --wspool.admin.token="$ADMIN_TOKEN" --chat.users.alice=alice-token --chat.users.bob=bob-token)
if [ -n "${REDIS_URI:-}" ]; then
  args+=(--wspool.broker.redis.uri="$REDIS_URI")
fi

cat <<MSG

  reactive-wspool chat demo
  ─────────────────────────
  Chat:       http://localhost:${PORT}/            (pick any name, or sign in with token alice-token / bob-token)
  Dashboard:  http://localhost:${PORT}/api/admin/websockets/dashboard/  (admin token: ${ADMIN_TOKEN})
  Protocol:   ws://localhost:${PORT}/ws            (docs/PROTOCOL.md)

MSG
exec java -jar samples/chat/target/chat.jar "${args[@]}"
