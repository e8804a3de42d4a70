# interop/reconfirm.sh -- `mdns resolve ... --reconfirm` (RFC 6762 §10.4, issue 20)
# against python-zeroconf. Sourced by run.sh, which registers the case below; the
# case's child sources it again with `__run CASE ARGS...` to run it.
#
#   reconfirm-live-and-frozen  python-zeroconf (h4) publishes two services. Our
#       `mdns resolve A --reconfirm` on h1 resolves A and finds it present (exit 0),
#       within a second. For B, python-zeroconf is frozen (SIGSTOP: no goodbye, no more
#       answers) as soon as it has answered our resolve: our reconfirmation asks
#       again, gets nothing, and reports it gone 10 s after the resolve (exit 1).
# shellcheck shell=bash

if [ "${1:-}" != __run ]; then
    add_case reconfirm-live-and-frozen mdns 60 source "$HERE/reconfirm.sh" __run case_reconfirm
    return 0
fi

# the wall time of the first response from SRC in HOST's capture, with an SRV of NAME
reconfirm_first_srv() {
    tshark -n -r "$CDIR/$1.pcap" -Y "ip.src == $2 && dns.flags.response == 1 && dns.srv.port" \
        -T fields -e frame.time_epoch -e dns.resp.name 2>/dev/null |
        python3 -c '
import sys
name = sys.argv[1].lower()
for line in sys.stdin:
    t, _, names = line.rstrip("\n").partition("\t")
    if name in names.lower():
        print(t)
        break' "$3"
}

# reconfirmed OUT -> "present" / "gone" / "" from `mdns ... --json` output
reconfirmed() {
    python3 -c '
import json, sys
for line in open(sys.argv[1], errors="replace"):
    _, _, j = line.partition(" ")
    try:
        o = json.loads(j)
    except ValueError:
        continue
    if o.get("event") == "reconfirmed":
        print("present" if o.get("present") else "gone")' "$1"
}

case_reconfirm() {
    local type=_irec._tcp notes=() r rc out w
    party_start a zc h4 "Rec live" "$type" 8901 v=1
    party_start b zc h4 "Rec frozen" "$type" 8902 v=1
    party_wait_registered a 10 >/dev/null || fail "python-zeroconf did not register 'Rec live'"
    party_wait_registered b 10 >/dev/null || fail "python-zeroconf did not register 'Rec frozen'"
    # a live service: present, at once
    out=$CDIR/resolve-live.out
    local t0; t0=$(now)
    lx h1 timeout 20 python3 "$TSLOG" "$MDNS_BIN" resolve "Rec live" "$type" --reconfirm --json --timeout 3 > "$out" 2>&1
    rc=$?
    r=$($EV check-resolved mdns "$out" "Rec live" --port 8901 --addr 10.99.0.4) || fail "resolve of 'Rec live': $r"
    [ "$(reconfirmed "$out")" = present ] || fail "'Rec live' not reconfirmed present: $(tail -3 "$out" | tr '\n' '|')"
    [ "$rc" = 0 ] || fail "mdns resolve --reconfirm of a live service exited $rc (want 0)"
    local tr tp
    tr=$($EV wait mdns "$out" resolved '*' --timeout 0)
    tp=$($EV wait mdns "$out" reconfirmed '*' --timeout 0)
    notes+=("live: present $($EV delta "$tr" "$tp")s after the resolve")
    # a frozen one: it answers the resolve, then nothing
    "$LANX" exec h1 tcpdump -i eth0 --immediate-mode -U -n -w "$CDIR/h1.pcap" udp port 5353 \
        > "$CDIR/tcpdump-h1.log" 2>&1 &
    for _ in $(seq 50); do grep -qs 'listening on' "$CDIR/tcpdump-h1.log" && break; sleep 0.1; done
    out=$CDIR/resolve-frozen.out
    t0=$(now)
    "$LANX" exec h1 python3 "$TSLOG" "$MDNS_BIN" resolve "Rec frozen" "$type" --reconfirm --json --timeout 3 \
        > "$out" 2>&1 &
    local pid=$! ta=""
    # the resolve collects for 1.1 s after python-zeroconf's first answer (IPv4 only):
    # freeze python-zeroconf in that time
    for _ in $(seq 60); do
        ta=$(reconfirm_first_srv h1 10.99.0.4 "Rec frozen") && [ -n "$ta" ] && break
        sleep 0.05
    done
    [ -n "$ta" ] || fail "python-zeroconf never answered our resolve of 'Rec frozen'"
    kill -STOP "${P_PID[b]}"
    local tf; tf=$(now)
    log "python-zeroconf ('Rec frozen', pid ${P_PID[b]}) frozen $($EV delta "$ta" "$tf")s after its first answer"
    w=$($EV wait mdns "$out" resolved '*' --timeout 5 --alive "$pid") || fail "our resolve of 'Rec frozen' did not complete: $w"
    python3 -c "import sys; sys.exit(0 if $tf < $w else 1)" ||
        { kill -CONT "${P_PID[b]}"; skip "python-zeroconf was frozen only after the resolve ended (a loaded machine)"; }
    wait "$pid"; rc=$?
    kill -KILL "${P_PID[b]}" 2>/dev/null
    [ "$(reconfirmed "$out")" = gone ] || fail "'Rec frozen' not reconfirmed gone: $(tail -3 "$out" | tr '\n' '|')"
    [ "$rc" = 1 ] || fail "mdns resolve --reconfirm of a gone service exited $rc (want 1)"
    tp=$($EV wait mdns "$out" reconfirmed '*' --timeout 0)
    local d; d=$($EV delta "$w" "$tp")
    python3 -c "import sys; sys.exit(0 if 9.5 <= $d <= 11.0 else 1)" ||
        fail "'Rec frozen' reported gone ${d}s after the resolve (want 10 s, RFC 6762 §10.4)"
    # it asked: SRV questions for the instance after the resolve, at least two (RFC 6762 §10.4)
    local asked
    asked=$(tshark -n -r "$CDIR/h1.pcap" -Y "ip.src == 10.99.0.1 && dns.flags.response == 0 && frame.time_epoch > $w" \
        -T fields -e dns.qry.name -e dns.qry.type 2>/dev/null | grep -ci "Rec frozen" || true)
    [ "$asked" -ge 2 ] || fail "only $asked reconfirmation queries for 'Rec frozen' seen on h1"
    notes+=("frozen: gone ${d}s after the resolve, $asked queries")
    note "$(join_by "; " "${notes[@]}")"
}

shift
"$@"
