#!/usr/bin/env bash
# interop/widearea.sh -- wide-area DNS-SD (RFC 6763 over unicast DNS): Avahi's
# wide-area browsing finds what `mdns register --domain` published in a BIND zone.
#
# Sourced by run.sh (one line, after define_cases): registers the case
# `avahi-wide-area-browses-mdns-update` (group mdns). Run by the case runner as
# `widearea.sh run` (env from run.sh: HERE, LAN_ID, CDIR, MDNS_BIN).
#
# The case, all inside the lab (lan.sh up 5):
#   h4 10.99.0.4  BIND 9 (`named`, in a directory of the case) with zone lab.test. on
#                 10.99.0.4:53, a TSIG key, `update-policy { grant <key> zonesub ANY; }`
#   h1 10.99.0.1  `mdns register WideWeb _http._tcp 8080 path=/wide --domain lab.test
#                 --server 10.99.0.4 --tsig-key <key file>` (a signed DNS UPDATE)
#   h5 10.99.0.5  a second avahi-daemon (h3 runs the suite's), with
#                 `[wide-area] enable-wide-area=yes` and, as its /etc/resolv.conf,
#                 `nameserver 10.99.0.4` (a file in /etc/netns/<h5's namespace>/, which
#                 `ip netns exec` mounts over /etc/resolv.conf; removed at the end);
#                 `avahi-browse -rp -d lab.test _http._tcp` must list WideWeb resolved
#                 to port 8080 with TXT path=/wide.
# Then SIGTERM to `mdns`: `dig` finds the records gone. Skipped (exit 77) without
# `named` (bash scripts/dns-servers-setup.sh).
# shellcheck shell=bash

WIDEAREA_ZONE=lab.test

