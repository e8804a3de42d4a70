# interop/flood.sh -- the flood cases (issue 17): one host of the lab announces
# thousands of fake instances (peers/flooder.py: PTR announcements, a tenth of the
# packets with SRV, TXT and A as additional records) of the type a browser resolves;
# a real service is announced about two seconds after the flood. Each browser kind is
# run alone, the same way:
#   flood-mdns         `mdns browse TYPE --resolve --json` on h1 (the subject)
#   self-flood-avahi   `avahi-browse -rpk TYPE` with the avahi-daemon of h3
#   self-flood-zc      python-zeroconf (peers/zc_browse.py --resolve) on h5
# Flooder: h2. Real service: python-zeroconf on h4, started 1 s after the flood.
#
# Checked for our mdns: the real service is reported resolved (right port, address)
# within 2 s of its registration, the query bytes its host sent in the 15 s after the
# flood stay under FLOOD_MAX_BYTES, and `mdns` exits promptly on SIGTERM after it
# (it stayed responsive). Reported for every kind (NOTE, in the PASS line): queries and
# bytes (DNS payload) the browser's host sent during the flood and in the 15 s after
# it, and when the real service was resolved. Avahi and python-zeroconf are not held
# to anything but running.
#
# CI: 2,000 instances in 2 s. The flood of issue 17 (the long mode):
#   FLOOD_INSTANCES=20000 FLOOD_SECONDS=10 interop/run.sh --all --only flood
#
# Hooked into run.sh by one line (`source "$HERE/flood.sh"` after define_cases): sourced
# there without arguments it registers the cases; a case runs as
# `source flood.sh case_flood KIND` in the case's child shell.
# shellcheck shell=bash

FLOOD_INSTANCES=${FLOOD_INSTANCES:-2000}
FLOOD_SECONDS=${FLOOD_SECONDS:-2}
FLOOD_TYPE=_iflood._tcp
# Our background resolves may spend 4,000 + 2,000 B/s (mdns-proto Config); the browse
# query lists at most 256 known answers, on two families.
FLOOD_MAX_BYTES=${FLOOD_MAX_BYTES:-100000}

