#!/usr/bin/env bash
# interop/timing.sh -- time to first result (issue 22 item 5). It REPORTS, it asserts nothing.
#
#   cargo build --release -p mdns-cli
#   sudo interop/timing.sh [N]          N repetitions of each measurement (default 10)
#
# One service is already on the link: "TTFR Web" _http._tcp port 8080, published once, for
# the whole run, by our `mdns register` on h1 (the same publisher for every browser). Fresh
# browsers then find it, one at a time, in the interop lab (lan.sh; nothing runs in the
# root network namespace):
#   (a) browse:  browser start -> its first line reporting the instance (_http._tcp)
#   (b) resolve: resolver start -> its line with the host and port of "TTFR Web"
# The browsers:
#   mdns      h2  `mdns browse _http._tcp --json`; `mdns resolve "TTFR Web" _http._tcp --json`
#   avahi     h3  `avahi-browse -pk _http._tcp`; resolve: the daemon's D-Bus ResolveService
#                 (dbus-send; what avahi-browse -r asks, without the browse before it)
#   zeroconf  h4  python-zeroconf: peers/zc_browse.py, peers/zc_resolve.py
#   apple     h6  Apple's mDNSResponder: `dns-sd -B _http._tcp` / `dns-sd -L "TTFR Web"
#                 _http._tcp` against a private mdnsd (../shared/peers/mdnsresponder/run-in-ns.sh);
#                 skipped with a note when it is not built (interop/setup.sh builds it)
# Cold start, every repetition: a new browser process (no cache survives it: mdns, zeroconf);
# for Avahi and Apple, whose daemon keeps a cache, the daemon is restarted in its namespace
# before each repetition and the client starts once it is up (avahi: "Server startup
# complete"; mdnsd: its socket). Before each measurement the script waits TIMING_GAP seconds
# (default 1.5) with no browser running, so the publisher may multicast its answer again
# (RFC 6762 §6: not twice within one second). The peers take turns within a repetition.
#
# What is measured: the script stamps the clock ($EPOCHREALTIME, the same clock as
# `date +%s%N`) just before it starts the browser's command and when it reads each of its
# output lines (line by line from a pipe). "total" is start -> the result line. tshark
# on the bridge (in the bridge's namespace) splits it on the wire: start -> the browser's
# first question (PTR _http._tcp.local for (a), any question for the instance for (b)),
# that question -> the publisher's first response carrying the answer (the PTR; the SRV),
# that response -> the line. The start includes `lan.sh exec` / `avahi.sh client` (ip netns
# exec), for Apple also run-in-ns.sh --attach, and for zeroconf the Python start-up: two
# baselines without mDNS, each repetition, show those (`lan.sh exec h2 echo`, Python importing
# zeroconf in h4), and so does dns-sd's own start stamp.
#
# Output: the table on stdout and in $OUT/table.md; per-measurement output ($OUT/raw/*),
# the capture ($OUT/capture.pcap), the rows ($OUT/rows.tsv).
# Env: MDNS_BIN (default target/release/mdns), LAN_ID (default ttfr<pid>), TIMING_OUT
#   (default interop/out/timing-<time>-<LAN_ID>), TIMING_GAP (1.5), TIMING_TIMEOUT (10 s per
#   measurement), TIMING_PEERS ("mdns avahi zeroconf apple"), MDNSR_* (lib/mdnsr.sh).
# Not part of run.sh, .ci/run or scripts/test-all.sh: a report, a few minutes long.
set -uo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
LANX=$HERE/lan.sh
AVAHI=$HERE/avahi.sh

N=${1:-10}
case $N in -h|--help) sed -n '2,44p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
if ! [[ "$N" =~ ^[0-9]+$ ]] || [ "$N" -lt 1 ]; then echo "timing.sh: N must be a positive number" >&2; exit 2; fi
[ "$(id -u)" = 0 ] || { echo "timing.sh: must run as root (network namespaces)" >&2; exit 2; }
GAP=${TIMING_GAP:-1.5}
TMO=${TIMING_TIMEOUT:-10}
PEERS=${TIMING_PEERS:-mdns avahi zeroconf apple}
INST="TTFR Web" TYPE=_http._tcp PORT=8080

