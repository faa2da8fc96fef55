#!/usr/bin/env bash
# Measures the web console's first page load in headless Chromium (scripts/bench-console.py) on a
# throwaway server (scripts/bench-server.sh). Needs chromium, chromium-driver and selenium
# (scripts/install-dependencies.sh).
# Usage: [BENCH_BUILD=debug] scripts/bench-console.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/bench-server.sh sh -c 'python3 scripts/bench-console.py "$VS_BASE_URL" "$@"' bench-console "$@"
