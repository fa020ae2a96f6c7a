#!/usr/bin/env bash
# Runs a command against the real service binary: starts it on a port of its own (it binds
# port 0 and logs the address it got, so no other process can take the port in between),
# waits for /health, runs the command with BASE_URL, GRAPHQL_URL, GRAPHQL_WS_URL and
# SERVER_PID set, then stops the service and exits with the command's status.
#
#   tests/scripts/with-server.sh node audit.mjs
#
# SERVER_BIN: the binary (default: built with `cargo build -p api` into the target dir).
# DATABASE_URL: the database (default: a fresh SQLite file in a temporary folder).
# Every other setting (AUTH_JWT_SECRET, say) passes through the environment to the service.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

if [ -z "${SERVER_BIN:-}" ]; then
  cargo build --quiet -p api --bin customers-todos --manifest-path "$root/Cargo.toml"
  target_dir="${CARGO_TARGET_DIR:-$root/target}"
  SERVER_BIN="$target_dir/debug/customers-todos"
fi
# The command may run the binary too (e.g. `"$SERVER_BIN" token` to mint a token).
export SERVER_BIN

scratch="$(mktemp -d)"
export DATABASE_URL="${DATABASE_URL:-sqlite://$scratch/service.db?mode=rwc}"

PORT=0 HOST=127.0.0.1 LOG_FORMAT=json RUST_LOG="${RUST_LOG:-warn},api::server=info" \
  "$SERVER_BIN" >"$scratch/server.log" 2>&1 &
server_pid=$!
stop() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap stop EXIT

# The port the service bound, from its "listening" log line.
port=""
for _ in $(seq 1 300); do
  port="$(python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        event = json.loads(line)
    except ValueError:
        continue
    if event.get("message") == "listening":
        print(event["addr"].rsplit(":", 1)[1])
        break
' "$scratch/server.log")"
  if [ -n "$port" ]; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the service exited during start-up:" >&2
    cat "$scratch/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "the service did not start listening within 30 s:" >&2
  cat "$scratch/server.log" >&2
  exit 1
fi

export BASE_URL="http://127.0.0.1:$port"
# For a command that reads the service's own figures (/proc/$SERVER_PID/status, say).
export SERVER_PID="$server_pid"
export GRAPHQL_URL="$BASE_URL/graphql"
export GRAPHQL_WS_URL="ws://127.0.0.1:$port/graphql/ws"
for _ in $(seq 1 300); do
  if curl -fsS "$BASE_URL/health" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the service exited during start-up:" >&2
    cat "$scratch/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
curl -fsS "$BASE_URL/health" >/dev/null || {
  echo "the service did not answer /health within 30 s:" >&2
  cat "$scratch/server.log" >&2
  exit 1
}

status=0
"$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- service log ---" >&2
  tail -n 50 "$scratch/server.log" >&2
fi
exit "$status"