MDNS_BIN=${MDNS_BIN:-target/release/mdns}
if [[ "$MDNS_BIN" != /* ]]; then
    if [ -e "$MDNS_BIN" ]; then MDNS_BIN=$(pwd)/$MDNS_BIN; else MDNS_BIN=$REPO/$MDNS_BIN; fi
fi
[ -x "$MDNS_BIN" ] || { echo "timing.sh: $MDNS_BIN not found (cargo build --release -p mdns-cli)" >&2; exit 2; }
for c in ip tshark tcpdump avahi-daemon avahi-browse dbus-daemon dbus-send timeout python3; do
    command -v "$c" >/dev/null || { echo "timing.sh: $c missing (interop/setup.sh)" >&2; exit 2; }
done
python3 -c 'import zeroconf' 2>/dev/null || { echo "timing.sh: python3 zeroconf missing (interop/setup.sh)" >&2; exit 2; }
# shellcheck source=lib/mdnsr.sh disable=SC1091
source "$HERE/lib/mdnsr.sh"
if [[ " $PEERS " == *" apple "* ]]; then
    why=$(mdnsr_missing)
    if [ -n "$why" ]; then
        echo "timing.sh: Apple's mDNSResponder skipped: $why"
        PEERS=${PEERS/apple/}
    fi
fi

export INTEROP_STATE=${INTEROP_STATE:-/tmp/mdns-interop}
export LAN_ID=${LAN_ID:-ttfr$$}
export LAN_OWNER_PID=$$
OUT=${TIMING_OUT:-$HERE/out/timing-$(date +%Y%m%d-%H%M%S)-$LAN_ID}
rm -rf "$OUT"; mkdir -p "$OUT/raw"
ROWS=$OUT/rows.tsv
printf 'peer\twhat\trep\tmac\tstart\tline\n' > "$ROWS"

# ---------------------------------------------------------------- the lab, and its teardown
TSHARK_PID="" LEAK_PID="" PUB_PID="" APPLE_PID=""
stop_pid() {  # PID [SIGNAL]: signal it, wait up to 3 s, then SIGKILL
    local p=$1
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
    kill "-${2:-TERM}" "$p" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}
teardown() {
    trap - EXIT INT TERM
    stop_pid "$APPLE_PID"
    stop_pid "$PUB_PID"
    stop_pid "$TSHARK_PID" INT
    "$AVAHI" stop h3 >/dev/null 2>&1 || true
    "$LANX" down >/dev/null 2>&1 || true
    stop_pid "$LEAK_PID" INT
    local left=(/var/run/netns/mdnsi-"$LAN_ID"-*)
    [ -e "${left[0]}" ] && echo "WARNING: namespaces of this run are left: ${left[*]##*/}" >&2
    return 0
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$LANX" gc >/dev/null 2>&1 || true
# safety net, as in run.sh: what the ROOT namespace sends to port 5353 / the mDNS groups
tcpdump -i any -Q out --immediate-mode -n -U -w "$OUT/root-ns-sent.pcap" \
    'udp port 5353 or host 224.0.0.251 or host ff02::fb' > "$OUT/root-tcpdump.log" 2>&1 &
LEAK_PID=$!
for _ in $(seq 50); do grep -qs 'listening on' "$OUT/root-tcpdump.log" && break; sleep 0.1; done
"$LANX" up 6 > "$OUT/lab.log" 2>&1 || { cat "$OUT/lab.log"; echo "timing.sh: lab setup failed" >&2; exit 2; }
ip netns exec "$("$LANX" ns br)" tshark -n -q -i br0 -f "udp port 5353" -w "$OUT/capture.pcap" \
    > "$OUT/tshark.log" 2>&1 &
TSHARK_PID=$!
for _ in $(seq 100); do grep -qs 'Capturing on' "$OUT/tshark.log" && break; sleep 0.1; done
grep -q 'Capturing on' "$OUT/tshark.log" || { cat "$OUT/tshark.log"; echo "timing.sh: tshark did not start" >&2; exit 2; }

# ---------------------------------------------------------------- the publisher (h1)
"$LANX" exec h1 "$MDNS_BIN" register "$INST" "$TYPE" "$PORT" path=/ --host ttfr-pub --json \
    > "$OUT/publisher.out" 2>&1 &
PUB_PID=$!
for _ in $(seq 100); do grep -qs '"registered"' "$OUT/publisher.out" && break; sleep 0.1; done
grep -qs '"registered"' "$OUT/publisher.out" || { cat "$OUT/publisher.out"; echo "timing.sh: the publisher did not register" >&2; exit 2; }
sleep 4   # its announcements are over: no browser may learn the service from them

# ---------------------------------------------------------------- one measurement
mac_of() { printf '02:99:00:00:00:%02x' "${1#h}"; }
# measure PEER WHAT REP HOST REGEX CMD...: start CMD, read its output line by line until a
# line matches REGEX (or TMO), stop it; one row in $ROWS
measure() {
    local peer=$1 what=$2 rep=$3 host=$4 re=$5; shift 5
    local out=$OUT/raw/$peer-$what-$rep.out t0 t line hit=- pid
    : > "$out"
    [ "$what" = baseline ] || sleep "$GAP"
    t0=$EPOCHREALTIME
    while IFS= read -r line; do
        t=$EPOCHREALTIME
        printf '%s %s\n' "$t" "$line" >> "$out"
        if [[ $line =~ $re ]]; then hit=$t; break; fi
    done < <(exec timeout -k 1 "$TMO" "$@" 2>&1)
    pid=$!
    stop_pid "$pid"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$peer" "$what" "$rep" "$(mac_of "$host")" "$t0" "$hit" >> "$ROWS"
    if [ "$hit" = - ]; then
        echo "  $peer $what #$rep: no result within ${TMO}s (see $out)"
    else
        echo "  $peer $what #$rep: $(awk "BEGIN { printf \"%.0f\", ($hit - $t0) * 1000 }") ms"
    fi
}

# ---------------------------------------------------------------- the peers (cold each time)
avahi_fresh() {  # a new avahi-daemon (empty cache) in h3
    "$AVAHI" stop h3 >/dev/null 2>&1 || true
    if ! { "$AVAHI" start h3 && "$AVAHI" wait h3 15; } >> "$OUT/avahi.log" 2>&1; then
        "$AVAHI" log h3 | tail -5; echo "timing.sh: avahi-daemon in h3 did not start" >&2; exit 2
    fi
}
APPLE_ST=$INTEROP_STATE/$LAN_ID/mdnsr/h6
# shellcheck disable=SC2153  # MDNSR_BIN comes from lib/mdnsr.sh
apple_fresh() {  # a new mdnsd (empty cache) in h6
    local label=$1
    stop_pid "$APPLE_PID"
    mkdir -p "$APPLE_ST/run"; rm -f "$APPLE_ST/run/mdnsd"
    "$MDNSR_PEER/run-in-ns.sh" --bin "$MDNSR_BIN" --state "$APPLE_ST" --host apple-h6 "$("$LANX" ns h6)" \
        > "$OUT/raw/mdnsd-$label.log" 2>&1 &
    APPLE_PID=$!
    for _ in $(seq 100); do [ -S "$APPLE_ST/run/mdnsd" ] && return 0; sleep 0.1; done
    echo "timing.sh: mdnsd in h6 did not start: $(tail -3 "$OUT/raw/mdnsd-$label.log")" >&2; exit 2
}

one() {  # one PEER WHAT REP
    local peer=$1 what=$2 rep=$3
    case $peer:$what in
        mdns:browse) measure mdns browse "$rep" h2 '"event":"found"' \
            "$LANX" exec h2 "$MDNS_BIN" browse "$TYPE" --json ;;
        mdns:resolve) measure mdns resolve "$rep" h2 '"event":"resolved"' \
            "$LANX" exec h2 "$MDNS_BIN" resolve "$INST" "$TYPE" --json --timeout "$TMO" ;;
        avahi:browse) avahi_fresh; measure avahi browse "$rep" h3 '^\+;eth0;.*;_http\._tcp;local' \
            "$AVAHI" client h3 avahi-browse -pk "$TYPE" ;;
        avahi:resolve) avahi_fresh; measure avahi resolve "$rep" h3 "uint16 $PORT" \
            "$AVAHI" client h3 dbus-send --system --print-reply --reply-timeout=$((TMO * 1000)) \
                --dest=org.freedesktop.Avahi / org.freedesktop.Avahi.Server.ResolveService \
                int32:-1 int32:-1 "string:$INST" "string:$TYPE" string:local int32:-1 uint32:0 ;;
        zeroconf:browse) measure zeroconf browse "$rep" h4 '"event": "found"' \
            "$LANX" exec h4 python3 "$HERE/peers/zc_browse.py" --type "$TYPE" --timeout "$TMO" ;;
        zeroconf:resolve) measure zeroconf resolve "$rep" h4 '"event": "resolved"' \
            "$LANX" exec h4 python3 "$HERE/peers/zc_resolve.py" "$INST" "$TYPE" --timeout "$TMO" ;;
        apple:browse) apple_fresh "browse-$rep"; measure apple browse "$rep" h6 " Add .*$INST" \
            "$MDNSR_PEER/run-in-ns.sh" --attach --bin "$MDNSR_BIN" --state "$APPLE_ST" "$("$LANX" ns h6)" \
                -- dns-sd -B "$TYPE" local ;;
        exec:baseline) measure exec baseline "$rep" h2 '^ready$' "$LANX" exec h2 echo ready ;;
        python:baseline) measure python baseline "$rep" h4 '^ready$' \
            "$LANX" exec h4 python3 -c 'import zeroconf; print("ready", flush=True)' ;;
        apple:resolve) apple_fresh "resolve-$rep"; measure apple resolve "$rep" h6 "can be reached at .*:$PORT" \
            "$MDNSR_PEER/run-in-ns.sh" --attach --bin "$MDNSR_BIN" --state "$APPLE_ST" "$("$LANX" ns h6)" \
                -- dns-sd -L "$INST" "$TYPE" local ;;
    esac
}

