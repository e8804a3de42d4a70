# interop/lib/windows_cases.sh -- the cases of interop/windows.sh: the Windows `mdns`
# under Wine on h1 (eth0 on LAN A, the decoy eth1 on LAN B) against Avahi (h3) and
# python-zeroconf (h2, h4 on LAN A; h5 on LAN B). MDNS_BIN is lib/wine-mdns.sh, so the
# helpers of common.sh (party_start / browser_start with KIND mdns) run the Windows
# binary. Uses `fail why` / `skip why` / `note text` like lib/cases.sh.
# shellcheck shell=bash

# NAME TIMEOUT_S FUNCTION [ARGS...], one per line, in order.
windows_cases() {
    cat <<'EOF'
win-register-seen-by-peers   60 case_win_register
win-browse-finds-peers       70 case_win_browse
win-register-stops-on-timeout 40 case_win_timeout
win-adapters-tokio-smol      80 case_win_adapters
win-capture-no-malformed     30 case_win_capture
win-root-namespace-sent-no-mdns 15 case_win_no_leak
EOF
}

LAN_A_H1=10.99.0.1 LAN_B_H1=10.98.0.1

# win_stop ID -> SIGINT (Ctrl-C under Wine), waits up to 6 s for the exit. Sets STOP_WALL
# and STOP_RC like party_stop (tslog passes the signal on and exits with the status).
win_stop() {
    local id=$1 pid=${P_PID[$1]}
    STOP_WALL=$(now) STOP_RC=0
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        STOP_RC=running; log "party $id still running 6 s after SIGINT"; return 0
    fi
    wait "$pid" 2>/dev/null || STOP_RC=$?
    log "party $id exited with $STOP_RC"
}

# addrs_of CHECK_RESOLVED_OUTPUT -> the "addrs=[...]" part
addrs_of() { sed -n 's/.*addrs=\(\[.*\]\).*/\1/p' <<< "$1"; }

# found_ifaces FILE NAME -> interfaces on which `mdns browse --json` reported NAME found
found_ifaces() {
    python3 - "$1" "$2" <<'PY'
import json, sys
seen = set()
for line in open(sys.argv[1], errors="replace"):
    _, _, rest = line.partition(" ")
    try:
        o = json.loads(rest)
    except ValueError:
        continue
    if isinstance(o, dict) and o.get("event") == "found" and o.get("name") == sys.argv[2]:
        seen.add(o.get("interface"))
print(" ".join(sorted(map(str, seen))))
PY
}

# ------------------------------------------------------------------------------
# The Windows `mdns register` on h1: avahi-browse (h3) and python-zeroconf (h4) on LAN
# A must find and resolve it with h1's LAN A address only; python-zeroconf on LAN B
# (h5) with h1's LAN B address only. After SIGINT (Ctrl-C) it must exit 0 and all
# three must report it removed within 3 s (its goodbyes).
case_win_register() {
    local type=_iwreg._tcp port=8124 name="Win reg svc" target=mdns-h1.local
    browser_start av avahi h3 "$type"
    browser_start zb zc h4 "$type"
    browser_start zd zc h5 "$type"
    browser_ready av; browser_ready zb; browser_ready zd
    party_start s mdns h1 "$name" "$type" "$port" path=/wine ver=1
    local b w r a seen=()
    for b in av zb zd; do
        w=$(browser_wait $b found "$name" 15 "" s) ||
            fail "$(bname $b) browser ($b) never saw '$name': $w; $(tail -2 "${P_OUT[s]}" | cut -d' ' -f2- | tr '\n' '|')"
        seen+=("$b $($EV delta "${P_T0[s]}" "$w")s")
        browser_wait $b resolved "$name" 5 >/dev/null || fail "$b browser never resolved '$name'"
    done
    for b in av zb; do
        r=$(browser_check_resolved $b "$name" --host "$target" --port $port --txt path=/wine --txt ver=1 \
            --addr $LAN_A_H1) || fail "$b browser (LAN A) resolved wrongly: $r"
        a=$(addrs_of "$r")
        [[ "$a" != *"'10.98."* && "$a" != *"'fd98:"* ]] || fail "$b browser (LAN A) got a decoy LAN address: $a"
        log "$b resolved: $r"
    done
    r=$(browser_check_resolved zd "$name" --host "$target" --port $port --txt path=/wine --addr $LAN_B_H1) ||
        fail "zeroconf browser on the decoy LAN resolved wrongly: $r"
    a=$(addrs_of "$r")
    [[ "$a" != *"'10.99."* && "$a" != *"'fd99:"* ]] || fail "the decoy LAN's browser got a LAN A address: $a"
    note "register->seen: $(join_by ", " "${seen[@]}")"
    # the one-shot form: avahi-browse -rpt (-k: raw type names)
    "$HERE/avahi.sh" client h3 timeout 10 avahi-browse -rpkt "$type" > "$CDIR/avahi-browse-rpt.out" 2>&1
    r=$($EV check-resolved avahi "$CDIR/avahi-browse-rpt.out" "$name" --host "$target" --port $port \
        --txt path=/wine --txt ver=1 --addr $LAN_A_H1) || fail "avahi-browse -rpt: $r"
    r=$(party_wait_registered s 1) || fail "mdns printed no {\"event\":\"registered\"}: $r"
    win_stop s
    [ "$STOP_RC" = 0 ] || fail "the Windows mdns register exited with '$STOP_RC' after SIGINT (want 0)"
    local gone=() d
    for b in av zb zd; do
        w=$(browser_wait $b removed "$name" 3 "$STOP_WALL") || fail "$b browser saw no removal of '$name' within 3 s of SIGINT"
        d=$($EV delta "$STOP_WALL" "$w")
        gone+=("$b ${d}s")
    done
    note "Ctrl-C->removed: $(join_by ", " "${gone[@]}")"
}

