#!/usr/bin/env bash
# Builds the microcontroller example (thumbv7em-none-eabihf, opt-level "z", LTO),
# measures its flash and, on the host, its heap high-water mark over a simulated hour,
# and fails if either is more than 10 % over the figure recorded in figures.txt.
# Usage: embedded/check.sh   (run from anywhere; CI calls it)
set -euo pipefail
cd "$(dirname "$0")"
rustup target add thumbv7em-none-eabihf >/dev/null 2>&1 || true
if ! rustup target list --installed | grep -qx thumbv7em-none-eabihf; then
    echo "thumbv7em-none-eabihf is not installed and cannot be added here" >&2
    exit 1
fi
cargo build -q --release --target thumbv7em-none-eabihf --bin firmware
flash=$(python3 size.py target/thumbv7em-none-eabihf/release/firmware | awk '/^flash_bytes/ {print $2}')
heap_out=$(cargo run -q --release --bin heap)
echo "$heap_out"
heap=$(echo "$heap_out" | awk '/^heap_high_water/ {print $2}')
status=0
check() {  # NAME MEASURED
    local recorded
    recorded=$(awk -v k="$1" '$1 == k {print $2}' figures.txt)
    local limit=$(( recorded + recorded / 10 ))
    echo "$1: $2 (recorded $recorded, limit $limit)"
    if [ "$2" -gt "$limit" ]; then
        echo "FAIL: $1 grew more than 10 % over the recorded figure" >&2
        status=1
    fi
}
check flash_bytes "$flash"
check heap_high_water "$heap"
exit $status
