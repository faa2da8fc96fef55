#!/usr/bin/env bash
# Benchmarks a release build with wrk (same machine, loopback only) on a fresh database.
# Usage: scripts/bench.sh [duration-seconds] [sqlite|postgres] [identity|vms|all]   (defaults: 10, sqlite, all)
# With postgres, a throwaway cluster is started by scripts/with-postgres.sh (unless
# VIRTUALSTACK_TEST_POSTGRES_URL already names one) and a fresh database is made on it.
# Prints requests/s, p50/p99 latency and the server's CPU time per request for:
#   GET /health, GET /api/v1/users/me, GET /api/v1/users?limit=20 in a tenant of 10,000 members
#   (each of the last two with a bearer token and with an API key),
#   POST /api/v1/auth/token (8 clients, eight accounts),
#   GET /api/v1/users/me while 8 clients log in flat out;
#   VMs on the simulated driver at zero delay: 1,000 VMs created by 16 clients until all run (and
#   POST /vms latency meanwhile), 1,000 more at a steady 200 creates/s (POST /vms latency under load),
#   then GET /api/v1/vms?limit=20 in a tenant of 10,000 VMs: first page, a page near the end and one in the middle, a status filter.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
engine=${2:-sqlite}
sections=${3:-all}
case "$sections" in identity | vms | all) ;; *) echo "bench: sections must be identity, vms or all" >&2; exit 1 ;; esac
wants() { [[ "$sections" == all || "$sections" == "$1" ]]; }
case "$engine" in
    sqlite) ;;
    postgres) [[ -n "${VIRTUALSTACK_TEST_POSTGRES_URL:-}" ]] || exec scripts/with-postgres.sh "$0" "$duration" postgres "$sections" ;;
    *) echo "bench: engine must be sqlite or postgres, not '$engine'" >&2; exit 1 ;;
esac

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# A scratch path of its own, so the release build does not fight the debug build's lock.
swift build -c release --product virtualstack --scratch-path .build-release >/dev/null
binary=$(swift build -c release --scratch-path .build-release --show-bin-path)/virtualstack

workdir=$(mktemp -d /tmp/virtualstack-bench.XXXXXX)
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
cleanup() {
    [[ -n "${server:-}" ]] && kill "$server" 2>/dev/null
    wait 2>/dev/null
    [[ -n "${bench_db:-}" ]] && psql --no-psqlrc --quiet --dbname "$VIRTUALSTACK_TEST_POSTGRES_URL" \
        --command "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$workdir"
}
trap cleanup EXIT

if [[ "$engine" == postgres ]]; then
    bench_db="bench_$RANDOM$RANDOM"
    psql --no-psqlrc --quiet --dbname "$VIRTUALSTACK_TEST_POSTGRES_URL" --command "CREATE DATABASE $bench_db" >/dev/null
    database_url="${VIRTUALSTACK_TEST_POSTGRES_URL%/*}/$bench_db"
    seed_target=$database_url
else
    database_url="sqlite://$workdir/bench.sqlite"
    seed_target="$workdir/bench.sqlite"
fi
export VIRTUALSTACK_DATABASE_URL=$database_url VIRTUALSTACK_LOG_LEVEL=error
echo "engine: $engine"
"$binary" bootstrap --email bench@example.com --password bench-password >/dev/null
# A tenant of 10,000 members (written straight into the database: 10,000 bcrypt hashes through the
# API would take most of an hour), with the bench admin as its Tenant Admin.
wants identity && tenant=$(python3 scripts/seed-bench-tenant.py "$seed_target" bench@example.com 10000)

VIRTUALSTACK_PORT=$port VIRTUALSTACK_SIMULATED_DELAY_MS=0 "$binary" serve >"$workdir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done