echo "timing.sh: lab $LAN_ID, $N repetitions, peers: $PEERS; output $OUT"
for rep in $(seq 1 "$N"); do
    one exec baseline "$rep"
    one python baseline "$rep"
    for what in browse resolve; do
        for peer in $PEERS; do one "$peer" "$what" "$rep"; done
    done
done
stop_pid "$APPLE_PID"; APPLE_PID=""
"$AVAHI" stop h3 >/dev/null 2>&1 || true
sleep 1
stop_pid "$TSHARK_PID" INT; TSHARK_PID=""

# ---------------------------------------------------------------- the report
tshark -r "$OUT/capture.pcap" -n -Y mdns -T fields -E separator=/t -E occurrence=a -E aggregator='|' \
    -e frame.time_epoch -e eth.src -e dns.flags.response -e dns.qry.name -e dns.qry.type \
    -e dns.resp.name -e dns.resp.type > "$OUT/packets.tsv" 2> "$OUT/tshark-read.log"
python3 - "$ROWS" "$OUT/packets.tsv" "$(mac_of h1)" "$INST.$TYPE.local" "$TYPE.local" "$OUT/raw" > "$OUT/table.md" <<'PY'
import csv, datetime, re, statistics, sys
rows_f, pk_f, pub, inst, ptr, raw = sys.argv[1:]
inst, ptr = inst.lower(), ptr.lower()
pk = []
for l in open(pk_f):
    f = l.rstrip("\n").split("\t") + [""] * 7
    sp = lambda s: s.split("|") if s else []
    pk.append((float(f[0]), f[1].lower(), f[2], [n.lower() for n in sp(f[3])], sp(f[4]),
               [n.lower() for n in sp(f[5])], sp(f[6])))
