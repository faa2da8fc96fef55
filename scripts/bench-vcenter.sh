#!/usr/bin/env bash
# Times VM operations on a vcenter host: a release build of the service on SQLite, govmomi's simulator
# (scripts/vcsim-setup.sh), and scripts/bench-vcenter.py through the API.
# Usage: [BENCH_BUILD=debug] scripts/bench-vcenter.sh [count]   (default 20 VMs)
# SOAP calls per operation are counted by the driver's tests: swift test --filter callsPerOperation
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-20}
eval "$(scripts/vcsim-setup.sh)"
[[ -n ${VIRTUALSTACK_VCSIM_URL:-} ]] || { echo "bench-vcenter: the simulator is not available" >&2; exit 1; }
# BENCH_BUILD=debug times the debug build instead (no second build of every package; slower per request).
if [[ ${BENCH_BUILD:-release} == debug ]]; then
    swift build --product virtualstack >/dev/null
    binary=$(swift build --show-bin-path)/virtualstack
else
    swift build -c release --product virtualstack --scratch-path .build-release >/dev/null
    binary=$(swift build -c release --scratch-path .build-release --show-bin-path)/virtualstack
fi
workdir=$(mktemp -d /tmp/virtualstack-bench-vcenter.XXXXXX)
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
trap '[[ -n "${server:-}" ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$workdir"' EXIT
export VIRTUALSTACK_DATABASE_URL="sqlite://$workdir/bench.sqlite" VIRTUALSTACK_LOG_LEVEL=error
export VIRTUALSTACK_SECRET_KEY=$(openssl rand -hex 32)
"$binary" bootstrap --email bench@example.com --password bench-password >/dev/null
VIRTUALSTACK_PORT=$port "$binary" serve >"$workdir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done

json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
api() { curl -sS --fail-with-body -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
token=$(curl -sS -d 'username=bench@example.com&password=bench-password' "$base/api/v1/auth/token" | json '["access_token"]')
tenant=$(api "$base/api/v1/tenants" | json '[0]["id"]')
for host in $(api "$base/api/v1/hosts" | python3 -c 'import json, sys; print(" ".join(h["id"] for h in json.load(sys.stdin)))'); do
    api -X PATCH -d '{"enabled": false}' "$base/api/v1/hosts/$host" >/dev/null
done
python3 - "$base" "$token" <<PY >/dev/null
import json, sys, urllib.request
body = {"name": "vcsim", "driver": "vcenter", "uri": "$VIRTUALSTACK_VCSIM_URL", "username": "$VIRTUALSTACK_VCSIM_USERNAME",
        "password": "$VIRTUALSTACK_VCSIM_PASSWORD", "ca_pem": open("$VIRTUALSTACK_VCSIM_CA").read()}
request = urllib.request.Request(sys.argv[1] + "/api/v1/hosts", json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer " + sys.argv[2], "Content-Type": "application/json"})
urllib.request.urlopen(request)
PY
template=$(api -d "{\"name\": \"vSphere bench\", \"cpu\": 1, \"memory_gb\": 1, \"disk_gb\": 10, \"images\": {\"vcenter\": \"$VIRTUALSTACK_VCSIM_TEMPLATE\"}}" \
    "$base/api/v1/vm-templates" | json '["id"]')
python3 scripts/bench-vcenter.py "$base" "$token" "$tenant" "$template" "$count"
