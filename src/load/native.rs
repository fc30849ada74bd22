//! The native spec format, `apiVersion: sloforge.dev/v1`, as read from YAML (raw, located,
//! not yet validated). The JSON Schema of these types is `sloforge schema`.

use std::collections::BTreeMap;

pub use crate::model::SeverityKind;

use schemars::JsonSchema;
use serde::Deserialize;

use super::native_window::{ExclusionSpec, WindowSpec};
use super::spanned::Sp;

pub const API_VERSION: &str = "sloforge.dev/v1";

pub type Labels = BTreeMap<Sp<String>, Sp<String>>;

/// One service and its SLOs (`kind: Service`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Always `sloforge.dev/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: Sp<String>,
    /// `Service`.
    pub kind: Sp<String>,
    /// Service name: lower-case letters, digits and `-`/`_`, starting with a letter.
    pub name: Sp<String>,
    /// Owning team; becomes the `team` label on every alert.
    pub team: Sp<String>,
    /// Service tier, a key of `tiers` in the `Defaults` document (objective, window, policy).
    #[serde(default)]
    pub tier: Option<Sp<String>>,
    /// Free text.
    #[serde(default)]
    pub description: Option<Sp<String>>,
    /// Extra labels on every recorded series and alert of this service.
    #[serde(default)]
    pub labels: Labels,
    /// Alerting settings for every SLO of the service (each SLO may override them).
    #[serde(default)]
    pub alerting: Option<AlertingSpec>,
    /// Planned-maintenance windows of every SLO of the service.
    #[serde(default)]
    pub exclusions: Vec<ExclusionSpec>,
    /// The service's SLOs.
    pub slos: Vec<SloSpec>,
}

/// One SLO of a service.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloSpec {
    /// SLO name, unique within the service (`availability`, `latency`).
    pub name: Sp<String>,
    #[serde(default)]
    pub description: Option<Sp<String>>,
    /// Objective in percent, e.g. `99.9`; defaults to the service tier's objective.
    #[serde(default)]
    pub objective: Option<Sp<f64>>,
    /// Rolling window (`7d`, `28d`, `30d`; whole minutes), or a calendar window (`{calendar:
    /// month, timezone: Europe/Berlin}`); defaults to the tier's, then `30d`.
    #[serde(default)]
    pub window: Option<Sp<WindowSpec>>,
    /// Planned-maintenance windows of this SLO (besides the service's).
    #[serde(default)]
    pub exclusions: Vec<ExclusionSpec>,
    /// Extra labels for this SLO's series and alerts.
    #[serde(default)]
    pub labels: Labels,
    /// How good and bad events are measured.
    pub sli: Sp<SliSpec>,
    /// Alerting settings, merged over the service's, tier's and defaults'.
    #[serde(default)]
    pub alerting: Option<AlertingSpec>,
    /// One SLO per value of these labels of the SLI's series (per `route`, `tenant`,
    /// `region`…): each group has its own windows, burn rates, budget and alerts.
    #[serde(default)]
    pub group_by: Option<Sp<Vec<Sp<String>>>>,
    /// Most groups expected (default 50): more fire the SLO's too-many-groups alert.
    #[serde(default)]
    pub max_groups: Option<Sp<u64>>,
}

