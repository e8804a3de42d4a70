#!/usr/bin/env bash
# interop/lan.sh -- an isolated multicast LAN made of network namespaces, for the
# interop suite. Nothing of it exists in the machine's root network namespace.
#
#   netns mdnsi-$LAN_ID-br :  br0 (bridge, no IP, IPv6 off, mcast_snooping 0)
#        |-- v1 <==veth==> eth0 in netns mdnsi-$LAN_ID-h1  10.99.0.1/24  fd99::1/64  MAC 02:99:00:00:00:01
#        |-- v2 <==veth==> eth0 in netns mdnsi-$LAN_ID-h2  10.99.0.2/24  fd99::2/64  ...
#        ...
# The veth pairs are created *inside* the bridge namespace with their peer put
# straight into the host namespace, so no lab interface ever exists in the root
# namespace and there is no route from the lab to the real network.
#
# Every run has its own LAN_ID (letters/digits, at most 12), so parallel or stale
# runs never collide: all names are mdnsi-$LAN_ID-*. State: $INTEROP_STATE/$LAN_ID
# (default /tmp/mdns-interop).
#
#   LAN_ID=x lan.sh up N        create br + h1..hN (N <= 50). Without LAN_ID one is
#                               made up and printed as `export LAN_ID=...`.
#   LAN_ID=x lan.sh down        kill every process in the lab namespaces (by PID,
#                               `ip netns pids`), delete them. Safe to call twice
#                               and from an EXIT trap.
#   LAN_ID=x lan.sh exec HOST CMD...   run CMD in HOST (h1.. or br)
#   LAN_ID=x lan.sh ns HOST     print the full namespace name
#   LAN_ID=x lan.sh status
#   lan.sh gc                   `down` every lab whose owner process is gone
#   lan.sh list                 labs with state here
set -euo pipefail
STATE_ROOT=${INTEROP_STATE:-/tmp/mdns-interop}
die() { echo "lan.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"

check_id() {
    [ -n "${LAN_ID:-}" ] || die "LAN_ID is not set"
    [[ "$LAN_ID" =~ ^[A-Za-z0-9]{1,12}$ ]] || die "LAN_ID must be 1-12 letters/digits"
}
pfx() { echo "mdnsi-$LAN_ID"; }
ns_of() {  # HOST -> namespace name
    case $1 in
        br) echo "$(pfx)-br" ;;
        h[0-9]*) echo "$(pfx)-$1" ;;
        *) die "bad host name: $1 (want h1.. or br)" ;;
    esac
}
ns_exists() { [ -e "/var/run/netns/$1" ]; }
state() { echo "$STATE_ROOT/$LAN_ID"; }

cmd_up() {
    local n=${1:-}
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 50 ] || die "usage: up N (1..50)"
    if [ -z "${LAN_ID:-}" ]; then LAN_ID=l$$; echo "export LAN_ID=$LAN_ID"; fi
    check_id
    local st; st=$(state)
    [ -e "$st/namespaces" ] && die "lab $LAN_ID already exists (lan.sh down first)"
    ns_exists "$(ns_of br)" && die "$(ns_of br) already exists"
    mkdir -p "$st"
    echo "${LAN_OWNER_PID:-$PPID}" > "$st/owner"
    : > "$st/namespaces"
    local br; br=$(ns_of br)
    ip netns add "$br"; echo "$br" >> "$st/namespaces"
    ip -n "$br" link set lo up
    ip netns exec "$br" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$br" link add br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0
    ip -n "$br" link set br0 up
    local i h
    for i in $(seq 1 "$n"); do
        h=$(ns_of "h$i")
        ns_exists "$h" && die "$h already exists"
        ip netns add "$h"; echo "$h" >> "$st/namespaces"
        ip -n "$h" link set lo up
        # no DAD: link-local and fd99:: usable at once
        ip netns exec "$h" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
            net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.router_solicitations=0
        ip -n "$br" link add "v$i" type veth peer name eth0 netns "$h"
        ip -n "$br" link set "v$i" master br0
        ip -n "$br" link set "v$i" up
        ip -n "$h" link set eth0 address "$(printf '02:99:00:00:00:%02x' "$i")"
        ip -n "$h" link set eth0 multicast on up
        ip -n "$h" addr add "10.99.0.$i/24" dev eth0
        ip -n "$h" -6 addr add "fd99::$i/64" dev eth0 nodad
        ip -n "$h" route add 224.0.0.0/4 dev eth0   # plain sendto(224.0.0.251) works
    done
    echo "$n" > "$st/nhosts"
    for i in $(seq 1 "$n"); do
        h=$(ns_of "h$i")
        for _ in $(seq 50); do
            if ip -n "$h" -6 addr show dev eth0 scope link | grep -q fe80 &&
               ! ip -n "$h" -6 addr show dev eth0 | grep -q tentative; then break; fi
            sleep 0.05
        done
    done
    echo "lab $LAN_ID up: $(tr '\n' ' ' < "$st/namespaces")"
}

kill_ns_pids() {
    local ns=$1 pids
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -z "$pids" ] && return 0
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 20); do
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        [ -z "$pids" ] && return 0
        sleep 0.1
    done
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
}

cmd_down() {
    check_id
    local st ns; st=$(state)
    local all=""
    [ -f "$st/namespaces" ] && all=$(cat "$st/namespaces")
    # also anything with our exact prefix that a crashed `up` did not record
    all="$all $(ls /var/run/netns 2>/dev/null | grep -E "^$(pfx)-(br|h[0-9]+)$" || true)"
    for ns in $(echo "$all" | tr ' ' '\n' | sort -u); do
        ns_exists "$ns" || continue
        kill_ns_pids "$ns"
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$st"
}

cmd_exec() {
    check_id
    local h=${1:-}; shift || true
    [ -n "$h" ] && [ $# -gt 0 ] || die "usage: exec HOST CMD..."
    local ns; ns=$(ns_of "$h")
    ns_exists "$ns" || die "no such lab namespace: $ns"
    LAN_HOST=$h exec ip netns exec "$ns" "$@"
}

cmd_status() {
    check_id
    local st; st=$(state)
    [ -f "$st/namespaces" ] || die "no lab $LAN_ID"
    for ns in $(cat "$st/namespaces"); do
        echo "== $ns"
        ip -n "$ns" -br addr show 2>/dev/null | sed 's/^/   /'
        ip netns pids "$ns" 2>/dev/null | xargs -r ps -o pid=,args= -p | sed 's/^/   proc /'
    done
}

cmd_gc() {
    local d
    for d in "$STATE_ROOT"/*/; do
        [ -f "$d/owner" ] || continue
        local id; id=$(basename "$d")
        if ! kill -0 "$(cat "$d/owner")" 2>/dev/null; then
            echo "lan.sh gc: removing stale lab $id"
            LAN_ID=$id cmd_down
        fi
    done
}

sub=${1:-}; shift || true
case $sub in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    exec) cmd_exec "$@" ;;
    ns) check_id; ns_of "$1" ;;
    status) cmd_status ;;
    gc) cmd_gc ;;
    list) ls "$STATE_ROOT" 2>/dev/null || true ;;
    *) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