token=$(curl -sf -H 'Content-Type: application/json' -d '{"username":"bench@example.com","password":"bench-password"}' \
    "$base/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

if wants identity; then
# Logins rotate over eight accounts: a process checks one password per account at a time (so that
# one caller cannot fill the bcrypt pool), and one account would measure that limit, not the pool.
for i in $(seq 0 7); do
    curl -sf -o /dev/null -H "Authorization: Bearer $token" -H "X-Tenant-ID: $tenant" -H 'Content-Type: application/json' \
        -d "{\"email\":\"login$i@bench.example.com\",\"password\":\"bench-password\",\"first_name\":\"Login\",\"last_name\":\"Bench\"}" \
        "$base/api/v1/users"
done
cat >"$workdir/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {}
for i = 0, 7 do
  bodies[i + 1] = string.format('{"username":"login%d@bench.example.com","password":"bench-password"}', i)
end
local sent = 0
request = function()
  sent = sent + 1
  return wrk.format(nil, nil, nil, bodies[sent % #bodies + 1])
end
LUA
fi
cat >"$workdir/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests/s=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
LUA
cat "$workdir/report.lua" >>"$workdir/login.lua"

# The server's CPU time so far (user + system), in clock ticks.
server_cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }

# Prints wrk's figures and the server's CPU time per request, which varies far less between runs
# than requests/s does on a shared machine (wrk takes its share of the same cores).
run() { # name, wrk args...
    local name=$1; shift
    printf '%-44s ' "$name"
    local before after result requests
    before=$(server_cpu)
    result=$(wrk --latency -s "$workdir/report.lua" "$@" | sed -n 's/^RESULT //p')
    after=$(server_cpu)
    requests=${result##*requests=}
    echo "${result% requests=*} server_cpu_us=$(( (after - before) * 1000000 / $(getconf CLK_TCK) / (requests > 0 ? requests : 1) ))"
}

if wants identity; then
run "GET /health (64 conns)" -t2 -c64 -d"${duration}s" "$base/health"
run "GET /api/v1/users/me (64 conns)" -t2 -c64 -d"${duration}s" -H "Authorization: Bearer $token" "$base/api/v1/users/me"
key=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"name":"bench"}' \
    "$base/api/v1/api-keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
run "GET /api/v1/users/me, X-API-Key (64 conns)" -t2 -c64 -d"${duration}s" -H "X-API-Key: $key" "$base/api/v1/users/me"
run "GET /api/v1/users?limit=20 of 10,000 (64 conns)" -t2 -c64 -d"${duration}s" -H "Authorization: Bearer $token" \
    -H "X-Tenant-ID: $tenant" "$base/api/v1/users?limit=20&page=3"
run "GET /api/v1/users?limit=20, X-API-Key (64 conns)" -t2 -c64 -d"${duration}s" -H "X-API-Key: $key" \
    -H "X-Tenant-ID: $tenant" "$base/api/v1/users?limit=20&page=3"
printf '%-44s ' "POST /api/v1/auth/token (8 conns)"
wrk --latency --timeout 10s -s "$workdir/login.lua" -t2 -c8 -d"${duration}s" "$base/api/v1/auth/token" | sed -n 's/^RESULT //p' | sed 's/ requests=.*//'

# /users/me latency while 8 clients log in flat out.
wrk --timeout 10s -s "$workdir/login.lua" -t1 -c8 -d"$((duration + 2))s" "$base/api/v1/auth/token" >"$workdir/background.txt" &
background=$!
sleep 1
run "GET /api/v1/users/me during logins (8 conns)" -t1 -c8 -d"${duration}s" -H "Authorization: Bearer $token" "$base/api/v1/users/me"
wait "$background" || true  # by pid: the server is job %1
printf '%-44s %s\n' "  (background logins)" "$(sed -n 's/^RESULT //p' "$workdir/background.txt" | sed 's/ requests=.*//')"

fi
wants vms || exit 0

# VMs. A host with room for everything the benchmark creates (the configured one holds 1,024 vCPUs).
curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name":"bench","driver":"simulated","uri":"simulated://bench","capacity":{"vcpus":1000000,"memory_gb":100000000,"disk_gb":1000000000}}' \
    "$base/api/v1/hosts"
new_tenant() {
    curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"name\":\"$1\"}" "$base/api/v1/tenants" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
race=$(new_tenant "VM race")
printf '%-44s %s\n' "1,000 VMs by 16 clients until all RUNNING" "$(python3 scripts/bench-vms.py "$base" "$token" "$race" 1000 16)"
# POST /vms latency under a steady load: 1,000 creates sent at 200/s (each timed from when it was due).
paced=$(new_tenant "VM paced")
printf '%-44s %s\n' "1,000 VMs at 200 creates/s until all RUNNING" "$(python3 scripts/bench-vms.py "$base" "$token" "$paced" 1000 16 200)"
fleet=$(new_tenant "VM fleet")
printf '%-44s %s\n' "  (seeding 10,000 VMs through the API)" "$(python3 scripts/bench-vms.py "$base" "$token" "$fleet" 10000 16)"
run "GET /api/v1/vms?limit=20 of 10,000 (64 conns)" -t2 -c64 -d"${duration}s" -H "Authorization: Bearer $token" \
    -H "X-Tenant-ID: $fleet" "$base/api/v1/vms?limit=20"
run "GET /api/v1/vms?limit=20&page=450 (64 conns)" -t2 -c64 -d"${duration}s" -H "Authorization: Bearer $token" \
    -H "X-Tenant-ID: $fleet" "$base/api/v1/vms?limit=20&page=450"
run "GET /api/v1/vms?limit=20&page=250 (64 conns)" -t2 -c64 -d"${duration}s" -H "Authorization: Bearer $token" \
    -H "X-Tenant-ID: $fleet" "$base/api/v1/vms?limit=20&page=250"
run "GET /api/v1/vms?status=RUNNING&limit=20 (64 conns)" -t2 -c64 -d"${duration}s" -H "Authorization: Bearer $token" \
    -H "X-Tenant-ID: $fleet" "$base/api/v1/vms?status=RUNNING&limit=20"
