#!/usr/bin/env bash
# Instructions per packet of the querier benchmark (callgrind) and live heap per cached
# record: a 7-record response into caches of 1,000 and 100,000 records, a browse query
# carrying 100 known answers, memory at 1,000 and 100,000 records.
# Usage: benches/querier_table.sh [N]   (run from anywhere; builds the release binary)
# Each figure is (total(N+1 runs) - total(1 run)) / N, so set-up is not counted.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
cargo build -q --release -p mdns-benches --bin querier_callgrind
bin=target/release/querier_callgrind
out=$(mktemp -d)
total() {  # WORKLOAD RUNS -> total instructions
  local f="$out/cg.$1.$2"
  valgrind --tool=callgrind --callgrind-out-file="$f" "$bin" "$1" "$2" >/dev/null 2>&1
  callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}'
}
per() {  # WORKLOAD RUNS -> instructions per run
  local one many
  one=$(total "$1" 1)
  many=$(total "$1" $(( $2 + 1 )))
  echo $(( (many - one) / $2 ))
}
echo "response into a cache of 1,000:   $(per cache1k "$n") instructions per packet"
echo "response into a cache of 100,000: $(per cache100k "$n") instructions per packet"
echo "query with 100 known answers:     $(per ka100 $(( n / 10 ))) instructions per query"
"$bin" memory
rm -rf "$out"
