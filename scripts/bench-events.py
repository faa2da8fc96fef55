#!/usr/bin/env python3
"""Measures GET /events: how many events per second the service delivers to open streams.

Opens STREAMS streams on one tenant, then renames the tenant's VMs RENAMES times from WRITERS threads
(each rename is one committed change, so one `vm.updated` event per stream) and waits until every
stream has every event. Prints the write rate, the delivery rate (events received by all streams per
second) and how long after the last rename's answer the last stream had it.

Usage: bench-events.py BASE_URL TOKEN TENANT_ID [STREAMS] [RENAMES] [WRITERS]
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

base, token, tenant = sys.argv[1:4]
streams = int(sys.argv[4]) if len(sys.argv) > 4 else 50
renames = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
writers = int(sys.argv[6]) if len(sys.argv) > 6 else 8
address = urllib.parse.urlsplit(base)
headers = {"Authorization": "Bearer " + token, "X-Tenant-ID": tenant, "Content-Type": "application/json"}


def call(method, path, body=None):
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    connection.request(method, "/api/v1" + path, json.dumps(body) if body is not None else None, headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
    return json.loads(data) if data else None


def wait_running(vm_ids):
    deadline = time.time() + 60
    while time.time() < deadline:
        states = [call("GET", f"/vms/{vm}") for vm in vm_ids]
        if all(s["status"] == "RUNNING" and s["task"] is None for s in states):
            return
        time.sleep(0.1)
    raise RuntimeError("VMs did not reach RUNNING")


class Stream(threading.Thread):
    """One open stream: counts `vm.updated` events after `ready`, records when it has `target` of them."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self.target, self.updates, self.done_at = target, 0, None
        self.ready = threading.Event()
        self.complete = threading.Event()

    def run(self):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        connection.request("GET", "/api/v1/events", headers={**headers, "Accept": "text/event-stream"})
        response = connection.getresponse()
        assert response.status == 200, response.status
        event = None
        while True:
            line = response.fp.readline()
            if not line:
                break
            line = line.rstrip(b"\n")
            if line.startswith(b"event: "):
                event = line[7:]
            elif line == b"" and event is not None:
                if event == b"ready":
                    self.ready.set()
                elif event == b"vm.updated":
                    self.updates += 1
                    if self.updates == self.target:
                        self.done_at = time.perf_counter()
                        self.complete.set()
                        break
                event = None
        connection.close()


templates = call("GET", "/vm-templates")
vm_ids = [call("POST", "/vms", {"name": f"bench-events-{i}", "template_id": templates[0]["id"]})["id"] for i in range(writers)]
wait_running(vm_ids)

readers = [Stream(renames) for _ in range(streams)]
for reader in readers:
    reader.start()
for reader in readers:
    reader.ready.wait(30)

answered = []
lock = threading.Lock()


def writer(index):
    vm = vm_ids[index]
    for n in range(index, renames, writers):
        call("PATCH", f"/vms/{vm}", {"name": f"bench-r-{n}"})
    with lock:
        answered.append(time.perf_counter())


start = time.perf_counter()
threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
last_answer = max(answered)
for reader in readers:
    if not reader.complete.wait(120):
        raise RuntimeError(f"a stream received {reader.updates} of {renames} events")
last_delivery = max(reader.done_at for reader in readers)

delivered = streams * renames
print(f"streams {streams}, changes {renames} (renames from {writers} writers)")
print(f"changes committed: {renames / (last_answer - start):.0f}/s over {last_answer - start:.2f} s")
print(f"events delivered: {delivered} in {last_delivery - start:.2f} s = {delivered / (last_delivery - start):.0f}/s")
print(f"last event reached the last stream {1000 * (last_delivery - last_answer):.0f} ms after the last change was answered")
