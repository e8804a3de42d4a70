# interop/lib/apple.sh -- Apple's mDNSResponder as a peer: one private `mdnsd` per lab
# namespace (started through ../shared/peers/mdnsresponder/run-in-ns.sh, which gives it a
# private /run and host name), and `dns-sd` clients attached to it. Sourced by cases.sh.
#
#   apple_daemon HOST [LABEL]       start mdnsd in HOST as host LABEL (default apple-HOST),
#                                   wait for its socket; its log (-debug, timestamped) is
#                                   $CDIR/mdnsd-HOST.log
#   apple_client ID HOST ARGS...    dns-sd ARGS against HOST's mdnsd, in the background;
#                                   output (timestamped) in $CDIR/apple-ID.out
#   apple_stop ID                   SIGTERM to that client, wait for it
#   apple_lost HOST NAME            did HOST's mdnsd lose a simultaneous-probe tiebreak
#                                   (RFC 6762 §8.2) for a record named NAME? (its log)
#   wire_start / $WIRE              a capture of the case on h6's eth0 ($CDIR/wire.pcap)
# Stopping order matters for goodbyes: mdnsd sends none when it is itself stopped, so a
# case that checks a removal stops the dns-sd client first (see the README there).
# shellcheck shell=bash

# shellcheck source=mdnsr.sh
source "$HERE/lib/mdnsr.sh"
# shellcheck source=control.sh
source "$HERE/lib/control.sh"
APPLE_HOST=h6
WIRE="python3 $HERE/lib/wire.py"
declare -A A_STATE A_DPID A_PID A_OUT A_T0

apple_needed() {  # skip the case unless Apple's peer can run
    local why; why=$(mdnsr_missing)
    [ -z "$why" ] || skip "$why"
}

apple_daemon() {
    local host=$1 label=${2:-apple-$1} ns st
    ns=$("$HERE/lan.sh" ns "$host")
    st=$INTEROP_STATE/$LAN_ID/mdnsr/$host
    mkdir -p "$st/run"
    rm -f "$st/run/mdnsd"
    # foreground form: run-in-ns.sh execs into mdnsd, so $! is mdnsd (under tslog)
    python3 "$TSLOG" "$MDNSR_PEER/run-in-ns.sh" --bin "$MDNSR_BIN" --state "$st" --host "$label" "$ns" \
        > "$CDIR/mdnsd-$host.log" 2>&1 &
    A_DPID[$host]=$! A_STATE[$host]=$st
    local i
    for i in $(seq 100); do
        [ -S "$st/run/mdnsd" ] && break
        kill -0 "${A_DPID[$host]}" 2>/dev/null || fail "mdnsd in $host died: $(tail -3 "$CDIR/mdnsd-$host.log" | tr '\n' '|')"
        sleep 0.1
    done
    [ -S "$st/run/mdnsd" ] || fail "mdnsd in $host: no socket after 10 s"
    log "mdnsd in $host as host '$label' (pid ${A_DPID[$host]})"
}

apple_client() {
    local id=$1 host=$2; shift 2
    [ -n "${A_STATE[$host]:-}" ] || apple_daemon "$host"
    local out=$CDIR/apple-$id.out
    python3 "$TSLOG" "$MDNSR_PEER/run-in-ns.sh" --attach --bin "$MDNSR_BIN" --state "${A_STATE[$host]}" \
        "$("$HERE/lan.sh" ns "$host")" -- dns-sd "$@" > "$out" 2>&1 &
    A_PID[$id]=$! A_OUT[$id]=$out A_T0[$id]=$(now)
    log "apple $id on $host: dns-sd $* (pid ${A_PID[$id]})"
}

apple_stop() {
    local pid=${A_PID[$1]}
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    wait "$pid" 2>/dev/null || true
}

# apple_wait ID EVENT NAME TIMEOUT [AFTER] -> wall of the event in the client's output
apple_wait() {
    $EV wait dnssd "${A_OUT[$1]}" "$2" "$3" --timeout "$4" ${5:+--after "$5"} --alive "${A_PID[$1]}"
}

# apple_lost HOST NAME: mdnsd logs "ResolveSimultaneousProbe: ... Our Record N lost: ..."
# with the record (name escaped as in DNS presentation form) when it defers
apple_lost() {
    python3 - "$CDIR/mdnsd-$1.log" "$2" <<'PY'
import re, sys
name = sys.argv[2].rstrip(".")
pat = re.escape(name).replace(r"\ ", r"(?: |\\032)")
rx = re.compile(r"ResolveSimultaneousProbe: .*Our Record \d+ lost: +\S+ +\d+ +" + pat + r"\.\s", re.I)
try:
    hits = [l for l in open(sys.argv[1], errors="replace") if rx.search(l)]
except OSError:
    hits = []
print(len(hits))
sys.exit(0 if hits else 1)
PY
}

