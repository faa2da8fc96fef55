#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster on 127.0.0.1 (TLS on, with a certificate from a
# throwaway CA), exported as POSTGRES_*, VIRTUALSTACK_TEST_POSTGRES_URL and
# VIRTUALSTACK_TEST_POSTGRES_CA_FILE. The cluster is stopped and deleted when the command ends,
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

# TLS: a throwaway CA and a server certificate for 127.0.0.1 and localhost, so tests can connect with
# sslmode=require and verify-full (and fail verification with another CA).
tls="$workdir/tls"
mkdir "$tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=virtualstack test CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another test CA" \
    -keyout "$tls/other-ca.key" -out "$tls/other-ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tls/server.ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
    -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
chown -R postgres:postgres "$tls"
chmod 600 "$tls/server.key"
chmod 755 "$tls"

as_postgres "$pg_bin/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=600 -c ssl=on -c ssl_cert_file=$tls/server.pem -c ssl_key_file=$tls/server.key" \
    start >/dev/null

export POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=$port POSTGRES_USER=postgres POSTGRES_PASSWORD= POSTGRES_DB=postgres
export VIRTUALSTACK_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
# The CA that signed the server's certificate, and one that did not.
export VIRTUALSTACK_TEST_POSTGRES_CA_FILE="$tls/ca.pem" VIRTUALSTACK_TEST_POSTGRES_OTHER_CA_FILE="$tls/other-ca.pem"
echo "with-postgres: PostgreSQL ready on 127.0.0.1:$port" >&2
"$@"
