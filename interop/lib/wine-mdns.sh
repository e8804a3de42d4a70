#!/bin/sh
# wine-mdns.sh ARGS... -- the Windows `mdns` ($MDNS_EXE) under Wine, in the lab
# namespace this is started in (the interop helpers run "$MDNS_BIN" with
# `lan.sh exec HOST`): interop/windows.sh points MDNS_BIN here. Refuses the root
# namespace and any namespace that is not a lab host; the Wine prefix is $WINE_PREFIX
# (scripts/wine/wine-in-netns.sh checks that its wineserver runs here).
# Stop it with SIGINT (Wine delivers it to the program as Ctrl-C); SIGTERM ends a
# Wine program at once, without goodbyes.
ns=$(ip netns identify $$)
case $ns in
    mdnsi-*-h[0-9]*) ;;
    *) echo "wine-mdns: not in a lab host namespace (in: ${ns:-root})" >&2; exit 3 ;;
esac
[ -n "${MDNS_EXE:-}" ] && [ -f "$MDNS_EXE" ] || { echo "wine-mdns: MDNS_EXE not set or missing" >&2; exit 2; }
[ -n "${WINE_PREFIX:-}" ] || { echo "wine-mdns: WINE_PREFIX not set" >&2; exit 2; }
exec sh "$(dirname "$0")/../../scripts/wine/wine-in-netns.sh" "$ns" "$MDNS_EXE" "$@"