wire_start() {
    # --immediate-mode: the cases read the file while it grows (else packets wait up
    # to a second in the kernel's buffer)
    "$LANX" exec "$APPLE_HOST" tcpdump -i eth0 --immediate-mode -U -n -w "$CDIR/wire.pcap" udp port 5353 \
        > "$CDIR/wire.log" 2>&1 &
    local i
    for i in $(seq 50); do grep -qs 'listening on' "$CDIR/wire.log" && return 0; sleep 0.1; done
    fail "tcpdump in $APPLE_HOST did not start: $(cat "$CDIR/wire.log")"
}

# ------------------------------------------------------------------------------
# SUBJECT (h1) registers a service; Apple on h6 must see it: `dns-sd -B` lists it,
# `dns-sd -L` resolves host, port and TXT, `dns-sd -G v4v6` gets the host's address;
# after SIGTERM to the subject, `dns-sd -B` reports the removal within 2 s.
case_apple_sees() {
    local kind=$1 host=h1 type=_iapr._tcp port=8123 name="Reg $1 for apple"
    apple_needed
    local target; target=$(target_of "$kind" "$host")
    apple_daemon "$APPLE_HOST"
    wire_start
    apple_client B "$APPLE_HOST" -B "$type"
    sleep 0.5
    party_start s "$kind" "$host" "$name" "$type" "$port" path=/interop ver=1
    local w r notes=()
    w=$(apple_wait B found "$name" 10 "" ) || fail "dns-sd -B never listed '$name': $w"
    notes+=("register->dns-sd -B $($EV delta "${P_T0[s]}" "$w")s")
    local t0; t0=$(now)
    apple_client L "$APPLE_HOST" -L "$name" "$type" local
    w=$(apple_wait L resolved "$name" 5) || fail "dns-sd -L did not resolve '$name': $(tail -3 "${A_OUT[L]}" | tr '\n' '|')"
    r=$($EV check-resolved dnssd "${A_OUT[L]}" "$name" --host "$target" --port $port --txt path=/interop --txt ver=1) ||
        fail "dns-sd -L resolved wrongly: $r"
    notes+=("dns-sd -L $($EV delta "$t0" "$w")s")
    apple_stop L
    t0=$(now)
    apple_client G "$APPLE_HOST" -G v4v6 "${target%.}."
    for _ in $(seq 50); do
        r=$($EV addresses dnssd "${A_OUT[G]}") && [[ "$r" == *"\"$(ip4_of $host)\""* ]] && break
        sleep 0.1
    done
    [[ "$r" == *"\"$(ip4_of $host)\""* ]] || fail "dns-sd -G v4v6 ${target%.} gave no $(ip4_of $host): $r; $(tail -3 "${A_OUT[G]}" | tr '\n' '|')"
    notes+=("dns-sd -G $($EV delta "$t0" "$($EV wait dnssd "${A_OUT[G]}" address '*' --timeout 0)")s: $r")
    apple_stop G
    party_stop s
    [ "$STOP_RC" = 0 ] || fail "$kind register exited with '$STOP_RC' after SIGTERM (want 0)"
    w=$(apple_wait B removed "$name" 3 "$STOP_WALL") || fail "dns-sd -B saw no removal of '$name' within 3 s of SIGTERM"
    local d; d=$($EV delta "$STOP_WALL" "$w")
    python3 -c "import sys; sys.exit(0 if $d <= 2.0 else 1)" || fail "dns-sd -B saw the removal only after ${d}s (> 2 s)"
    notes+=("SIGTERM->dns-sd -B removed ${d}s")
    note "$(join_by ", " "${notes[@]}")"
}

