#!/bin/sh
# Rule cost and accuracy in a real Prometheus: regenerates bench/RESULTS-prometheus.md.
# Needs Prometheus and promtool (Debian's package, installed when missing), Python 3 and cargo.
# Takes about 12 minutes on 2 cores; Prometheus listens on a free loopback port only.
set -eu
cd "$(dirname "$0")/.."

if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
	echo "installing Debian's prometheus (prometheus, promtool)" >&2
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq prometheus >/dev/null
fi
${CARGO:-cargo} build --release --locked --quiet
exec nice -n 10 python3 bench/prom_cost.py "$@"