/// The service level indicator: exactly one of the kinds below.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SliSpec {
    /// Counters of bad (or good) and all events. Give vector selectors or instant-vector
    /// expressions without a range: sloforge adds `rate()`.
    Ratio(RatioSpec),
    /// A histogram (classic, or native with `histogram: native`): events slower than
    /// `threshold` are errors.
    Latency(LatencySpec),
    /// A 0/1 gauge such as `up` or `probe_success`: samples at 0 are errors.
    Probe(ProbeSpec),
    /// An error-ratio query of your own with a `$window` (or Sloth's `{{.window}}`) range.
    Raw(RawSpec),
    /// Queries of your own giving error and total event rates over `$window` (Sloth's
    /// `error_query`/`total_query` form); windows are traffic-weighted like `ratio`.
    Events(EventsSpec),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsSpec {
    /// Rate of bad events, e.g. `sum(rate(http_requests_total{code=~"5.."}[$window]))`.
    pub errors: Sp<String>,
    /// Rate of all events.
    pub total: Sp<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatioSpec {
    /// Bad events (give `errors` or `good`).
    #[serde(default)]
    pub errors: Option<Sp<String>>,
    /// Good events (give `errors` or `good`).
    #[serde(default)]
    pub good: Option<Sp<String>>,
    /// All events.
    pub total: Sp<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencySpec {
    /// Histogram name, with or without the `_bucket` suffix.
    pub metric: Sp<String>,
    /// Label matchers applied to the histogram, e.g. `{job="checkout",route!="/health"}`.
    #[serde(default)]
    pub selector: Option<Sp<String>>,
    /// Latency threshold, a number of seconds (`0.2`) or a duration (`200ms`); must be one of
    /// the histogram's `le` buckets. Defaults to the tier's `latency_threshold`.
    #[serde(default)]
    pub threshold: Option<Sp<NumOrString>>,
    /// The histogram's bucket bounds in seconds; when given, `threshold` must be one of them.
    #[serde(default)]
    pub buckets: Option<Sp<Vec<f64>>>,
    /// `classic` (default): `<metric>_bucket` and `<metric>_count` series. `native`: one series
    /// `<metric>` of native-histogram samples (exponential buckets, or a classic histogram
    /// Prometheus 3 converts to custom buckets), read with `histogram_fraction`; needs
    /// `engines` in the Defaults document to list only engines with native histograms
    /// (`[prometheus-3]`).
    #[serde(default)]
    pub histogram: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeSpec {
    /// A selector of a 0/1 gauge (`probe_success{job="blackbox"}`).
    pub metric: Sp<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// PromQL giving the error ratio (0–1) over `$window`.
    pub error_ratio: Sp<String>,
}

/// A number or a string (`0.2` or `200ms`).
#[derive(Debug, Clone, PartialEq)]
pub enum NumOrString {
    Num(f64),
    Str(String),
}

impl<'de> Deserialize<'de> for NumOrString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = NumOrString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_f64<E>(self, v: f64) -> Result<NumOrString, E> {
                Ok(NumOrString::Num(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<NumOrString, E> {
                Ok(NumOrString::Num(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<NumOrString, E> {
                Ok(NumOrString::Num(v as f64))
            }
            fn visit_str<E>(self, v: &str) -> Result<NumOrString, E> {
                Ok(NumOrString::Str(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for NumOrString {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NumOrString".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": ["number", "string"] })
    }
}

/// Alerting settings. Every field is optional; each level (defaults, tier, service, SLO)
/// overrides the one before it, key by key.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertingSpec {
    /// Alert name (default: service and SLO in CamelCase + `SLOBurn`).
    #[serde(default)]
    pub name: Option<Sp<String>>,
    /// Extra labels on the alerts.
    #[serde(default)]
    pub labels: Labels,
    /// Annotation templates (`summary`, `description`, `runbook_url`, `dashboard_url`, …).
    /// `[[ … ]]` is expanded by sloforge; Prometheus' own `{{ … }}` is left as it is.
    #[serde(default)]
    pub annotations: Labels,
    /// Per alert tier (`page-fast`, `page-slow`, `ticket-fast`, `ticket-slow`):
    /// turn it off or set `for`/`keep_firing_for`.
    #[serde(default)]
    pub tiers: BTreeMap<Sp<String>, TierOverrideSpec>,
    /// Minimum number of events in a tier's long window before it may fire (default 0: off).
    #[serde(default)]
    pub min_events: Option<Sp<u64>>,
    /// Budget-policy alerts at the `budget_policy` stages (default false).
    #[serde(default)]
    pub budget_alerts: Option<Sp<bool>>,
    /// Window pairs of this SLO alone, with absolute windows (not scaled to the SLO window),
    /// instead of the fleet's `alert_tiers`.
    #[serde(default)]
    pub custom_tiers: Option<Sp<Vec<AlertTierSpec>>>,
    /// Alerts on the SLI's data being absent (default: on, after 10m, severity `ticket`).
    #[serde(default)]
    pub no_data: Option<NoDataSpec>,
}

/// The no-data alerts of an SLO: the total (or `_count`, or probe) series absent, and for a
/// latency SLI the threshold's bucket absent while `_count` is present.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoDataSpec {
    /// Default true.
    #[serde(default)]
    pub enabled: Option<Sp<bool>>,
    /// How long the data must be missing before the alert fires (default `10m`).
    #[serde(default, rename = "for")]
    pub for_: Option<Sp<String>>,
    /// `page` or `ticket` (default `ticket`).
    #[serde(default)]
    pub severity: Option<Sp<SeverityKind>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierOverrideSpec {
    #[serde(default)]
    pub enabled: Option<Sp<bool>>,
    /// Prometheus `for` of the alert (`2m`).
    #[serde(default, rename = "for")]
    pub for_: Option<Sp<String>>,
    /// Prometheus `keep_firing_for` of the alert.
    #[serde(default)]
    pub keep_firing_for: Option<Sp<String>>,
    /// Extra labels of this tier's alert (`severity` may be overridden here).
    #[serde(default)]
    pub labels: Labels,
    /// Extra annotation templates of this tier's alert.
    #[serde(default)]
    pub annotations: Labels,
}

/// Fleet-wide settings and service tiers (`kind: Defaults`, at most one document).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultsSpec {
    #[serde(rename = "apiVersion")]
    pub api_version: Sp<String>,
    /// `Defaults`.
    pub kind: Sp<String>,
    /// Rule evaluation interval (the `interval` of every rule group; default `1m`).
    #[serde(default)]
    pub evaluation_interval: Option<Sp<String>>,
    /// Range of the only raw read, `rate(x[base_window])` (default `1m`; use at least two
    /// scrape intervals).
    #[serde(default)]
    pub base_window: Option<Sp<String>>,
    /// Scrape interval of the SLI series (default `15s`, at most half the base window). Raw
    /// rates are read over `base_window` plus one scrape interval and windows are summed
    /// half-open, which makes every window exactly Σerrors/Σtotal when rules run every
    /// `base_window`.
    #[serde(default)]
    pub scrape_interval: Option<Sp<String>>,
    /// Default SLO window (default `30d`).
    #[serde(default)]
    pub window: Option<Sp<String>>,
    /// Names of the severities on alerts (default `page`, `ticket` and `notify`).
    #[serde(default)]
    pub severities: Option<SeveritiesSpec>,
    /// The multi-window multi-burn-rate policy, given for a 30d window and scaled to others.
    /// Default: the SRE Workbook's four tiers.
    #[serde(default)]
    pub alert_tiers: Option<Vec<AlertTierSpec>>,
    /// Budget-policy stages for `budget_alerts` (default: 75 %, 50 %, 25 %, 10 % and
    /// exhausted, each a `notify`).
    #[serde(default)]
    pub budget_policy: Option<Vec<BudgetStageSpec>>,
    /// Alerting defaults for every SLO.
    #[serde(default)]
    pub alerting: Option<AlertingSpec>,
    /// Service tiers by name.
    #[serde(default)]
    pub tiers: BTreeMap<Sp<String>, ServiceTierSpec>,
    /// The runbooks generated beside the rules (`runbooks/<service>/<slo>.md`).
    #[serde(default)]
    pub runbooks: Option<RunbooksSpec>,
    /// The Grafana the generated dashboards are loaded into.
    #[serde(default)]
    pub dashboards: Option<DashboardsSpec>,
    /// The engines the rules must run on: any of `prometheus-2`, `prometheus-3`,
    /// `victoriametrics`, `mimir`, `cortex`, `thanos` (default: all of them). An SLI that some
    /// listed engine cannot evaluate is refused (`histogram: native` needs a list without
    /// `prometheus-2` and `victoriametrics`).
    #[serde(default)]
    pub engines: Option<Sp<Vec<Sp<String>>>>,
}

/// The generated runbooks: one markdown file per SLO covering each of its alerts.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunbooksSpec {
    /// Generate them (default true).
    #[serde(default)]
    pub enabled: Option<Sp<bool>>,
    /// Where the generated runbooks are published (the output directory's `runbooks/` in a
    /// repository browser, say). An alert without a `runbook_url` annotation then links to
    /// `<base_url>/<service>/<slo>.md`. Unset: `runbook_url` is only what the specs say.
    #[serde(default)]
    pub base_url: Option<Sp<String>>,
    /// Templates replacing the default text of sections, by section name (`overview`,
    /// `alerts`, `first_five_minutes`, `investigation`, `likely_causes`, `mitigation`,
    /// `communication`, `resolution`, `escalation`). Same `[[ … ]]` / `[% … %]` delimiters as
    /// annotations; `[[ default ]]` is the section's default text.
    #[serde(default)]
    pub sections: BTreeMap<Sp<String>, Sp<String>>,
}

/// Where the generated Grafana dashboards live (`Defaults.dashboards`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DashboardsSpec {
    /// Grafana's address (`https://grafana.example.com`). When set, every alert without a
    /// `dashboard_url` annotation of its own gets one: its service's generated dashboard with
    /// its SLO selected, `<base_url>[[ dashboard_path ]]?var-slo=[[ slo ]]`.
    #[serde(default)]
    pub base_url: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeveritiesSpec {
    pub page: Sp<String>,
    pub ticket: Sp<String>,
    /// The severity of notifications: budget stages, states that last days (default `notify`).
    #[serde(default)]
    pub notify: Option<Sp<String>>,
}

/// One window pair of the policy.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertTierSpec {
    /// Stable name, the `tier` label of the alert.
    pub name: Sp<String>,
    /// `page` or `ticket`.
    pub severity: Sp<SeverityKind>,
    /// Long window for a 30d SLO.
    pub long_window: Sp<String>,
    /// Short window for a 30d SLO (the Workbook uses long/12).
    pub short_window: Sp<String>,
    /// Burn-rate factor.
    pub burn_rate: Sp<f64>,
    #[serde(default, rename = "for")]
    pub for_: Option<Sp<String>>,
    #[serde(default)]
    pub keep_firing_for: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetStageSpec {
    /// Stage name, the `budget_stage` label (`25`, `10`, `exhausted`).
    pub name: Sp<String>,
    /// Fires while the remaining budget (percent) is below this and at or above the next stage.
    pub remaining_below: Sp<f64>,
    pub severity: Sp<SeverityKind>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceTierSpec {
    #[serde(default)]
    pub description: Option<Sp<String>>,
    /// Default objective (percent) of SLOs of services in this tier.
    #[serde(default)]
    pub objective: Option<Sp<f64>>,
    /// Default window.
    #[serde(default)]
    pub window: Option<Sp<String>>,
    /// Default threshold of latency SLIs (`200ms`).
    #[serde(default)]
    pub latency_threshold: Option<Sp<NumOrString>>,
    /// Alerting defaults for services of this tier.
    #[serde(default)]
    pub alerting: Option<AlertingSpec>,
}
