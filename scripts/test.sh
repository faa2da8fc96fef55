#!/usr/bin/env bash
# The test command: installs dependencies, builds, runs schemathesis against a live server on SQLite
# and PostgreSQL (scripts/schemathesis.sh), the web console's browser tests in headless Chromium
# (scripts/browser-tests.sh), then every Swift test against both engines, the libvirt driver's
# end-to-end flow on a real QEMU included (scripts/libvirt-e2e-setup.sh starts its daemon) and the
# vCenter driver's on govmomi's simulator (scripts/vcsim-setup.sh builds and starts it).
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
# web console's browser tests (scripts/browser-tests.sh), then the Swift tests, whose summary closes the output.
if (($# == 0)); then
    scripts/with-postgres.sh scripts/schemathesis.sh
fi
if (($# == 0)); then
    # Swift Testing runs every suite at once on two cores. Suites that measure time (throttling back-offs,
    # one login's wait behind a flood of bcrypt checks, /health's two-second bound on the database's
    # answer and the app whose database is dropped under it, retries within a deadline) run in a pass of their
    # own, as do the suites that start pairs of serve
    # processes and hammer them, and real QEMU guests, which take both cores while they boot.
    timed='LoginThrottleTests|CurrentPasswordThrottleTests|PasswordCheckConcurrencyTests|HTTPConventionTests|JobFailureTests|LibvirtFlowTests'
    heavy='QuotaTests|IdempotencyTests|AuditTrailTests|JobDurabilityTests'
    status=0
    # The web console in a real browser (headless Chromium) against a live server on SQLite.
    scripts/browser-tests.sh || status=$?
    scripts/with-postgres.sh swift test --skip-build --skip "$timed|$heavy|RealQEMUTests" || status=$?
    scripts/with-postgres.sh swift test --skip-build --filter "$timed" || status=$?
    scripts/with-postgres.sh swift test --skip-build --filter "$heavy" || status=$?
    scripts/with-postgres.sh swift test --skip-build --filter RealQEMUTests || status=$?
    exit "$status"
else
    scripts/with-postgres.sh swift test --skip-build "$@"
fi
