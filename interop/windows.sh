#!/usr/bin/env bash
# interop/windows.sh -- the Windows `mdns` binary (x86_64-pc-windows-gnu) under Wine on
# the wire against Avahi and python-zeroconf, on a host with a second, decoy interface.
# Root only; everything runs in network namespaces it makes and removes (lan.sh).
#
#   bash interop/windows.sh [--only REGEX] [--keep]
#
# Needs: interop/setup.sh (Avahi, python-zeroconf, tshark, tcpdump) and Wine with the
# bcryptprimitives stand-in in a prefix (scripts/test-windows.sh installs both and calls
# this at its end). Builds the Windows `mdns` and the tokio and smol adapters' examples
# (debug) if they are not up to date. Env: MDNS_EXE (another Windows `mdns`),
# WINE_PREFIX (default $MDNS_WINE_PREFIXES/mdnsw-win, the prefix test-windows.sh makes;
# made here if missing), LAN_ID, INTEROP_OUT.
#
# The lab (lan.sh up 5, then LAN B added by this script):
#   LAN A 10.99.0.0/24 fd99::/64 (br0)       LAN B 10.98.0.0/24 fd98::/64 (br1)
#   h1 eth0 10.99.0.1  Windows `mdns` ------ h1 eth1 10.98.0.1  (the decoy interface)
#   h2 10.99.0.2  python-zeroconf publisher  h5 eth0 10.98.0.5  python-zeroconf
#   h3 10.99.0.3  avahi-daemon (avahi-h3)         publisher and browser (LAN B only)
#   h4 10.99.0.4  python-zeroconf browser
# A Windows build that sends a record out of the wrong interface, or announces one
# LAN's address on the other, or credits a datagram to the wrong interface, fails:
# each LAN's peers must see h1 with that LAN's address only, and `mdns browse` must
# report each peer's service on the interface of its LAN.
#
# Wine: one prefix, used by one namespace at a time (wine-in-netns.sh refuses a prefix
# whose wineserver runs in another namespace); a persistent wineserver runs in h1 for
# the suite and is stopped at the end. The Windows program is stopped with SIGINT,
# which Wine delivers as Ctrl-C (SIGTERM would end it at once, without goodbyes).
#
# Output: `PASS name (notes)` / `FAIL name: why` / `SKIP name: why`, then
# `N passed, N failed`; exit status 0 only if nothing failed. Logs in
# $INTEROP_OUT (default interop/out/windows-*).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
export HERE REPO

# ---------------------------------------------------------------- child: one case
if [ "${1:-}" = __case ]; then
    shift
    # shellcheck source=lib/common.sh
    source "$HERE/lib/common.sh"
    source "$HERE/lib/windows_cases.sh"
    trap 'exit 143' TERM INT
    trap case_cleanup EXIT
    "$@"
    exit $?
fi

ONLY="" KEEP=no
while [ $# -gt 0 ]; do
    case $1 in
        --only) ONLY=$2; shift ;;
        --keep) KEEP=yes ;;
        -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "windows.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "windows.sh: must run as root (network namespaces)" >&2; exit 2; }

# ---------------------------------------------------------------- what it needs
WINE=/usr/lib/wine/wine64 WINESERVER=/usr/lib/wine/wineserver64
missing=()
for c in ip avahi-daemon avahi-browse avahi-publish dbus-daemon tshark tcpdump timeout python3 \
         x86_64-w64-mingw32-gcc "$WINE" "$WINESERVER"; do
    command -v "$c" >/dev/null || missing+=("$c")
