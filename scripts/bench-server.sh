#!/usr/bin/env bash
# Starts a throwaway `virtualstack serve` for a benchmark and runs COMMAND against it with VS_BASE_URL,
# VS_TOKEN (a superuser's access token) and VS_TENANT_ID (its `Default` tenant) in the environment. SQLite,
# or PostgreSQL under scripts/with-postgres.sh with BENCH_DATABASE=postgres; the simulated driver.
# Usage: [BENCH_BUILD=debug] [BENCH_DATABASE=postgres] scripts/bench-server.sh COMMAND [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
# BENCH_BUILD=debug times the debug build instead (no second build of every package; slower per request).
if [[ ${BENCH_BUILD:-release} == debug ]]; then
    swift build --product virtualstack >/dev/null
    binary=$(swift build --show-bin-path)/virtualstack
else
    swift build -c release --product virtualstack --scratch-path .build-release >/dev/null
    binary=$(swift build -c release --scratch-path .build-release --show-bin-path)/virtualstack
fi
workdir=$(mktemp -d /tmp/virtualstack-bench.XXXXXX)
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
trap '[[ -n "${server:-}" ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$workdir"' EXIT
if [[ ${BENCH_DATABASE:-sqlite} == postgres ]]; then
    [[ -n ${VIRTUALSTACK_TEST_POSTGRES_URL:-} ]] || { echo "bench-server: run under scripts/with-postgres.sh" >&2; exit 1; }
    database=bench_$$
    psql "$VIRTUALSTACK_TEST_POSTGRES_URL" -qc "CREATE DATABASE $database" >/dev/null
    export VIRTUALSTACK_DATABASE_URL="${VIRTUALSTACK_TEST_POSTGRES_URL%/*}/$database"
else
    export VIRTUALSTACK_DATABASE_URL="sqlite://$workdir/bench.sqlite"
fi
export VIRTUALSTACK_LOG_LEVEL=error VIRTUALSTACK_SIMULATED_DELAY_MS=${VIRTUALSTACK_SIMULATED_DELAY_MS:-0}
"$binary" bootstrap --email bench@example.com --password bench-password >/dev/null
VIRTUALSTACK_PORT=$port "$binary" serve >"$workdir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done
json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
token=$(curl -sS -d 'username=bench@example.com&password=bench-password' "$base/api/v1/auth/token" | json '["access_token"]')
tenant=$(curl -sS -H "Authorization: Bearer $token" "$base/api/v1/tenants" | json '[0]["id"]')
VS_BASE_URL=$base VS_TOKEN=$token VS_TENANT_ID=$tenant "$@"
