# interop/lib/cases.sh -- the interop cases. To add one: write a function case_xxx
# (use the helpers of common.sh; `fail why` / `skip why` / `note text`) and register
# it in define_cases with add_case NAME GROUP TIMEOUT case_xxx ARGS...
# Hosts of the lab (lan.sh up 5):
#   h1 10.99.0.1  the subject: `mdns` (self-test: python-zeroconf / its browser)
#   h2 10.99.0.2  a second `mdns` (conflicts)
#   h3 10.99.0.3  avahi-daemon (host-name avahi-h3) with private D-Bus: avahi-browse/-publish
#   h4 10.99.0.4  python-zeroconf peer
#   h5 10.99.0.5  neutral observer: python-zeroconf browser, legacy queries, dig
#   h6 10.99.0.6  Apple's mDNSResponder: a private mdnsd per case, dns-sd clients (lib/apple.sh)
#   h7 10.99.0.7  our `mdns` again, in host-name conflicts with Apple (an address after h6's)
# shellcheck shell=bash

# shellcheck source=apple.sh
source "$HERE/lib/apple.sh"

define_cases() {
    # --- our mdns against the peers
    add_case register-seen-by-peers        mdns 40 case_register mdns
    add_case browse-finds-peers            mdns 40 case_browse mdns
    local p o
    for p in avahi zc mdns; do
        for o in first second together; do
            add_case "conflict-mdns-vs-$p-$o" mdns 35 case_conflict mdns "$p" "$o"
        done
    done
    add_case legacy-unicast                mdns 30 case_legacy mdns
    # --- our mdns against Apple's mDNSResponder (h6); "together" runs several times
    # (INTEROP_LONG=1: 10, else 3)
    local n=3; [ "${INTEROP_LONG:-0}" = 1 ] && n=10
    add_case apple-sees-mdns-register      mdns 40 case_apple_sees mdns
    add_case mdns-finds-apple              mdns 40 case_apple_found mdns
    add_case apple-subtypes-txt-update     mdns 45 case_apple_subtypes mdns
    add_case apple-sees-mdns-txt-update    mdns 40 case_apple_txt_update mdns
    for o in first second; do
        add_case "conflict-mdns-vs-apple-$o"      mdns 40 case_apple_service_conflict mdns $o 1
        add_case "conflict-mdns-vs-apple-host-$o" mdns 40 case_apple_host_conflict mdns $o 1
    done
    add_case conflict-mdns-vs-apple-together      mdns $((20 + 16 * n)) case_apple_service_conflict mdns together $n
    add_case conflict-mdns-vs-apple-host-together mdns $((20 + 16 * n)) case_apple_host_conflict mdns together $n
    add_case legacy-unicast-beside-apple   mdns 40 case_legacy_beside_apple mdns
    # --- the same checks with peers only: validates the harness itself
    add_case self-register-zc-seen-by-peers self 40 case_register zc
    add_case self-browse-zc-finds-peers     self 40 case_browse zc
    for o in first second together; do
        add_case "self-conflict-zc-vs-avahi-$o" self 35 case_conflict zc avahi "$o"
    done
    add_case self-legacy-unicast-avahi      self 30 case_legacy avahi
    add_case self-apple-sees-zc-register    self 40 case_apple_sees zc
    add_case self-zc-finds-apple            self 40 case_apple_found zc
    add_case self-apple-subtypes-txt-update-zc self 45 case_apple_subtypes zc
    for o in first second; do
        add_case "self-conflict-avahi-vs-apple-$o" self 40 case_apple_service_conflict avahi $o 1
    done
    add_case self-conflict-avahi-vs-apple-together self $((20 + 16 * n)) case_apple_service_conflict avahi together $n
    add_case self-conflict-avahi-host-vs-apple self 30 case_apple_host_vs_avahi
    add_case self-legacy-unicast-avahi-beside-apple self 40 case_legacy_beside_apple avahi
    # --- last, in every mode
    add_case capture-no-malformed          final 30 case_capture
    add_case root-namespace-sent-no-mdns   final 15 case_no_leak
}

