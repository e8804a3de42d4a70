#!/usr/bin/env bash
# Runs each cargo-fuzz target for a few seconds (default 20) on nightly.
# Usage: scripts/fuzz-smoke.sh [SECONDS]   (a long campaign: scripts/fuzz-smoke.sh 3600)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
if [ ! -d fuzz/fuzz_targets ] || [ -z "$(ls fuzz/fuzz_targets 2>/dev/null)" ]; then
  echo "no fuzz targets yet"; exit 0
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
cd fuzz
for t in $(cargo +nightly fuzz list); do
  mkdir -p "corpus/$t"
  seeds=()
  [ -d "seeds/$t" ] && seeds=("seeds/$t")
  echo "--- fuzz $t for ${secs}s"
  cargo +nightly fuzz run "$t" "corpus/$t" "${seeds[@]}" -- -max_total_time="$secs" -rss_limit_mb=2048 2>&1 | tail -n 3
done