pk.sort()

def wire(r):
    t0, mac = float(r["start"]), r["mac"]
    t1 = float(r["line"]) if r["line"] != "-" else t0 + 30
    if r["what"] == "browse":
        asks = lambda p: any(n == ptr and t == "12" for n, t in zip(p[3], p[4]))
        answers = lambda p: any(n == ptr and t == "12" for n, t in zip(p[5], p[6]))
    else:
        asks = lambda p: inst in p[3]
        answers = lambda p: any(n == inst and t == "33" for n, t in zip(p[5], p[6]))
    q = next((p[0] for p in pk if t0 <= p[0] <= t1 and p[1] == mac and p[2] == "0" and asks(p)), None)
    if q is None:
        return None, None
    a = next((p[0] for p in pk if q <= p[0] <= t1 and p[1] == pub and p[2] == "1" and answers(p)), None)
    return q, a

def dnssd_start(r):
    """dns-sd's own '...STARTING...' stamp (UTC time of day, ms) -> epoch, or None"""
    t0 = float(r["start"])
    for l in open(f"{raw}/{r['peer']}-{r['what']}-{r['rep']}.out", errors="replace"):
        m = re.match(r"^\S+ \s*(\d+):(\d\d):(\d\d)\.(\d+)\s+\.\.\.STARTING", l)
        if m:
            h, mi, se, ms = (int(x) for x in m.groups())
            day = datetime.datetime.fromtimestamp(t0, datetime.timezone.utc)
            c = day.replace(hour=h, minute=mi, second=se, microsecond=ms * 1000).timestamp()
            return min((c + d * 86400 for d in (-1, 0, 1)), key=lambda x: abs(x - t0))
    return None

