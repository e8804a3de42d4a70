#!/usr/bin/env bash
# Compile matrix: `cargo clippy --all-targets -D warnings` (which type-checks everything
# `cargo check` does, tests included) of $CRATES for every other system the stack runs
# on, and a no_std build of the core for a bare-metal target. No SDK or linker is needed:
# nothing is linked. Installs the targets' standard libraries with rustup.
#
#   bash scripts/check-targets.sh
#   CRATES="mdns-sansio mdns-net mdns-tokio" bash scripts/check-targets.sh
#   TARGETS=x86_64-apple-darwin bash scripts/check-targets.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# Crates checked on every target: the pure layers, the OS layer, the three adapters
# and the CLI (the simulator, the benches and the namespace test crate are Linux-side
# tools).
CRATES=${CRATES:-"mdns-sansio mdns-sansio-client dnssd-unicast mdns-net mdns-tokio mdns-smol mdns-blocking mdns-cli"}
TARGETS=${TARGETS:-"x86_64-pc-windows-gnu x86_64-pc-windows-msvc x86_64-apple-darwin aarch64-apple-darwin aarch64-apple-ios x86_64-unknown-freebsd aarch64-linux-android"}
BARE=${BARE:-thumbv7em-none-eabihf}

# shellcheck disable=SC2086
rustup target add $TARGETS $BARE >/dev/null 2>&1 || rustup target add $TARGETS $BARE
pkgs=()
for c in $CRATES; do pkgs+=(-p "$c"); done
fail=0
for t in $TARGETS; do
  s=$(date +%s)
  if cargo clippy "${pkgs[@]}" --all-targets --target "$t" -- -D warnings; then
    echo "check-targets: $t ok ($(( $(date +%s) - s )) s)"
  else
    echo "check-targets: $t FAILED"
    fail=1
  fi
done
if cargo clippy -p mdns-sansio --no-default-features --lib --target "$BARE" -- -D warnings; then
  echo "check-targets: $BARE (mdns-sansio, no_std) ok"
else
  echo "check-targets: $BARE FAILED"
  fail=1
fi
exit $fail
