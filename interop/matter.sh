# interop/matter.sh -- the Matter profile (issue 20): subtypes of a live registration
# against python-zeroconf and Avahi. Sourced by run.sh, which registers the cases
# below; each case's child sources it again with `__run CASE ARGS...` to run one.
#
#   matter-cm-subtype-ends-with-commissioning  our `mdns register --stdin` publishes a
#       commissionable node (_matterc._udp, _L3840 _S15 _V65521 _T257 _CM, a TXT of
#       several hundred bytes); python-zeroconf (h5) and Avahi (h3) browse
#       _L3840._sub._matterc._udp and _CM._sub._matterc._udp and find it; `subtype -_CM`
#       ends commissioning mode: the _CM browsers report it removed within 2 s (the
#       goodbye for that PTR, RFC 6762 §10.1), the _L3840 browsers keep it.
#   matter-example-profile  the mdns-blocking example `matter` (five operational
#       instances `<fabric>-<node>._matter._tcp` with subtype `_I<fabric>`, two
#       commissioning windows with a new random instance name each): python-zeroconf
#       sees the five, one fabric's `_I` subtype lists its one, and each window's
#       instance comes under _L3840 and _CM and leaves _CM when the window closes.
#       SKIP if the example is not built (cargo build --release -p mdns-blocking
#       --example matter; looked for beside $MDNS_BIN, in examples/).
# shellcheck shell=bash

if [ "${1:-}" != __run ]; then
    add_case matter-cm-subtype-ends-with-commissioning mdns 60 \
        source "$HERE/matter.sh" __run case_matter_cm
    add_case matter-example-profile mdns 90 source "$HERE/matter.sh" __run case_matter_example
    return 0
fi

# shellcheck source=lib/control.sh
source "$HERE/lib/control.sh"

MATTER_L=_L3840._sub._matterc._udp
MATTER_CM=_CM._sub._matterc._udp

# browsers of the two subtypes: python-zeroconf on h5 (zL, zC), Avahi on h3 (aL, aC)
matter_browsers() {
    browser_start zL zc h5 "$MATTER_L"
    browser_start zC zc h5 "$MATTER_CM"
    browser_start aL avahi h3 "$MATTER_L"
    browser_start aC avahi h3 "$MATTER_CM"
    local b
    for b in zL zC aL aC; do browser_ready $b; done
}

# matter_seen NAME TIMEOUT [AFTER] -> every browser found NAME; sets SEEN (notes)
matter_seen() {
    local name=$1 t=$2 after=${3:-} b w
    SEEN=()
    for b in zL zC aL aC; do
        w=$(browser_wait $b found "$name" "$t" "$after") || fail "$(bname "${b:0:1}") browser $b never saw '$name': $w"
        SEEN+=("$b $($EV delta "${after:-${P_T0[m]}}" "$w")s")
    done
}

# matter_cm_gone NAME SINCE AFTER -> the _CM browsers report NAME removed (an event after
# AFTER) within 2 s of SINCE, when commissioning ended; the _L3840 ones still list it
# 2.5 s after SINCE; sets GONE (notes). (A party says a change is done once its packets
# are out: a browser may report it a little before.)
matter_cm_gone() {
    local name=$1 since=$2 after=$3 b w d r
    GONE=()
    for b in zC aC; do
        w=$(browser_wait $b removed "$name" 4 "$after") || fail "$b (${B_KIND[$b]}) never saw '$name' leave _CM"
        d=$($EV delta "$since" "$w")
        python3 -c "import sys; sys.exit(0 if $d <= 2.0 else 1)" || fail "$b saw '$name' leave _CM only ${d}s later (> 2 s)"
        GONE+=("$b ${d}s")
    done
    sleep "$(python3 -c "print(max(0, $since + 2.5 - $(now)))")"
    for b in zL aL; do
        r=$($EV names "${B_KIND[$b]}" "${B_OUT[$b]}" "$name")
        log "$b lists $r (commissioning ended at $since)"
        [ "$r" = "[\"$name\"]" ] || fail "$b (${B_KIND[$b]}) lists $r under $MATTER_L after commissioning ended (want it kept)"
    done
}

case_matter_cm() {
    local inst; inst=$(python3 -c 'import secrets; print("%016X" % secrets.randbits(64))')
    local ri; ri=$(python3 -c 'print("".join("%02X" % ((i * 37 + 11) % 256) for i in range(50)))')
    local pi="Press the button on the side of the light for three seconds, then scan the QR code on its base"
    matter_browsers
    party_start_ctl m h1 "$inst" _matterc._udp 5540 D=3840 VP=65521+32769 CM=1 DT=257 \
        "DN=Kitchen Light" SII=5000 SAI=300 SAT=4000 T=1 "RI=$ri" PH=33 "PI=$pi" \
        --subtype _L3840 --subtype _S15 --subtype _V65521 --subtype _T257 --subtype _CM
    local w notes=()
    w=$(party_wait_registered m 10) || fail "$w"
    matter_seen "$inst" 10
    notes+=("found: $(join_by ", " "${SEEN[@]}")")
    # the TXT was carried whole (the resolving browsers)
    local r
    r=$($EV check-resolved zc "${B_OUT[zL]}" "$inst" --port 5540 --txt D=3840 --txt CM=1 --txt "RI=$ri" --txt "PI=$pi") ||
        fail "python-zeroconf resolved the commissionable node wrongly: $r"
    # commissioning mode ends: _CM goes (a goodbye for its PTR), the TXT says CM=0
    party_ctl m "subtype -_CM"
    local t_end=${P_CTL_T[m]}
    w=$(party_ctl_wait m subtype-removed 5) || fail "mdns did not remove _CM: $w"
    party_ctl m "txt D=3840 VP=65521+32769 CM=0 DT=257 \"DN=Kitchen Light\" SII=5000 SAI=300 SAT=4000 T=1 RI=$ri PH=33"
    party_ctl_wait m txt-updated 5 >/dev/null || fail "mdns did not update the TXT"
    matter_cm_gone "$inst" "$t_end" "$t_end"
    notes+=("_CM gone: $(join_by ", " "${GONE[@]}")")
    # and back: a new window on the same instance (the CLI keeps its name; the example
    # re-rolls it)
    party_ctl m "subtype +_CM"
    w=$(party_ctl_wait m subtype-added 5) || fail "mdns did not add _CM back: $w"
    local b
    for b in zC aC; do
        browser_wait $b found "$inst" 4 "${P_CTL_T[m]}" >/dev/null || fail "$b never saw '$inst' under _CM again"
    done
    notes+=("_CM back seen by both")
    note "$(join_by "; " "${notes[@]}")"
}

