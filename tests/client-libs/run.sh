#!/usr/bin/env bash
# The client-library check: installs the pinned packages (package-lock.json), compiles the
# Relay documents in src/ against ../../api/schema.graphql with relay-compiler (failing on
# any fragment or operation that does not fit it), type-checks and builds the tests, then
# runs them against the real service (../scripts/with-server.sh: fresh SQLite database, or
# DATABASE_URL if set; SERVER_BIN picks the binary).
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error

rm -rf src/__generated__ dist
mkdir -p src/__generated__
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! node_modules/.bin/relay-compiler --noWatchman >"$log" 2>&1; then
  cat "$log" >&2
  echo "client-libs: relay-compiler failed (a document does not match api/schema.graphql?)" >&2
  exit 1
fi
node_modules/.bin/tsc -p tsconfig.json

# Every wait in the tests is bounded (10 s); --test-timeout is the backstop per test.
../scripts/with-server.sh node --test --test-concurrency=1 --test-timeout=60000 --test-reporter=spec dist/*.test.js
