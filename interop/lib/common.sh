# interop/lib/common.sh -- helpers for the interop cases (sourced by run.sh).
# Needs: HERE (interop dir), LAN_ID, CDIR (this case's log dir), MDNS_BIN.
# shellcheck shell=bash

EV="python3 $HERE/lib/ev.py"
TSLOG="$HERE/peers/tslog.py"

now() { date +%s.%N | cut -c1-17; }
lx() { "$HERE/lan.sh" exec "$@"; }               # lx HOST CMD... (foreground only!)
# In the background never use the function lx: `lx ... &` forks a bash subshell, and a
# SIGTERM to $! would kill that subshell and leave the real process running. Call the
# script itself ("$LANX" HOST CMD... &): lan.sh and `ip netns exec` exec, so $! is CMD.
LANX=$HERE/lan.sh
ip4_of() { echo "10.99.0.${1#h}"; }
mdns_host_of() { echo "mdns-$1"; }               # --host given to `mdns register` on HOST
zc_host_of() { echo "zc-$1.local."; }            # python-zeroconf SRV target on HOST
avahi_host_of() { echo "avahi-$1"; }             # avahi-daemon host-name on HOST

# ---- case outcome -----------------------------------------------------------
fail() { echo "WHY: $*"; exit 1; }
skip() { echo "SKIP-WHY: $*"; exit 77; }
note() { echo "NOTE: $*"; }                      # shown in the PASS line (timings)
join_by() { local d=$1; shift; local f=${1-}; shift || true; printf %s "$f" "${@/#/$d}"; }
bname() { case $1 in av) echo avahi ;; zb|zc) echo zeroconf ;; *) echo "$1" ;; esac; }
log() { echo "[$(date +%T.%3N)] $*"; }

# ---- background processes of a case (all killed when the case ends) -------------
declare -A P_PID P_KIND P_OUT P_T0 P_HOST
case_cleanup() {
    local pids; pids=$(jobs -pr)
    [ -z "$pids" ] && return 0
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 20); do
        pids=$(jobs -pr); [ -z "$pids" ] && return 0; sleep 0.1
    done
    kill -KILL $pids 2>/dev/null || true
}

# party_start ID KIND HOST NAME TYPE PORT [KEY=VALUE...]
#   KIND: mdns | zc | avahi   -- registers a service, runs until party_stop
party_start() {
    local id=$1 kind=$2 host=$3 name=$4 type=$5 port=$6; shift 6
    local out=$CDIR/party-$id.out
    P_KIND[$id]=$kind P_OUT[$id]=$out P_HOST[$id]=$host P_T0[$id]=$(now)
    case $kind in
        mdns)
            "$LANX" exec "$host" python3 "$TSLOG" "$MDNS_BIN" register "$name" "$type" "$port" "$@" \
                --host "${MDNS_HOSTLABEL:-$(mdns_host_of "$host")}" --json > "$out" 2>&1 & ;;
        zc)
            local txt=() t; for t in "$@"; do txt+=(--txt "$t"); done
            "$LANX" exec "$host" python3 "$HERE/peers/zc_register.py" --name "$name" --type "$type" --port "$port" \
                "${txt[@]}" --server "$(zc_host_of "$host")" --allow-name-change > "$out" 2>&1 & ;;
        avahi)
            "$HERE/avahi.sh" client "$host" python3 "$TSLOG" avahi-publish -s "$name" "$type" "$port" "$@" \
                > "$out" 2>&1 & ;;
        apple)   # dns-sd -R against the host's mdnsd (lib/apple.sh), started if need be
            apple_client "$id" "$host" -R "$name" "$type" local "$port" "$@"
            P_OUT[$id]=${A_OUT[$id]} ;;
        *) fail "unknown party kind $kind" ;;
    esac
    P_PID[$id]=$!
    log "party $id: $kind on $host registers '$name' $type $port $* (pid ${P_PID[$id]})"
}
ev_kind() { case $1 in avahi) echo avahipub ;; apple) echo dnssd ;; *) echo "$1" ;; esac; }
# party_wait_registered ID [TIMEOUT] -> prints wall of the registered event
party_wait_registered() {
    local id=$1 r
    if ! r=$($EV wait "$(ev_kind "${P_KIND[$id]}")" "${P_OUT[$id]}" registered '*' --timeout "${2:-10}" \
            --alive "${P_PID[$id]}"); then
        echo "party $id (${P_KIND[$id]}) did not register: $r; last output: $(tail -3 "${P_OUT[$id]}" | cut -d' ' -f2- | tr '\n' '|')"
        return 1
    fi
    echo "$r"
}
party_name() { $EV final-name "$(ev_kind "${P_KIND[$1]}")" "${P_OUT[$1]}"; }
# party_stop ID -> SIGTERM, waits up to 5 s for the exit. Sets STOP_WALL (wall time of
# the signal) and STOP_RC (exit status; "running" if it did not exit). Not in $(...).
party_stop() {
    local id=$1 pid=${P_PID[$1]}
    STOP_WALL=$(now) STOP_RC=0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        STOP_RC=running; log "party $id still running 5 s after SIGTERM"; return 0
    fi
    wait "$pid" 2>/dev/null || STOP_RC=$?
    log "party $id exited with $STOP_RC"
}

