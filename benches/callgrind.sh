#!/usr/bin/env bash
# Instructions per packet (callgrind), for parsers and builders on every corpus packet.
# Usage: benches/callgrind.sh [N] [PACKETS] [PARSERS] [BUILDERS]
#   (run from anywhere; builds the release binary). Defaults: N=200, PACKETS="a b c d e f",
#   all parsers and builders. Example: benches/callgrind.sh 200 "c d" "floor ours" "ours"
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
packets=${2:-"a b c d e f"}
parsers=${3-"floor ours dns-parser dns-parser-display domain mdns-proto-al8n simple-dns hickory"}
builders=${4-"ours simple-dns hickory domain"}
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
printf '%-8s %-18s' mode lib
for p in $packets; do printf ' %9s' "$p"; done
echo
for lib in $parsers; do
  printf '%-8s %-18s' parse "$lib"
  for p in $packets; do printf ' %9s' "$(ir parse "$lib" "$p")"; done
  echo
done
for lib in $builders; do
  printf '%-8s %-18s' build "$lib"
  for p in $packets; do printf ' %9s' "$(ir build "$lib" "$p")"; done
  echo
done
rm -rf "$out"
