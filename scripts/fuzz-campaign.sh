#!/usr/bin/env bash
# A long fuzzing campaign of one cargo-fuzz target, measured in CPU seconds (not wall
# seconds, so that it means the same on a busy machine).
#
# Usage: scripts/fuzz-campaign.sh TARGET [CPU_SECONDS] [OUT_DIR]
#   TARGET       parse | roundtrip | engine | unicast
#   CPU_SECONDS  default 3600
#   OUT_DIR      default /tmp/fuzz-campaign-TARGET: the log and any crash inputs
#
# libFuzzer runs in fork mode with -ignore_crashes=1, so one crash does not end the
# campaign: every crashing input is kept in OUT_DIR. The corpus grows in
# fuzz/corpus/TARGET. At the end the script prints the executions, coverage, features,
# corpus size and the crash inputs found.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
target=${1:?usage: scripts/fuzz-campaign.sh TARGET [CPU_SECONDS] [OUT_DIR]}
cpu_limit=${2:-3600}
out=${3:-/tmp/fuzz-campaign-$target}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
mkdir -p "$out" "corpus/$target"
seeds=()
[ -d "seeds/$target" ] && seeds=("seeds/$target")
cargo +nightly fuzz build "$target" >/dev/null 2>&1 || cargo +nightly fuzz build "$target"
log="$out/$target.log"
echo "fuzz-campaign: $target for $cpu_limit CPU seconds, log $log"
# A wall-clock bound far beyond the CPU budget: the watcher below stops the run.
cargo +nightly fuzz run "$target" "corpus/$target" "${seeds[@]}" -- \
  -dict=dns.dict -fork=1 -ignore_crashes=1 -rss_limit_mb=2048 \
  -artifact_prefix="$out/" -max_total_time=$((cpu_limit * 4)) >"$log" 2>&1 &
runner=$!

# CPU seconds of a process and of its reaped children.
ticks=$(getconf CLK_TCK)
cpu_of() {
  # Fields 14-17 of /proc/PID/stat (after the command name): utime stime cutime cstime.
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo $(((${12} + ${13} + ${14} + ${15}) / ticks))
}
# All descendants of a process.
tree_of() {
  local p
  for p in $(cat "/proc/$1/task/"*/children 2>/dev/null); do
    echo "$p"
    tree_of "$p"
  done
}

used=0
while kill -0 "$runner" 2>/dev/null; do
  sleep 30
  used=0
  for p in $runner $(tree_of "$runner"); do
    used=$((used + $(cpu_of "$p")))
  done
  if [ "$used" -ge "$cpu_limit" ]; then
    # The libFuzzer parent and its job are the runner's descendants whose command is
    # the target binary. SIGTERM, not SIGINT: the parent runs each job with system(),
    # which ignores SIGINT while the job runs.
    for p in $(tree_of "$runner"); do
      if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$target" ]; then
        kill -TERM "$p" 2>/dev/null || true
      fi
    done
    break
  fi
done
wait "$runner" || true

echo "fuzz-campaign: $target used about $used CPU seconds"
grep -E '^#[0-9]+' "$log" | tail -n 1 || true
grep -E 'INFO: fuzzed for|DONE' "$log" | tail -n 2 || true
echo "corpus files: $(find "corpus/$target" -type f | wc -l)"
crashes=$(find "$out" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
echo "crash/timeout/oom inputs kept in $out: $crashes"
echo "crash/timeout/oom reported in the log: $(grep -cE '^==[0-9]+== ERROR|^CRASH|deadly signal' "$log" || true)"
