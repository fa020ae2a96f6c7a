#!/usr/bin/env bash
# Runs a command with a PgBouncer of its own in transaction mode in front of the PostgreSQL
# server named by TEST_DATABASE_URL: writes the configuration into a temporary folder, starts
# PgBouncer on a free port, runs the command with TEST_POOLER_URL set (the same URL, with the
# pooler's port), then stops PgBouncer and removes the folder. Exits with the command's status.
#
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
#     tests/scripts/with-pgbouncer.sh cargo test -p tests -- --ignored
#
# Installs Debian's pgbouncer package when the binary is missing. The settings are the ones
# the README's "Running several replicas" asks of a production pooler:
# - pool_mode = transaction: a server connection belongs to a client for one transaction only;
# - ignore_startup_parameters = extra_float_digits: sqlx sends it at connect, 1.18 refuses it;
# - connect_query sets statement_timeout on every server connection, since a pooled client
#   cannot (the service sends no session state in pooler mode).
# POOLER_POOL_SIZE: server connections per database and user (default 8).
set -euo pipefail

: "${TEST_DATABASE_URL:?TEST_DATABASE_URL must name the PostgreSQL server to pool}"

if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "pgbouncer is missing; installing Debian's package" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
fi
PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"

# host and port of the server, from postgres://user@host:port/db?...
authority="${TEST_DATABASE_URL#*://}"
authority="${authority%%/*}"
user="postgres"
if [[ "$authority" == *@* ]]; then
  user="${authority%%@*}"
  user="${user%%:*}"
  authority="${authority#*@}"
fi
pg_host="${authority%%:*}"
pg_port="5432"
[[ "$authority" == *:* ]] && pg_port="${authority##*:}"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
scratch="$(mktemp -d)"
cat >"$scratch/pgbouncer.ini" <<EOF
[databases]
* = host=$pg_host port=$pg_port connect_query='SET statement_timeout = 30000'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $scratch/users.txt
pool_mode = transaction
default_pool_size = ${POOLER_POOL_SIZE:-8}
max_client_conn = 2000
ignore_startup_parameters = extra_float_digits
logfile = $scratch/pgbouncer.log
admin_users = $user
EOF
printf '"%s" ""\n' "$user" >"$scratch/users.txt"

# PgBouncer refuses to run as root; -u drops to the postgres account.
run_as=()
if [ "$(id -u)" = 0 ]; then
  chown -R postgres "$scratch"
  run_as=(-u postgres)
fi
"$PGBOUNCER" "${run_as[@]}" "$scratch/pgbouncer.ini" >/dev/null 2>&1 &
pooler_pid=$!

stop() {
  kill "$pooler_pid" 2>/dev/null || true
  wait "$pooler_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap stop EXIT

for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "FATAL: PgBouncer did not start on 127.0.0.1:$port; its log:" >&2
  cat "$scratch/pgbouncer.log" >&2 || true
  exit 1
fi

export TEST_POOLER_URL="${TEST_DATABASE_URL/$pg_host:$pg_port/127.0.0.1:$port}"
if [ "$TEST_POOLER_URL" = "$TEST_DATABASE_URL" ]; then
  # The URL had no explicit port.
  TEST_POOLER_URL="${TEST_DATABASE_URL/@$pg_host/@127.0.0.1:$port}"
fi
echo "PgBouncer $("$PGBOUNCER" --version | head -1 | awk '{print $2}') in transaction mode on 127.0.0.1:$port in front of $pg_host:$pg_port" >&2
status=0
"$@" || status=$?
if [ "$status" != 0 ]; then
  echo "PgBouncer's log:" >&2
  tail -n 50 "$scratch/pgbouncer.log" >&2 || true
fi
exit "$status"
