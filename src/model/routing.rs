//! The validated Alertmanager routing of a fleet (from its `AlertRouting` document). Names are
//! the spec's own; compile adds the `sloforge-` prefix when it writes them into
//! `alertmanager.yml` (not to a receiver of the user's own configuration, which keeps its
//! name).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::Duration;
use super::alertmanager::{AmVersion, Requirement};
pub use super::receiver::*;
use crate::diag::Loc;
use crate::names;

#[derive(Debug, Clone)]
pub struct Routing {
    /// The spec file and the position of its `kind`, for diagnostics about the routing as a whole.
    pub file: PathBuf,
    pub loc: Loc,
    /// Receiver of anything no team route takes.
    pub default_receiver: String,
    /// Receivers that get a copy of every SLO alert, in order.
    pub audit_receivers: Vec<String>,
    /// Grouping and timing of the root route.
    pub defaults: Timing,
    /// Severities, most severe first (every severity a generated alert carries is listed).
    pub severity_order: Vec<String>,
    /// Write the notification template file and use it in the receivers.
    pub templates: bool,
    pub receivers: BTreeMap<String, Receiver>,
    pub time_intervals: BTreeMap<String, TimeInterval>,
    /// Teams that own services, by name.
    pub teams: BTreeMap<String, TeamRouting>,
    /// Receivers of one budget stage of every team, besides the team's, in stage order.
    pub stage_routes: Vec<StageRoute>,
    /// The Prometheus Operator's Alertmanager that reads the `AlertmanagerConfig`s.
    pub operator: Operator,
    /// The Alertmanager release the spec says loads `alertmanager.yml`, when it says one.
    pub alertmanager_version: Option<AmVersion>,
    /// SLOs whose alerts are muted while their exclusions hold (by service, then SLO).
    pub slo_mutes: Vec<SloMute>,
}

/// An SLO with exclusions that mute its alerts (`mute_alerts: true`): its team's routes (and
/// the budget-stage routes) get a copy for its alerts with the exclusions' time intervals in
/// `mute_time_intervals`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SloMute {
    pub team: String,
    pub service: String,
    pub slo: String,
    /// The exclusions' time intervals, by their names in [`Routing::time_intervals`].
    pub intervals: Vec<String>,
    /// The severities and budget stages its alerts carry: only the routes these reach are
    /// copied.
    pub severities: BTreeSet<String>,
    pub stages: BTreeSet<String>,
}

impl Routing {
    /// The name of a receiver (by its spec name) as `alertmanager.yml` names it:
    /// `sloforge-<name>`, or an existing receiver's own name.
    pub fn am_name(&self, spec_name: &str) -> String {
        match self.receivers.get(spec_name) {
            Some(r) if r.existing => r.name.clone(),
            _ => names::alertmanager_name(spec_name),
        }
    }

    /// The receivers of the user's own configuration the routes name (`existing: true`).
    pub fn existing_receivers(&self) -> impl Iterator<Item = &Receiver> {
        self.receivers.values().filter(|r| r.existing)
    }

    /// What of the receivers a later Alertmanager release than 0.25 is needed for.
    pub fn requirements(&self) -> impl Iterator<Item = &Requirement> {
        self.receivers.values().flat_map(|r| &r.requirements)
    }
}

/// How the Prometheus Operator's Alertmanager matches the alerts of an `AlertmanagerConfig`:
/// its `spec.alertmanagerConfigMatcherStrategy.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatcherStrategy {
    /// The operator's default: the route and the inhibition rules of an `AlertmanagerConfig`
    /// get a `namespace="<its namespace>"` matcher.
    #[default]
    OnNamespace,
    /// As `OnNamespace`, except for the `AlertmanagerConfig`s in the Alertmanager's namespace.
    OnNamespaceExceptForAlertmanagerNamespace,
    /// No namespace matcher.
    None,
}

impl MatcherStrategy {
    pub const ALL: [MatcherStrategy; 3] = [
        MatcherStrategy::OnNamespace,
        MatcherStrategy::OnNamespaceExceptForAlertmanagerNamespace,
        MatcherStrategy::None,
    ];

