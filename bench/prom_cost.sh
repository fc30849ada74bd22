#!/bin/sh
# Rule cost and accuracy in a real Prometheus: regenerates bench/RESULTS-prometheus.md.
# Needs prometheus, promtool and sloth on PATH (`make tools` installs them into .tools/, which
# `make bench-prometheus` puts first on PATH; so does this script when they are there), Python 3
# and cargo. Takes about 13 minutes on 2 cores; Prometheus listens on a free loopback port only.
set -eu
cd "$(dirname "$0")/.."

TOOLS="${SLOFORGE_TOOLS:-$PWD/.tools}"
for dir in "$TOOLS/bin" "$TOOLS/prometheus/3.5.3"; do
	[ -d "$dir" ] && PATH="$dir:$PATH"
done
export PATH
for tool in prometheus promtool sloth; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench/prom_cost.sh: $tool is not installed: run \`make tools\` (or \`make bench-prometheus\`, which runs it)" >&2
		exit 1
	fi
done
${CARGO:-cargo} build --release --locked --quiet
exec nice -n 10 python3 bench/prom_cost.py "$@"
