#!/usr/bin/env bash
# The generated-client check: installs the pinned packages, generates typed documents from
# ../../api/schema.graphql (failing on any operation that does not validate against it),
# type-checks the tests with the generated types, then runs them against the real service
# (../scripts/with-server.sh: fresh SQLite database, or DATABASE_URL if set).
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error

rm -rf src/gql dist
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! node_modules/.bin/graphql-codegen --config codegen.ts >"$log" 2>&1; then
  cat "$log" >&2
  echo "client-ts: codegen failed (an operation does not match api/schema.graphql?)" >&2
  exit 1
fi
node_modules/.bin/tsc -p tsconfig.json

../scripts/with-server.sh node --test --test-concurrency=1 --test-reporter=spec dist/*.test.js
