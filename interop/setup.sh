#!/usr/bin/env bash
# interop/setup.sh -- install what the interop harness needs on Debian 12 (as root).
# Idempotent: re-running only re-checks.
#
#   apt (--no-install-recommends: keeps libnss-mdns and its nsswitch.conf edit out):
#     avahi-daemon avahi-utils  real Avahi peer + avahi-browse/-publish/-resolve
#     tshark                    capture/decode; wireshark-common's "non-root capture" question preseeded
#     tcpdump dnsutils(dig) iproute2 nftables dbus python3 procps
#   pip: zeroconf (python-zeroconf peer)
#   Apple's mDNSResponder (mdnsd + dns-sd), built from the archive in
#     ../shared/peers/mdnsresponder with the build script there (about 10-30 s, needs
#     build-essential), into $MDNSR_CACHE (default /tmp/mdns-interop-cache); only when
#     that build is missing. Skipped, with a note, if ../shared is not beside the checkout.
#
# SAFETY: on a systemd host, installing avahi-daemon would START it in the root
# network namespace (the real LAN). We install under a policy-rc.d that forbids
# service starts, mask the units, and finally fail if any avahi-daemon runs in
# the root namespace.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "setup.sh: run as root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

PKGS=(avahi-daemon avahi-utils tshark tcpdump dnsutils iproute2 nftables dbus procps build-essential xz-utils)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup.sh: installing ${missing[*]}"
    PRC=/usr/sbin/policy-rc.d tmp_prc=no
    if [ ! -e $PRC ]; then
        printf '#!/bin/sh\nexit 101\n' > $PRC; chmod +x $PRC; tmp_prc=yes
        trap '[ $tmp_prc = yes ] && rm -f $PRC' EXIT
    fi
    # tshark asks whether non-root users may capture: answer "no" up front
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${PKGS[@]}"
    [ $tmp_prc = yes ] && rm -f $PRC
    tmp_prc=no
else
    echo "setup.sh: apt packages already installed"
fi

# never let avahi run in the root namespace
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl stop avahi-daemon.socket avahi-daemon.service 2>/dev/null || true
    systemctl mask avahi-daemon.socket avahi-daemon.service >/dev/null 2>&1 || true
fi
# sysvinit images: keep the init script from starting it at boot
update-rc.d avahi-daemon disable >/dev/null 2>&1 || true

PY=${PYTHON:-python3}
if ! "$PY" -c 'import zeroconf' 2>/dev/null; then
    echo "setup.sh: pip install zeroconf"
    "$PY" -m pip install -q zeroconf 2>/dev/null || "$PY" -m pip install -q --break-system-packages zeroconf
fi
"$PY" -c 'import zeroconf; print("zeroconf", zeroconf.__version__)'
avahi-daemon --version
tshark --version 2>/dev/null | head -1
dig -v 2>&1 | head -1

# Apple's mDNSResponder: build once per version into the cache
# shellcheck source=lib/mdnsr.sh
source "$(dirname "$0")/lib/mdnsr.sh"
if [ -z "$MDNSR_ARCHIVE" ] || [ ! -x "$MDNSR_PEER/build.sh" ]; then
    echo "setup.sh: no mDNSResponder archive and build.sh in $MDNSR_PEER: the Apple cases will be skipped"
elif [ -x "$MDNSR_BIN/mdnsd" ] && [ -x "$MDNSR_BIN/dns-sd" ]; then
    echo "setup.sh: mDNSResponder $MDNSR_VERSION already built in $MDNSR_OUT"
else
    echo "setup.sh: building mDNSResponder $MDNSR_VERSION into $MDNSR_OUT"
    src=$(mktemp -d /tmp/mdnsr-src.XXXXXX)
    tar -xJf "$MDNSR_ARCHIVE" -C "$src"
    t0=$(date +%s)
    if ! MDNSRESPONDER_VERSION=$MDNSR_VERSION "$MDNSR_PEER/build.sh" "$src/mDNSResponder-$MDNSR_VERSION" "$MDNSR_OUT" \
            > "$src/build.out" 2>&1; then
        tail -20 "$src/build.out"; rm -rf "$src"; echo "setup.sh: mDNSResponder build failed" >&2; exit 1
    fi
    rm -rf "$src" "$MDNSR_OUT/tree"     # the objects are not needed to run it
    echo "setup.sh: mDNSResponder built in $(( $(date +%s) - t0 )) s"
fi
[ -x "$MDNSR_BIN/mdnsd" ] && head -1 "$MDNSR_OUT/VERSION"

root_ns=$(readlink /proc/self/ns/net)
bad=0
for p in $(pgrep -x avahi-daemon || true); do
    if [ "$(readlink /proc/"$p"/ns/net 2>/dev/null)" = "$root_ns" ]; then
        echo "setup.sh: avahi-daemon pid $p runs in the ROOT network namespace -- stopping it" >&2
        kill "$p" || true; bad=1
    fi
done
[ $bad = 0 ] || { sleep 1; pgrep -x avahi-daemon >/dev/null && for p in $(pgrep -x avahi-daemon); do
    [ "$(readlink /proc/"$p"/ns/net 2>/dev/null)" = "$root_ns" ] && { echo "still running: $p" >&2; exit 1; }; done; }
echo "setup ok"