# expected SRV target / address of a party KIND on HOST
target_of() {
    case $1 in
        mdns) echo "$(mdns_host_of "$2").local" ;;
        zc) zc_host_of "$2" ;;
        avahi) echo "$(avahi_host_of "$2").local" ;;
    esac
}
host_for() { case $1 in mdns) echo "${2:-h1}" ;; zc) echo h4 ;; avahi) echo h3 ;; apple) echo h6 ;; esac; }
case_skip() { skip "$*"; }

# ------------------------------------------------------------------------------
# SUBJECT registers; avahi-browse (h3) and a python-zeroconf browser (h5) must see
# and resolve it (host, port, TXT, address); after SIGTERM both must report it
# removed within 2 s, and the subject must exit 0.
case_register() {
    local kind=$1 host=h1 type=_ireg._tcp port=8123 name="Reg $1 svc"
    local target; target=$(target_of "$kind" "$host")
    browser_start av avahi h3 "$type"
    browser_start zb zc h5 "$type"
    browser_ready av; browser_ready zb
    party_start s "$kind" "$host" "$name" "$type" "$port" path=/interop ver=1
    local b w seen=() r
    for b in av zb; do
        w=$(browser_wait $b found "$name" 10 "" s) ||
            fail "$(bname $b) browser never saw '$name': $w; $(tail -2 "${P_OUT[s]}" | cut -d' ' -f2- | tr '\n' '|')"
        seen+=("$(bname $b) $($EV delta "${P_T0[s]}" "$w")s")
        browser_wait $b resolved "$name" 5 >/dev/null || fail "$b browser never resolved '$name'"
        r=$(browser_check_resolved $b "$name" --host "$target" --port $port --txt path=/interop --txt ver=1 \
            --addr "$(ip4_of $host)") || fail "$b browser resolved wrongly: $r"
        log "$b resolved: $r"
    done
    note "register->seen: $(join_by ", " "${seen[@]}")"
    # the one-shot form the spec names: avahi-browse -rpt (here -rpkt: raw type names)
    "$HERE/avahi.sh" client h3 timeout 10 avahi-browse -rpkt "$type" > "$CDIR/avahi-browse-rpt.out" 2>&1
    r=$($EV check-resolved avahi "$CDIR/avahi-browse-rpt.out" "$name" --host "$target" --port $port \
        --txt path=/interop --txt ver=1 --addr "$(ip4_of $host)") || fail "avahi-browse -rpt: $r"
    if [ "$kind" = mdns ]; then
        r=$(party_wait_registered s 1) || fail "mdns printed no {\"event\":\"registered\"}: $r"
    fi
    party_stop s
    [ "$STOP_RC" = 0 ] || fail "$kind register exited with '$STOP_RC' after SIGTERM (want 0)"
    local gone=()
    for b in av zb; do
        w=$(browser_wait $b removed "$name" 3 "$STOP_WALL") || fail "$b browser saw no removal of '$name' within 3 s of SIGTERM"
        local d; d=$($EV delta "$STOP_WALL" "$w")
        python3 -c "import sys; sys.exit(0 if $d <= 2.0 else 1)" || fail "$b browser saw the removal only after ${d}s (> 2 s)"
        gone+=("$(bname $b) ${d}s")
    done
    # nothing of it may stay (avahi-browse has one entry per IPv4/IPv6 protocol)
    sleep "$(python3 -c "print(max(0, $STOP_WALL + 2.05 - $(now)))")"
    for b in av zb; do
        r=$($EV names "${B_KIND[$b]}" "${B_OUT[$b]}" "$name")
        [ "$r" = "[]" ] || fail "$b browser still lists $r 2 s after SIGTERM"
    done
    note "SIGTERM->removed: $(join_by ", " "${gone[@]}")"
}

