//! The Alertmanager routing spec, `kind: AlertRouting` (at most one document), as read from YAML
//! (raw, located, not yet validated). It names the receivers, says which receivers each team's
//! alerts reach per severity, and holds the timing defaults and named time intervals. The
//! receivers are in `receivers`, the keys that would hold a secret inline in `secrets`.

mod receivers;
mod secrets;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::spanned::Sp;
pub use receivers::*;
pub use secrets::*;

pub const KIND: &str = "AlertRouting";

/// Alertmanager routing for every SLO alert of the fleet (`kind: AlertRouting`, at most one
/// document). sloforge generates `alertmanager.yml` from it: a route per team and severity,
/// inhibition rules, receivers and time intervals.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingSpec {
    /// Always `sloforge.dev/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: Sp<String>,
    /// `AlertRouting`.
    pub kind: Sp<String>,
    /// Receiver of every alert no team route takes (a key of `receivers`). sloforge proves that
    /// no generated alert ends up there.
    pub default_receiver: Sp<String>,
    /// Receivers that get a copy of every SLO alert besides the team's (an audit log, say); they
    /// are routed first with `continue: true`.
    #[serde(default)]
    pub audit_receivers: Vec<Sp<String>>,
    /// Grouping and timing of every route, unless a severity or a team overrides them.
    #[serde(default)]
    pub defaults: Option<TimingSpec>,
    /// Grouping and timing per severity (the alerts' `severity` label value), over `defaults`.
    #[serde(default)]
    pub severities: BTreeMap<Sp<String>, TimingSpec>,
    /// Severities from most to least severe. Each one inhibits the less severe ones of the same
    /// SLO. Default: the page severity, then the ticket severity.
    #[serde(default)]
    pub severity_order: Option<Sp<Vec<Sp<String>>>>,
    /// Write a notification template file (title and text with summary, description and
    /// runbook) and use it in every Slack, email, PagerDuty and Opsgenie receiver (default
    /// false).
    #[serde(default)]
    pub templates: Option<Sp<bool>>,
    /// The Alertmanager release that loads the generated `alertmanager.yml`: `"0.25"`,
    /// `"0.28"` or `"0.33"` (a release in between reads as the one before it: `"0.30"` as
    /// 0.28). A receiver setting that release cannot load is an error; without this field, one
    /// that Alertmanager 0.25 cannot load is a warning.
    #[serde(default)]
    pub alertmanager_version: Option<Sp<String>>,
    /// Receivers by name. Secrets are given only as paths of files holding them. A receiver of
    /// the Alertmanager configuration `splice` writes into is named here with `existing: true`.
    pub receivers: BTreeMap<Sp<String>, ReceiverSpec>,
    /// Named time intervals, for `mute_time_intervals` and `active_time_intervals`.
    #[serde(default)]
    pub time_intervals: BTreeMap<Sp<String>, TimeIntervalSpec>,
    /// Routing of each team's alerts (team names as in the services' `team`).
    pub teams: BTreeMap<Sp<String>, TeamSpec>,
    /// Receivers that get the budget-stage alerts of one stage (by `budget_stage`: `25`,
    /// `10`, `exhausted`, …) of every team besides the team's own receivers, such as a
    /// leadership chat below 25 % and the SRE lead's pager below 10 %. Routed after the audit
    /// receivers, with `continue: true`.
    #[serde(default)]
    pub budget_stages: BTreeMap<Sp<String>, SeverityRouteSpec>,
    /// The Prometheus Operator's Alertmanager that reads the `AlertmanagerConfig`s of
    /// `generate --format kubernetes`: how it matches their alerts.
    #[serde(default)]
    pub kubernetes: Option<KubernetesSpec>,
}

/// The Prometheus Operator's `Alertmanager` resource, as far as the routing of the generated
/// `AlertmanagerConfig`s depends on it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubernetesSpec {
    /// Its `spec.alertmanagerConfigMatcherStrategy.type`: `OnNamespace` (the operator's default:
    /// an `AlertmanagerConfig` only sees alerts whose `namespace` label is its namespace),
    /// `OnNamespaceExceptForAlertmanagerNamespace` (the same, but for `AlertmanagerConfig`s in
    /// the Alertmanager's own namespace, which see every alert) or `None` (no namespace
    /// matcher).
    #[serde(default)]
    pub matcher_strategy: Option<Sp<String>>,
    /// The namespace the `Alertmanager` resource is in (needed by
    /// `OnNamespaceExceptForAlertmanagerNamespace`).
    #[serde(default)]
    pub alertmanager_namespace: Option<Sp<String>>,
}

