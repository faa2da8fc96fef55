#!/usr/bin/env bash
# The test command: installs dependencies, starts a throwaway PostgreSQL, and runs every test
# against SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
# Build once: the OpenAPI plugin makes `swift build` and `swift test` rebuild each other otherwise.
swift build --build-tests
exec scripts/with-postgres.sh swift test --skip-build "$@"
