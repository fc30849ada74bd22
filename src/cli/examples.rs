//! The examples `--help` shows under each command.

pub(super) const GENERATE: &str = "\
Examples:
  sloforge generate                              # slo-specs/ -> generated/
  sloforge generate specs/ -o out/ --target mimir
  sloforge generate --format kubernetes --namespace monitoring -o - | kubectl apply -f -";

pub(super) const CHECK: &str = "\
Examples:
  sloforge check                                 # in CI: exit 1 when generated/ is stale
  sloforge check specs/ -o deploy/rules";

pub(super) const VALIDATE: &str = "\
Examples:
  sloforge validate
  sloforge validate specs/ --strict --output json";

pub(super) const EXPLAIN: &str = "\
Examples:
  sloforge explain                               # budgets, detection and reset times
  sloforge explain specs/checkout.yaml --output json | jq '.[].tiers'";

pub(super) const ROUTES: &str = "\
Examples:
  sloforge routes                                # every alert and the receivers it reaches
  sloforge routes --config /etc/alertmanager/alertmanager.yml
  sloforge routes --output json | jq '.[] | select(.severity == \"page\")'";

pub(super) const SPLICE: &str = "\
Examples:
  sloforge splice --config alertmanager.yml      # rewrite it in place
  sloforge splice --config alertmanager.yml -o - | amtool check-config /dev/stdin
  sloforge splice --config alertmanager.yml --check";

pub(super) const DOCTOR: &str = "\
Examples:
  sloforge doctor --prometheus http://prometheus:9090
  sloforge doctor --prometheus http://prometheus:9090 --alertmanager http://alertmanager:9093";

pub(super) const REPORT: &str = "\
Examples:
  sloforge report --prometheus http://prometheus:9090 -o report.html
  sloforge report --prometheus http://prometheus:9090 --at 2026-12-01T09:00:00Z -o december.html";

pub(super) const TEST: &str = "\
Examples:
  sloforge test                                  # generated/tests/*.test.yaml under promtool
  sloforge test out/ --promtool /opt/prometheus/promtool --jobs 4";

pub(super) const CONVERT: &str = "\
Examples:
  sloforge convert sloth/ -o slo-specs/          # Sloth or OpenSLO -> the native format
  sloforge convert openslo.yaml";

pub(super) const INIT: &str = "\
Examples:
  sloforge init                                  # slo-specs/api.yaml
  sloforge init --service checkout --team payments --objective 99.95 --routing";

pub(super) const COMPLETIONS: &str = "\
Examples:
  sloforge completions bash > ~/.local/share/bash-completion/completions/sloforge
  sloforge completions zsh > ~/.zfunc/_sloforge
  sloforge completions fish > ~/.config/fish/completions/sloforge.fish";

pub(super) const MAN: &str = "\
Examples:
  sloforge man > sloforge.1 && man ./sloforge.1";

pub(super) const DRILL: &str = "\
Examples:
  sloforge drill outage:checkout/availability@10m          # page, notify, resolve
  sloforge drill errors:cart/availability:2%@6h --before 1h
  sloforge drill latency:catalog:30%@1h --output json | jq '.moments[].events[]'";

pub(super) const STATUS: &str = "\
Examples:
  sloforge status --prometheus http://prometheus:9090
  sloforge status --prometheus http://prometheus:9090 --at 2026-11-04T15:00:00Z   # a post-mortem
  sloforge status --prometheus http://prometheus:9090 --output markdown >> \"$GITHUB_STEP_SUMMARY\"";

pub(super) const GATE: &str = "\
The policy (the seeds'): by the budget left, normal >= 75 %, caution 50-75 %, alert 25-50 %,
critical 10-25 %, lockdown < 10 %. Deploys freeze from --min-stage on (default critical, i.e.
below 25 %). --allow-hotfix lets the deploy through in every stage but lockdown. A frozen rolling
budget recovers as its errors age out of the window; a calendar one when the next period starts.

Examples:
  sloforge gate --prometheus http://prometheus:9090 --service checkout
  sloforge gate --prometheus http://prometheus:9090 --service checkout --allow-hotfix
  sloforge gate --prometheus http://prometheus:9090 --service checkout --slo availability --min-stage alert";