# ------------------------------------------------------------------------------
# Avahi (h3, avahi-publish) and python-zeroconf (h4) publish; BROWSER on h1 must find
# and resolve both (Avahi's before the browser starts: query path; zeroconf's after:
# announcement path), and see both removed when they stop. Plus a one-shot resolve.
case_browse() {
    local kind=$1 type=_ibrw._tcp r
    local an="Avahi pub for $1" zn="Zc pub for $1"
    party_start av avahi h3 "$an" "$type" 8201 a=1 src=avahi
    r=$(party_wait_registered av 10) || fail "avahi-publish did not establish '$an': $r"
    browser_start b "$kind" h1 "$type"
    local tb; tb=$(now)
    browser_ready b
    party_start zc zc h4 "$zn" "$type" 8202 b=2 src=zeroconf
    local w r times=()
    w=$(browser_wait b found "$an" 8) || fail "did not find Avahi's '$an': $w"
    times+=("avahi found $($EV delta "$tb" "$w")s after browse start")
    w=$(browser_wait b resolved "$an" 5) || fail "did not resolve Avahi's '$an'"
    r=$(browser_check_resolved b "$an" --host avahi-h3.local --port 8201 --txt a=1 --txt src=avahi --addr 10.99.0.3) ||
        fail "Avahi's service resolved wrongly: $r"
    w=$(browser_wait b found "$zn" 10 "" zc) || fail "did not find python-zeroconf's '$zn': $w"
    times+=("zeroconf found $($EV delta "${P_T0[zc]}" "$w")s after its start")
    browser_wait b resolved "$zn" 5 >/dev/null || fail "did not resolve python-zeroconf's '$zn'"
    r=$(browser_check_resolved b "$zn" --host zc-h4.local --port 8202 --txt b=2 --txt src=zeroconf --addr 10.99.0.4) ||
        fail "python-zeroconf's service resolved wrongly: $r"
    # one-shot resolve of both
    local n h p t ad out
    for n in "$an|avahi-h3.local|8201|a=1|10.99.0.3" "$zn|zc-h4.local|8202|b=2|10.99.0.4"; do
        IFS='|' read -r n h p t ad <<< "$n"
        out=$CDIR/resolve-${p}.out
        if [ "$kind" = mdns ]; then
            lx h1 timeout 10 "$MDNS_BIN" resolve "$n" "$type" --json --timeout 3 > "$out" 2>&1
            r=$($EV check-resolved mdns "$out" "$n" --host "$h" --port "$p" --txt "$t" --addr "$ad") ||
                fail "mdns resolve '$n': $r"
        else
            lx h1 timeout 10 python3 "$HERE/peers/zc_resolve.py" "$n" "$type" > "$out" 2>&1
            r=$($EV check-resolved zc "$out" "$n" --host "$h" --port "$p" --txt "$t" --addr "$ad") ||
                fail "zc_resolve '$n': $r"
        fi
    done
    # removal
    local id
    for id in av zc; do
        party_stop $id
        n=$([ $id = av ] && echo "$an" || echo "$zn")
        w=$(browser_wait b removed "$n" 4 "$STOP_WALL") || fail "removal of '$n' not seen within 4 s"
        times+=("$(bname $id) removed after $($EV delta "$STOP_WALL" "$w")s")
    done
    note "$(join_by ", " "${times[@]}")"
}

