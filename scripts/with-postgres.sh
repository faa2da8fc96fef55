#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster on 127.0.0.1, exported as POSTGRES_* and
# VIRTUALSTACK_TEST_POSTGRES_URL. The cluster is stopped and deleted when the command ends,
# whether it succeeded or not. Usage: scripts/with-postgres.sh COMMAND [ARGS...]
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$pg_bin" ]]; then
    echo "with-postgres: PostgreSQL is not installed (run scripts/install-dependencies.sh)" >&2
    exit 1
fi

workdir=$(mktemp -d /tmp/virtualstack-pg.XXXXXX)
chown postgres:postgres "$workdir"
port=${POSTGRES_PORT:-$((20000 + RANDOM % 20000))}

as_postgres() { runuser -u postgres -- "$@"; }

cleanup() {
    as_postgres "$pg_bin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap cleanup EXIT

as_postgres "$pg_bin/initdb" -D "$workdir/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null

export POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=$port POSTGRES_USER=postgres POSTGRES_PASSWORD= POSTGRES_DB=postgres
export VIRTUALSTACK_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL ready on 127.0.0.1:$port" >&2
"$@"
