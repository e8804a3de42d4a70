#!/usr/bin/env bash
# The Windows build of mdns-net, tested under Wine inside network namespaces (root only).
#
#   sudo bash scripts/test-windows.sh
#
# 1. Installs what it needs if missing (mingw-w64, wine64, the Rust target) and builds the
#    stand-in bcryptprimitives.dll that Rust programs need under Wine 8 (scripts/wine/).
# 2. Makes a lab: host "win" with eth0 on LAN A (10.77.0.1, fd77::1) and a decoy eth1 on
#    LAN B (10.78.0.1, fd78::1); "peer-a" on LAN A only (10.77.0.2), "peer-b" on LAN B
#    only (10.78.0.2); two bridges in a namespace of their own. No interface is ever made
#    in the root namespace.
# 3. Runs every mdns-net test built for x86_64-pc-windows-gnu under Wine in "win" (the
#    unit tests: cmsg dialects, adapter parsing, selection, joins, the watcher, the waker,
#    WSAPoll, GetAdaptersAddresses on Wine's view of the lab), and the CLI's.
# 4. Runs tests/wire_peers.rs: the Windows driver under Wine on "win" against the Linux
#    driver on both peers: multicast both ways on IPv4 and IPv6, unicast replies, the
#    arrival interface and TTL checked, and a send out of the wrong interface caught by
#    the decoy LAN's peer.
# 5. Runs interop/windows.sh (installing its peers with interop/setup.sh): the Windows
#    `mdns` binary, and the tokio and smol adapters' examples, under Wine against Avahi
#    and python-zeroconf, on a host with a decoy interface.
#
# Wine runs programs' sockets in its wineserver: a prefix is used by one namespace at a
# time (scripts/wine/wine-in-netns.sh refuses a prefix whose wineserver runs in another
# namespace), and its wineserver is stopped before and after. The prefix (in
# $MDNS_WINE_PREFIXES, default /tmp/mdns-wine-prefixes; ~700 MB, made once in ~20 s,
# reused after) serves this lab's "win" and then the interop lab's Windows host.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
[ "$(id -u)" = 0 ] || { echo "skipped: test-windows: needs root for network namespaces"; exit 0; }
t0=$(date +%s)
say() { echo "--- test-windows: $* ($(( $(date +%s) - t0 )) s)"; }

WINE=/usr/lib/wine/wine64
WINESERVER=/usr/lib/wine/wineserver64
if ! command -v x86_64-w64-mingw32-gcc >/dev/null || [ ! -x "$WINE" ]; then
  say "installing mingw-w64 and wine64"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mingw-w64 wine64 >/dev/null
fi
rustup target add x86_64-pc-windows-gnu >/dev/null 2>&1 || true

out=$root/target/wine
mkdir -p "$out"
dll=$out/bcryptprimitives.dll
if [ ! -f "$dll" ] || [ scripts/wine/bcryptprimitives.c -nt "$dll" ]; then
  x86_64-w64-mingw32-gcc -shared -O2 -o "$dll" scripts/wine/bcryptprimitives.c -ladvapi32
fi

say "building"
cargo test -p mdns-net -p mdns-cli --target x86_64-pc-windows-gnu --no-run 2>&1 | tail -3
peer_exe=$(cargo test -p mdns-net --test wire_peers --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m.get("executable") and m["target"]["name"]=="wire_peers": print(m["executable"])')
[ -x "$peer_exe" ] || { echo "test-windows: no wire_peers executable"; exit 1; }

export WINE_PREFIX_ROOT=${MDNS_WINE_PREFIXES:-/tmp/mdns-wine-prefixes}
BR=mdnsw-br WIN=mdnsw-win PA=mdnsw-pa PB=mdnsw-pb
stop_wine() {
  if ip netns list | awk '{print $1}' | grep -qx "$WIN"; then
    WINE="$WINESERVER" sh scripts/wine/wine-in-netns.sh "$WIN" -k 2>/dev/null || true
  fi
}
cleanup() {
  stop_wine
  for n in $WIN $PA $PB $BR; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup

say "lab"
for n in $BR $WIN $PA $PB; do
  ip netns add "$n"
  ip -n "$n" link set lo up
done
ip netns exec $BR sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for b in brA brB; do
  ip -n $BR link add $b type bridge mcast_snooping 0 stp_state 0 forward_delay 0
  ip -n $BR link set $b up
done
for n in $WIN $PA $PB; do
  ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.router_solicitations=0
done
# port NS DEV BRIDGE V4 V6
port() {
  local p="${1#mdnsw-}$2"
  ip -n $BR link add "$p" type veth peer name "$2" netns "$1"
  ip -n $BR link set "$p" master "$3" up
  ip -n "$1" link set "$2" multicast on up
  ip -n "$1" addr add "$4" dev "$2"
  ip -n "$1" -6 addr add "$5" dev "$2" nodad
}
port $WIN eth0 brA 10.77.0.1/24 fd77::1/64
port $WIN eth1 brB 10.78.0.1/24 fd78::1/64
port $PA eth0 brA 10.77.0.2/24 fd77::2/64
port $PB eth0 brB 10.78.0.2/24 fd78::2/64
for n in $WIN $PA $PB; do
  for _ in $(seq 100); do
    ip -n "$n" -6 addr show scope link | grep -q fe80 && ! ip -n "$n" -6 addr | grep -q tentative && break
    sleep 0.05
  done
done

pfx=$WINE_PREFIX_ROOT/$WIN
if [ ! -f "$pfx/system.reg" ]; then
  say "making the Wine prefix of $WIN"
  WINE="$WINE" sh scripts/wine/wine-in-netns.sh $WIN wineboot -u >/dev/null 2>&1 || true
fi
cp "$dll" "$pfx/drive_c/windows/system32/"
stop_wine

say "mdns-net's and mdns-cli's tests under Wine"
export WINE
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="sh $root/scripts/wine/wine-in-netns.sh $WIN"
cargo test -p mdns-net -p mdns-cli --target x86_64-pc-windows-gnu

say "wire exchange: Windows (Wine) with a decoy interface, Linux peers on both LANs"
log=$out/wire
mkdir -p "$log"
MDNS_WIRE_ROLE=peer-a ip netns exec $PA "$peer_exe" --ignored --exact wire_exchange_with_a_decoy_interface --nocapture >"$log/peer-a" 2>&1 &
pa=$!
MDNS_WIRE_ROLE=peer-b ip netns exec $PB "$peer_exe" --ignored --exact wire_exchange_with_a_decoy_interface --nocapture >"$log/peer-b" 2>&1 &
pb=$!
set +e
MDNS_WIRE_ROLE=win cargo test -p mdns-net --target x86_64-pc-windows-gnu --test wire_peers \
  -- --ignored --exact wire_exchange_with_a_decoy_interface --nocapture
rw=$?
wait $pa; ra=$?
wait $pb; rb=$?
set -e
for f in peer-a peer-b; do echo "[$f]"; grep -v "^$" "$log/$f" | tail -8; done
if [ $rw != 0 ] || [ $ra != 0 ] || [ $rb != 0 ]; then
  echo "test-windows: wire exchange FAILED (win $rw, peer-a $ra, peer-b $rb)"
  exit 1
fi
# This lab and its wineserver go before the interop lab uses the same prefix.
cleanup

say "the Windows mdns and adapters against Avahi and python-zeroconf (interop/windows.sh)"
bash interop/setup.sh >/dev/null
WINE_PREFIX=$WINE_PREFIX_ROOT/$WIN bash interop/windows.sh
say "passed"
