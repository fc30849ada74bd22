#!/bin/sh
# `make bench`: generation speed (sloforge vs slokit) and the Prometheus cost and accuracy of
# the generated rules; writes bench/RESULTS.md. Not part of `make test`.
set -eu
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"
$CARGO build --release --locked --quiet
if [ ! -x bench/.tools/bin/slokit ]; then
	echo "installing slokit 1.9.0 into bench/.tools (one-time)" >&2
	$CARGO install slokit --version 1.9.0 --locked --root bench/.tools --quiet
fi
out=bench/RESULTS.md
tmp="$out.new"
{
	echo "# Benchmarks"
	echo
	echo "Reproduce with \`make bench\` (generation: \`python3 bench/gen_bench.py\`; Prometheus cost and"
	echo "accuracy: \`bench/prom_cost.sh\`). Figures are medians; see each section for run counts."
	echo
	nice -n 5 python3 bench/gen_bench.py
	if [ "${BENCH_SKIP_PROMETHEUS:-}" = "" ]; then
		bench/prom_cost.sh >&2
	fi
	if [ -f bench/RESULTS-prometheus.md ]; then
		cat bench/RESULTS-prometheus.md
	fi
} > "$tmp"
mv "$tmp" "$out"
echo "wrote $out" >&2