done
python3 -c 'import zeroconf' 2>/dev/null || missing+=("python3-module:zeroconf")
if [ ${#missing[@]} -gt 0 ]; then
    echo "windows.sh: missing ${missing[*]} -- run interop/setup.sh and scripts/test-windows.sh (as root)" >&2
    exit 2
fi
# The Windows builds: the CLI, and the tokio and smol adapters' examples (register,
# browse). Nothing is rebuilt when it is up to date.
builds=$(cd "$REPO" && cargo build --target x86_64-pc-windows-gnu -p mdns-cli -p mdns-tokio -p mdns-smol \
    --bin mdns --example tokio-register --example tokio-browse --example smol-register --example smol-browse \
    --message-format=json 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["target"]["name"], m["executable"])')
exe() { awk -v t="$1" '$1 == t { print $2 }' <<< "$builds"; }
export MDNS_EXE=${MDNS_EXE:-$(exe mdns)}
export WIN_EX_TOKIO_REGISTER=$(exe tokio-register) WIN_EX_TOKIO_BROWSE=$(exe tokio-browse)
export WIN_EX_SMOL_REGISTER=$(exe smol-register) WIN_EX_SMOL_BROWSE=$(exe smol-browse)
for f in "$MDNS_EXE" "$WIN_EX_TOKIO_REGISTER" "$WIN_EX_TOKIO_BROWSE" "$WIN_EX_SMOL_REGISTER" "$WIN_EX_SMOL_BROWSE"; do
    [ -f "$f" ] || { echo "windows.sh: the Windows build failed (cargo build --target x86_64-pc-windows-gnu -p mdns-cli -p mdns-tokio -p mdns-smol --examples)" >&2; exit 2; }
done
export WINE_PREFIX=${WINE_PREFIX:-${MDNS_WINE_PREFIXES:-/tmp/mdns-wine-prefixes}/mdnsw-win}
export MDNS_BIN=$HERE/lib/wine-mdns.sh
export INTEROP_STATE=${INTEROP_STATE:-/tmp/mdns-interop}
export LAN_ID=${LAN_ID:-w$$}
export LAN_OWNER_PID=$$
if [ -n "${INTEROP_OUT:-}" ]; then
    export OUT=$INTEROP_OUT
else
    export OUT=$HERE/out/windows-$(date +%Y%m%d-%H%M%S)-$LAN_ID
    mkdir -p "$HERE/out"
    ls -1d "$HERE"/out/windows-* 2>/dev/null | head -n -2 | xargs -r rm -rf
fi
rm -rf "$OUT"; mkdir -p "$OUT/cases"
T_SUITE=$(date +%s.%N)
H1=$("$HERE/lan.sh" ns h1 2>/dev/null || echo "mdnsi-$LAN_ID-h1")

# ---------------------------------------------------------------- the lab
TSHARK_PID="" LEAK_PID="" CASE_PID=""
stop_pid() {  # PID: SIGINT, then wait up to 3 s
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
    kill -INT "$1" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
}
wine_stop() {
    [ -e "/var/run/netns/$H1" ] || return 0
    WINE=$WINESERVER sh "$REPO/scripts/wine/wine-in-netns.sh" "$H1" -k >/dev/null 2>&1 || true
}
teardown() {
    trap - EXIT INT TERM
    if [ -n "$CASE_PID" ]; then kill -TERM "$CASE_PID" 2>/dev/null; wait "$CASE_PID" 2>/dev/null; fi
    stop_pid "$TSHARK_PID"; stop_pid "$LEAK_PID"
    if [ $KEEP = yes ]; then echo "lab kept: LAN_ID=$LAN_ID $HERE/lan.sh down   (to remove it)"; return; fi
    wine_stop
    "$HERE/avahi.sh" stop h3 >/dev/null 2>&1 || true
    "$HERE/lan.sh" down >/dev/null 2>&1 || true
}
trap teardown EXIT
trap 'echo "windows.sh: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM
"$HERE/lan.sh" gc >/dev/null 2>&1 || true
# Safety net: what the ROOT namespace sends to port 5353 / the mDNS groups during the
# suite (must stay empty: a wineserver started outside the lab would send from there).
if [ "${INTEROP_LEAK_CHECK:-1}" != 0 ]; then
    tcpdump -i any -Q out --immediate-mode -n -U -w "$OUT/root-ns-sent.pcap" \
        'udp port 5353 or host 224.0.0.251 or host ff02::fb' > "$OUT/root-tcpdump.log" 2>&1 &
    LEAK_PID=$!
    echo "$LEAK_PID" > "$OUT/leak.pid"
    for _ in $(seq 50); do grep -qs 'listening on' "$OUT/root-tcpdump.log" && break; sleep 0.1; done
fi
lab() {
    "$HERE/lan.sh" up 5 || return 1
    local br h1 h5
    br=$("$HERE/lan.sh" ns br) h1=$("$HERE/lan.sh" ns h1) h5=$("$HERE/lan.sh" ns h5)
    ip -n "$br" link add br1 type bridge mcast_snooping 0 stp_state 0 forward_delay 0 || return 1
    ip -n "$br" link set br1 up
    # h5 moves to LAN B
    ip -n "$br" link set v5 nomaster && ip -n "$br" link set v5 master br1 || return 1
    ip -n "$h5" addr flush dev eth0 scope global
    ip -n "$h5" addr add 10.98.0.5/24 dev eth0
    ip -n "$h5" -6 addr add fd98::5/64 dev eth0 nodad
    # h1's decoy interface on LAN B
    ip -n "$br" link add d1 type veth peer name eth1 netns "$h1" || return 1
    ip -n "$br" link set d1 master br1 up
    ip -n "$h1" link set eth1 address 02:98:00:00:00:01
    ip -n "$h1" link set eth1 multicast on up
    ip -n "$h1" addr add 10.98.0.1/24 dev eth1
    ip -n "$h1" -6 addr add fd98::1/64 dev eth1 nodad
    for _ in $(seq 50); do
        ip -n "$h1" -6 addr show dev eth1 scope link | grep -q fe80 &&
            ! ip -n "$h1" -6 addr show | grep -q tentative && break
        sleep 0.05
    done
    # Wine: the prefix (made once, ~20 s, ~700 MB; shared with test-windows.sh) and a
    # persistent wineserver inside h1
    if [ ! -f "$WINE_PREFIX/system.reg" ]; then
        echo "making the Wine prefix $WINE_PREFIX"
        WINE=$WINE sh "$REPO/scripts/wine/wine-in-netns.sh" "$h1" wineboot -u >/dev/null 2>&1 || true
        wine_stop
    fi
    local dll=$REPO/target/wine/bcryptprimitives.dll
    if [ ! -f "$dll" ] || [ "$REPO/scripts/wine/bcryptprimitives.c" -nt "$dll" ]; then
        mkdir -p "$REPO/target/wine"
        x86_64-w64-mingw32-gcc -shared -O2 -o "$dll" "$REPO/scripts/wine/bcryptprimitives.c" -ladvapi32 || return 1
    fi
    cp "$dll" "$WINE_PREFIX/drive_c/windows/system32/" || return 1
    WINE=$WINESERVER sh "$REPO/scripts/wine/wine-in-netns.sh" "$h1" -p >/dev/null 2>&1 &
    sh "$REPO/scripts/wine/wine-in-netns.sh" "$h1" "$MDNS_EXE" --version || return 1
    "$HERE/avahi.sh" start h3 && "$HERE/avahi.sh" wait h3 15 || return 1
}
lab > "$OUT/lab.log" 2>&1 || { tail -5 "$OUT/lab.log"; echo "windows.sh: lab setup failed"; exit 2; }
ip netns exec "$("$HERE/lan.sh" ns br)" tshark -n -q -i br0 -i br1 -f "udp port 5353" -w "$OUT/capture.pcap" \
    > "$OUT/tshark.log" 2>&1 &
TSHARK_PID=$!
echo "$TSHARK_PID" > "$OUT/tshark.pid"
for _ in $(seq 100); do grep -qs 'Capturing on' "$OUT/tshark.log" && break; sleep 0.1; done
grep -q 'Capturing on' "$OUT/tshark.log" || { cat "$OUT/tshark.log"; echo "windows.sh: tshark did not start"; exit 2; }

# ---------------------------------------------------------------- the cases
# shellcheck source=lib/windows_cases.sh
source "$HERE/lib/windows_cases.sh"
keep_pids() {  # what stays between cases: avahi + its bus, tshark, h1's Wine (its
               # wineserver and the prefix's own services, C:\windows\...)
    local p wine=""
    for p in $(ip netns pids "$H1" 2>/dev/null); do
        case $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null) in
            "$WINESERVER"*|'C:\windows\'*) wine="$wine $p" ;;
        esac
    done
    echo " $TSHARK_PID $(cat "$INTEROP_STATE/$LAN_ID/avahi/h3/avahi.pid" "$INTEROP_STATE/$LAN_ID/avahi/h3/dbus.pid" 2>/dev/null | tr '\n' ' ')$wine "
}
sweep() {  # end whatever a case left in the lab
    local keep; keep=$(keep_pids)
    local h p left=()
    for h in h1 h2 h3 h4 h5; do
        for p in $(ip netns pids "$("$HERE/lan.sh" ns $h)" 2>/dev/null); do
            [[ "$keep" == *" $p "* ]] || left+=("$p")
        done
    done
    [ ${#left[@]} -eq 0 ] && return 0
    echo "[sweep] left over: $(ps -o pid=,args= -p "${left[*]}" | tr '\n' ';')" >> "$CDIR/case.log"
    kill -INT "${left[@]}" 2>/dev/null; sleep 1; kill -KILL "${left[@]}" 2>/dev/null
    return 0
}
say() { echo "$*" | tee -a "$OUT/summary.txt"; }
PASSED=0 FAILED=0 SKIPPED=0
say "interop (Windows under Wine): lab=$LAN_ID mdns=$MDNS_EXE prefix=$WINE_PREFIX logs=$OUT"
while read -r name tmo fn args; do
    [ -z "$name" ] && continue
    [ -z "$ONLY" ] || [[ "$name" =~ $ONLY ]] || [[ "$fn" = case_win_capture || "$fn" = case_win_no_leak ]] || continue
    export CDIR=$OUT/cases/$name
    mkdir -p "$CDIR"
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    timeout -k 5 "$tmo" "$0" __case "$fn" $args > "$CDIR/case.log" 2>&1 &
    CASE_PID=$!
    wait "$CASE_PID"; rc=$?
    CASE_PID=""
    sweep
    dt=$(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')")
    notes=$(sed -n 's/^NOTE: //p' "$CDIR/case.log" | paste -sd ';' | sed 's/;/; /g')
    why=$(sed -n 's/^WHY: //p' "$CDIR/case.log" | tail -1)
    case $rc in
        0) say "PASS $name (${dt}s${notes:+; $notes})"; PASSED=$((PASSED + 1)) ;;
        77) say "SKIP $name: $(sed -n 's/^SKIP-WHY: //p' "$CDIR/case.log" | tail -1)"; SKIPPED=$((SKIPPED + 1)) ;;
        124|137) say "FAIL $name: timed out after ${tmo}s${why:+ ($why)} [log: $CDIR/case.log]"; FAILED=$((FAILED + 1)) ;;
        *) say "FAIL $name: ${why:-exit $rc: $(grep -v '^\[' "$CDIR/case.log" | tail -1)} (${dt}s) [log: $CDIR/case.log]"; FAILED=$((FAILED + 1)) ;;
    esac
done < <(windows_cases)
teardown
echo "suite took $(python3 -c "print(f'{$(date +%s.%N) - $T_SUITE:.1f}')")s; logs in $OUT"
say "$SKIPPED skipped"
say "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