# ------------------------------------------------------------------------------
# Name conflict: SUBJECT (h1) and PEER register the same instance name.
# ORDER first: subject first (peer starts once it registered); second: peer first;
# together: both started at once. Both must end up registered under distinct names,
# and a fresh browser (h5) must list exactly those two.
case_conflict() {
    local s=$1 p=$2 order=$3 type=_icfl._tcp
    local name="Dup $1 $2 $3" phost; phost=$(host_for "$p" h2)
    local ta tb
    case $order in
        first) party_start a "$s" h1 "$name" "$type" 8301 who=subject
               ta=$(party_wait_registered a 10) || fail "$ta"
               party_start b "$p" "$phost" "$name" "$type" 8302 who=peer ;;
        second) party_start b "$p" "$phost" "$name" "$type" 8302 who=peer
                tb=$(party_wait_registered b 10) || fail "$tb"
                party_start a "$s" h1 "$name" "$type" 8301 who=subject ;;
        together) party_start a "$s" h1 "$name" "$type" 8301 who=subject
                  party_start b "$p" "$phost" "$name" "$type" 8302 who=peer ;;
    esac
    ta=$(party_wait_registered a 12) || fail "$ta"
    tb=$(party_wait_registered b 12) || fail "$tb"
    sleep 2   # late conflicts (after announcing) must have been settled by now
    local na nb
    na=$(party_name a); nb=$(party_name b)
    for id in a b; do
        kill -0 "${P_PID[$id]}" 2>/dev/null || fail "party $id (${P_KIND[$id]}) exited: $(tail -2 "${P_OUT[$id]}" | tr '\n' '|')"
    done
    [ -n "$na" ] && [ -n "$nb" ] || fail "no final name (subject '$na', peer '$nb')"
    [ "$na" != "$nb" ] || fail "both ended with the same name '$na'"
    local listed; listed=$(list_names h5 "$type" "$name" 2.5)
    python3 - "$listed" "$na" "$nb" <<'PY' || fail "browser on h5 lists $listed, want exactly ['$na', '$nb']"
import json, sys
seen = set(json.loads(sys.argv[1]))
sys.exit(0 if seen == {sys.argv[2], sys.argv[3]} else 1)
PY
    note "$s@h1 '$na' ($($EV delta "${P_T0[a]}" "$ta")s), $p@$phost '$nb' ($($EV delta "${P_T0[b]}" "$tb")s)"
}

# ------------------------------------------------------------------------------
# Legacy unicast (RFC 6762 6.7): one-shot queries from an ephemeral port on h5 to
# RESPONDER's unicast address and to 224.0.0.251 must get a unicast answer from port
# 5353 with our ID, the question repeated and TTL <= 10; dig -p 5353 +notcp works too.
case_legacy() {
    local kind=$1 host; host=$(host_for "$1")
    local type=_ileg._tcp name="Legacy-$1" port=8401
    local addr; addr=$(ip4_of "$host")
    local target; target=$(target_of "$kind" "$host")
    local fq="$name.$type.local." r
    party_start r "$kind" "$host" "$name" "$type" $port k=v
    r=$(party_wait_registered r 10) || fail "$r"
    sleep 0.5
    local out res=()
    out=$CDIR/legacy-srv-unicast.out
    lx h5 python3 "$HERE/peers/legacy_query.py" "$fq" SRV --to "$addr" --until-from "$addr" > "$out" 2>&1
    r=$($EV legacy-check "$out" "$fq" SRV --src "$addr" --port $port --target "$target") || fail "SRV to $addr: $r"
    res+=("SRV@$addr ok")
    out=$CDIR/legacy-srv-mcast.out
    lx h5 python3 "$HERE/peers/legacy_query.py" "$fq" SRV --to 224.0.0.251 --until-from "$addr" > "$out" 2>&1
    r=$($EV legacy-check "$out" "$fq" SRV --src "$addr" --port $port --target "$target") || fail "SRV to 224.0.0.251: $r"
    res+=("SRV@224.0.0.251 ok")
    out=$CDIR/legacy-a.out
    lx h5 python3 "$HERE/peers/legacy_query.py" "$target" A --to "$addr" --until-from "$addr" > "$out" 2>&1
    r=$($EV legacy-check "$out" "$target" A --src "$addr" --addr "$addr") || fail "A $target to $addr: $r"
    res+=("A ok")
    out=$CDIR/dig.out
    lx h5 dig -p 5353 +notcp +time=2 +tries=1 @"$addr" "$fq" SRV > "$out" 2>&1
    grep -qE "IN[[:space:]]+SRV[[:space:]]+[0-9]+ [0-9]+ $port ${target%.}\.?$" "$out" ||
        fail "dig -p 5353 +notcp @$addr SRV: $(grep -E 'status|SRV|timed out|error' "$out" | tr '\n' '|')"
    res+=("dig ok")
    # informational: the same over IPv6 unicast
    out=$CDIR/legacy-srv-v6.out
    lx h5 python3 "$HERE/peers/legacy_query.py" "$fq" SRV --to "fd99::${host#h}" --until-from "fd99::${host#h}" > "$out" 2>&1
    if $EV legacy-check "$out" "$fq" SRV --port $port --target "$target" >/dev/null; then res+=("v6 ok"); else res+=("v6: no valid reply (not required)"); fi
    note "$(join_by ", " "${res[@]}")"
}

