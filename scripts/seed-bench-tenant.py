#!/usr/bin/env python3
"""Seeds a VirtualStack database with a tenant `Bench` of N members for benchmarks, and prints its id.

Usage: seed-bench-tenant.py DATABASE ADMIN_EMAIL N
DATABASE is a SQLite file path or a postgres:// URL (written through `psql`).
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
now = time.time()
tenant = str(uuid.uuid4())

if database.startswith(("postgres://", "postgresql://")):
    # One transaction of set-based inserts; timestamps are TIMESTAMPTZ there.
    sql = f"""
    BEGIN;
    INSERT INTO tenants (id, name, name_key, description, is_active, created_at, updated_at)
        VALUES ('{tenant}', 'Bench', 'bench', NULL, TRUE, to_timestamp({now}), to_timestamp({now}));
    INSERT INTO memberships (tenant_id, user_id, is_active, created_at)
        SELECT '{tenant}', id, TRUE, to_timestamp({now}) FROM users WHERE email_key = lower('{admin_email}');
    INSERT INTO role_assignments (tenant_id, user_id, role_id, created_at)
        SELECT '{tenant}', id, '{TENANT_ADMIN}', to_timestamp({now}) FROM users WHERE email_key = lower('{admin_email}');
    CREATE TEMPORARY TABLE bench_members AS
        SELECT gen_random_uuid()::text AS id, i, 'member' || lpad(i::text, 5, '0') || '@bench.example.com' AS email
        FROM generate_series(0, {count - 1}) AS i;
    INSERT INTO users (id, email, email_key, first_name, last_name, password_hash, is_active, is_superuser,
            tokens_valid_after, created_at, updated_at)
        SELECT id, email, email, 'Bench', 'Member ' || i, 'x', TRUE, FALSE, to_timestamp(0), to_timestamp({now}), to_timestamp({now})
        FROM bench_members;
    INSERT INTO memberships (tenant_id, user_id, is_active, created_at)
        SELECT '{tenant}', id, TRUE, to_timestamp({now} + i / 1000.0) FROM bench_members;
    INSERT INTO role_assignments (tenant_id, user_id, role_id, created_at)
        SELECT '{tenant}', id, '{READ_ONLY}', to_timestamp({now}) FROM bench_members;
    COMMIT;
    ANALYZE;
    """
    subprocess.run(["psql", "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "--dbname", database],
                   input=sql, text=True, check=True, stdout=subprocess.DEVNULL)
else:
    db = sqlite3.connect(database)
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
print(tenant)
