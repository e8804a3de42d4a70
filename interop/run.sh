#!/usr/bin/env bash
# interop/run.sh -- interop suite: our `mdns` binary against Avahi and python-zeroconf,
# all inside throw-away network namespaces (see lan.sh). Run as root.
#
#   MDNS_BIN=target/release/mdns interop/run.sh      the mdns cases (SKIP if MDNS_BIN is missing)
#   interop/run.sh --self-test                       peer-vs-peer equivalents (no mdns needed)
#   interop/run.sh --all                             both
# Env: INTEROP_LEAK_CHECK=0 turns off the root-namespace tcpdump safety net.
#   options: --only REGEX (case names)  --list  --keep (leave the lab up at the end, for debugging)
#
# Output: one line per case, `PASS name (timing)` / `FAIL name: why` / `SKIP name: why`,
# then `N skipped` and, last, `N passed, N failed`. Exit status 0 only if nothing failed.
# Logs and the capture: $INTEROP_OUT (default interop/out/run-*, out/latest), a folder per case.
# Env: MDNS_BIN, INTEROP_OUT, INTEROP_TIMEOUT_SCALE (multiplies every case timeout), LAN_ID,
#   INTEROP_LONG=1 (the long mode: 10 runs of each "together" conflict with Apple, not 3).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
export HERE

# ---------------------------------------------------------------- child: one case
if [ "${1:-}" = __case ]; then
    shift
    # shellcheck source=lib/common.sh
    source "$HERE/lib/common.sh"
    source "$HERE/lib/cases.sh"
    trap 'exit 143' TERM INT
    trap case_cleanup EXIT
    "$@"
    exit $?
fi

# ---------------------------------------------------------------- the case list
# add_case NAME GROUP TIMEOUT_S FUNCTION [ARGS...]
#   GROUP mdns: needs MDNS_BIN (skipped without it); self: peer-vs-peer (--self-test);
#   final: runs last in every mode (the capture check)
CASE_NAMES=() CASE_GROUPS=() CASE_TMO=() CASE_CMD=()
add_case() {
    local n=$1 g=$2 t=$3; shift 3
    CASE_NAMES+=("$n") CASE_GROUPS+=("$g") CASE_TMO+=("$t")
    CASE_CMD+=("$(printf '%q ' "$@")")
}
source "$HERE/lib/cases.sh"
for f in "$HERE"/matter.sh "$HERE"/shared_port.sh "$HERE"/reconfirm.sh; do source "$f"; done  # issue 20's cases (they add_case themselves, before the final checks)
define_cases
source "$HERE/widearea.sh"   # the wide-area DNS-SD case (Avahi + BIND), a file of its own
source "$HERE/flood.sh"

# ---------------------------------------------------------------- options
MODE=mdns ONLY="" LIST=no KEEP=no
while [ $# -gt 0 ]; do
    case $1 in
        --self-test) MODE=self ;;
        --all) MODE=all ;;
        --only) ONLY=$2; shift ;;
        --list) LIST=yes ;;
        --keep) KEEP=yes ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

selected() {  # index -> 0 if selected in this mode
    local g=${CASE_GROUPS[$1]} n=${CASE_NAMES[$1]}
    case $MODE:$g in
        mdns:mdns|self:self|all:mdns|all:self|*:final) ;;
        *) return 1 ;;
    esac
    [ -z "$ONLY" ] || [[ "$n" =~ $ONLY ]] || [ "$g" = final ]
}
if [ $LIST = yes ]; then
    for i in "${!CASE_NAMES[@]}"; do
        printf '%-36s %-6s %4ss  %s\n' "${CASE_NAMES[$i]}" "${CASE_GROUPS[$i]}" "${CASE_TMO[$i]}" "${CASE_CMD[$i]}"
    done
    exit 0
fi

