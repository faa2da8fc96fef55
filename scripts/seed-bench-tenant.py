#!/usr/bin/env python3
"""Seeds a VirtualStack database with a tenant `Bench` of N members for benchmarks.

Usage: seed-bench-tenant.py DATABASE ADMIN_EMAIL N
DATABASE is a SQLite file, or a postgres:// URL (seeded through psql in one statement batch).
The admin (an existing account) becomes the tenant's Tenant Admin; the members get Read Only User.
Their password hash is a placeholder: these accounts are listed, never logged in.
"""
import sqlite3
import subprocess
import sys
import time
import uuid

TENANT_ADMIN = "00000000-0000-4000-8000-000000000001"
READ_ONLY = "00000000-0000-4000-8000-000000000002"

database, admin_email, count = sys.argv[1], sys.argv[2], int(sys.argv[3])


def seed_postgres():
    tenant = str(uuid.uuid4())
    admin = admin_email.lower().replace("'", "''")
    sql = f"""
BEGIN;
INSERT INTO tenants (id, name, name_key, description, is_active, created_at, updated_at)
    VALUES ('{tenant}', 'Bench', 'bench', NULL, TRUE, now(), now());
INSERT INTO memberships (tenant_id, user_id, is_active, created_at)
    SELECT '{tenant}', id, TRUE, now() FROM users WHERE email_key = '{admin}';
INSERT INTO role_assignments (tenant_id, user_id, role_id, created_at)
    SELECT '{tenant}', id, '{TENANT_ADMIN}', now() FROM users WHERE email_key = '{admin}';
CREATE TEMPORARY TABLE seeded AS
    SELECT gen_random_uuid()::text AS id, i FROM generate_series(0, {count - 1}) AS i;
INSERT INTO users (id, email, email_key, first_name, last_name, password_hash, is_active, is_superuser,
        tokens_valid_after, created_at, updated_at)
    SELECT id, format('member%s@bench.example.com', lpad(i::text, 5, '0')), format('member%s@bench.example.com', lpad(i::text, 5, '0')),
        'Bench', 'Member ' || i, 'x', TRUE, FALSE, 'epoch', now(), now() FROM seeded;
INSERT INTO memberships (tenant_id, user_id, is_active, created_at)
    SELECT '{tenant}', id, TRUE, now() + i * interval '1 millisecond' FROM seeded;
INSERT INTO role_assignments (tenant_id, user_id, role_id, created_at)
    SELECT '{tenant}', id, '{READ_ONLY}', now() FROM seeded;
COMMIT;
ANALYZE;
"""
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", database], input=sql, text=True, check=True)
    print(f"seeded tenant Bench ({tenant}) with {count} members")


if database.startswith("postgres"):
    seed_postgres()
    sys.exit(0)

db = sqlite3.connect(database)
now = time.time()
tenant = str(uuid.uuid4())
with db:
    db.execute(
        "INSERT INTO tenants (id, name, name_key, description, is_active, created_at, updated_at) VALUES (?, 'Bench', 'bench', NULL, 1, ?, ?)",
        (tenant, now, now),
    )
    admin = db.execute("SELECT id FROM users WHERE email_key = ?", (admin_email.lower(),)).fetchone()[0]
    db.execute("INSERT INTO memberships (tenant_id, user_id, is_active, created_at) VALUES (?, ?, 1, ?)", (tenant, admin, now))
    db.execute("INSERT INTO role_assignments (tenant_id, user_id, role_id, created_at) VALUES (?, ?, ?, ?)", (tenant, admin, TENANT_ADMIN, now))
    for index in range(count):
        user = str(uuid.uuid4())
        email = f"member{index:05d}@bench.example.com"
        db.execute(
            "INSERT INTO users (id, email, email_key, first_name, last_name, password_hash, is_active, is_superuser,"
            " tokens_valid_after, created_at, updated_at) VALUES (?, ?, ?, 'Bench', ?, 'x', 1, 0, 0, ?, ?)",
            (user, email, email, f"Member {index}", now, now),
        )
        db.execute("INSERT INTO memberships (tenant_id, user_id, is_active, created_at) VALUES (?, ?, 1, ?)", (tenant, user, now + index / 1000))
        db.execute("INSERT INTO role_assignments (tenant_id, user_id, role_id, created_at) VALUES (?, ?, ?, ?)", (tenant, user, READ_ONLY, now))
print(f"seeded tenant Bench ({tenant}) with {count} members")