# ------------------------------------------------------------------------------
# Apple registers with `dns-sd -R`; the SUBJECT on h1 must find and resolve it
# (browse --resolve), resolve it once, and look up its host's address; when the
# dns-sd client stops (mdnsd stays up: it sends goodbyes only for its clients' records),
# the subject's browser reports it removed within 3 s.
case_apple_found() {
    local kind=$1 type=_iapp._tcp name="Apple pub for $1" label=apple-$APPLE_HOST r w
    apple_needed
    apple_daemon "$APPLE_HOST" "$label"
    wire_start
    browser_start b "$kind" h1 "$type"
    local tb; tb=$(now)
    browser_ready b
    apple_client R "$APPLE_HOST" -R "$name" "$type" local 8501 a=1 src=apple
    local notes=()
    w=$(apple_wait R registered "$name" 10) || fail "dns-sd -R did not register '$name': $w"
    w=$(browser_wait b found "$name" 8) || fail "did not find Apple's '$name': $w"
    notes+=("found $($EV delta "${A_T0[R]}" "$w")s after dns-sd -R started")
    browser_wait b resolved "$name" 5 >/dev/null || fail "did not resolve Apple's '$name'"
    r=$(browser_check_resolved b "$name" --host "$label.local" --port 8501 --txt a=1 --txt src=apple \
        --addr "$(ip4_of $APPLE_HOST)") || fail "Apple's service resolved wrongly: $r"
    local out=$CDIR/resolve.out t0
    t0=$(now)
    if [ "$kind" = mdns ]; then
        lx h1 timeout 10 "$MDNS_BIN" resolve "$name" "$type" --json --timeout 3 > "$out" 2>&1
        r=$($EV check-resolved mdns "$out" "$name" --host "$label.local" --port 8501 --txt a=1 \
            --addr "$(ip4_of $APPLE_HOST)") || fail "mdns resolve '$name': $r"
        notes+=("resolve $($EV delta "$t0" "$(now)")s")
        t0=$(now)
        lx h1 timeout 10 "$MDNS_BIN" lookup "$label.local" --json --timeout 3 > "$CDIR/lookup.out" 2>&1
        r=$($EV addresses mdns "$CDIR/lookup.out" "$label.local") && [[ "$r" == *"\"$(ip4_of $APPLE_HOST)\""* ]] ||
            fail "mdns lookup $label.local: $r $(tail -2 "$CDIR/lookup.out" | tr '\n' '|')"
        notes+=("lookup $($EV delta "$t0" "$(now)")s: $r")
    else
        lx h1 timeout 10 python3 "$HERE/peers/zc_resolve.py" "$name" "$type" > "$out" 2>&1
        r=$($EV check-resolved zc "$out" "$name" --host "$label.local" --port 8501 --txt a=1 \
            --addr "$(ip4_of $APPLE_HOST)") || fail "zc_resolve '$name': $r"
        notes+=("resolve $($EV delta "$t0" "$(now)")s")
    fi
    # removal: stop the client, not the daemon (which would send no goodbye)
    local stop; stop=$(now)
    apple_stop R
    w=$(browser_wait b removed "$name" 4 "$stop") || fail "removal of '$name' not seen within 4 s of stopping dns-sd -R"
    local d; d=$($EV delta "$stop" "$w")
    python3 -c "import sys; sys.exit(0 if $d <= 3.0 else 1)" || fail "removal seen only after ${d}s (> 3 s)"
    notes+=("client stopped->removed ${d}s")
    note "$(join_by ", " "${notes[@]}")"
}