# ---------------------------------------------------------------- preflight
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root (network namespaces)" >&2; exit 2; }
MDNS_BIN=${MDNS_BIN:-target/release/mdns}
if [[ "$MDNS_BIN" != /* ]]; then
    if [ -e "$MDNS_BIN" ]; then MDNS_BIN=$(pwd)/$MDNS_BIN; else MDNS_BIN=$REPO/$MDNS_BIN; fi
fi
export MDNS_BIN
HAVE_MDNS=no; [ -x "$MDNS_BIN" ] && [ -f "$MDNS_BIN" ] && HAVE_MDNS=yes

need_lab=no
for i in "${!CASE_NAMES[@]}"; do
    selected "$i" || continue
    case ${CASE_GROUPS[$i]} in self) need_lab=yes ;; mdns) [ $HAVE_MDNS = yes ] && need_lab=yes ;; esac
done

missing=()
for c in ip avahi-daemon avahi-browse avahi-publish dbus-daemon tshark dig unshare timeout python3; do
    command -v "$c" >/dev/null || missing+=("$c")
done
python3 -c 'import zeroconf' 2>/dev/null || missing+=("python3-module:zeroconf")
if [ $need_lab = yes ] && [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: missing ${missing[*]} -- run interop/setup.sh (as root) first" >&2; exit 2
fi
root_ns=$(readlink /proc/self/ns/net)
for p in $(pgrep -x avahi-daemon || true); do
    if [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$root_ns" ]; then
        echo "run.sh: avahi-daemon (pid $p) runs in the ROOT network namespace; refusing to run." \
             "Stop it (and mask it: interop/setup.sh does) first." >&2
        exit 2
    fi
done

export INTEROP_STATE=${INTEROP_STATE:-/tmp/mdns-interop}
export LAN_ID=${LAN_ID:-r$$}
if [ -n "${INTEROP_OUT:-}" ]; then
    export OUT=$INTEROP_OUT
else   # one folder per run (parallel runs don't mix), out/latest -> the newest, keep 5
    export OUT=$HERE/out/run-$(date +%Y%m%d-%H%M%S)-$LAN_ID
    mkdir -p "$HERE/out"
    ls -1d "$HERE"/out/run-* 2>/dev/null | head -n -4 | xargs -r rm -rf
    ln -sfn "$(basename "$OUT")" "$HERE/out/latest"
fi
rm -rf "$OUT"; mkdir -p "$OUT/cases"
export LAN_OWNER_PID=$$
export MODE
T_SUITE=$(date +%s.%N)

# ---------------------------------------------------------------- the lab (whole suite)
TSHARK_PID="" CASE_PID="" LEAK_PID=""
interrupted() {
    echo "run.sh: interrupted, tearing down the lab" >&2
    if [ -n "$CASE_PID" ]; then
        kill -TERM "$CASE_PID" 2>/dev/null
        for _ in $(seq 30); do kill -0 "$CASE_PID" 2>/dev/null || break; sleep 0.1; done
    fi
    exit "$1"
}
teardown() {
    trap - EXIT INT TERM
    if [ -n "$TSHARK_PID" ] && kill -0 "$TSHARK_PID" 2>/dev/null; then
        kill -INT "$TSHARK_PID" 2>/dev/null
        for _ in $(seq 30); do kill -0 "$TSHARK_PID" 2>/dev/null || break; sleep 0.1; done
    fi
    if [ -n "$LEAK_PID" ] && kill -0 "$LEAK_PID" 2>/dev/null; then
        kill -INT "$LEAK_PID" 2>/dev/null
        for _ in $(seq 30); do kill -0 "$LEAK_PID" 2>/dev/null || break; sleep 0.1; done
    fi
    if [ $KEEP = yes ] && [ $need_lab = yes ]; then
        echo "lab kept: LAN_ID=$LAN_ID $HERE/lan.sh down   (to remove it)"
        return
    fi
    "$HERE/avahi.sh" stop h3 >/dev/null 2>&1 || true
    "$HERE/lan.sh" down >/dev/null 2>&1 || true
    if ls /var/run/netns 2>/dev/null | grep -q "^mdnsi-$LAN_ID-"; then
        echo "WARNING: namespaces of this run are left: $(ls /var/run/netns | grep "^mdnsi-$LAN_ID-" | tr '\n' ' ')" >&2
    fi
}
if [ $need_lab = yes ]; then
    trap teardown EXIT
    trap 'interrupted 130' INT
    trap 'interrupted 143' TERM
    "$HERE/lan.sh" gc >/dev/null 2>&1 || true     # labs of dead runs
    # safety net: a passive capture of what the ROOT namespace *sends* on port 5353 /
    # to the mDNS groups during the suite (must stay empty; checked by the last case)
    if [ "${INTEROP_LEAK_CHECK:-1}" != 0 ] && command -v tcpdump >/dev/null; then
        tcpdump -i any -Q out --immediate-mode -n -U -w "$OUT/root-ns-sent.pcap" \
            'udp port 5353 or host 224.0.0.251 or host ff02::fb' > "$OUT/root-tcpdump.log" 2>&1 &
        LEAK_PID=$!
        echo "$LEAK_PID" > "$OUT/leak.pid"
        for _ in $(seq 50); do grep -qs 'listening on' "$OUT/root-tcpdump.log" && break; sleep 0.1; done
    fi
    "$HERE/lan.sh" up 7 > "$OUT/lab.log" 2>&1 || { cat "$OUT/lab.log"; echo "run.sh: lab setup failed"; exit 2; }
    "$HERE/avahi.sh" start h3 >> "$OUT/lab.log" 2>&1 && "$HERE/avahi.sh" wait h3 15 >> "$OUT/lab.log" 2>&1 ||
        { "$HERE/avahi.sh" log h3 | tail -5; echo "run.sh: avahi-daemon in h3 did not start"; exit 2; }
    # capture of the whole suite on the bridge (inside the bridge namespace)
    ip netns exec "$("$HERE/lan.sh" ns br)" tshark -n -q -i br0 -f "udp port 5353" -w "$OUT/capture.pcap" \
        > "$OUT/tshark.log" 2>&1 &
    TSHARK_PID=$!
    echo "$TSHARK_PID" > "$OUT/tshark.pid"
    for _ in $(seq 100); do grep -qs 'Capturing on' "$OUT/tshark.log" && break; sleep 0.1; done
    grep -q 'Capturing on' "$OUT/tshark.log" || { cat "$OUT/tshark.log"; echo "run.sh: tshark did not start"; exit 2; }
fi

# ---------------------------------------------------------------- run the cases
# between cases: end whatever a case left in the lab, except the suite's own
# avahi-daemon + dbus-daemon (h3) and tshark (bridge namespace)
sweep() {
    local keep=" $TSHARK_PID $(cat "$INTEROP_STATE/$LAN_ID/avahi/h3/avahi.pid" "$INTEROP_STATE/$LAN_ID/avahi/h3/dbus.pid" 2>/dev/null | tr '\n' ' ') "
    local h ns p left=()
    for h in h1 h2 h3 h4 h5 h6 h7; do
        ns=$("$HERE/lan.sh" ns $h)
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            [[ "$keep" == *" $p "* ]] || left+=("$p")
        done
    done
    [ ${#left[@]} -eq 0 ] && return 0
    echo "[sweep] left over: $(ps -o pid=,args= -p "${left[*]}" | tr '\n' ';')" >> "$CDIR/case.log"
    kill -TERM "${left[@]}" 2>/dev/null; sleep 1; kill -KILL "${left[@]}" 2>/dev/null
    return 0
}
say() { echo "$*" | tee -a "$OUT/summary.txt"; }
PASSED=0 FAILED=0 SKIPPED=0
say "interop: mode=$MODE lab=$LAN_ID mdns=$MDNS_BIN ($([ $HAVE_MDNS = yes ] && echo found || echo 'not found')) logs=$OUT"
for i in "${!CASE_NAMES[@]}"; do
    selected "$i" || continue
    name=${CASE_NAMES[$i]} group=${CASE_GROUPS[$i]}
    tmo=$(python3 -c "print(max(1, round(${CASE_TMO[$i]} * float('${INTEROP_TIMEOUT_SCALE:-1}'))))")
    if [ "$group" = mdns ] && [ $HAVE_MDNS = no ]; then
        say "SKIP $name: MDNS_BIN $MDNS_BIN not found (build it: cargo build --release -p mdns-cli)"
        SKIPPED=$((SKIPPED + 1)); continue
    fi
    if [ $need_lab = no ]; then
        say "SKIP $name: nothing ran"; SKIPPED=$((SKIPPED + 1)); continue
    fi
    export CDIR=$OUT/cases/$name
    mkdir -p "$CDIR"
    t0=$(date +%s.%N)
    # in the background + `wait`, so that a SIGINT/SIGTERM to the runner is handled at once
    eval "timeout -k 5 $tmo \"\$0\" __case ${CASE_CMD[$i]}" > "$CDIR/case.log" 2>&1 &
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
done
[ $need_lab = yes ] && teardown
echo "suite took $(python3 -c "print(f'{$(date +%s.%N) - $T_SUITE:.1f}')")s; logs in $OUT"
say "$SKIPPED skipped"
say "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
