#!/usr/bin/env python3
"""Creates VMs through the API with concurrent clients and waits until all of them run.

Usage: bench-vms.py BASE_URL TOKEN TENANT_ID COUNT CLIENTS [RATE]
Prints one line: how long the creates took, their latency (p50/p99), and how long until every VM
was RUNNING (polling `GET /vms?status=RUNNING&limit=1` every 20 ms), counted from the first request.
Without RATE the clients send flat out (each sends its next request when the last one answered);
with RATE the creates are sent at RATE per second on a fixed schedule, and each latency counts from
the moment its request was due, so a server that falls behind is charged for the queue it builds.
The server should run the simulated driver with VIRTUALSTACK_SIMULATED_DELAY_MS=0 and have room.
"""
import http.client
import json
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

base, token, tenant, count, clients = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rate = float(sys.argv[6]) if len(sys.argv) > 6 else None
address = urlsplit(base)
headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": tenant, "Content-Type": "application/json"}


def connection():
    return http.client.HTTPConnection(address.hostname, address.port, timeout=30)


def request(conn, method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, json.loads(data) if data else None


setup = connection()
status, templates = request(setup, "GET", "/api/v1/vm-templates")
template = templates[0]["id"]
run = uuid.uuid4().hex[:8]
latencies = []
failures = []
lock = threading.Lock()
next_index = iter(range(count))


def client():
    conn = connection()
    while True:
        with lock:
            index = next(next_index, None)
        if index is None:
            return
        if rate is None:
            started = time.perf_counter()
        else:
            started = began + index / rate
            time.sleep(max(0.0, started - time.perf_counter()))
        status, body = request(conn, "POST", "/api/v1/vms", {"name": f"bench-{run}-{index}", "template_id": template})
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            if status != 202:
                failures.append((status, body))


began = time.perf_counter()
threads = [threading.Thread(target=client) for _ in range(clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
created = time.perf_counter() - began
if failures:
    print(f"bench-vms: {len(failures)} creates failed, e.g. {failures[0]}", file=sys.stderr)
    sys.exit(1)

# A fresh connection: the set-up one may have sat idle past the server's idle timeout meanwhile.
setup.close()
setup = connection()
while True:
    status, page = request(setup, "GET", f"/api/v1/vms?status=RUNNING&limit=1&search=bench-{run}-")
    if page["total"] >= count:
        break
    if time.perf_counter() - began > 600:
        print(f"bench-vms: only {page['total']} of {count} running after 600 s", file=sys.stderr)
        sys.exit(1)
    time.sleep(0.02)
running = time.perf_counter() - began
latencies.sort()
p50 = latencies[len(latencies) // 2] * 1000
p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
print(f"created={count} clients={clients}{f' rate={rate:g}/s' if rate else ''} create_s={created:.2f} post_p50_ms={p50:.2f} post_p99_ms={p99:.2f} all_running_s={running:.2f}")
