#!/usr/bin/env bash
# Prepares the end-to-end test of the libvirt driver on a real QEMU (run as root; scripts/test.sh runs it):
#   1. installs libvirt's daemon, QEMU and the image tools from Debian's packages;
#   2. builds a tiny bootable base disk ONCE and caches it, keyed by the versions of the packages it is
#      made of: Debian's cloud kernel, a busybox initrd with the QEMU guest agent, syslinux on a FAT
#      "superfloppy", converted to qcow2 (about 18 MB, under a second once the packages are downloaded);
#   3. starts a libvirt daemon of its own in session mode as `nobody` (no systemd, no configuration),
#      or reuses the one a previous run started;
#   4. puts the base into the daemon's dir pool `vs-e2e` as the volume `base.qcow2`.
# Prints the environment the Swift test reads on stdout (`eval "$(scripts/libvirt-e2e-setup.sh)"`);
# everything else goes to stderr. `scripts/libvirt-e2e-setup.sh stop` stops the daemon.
set -euo pipefail

# Short: QEMU's guest-agent socket lives below it (config/libvirt/qemu/channel/target/domain-N-<name>/…),
# and a UNIX socket path longer than 107 bytes makes libvirt refuse it.
state=${VIRTUALSTACK_E2E_DIR:-/tmp/vs-e2e}
cache=${VIRTUALSTACK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/virtualstack}/libvirt-e2e
pool=vs-e2e
socket=$state/run/libvirt/libvirt-sock
uri="qemu:///session?socket=$socket"
log() { echo "libvirt-e2e: $*" >&2; }

# A daemon that died can linger as a zombie under a slow-reaping PID 1: look at its state, not `kill -0`.
daemon_alive() {
    [[ -f $state/libvirtd.pid ]] || return 1
    local pid
    pid=$(cat "$state/libvirtd.pid")
    [[ -r /proc/$pid/stat ]] && ! awk '{ exit ($3 == "Z") ? 0 : 1 }' "/proc/$pid/stat"
}

if [[ ${1:-} == stop ]]; then
    if daemon_alive; then
        kill "$(cat "$state/libvirtd.pid")"
        for _ in $(seq 50); do
            daemon_alive || break
            sleep 0.1
        done
        daemon_alive && kill -9 "$(cat "$state/libvirtd.pid")"
        log "stopped the daemon"
    fi
    exit 0
fi

# 1. Packages.
packages=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils dosfstools syslinux syslinux-common mtools)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# 2. The base image, cached under the versions of what it is built from (and this script's own text).
kernel=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' | awk '{ print $1 }' | sort -V | tail -1)
if [[ -z $kernel ]]; then
    apt-get update -qq >&2
    kernel=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' | awk '{ print $1 }' | sort -V | tail -1)
fi
guest_packages=("$kernel" busybox-static qemu-guest-agent)
key=$(
    {
        for package in "${guest_packages[@]}" syslinux; do apt-cache policy "$package" | awk -v p="$package" '/Candidate/ { print p, $2 }'; done
        cat "$0"
    } | sha256sum | cut -c1-16
)
base=$cache/$key/base.qcow2
if [[ ! -f $base ]]; then
    log "building the base image ($kernel, busybox, qemu-guest-agent) into $base"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    (cd "$work" && apt-get download "${guest_packages[@]}" >&2)
    for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
    version=${kernel#linux-image-}
    initrd=$work/initrd
    mkdir -p "$initrd"/{bin,sbin,usr/bin,usr/sbin,etc/acpi/PWRF,proc,sys,dev,run,tmp,var/run,var/log,lib/modules}
    cp "$work/root/bin/busybox" "$initrd/bin/busybox"
    for applet in $("$work/root/bin/busybox" --list); do
        [[ -e $initrd/bin/$applet ]] || ln -s busybox "$initrd/bin/$applet"
    done
    # The modules a virtio machine needs, in load order (those built into the kernel are not found: fine).
    modules="evdev button virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_console failover net_failover virtio_net virtio_blk"
    for module in $modules; do
        found=$(find "$work/root/lib/modules/$version" -name "$module.ko*" | head -1)
        [[ -n $found ]] || continue
        case $found in
        *.xz) xz -dc "$found" >"$initrd/lib/modules/$module.ko" ;;
        *) cp "$found" "$initrd/lib/modules/$module.ko" ;;
        esac
    done
    # The guest agent and the libraries it links (resolved on this Debian, which the guest's are).
    cp "$work/root/usr/sbin/qemu-ga" "$initrd/usr/sbin/qemu-ga"
    for library in $(ldd "$work/root/usr/sbin/qemu-ga" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do
        cp --parents -L "$library" "$initrd"
    done
    # qemu-ga shuts down and reboots through /sbin/shutdown, which busybox lacks.
    cat >"$initrd/sbin/shutdown" <<'EOF'
#!/bin/sh
case " $* " in *" -r "*) exec reboot -f ;; *) exec poweroff -f ;; esac
EOF
    # The ACPI power button (busybox acpid runs /etc/acpi/PWRF/00000080) powers off too.
    printf '#!/bin/sh\nexec poweroff -f\n' >"$initrd/etc/acpi/PWRF/00000080"
    cat >"$initrd/init" <<EOF
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for module in $modules; do
    [ -f /lib/modules/\$module.ko ] && insmod /lib/modules/\$module.ko
