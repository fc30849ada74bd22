#!/usr/bin/env bash
# The demo fleet (slo-specs/) on loopback, for a person to look at: sloforge generates its rules
# and, with the demo routing profile (scripts/demo/routing.yaml: the fleet's routing with every
# receiver a local webhook), its alertmanager.yml; Debian's prometheus and
# prometheus-alertmanager run them; scripts/demo/exporter.py serves the fleet's metrics in a
# chosen failure mode and prints every notification. Ctrl-C stops everything.
#
# usage: scripts/demo/run.sh [MODE]      (default outage:checkout; `make demo MODE=...`)
#   healthy | outage:SERVICE | errors:SERVICE:PERCENT | slow:SERVICE:PERCENT
# SLOFORGE: the sloforge binary to use (default: `cargo run`); PROMETHEUS_PORT, ALERTMANAGER_PORT,
# EXPORTER_PORT: fixed ports instead of free ones.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mode="${1:-outage:checkout}"

for tool in prometheus prometheus-alertmanager python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "demo: $tool is not installed (make tools installs prometheus and prometheus-alertmanager)" >&2
		exit 1
	fi
done
python3 "$here/exporter.py" --check --mode "$mode" || exit 2

sloforge() {
	if [ -n "${SLOFORGE:-}" ]; then
		"$SLOFORGE" "$@"
	else
		(cd "$root" && cargo run --quiet --locked -- "$@")
	fi
}

work="$(mktemp -d "${TMPDIR:-/tmp}/sloforge-demo.XXXXXX")"
pids=()
names=()
cleanup() {
	trap - EXIT INT TERM
	local i
	for i in "${!pids[@]}"; do
		if kill -0 "${pids[$i]}" 2>/dev/null; then
			kill "${pids[$i]}" 2>/dev/null || true
			wait "${pids[$i]}" 2>/dev/null || true
			echo "stopped ${names[$i]} (pid ${pids[$i]})"
		fi
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
exporter_port="${EXPORTER_PORT:-$(free_port)}"
prometheus_port="${PROMETHEUS_PORT:-$(free_port)}"
alertmanager_port="${ALERTMANAGER_PORT:-$(free_port)}"

# The demo fleet with the demo routing profile in place of slo-specs/routing.yaml.
mkdir -p "$work/specs"
for f in "$root"/slo-specs/*.yaml; do
	grep -q '^kind: AlertRouting' "$f" || cp "$f" "$work/specs/"
done
sed "s#http://127.0.0.1:9/#http://127.0.0.1:$exporter_port/#" "$here/routing.yaml" >"$work/specs/routing.yaml"
sloforge generate "$work/specs" -o "$work/generated" >/dev/null

cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 15s
  evaluation_interval: 1m
rule_files:
  - $work/generated/rules/*.rules.yaml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$alertmanager_port']
scrape_configs:
  - job_name: demo-exporter
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:$exporter_port']
EOF

start() {
	local name="$1"
	shift
	"$@" &
	pids+=("$!")
	names+=("$name")
}
start exporter python3 "$here/exporter.py" --port "$exporter_port" --mode "$mode"
start prometheus-alertmanager prometheus-alertmanager \
	--config.file="$work/generated/alertmanager.yml" \
	--storage.path="$work/alertmanager-data" \
	--web.listen-address="127.0.0.1:$alertmanager_port" \
	--cluster.listen-address= >"$work/alertmanager.log" 2>&1
start prometheus prometheus \
	--config.file="$work/prometheus.yml" \
	--storage.tsdb.path="$work/prometheus-data" \
	--web.listen-address="127.0.0.1:$prometheus_port" >"$work/prometheus.log" 2>&1

wait_ready() {
	local name="$1" url="$2" log="$3"
	for _ in $(seq 1 60); do
		if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$url" 2>/dev/null; then
			return 0
		fi
		sleep 0.5
	done
	echo "demo: $name did not become ready at $url" >&2
	[ -n "$log" ] && tail -n 20 "$log" >&2
	exit 1
}
wait_ready exporter "http://127.0.0.1:$exporter_port/mode" ""
wait_ready prometheus-alertmanager "http://127.0.0.1:$alertmanager_port/-/ready" "$work/alertmanager.log"
wait_ready prometheus "http://127.0.0.1:$prometheus_port/-/ready" "$work/prometheus.log"

service="${mode#*:}"
service="${service%%:*}"
if [ "$mode" != healthy ]; then
	echo
	echo "What the alert tiers of $service do (sloforge explain):"
	sloforge explain "$work/specs" | awk -v s="$service/" '/^[^ ]/ { show = index($0, s) == 1 } show'
fi
cat <<EOF
Prometheus alerts:      http://127.0.0.1:$prometheus_port/alerts
Prometheus rules:       http://127.0.0.1:$prometheus_port/rules
Alertmanager:           http://127.0.0.1:$alertmanager_port/#/alerts
Exporter (metrics):     http://127.0.0.1:$exporter_port/metrics
Failure mode now:       $mode
Change it:              curl -d healthy http://127.0.0.1:$exporter_port/mode
                        (healthy, outage:SERVICE, errors:SERVICE:PERCENT, slow:SERVICE:PERCENT)
Rules are evaluated every minute with the fleet's own settings: a page arrives a few minutes
after an outage starts (scrape, evaluation, the tier's \`for\`, the page group_wait of 10s).
Notifications are printed below as the receivers get them. Ctrl-C stops everything.

EOF

# Until Ctrl-C, or until one of the processes exits on its own.
set +e
wait -n "${pids[@]}"
status=$?
for i in "${!pids[@]}"; do
	if ! kill -0 "${pids[$i]}" 2>/dev/null; then
		echo "demo: ${names[$i]} exited (status $status)" >&2
	fi
done
exit 1
