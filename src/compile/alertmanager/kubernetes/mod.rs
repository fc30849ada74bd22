//! The Prometheus Operator's `AlertmanagerConfig` (`monitoring.coreos.com/v1alpha1`), one per
//! team in the team's namespace: its route, inhibition rules and time intervals here, its
//! receivers in `receivers`.

mod receivers;

use std::collections::BTreeMap;

use serde::Serialize;

use super::config::Route as AmRoute;
use super::inhibit::Inhibition;
use super::receivers::{Texts, receiver as am_receiver};
use super::tree::{has_continue, stage_routes, team_routes, timing_full};
use crate::model::routing::{Gap, Routing, TeamRouting};
use crate::names::{self, label};
use crate::syntax::matchers::{Matcher as AmMatcher, Op};
use receivers::{Receiver, receiver};

#[derive(Serialize)]
struct Resource {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    spec: Spec,
}

#[derive(Serialize)]
struct Metadata {
    name: String,
    namespace: String,
    labels: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    route: Route,
    receivers: Vec<Receiver>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inhibit_rules: Vec<InhibitRule>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mute_time_intervals: Vec<MuteTimeInterval>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Route {
    receiver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    matchers: Vec<Matcher>,
    #[serde(rename = "continue", skip_serializing_if = "super::config::is_false")]
    continue_: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_by: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_wait: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repeat_interval: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mute_time_intervals: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    active_time_intervals: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<Route>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Matcher {
    name: String,
    value: String,
    match_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InhibitRule {
    source_match: Vec<Matcher>,
    target_match: Vec<Matcher>,
    equal: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MuteTimeInterval {
    name: String,
    time_intervals: Vec<Period>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Period {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    times: Vec<TimeRange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    weekdays: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    days_of_month: Vec<DayRange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    months: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    years: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TimeRange {
    start_time: String,
    end_time: String,
}

#[derive(Serialize)]
struct DayRange {
    start: i32,
    end: i32,
}

/// What the Prometheus Operator's `AlertmanagerConfig` cannot express.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KubernetesError {
    #[error(
        "secret file `{0}` does not name a Kubernetes Secret: use the operator's mount path /etc/alertmanager/secrets/<secret-name>/<key>"
    )]
    SecretPath(String),
    #[error(
        "time interval `{name}` is in {location}, but AlertmanagerConfig (v1alpha1) has no time zone field: write it in UTC (`location: UTC`, or an exclusion's `timezone: UTC`) or use the yaml format"
    )]
    TimeZone { name: String, location: String },
    /// Parts of the routing spec's receivers, each at its place in the spec.
    #[error("{}", .0.iter().map(|g| format!("{}: {}", g.path, g.message)).collect::<Vec<_>>().join("; "))]
    Unsupported(Vec<Gap>),
}

fn matcher(p: &AmMatcher) -> Matcher {
    let match_type = match p.op {
        Op::Eq => "=",
        Op::NotEq => "!=",
        Op::Re => "=~",
        Op::NotRe => "!~",
    };
    Matcher {
        name: p.name.clone(),
        value: p.value.clone(),
        match_type,
    }
}

fn matchers(list: &[AmMatcher]) -> Vec<Matcher> {
    list.iter().map(matcher).collect()
}

fn route(r: &AmRoute) -> Route {
    Route {
        receiver: r.receiver.clone(),
        matchers: matchers(&r.matchers),
        continue_: r.continue_,
        group_by: r.group_by.clone(),
        group_wait: r.group_wait.clone(),
        group_interval: r.group_interval.clone(),
        repeat_interval: r.repeat_interval.clone(),
        mute_time_intervals: r.mute_time_intervals.clone(),
        active_time_intervals: r.active_time_intervals.clone(),
        routes: r.routes.iter().map(route).collect(),
    }
}

/// The named time intervals `names` (sorted) in the resource's form. AlertmanagerConfig
/// (v1alpha1) has no time zone: an interval outside UTC cannot be written.
fn mute_time_intervals(
    routing: &Routing,
    names: &[String],
) -> Result<Vec<MuteTimeInterval>, KubernetesError> {
    let mut mute = Vec::new();
    for name in names {
        let Some(t) = routing.time_intervals.get(name) else {
            continue;
        };
        if t.location != "UTC" {
            return Err(KubernetesError::TimeZone {
                name: t.name.clone(),
                location: t.location.clone(),
            });
        }
        let periods = t
            .periods
            .iter()
            .map(|p| Period {
                times: p
                    .times
                    .iter()
                    .map(|(s, e)| TimeRange {
                        start_time: s.clone(),
                        end_time: e.clone(),
                    })
                    .collect(),
                weekdays: p.weekdays.clone(),
                days_of_month: p
                    .days_of_month
                    .iter()
                    .map(|d| {
                        let (s, e) = d.split_once(':').unwrap_or((d, d));
                        DayRange {
                            start: s.parse().unwrap_or(1),
                            end: e.parse().unwrap_or(1),
                        }
                    })
                    .collect(),
                months: p.months.clone(),
                years: p.years.clone(),
            })
            .collect();
        mute.push(MuteTimeInterval {
            name: names::alertmanager_name(name),
            time_intervals: periods,
        });
    }
    Ok(mute)
}

fn team_resource(
    routing: &Routing,
    team: &TeamRouting,
    inhibit: &[Inhibition],
    labels: &BTreeMap<String, String>,
) -> Result<String, KubernetesError> {
    let default = names::alertmanager_name(&routing.default_receiver);
    let mut top = AmRoute {
        receiver: default.clone(),
        matchers: vec![AmMatcher::equal(label::TEAM, &team.name)],
        ..AmRoute::default()
    };
    timing_full(&mut top, &routing.defaults);
    let mut used: Vec<String> = vec![routing.default_receiver.clone()];
    for a in &routing.audit_receivers {
        top.routes.push(AmRoute {
            receiver: routing.am_name(a),
            continue_: true,
            ..AmRoute::default()
        });
        used.push(a.clone());
    }
    let mut intervals: Vec<String> = Vec::new();
    // The stage receivers of this team's budget-stage alerts (each team's resource only
    // sees its own alerts).
    top.routes.extend(stage_routes(routing, Some(&team.name)));
    for s in &routing.stage_routes {
        for rec in &s.receivers {
            if !used.contains(rec) {
                used.push(rec.clone());
            }
        }
        for m in s.mute_time_intervals.iter().chain(&s.active_time_intervals) {
            if !intervals.contains(m) {
                intervals.push(m.clone());
            }
        }
    }
    top.routes.extend(team_routes(routing, team));
    for m in routing.slo_mutes.iter().filter(|m| m.team == team.name) {
        for i in &m.intervals {
            if !intervals.contains(i) {
                intervals.push(i.clone());
            }
        }
    }
    for r in &team.routes {
        for rec in &r.receivers {
            if !used.contains(rec) {
                used.push(rec.clone());
            }
        }
        for m in r.mute_time_intervals.iter().chain(&r.active_time_intervals) {
            if !intervals.contains(m) {
                intervals.push(m.clone());
            }
        }
    }
    if has_continue(&top.routes) {
        top.routes.push(AmRoute {
            receiver: default,
            ..AmRoute::default()
        });
    }
    used.sort();
    let gaps: Vec<Gap> = used
        .iter()
        .filter_map(|n| routing.receivers.get(n))
        .flat_map(|r| r.kubernetes_gaps.iter().cloned())
        .collect();
    if !gaps.is_empty() {
        return Err(KubernetesError::Unsupported(gaps));
    }
    let texts = if routing.templates {
        Texts::Inline
    } else {
        Texts::None
    };
    let receivers = used
        .iter()
        .filter_map(|n| routing.receivers.get(n))
        .map(|r| receiver(&am_receiver(r, texts)))
        .collect::<Result<Vec<_>, _>>()?;
    intervals.sort();
    let mute = mute_time_intervals(routing, &intervals)?;
    let inhibit_rules = inhibit
        .iter()
        .filter(|i| i.teams.contains(&team.name))
        .map(|i| InhibitRule {
            source_match: matchers(&i.rule.source_matchers),
            target_match: matchers(&i.rule.target_matchers),
            equal: i.rule.equal.clone(),
        })
        .collect();
    let mut labels = labels.clone();
    labels.insert("app.kubernetes.io/managed-by".into(), "sloforge".into());
    labels.insert("sloforge.dev/team".into(), team.name.clone());
    let res = Resource {
        api_version: "monitoring.coreos.com/v1alpha1",
        kind: "AlertmanagerConfig",
        metadata: Metadata {
            name: names::alertmanager_config_resource(&team.name),
            namespace: team.namespace.clone(),
            labels,
        },
        spec: Spec {
            route: route(&top),
            receivers,
            inhibit_rules,
            mute_time_intervals: mute,
        },
    };
    Ok(format!(
        "# Generated by sloforge from the AlertRouting spec (team {}). Do not edit: change the spec and run `sloforge generate`.\n{}",
        team.name,
        crate::syntax::yaml::to_yaml(&res)
    ))
}

pub(super) fn resources(
    routing: &Routing,
    inhibit: &[Inhibition],
    labels: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, KubernetesError> {
    let mut out = BTreeMap::new();
    // What no resource can express, over every team (a receiver's gap once).
    let mut gaps: Vec<Gap> = Vec::new();
    for team in routing.teams.values().filter(|t| !t.routes.is_empty()) {
        match team_resource(routing, team, inhibit, labels) {
            Ok(text) => {
                out.insert(names::alertmanager_config_file(&team.name), text);
            }
            Err(KubernetesError::Unsupported(g)) => {
                for g in g {
                    if !gaps.contains(&g) {
                        gaps.push(g);
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    if gaps.is_empty() {
        Ok(out)
    } else {
        gaps.sort_by_key(|g| g.loc);
        Err(KubernetesError::Unsupported(gaps))
    }
}
