#!/usr/bin/env bash
# Runs every test of the project: the workspace's unit, integration, simulation and doc
# tests (network-namespace tests included when run as root), then, as root, the interop
# suite against Avahi and python-zeroconf (interop/, in namespaces it makes and removes).
set -euo pipefail
cd "$(dirname "$0")/.."
# No dependency cycle between sibling modules of the core (mdns-sim's is being untangled
# on its own branch; add mdns-sim/src here once it has none).
python3 scripts/module-cycles.py mdns-proto/src
cargo test --workspace --all-targets
cargo test --workspace --doc
if [ "$(id -u)" = 0 ]; then
  bash interop/setup.sh
  cargo build --release -p mdns-cli
  MDNS_BIN="$PWD/target/release/mdns" bash interop/run.sh --all
else
  echo "interop suite skipped: it needs root to create network namespaces (sudo bash $0)"
fi
