#!/usr/bin/env bash
# Runs each fuzz target for FUZZ_SECONDS (default 600) on a copy of the committed seeds.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); works on stable Rust without sanitizers.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-600}"
for target in spec_loader promql_rewrite; do
  mkdir -p "corpus/$target"
  cp -n seeds/"$target"/* "corpus/$target/" 2>/dev/null || true
  echo "== $target for ${seconds}s"
  cargo fuzz run -s none "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1
done