/// Grouping and timing of a route. Each field is optional and overrides the level before it
/// (defaults → severity → team → team severity).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimingSpec {
    /// Labels alerts are grouped by into one notification (default: alertname, team, service,
    /// slo, severity).
    #[serde(default)]
    pub group_by: Option<Sp<Vec<Sp<String>>>>,
    /// How long to wait before the first notification of a new group (default `30s`).
    #[serde(default)]
    pub group_wait: Option<Sp<String>>,
    /// How long to wait before notifying about new alerts of a group (default `5m`).
    #[serde(default)]
    pub group_interval: Option<Sp<String>>,
    /// How long to wait before repeating a notification (default `4h`).
    #[serde(default)]
    pub repeat_interval: Option<Sp<String>>,
}

/// A named time interval: the times at which it is active, in one time zone.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeIntervalSpec {
    /// IANA time zone of every period (`Europe/Berlin`); default `UTC`. It is written into each
    /// period, as Alertmanager needs.
    #[serde(default)]
    pub location: Option<Sp<String>>,
    /// The interval is active while any of these periods is.
    pub periods: Vec<PeriodSpec>,
}

/// One period: every given field must match (an absent field matches always).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodSpec {
    /// Time-of-day ranges, `HH:MM` (end exclusive, `24:00` allowed). A range that crosses
    /// midnight (`22:00`–`06:00`) is split in two.
    #[serde(default)]
    pub times: Vec<TimeRangeSpec>,
    /// Days of the week or ranges (`monday:friday`).
    #[serde(default)]
    pub weekdays: Vec<Sp<String>>,
    /// Days of the month or ranges (`1:7`, `-1`), negative counting from the month's end.
    #[serde(default)]
    pub days_of_month: Vec<Sp<String>>,
    /// Months by name or number, or ranges (`january:march`).
    #[serde(default)]
    pub months: Vec<Sp<String>>,
    /// Years or ranges (`2026:2027`).
    #[serde(default)]
    pub years: Vec<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeRangeSpec {
    /// Start, `HH:MM` (quote it: `"09:00"`).
    pub start_time: Sp<String>,
    /// End, `HH:MM`, exclusive; `24:00` is the end of the day.
    pub end_time: Sp<String>,
}

/// The routing of one team's alerts.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamSpec {
    /// Kubernetes namespace of the team's `AlertmanagerConfig` (default: the team name).
    #[serde(default)]
    pub namespace: Option<Sp<String>>,
    /// Receivers per severity (the alerts' `severity` label value), in notification order.
    pub routes: BTreeMap<Sp<String>, SeverityRouteSpec>,
    /// Labels alerts are grouped by into one notification.
    #[serde(default)]
    pub group_by: Option<Sp<Vec<Sp<String>>>>,
    /// How long to wait before the first notification of a new group.
    #[serde(default)]
    pub group_wait: Option<Sp<String>>,
    /// How long to wait before notifying about new alerts of a group.
    #[serde(default)]
    pub group_interval: Option<Sp<String>>,
    /// How long to wait before repeating a notification.
    #[serde(default)]
    pub repeat_interval: Option<Sp<String>>,
    /// Time intervals during which the team's notifications are muted (maintenance windows).
    #[serde(default)]
    pub mute_time_intervals: Vec<Sp<String>>,
    /// Time intervals outside of which the team's notifications are muted.
    #[serde(default)]
    pub active_time_intervals: Vec<Sp<String>>,
}

/// Where a team's alerts of one severity go.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityRouteSpec {
    /// Receiver names (keys of `receivers`); every one of them is notified.
    pub receivers: Sp<Vec<Sp<String>>>,
    /// Labels alerts are grouped by into one notification.
    #[serde(default)]
    pub group_by: Option<Sp<Vec<Sp<String>>>>,
    /// How long to wait before the first notification of a new group.
    #[serde(default)]
    pub group_wait: Option<Sp<String>>,
    /// How long to wait before notifying about new alerts of a group.
    #[serde(default)]
    pub group_interval: Option<Sp<String>>,
    /// How long to wait before repeating a notification.
    #[serde(default)]
    pub repeat_interval: Option<Sp<String>>,
    /// Time intervals during which these notifications are muted, besides the team's.
    #[serde(default)]
    pub mute_time_intervals: Vec<Sp<String>>,
    /// Time intervals outside of which these notifications are muted, besides the team's.
    #[serde(default)]
    pub active_time_intervals: Vec<Sp<String>>,
}

impl TeamSpec {
    /// The team's own grouping and timing overrides.
    pub fn timing(&self) -> TimingSpec {
        TimingSpec {
            group_by: self.group_by.clone(),
            group_wait: self.group_wait.clone(),
            group_interval: self.group_interval.clone(),
            repeat_interval: self.repeat_interval.clone(),
        }
    }
}

impl SeverityRouteSpec {
    /// The grouping and timing overrides of this team and severity.
    pub fn timing(&self) -> TimingSpec {
        TimingSpec {
            group_by: self.group_by.clone(),
            group_wait: self.group_wait.clone(),
            group_interval: self.group_interval.clone(),
            repeat_interval: self.repeat_interval.clone(),
        }
    }
}
