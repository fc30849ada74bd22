# sloforge — see README.md.
CARGO ?= cargo
SLOFORGE := target/release/sloforge

.PHONY: all build generate check test tools schema fmt lint bench fuzz e2e demo clean

all: build

build:
	$(CARGO) build --release --locked

## Generate rules for the shipped demo fleet: slo-specs/ -> generated/.
generate: build
	$(SLOFORGE) generate slo-specs -o generated

## Fail when generated/ is not what the specs produce.
check: build
	$(SLOFORGE) check slo-specs -o generated

## Install promtool and amtool (Debian's prometheus and prometheus-alertmanager) when missing.
tools:
	@if ! command -v promtool >/dev/null 2>&1 || ! command -v amtool >/dev/null 2>&1; then \
		echo "installing prometheus and prometheus-alertmanager (promtool, amtool)"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq prometheus prometheus-alertmanager >/dev/null; \
	fi
	@promtool --version 2>&1 | head -1
	@amtool --version 2>&1 | head -1

## Every test: unit, snapshots, CLI, and the real promtool/amtool checks.
test: tools
	$(CARGO) test --locked
	$(CARGO) run --quiet --locked -- check slo-specs -o generated

## End to end on loopback (also part of `make test`): Prometheus and Alertmanager run the rules and
## routes generated from tests/e2e/; prints detection, delivery and resolve times.
e2e: tools
	$(CARGO) test --locked --test e2e -- --nocapture

## The demo fleet on loopback for a person to look at (Prometheus, Alertmanager, a synthetic
## exporter in failure mode MODE: healthy, outage:SERVICE, errors:SERVICE:PERCENT, slow:SERVICE:PERCENT).
MODE ?= outage:checkout
demo: tools build
	SLOFORGE=$(SLOFORGE) scripts/demo/run.sh $(MODE)

## Benchmarks (not part of `make test`): writes bench/RESULTS.md.
bench:
	bench/run.sh

## Rule cost and accuracy of sloforge's vs Sloth-shaped rules in a real Prometheus: writes bench/RESULTS-prometheus.md.
.PHONY: bench-prometheus
bench-prometheus:
	bench/prom_cost.sh

## Run each fuzz target for FUZZ_SECONDS (default 600); needs `cargo install cargo-fuzz`.
fuzz:
	fuzz/run.sh

## Regenerate the committed JSON Schema.
schema:
	$(CARGO) run --quiet --locked -- schema > docs/sloforge.schema.json

## Measure the demo fleet's detection and reset times with promtool and rewrite
## docs/alert-quality.md (tests/alert_quality.rs; `make test` fails while it is stale).
.PHONY: alert-quality
alert-quality: tools
	SLOFORGE_UPDATE_DOCS=1 $(CARGO) test --locked --test alert_quality

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) clippy --all-targets --locked -- -D warnings

clean:
	$(CARGO) clean