# ------------------------------------------------------------------------------
# Avahi (h3) publishes before the Windows browser starts (query path), python-zeroconf
# on h2 after (announcement path), and python-zeroconf on the decoy LAN (h5) before.
# The Windows `mdns browse --resolve` on h1 must find and resolve all three, each on
# its own LAN's interface (eth0: Avahi, zeroconf; eth1: the decoy), see Avahi's and
# zeroconf's removal when they stop, and `mdns resolve` / `mdns lookup` one-shots
# under Wine must answer too.
case_win_browse() {
    local type=_iwbrw._tcp r w out
    local an="Avahi pub for win" zn="Zc pub for win" dn="Decoy pub for win"
    party_start av avahi h3 "$an" "$type" 8201 a=1 src=avahi
    party_start dc zc h5 "$dn" "$type" 8203 c=3 src=decoy
    r=$(party_wait_registered av 10) || fail "avahi-publish did not establish '$an': $r"
    r=$(party_wait_registered dc 10) || fail "zeroconf on the decoy LAN did not register '$dn': $r"
    browser_start b mdns h1 "$type"
    local tb; tb=$(now)
    browser_ready b
    party_start zc zc h2 "$zn" "$type" 8202 b=2 src=zeroconf
    local times=()
    w=$(browser_wait b found "$an" 15) || fail "did not find Avahi's '$an': $w; $(tail -3 "${B_OUT[b]}" | tr '\n' '|')"
    times+=("avahi found $($EV delta "$tb" "$w")s after browse start")
    browser_wait b resolved "$an" 5 >/dev/null || fail "did not resolve Avahi's '$an'"
    r=$(browser_check_resolved b "$an" --host avahi-h3.local --port 8201 --txt a=1 --txt src=avahi --addr 10.99.0.3) ||
        fail "Avahi's service resolved wrongly: $r"
    w=$(browser_wait b found "$dn" 10) || fail "did not find the decoy LAN's '$dn': $w"
    browser_wait b resolved "$dn" 5 >/dev/null || fail "did not resolve the decoy LAN's '$dn'"
    r=$(browser_check_resolved b "$dn" --host zc-h5.local --port 8203 --txt c=3 --addr 10.98.0.5) ||
        fail "the decoy LAN's service resolved wrongly: $r"
    w=$(browser_wait b found "$zn" 10 "" zc) || fail "did not find python-zeroconf's '$zn': $w"
    times+=("zeroconf found $($EV delta "${P_T0[zc]}" "$w")s after its start")
    browser_wait b resolved "$zn" 5 >/dev/null || fail "did not resolve python-zeroconf's '$zn'"
    r=$(browser_check_resolved b "$zn" --host zc-h2.local --port 8202 --txt b=2 --txt src=zeroconf --addr 10.99.0.2) ||
        fail "python-zeroconf's service resolved wrongly: $r"
    # each on the interface of its LAN
    local n want got
    for n in "$an|eth0" "$zn|eth0" "$dn|eth1"; do
        want=${n#*|} n=${n%|*}
        got=$(found_ifaces "${B_OUT[b]}" "$n")
        [ "$got" = "$want" ] || fail "'$n' reported found on '$got', want '$want' only"
    done
    times+=("interfaces eth0/eth0/eth1 right")
    # one-shot resolve and lookup under Wine
    local h p t ad
    for n in "$an|avahi-h3.local|8201|a=1|10.99.0.3" "$zn|zc-h2.local|8202|b=2|10.99.0.2"; do
        IFS='|' read -r n h p t ad <<< "$n"
        out=$CDIR/resolve-$p.out
        lx h1 timeout 20 "$MDNS_BIN" resolve "$n" "$type" --json --timeout 5 > "$out" 2>&1
        r=$($EV check-resolved mdns "$out" "$n" --host "$h" --port "$p" --txt "$t" --addr "$ad") ||
            fail "mdns resolve '$n' under Wine: $r"
    done
    out=$CDIR/lookup.out
    lx h1 timeout 20 "$MDNS_BIN" lookup avahi-h3.local -4 --json --timeout 5 > "$out" 2>&1
    grep -q '"address":"10.99.0.3"' "$out" || fail "mdns lookup avahi-h3.local under Wine: $(tail -2 "$out" | tr '\n' '|')"
    times+=("resolve and lookup ok")
    # removal
    local id
    for id in av zc; do
        party_stop $id
        n=$([ $id = av ] && echo "$an" || echo "$zn")
        w=$(browser_wait b removed "$n" 4 "$STOP_WALL") || fail "removal of '$n' not seen within 4 s"
        times+=("$(bname $id) removed after $($EV delta "$STOP_WALL" "$w")s")
    done
    kill -INT "${B_PID[b]}" 2>/dev/null; wait "${B_PID[b]}" 2>/dev/null
    note "$(join_by ", " "${times[@]}")"
}

# ------------------------------------------------------------------------------
# `mdns register --timeout 4` under Wine ends by itself after 4 s with status 0 and its
# goodbyes: the way to stop a Windows program where no console event can be sent.
case_win_timeout() {
    local type=_iwtmo._tcp name="Win timed svc"
    browser_start zb zc h4 "$type"
    browser_ready zb
    party_start t mdns h1 "$name" "$type" 8125 k=v --timeout 4
    local w; w=$(browser_wait zb found "$name" 15 "" t) || fail "never seen: $w"
    local pid=${P_PID[t]} rc=0
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && fail "still running 15 s after it was seen (--timeout 4)"
    local end; end=$(now)
    wait "$pid" || rc=$?
    [ "$rc" = 0 ] || fail "exited with $rc after --timeout (want 0)"
    w=$(browser_wait zb removed "$name" 3 "") || fail "no removal seen by the time it exited: $w"
    note "started +0, removed (goodbyes) at +$($EV delta "${P_T0[t]}" "$w")s, exit seen at +$($EV delta "${P_T0[t]}" "$end")s"
}

# ------------------------------------------------------------------------------
# The async adapters on Windows, through their examples under Wine: mdns-tokio (its
# loop on a thread: tokio has no AsyncFd there) and mdns-smol (async-io's Async over
# the sockets: IOCP / AFD polling). For each: the `register` example is found and
# resolved by python-zeroconf on both LANs with that LAN's address of h1, and the
# `browse` example finds and resolves Avahi's service, then shuts down by itself
# (10 s) with status 0.
case_win_adapters() {
    local rt notes=()
    for rt in tokio smol; do win_adapter "$rt"; done
    note "$(join_by ", " "${notes[@]}")"
}
win_adapter() {
    local rt=$1 up=${1^^} type=_iwad$1._tcp btype=_iwab$1._tcp
    local name="Win $1 svc" an="Avahi for $1" v r a w
    v=WIN_EX_${up}_REGISTER; local reg_exe=${!v}
    v=WIN_EX_${up}_BROWSE; local browse_exe=${!v}
    party_start av$rt avahi h3 "$an" "$btype" 8210 a="$rt"
    r=$(party_wait_registered av$rt 10) || fail "avahi-publish did not establish '$an': $r"
    browser_start zb$rt zc h4 "$type"
    browser_start zd$rt zc h5 "$type"
    browser_ready zb$rt; browser_ready zd$rt
    local rout=$CDIR/$rt-register.out bout=$CDIR/$rt-browse.out t0; t0=$(now)
    "$LANX" exec h1 env MDNS_EXE="$reg_exe" python3 "$TSLOG" "$MDNS_BIN" "$name" "$type" 8211 > "$rout" 2>&1 &
    local rpid=$!
    "$LANX" exec h1 env MDNS_EXE="$browse_exe" python3 "$TSLOG" "$MDNS_BIN" "$btype" > "$bout" 2>&1 &
    local bpid=$!
    log "$rt: register example pid $rpid, browse example pid $bpid"
    local b lan
    for b in zb$rt zd$rt; do
        w=$(browser_wait $b found "$name" 15) || fail "$rt register example: $b never saw '$name': $w; $(tail -2 "$rout" | tr '\n' '|')"
        browser_wait $b resolved "$name" 5 >/dev/null || fail "$rt register example: $b never resolved '$name'"
    done
    r=$(browser_check_resolved zb$rt "$name" --port 8211 --txt path=/ --addr $LAN_A_H1) ||
        fail "$rt register example resolved wrongly on LAN A: $r"
    a=$(addrs_of "$r")
    [[ "$a" != *"'10.98."* ]] || fail "$rt register example: LAN A got a decoy LAN address: $a"
    r=$(browser_check_resolved zd$rt "$name" --port 8211 --txt path=/ --addr $LAN_B_H1) ||
        fail "$rt register example resolved wrongly on the decoy LAN: $r"
    a=$(addrs_of "$r")
    [[ "$a" != *"'10.99."* ]] || fail "$rt register example: the decoy LAN got a LAN A address: $a"
    notes+=("$rt register seen on both LANs after $($EV delta "$t0" "$w")s")
    kill -INT "$rpid" 2>/dev/null
    # the browse example: "= NAME -> HOST:PORT [ADDRS] [TXT]", then its own shutdown
    for _ in $(seq 150); do
        grep -q "= $an -> avahi-h3.local.:8210 .*10.99.0.3" "$bout" && break
        kill -0 "$bpid" 2>/dev/null || break
        sleep 0.1
    done
    grep -q "= $an -> avahi-h3.local.:8210 .*10.99.0.3" "$bout" ||
        fail "$rt browse example did not resolve Avahi's '$an': $(tail -3 "$bout" | cut -d' ' -f2- | tr '\n' '|')"
    local rc=0
    for _ in $(seq 150); do kill -0 "$bpid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$bpid" 2>/dev/null && fail "$rt browse example still running after its 10 s"
    wait "$bpid" || rc=$?
    [ "$rc" = 0 ] || fail "$rt browse example exited with $rc (want 0 after its shutdown): $(tail -2 "$bout" | tr '\n' '|')"
    notes+=("$rt browse resolved Avahi's and shut down (exit 0)")
    wait "$rpid" 2>/dev/null
    party_stop av$rt
}

# ------------------------------------------------------------------------------
# The capture of the suite on both LANs: no malformed packet from h1 (either port).
case_win_capture() {
    local pcap=$OUT/capture.pcap pid
    pid=$(cat "$OUT/tshark.pid" 2>/dev/null) || skip "no capture running"
    kill -INT "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    [ -s "$pcap" ] || fail "no capture file"
    local scope="(eth.src == 02:99:00:00:00:01 || eth.src == 02:98:00:00:00:01)"
    local total ours bad
    total=$(tshark -n -r "$pcap" 2>/dev/null | wc -l)
    ours=$(tshark -n -r "$pcap" -Y "$scope" 2>/dev/null | wc -l)
    bad=$(tshark -n -r "$pcap" -Y "_ws.malformed && $scope" 2>/dev/null | tee "$CDIR/malformed.txt" | wc -l)
    [ "$ours" -gt 0 ] || fail "no packet from h1 (Windows mdns) in the capture"
    [ "$bad" -eq 0 ] || fail "$bad malformed packet(s) from h1, e.g. $(head -1 "$CDIR/malformed.txt")"
    note "$total packets, $ours from h1 (both LANs), 0 malformed from it"
}

# ------------------------------------------------------------------------------
# Safety net: the root namespace sent nothing to port 5353 / the mDNS groups.
case_win_no_leak() {
    local pid n
    pid=$(cat "$OUT/leak.pid" 2>/dev/null) || skip "no root-namespace capture (INTEROP_LEAK_CHECK=0)"
    sleep 0.5
    kill -INT "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    [ -f "$OUT/root-ns-sent.pcap" ] || fail "root-namespace capture did not run: $(tail -1 "$OUT/root-tcpdump.log")"
    n=$(tcpdump -n -r "$OUT/root-ns-sent.pcap" 2>/dev/null | tee "$CDIR/leaked.txt" | wc -l)
    [ "$n" -eq 0 ] || fail "the root namespace SENT $n mDNS packet(s) during the suite, e.g. $(head -1 "$CDIR/leaked.txt")"
    note "0 mDNS packets sent from the root namespace"
}
