# interop/shared_port.sh -- sharing port 5353 with the system's daemon (issue 20): our
# `mdns` on h3, in the same network namespace as the suite's avahi-daemon. Sourced by
# run.sh, which registers the cases below; each case's child sources it again with
# `__run CASE ARGS...` to run one.
#
#   shared-port-beside-avahi  on h3, next to avahi-daemon: our register is seen by
#       avahi-browse on h3 (the same host) and python-zeroconf (h5); our browse
#       --resolve finds and resolves avahi-publish's service (same host), python-
#       zeroconf's (h4) and our own register's (same host, another process); our
#       resolve and lookup work for both peers; avahi-browse finds python-zeroconf's
#       and ours; avahi-publish's service is seen by python-zeroconf (h5).
#   shared-port-no-qu  RFC 6762 §15.1: a unicast reply to port 5353 reaches only one of
#       the sockets bound to it, so where the port is shared our queries and probes do
#       not ask for one (QU bit clear, even on a question's first query and a name's
#       first probe), while the same commands on h1 (no daemon) do; with the QU bit
#       clear the answers come by multicast and reach us (the lookup and the
#       registration still work).
# shellcheck shell=bash

if [ "${1:-}" != __run ]; then
    add_case shared-port-beside-avahi mdns 60 source "$HERE/shared_port.sh" __run case_shared_port
    add_case shared-port-no-qu        mdns 40 source "$HERE/shared_port.sh" __run case_shared_port_qu
    return 0
fi

# a capture of HOST's eth0 into $CDIR/HOST.pcap (sets CAP_PID)
shared_capture() {
    local h=$1
    "$LANX" exec "$h" tcpdump -i eth0 --immediate-mode -U -n -w "$CDIR/$h.pcap" udp port 5353 \
        > "$CDIR/tcpdump-$h.log" 2>&1 &
    local i
    for i in $(seq 50); do grep -qs 'listening on' "$CDIR/tcpdump-$h.log" && return 0; sleep 0.1; done
    fail "tcpdump in $h did not start: $(cat "$CDIR/tcpdump-$h.log")"
}

# shared_qu HOST NAME -> "QU QM ..." for the questions about NAME (a query's question, or
# a probe's) sent from HOST's address, in order, read by tshark from HOST's capture
shared_qu() {
    local h=$1 name=$2
    tshark -n -r "$CDIR/$h.pcap" -Y "ip.src == $(ip4_of "$h") && dns.flags.response == 0" \
        -T fields -e dns.qry.name -e dns.qry.qu 2>/dev/null |
        python3 -c '
import sys
name = sys.argv[1].lower().rstrip(".")
out = []
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    if len(f) < 2:
        continue
    for q, qu in zip(f[0].split(","), f[1].split(",")):
        if q.lower().rstrip(".") == name:
            out.append("QU" if qu in ("1", "True", "true") else "QM")
print(" ".join(out))' "$name"
}

