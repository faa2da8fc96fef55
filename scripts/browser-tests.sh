#!/usr/bin/env bash
# Runs the web console's real-browser tests (Tests/Browser, Selenium driving headless Chromium) against a
# live `virtualstack serve` on a throwaway SQLite database. Fails on any failure.
# Needs the debug build (`swift build`) and scripts/install-dependencies.sh (chromium, chromium-driver, selenium).
# Usage: scripts/browser-tests.sh [--update-screenshots] [unittest names, e.g. test_console.FlowTest]
#   --update-screenshots  copy the screenshots of the run into docs/screenshots/
# Environment: VIRTUALSTACK_BINARY (default .build/debug/virtualstack); VIRTUALSTACK_CONSOLE_DIR is passed
# on to the server (serves the console's files from disk); BROWSER_TESTS_SCREENSHOTS (where the run writes
# its screenshots; default a temporary directory, kept and printed when a test fails).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${VIRTUALSTACK_BINARY:-.build/debug/virtualstack}
update_screenshots=false
if [[ ${1:-} == --update-screenshots ]]; then
    update_screenshots=true
    shift
fi
[[ -x $binary ]] || { echo "browser-tests: $binary is missing; run swift build first" >&2; exit 1; }
for tool in /usr/bin/chromium /usr/bin/chromedriver; do
    [[ -x $tool ]] || { echo "browser-tests: $tool is missing; run scripts/install-dependencies.sh" >&2; exit 1; }
done
python3 -c 'import selenium' 2>/dev/null ||
    { echo "browser-tests: selenium is missing; run scripts/install-dependencies.sh" >&2; exit 1; }

admin_email=browser-admin@example.com
admin_password=browser-admin-password
workdir=$(mktemp -d /tmp/virtualstack-browser.XXXXXX)
screenshots=${BROWSER_TESTS_SCREENSHOTS:-$workdir/screenshots}
mkdir -p "$screenshots"
server_pid=
status=1
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    fi
    if ((status != 0)); then
        echo "browser-tests: server log: $workdir/serve.log; screenshots: $screenshots" >&2
    else
        rm -rf "$workdir"
    fi
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
# A simulated delay of 1.5 s keeps PROVISIONING (and STOPPING) on screen long enough to be seen.
VIRTUALSTACK_DATABASE_URL=sqlite://$workdir/browser.sqlite VIRTUALSTACK_PORT=$port VIRTUALSTACK_HOST=127.0.0.1 \
    VIRTUALSTACK_ADMIN_EMAIL=$admin_email VIRTUALSTACK_ADMIN_PASSWORD=$admin_password \
    VIRTUALSTACK_BCRYPT_COST=10 VIRTUALSTACK_SIMULATED_DELAY_MS=${VIRTUALSTACK_SIMULATED_DELAY_MS:-1500} \
    VIRTUALSTACK_LOG_LEVEL=${VIRTUALSTACK_LOG_LEVEL:-warning} VIRTUALSTACK_PUBLIC_BASE_URL=$base \
    "$binary" serve >"$workdir/serve.log" 2>&1 &
server_pid=$!
ready=false
for _ in $(seq 150); do
    if curl -sf "$base/health" >/dev/null 2>&1; then ready=true; break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if ! $ready; then
    echo "browser-tests: the server did not become healthy on $base" >&2
    cat "$workdir/serve.log" >&2
    exit 1
fi
echo "browser-tests: server on $base (screenshots: $screenshots)" >&2

started=$SECONDS
status=0
if (($#)); then tests=(-v "$@"); else tests=(discover -v -s Tests/Browser -t Tests/Browser -p 'test_*.py'); fi
VS_BASE_URL=$base VS_ADMIN_EMAIL=$admin_email VS_ADMIN_PASSWORD=$admin_password VS_SCREENSHOT_DIR=$screenshots \
    PYTHONPATH=Tests/Browser PYTHONDONTWRITEBYTECODE=1 python3 -m unittest "${tests[@]}" || status=$?
echo "browser-tests: finished in $((SECONDS - started)) s with status $status" >&2
if ((status == 0)) && $update_screenshots; then
    mkdir -p docs/screenshots
    cp "$screenshots"/*.png docs/screenshots/
    echo "browser-tests: screenshots copied to docs/screenshots/" >&2
fi
exit "$status"
