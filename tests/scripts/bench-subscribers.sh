#!/usr/bin/env bash
# Subscriptions at scale (issue 11, item 4): SUBSCRIBERS graphql-transport-ws subscribers
# (default 5000) on one process of the service while customers are created at WRITES_PER_SEC
# (default 200) for SECONDS (default 20). Prints whether every subscriber got every event, the
# delivery latency and the memory per idle subscriber; asserts nothing (a benchmark).
#
#   tests/scripts/bench-subscribers.sh      # PostgreSQL at 127.0.0.1:5432, user postgres
#
# Builds the release binary and the load generator (tests/bench/subscribers.rs), creates a
# scratch database (dropped afterwards), runs the service on it with with-server.sh, and runs
# the generator against it on loopback. Bounded: about a minute after the build.
# BENCH_PG: the server's URL without a database (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail

pg="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
scripts="$(cd "$(dirname "$0")" && pwd)"
manifest="$scripts/../../Cargo.toml"
target="${CARGO_TARGET_DIR:-$scripts/../../target}"

cargo build --release -q -p api --bin customers-todos --manifest-path "$manifest"
cargo build --release -q -p tests --example subscribers --manifest-path "$manifest"
# Each subscriber is a socket on both sides.
ulimit -n "$(ulimit -Hn)"

db="bench_subscribers_$$"
psql -qX "$pg/postgres" -c "CREATE DATABASE $db"
trap 'psql -qX "$pg/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
SERVER_BIN="$target/release/customers-todos" DATABASE_URL="$pg/$db" RUST_LOG=error \
  "$scripts/with-server.sh" "$target/release/examples/subscribers"