# ------------------------------------------------------------------------------
# Subtypes both ways, and TXT updates: SUBJECT registers with subtype _printer and
# `dns-sd -B _isub._tcp,_printer` must list it; Apple registers with that subtype and the
# subject's browse of `_printer._sub._isub._tcp` must list it; `dns-sd -U` (Apple's TXT
# update test: registers Test._testupdate._tcp, changes the TXT to "B" 5 s after it is
# registered) must reach the subject's resolving browser. The subject's own TXT update
# is python-zeroconf's here (self-test); ours is case_apple_txt_update.
case_apple_subtypes() {
    local kind=$1 type=_isub._tcp sub=_printer r w notes=()
    apple_needed
    apple_daemon "$APPLE_HOST"
    wire_start
    # ours -> Apple
    apple_client B "$APPLE_HOST" -B "$type,$sub"
    sleep 0.5
    local ours="Sub $kind" apples="Sub apple"
    case $kind in
        mdns) "$LANX" exec h1 python3 "$TSLOG" "$MDNS_BIN" register "$ours" "$type" 8701 v=1 --subtype "$sub" \
                  --host "$(mdns_host_of h1)" --json > "$CDIR/party-s.out" 2>&1 & ;;
        zc) "$LANX" exec h1 python3 "$HERE/peers/zc_register.py" --name "$ours" --type "$type" --port 8701 \
                --txt v=1 --subtype "$sub" --server "$(zc_host_of h1)" --update-txt-after 1.5 --update-txt v=2 \
                > "$CDIR/party-s.out" 2>&1 & ;;
    esac
    P_PID[s]=$! P_KIND[s]=$kind P_OUT[s]=$CDIR/party-s.out P_T0[s]=$(now)
    w=$(apple_wait B found "$ours" 10) || fail "dns-sd -B $type,$sub never listed '$ours': $w"
    notes+=("our subtype seen by Apple $($EV delta "${P_T0[s]}" "$w")s")
    if [ "$kind" = zc ]; then
        $EV wait zc "${P_OUT[s]}" updated-txt '*' --timeout 8 --alive "${P_PID[s]}" >/dev/null ||
            fail "zc_register did not update its TXT"
        local tu; tu=$($EV wait zc "${P_OUT[s]}" updated-txt '*' --timeout 0)
        apple_client L "$APPLE_HOST" -L "$ours" "$type" local
        w=$(apple_wait L resolved "$ours" 5) || fail "dns-sd -L did not resolve '$ours'"
        for _ in $(seq 40); do
            r=$($EV check-resolved dnssd "${A_OUT[L]}" "$ours" --txt v=2) && break; sleep 0.1
        done
        r=$($EV check-resolved dnssd "${A_OUT[L]}" "$ours" --txt v=2) || fail "Apple never saw our TXT v=2: $r"
        notes+=("our TXT update seen by Apple $($EV delta "$tu" "$(now)")s after it")
    else
        notes+=("our TXT update: see apple-sees-mdns-txt-update")
    fi
    # Apple -> ours: subtype
    browser_start b "$kind" h1 "$sub._sub.$type"
    browser_ready b
    apple_client R "$APPLE_HOST" -R "$apples" "$type,$sub" local 8702 v=1
    w=$(apple_wait R registered "$apples" 10) || fail "dns-sd -R did not register '$apples': $w"
    w=$(browser_wait b found "$apples" 8) || fail "browse of $sub._sub.$type did not find '$apples': $w"
    notes+=("Apple's subtype found $($EV delta "${A_T0[R]}" "$w")s")
    # Apple -> ours: TXT update (dns-sd -U)
    browser_start u "$kind" h1 _testupdate._tcp
    browser_ready u
    apple_client U "$APPLE_HOST" -U
    w=$(apple_wait U registered Test 10) || fail "dns-sd -U did not register: $w"
    browser_wait u resolved Test 6 >/dev/null || fail "did not resolve Apple's Test._testupdate._tcp"
    r=$(browser_check_resolved u Test --port 4660 --txt "First String=") || fail "Apple's first TXT: $r"
    # the update: TXT "B" (a flag) about 5 s after registration
    for _ in $(seq 100); do
        r=$(browser_check_resolved u Test --txt "B=") && break; sleep 0.1
    done
    r=$(browser_check_resolved u Test --txt "B=") || fail "Apple's TXT update (to \"B\") never reached the browser: $(tail -2 "${B_OUT[u]}" | tr '\n' '|')"
    # when Apple announced the new TXT ("B": rdata 01 42), from the capture
    local tupd; tupd=$($WIRE first-answer "$CDIR/wire.pcap" --src "$(ip4_of $APPLE_HOST)" \
        --name Test._testupdate._tcp.local --type TXT --txt-hex 0142) || fail "no announcement of the new TXT: $tupd"
    local last; last=$($EV norm "${B_KIND[u]}" "${B_OUT[u]}" | python3 -c '
import json, sys
w = [json.loads(l)["wall"] for l in sys.stdin if "\"B\"" in l and "resolved" in l]
print(w[0] if w else "")')
    notes+=("Apple's TXT update seen $($EV delta "$tupd" "${last:-$(now)}")s after its announcement")
    note "$(join_by ", " "${notes[@]}")"
}

