#!/usr/bin/env bash
# The test command: installs dependencies, builds, runs schemathesis against a live server on SQLite
# and PostgreSQL (scripts/schemathesis.sh), then every Swift test against both engines, the libvirt
# driver's end-to-end flow on a real QEMU included (scripts/libvirt-e2e-setup.sh starts its daemon)
# and the vCenter driver's on govmomi's simulator (scripts/vcsim-setup.sh builds and starts it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
# Real parts for the drivers' tests: a libvirt daemon with QEMU, and govmomi's vCenter simulator.
eval "$(scripts/libvirt-e2e-setup.sh)"
eval "$(scripts/vcsim-setup.sh)"
trap 'scripts/libvirt-e2e-setup.sh stop; scripts/vcsim-setup.sh stop' EXIT
# Build once: the OpenAPI plugin makes `swift build` and `swift test` rebuild each other otherwise.
swift build --build-tests
# The API document against the running service (unless only some tests were asked for), then the
# Swift tests, whose summary closes the output.
if (($# == 0)); then
    scripts/with-postgres.sh scripts/schemathesis.sh
fi
if (($# == 0)); then
    # Real QEMU guests take both cores while they boot: they run after the rest, not beside timing-sensitive tests.
    status=0
    scripts/with-postgres.sh swift test --skip-build --skip RealQEMUTests || status=$?
    scripts/with-postgres.sh swift test --skip-build --filter RealQEMUTests || status=$?
    exit "$status"
else
    scripts/with-postgres.sh swift test --skip-build "$@"
fi