case_shared_port() {
    local type=_ishp._tcp an="Avahi shared" zn="Zc shared" mn="Mdns shared" w r notes=()
    # the peers: avahi-publish beside us on h3, python-zeroconf on h4
    party_start av avahi h3 "$an" "$type" 8801 src=avahi
    party_start zc zc h4 "$zn" "$type" 8802 src=zeroconf
    party_wait_registered av 10 >/dev/null || fail "avahi-publish did not establish '$an'"
    party_wait_registered zc 10 >/dev/null || fail "python-zeroconf did not register '$zn'"
    # Avahi's browser on h3 and python-zeroconf's on h5, before ours registers
    browser_start ab avahi h3 "$type"
    browser_start zb zc h5 "$type"
    browser_ready ab; browser_ready zb
    # our register on h3
    party_start m mdns h3 "$mn" "$type" 8803 src=mdns
    w=$(party_wait_registered m 10) || fail "our register on h3 (beside avahi-daemon) did not register: $w"
    notes+=("our register on h3: $($EV delta "${P_T0[m]}" "$w")s")
    # our browse on h3 finds all three, the two on this host included
    browser_start mb mdns h3 "$type"
    browser_ready mb
    local n h p ad
    for n in "$an|avahi-h3.local|8801|10.99.0.3" "$zn|zc-h4.local|8802|10.99.0.4" "$mn|mdns-h3.local|8803|10.99.0.3"; do
        IFS='|' read -r n h p ad <<< "$n"
        browser_wait mb resolved "$n" 10 >/dev/null || fail "our browse on h3 did not resolve '$n'"
        r=$(browser_check_resolved mb "$n" --host "$h" --port "$p" --addr "$ad") ||
            fail "our browse on h3 resolved '$n' wrongly: $r"
    done
    notes+=("our browse on h3 resolved avahi's, zeroconf's and our own")
    # and the peers see ours: Avahi beside us, python-zeroconf on h5
    for b in ab zb; do
        browser_wait $b found "$mn" 8 >/dev/null || fail "${B_KIND[$b]} browser never saw our '$mn'"
        browser_wait $b found "$an" 8 >/dev/null || fail "${B_KIND[$b]} browser never saw avahi-publish's '$an'"
        browser_wait $b found "$zn" 8 >/dev/null || fail "${B_KIND[$b]} browser never saw python-zeroconf's '$zn'"
    done
    r=$(browser_check_resolved ab "$mn" --host mdns-h3.local --port 8803 --txt src=mdns) ||
        fail "avahi-browse on h3 resolved ours wrongly: $r"
    notes+=("avahi-browse on h3 and zeroconf on h5 see all three")
    # one-shot resolve and lookup from h3
    local out
    for n in "$an|avahi-h3.local|8801|10.99.0.3" "$zn|zc-h4.local|8802|10.99.0.4"; do
        IFS='|' read -r n h p ad <<< "$n"
        out=$CDIR/resolve-$p.out
        lx h3 timeout 10 "$MDNS_BIN" resolve "$n" "$type" --json --timeout 3 > "$out" 2>&1
        r=$($EV check-resolved mdns "$out" "$n" --host "$h" --port "$p" --addr "$ad") || fail "our resolve of '$n' on h3: $r"
        # an address of the host, of either family: with QU off, a responder that
        # multicast its A record within the last second (for the resolve just before)
        # does not answer with it again (RFC 6762 §6), and a one-shot lookup ends 1.1 s
        # after its first answer (the AAAA), before its second query is answered
        out=$CDIR/lookup-$p.out
        lx h3 timeout 10 "$MDNS_BIN" lookup "$h" --json --timeout 3 > "$out" 2>&1
        r=$($EV addresses mdns "$out" "$h") && [[ "$r" == *"\"$ad\""* || "$r" == *"\"fd99::${ad##*.}\""* ]] ||
            fail "our lookup of $h on h3: $r $(tail -2 "$out" | tr '\n' '|')"
    done
    notes+=("our resolve and lookup on h3 work")
    # our register's goodbyes reach Avahi beside us
    party_stop m
    w=$(browser_wait ab removed "$mn" 3 "$STOP_WALL") || fail "avahi-browse on h3 saw no removal of ours"
    notes+=("avahi-browse saw ours removed $($EV delta "$STOP_WALL" "$w")s after SIGTERM")
    note "$(join_by "; " "${notes[@]}")"
}

case_shared_port_qu() {
    shared_capture h3
    shared_capture h1
    local h qu want notes=()
    for h in h3 h1; do
        # a name nobody else asks about, and a service nobody else probes for
        lx "$h" timeout 10 "$MDNS_BIN" lookup "qucheck-$h.local" --json --timeout 2 > "$CDIR/lookup-$h.out" 2>&1
        party_start "r$h" mdns "$h" "Qu check $h" _ishq._tcp 8811
        party_wait_registered "r$h" 10 >/dev/null || fail "our register on $h did not register"
        sleep 0.5
        party_stop "r$h"
    done
    sleep 0.5
    for h in h3 h1; do
        local q p
        q=$(shared_qu "$h" "qucheck-$h.local")
        p=$(shared_qu "$h" "Qu check $h._ishq._tcp.local")
        [ -n "$q" ] || fail "no query for qucheck-$h.local from $h in its capture"
        [ -n "$p" ] || fail "no probe for 'Qu check $h' from $h in its capture"
        log "$h: lookup questions: $q; probe questions: $p"
        if [ "$h" = h3 ]; then
            # port shared with avahi-daemon: never QU
            [[ " $q $p " != *" QU "* ]] || fail "beside avahi-daemon (h3) we asked for a unicast reply: lookup $q, probes $p"
            notes+=("h3 (shared): lookup $q, probes $p")
        else
            # alone: the first query and the first probe ask for one (RFC 6762 §5.4,
            # RFC 6762 §8.1)
            [ "${q%% *}" = QU ] || fail "alone (h1) our first query was not QU: $q"
            [ "${p%% *}" = QU ] || fail "alone (h1) our first probe was not QU: $p"
            notes+=("h1 (alone): lookup $q, probes $p")
        fi
    done
    note "$(join_by "; " "${notes[@]}")"
}

shift
"$@"