# ------------------------------------------------------------------------------
# The subject changes its TXT while registered (RFC 6762 §8.4: announced at once, no
# probe): our `mdns register --stdin` (`txt v=2 ...`) on h1; a resolve by Apple's
# `dns-sd -L` on h6 that stays open must report the new TXT within 2 s of the update's
# announcement on the wire, and the name must not change (no probe, no conflict).
case_apple_txt_update() {
    local kind=$1 type=_itxu._tcp name="Txt update $1" r w notes=()
    apple_needed
    [ "$kind" = mdns ] || fail "only our mdns here (the self-test's update is in case_apple_subtypes)"
    apple_daemon "$APPLE_HOST"
    wire_start
    party_start_ctl s h1 "$name" "$type" 8711 v=1 path=/old
    w=$(party_wait_registered s 10) || fail "$w"
    apple_client L "$APPLE_HOST" -L "$name" "$type" local
    w=$(apple_wait L resolved "$name" 5) || fail "dns-sd -L did not resolve '$name': $(tail -3 "${A_OUT[L]}" | tr '\n' '|')"
    r=$($EV check-resolved dnssd "${A_OUT[L]}" "$name" --port 8711 --txt v=1 --txt path=/old) ||
        fail "dns-sd -L resolved wrongly before the update: $r"
    local t_cmd; t_cmd=$(now)
    party_ctl s "txt v=2 path=/new flag"
    w=$(party_ctl_wait s txt-updated 5) ||
        fail "mdns did not apply the TXT update: $w; $(tail -2 "${P_OUT[s]}" | cut -d' ' -f2- | tr '\n' '|')"
    notes+=("update applied $($EV delta "$t_cmd" "$w")s after the command")
    # the announcement of the new TXT ("v=2" "path=/new" "flag") on the wire
    local hex tann=""
    hex=$(python3 -c 'import sys; print("".join("%02x%s" % (len(s), s.encode().hex()) for s in sys.argv[1:]))' v=2 path=/new flag)
    for _ in $(seq 40); do
        tann=$($WIRE first-answer "$CDIR/wire.pcap" --src "$(ip4_of h1)" --name "$name.$type.local" \
            --type TXT --txt-hex "$hex") && break
        tann=""; sleep 0.1
    done
    [ -n "$tann" ] || fail "no announcement of the new TXT from h1 on the wire"
    for _ in $(seq 40); do
        r=$($EV check-resolved dnssd "${A_OUT[L]}" "$name" --txt v=2 --txt path=/new) && break; sleep 0.1
    done
    r=$($EV check-resolved dnssd "${A_OUT[L]}" "$name" --txt v=2 --txt path=/new) ||
        fail "Apple never saw our new TXT: $r; $(tail -3 "${A_OUT[L]}" | tr '\n' '|')"
    local seen d
    seen=$($EV norm dnssd "${A_OUT[L]}" | python3 -c '
import json, sys
w = [o["wall"] for o in map(json.loads, sys.stdin) if o.get("txt", {}).get("path") == "/new"]
print(w[0] if w else "")')
    d=$($EV delta "$tann" "${seen:-$(now)}")
    python3 -c "import sys; sys.exit(0 if $d <= 2.0 else 1)" || fail "Apple saw the new TXT only ${d}s after its announcement (> 2 s)"
    notes+=("Apple saw it ${d}s after its announcement")
    # no probe, no rename: the name is unchanged
    [ "$(party_name s)" = "$name" ] || fail "the update renamed the service to '$(party_name s)'"
    local probes
    probes=$($WIRE probes "$CDIR/wire.pcap" --src "$(ip4_of h1)" --name "$name.$type.local" |
        python3 -c "import json, sys; print(sum(1 for t in json.load(sys.stdin) if t > $t_cmd))")
    [ "$probes" = 0 ] || fail "the TXT update was probed ($probes probes after it)"
    note "$(join_by ", " "${notes[@]}")"
}

# ------------------------------------------------------------------------------
# Name conflicts with Apple (h6). The later party's name must be settled (its final
# name registered; for host names: first announced) within 3 s of its start, within 4 s
# of the start when both start together; the two names must differ; and no run may
# see both sides defer to each other after a simultaneous probe (RFC 6762 §8.2): Apple's
# log says when it lost a tiebreak, the capture when we stopped probing a name for a
# second right after Apple's probe of it.

# start_of ID -> when party ID started: for a dns-sd client the time it stamped as its
# own start (the wrapper and `ip netns exec` before it took 20 ms idle, up to 0.6 s on a
# loaded machine, none of it Apple's), else when the case launched it
start_of() {
    local t=""
    [ "${P_KIND[$1]}" = apple ] && t=$($EV dnssd-start "${P_OUT[$1]}")
    echo "${t:-${P_T0[$1]}}"
}

# within LIMIT START WALL -> prints the delta, fails (status 1) if over LIMIT
within() { local d; d=$($EV delta "$2" "$3"); echo "$d"; python3 -c "import sys; sys.exit(0 if $d <= $1 else 1)"; }

# mutual NAME [AFTER [OURS]] -> fails if, after a simultaneous probe of NAME, both sides went
# quiet on it (no probe, no announcement within 0.6 s of the other's probe, while still
# probing): both deferred to each other. Read from the capture, for both alike.
# mDNSResponder also logs each record that loses its record-by-record tiebreak; for a
# host name it defers only those records and keeps probing the name with the others
# (see the README), so its log alone does not say that it held the name back.
mutual_check() {
    local name=$1 after=${2:-0} me ours theirs
    me=$(ip4_of "${3:-h1}")
    ours=$($WIRE deferred-after "$CDIR/wire.pcap" --src "$me" --peer "$(ip4_of $APPLE_HOST)" \
        --name "$name" --after "$after") || return 0
    theirs=$($WIRE deferred-after "$CDIR/wire.pcap" --src "$(ip4_of $APPLE_HOST)" --peer "$me" \
        --name "$name" --after "$after") || return 0
    fail "both sides deferred on '$name': we $ours, Apple $theirs"
}

# tiebreak_note NAME [AFTER [OURS]] -> ", we deferred" / ", Apple deferred" / ", Apple lost N
# record tiebreaks (kept probing)" for the run's note
tiebreak_note() {
    local name=$1 after=${2:-0} me out="" n
    me=$(ip4_of "${3:-h1}")
    $WIRE deferred-after "$CDIR/wire.pcap" --src "$me" --peer "$(ip4_of $APPLE_HOST)" \
        --name "$name" --after "$after" >/dev/null && out+=", we deferred"
    if $WIRE deferred-after "$CDIR/wire.pcap" --src "$(ip4_of $APPLE_HOST)" --peer "$me" \
            --name "$name" --after "$after" >/dev/null; then
        out+=", Apple deferred"
    elif n=$(apple_lost "$APPLE_HOST" "$name"); then
        out+=", Apple lost $n record tiebreaks (kept probing)"
    fi
    echo "$out"
}

# one service-name conflict run: SUBJECT vs Apple with instance NAME in ORDER.
# Sets RUN_NOTE.
apple_service_run() {
    local s=$1 order=$2 name=$3 id=$4 type=_iacf._tcp shost; shost=$(host_for "$s")
    local a=a$id b=b$id ta tb
    # SRV port 8301 sorts before Apple's 8302 (we lose a tiebreak), 8303 after (we win):
    # the runs alternate
    local port=$((id % 2 == 1 ? 8301 : 8303))
    case $order in
        first) party_start $a "$s" "$shost" "$name" $type $port who=subject
               ta=$(party_wait_registered $a 10) || fail "$ta"
               party_start $b apple $APPLE_HOST "$name" $type 8302 who=apple ;;
        second) party_start $b apple $APPLE_HOST "$name" $type 8302 who=apple
                tb=$(party_wait_registered $b 10) || fail "$tb"
                # mDNSResponder reports a name registered 250 ms before its first
                # announcement (A), announces at A, A+1, A+3 and A+7 s, and answers no QM
                # probe for a record it multicast less than a second before (see the
                # README). Avahi's probes are QM: they must fall in the quiet window from
                # A+4 to A+7 s, whatever Avahi's start-up takes under load (ours are QU
                # first, answered by unicast at once: no wait).
                [ "$s" = avahi ] && sleep 4.4
                party_start $a "$s" "$shost" "$name" $type $port who=subject ;;
        together) party_start $a "$s" "$shost" "$name" $type $port who=subject
                  party_start $b apple $APPLE_HOST "$name" $type 8302 who=apple ;;
    esac
    ta=$(party_wait_registered $a 12) || fail "$ta"
    tb=$(party_wait_registered $b 12) || fail "$tb"
    sleep 2   # a late conflict (after announcing) would show by now
    local na nb fa fb
    na=$(party_name $a); nb=$(party_name $b)
    for id2 in $a $b; do
        kill -0 "${P_PID[$id2]}" 2>/dev/null || fail "party $id2 (${P_KIND[$id2]}) exited: $(tail -2 "${P_OUT[$id2]}" | tr '\n' '|')"
    done
    [ -n "$na" ] && [ -n "$nb" ] || fail "no final name (subject '$na', Apple '$nb')"
    [ "$na" != "$nb" ] || fail "both ended with the same name '$na'"
    local listed; listed=$(list_names h5 "$type" "$name" 2.5)
    python3 - "$listed" "$na" "$nb" <<'PY2' || fail "browser on h5 lists $listed, want exactly ['$na', '$nb']"
