#!/usr/bin/env python3
"""Times VM operations through the API on a vcenter host (govmomi's simulator).

Usage: bench-vcenter.py BASE_URL TOKEN TENANT_ID TEMPLATE_ID COUNT
For COUNT VMs in turn: create, stop, start, restart, delete, each timed from the request until the VM
shows the operation done (`task` null, the status expected; deleted: 404), polling every 2 ms. Prints
the median and the worst of each, then creates COUNT VMs at once and prints how long until all run.
The times include the job queue's pick-up and the polling, not only the driver's SOAP calls.
"""
import http.client
import json
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit

base, token, tenant, template, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
address = urlsplit(base)
headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": tenant, "Content-Type": "application/json"}


def request(conn, method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, json.loads(data) if data else None


def wait(conn, vm, status):
    while True:
        code, body = request(conn, "GET", f"/api/v1/vms/{vm}")
        if status is None and code == 404:
            return
        if code == 200 and body["task"] is None and body["status"] == status:
            return
        if code == 200 and body["status"] == "ERROR":
            raise SystemExit(f"VM {vm} went to ERROR")
        time.sleep(0.002)


conn = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
times = {name: [] for name in ("create", "stop", "start", "restart", "delete")}
for index in range(count):
    started = time.perf_counter()
    code, vm = request(conn, "POST", "/api/v1/vms", {"name": f"bench-{index}", "template_id": template})
    assert code == 202, (code, vm)
    wait(conn, vm["id"], "RUNNING")
    times["create"].append(time.perf_counter() - started)
    for action, status in (("stop", "STOPPED"), ("start", "RUNNING"), ("restart", "RUNNING")):
        started = time.perf_counter()
        code, _ = request(conn, "POST", f"/api/v1/vms/{vm['id']}/actions", {"action": action})
        assert code == 202, code
        wait(conn, vm["id"], status)
        times[action].append(time.perf_counter() - started)
    started = time.perf_counter()
    code, _ = request(conn, "DELETE", f"/api/v1/vms/{vm['id']}")
    assert code == 202, code
    wait(conn, vm["id"], None)
    times["delete"].append(time.perf_counter() - started)
for name, values in times.items():
    print(f"{name:8} median {statistics.median(values) * 1000:7.1f} ms   worst {max(values) * 1000:7.1f} ms   ({len(values)} VMs, one at a time)")

ids = []
lock = threading.Lock()


def create(index):
    local = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    code, vm = request(local, "POST", "/api/v1/vms", {"name": f"burst-{index}", "template_id": template})
    assert code == 202, (code, vm)
    wait(local, vm["id"], "RUNNING")
    with lock:
        ids.append(vm["id"])


started = time.perf_counter()
threads = [threading.Thread(target=create, args=(index,)) for index in range(count)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"{count} VMs created at once: all RUNNING after {(time.perf_counter() - started) * 1000:.0f} ms")
for vm in ids:
    request(conn, "DELETE", f"/api/v1/vms/{vm}")
for vm in ids:
    wait(conn, vm, None)
