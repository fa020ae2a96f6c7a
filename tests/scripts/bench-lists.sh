#!/usr/bin/env bash
# Scale benchmark of the REST full lists (issue 11, item 3): how long `GET /api/v1/todos`
# takes per row and how much memory the service holds, with 2,000 and with 200,000 todos.
# Prints a table; asserts nothing (a benchmark, never a timed test).
#
#   tests/scripts/bench-lists.sh            # PostgreSQL at 127.0.0.1:5432, user postgres
#
# Builds the release binary, creates a scratch database (dropped afterwards), runs the service
# on it with tests/scripts/with-server.sh, fills `todos` with plain SQL, and times five GETs of
# the whole list at each size (the best is reported). Bounded: seconds after the build.
# BENCH_PG: the server's URL without a database (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail

pg="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
scripts="$(cd "$(dirname "$0")" && pwd)"

if [ "${1:-}" != measure ]; then
  cargo build --release -q -p api --bin customers-todos --manifest-path "$scripts/../../Cargo.toml"
  db="bench_lists_$$"
  psql -qX "$pg/postgres" -c "CREATE DATABASE $db"
  trap 'psql -qX "$pg/postgres" -c "DROP DATABASE IF EXISTS $db"' EXIT
  export BENCH_DB="$pg/$db"
  SERVER_BIN="${CARGO_TARGET_DIR:-$scripts/../../target}/release/customers-todos" \
    DATABASE_URL="$BENCH_DB" RUST_LOG=error "$scripts/with-server.sh" "$0" measure
  exit
fi

# Below: run by with-server.sh, with BASE_URL and SERVER_PID set.
fill() { # fill FROM TO: adds todos FROM..TO
  psql -qX "$BENCH_DB" -c "INSERT INTO todos (task, status)
    SELECT 'Todo number ' || g || ' of the scale run', 'Pending' FROM generate_series($1, $2) g"
}
measure() { # prints: rows bytes best_ms us_per_row peak_rss_mib
  python3 - "$BASE_URL" "$1" "$SERVER_PID" <<'PY'
import sys, time, urllib.request
base, rows, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
best, size = float("inf"), 0
for _ in range(5):
    start = time.perf_counter()
    size = len(urllib.request.urlopen(f"{base}/api/v1/todos").read())
    best = min(best, time.perf_counter() - start)
hwm = next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM"))
print(f"{rows:>9,} {size:>12,} {best * 1000:>9.1f} {best * 1e6 / rows:>9.2f} {hwm / 1024:>9.1f}")
PY
}

start_rss="$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER_PID/status")"
echo "GET /api/v1/todos, best of 5; peak RSS of the service since start-up ($start_rss MiB at start)"
printf '%9s %12s %9s %9s %9s\n' rows bytes ms "µs/row" "RSS MiB"
fill 1 2000
small="$(measure 2000)"; echo "$small"
fill 2001 200000
large="$(measure 200000)"; echo "$large"
awk -v a="$(echo "$small" | awk '{print $4}')" -v b="$(echo "$large" | awk '{print $4}')" \
  'BEGIN { printf "per-row cost at 200,000 rows: %.2fx that at 2,000\n", b / a }'
