#!/usr/bin/env bash
# The generated-client check: installs the pinned packages, generates typed documents from
# ../../api/schema.graphql (failing on any operation that does not validate against it),
# type-checks the tests with the generated types, then runs them against the real service
# (../scripts/with-server.sh: fresh SQLite database, or DATABASE_URL if set), twice: with
# access control off, then on (AUTH_JWT_SECRET, every request sending an admin token minted
# by `customers-todos token`, plus auth.test for what the other roles and no token get).
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

tests=()
for file in dist/*.test.js; do
  [ "$file" = dist/auth.test.js ] || tests+=("$file")
done

echo "client-ts: access control off"
env -u AUTH_JWT_SECRET -u AUTH_TOKEN \
  ../scripts/with-server.sh node --test --test-concurrency=1 --test-reporter=spec "${tests[@]}"

echo "client-ts: access control on (HS256, admin token; auth.test for the other roles)"
# A secret for this run only; the token command and the service both read it.
AUTH_JWT_SECRET="client-ts-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
export AUTH_JWT_SECRET
../scripts/with-server.sh bash -c '
  AUTH_TOKEN="$("$SERVER_BIN" token --role admin --sub client-ts-admin)" || exit 1
  export AUTH_TOKEN
  exec node --test --test-concurrency=1 --test-reporter=spec "$@"
' client-ts "${tests[@]}" dist/auth.test.js
