#!/usr/bin/env bash
# interop/avahi.sh -- one independent avahi-daemon, with its own private D-Bus
# system bus, per lab namespace (no systemd). Needs LAN_ID (see lan.sh).
#
#   avahi.sh start HOST [--hostname NAME] [--debug] [--set section.key=value]...
#   avahi.sh wait HOST [SECONDS]      wait for "Server startup complete"
#   avahi.sh stop HOST                kill avahi-daemon + dbus-daemon (by PID)
#   avahi.sh client HOST CMD...       run avahi-browse / avahi-publish / avahi-resolve
#                                     in HOST against HOST's private bus
#   avahi.sh log HOST
#
# Isolation (state under $INTEROP_STATE/$LAN_ID/avahi/HOST):
#   * network: ip netns exec -> the daemon only sees HOST's lo + eth0 (allow-interfaces=eth0)
#   * /etc/avahi and /run/avahi-daemon are bind-mounted from the state dir in a
#     private mount namespace (unshare --mount), so each daemon has its own config,
#     services/, pid file and socket. Only the empty mount point /run/avahi-daemon
#     is created in the root filesystem if it is missing.
#   * host-name= is set per daemon (default avahi-HOST): all namespaces share the
#     machine's UTS hostname, otherwise every daemon would claim the same NAME.local.
#   * private dbus-daemon on unix:path=<state>/dbus.sock, permissive policy; the
#     daemon and the clients get DBUS_SYSTEM_BUS_ADDRESS pointing at it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STATE_ROOT=${INTEROP_STATE:-/tmp/mdns-interop}
die() { echo "avahi.sh: $*" >&2; exit 1; }
[ -n "${LAN_ID:-}" ] || die "LAN_ID is not set"
dir_of() { echo "$STATE_ROOT/$LAN_ID/avahi/$1"; }
bus_of() { echo "unix:path=$(dir_of "$1")/dbus.sock"; }
ns_of() { "$HERE/lan.sh" ns "$1"; }

cmd_start() {
    local h=${1:-}; shift || true
    local ns; ns=$(ns_of "$h"); [ -e "/var/run/netns/$ns" ] || die "no such lab namespace: $ns"
    local hn="avahi-$h" debug=() sets=()
    while [ $# -gt 0 ]; do
        case $1 in
            --hostname) hn=$2; shift 2 ;;
            --debug) debug=(--debug); shift ;;
            --set) sets+=("$2"); shift 2 ;;
            *) die "unknown option $1" ;;
        esac
    done
    local d; d=$(dir_of "$h")
    if [ -f "$d/avahi.pid" ] && kill -0 "$(cat "$d/avahi.pid")" 2>/dev/null; then
        die "avahi already running in $h"
    fi
    mkdir -p "$d/etc/services" "$d/run"
    : > "$d/etc/hosts"
    python3 - "$d/etc/avahi-daemon.conf" "$hn" "${sets[@]}" <<'PY'
import configparser, sys
path, hn, *sets = sys.argv[1:]
c = configparser.ConfigParser(interpolation=None)
c.optionxform = str
c.read_dict({
    "server": {"host-name": hn, "domain-name": "local", "use-ipv4": "yes",
               "use-ipv6": "yes", "allow-interfaces": "eth0", "enable-dbus": "yes",
               "ratelimit-interval-usec": "1000000", "ratelimit-burst": "1000"},
    "wide-area": {"enable-wide-area": "no"},
    "publish": {"publish-hinfo": "no", "publish-workstation": "no"},
    "reflector": {}, "rlimits": {},
})
for s in sets:
    k, v = s.split("=", 1)
    sec, key = k.split(".", 1)
    if not c.has_section(sec):
        c.add_section(sec)
    c.set(sec, key, v)
with open(path, "w") as f:
    c.write(f, space_around_delimiters=False)
PY
    [ -d /run/avahi-daemon ] || mkdir -p /run/avahi-daemon   # empty mount point only
    cat > "$d/dbus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$d/dbus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/> <allow own="*"/>
    <allow send_type="method_call"/> <allow send_type="signal"/>
    <allow send_type="method_return"/> <allow send_type="error"/>
    <allow receive_type="method_call"/> <allow receive_type="signal"/>
    <allow receive_type="method_return"/> <allow receive_type="error"/>
  </policy>
</busconfig>
XML
    rm -f "$d/dbus.sock"
    ip netns exec "$ns" dbus-daemon --config-file="$d/dbus.conf" --nofork --nopidfile --nosyslog \
        > "$d/dbus.log" 2>&1 &
    echo $! > "$d/dbus.pid"
    for _ in $(seq 50); do [ -S "$d/dbus.sock" ] && break; sleep 0.1; done
    [ -S "$d/dbus.sock" ] || die "dbus-daemon did not come up: $(cat "$d/dbus.log")"
    rm -f "$d/avahi.pid"
    date +%s.%N > "$d/start.ts"
    # ip netns exec -> unshare -> sh (writes its PID) -> exec avahi-daemon
    ip netns exec "$ns" unshare --mount --propagation private \
        env DBUS_SYSTEM_BUS_ADDRESS="$(bus_of "$h")" sh -c '
            echo $$ > "$1/avahi.pid"
            mount --bind "$1/etc" /etc/avahi &&
            mount --bind "$1/run" /run/avahi-daemon &&
            shift && exec avahi-daemon --no-drop-root --no-chroot --no-rlimits \
                 -f /etc/avahi/avahi-daemon.conf "$@"' sh "$d" "${debug[@]}" \
        > "$d/avahi.log" 2>&1 &
    for _ in $(seq 50); do [ -s "$d/avahi.pid" ] && break; sleep 0.05; done
}

cmd_wait() {
    local h=$1 t=${2:-10} d; d=$(dir_of "$h")
    for _ in $(seq $((t * 10))); do
        grep -q 'Server startup complete' "$d/avahi.log" 2>/dev/null && return 0
        kill -0 "$(cat "$d/avahi.pid" 2>/dev/null || echo 0)" 2>/dev/null || die "avahi died: $(cat "$d/avahi.log")"
        sleep 0.1
    done
    die "timeout waiting for avahi in $h"
}

cmd_stop() {
    local h=$1 d p f; d=$(dir_of "$h")
    for f in avahi.pid dbus.pid; do
        [ -f "$d/$f" ] || continue
        p=$(cat "$d/$f")
        kill "$p" 2>/dev/null || true
        for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null || true
        rm -f "$d/$f"
    done
}

cmd_client() {
    local h=$1; shift
    local ns; ns=$(ns_of "$h")
    [ -S "$(dir_of "$h")/dbus.sock" ] || die "$h has no avahi/D-Bus running"
    DBUS_SYSTEM_BUS_ADDRESS=$(bus_of "$h") LAN_HOST=$h exec ip netns exec "$ns" "$@"
}

sub=${1:-}; shift || true
case $sub in
    start) cmd_start "$@" ;;
    wait) cmd_wait "$@" ;;
    stop) cmd_stop "$@" ;;
    client) cmd_client "$@" ;;
    log) cat "$(dir_of "$1")/avahi.log" ;;
    *) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
