#!/usr/bin/env bash
# Instructions per packet (callgrind), for parsers and builders on corpus packets c and d.
# Usage: benches/callgrind.sh [N]     (run from anywhere; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
cargo build -q -p mdns-benches --release --bin wirebench
bin=target/release/wirebench
out=$(mktemp -d)
ir() {  # MODE LIB PACKET -> instructions per packet inside run_parse/run_build
  local f="$out/cg.$1.$2.$3"
  valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect="wirebench::run_$1" \
    "$bin" "$1" "$2" "$3" "$n" >/dev/null 2>&1
  local total
  total=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
  echo $(( total / n ))
}
printf '%-8s %-18s %12s %12s\n' mode lib c d
for lib in floor ours dns-parser dns-parser-display domain mdns-proto-al8n simple-dns hickory; do
  printf '%-8s %-18s %12s %12s\n' parse "$lib" "$(ir parse "$lib" c)" "$(ir parse "$lib" d)"
done
for lib in ours simple-dns hickory domain; do
  printf '%-8s %-18s %12s %12s\n' build "$lib" "$(ir build "$lib" c)" "$(ir build "$lib" d)"
done
rm -rf "$out"
