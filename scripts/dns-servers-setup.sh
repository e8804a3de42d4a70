#!/usr/bin/env bash
# scripts/dns-servers-setup.sh -- install the DNS servers dnssd-unicast's tests run
# against (Debian 12, as root). Idempotent: re-running only re-checks.
#
#   bind9     BIND 9 `named`
#   knot      Knot DNS `knotd`
#   dnsutils  `dig`, `nsupdate` (the servers' own tools, for cross-checks)
#
# The tests start their own server processes on 127.0.0.1 on high ports, in temporary
# directories, and stop them by PID. The system services these packages bring are never
# started: the install runs under a policy-rc.d that forbids service starts (Debian's
# invoke-rc.d and deb-systemd-invoke obey it), and on a systemd host the units are masked.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "dns-servers-setup.sh: run as root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

PKGS=(bind9 knot dnsutils)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "dns-servers-setup.sh: installing ${missing[*]}"
    PRC=/usr/sbin/policy-rc.d tmp_prc=no
    if [ ! -e $PRC ]; then
        printf '#!/bin/sh\nexit 101\n' > $PRC; chmod +x $PRC; tmp_prc=yes
        trap '[ $tmp_prc = yes ] && rm -f $PRC' EXIT
    fi
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${PKGS[@]}"
    [ $tmp_prc = yes ] && rm -f $PRC
    tmp_prc=no
else
    echo "dns-servers-setup.sh: apt packages already installed"
fi

# Keep the system services from ever starting (here or at boot).
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl mask named.service bind9.service knot.service >/dev/null 2>&1 || true
fi
update-rc.d named disable >/dev/null 2>&1 || true
update-rc.d knot disable >/dev/null 2>&1 || true

named -v
knotd -V | head -1
dig -v 2>&1 | head -1
echo "dns servers ok"
