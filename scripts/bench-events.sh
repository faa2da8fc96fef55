#!/usr/bin/env bash
# Measures event delivery of GET /events (scripts/bench-events.py) on a throwaway server (scripts/bench-server.sh).
# Usage: [BENCH_BUILD=debug] [BENCH_DATABASE=postgres] scripts/bench-events.sh [streams] [changes] [writers]
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/bench-server.sh sh -c 'python3 scripts/bench-events.py "$VS_BASE_URL" "$VS_TOKEN" "$VS_TENANT_ID" "$@"' bench-events "$@"