import json, sys
sys.exit(0 if set(json.loads(sys.argv[1])) == {sys.argv[2], sys.argv[3]} else 1)
PY2
    # settled: the last `registered` (the final name's)
    fa=$($EV final-wall "$(ev_kind "$s")" "${P_OUT[$a]}"); fb=$($EV final-wall dnssd "${P_OUT[$b]}")
    local da db sa sb
    sa=$(start_of $a); sb=$(start_of $b)
    da=$($EV delta "$sa" "$fa"); db=$($EV delta "$sb" "$fb")
    case $order in
        first) within 3 "$sb" "$fb" >/dev/null || fail "Apple (later) settled '$nb' only ${db}s after its start (> 3 s)" ;;
        second) within 3 "$sa" "$fa" >/dev/null || fail "$s (later) settled '$na' only ${da}s after its start (> 3 s)" ;;
        together) within 4 "$sa" "$fa" >/dev/null || fail "$s settled '$na' only ${da}s after the start (> 4 s)"
                  within 4 "$sb" "$fb" >/dev/null || fail "Apple settled '$nb' only ${db}s after the start (> 4 s)" ;;
    esac
    local tb_note=""
    if [ "$s" = mdns ]; then
        mutual_check "$name"
        tb_note=$(tiebreak_note "$name")
    fi
    RUN_NOTE="$s '$na' ${da}s, apple '$nb' ${db}s$tb_note"
    # Apple's client first (goodbyes), then ours
    apple_stop $b
    party_stop $a
}

