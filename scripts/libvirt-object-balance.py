#!/usr/bin/env python3
"""Reads a libvirt debug log written with LIBVIRT_LOG_FILTERS="1:object" and reports, per class of
connection, domain, pool and volume objects, how many were made, how many released, and how many were
still alive when the log ends: the leak check of the libvirt driver (docs/decisions.md, "libvirt driver").

    LIBVIRT_LOG_FILTERS="1:object" LIBVIRT_LOG_OUTPUTS="1:file:/tmp/objects.log" \\
        .build/debug/virtualstackPackageTests.xctest --testing-library swift-testing --filter LibvirtHypervisorTests
    scripts/libvirt-object-balance.py /tmp/objects.log

Exits 1 when an object of those classes is alive at the end."""
import collections
import re
import sys

alive = {}
made = collections.Counter()
released = collections.Counter()
for line in open(sys.argv[1], errors="replace"):
    new = re.search(r"OBJECT_NEW: obj=(\S+) classname=(\S+)", line)
    if new:
        alive[new.group(1)] = new.group(2)
        made[new.group(2)] += 1
        continue
    gone = re.search(r"OBJECT_DISPOSE: obj=(\S+)", line)
    if gone and gone.group(1) in alive:
        released[alive.pop(gone.group(1))] += 1
left = collections.Counter(alive.values())
watched = [name for name in sorted(made) if re.fullmatch(r"vir(Connect|Domain|StoragePool|StorageVol)", name)]
for name in watched:
    print(f"{name:15s} made {made[name]:6d}  released {released[name]:6d}  alive at the end {left[name]}")
sys.exit(1 if any(left[name] for name in watched) else 0)
