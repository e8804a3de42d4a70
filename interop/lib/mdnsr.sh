# interop/lib/mdnsr.sh -- where Apple's mDNSResponder comes from and where its build goes
# (sourced by setup.sh and the cases). Nothing of it is in this repository: the source
# archive, its build script and the per-namespace wrapper are in ../shared/peers/mdnsresponder
# (beside the checkout, as in CI); the build goes to a cache outside the repository.
#
#   MDNSR_PEER   the peer folder (default: ../shared/peers/mdnsresponder from the repo root)
#   MDNSR_CACHE  build cache (default /tmp/mdns-interop-cache)
#   MDNSR_BIN    the binaries (default $MDNSR_CACHE/mdnsresponder-<version>/bin)
# shellcheck shell=bash
_mdnsr_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MDNSR_PEER=${MDNSR_PEER:-$_mdnsr_repo/../shared/peers/mdnsresponder}
MDNSR_ARCHIVE=$(ls "$MDNSR_PEER"/mDNSResponder-*.tar.xz 2>/dev/null | sort | tail -1 || true)
MDNSR_VERSION=$(basename "${MDNSR_ARCHIVE:-none}" .tar.xz); MDNSR_VERSION=${MDNSR_VERSION#mDNSResponder-}
MDNSR_CACHE=${MDNSR_CACHE:-/tmp/mdns-interop-cache}
MDNSR_OUT=$MDNSR_CACHE/mdnsresponder-$MDNSR_VERSION
MDNSR_BIN=${MDNSR_BIN:-$MDNSR_OUT/bin}
export MDNSR_PEER MDNSR_BIN

# mdnsr_missing -> prints why Apple's peer cannot run (nothing if it can)
mdnsr_missing() {
    if [ ! -x "$MDNSR_PEER/run-in-ns.sh" ]; then
        echo "no $MDNSR_PEER/run-in-ns.sh (Apple's peer lives in ../shared/peers/mdnsresponder)"
    elif [ ! -x "$MDNSR_BIN/mdnsd" ] || [ ! -x "$MDNSR_BIN/dns-sd" ]; then
        echo "mDNSResponder not built in $MDNSR_BIN (run interop/setup.sh)"
    fi
}
