#!/usr/bin/env bash
# Instructions per query (callgrind) of the responder benchmark: every query at 10, 100,
# 1,000 and 10,000 services, the legacy-unicast variants at 100, and the query flood.
# Usage: benches/responder_table.sh   (run from anywhere; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p mdns-benches --bin responder_callgrind
bin=target/release/responder_callgrind
out=$(mktemp -d)
ir() {  # LABEL SERVICES RUNS [TOGGLE] -> instructions per run
  local f="$out/cg"
  valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect="${4:-*measured*}" \
    "$bin" "$1" "$2" "$3" >/dev/null 2>&1
  local total
  total=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
  echo $(( total / $3 ))
}
queries="ptr_10_answers srv_txt host_a unknown_type ptr_10_known_answers"
printf '%-10s' services; for q in $queries; do printf ' %21s' "$q"; done; echo
for svc in 10 100 1000 10000; do
  runs=200; [ "$svc" = 10000 ] && runs=50
  printf '%-10s' "$svc"
  for q in $queries; do printf ' %21s' "$(ir "$q" "$svc" "$runs")"; done; echo
done
printf '%-10s' legacy-100
for q in $queries; do printf ' %21s' "$(ir "legacy_$q" 100 200)"; done; echo
echo "flood (100 services, 20,000 queries): $(ir flood 100 20000 '*measured_flood*') per query"
rm -rf "$out"