case_apple_service_conflict() {
    local s=$1 order=$2 runs=${3:-1} i notes=()
    apple_needed
    apple_daemon "$APPLE_HOST"
    wire_start
    for i in $(seq "$runs"); do
        apple_service_run "$s" "$order" "Dup $s apple $order $i" "$i"
        notes+=("#$i $RUN_NOTE")
        log "run $i: $RUN_NOTE"
    done
    note "$(join_by "; " "${notes[@]}")"
}

# one host-name conflict run: our `mdns register --host apple-h6` (h1) against a fresh
# mdnsd named apple-h6 (h6) whose host name is claimed when `dns-sd -R` starts (an idle
# mdnsd claims none). Final host names from the capture (the address records each
# announced after the run's start); each service must resolve (from h5) to its own.
apple_host_run() {
    local s=$1 order=$2 id=$3 label=apple-$APPLE_HOST type=_ihst._tcp
    local a=a$id b=b$id t_run; t_run=$(now)
    apple_daemon "$APPLE_HOST" "$label"
    # our host alternates between h1 (10.99.0.1: its A sorts before Apple's 10.99.0.6, we
    # lose a tiebreak) and h7 (10.99.0.7: after it, we win)
    local shost; shost=$([ $((id % 2)) = 1 ] && echo h1 || echo h7)
    local sa="Hst $s $id" sb="Hst apple $id" sip bip; sip=$(ip4_of "$shost"); bip=$(ip4_of $APPLE_HOST)
    start_ours() { MDNS_HOSTLABEL=$label party_start $a "$s" "$shost" "$sa" $type 8601; }
    start_apple() { party_start $b apple $APPLE_HOST "$sb" $type 8602; }
    wait_host() {  # SRC -> first announcement of $label by SRC since the run began
        local i w
        for i in $(seq 60); do
            w=$($WIRE first-answer "$CDIR/wire.pcap" --src "$1" --name "$label.local" --type A --after "$t_run") && { echo "$w"; return 0; }
            sleep 0.1
        done
        echo "no announcement of $label.local from $1"; return 1
    }
    local w
    case $order in
        first) start_ours; w=$(wait_host "$sip") || fail "$w"; start_apple ;;
        second) start_apple; w=$(wait_host "$bip") || fail "$w"; start_ours ;;
        together) start_ours; start_apple ;;
    esac
    party_wait_registered $a 12 >/dev/null || fail "our service did not register"
    party_wait_registered $b 12 >/dev/null || fail "Apple's service did not register"
    # both settled within 4 s of their start, Apple's rename included; wait that out
    local t_last; t_last=$(python3 -c "print(max(${P_T0[$a]}, ${P_T0[$b]}))")
    sleep "$(python3 -c "print(max(0, $t_last + 4.5 - $(now)))")"
    local ours theirs fo ft
    ours=$($WIRE names "$CDIR/wire.pcap" --src "$sip" --type A --after "$t_run" | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[-1] if l else "")')
    theirs=$($WIRE names "$CDIR/wire.pcap" --src "$bip" --type A --after "$t_run" | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[-1] if l else "")')
    [ -n "$ours" ] && [ -n "$theirs" ] || fail "no host name announced (ours '$ours', Apple '$theirs')"
    [ "$ours" != "$theirs" ] || fail "both announce the host name '$ours'"
    fo=$($WIRE first-answer "$CDIR/wire.pcap" --src "$sip" --name "$ours" --type A --after "$t_run")
    ft=$($WIRE first-answer "$CDIR/wire.pcap" --src "$bip" --name "$theirs" --type A --after "$t_run")
    local d_o d_t s_o s_t
    s_o=$(start_of $a); s_t=$(start_of $b)
    d_o=$($EV delta "$s_o" "$fo"); d_t=$($EV delta "$s_t" "$ft")
    case $order in
        first) within 3 "$s_t" "$ft" >/dev/null || fail "Apple (later) settled its host name '$theirs' only ${d_t}s after its start (> 3 s)" ;;
        second) within 3 "$s_o" "$fo" >/dev/null || fail "our host name '$ours' settled only ${d_o}s after our start (> 3 s)" ;;
        together) within 4 "$s_o" "$fo" >/dev/null || fail "our host name '$ours' settled only ${d_o}s after the start (> 4 s)"
                  within 4 "$s_t" "$ft" >/dev/null || fail "Apple's host name '$theirs' settled only ${d_t}s after the start (> 4 s)" ;;
    esac
    # the services follow their hosts
    local n h r
    for n in "$sa|$ours|$sip" "$sb|$theirs|$bip"; do
        IFS='|' read -r n h r <<< "$n"
        lx h5 timeout 10 python3 "$HERE/peers/zc_resolve.py" "$n" "$type" > "$CDIR/resolve-$id-${r##*.}.out" 2>&1
        $EV check-resolved zc "$CDIR/resolve-$id-${r##*.}.out" "$n" --host "$h" --addr "$r" > /dev/null ||
            fail "'$n' does not resolve to $h ($r): $($EV check-resolved zc "$CDIR/resolve-$id-${r##*.}.out" "$n" --host "$h" --addr "$r")"
    done
    mutual_check "$label.local" "$t_run" "$shost"
    RUN_NOTE="ours@$shost $ours ${d_o}s, apple $theirs ${d_t}s$(tiebreak_note "$label.local" "$t_run" "$shost")"
    apple_stop $b
    party_stop $a
    kill -TERM "${A_DPID[$APPLE_HOST]}" 2>/dev/null; wait "${A_DPID[$APPLE_HOST]}" 2>/dev/null
    unset 'A_STATE[$APPLE_HOST]'
}

