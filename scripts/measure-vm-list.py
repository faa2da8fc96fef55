#!/usr/bin/env python3
"""Measures the queries behind `GET /vms` on a tenant with N VMs: their plans and their cost.

Usage: measure-vm-list.py DATABASE [N]
DATABASE is a migrated SQLite file path (`virtualstack migrate`) or a postgres:// URL (through `psql`).
Seeds a tenant `VM Bench` with N VMs (default 10,000) on a new host, and another tenant with as many,
then prints each query's plan and its time (SQLite: mean of 2,000 runs through Python's sqlite3;
PostgreSQL: EXPLAIN ANALYZE's execution time, best of 20). The queries are the store's
(`SQLComputeStore+VMs.swift`); keep them in step.
"""
import sqlite3
import subprocess
import sys
import time
import uuid

database = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
postgres = database.startswith(("postgres://", "postgresql://"))
tenant, other, host = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
now = time.time()

COLUMNS = ("v.id, v.tenant_id, v.name, v.status, v.task, v.cpu, v.memory_gb, v.disk_gb, v.source_type, v.template_id, "
           "v.image, v.iso_url, v.template_name, v.host_id, v.ip_address, v.created_at, v.updated_at")


def page(condition, limit, offset):
    return (f"SELECT {COLUMNS} FROM (SELECT id FROM vms WHERE tenant_id = '{tenant}' AND name_key IS NOT NULL {condition} "
            f"ORDER BY created_at DESC, id DESC LIMIT {limit} OFFSET {offset}) p JOIN vms v ON v.id = p.id "
            "ORDER BY v.created_at DESC, v.id DESC")


def plain(condition, limit, offset):
    return (f"SELECT {COLUMNS} FROM vms v WHERE tenant_id = '{tenant}' AND name_key IS NOT NULL {condition} "
            f"ORDER BY created_at DESC, id DESC LIMIT {limit} OFFSET {offset}")


def total(condition):
    return f"SELECT COUNT(*) FROM vms WHERE tenant_id = '{tenant}' AND name_key IS NOT NULL {condition}"


search = "AND name_key LIKE '%77%' ESCAPE '\\'"
QUERIES = [
    ("page 1 (limit 20)", page("", 20, 0)),
    ("page 400 (limit 20)", page("", 20, 7980)),
    ("page 400 without the deferred join", plain("", 20, 7980)),
    ("status=RUNNING, page 1", page("AND status = 'RUNNING'", 20, 0)),
    ("status=RUNNING, page 200", page("AND status = 'RUNNING'", 20, 3980)),
    ("search '77', page 1", page(search, 20, 0)),
    ("total, unfiltered (counter row)", f"SELECT listed FROM tenant_vm_counts WHERE tenant_id = '{tenant}'"),
    ("total, unfiltered (COUNT, not used)", total("")),
    ("total, status=RUNNING", total("AND status = 'RUNNING'")),
    ("total, search '77'", total(search)),
]


def seed_statements(ts):
    rows = []
    for tenant_id, name in ((tenant, "VM Bench"), (other, "VM Bench Other")):
        rows.append(f"INSERT INTO tenants (id, name, name_key, description, is_active, created_at, updated_at) "
                    f"VALUES ('{tenant_id}', '{name} {tenant_id[:8]}', '{name.lower()} {tenant_id[:8]}', NULL, TRUE, {ts(now)}, {ts(now)})")
        rows.append(f"INSERT INTO tenant_vm_counts (tenant_id, listed) VALUES ('{tenant_id}', {count})")
    rows.insert(0, f"INSERT INTO hosts (id, name, name_key, driver, uri, enabled, vcpus, memory_gb, disk_gb, cpu_overcommit, "
                   f"memory_overcommit, disk_overcommit, settings, allocated_cpu, allocated_memory_gb, allocated_disk_gb, vm_count, "
                   f"created_at, updated_at) VALUES ('{host}', 'bench-{host[:8]}', 'bench-{host[:8]}', 'simulated', 'simulated://bench', "
                   f"TRUE, 1000, 4000, 100000, 4, 1, 1, '{{}}', 0, 0, 0, 0, {ts(now)}, {ts(now)})")
    for tenant_id in (tenant, other):
        for i in range(count):
            status = ("RUNNING", "STOPPED", "RUNNING", "ERROR")[i % 4]
            rows.append(
                "INSERT INTO vms (id, tenant_id, name, name_key, status, task, cpu, memory_gb, disk_gb, source_type, template_id, image, "
                "iso_url, template_name, host_id, ip_address, created_at, updated_at) VALUES "
                f"('{uuid.uuid4()}', '{tenant_id}', 'vm-{i}', 'vm-{i}', '{status}', NULL, 2, 4, 40, 'template', "
                f"'00000000-0000-4000-9000-000000000001', NULL, NULL, 'Ubuntu 24.04 LTS', '{host}', '10.0.{i // 250}.{i % 250}', "
                f"{ts(now + i)}, {ts(now + i)})")
    return rows


if postgres:
    def psql(sql):
        return subprocess.run(["psql", "-X", "-q", "-A", "-t", database], input=sql, text=True, check=True, capture_output=True).stdout

    # VACUUM sets the visibility map, as autovacuum would in time: index-only scans need it. It can
    # mark no page while an older snapshot is open (autovacuum's own ANALYZE of the new rows), so retry.
    psql("BEGIN;\n" + ";\n".join(seed_statements(lambda t: f"to_timestamp({t})")) + ";\nCOMMIT;\n")
    for _ in range(30):
        psql("VACUUM ANALYZE vms;")
        pages, visible = psql("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'vms'").strip().split("|")
        if pages == visible:
            break
        time.sleep(1)
    for name, query in QUERIES:
        plan = psql(f"EXPLAIN (COSTS OFF) {query};")
        best = min(float(next(line for line in psql(f"EXPLAIN (ANALYZE, TIMING OFF) {query};").splitlines()
                              if "Execution Time" in line).split(":")[1].split()[0]) for _ in range(20))
        print(f"== {name}: {best * 1000:.0f} µs\n{plan}")
else:
    db = sqlite3.connect(database)
    db.executescript("BEGIN;\n" + ";\n".join(seed_statements(lambda t: repr(t))) + ";\nCOMMIT;\nANALYZE;")
    for name, query in QUERIES:
        plan = "\n".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + query))
        db.execute(query).fetchall()
        runs = 2000
        start = time.perf_counter()
        for _ in range(runs):
            db.execute(query).fetchall()
        print(f"== {name}: {(time.perf_counter() - start) / runs * 1e6:.0f} µs\n{plan}")