done
# busybox acpid logs to /var/log/acpid.log and exits when it cannot.
acpid -c /etc/acpi
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
# devtmpfs has no /dev/virtio-ports names (udev makes those): find the agent's port by its name.
for attempt in \$(seq 50); do
    for port in /sys/class/virtio-ports/*; do
        [ "\$(cat \$port/name 2>/dev/null)" = org.qemu.guest_agent.0 ] && agent=/dev/\${port##*/}
    done
    [ -n "\$agent" ] && [ -e "\$agent" ] && break
    sleep 0.1
done
qemu-ga -m virtio-serial -p "\$agent" -t /run &
echo "VIRTUALSTACK-GUEST-READY" >/dev/ttyS0
while true; do sleep 3600; done
EOF
    chmod 755 "$initrd/init" "$initrd/sbin/shutdown" "$initrd/etc/acpi/PWRF/00000080"
    (cd "$initrd" && find . | "$work/root/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -9 >"$work/initrd.gz")
    cp "$work/root/boot/vmlinuz-$version" "$work/vmlinuz"
    printf 'SERIAL 0 115200\nDEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  INITRD initrd.gz\n  APPEND console=ttyS0 quiet panic=-1\n' >"$work/syslinux.cfg"
    truncate -s 32M "$work/raw.img"
    mkfs.vfat "$work/raw.img" >&2
    syslinux --install "$work/raw.img"
    MTOOLS_SKIP_CHECK=1 mcopy -i "$work/raw.img" "$work/vmlinuz" "$work/initrd.gz" "$work/syslinux.cfg" ::/
    mkdir -p "$cache/$key"
    qemu-img convert -O qcow2 "$work/raw.img" "$base.partial"
    mv "$base.partial" "$base"
fi

# 3. The daemon: session mode as nobody, in a directory of its own (kept between runs: the first
# connection probes QEMU for seconds, and the probe is cached in `cache`).
if ! daemon_alive; then
    mkdir -p "$state"/{home,run,config,cache,pool,console}
    chown 65534:65534 "$state" "$state"/{home,run,config,cache,pool,console}
    chmod 700 "$state/run"
    rm -rf "$state/run/libvirt"
    # The daemon keeps no descriptor of ours beyond stdio: a caller that waits for our output to end (or,
    # as Foundation's Process does, for a socket its child inherits to close) must not wait for the daemon.
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            ((fd > 2)) && eval "exec $fd>&-"
        done
        exec setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$state/home" \
            XDG_RUNTIME_DIR="$state/run" XDG_CONFIG_HOME="$state/config" XDG_CACHE_HOME="$state/cache" \
            /usr/sbin/libvirtd
    ) </dev/null >"$state/libvirtd.log" 2>&1 &
    echo $! >"$state/libvirtd.pid"
    for _ in $(seq 100); do
        [[ -S $socket ]] && break
        sleep 0.1
    done
    [[ -S $socket ]] || { log "libvirtd did not start: $(tail -5 "$state/libvirtd.log")"; exit 1; }
    log "libvirtd (session, nobody) listens on $socket"
fi

# 4. The pool and the base volume in it (the file copied in, owned by the daemon's user, then a refresh).
virsh=(virsh -q -c "$uri")
if ! "${virsh[@]}" pool-info "$pool" >/dev/null 2>&1; then
    "${virsh[@]}" pool-define-as "$pool" dir --target "$state/pool" >&2
fi
active=$("${virsh[@]}" pool-list --name)
if ! grep -qx "$pool *" <<<"$active"; then
    "${virsh[@]}" pool-build "$pool" >&2 || true
    "${virsh[@]}" pool-start "$pool" >&2
fi
if ! cmp -s "$base" "$state/pool/base.qcow2"; then
    install -o 65534 -g 65534 -m 644 "$base" "$state/pool/base.qcow2"
fi
"${virsh[@]}" pool-refresh "$pool" >/dev/null
# What a run that died left behind (the daemon is the tests' alone): its guests, their definitions, their disks.
for domain in $("${virsh[@]}" list --all --name | grep '^vs-' || true); do
    "${virsh[@]}" destroy "$domain" >/dev/null 2>&1 || true
    "${virsh[@]}" undefine "$domain" >/dev/null 2>&1 || true
    log "removed $domain, left by an earlier run"
done
for volume in $("${virsh[@]}" vol-list "$pool" | awk '$1 ~ /^vs-.*\.qcow2$/ { print $1 }'); do
    "${virsh[@]}" vol-delete --pool "$pool" "$volume" >/dev/null
done

echo "export VIRTUALSTACK_E2E_LIBVIRT_SOCKET=$socket"
echo "export VIRTUALSTACK_E2E_CONSOLE_DIR=$state/console"