case_apple_host_conflict() {
    local s=$1 order=$2 runs=${3:-1} i notes=()
    apple_needed
    wire_start
    for i in $(seq "$runs"); do
        apple_host_run "$s" "$order" "$i"
        notes+=("#$i $RUN_NOTE")
        log "run $i: $RUN_NOTE"
    done
    note "$(join_by "; " "${notes[@]}")"
}

# Self-test: Avahi's host name (avahi-h3, claimed when the suite started) against an
# mdnsd on h6 claiming the same: Apple, the later party, must rename.
case_apple_host_vs_avahi() {
    apple_needed
    wire_start
    local label t_run; label=$(avahi_host_of h3); t_run=$(now)
    apple_daemon "$APPLE_HOST" "$label"
    party_start b apple $APPLE_HOST "Hst apple vs avahi" _ihst._tcp 8602
    party_wait_registered b 12 >/dev/null || fail "Apple's service did not register"
    sleep "$(python3 -c "print(max(0, ${P_T0[b]} + 4.5 - $(now)))")"
    local theirs ft
    theirs=$($WIRE names "$CDIR/wire.pcap" --src "$(ip4_of $APPLE_HOST)" --type A --after "$t_run" | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[-1] if l else "")')
    [ -n "$theirs" ] || fail "Apple announced no host name"
    [ "$theirs" != "$label.local" ] || fail "Apple kept Avahi's host name $label.local"
    ft=$($WIRE first-answer "$CDIR/wire.pcap" --src "$(ip4_of $APPLE_HOST)" --name "$theirs" --type A --after "$t_run")
    note "apple renamed to $theirs, announced $($EV delta "$(start_of b)" "$ft")s after dns-sd -R started"
}

# Legacy unicast (RFC 6762 §6.7) with mdnsd publishing on the same link: the subject's
# answers as in case_legacy; Apple's answer to the same kind of query is reported.
case_legacy_beside_apple() {
    local kind=$1
    apple_needed
    apple_daemon "$APPLE_HOST"
    apple_client R "$APPLE_HOST" -R "Legacy-apple" _ileg._tcp local 8402 k=v
    apple_wait R registered "Legacy-apple" 10 >/dev/null || fail "dns-sd -R did not register Legacy-apple"
    sleep 0.5   # mDNSResponder reports "registered" at its third probe, 250 ms before it answers
    local out=$CDIR/legacy-apple.out r
    lx h5 python3 "$HERE/peers/legacy_query.py" "Legacy-apple._ileg._tcp.local." SRV --to "$(ip4_of $APPLE_HOST)" \
        --until-from "$(ip4_of $APPLE_HOST)" > "$out" 2>&1
    r=$($EV legacy-check "$out" "Legacy-apple._ileg._tcp.local." SRV --src "$(ip4_of $APPLE_HOST)" --port 8402) ||
        r="no valid reply: $r"
    note "Apple's own legacy reply: $r"
    case_legacy "$kind"
}
