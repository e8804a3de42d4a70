#!/usr/bin/env bash
# Runs every test of the project: the workspace's unit, integration, simulation and doc
# tests (network-namespace tests included when run as root), then, as root, the Windows
# build's tests and the Windows `mdns` on the wire under Wine (scripts/test-windows.sh,
# interop/windows.sh) and the interop suite against Avahi
# and python-zeroconf (interop/, in namespaces it makes and removes).
#
# A test that needs root and does not have it prints `skipped: <binary>::<test>: <why>`
# (mdns-testnet::capable) instead of passing silently: they are listed and counted at
# the end.
set -euo pipefail
cd "$(dirname "$0")/.."
# No dependency cycle between sibling modules of the core, the client layer or the
# simulator.
python3 scripts/module-cycles.py mdns-proto/src mdns-client/src mdns-sim/src
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The test output goes to the terminal and to $log, where the skip lines are counted.
cargo test --workspace --all-targets 2>&1 | tee -a "$log"
cargo test --workspace --doc 2>&1 | tee -a "$log"
if [ "$(id -u)" = 0 ]; then
  bash scripts/test-windows.sh 2>&1 | tee -a "$log"
  bash interop/setup.sh
  cargo build --release -p mdns-cli
  cargo build --release -p mdns-blocking --example matter   # interop's matter-example-profile
  MDNS_BIN="$PWD/target/release/mdns" bash interop/run.sh --all
else
  echo "skipped: test-windows: the Windows build under Wine needs root for network namespaces" | tee -a "$log"
  echo "skipped: interop: the interop suite needs root to create network namespaces" | tee -a "$log"
fi
# A skip line may follow a test name on the same line (`--test-threads=1`).
skipped=$({ grep -o 'skipped: .*' "$log" || true; } | wc -l)
echo
if [ "$skipped" -gt 0 ]; then
  echo "=== $skipped tests skipped, not passed (they need root to create network namespaces: sudo bash $0):"
  grep -o 'skipped: .*' "$log" | sed 's/^skipped: /  /' | sort
else
  echo "=== no test skipped"
fi
