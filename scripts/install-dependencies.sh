#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine (run as root).
set -euo pipefail
needed=()
command -v runuser >/dev/null || needed+=(util-linux)
command -v curl >/dev/null || needed+=(curl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || needed+=(postgresql)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || needed+=(libsqlite3-dev)
# zlib compresses the web console's files once at start (served gzipped).
dpkg -s zlib1g-dev >/dev/null 2>&1 || needed+=(zlib1g-dev)
# The libvirt driver links libvirt's client library (its test driver runs in the tests' process).
dpkg -s libvirt-dev >/dev/null 2>&1 || needed+=(libvirt-dev)
# The database shells: tests write through them as another process would.
command -v sqlite3 >/dev/null || needed+=(sqlite3)
command -v psql >/dev/null || needed+=(postgresql-client)
# Makes the throwaway certificates of scripts/with-postgres.sh.
command -v openssl >/dev/null || needed+=(openssl)
# The vCenter driver's tests run against govmomi's simulator, built from Debian's govmomi sources.
command -v go >/dev/null || needed+=(golang-go)
dpkg -s golang-github-vmware-govmomi-dev >/dev/null 2>&1 || needed+=(golang-github-vmware-govmomi-dev)
# The web console's browser tests (scripts/browser-tests.sh) drive a headless Chromium through its driver.
command -v chromium >/dev/null || needed+=(chromium)
command -v chromedriver >/dev/null || needed+=(chromium-driver)
if (( ${#needed[@]} )); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${needed[@]}"
fi
# schemathesis (PyPI) checks the live server against openapi.yaml; pinned so that runs are comparable.
schemathesis_version=4.32.5
if ! st --version 2>/dev/null | grep -qx "st, version $schemathesis_version"; then
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi
# Selenium (PyPI) drives Chromium in the browser tests; pinned like schemathesis. It is always given
# /usr/bin/chromedriver and /usr/bin/chromium, so it never downloads a browser or driver of its own.
# (4.52.0 needs a certifi release newer than the package index here offers.)
selenium_version=4.51.0
if [[ $(python3 -c 'import selenium; print(selenium.__version__)' 2>/dev/null) != "$selenium_version" ]]; then
    python3 -m pip install --quiet --disable-pip-version-check "selenium==$selenium_version"
fi