    /// The value as the operator spells it.
    pub fn name(self) -> &'static str {
        match self {
            MatcherStrategy::OnNamespace => "OnNamespace",
            MatcherStrategy::OnNamespaceExceptForAlertmanagerNamespace => {
                "OnNamespaceExceptForAlertmanagerNamespace"
            }
            MatcherStrategy::None => "None",
        }
    }

    pub fn parse(s: &str) -> Option<MatcherStrategy> {
        MatcherStrategy::ALL.into_iter().find(|m| m.name() == s)
    }
}

/// The Prometheus Operator's `Alertmanager` resource, as far as the routing of the
/// `AlertmanagerConfig`s depends on it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Operator {
    pub matcher_strategy: MatcherStrategy,
    /// The namespace of the `Alertmanager` resource, when known.
    pub alertmanager_namespace: Option<String>,
}

impl Operator {
    /// Whether the operator adds a `namespace="<ns>"` matcher to the route and inhibition
    /// rules of an `AlertmanagerConfig` in namespace `ns`.
    pub fn enforces_namespace(&self, ns: &str) -> bool {
        match self.matcher_strategy {
            MatcherStrategy::OnNamespace => true,
            MatcherStrategy::OnNamespaceExceptForAlertmanagerNamespace => {
                self.alertmanager_namespace.as_deref() != Some(ns)
            }
            MatcherStrategy::None => false,
        }
    }
}

/// Where the budget-stage alerts of one stage go, besides their team's receivers.
#[derive(Debug, Clone)]
pub struct StageRoute {
    /// The `budget_stage` label value.
    pub stage: String,
    pub receivers: Vec<String>,
    /// Fully resolved: defaults, the notify severity's timing, then the stage's own.
    pub timing: Timing,
    pub mute_time_intervals: Vec<String>,
    pub active_time_intervals: Vec<String>,
}

/// Grouping and timing of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub group_by: Vec<String>,
    pub group_wait: Duration,
    pub group_interval: Duration,
    pub repeat_interval: Duration,
}

#[derive(Debug, Clone, Default)]
pub struct TimingOverride {
    pub group_by: Option<Vec<String>>,
    pub group_wait: Option<Duration>,
    pub group_interval: Option<Duration>,
    pub repeat_interval: Option<Duration>,
}

impl Timing {
    /// This timing with every field `o` sets replaced.
    pub fn with(&self, o: &TimingOverride) -> Timing {
        Timing {
            group_by: o.group_by.clone().unwrap_or_else(|| self.group_by.clone()),
            group_wait: o.group_wait.unwrap_or(self.group_wait),
            group_interval: o.group_interval.unwrap_or(self.group_interval),
            repeat_interval: o.repeat_interval.unwrap_or(self.repeat_interval),
        }
    }
}

/// A named time interval in one zone. Its periods are already in the form Alertmanager reads
/// correctly: no range crosses midnight.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeInterval {
    pub name: String,
    pub location: String,
    pub periods: Vec<Period>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Period {
    /// `(start, end)` as `HH:MM`, start before end.
    pub times: Vec<(String, String)>,
    pub weekdays: Vec<String>,
    pub days_of_month: Vec<String>,
    pub months: Vec<String>,
    pub years: Vec<String>,
}

/// Routing of one team.
#[derive(Debug, Clone)]
pub struct TeamRouting {
    pub name: String,
    pub loc: Loc,
    pub namespace: String,
    /// One route per severity the team's alerts carry, in severity order.
    pub routes: Vec<SeverityRoute>,
}

impl TeamRouting {
    pub fn route(&self, severity: &str) -> Option<&SeverityRoute> {
        self.routes.iter().find(|r| r.severity == severity)
    }
}

/// Where a team's alerts of one severity go.
#[derive(Debug, Clone)]
pub struct SeverityRoute {
    pub severity: String,
    pub loc: Loc,
    pub receivers: Vec<String>,
    /// Fully resolved: defaults, then severity, team, and team severity overrides.
    pub timing: Timing,
    pub mute_time_intervals: Vec<String>,
    pub active_time_intervals: Vec<String>,
}
