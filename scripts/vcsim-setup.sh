#!/usr/bin/env bash
# Prepares the vCenter driver's tests against govmomi's vCenter simulator (vcsim):
#   1. builds Tests/Fixtures/vcsim/main.go offline from Debian's govmomi sources ONCE and caches the
#      binary, keyed by main.go, the govmomi package's version and Go's version (about 40 s cold);
#   2. makes with openssl a throwaway self-signed server certificate (RSA 2048, SAN IP:127.0.0.1 and
#      DNS:localhost; ca.pem is a copy, since it is its own CA), plus an unrelated self-signed
#      certificate with the same names for negative tests;
#   3. starts the simulator in the background (VPX model, fixed credentials, template vs-template),
#      or reuses the one a previous run started if it still answers.
# Prints the environment the Swift tests read on stdout (`eval "$(scripts/vcsim-setup.sh)"`);
# everything else goes to stderr. Without go or govmomi's sources it warns and prints nothing, so the
# tests that need the simulator skip. `scripts/vcsim-setup.sh stop` stops the simulator.
# A reused simulator keeps what earlier runs created in it: tests name their objects uniquely and
# delete them.
set -euo pipefail

state=${VIRTUALSTACK_VCSIM_DIR:-/tmp/vs-vcsim}
cache=${VIRTUALSTACK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/virtualstack}/vcsim
source_dir=$(cd "$(dirname "$0")/../Tests/Fixtures/vcsim" && pwd)
gocode=/usr/share/gocode
username=vsadmin
password=vcsim-pass
template=vs-template
log() { echo "vcsim: $*" >&2; }

# A simulator that died can linger as a zombie under a slow-reaping PID 1: look at its state, not `kill -0`.
simulator_alive() {
    [[ -f $state/vcsim.pid ]] || return 1
    local pid
    pid=$(cat "$state/vcsim.pid")
    [[ -r /proc/$pid/stat ]] && ! awk '{ exit ($3 == "Z") ? 0 : 1 }' "/proc/$pid/stat"
}

stop_simulator() {
    if simulator_alive; then
        kill "$(cat "$state/vcsim.pid")"
        for _ in $(seq 50); do
            simulator_alive || break
            sleep 0.1
        done
        simulator_alive && kill -9 "$(cat "$state/vcsim.pid")"
        log "stopped the simulator"
fi
    rm -f "$state/vcsim.pid" "$state/url"
}

if [[ ${1:-} == stop ]]; then
    stop_simulator
    exit 0
fi

# 0. Without Go or govmomi's sources there is no simulator: the tests that need it skip.
if ! command -v go >/dev/null || [[ ! -d $gocode/src/github.com/vmware/govmomi/simulator ]]; then
    log "WARNING: go or govmomi's sources are missing (apt-get install golang-go golang-github-vmware-govmomi-dev): no simulator, the vCenter tests skip"
    exit 0
fi

# 1. The binary, cached under what it is built from.
key=$(
    {
        cat "$source_dir/main.go"
        dpkg-query -W golang-github-vmware-govmomi-dev 2>/dev/null || echo "govmomi: not a Debian package"
        go version
    } | sha256sum | cut -c1-16
)
binary=$cache/$key/vcsim
if [[ ! -x $binary ]]; then
    log "building the simulator into $binary (about 40 s)"
    mkdir -p "$cache/$key"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    # GOPATH mode: govmomi and its dependencies come from Debian's $gocode, nothing is downloaded.
    (cd "$source_dir" && GO111MODULE=off GOFLAGS= GOPATH="$work/gopath:$gocode" GOCACHE="$cache/go-build" \
        nice go build -p 1 -o "$work/vcsim" .) >&2
    mv "$work/vcsim" "$binary"
fi

# 2. The certificates, made once per state directory.
mkdir -p "$state"
if [[ ! -f $state/server.pem || ! -f $state/other-ca.pem ]]; then
    stop_simulator # it serves the old certificate
    log "making the server certificate and an unrelated certificate in $state"
    # Self-signed, as ESXi's and many lab vCenters' certificates are: trusting it as a CA (ca_pem) and
    # pinning its SHA-256 fingerprint (thumbprint) both work then. A pin makes the driver trust that
    # certificate alone, which TLS libraries accept only for a self-signed one.
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$state/server.key" -out "$state/server.pem" 2>/dev/null
    cp "$state/server.pem" "$state/ca.pem"
    # Same names as the real one, trusted by nobody: verification against it must fail.
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$state/other-ca.key" -out "$state/other-ca.pem" 2>/dev/null
fi
thumbprint=$(openssl x509 -in "$state/server.pem" -noout -fingerprint -sha256 | cut -d= -f2)

# 3. The simulator: reused if it runs this binary and answers the SOAP endpoint over our TLS.
healthy() {
    simulator_alive && [[ -f $state/url && $(cat "$state/binary" 2>/dev/null) == "$binary" ]] || return 1
    curl -sf --max-time 5 --cacert "$state/ca.pem" -H 'Content-Type: text/xml' -H 'SOAPAction: urn:vim25/7.0' \
        --data '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body><RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent></Body></Envelope>' \
        "$(cat "$state/url")" 2>/dev/null | grep -q rootFolder
}
if healthy; then
    log "reusing the simulator at $(cat "$state/url") (pid $(cat "$state/vcsim.pid"))"
else
    stop_simulator
    # The simulator keeps no descriptor of ours beyond stdio: a caller that waits for our output to end
    # (or, as Foundation's Process does, for a descriptor its child inherits to close) must not wait for it.
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            ((fd > 2)) && eval "exec $fd>&-"
        done
        exec "$binary" -listen 127.0.0.1:0 -cert "$state/server.pem" -key "$state/server.key" \
            -username "$username" -password "$password" -url-file "$state/url"
    ) </dev/null >"$state/vcsim.log" 2>&1 &
    echo $! >"$state/vcsim.pid"
    echo "$binary" >"$state/binary"
    for _ in $(seq 150); do
        [[ -f $state/url ]] && break
        simulator_alive || break
        sleep 0.1
    done
    [[ -f $state/url ]] || { log "the simulator did not start: $(tail -5 "$state/vcsim.log")"; stop_simulator; exit 1; }
    log "the simulator listens at $(cat "$state/url") (pid $(cat "$state/vcsim.pid"), log $state/vcsim.log)"
fi

echo "export VIRTUALSTACK_VCSIM_URL=$(cat "$state/url")"
echo "export VIRTUALSTACK_VCSIM_USERNAME=$username"
echo "export VIRTUALSTACK_VCSIM_PASSWORD=$password"
echo "export VIRTUALSTACK_VCSIM_CA=$state/ca.pem"
echo "export VIRTUALSTACK_VCSIM_OTHER_CA=$state/other-ca.pem"
echo "export VIRTUALSTACK_VCSIM_THUMBPRINT=$thumbprint"
echo "export VIRTUALSTACK_VCSIM_TEMPLATE=$template"