# the names of the example's `registered` lines of TYPE, in order, as JSON
example_registered() {
    python3 - "$1" "$2" <<'PY'
import json, sys
n = []
for line in open(sys.argv[1], errors="replace"):
    _, _, j = line.partition(" ")
    try:
        o = json.loads(j)
    except ValueError:
        continue
    if o.get("event") == "registered" and o.get("type") == sys.argv[2]:
        n.append(o["name"])
print(json.dumps(n))
PY
}

# the names a python-zeroconf browser's output says it found, as a JSON set
zc_found() {
    python3 -c '
import json, sys
print(json.dumps(sorted({json.loads(l)["name"].split(".")[0] for l in open(sys.argv[1])
                         if l.startswith("{") and json.loads(l)["event"] == "found"})))' "$1"
}

case_matter_example() {
    local bin; bin=$(dirname "$MDNS_BIN")/examples/matter
    [ -x "$bin" ] || skip "no $bin (cargo build --release -p mdns-blocking --example matter)"
    matter_browsers
    browser_start zO zc h5 _matter._tcp
    browser_ready zO
    local out=$CDIR/example.out
    "$LANX" exec h1 python3 "$TSLOG" "$bin" --windows 2 --window 5 --closed 6 > "$out" 2>&1 &
    local pid=$! t0; t0=$(now)
    P_PID[m]=$pid P_T0[m]=$t0
    log "matter example on h1 (pid $pid)"
    local w notes=()
    # the first operational instance: a browser of its fabric's _I subtype at once
    w=$($EV wait mdns "$out" registered '*' --timeout 15 --alive "$pid") || fail "no operational instance registered: $w"
    local first; first=$(example_registered "$out" _matter._tcp | python3 -c 'import json, sys; print(json.load(sys.stdin)[0])')
    local fabric=${first%%-*}
    browser_start zI zc h5 "_I$fabric._sub._matter._tcp"
    browser_ready zI
    # two windows, a new random instance each
    local win inst prev="" tc
    for win in 0 1; do
        w=$($EV wait mdns "$out" window-open '*' --timeout 20 --after "$t0" --alive "$pid") || fail "window $win never opened: $w"
        inst=$(python3 - "$out" "$win" <<'PY'
import json, sys
for line in open(sys.argv[1], errors="replace"):
    _, _, j = line.partition(" ")
    try:
        o = json.loads(j)
    except ValueError:
        continue
    if o.get("event") == "window-open" and o.get("window") == int(sys.argv[2]):
        print(o["name"])
PY
)
        [ -n "$inst" ] || fail "window $win: no instance name"
        [ "$inst" != "$prev" ] || fail "window $win reused the instance name $inst"
        # (browsers may see it a little before the example prints that it is open)
        matter_seen "$inst" 8 "$t0"
        tc=$($EV wait mdns "$out" window-closed '*' --timeout 10 --after "$w" --alive "$pid") || fail "window $win never closed: $tc"
        log "window $win: $inst closed at $tc"
        matter_cm_gone "$inst" "$tc" "$w"
        notes+=("window $win ($inst): _CM gone $(join_by ", " "${GONE[@]}")")
        prev=$inst t0=$tc
    done
    # five operational instances, all seen; the _I browser found its fabric's only
    local names n found
    names=$(example_registered "$out" _matter._tcp)
    [ "$(python3 -c "import json, sys; print(len(json.loads(sys.argv[1])))" "$names")" = 5 ] ||
        fail "the example registered $names, want five operational instances"
    for n in $(python3 -c "import json, sys; print(' '.join(json.loads(sys.argv[1])))" "$names"); do
        browser_wait zO found "$n" 8 >/dev/null || fail "python-zeroconf never saw operational instance $n"
    done
    found=$(zc_found "${B_OUT[zI]}")
    [ "$found" = "[\"$first\"]" ] || fail "_I$fabric._sub._matter._tcp found $found, want only [\"$first\"]"
    notes+=("5 operational instances seen; _I$fabric lists only $first")
    $EV wait mdns "$out" done '*' --timeout 30 --alive "$pid" >/dev/null || fail "the example did not finish: $(tail -3 "$out" | tr '\n' '|')"
    note "$(join_by "; " "${notes[@]}")"
}

shift
"$@"
