#!/usr/bin/env bash
# Runs the graphql-http audit suite (GraphQL-over-HTTP spec conformance) against the real
# service: installs the pinned npm packages from package-lock.json, then starts the service
# on a free port with a fresh SQLite database (or DATABASE_URL) and audits it. Exits non-zero
# if any MUST or SHOULD audit fails. Needs node, npm and cargo.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --silent
exec ../scripts/with-server.sh node audit.mjs
