#!/usr/bin/env bash
# Runs schemathesis (every check) against a live `virtualstack serve`: on SQLite, then on PostgreSQL
# when VIRTUALSTACK_TEST_POSTGRES_URL is set (scripts/with-postgres.sh sets it). Fails on any finding.
# Needs the debug build (`swift build`). Settings: scripts/schemathesis.toml.
# Usage: scripts/schemathesis.sh [extra `st run` options, e.g. --max-examples 5]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/debug/virtualstack
[[ -x $binary ]] || { echo "schemathesis: $binary is missing; run swift build first" >&2; exit 1; }
command -v st >/dev/null || { echo "schemathesis: 'st' is missing; run scripts/install-dependencies.sh" >&2; exit 1; }

admin_email=schemathesis-admin@example.com
admin_password=schemathesis-password
workdir=$(mktemp -d /tmp/virtualstack-st.XXXXXX)
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$workdir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# curl_json METHOD PATH [BODY]: the response body; fails unless the status is 2xx.
curl_json() {
    curl -sS --fail-with-body -X "$1" "$base/api/v1$2" -H "Content-Type: application/json" \
        ${token:+-H "Authorization: Bearer $token"} ${tenant:+-H "X-Tenant-ID: $tenant"} ${3:+--data "$3"}
}
field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

run_against() {
    local engine=$1 database_url=$2 port
    shift 2
    port=$(free_port)
    base=http://127.0.0.1:$port
    echo "schemathesis: $engine on port $port" >&2
    # Login throttling would answer 429 to the many failed logins schemathesis sends; it has tests of its own.
    VIRTUALSTACK_DATABASE_URL=$database_url VIRTUALSTACK_PORT=$port VIRTUALSTACK_HOST=127.0.0.1 \
        VIRTUALSTACK_ADMIN_EMAIL=$admin_email VIRTUALSTACK_ADMIN_PASSWORD=$admin_password \
        VIRTUALSTACK_BCRYPT_COST=10 VIRTUALSTACK_LOG_LEVEL=error \
        VIRTUALSTACK_LOGIN_MAX_FAILURES=1000 VIRTUALSTACK_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 \
        "$binary" serve >"$workdir/$engine.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        curl -sf "$base/health" >/dev/null 2>&1 && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$workdir/$engine.log" >&2; return 1; }
        sleep 0.1
    done

    token= tenant=
    token=$(curl_json POST /auth/token "{\"username\":\"$admin_email\",\"password\":\"$admin_password\"}" | field '["access_token"]')
    tenant=$(curl_json GET /tenants | field '[0]["id"]')
    export VS_TOKEN=$token VS_TENANT_ID=$tenant
    # Records for the lists and the stateful phase to find (schemathesis reuses ids it has seen).
    export VS_SCRATCH_TENANT_ID=$(curl_json POST /tenants '{"name":"Scratch","description":"for schemathesis"}' | field '["id"]')
    export VS_ROLE_ID=$(curl_json POST /roles '{"name":"Auditors","description":"reads users","permission_ids":["user:read"]}' | field '["id"]')
    export VS_USER_ID=$(curl_json POST /users "{\"email\":\"member@example.com\",\"password\":\"member-password\",\"first_name\":\"Mem\",\"last_name\":\"Ber\",\"role_ids\":[\"$VS_ROLE_ID\"]}" | field '["id"]')
    export VS_INVITATION_ID=$(curl_json POST /invitations "{\"email\":\"invitee@example.com\",\"role_id\":\"$VS_ROLE_ID\"}" | field '["id"]')
    export VS_API_KEY_ID=$(curl_json POST /api-keys '{"name":"seeded"}' | field '["id"]')
    export VS_TEMPLATE_ID=$(curl_json GET /vm-templates | field '[0]["id"]')
    export VS_VM_ID=$(curl_json POST /vms "{\"name\":\"seeded\",\"template_id\":\"$VS_TEMPLATE_ID\"}" | field '["id"]')

    local status=0
    st --config-file scripts/schemathesis.toml run Sources/APIContract/openapi.yaml \
        --url "$base/api/v1" --checks all --report junit --report-dir "$workdir/report-$engine" "$@" || status=$?
    kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
    server_pid=
    if ((status != 0)); then
        echo "schemathesis: findings on $engine (server log: last lines below)" >&2
        tail -n 20 "$workdir/$engine.log" >&2
        return "$status"
    fi
}

run_against sqlite "sqlite://$workdir/schemathesis.sqlite" "$@"
if [[ -n ${VIRTUALSTACK_TEST_POSTGRES_URL:-} ]]; then
    # A database of its own, so that the Swift tests' databases and this run never meet.
    database=schemathesis_$$
    psql "$VIRTUALSTACK_TEST_POSTGRES_URL" -qc "CREATE DATABASE $database" >/dev/null
    run_against postgresql "${VIRTUALSTACK_TEST_POSTGRES_URL%/*}/$database" "$@"
else
    echo "schemathesis: VIRTUALSTACK_TEST_POSTGRES_URL is not set; PostgreSQL skipped" >&2
fi
