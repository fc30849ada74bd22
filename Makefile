# sloforge — see README.md.
CARGO ?= cargo
SLOFORGE := target/release/sloforge
## The engines of `make tools`; demo and bench run the Prometheus 3 LTS.
ENGINES := $(CURDIR)/.tools/prometheus/3.5.3:$(CURDIR)/.tools/bin

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

## Install the engines the tests run into .tools/ (scripts/tools.sh: Prometheus and Alertmanager
## 2.42.0/0.25, 2.53.3/0.28.1, 3.5.3/0.33.1 from Debian's packages; victoria-metrics, vmalert and
## Sloth with `go install`; the CRDs of the Prometheus Operator and the VictoriaMetrics operator
## from their Go modules, for tests/crds.rs; typescript and @grafana/schema from npm at the versions
## of scripts/node/package-lock.json, for tests/dashboards.rs; Debian's chromium, for tests/report.rs,
## with apt-get when missing and run as root: the only system package). Cached; the system's other
## packages are left alone.
tools:
	scripts/tools.sh

## Every test: formatting and lints first, then unit, snapshots, CLI, the real
## promtool/amtool checks, and every generated Kubernetes resource against its CRD.
test: tools
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings
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
	PATH="$(ENGINES):$$PATH" SLOFORGE=$(SLOFORGE) scripts/demo/run.sh $(MODE)

## Benchmarks (not part of `make test`): writes bench/RESULTS.md.
bench: tools
	PATH="$(ENGINES):$$PATH" bench/run.sh

## Rule cost and accuracy of sloforge's rules and of the rules Sloth v0.16.0 generates for the same SLOs,
## in Prometheus 3.5.3 over 31 days of backfilled history (about 13 minutes on 2 cores): writes bench/RESULTS-prometheus.md.
.PHONY: bench-prometheus
bench-prometheus: tools
	PATH="$(ENGINES):$$PATH" bench/prom_cost.sh

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
