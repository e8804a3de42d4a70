#!/usr/bin/env bash
# Instructions (callgrind) of the unicast DNS-SD client's work: one browse answer taken
# in (1 and 10 PTRs, events included), one signed registration sent (built + HMAC-SHA256)
# and its signed answer taken in (checks + TSIG verify + state + event).
# Usage: benches/unicast_table.sh [RUNS]   (run from anywhere; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-500}
cargo build -q --release -p mdns-benches --bin unicast_callgrind
bin=target/release/unicast_callgrind
out=$(mktemp -d)
ir() {  # WORKLOAD TOGGLE -> instructions per run
  local f="$out/cg"
  valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect="$2" \
    "$bin" "$1" "$runs" >/dev/null 2>&1
  local total
  total=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
  echo $(( total / runs ))
}
echo "browse answer, 1 PTR:    $(ir browse_1 '*measured_answer*')"
echo "browse answer, 10 PTRs:  $(ir browse_10 '*measured_answer*')"
echo "update sent (signed):    $(ir update '*measured_send*')"
echo "update answer (signed):  $(ir update '*measured_update_answer*')"
rm -rf "$out"
