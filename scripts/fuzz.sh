#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/) and runs each for a bounded time; prints
# the executions of each run. A crash (a panic or a broken property) fails
# the script and leaves its input in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [seconds per target]     (default 30)
#
# cargo fuzz needs nightly-only compiler flags (sanitizer coverage);
# RUSTC_BOOTSTRAP lets the project's own stable toolchain take them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${1:-30}
export RUSTC_BOOTSTRAP=1
# No address sanitizer: the parsers are safe Rust; coverage and panics are
# what counts here, and the build stays quick.
flags=(--sanitizer none --release --debug-assertions)

targets=$(cargo fuzz list)
cargo fuzz build "${flags[@]}" >/dev/null
for target in $targets; do
  mkdir -p "corpus/$target"
  # The seeds are kept; what the run discovers goes to a scratch corpus.
  work=$(mktemp -d)
  log=$(mktemp)
  if ! cargo fuzz run "${flags[@]}" "$target" "$work" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target FAILED (input in fuzz/artifacts/$target/)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  echo "fuzz: $target: ${runs:-?} executions in ${seconds} s, no failure"
  rm -rf "$work" "$log"
done