# ------------------------------------------------------------------------------
# The capture of the whole suite on br0: tshark must find no malformed packet sent by
# the subject hosts (h1, h2: our mdns; in --self-test: any host).
case_capture() {
    local pcap=$OUT/capture.pcap pid
    pid=$(cat "$OUT/tshark.pid" 2>/dev/null) || skip "no capture running"
    kill -INT "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    [ -s "$pcap" ] || fail "no capture file"
    local scope filter who
    local ran_mdns; ran_mdns=$(ls "$OUT/cases" | grep -v '^self-' | grep -v '^capture' | head -1)
    if [ -n "$ran_mdns" ]; then
        who="h1/h2/h7 (our mdns)"
        scope="(eth.src == 02:99:00:00:00:01 || eth.src == 02:99:00:00:00:02 || eth.src == 02:99:00:00:00:07)"
    else
        who="all hosts"
        scope="eth"
    fi
    local total ours bad badall
    total=$(tshark -n -r "$pcap" 2>/dev/null | wc -l)
    ours=$(tshark -n -r "$pcap" -Y "$scope" 2>/dev/null | wc -l)
    bad=$(tshark -n -r "$pcap" -Y "_ws.malformed && $scope" 2>/dev/null | tee "$CDIR/malformed.txt" | wc -l)
    badall=$(tshark -n -r "$pcap" -Y "_ws.malformed" 2>/dev/null | wc -l)
    [ "$total" -gt 0 ] || fail "capture is empty"
    [ "$ours" -gt 0 ] || fail "no packet from $who in the capture"
    [ "$bad" -eq 0 ] || fail "$bad malformed packet(s) from $who, e.g. $(head -1 "$CDIR/malformed.txt")"
    note "$total packets, $ours from $who, 0 malformed from them ($badall malformed in all)"
}

# ------------------------------------------------------------------------------
# Safety net: the passive tcpdump in the ROOT namespace (-i any -Q out) must have seen
# this machine send nothing to port 5353 / 224.0.0.251 / ff02::fb during the suite.
case_no_leak() {
    local pid n
    pid=$(cat "$OUT/leak.pid" 2>/dev/null) || skip "no root-namespace capture (INTEROP_LEAK_CHECK=0 or no tcpdump)"
    sleep 0.5
    kill -INT "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    [ -f "$OUT/root-ns-sent.pcap" ] || fail "root-namespace capture did not run: $(tail -1 "$OUT/root-tcpdump.log")"
    n=$(tcpdump -n -r "$OUT/root-ns-sent.pcap" 2>/dev/null | tee "$CDIR/leaked.txt" | wc -l)
    [ "$n" -eq 0 ] || fail "the root namespace SENT $n mDNS packet(s) during the suite, e.g. $(head -1 "$CDIR/leaked.txt")"
    note "0 mDNS packets sent from the root namespace"
}