# browser_start ID KIND HOST TYPE   -- KIND: mdns | zc | avahi (avahi-browse -rpk on HOST's daemon)
declare -A B_PID B_KIND B_OUT
browser_start() {
    local id=$1 kind=$2 host=$3 type=$4 out=$CDIR/browser-$1.out
    B_KIND[$id]=$kind B_OUT[$id]=$out
    case $kind in
        mdns) "$LANX" exec "$host" python3 "$TSLOG" "$MDNS_BIN" browse "$type" --resolve --json > "$out" 2>&1 & ;;
        zc) "$LANX" exec "$host" python3 "$HERE/peers/zc_browse.py" --type "$type" --resolve --timeout 0 > "$out" 2>&1 & ;;
        avahi) "$HERE/avahi.sh" client "$host" python3 "$TSLOG" avahi-browse -rpk "$type" > "$out" 2>&1 & ;;
        *) fail "unknown browser kind $kind" ;;
    esac
    B_PID[$id]=$!
    log "browser $id: $kind on $host browses $type (pid ${B_PID[$id]})"
}
browser_ready() {  # wait until a browser has started (zc prints "browsing"; others: short pause)
    local id=$1
    case ${B_KIND[$id]} in
        zc) $EV wait zc "${B_OUT[$id]}" browsing '*' --timeout 8 >/dev/null || fail "zc browser $id did not start: $(tail -3 "${B_OUT[$id]}")" ;;
        *) sleep 0.5; kill -0 "${B_PID[$id]}" 2>/dev/null || fail "browser $id exited: $(tail -3 "${B_OUT[$id]}")" ;;
    esac
}
# browser_wait ID EVENT NAME TIMEOUT [AFTER_WALL [PARTY_ID]] -> prints wall. Gives up early if
# the browser, or the party PARTY_ID (the one that should appear), has exited.
browser_wait() {
    local alive=(--alive "${B_PID[$1]}")
    [ -n "${6:-}" ] && alive+=(--alive "${P_PID[$6]}")
    $EV wait "${B_KIND[$1]}" "${B_OUT[$1]}" "$2" "$3" --timeout "$4" ${5:+--after "$5"} "${alive[@]}"
}
browser_check_resolved() { local id=$1; shift; $EV check-resolved "${B_KIND[$id]}" "${B_OUT[$id]}" "$@"; }
browser_stop() { kill -TERM "${B_PID[$1]}" 2>/dev/null || true; wait "${B_PID[$1]}" 2>/dev/null || true; }

# list_names HOST TYPE BASE SECONDS -> JSON list of instance names starting with BASE that a
# fresh python-zeroconf browser on HOST sees after SECONDS
list_names() {
    local host=$1 type=$2 base=$3 secs=$4 out=$CDIR/list-$RANDOM.out
    lx "$host" python3 "$HERE/peers/zc_browse.py" --type "$type" --timeout "$secs" > "$out" 2>&1
    $EV names zc "$out" "$base"
}