if [ "${1:-}" != run ]; then
    # Sourced by run.sh: register the case (add_case NAME GROUP TIMEOUT CMD...), placed
    # before the `final` cases (the capture checks must see it too).
    add_case avahi-wide-area-browses-mdns-update mdns 90 "$HERE/widearea.sh" run
    _wa_last=$((${#CASE_NAMES[@]} - 1)) _wa_at=$_wa_last
    for _wa_i in "${!CASE_GROUPS[@]}"; do
        [ "${CASE_GROUPS[$_wa_i]}" = final ] && { _wa_at=$_wa_i; break; }
    done
    for _wa_arr in CASE_NAMES CASE_GROUPS CASE_TMO CASE_CMD; do
        declare -n _wa_a=$_wa_arr
        _wa_a=("${_wa_a[@]:0:_wa_at}" "${_wa_a[_wa_last]}" "${_wa_a[@]:_wa_at:_wa_last-_wa_at}")
        unset -n _wa_a
    done
    unset _wa_last _wa_at _wa_i _wa_arr
    return 0 2>/dev/null || exit 0
fi

set -uo pipefail
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"

ZONE=$WIDEAREA_ZONE
KEY_NAME=wide.key
# Test material only.
KEY_SECRET=d2lkZS1hcmVhLWludGVyb3AtdGVzdC1rZXktb25seSE=
SERVER_IP=10.99.0.4
D=$CDIR/named
NAMED_PID=""
NETNS_ETC=""

cleanup() {
    [ -n "$NAMED_PID" ] && kill -TERM "$NAMED_PID" 2>/dev/null
    "$HERE/avahi.sh" stop h5 >/dev/null 2>&1 || true
    [ -n "$NETNS_ETC" ] && rm -rf "$NETNS_ETC"
    case_cleanup
}
trap cleanup EXIT
trap 'exit 143' TERM INT

command -v named >/dev/null || skip "named (BIND 9) is not installed: bash scripts/dns-servers-setup.sh"
command -v dig >/dev/null || skip "dig is not installed"

# --- BIND in h4
mkdir -p "$D"
cat > "$D/zone.db" <<EOF
\$ORIGIN $ZONE.
\$TTL 60
@ IN SOA ns.$ZONE. admin.$ZONE. 1 60 60 600 30
@ IN NS ns.$ZONE.
ns IN A $SERVER_IP
EOF
cat > "$D/named.conf" <<EOF
options {
    directory "$D";
    pid-file "$D/named.pid";
    session-keyfile "$D/session.key";
    managed-keys-directory "$D";
    listen-on port 53 { $SERVER_IP; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    notify no;
    allow-query { any; };
};
controls { };
key "$KEY_NAME" { algorithm hmac-sha256; secret "$KEY_SECRET"; };
zone "$ZONE" {
    type primary;
    file "$D/zone.db";
    update-policy { grant $KEY_NAME zonesub ANY; };
};
EOF
printf 'key "%s" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$KEY_NAME" "$KEY_SECRET" > "$D/update.key"
"$LANX" exec h4 named -g -n 1 -c "$D/named.conf" > "$D/named.log" 2>&1 &
NAMED_PID=$!
dig_() { lx h4 dig @"$SERVER_IP" +short +time=1 +tries=2 "$@"; }
for _ in $(seq 100); do
    [ -n "$(dig_ "$ZONE" SOA 2>/dev/null)" ] && break
    kill -0 "$NAMED_PID" 2>/dev/null || fail "named did not start: $(tail -3 "$D/named.log")"
    sleep 0.1
done
[ -n "$(dig_ "$ZONE" SOA)" ] || fail "named did not answer for $ZONE in 10 s"
log "named (pid $NAMED_PID) serves $ZONE on $SERVER_IP:53 in h4"

# --- Avahi with wide-area browsing in h5, its resolv.conf naming the server
NETNS_ETC=/etc/netns/$("$HERE/lan.sh" ns h5)
mkdir -p "$NETNS_ETC"
echo "nameserver $SERVER_IP" > "$NETNS_ETC/resolv.conf"
"$HERE/avahi.sh" start h5 --set wide-area.enable-wide-area=yes >/dev/null ||
    fail "avahi-daemon in h5 did not start"
"$HERE/avahi.sh" wait h5 15 >/dev/null || fail "avahi-daemon in h5: $("$HERE/avahi.sh" log h5 | tail -3)"

# --- mdns registers in the zone from h1
OUT=$CDIR/mdns-register.out
"$LANX" exec h1 "$MDNS_BIN" register WideWeb _http._tcp 8080 path=/wide \
    --domain "$ZONE" --server "$SERVER_IP" --tsig-key "$D/update.key" --json > "$OUT" 2>&1 &
MDNS_PID=$!
T0=$(now)
for _ in $(seq 100); do
    grep -q '"event":"registered"' "$OUT" && break
    kill -0 "$MDNS_PID" 2>/dev/null || fail "mdns register exited: $(tail -3 "$OUT")"
    sleep 0.1
done
grep -q '"event":"registered"' "$OUT" || fail "mdns did not register in 10 s: $(tail -3 "$OUT")"
grep -q "$KEY_SECRET" "$OUT" && fail "the key's secret appears in mdns's output"
T_REG=$(now)
log "registered: $(grep registered "$OUT")"
srv=$(dig_ WideWeb._http._tcp."$ZONE" SRV)
[ -n "$srv" ] || fail "dig finds no SRV for WideWeb._http._tcp.$ZONE"
log "dig SRV: $srv"

# --- Avahi browses the zone
BOUT=$CDIR/avahi-browse.out
"$HERE/avahi.sh" client h5 avahi-browse -rp -d "$ZONE" _http._tcp > "$BOUT" 2>&1 &
BROWSE_PID=$!
found=""
for _ in $(seq 200); do
    found=$(grep '^=' "$BOUT" | grep ';WideWeb;' | head -1)
    [ -n "$found" ] && break
    kill -0 "$BROWSE_PID" 2>/dev/null || fail "avahi-browse exited: $(tail -3 "$BOUT")"
    sleep 0.1
done
[ -n "$found" ] || fail "avahi-browse -d $ZONE did not resolve WideWeb in 20 s: $(tail -5 "$BOUT" | tr '\n' '|'); avahi: $("$HERE/avahi.sh" log h5 | tail -3 | tr '\n' '|')"
T_SEEN=$(now)
log "avahi-browse: $found"
# =;IFACE;PROTO;NAME;TYPE;DOMAIN;HOST;ADDRESS;PORT;TXT
port=$(echo "$found" | cut -d';' -f9)
domain=$(echo "$found" | cut -d';' -f6)
[ "$port" = 8080 ] || fail "avahi resolved port $port, want 8080: $found"
[ "$domain" = "$ZONE" ] || fail "avahi resolved domain $domain, want $ZONE: $found"
echo "$found" | grep -q '"path=/wide"' || fail "avahi resolved TXT without path=/wide: $found"
kill -TERM "$BROWSE_PID" 2>/dev/null

# --- SIGTERM: the records are deleted
kill -TERM "$MDNS_PID"
for _ in $(seq 100); do kill -0 "$MDNS_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$MDNS_PID" 2>/dev/null && fail "mdns still running 10 s after SIGTERM"
wait "$MDNS_PID"; rc=$?
[ "$rc" = 0 ] || fail "mdns exited with $rc after SIGTERM: $(tail -3 "$OUT")"
[ -z "$(dig_ WideWeb._http._tcp."$ZONE" SRV)" ] || fail "the SRV record is still in the zone after SIGTERM"
[ -z "$(dig_ _http._tcp."$ZONE" PTR)" ] || fail "the PTR record is still in the zone after SIGTERM"
note "registered $(python3 -c "print(f'{$T_REG - $T0:.2f}')") s, seen by avahi $(python3 -c "print(f'{$T_SEEN - $T_REG:.2f}')") s later"
exit 0