# case_flood KIND  -- KIND: mdns | avahi | zc (the browser under the flood)
case_flood() {
    local kind=$1 bh mac
    case $kind in
        mdns) bh=h1 ;;
        avahi) bh=h3 ;;
        zc) bh=h5 ;;
        *) fail "unknown browser kind $kind" ;;
    esac
    mac=02:99:00:00:00:0${bh#h}
    command -v tcpdump >/dev/null || skip "tcpdump missing (interop/setup.sh installs it)"
    # What the browser's host sends, captured in its own namespace.
    local pcap=$CDIR/browser-host.pcap
    "$LANX" exec "$bh" tcpdump -i eth0 -n -U -w "$pcap" "udp port 5353 and ether src $mac" \
        > "$CDIR/tcpdump.log" 2>&1 &
    local cap=$!
    for _ in $(seq 50); do grep -qs 'listening on' "$CDIR/tcpdump.log" && break; sleep 0.1; done
    grep -qs 'listening on' "$CDIR/tcpdump.log" || fail "tcpdump did not start: $(cat "$CDIR/tcpdump.log")"
    browser_start b "$kind" "$bh" "$FLOOD_TYPE"
    browser_ready b
    sleep 1
    # The flood.
    local fout=$CDIR/flooder.out
    log "flood: $FLOOD_INSTANCES instances in $FLOOD_SECONDS s from h2"
    lx h2 python3 "$HERE/peers/flooder.py" --type "$FLOOD_TYPE" --instances "$FLOOD_INSTANCES" \
        --seconds "$FLOOD_SECONDS" > "$fout" 2>&1 || fail "flooder failed: $(tail -2 "$fout")"
    local t_start t_end
    t_start=$(python3 -c 'import json,sys; print(next(json.loads(l)["wall"] for l in open(sys.argv[1]) if "flood-start" in l))' "$fout")
    t_end=$(python3 -c 'import json,sys; print(next(json.loads(l)["wall"] for l in open(sys.argv[1]) if "flood-end" in l))' "$fout")
    log "flood from $t_start to $t_end"
    # A real service, announced about two seconds after the flood.
    sleep 1
    local name="Honest after flood"
    party_start p zc h4 "$name" "$FLOOD_TYPE" 8601 real=1
    local reg w r resolved
    reg=$(party_wait_registered p 10) || fail "the real service did not register: $reg"
    if w=$(browser_wait b resolved "$name" 13 "" p); then
        # python-zeroconf reports it registered once its first announcement is out,
        # so a browser may resolve it a little before that.
        resolved="resolved $($EV delta "$t_end" "$w") s after the flood's end ($($EV delta "$reg" "$w") s after python-zeroconf reported it registered)"
        if [ "$kind" = mdns ]; then
            python3 -c "import sys; sys.exit(0 if $w - $reg <= 2.0 else 1)" ||
                fail "the real service was resolved only $($EV delta "$reg" "$w") s after its registration (> 2 s)"
            r=$(browser_check_resolved b "$name" --port 8601 --txt real=1 --addr 10.99.0.4) ||
                fail "the real service resolved wrongly: $r"
        fi
    else
        [ "$kind" = mdns ] && fail "the real service was not resolved within 13 s of its registration"
        resolved="not resolved within 13 s of its registration"
    fi
    # The 15 s after the flood.
    sleep "$(python3 -c "print(max(0, $t_end + 15.2 - $(now)))")"
    local t_stop; t_stop=$(now)
    browser_stop b
    local stop_s; stop_s=$($EV delta "$t_stop" "$(now)")
    kill -INT "$cap" 2>/dev/null; wait "$cap" 2>/dev/null
    if [ "$kind" = mdns ]; then
        python3 -c "import sys; sys.exit(0 if $stop_s <= 3.0 else 1)" ||
            fail "mdns took ${stop_s}s to exit on SIGTERM after the flood"
    fi
    # Queries the browser's host sent, and their DNS payload bytes.
    tshark -n -r "$pcap" -Y "dns.flags.response == 0" -T fields -e frame.time_epoch -e udp.length \
        > "$CDIR/queries.tsv" 2>/dev/null || fail "tshark could not read $pcap"
    local counts
    counts=$(python3 - "$CDIR/queries.tsv" "$t_start" "$t_end" <<'PY'
import sys
start, end = float(sys.argv[2]), float(sys.argv[3])
during = [0, 0]
after = [0, 0]
for line in open(sys.argv[1]):
    t, length = line.split()
    t, size = float(t), int(length) - 8
    if start <= t <= end:
        during[0] += 1; during[1] += size
    elif end < t <= end + 15:
        after[0] += 1; after[1] += size
print(during[0], during[1], after[0], after[1])
PY
)
    local dq db aq ab
    read -r dq db aq ab <<< "$counts"
    local flood_bytes; flood_bytes=$(python3 -c 'import json,sys; print(next(json.loads(l)["bytes"] for l in open(sys.argv[1]) if "flood-end" in l))' "$fout")
    note "$(bname "$kind") on $bh: flood of $FLOOD_INSTANCES instances in ${FLOOD_SECONDS}s ($flood_bytes bytes); queries during it $dq ($db bytes), in the 15 s after $aq ($ab bytes); real service $resolved; exit on SIGTERM ${stop_s}s"
    if [ "$kind" = mdns ] && [ "$ab" -gt "$FLOOD_MAX_BYTES" ]; then
        fail "mdns sent $ab bytes of queries in the 15 s after the flood (> $FLOOD_MAX_BYTES)"
    fi
}

# Sourced without arguments, `source` keeps the caller's: only case_* is a case to run.
if [[ "${1:-}" == case_* ]]; then
    # In a case's child shell: run the case named by the arguments.
    "$@"
elif declare -F add_case >/dev/null; then
    add_case flood-mdns       mdns 90 source "$HERE/flood.sh" case_flood mdns
    add_case self-flood-avahi self 90 source "$HERE/flood.sh" case_flood avahi
    add_case self-flood-zc    self 90 source "$HERE/flood.sh" case_flood zc
    # The final cases (the suite's capture, the safety net) stay last.
    for flood_n in "${!CASE_NAMES[@]}"; do
        if [ "${CASE_GROUPS[$flood_n]}" = final ]; then
            CASE_NAMES+=("${CASE_NAMES[$flood_n]}") CASE_GROUPS+=(final)
            CASE_TMO+=("${CASE_TMO[$flood_n]}") CASE_CMD+=("${CASE_CMD[$flood_n]}")
            unset "CASE_NAMES[$flood_n]" "CASE_GROUPS[$flood_n]" "CASE_TMO[$flood_n]" "CASE_CMD[$flood_n]"
        fi
    done
    CASE_NAMES=("${CASE_NAMES[@]}") CASE_GROUPS=("${CASE_GROUPS[@]}")
    CASE_TMO=("${CASE_TMO[@]}") CASE_CMD=("${CASE_CMD[@]}")
    unset flood_n
fi
