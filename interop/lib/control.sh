# interop/lib/control.sh -- our `mdns register` changed while it runs: its standard
# input is a FIFO the case writes commands to (`mdns register --stdin`: `txt K=V...`,
# `subtype +SUB`, `subtype -SUB`, `quit`). Sourced by the case files that need it
# (lib/apple.sh, matter.sh, shared_port.sh); idempotent.
#
#   party_start_ctl ID HOST NAME TYPE PORT [KEY=VALUE | --subtype SUB]...
#       like `party_start ID mdns ...`, with --stdin; its output says `txt-updated`,
#       `subtype-added`, `subtype-removed` once each change is applied
#   party_ctl ID LINE            writes one command line to it
#   party_ctl_wait ID EVENT [T]  -> wall of the first EVENT (txt-updated, subtype-removed, ...)
#                                   it printed after the last party_ctl to it
# shellcheck shell=bash

declare -A P_CTL P_CTL_T
party_start_ctl() {
    local id=$1 host=$2 name=$3 type=$4 port=$5; shift 5
    local out=$CDIR/party-$id.out fifo=$CDIR/ctl-$id fd
    rm -f "$fifo"; mkfifo "$fifo"
    # read-write: opening never blocks, and the reader never sees an end of input
    exec {fd}<>"$fifo"
    P_CTL[$id]=$fd P_KIND[$id]=mdns P_OUT[$id]=$out P_HOST[$id]=$host P_T0[$id]=$(now)
    "$LANX" exec "$host" python3 "$TSLOG" "$MDNS_BIN" register "$name" "$type" "$port" "$@" \
        --host "${MDNS_HOSTLABEL:-$(mdns_host_of "$host")}" --json --stdin < "$fifo" > "$out" 2>&1 &
    P_PID[$id]=$!
    log "party $id: mdns --stdin on $host registers '$name' $type $port $* (pid ${P_PID[$id]})"
}

party_ctl() {
    P_CTL_T[$1]=$(now)
    echo "$2" >&"${P_CTL[$1]}"
    log "party $1 <- $2"
}

party_ctl_wait() {
    $EV wait mdns "${P_OUT[$1]}" "$2" '*' --timeout "${3:-5}" --after "${P_CTL_T[$1]}" --alive "${P_PID[$1]}"
}