res, apple_lag = {}, []
for r in csv.DictReader(open(rows_f), delimiter="\t"):
    if r["peer"] == "apple":
        s0 = dnssd_start(r)
        if s0 is not None:
            apple_lag.append((s0 - float(r["start"])) * 1000)
    d = res.setdefault((r["peer"], r["what"]), {"tot": [], "sq": [], "qa": [], "al": [], "miss": 0})
    if r["line"] == "-":
        d["miss"] += 1
        continue
    t0, tl = float(r["start"]), float(r["line"])
    d["tot"].append((tl - t0) * 1000)
    q, a = wire(r)
    if q is not None:
        d["sq"].append((q - t0) * 1000)
        if a is not None:
            d["qa"].append((a - q) * 1000)
            d["al"].append((tl - a) * 1000)

names = {"mdns": "`mdns`", "avahi": "Avahi", "zeroconf": "python-zeroconf", "apple": "mDNSResponder"}
def med(v):
    return f"{statistics.median(v):.0f}" if v else "—"
def mm(v):
    return f"{min(v):.0f} / {max(v):.0f}" if v else "—"
print("| measurement | browser | n | total: median | min / max | start → 1st query | query → answer | answer → line |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for what in ("browse", "resolve"):
    for peer in ("mdns", "avahi", "zeroconf", "apple"):
        d = res.get((peer, what))
        if not d:
            continue
        n = f"{len(d['tot'])}" + (f" ({d['miss']} no result)" if d["miss"] else "")
        print(f"| {what} | {names[peer]} | {n} | {med(d['tot'])} | {mm(d['tot'])} | "
              f"{med(d['sq'])} ({mm(d['sq'])}) | {med(d['qa'])} ({mm(d['qa'])}) | {med(d['al'])} ({mm(d['al'])}) |")
base = {"exec": "`lan.sh exec h2 echo ready` (the launch of the `mdns` rows; `avahi.sh client` is alike)",
        "python": "`lan.sh exec h4 python3 -c 'import zeroconf; print(...)'` (the Python start-up in the zeroconf rows)"}
notes = [f"{what}: {med(d['tot'])} ms ({mm(d['tot'])})" for peer, what in base.items()
         if (d := res.get((peer, "baseline"))) and d["tot"]]
if apple_lag:
    notes.append(f"Apple: `dns-sd` stamps its own start {med(apple_lag)} ms ({mm(apple_lag)}) after the "
                 "script's start (run-in-ns.sh --attach, a shell script; in Apple's totals)")
if notes:
    print("\nNo mDNS, for scale (median, min / max):\n")
    for n in notes:
        print(f"* {n}")
PY
echo
echo "Time to first result, ms (total: browser start -> result line; the three last columns:"
echo "medians (min / max) from the capture on the bridge). $(date -u '+%Y-%m-%d %H:%M UTC'), N=$N,"
echo "mdns $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), zeroconf $(python3 -c 'import zeroconf; print(zeroconf.__version__)'),"
echo "avahi $(avahi-daemon --version 2>/dev/null | awk '{print $2}'), mDNSResponder ${MDNSR_VERSION:-?} (if listed)"
echo
cat "$OUT/table.md"
echo
stop_pid "$LEAK_PID" INT; LEAK_PID=""
leaked=$(tcpdump -r "$OUT/root-ns-sent.pcap" -n 2>/dev/null | wc -l)
echo "root namespace: $leaked packet(s) sent to port 5353 / the mDNS groups during the run (should be 0)"
echo "output: $OUT"
