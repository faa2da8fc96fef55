#!/usr/bin/env bash
# The test command: installs dependencies, starts a throwaway PostgreSQL, runs every test against
# SQLite and PostgreSQL, then schemathesis against a live server on both (scripts/schemathesis.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
# Build once: the OpenAPI plugin makes `swift build` and `swift test` rebuild each other otherwise.
swift build --build-tests
scripts/with-postgres.sh swift test --skip-build "$@"
# The API document against the running service, unless only some tests were asked for.
if (($# == 0)); then
    exec scripts/with-postgres.sh scripts/schemathesis.sh
fi
