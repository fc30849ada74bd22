//! The Prometheus Operator's `AlertmanagerConfig` (`monitoring.coreos.com/v1alpha1`), one per
//! team in the team's namespace.

use std::collections::BTreeMap;

use serde::Serialize;

use super::config::{AmReceiver, Route as AmRoute};
use super::inhibit::Inhibition;
use super::receivers::{Texts, receiver as am_receiver};
use super::tree::{has_continue, stage_routes, team_leaves, timing_full};
use crate::model::routing::{Routing, TeamRouting};
use crate::names::{self, label};
use crate::syntax::matchers::{Matcher as AmMatcher, Op};

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

#[derive(Serialize, Clone)]
struct SecretKeySelector {
    name: String,
    key: String,
}

#[derive(Serialize, Clone)]
struct KeyValue {
    key: String,
    value: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Receiver {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pagerduty_configs: Vec<PagerDuty>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    slack_configs: Vec<Slack>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    email_configs: Vec<Email>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    webhook_configs: Vec<Webhook>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    opsgenie_configs: Vec<Opsgenie>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PagerDuty {
    send_resolved: bool,
    routing_key: SecretKeySelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<KeyValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Slack {
    send_resolved: bool,
    #[serde(rename = "apiURL")]
    api_url: SecretKeySelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Email {
    send_resolved: bool,
    to: String,
    from: String,
    smarthost: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_password: Option<SecretKeySelector>,
    #[serde(rename = "requireTLS")]
    require_tls: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    headers: Vec<KeyValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Webhook {
    send_resolved: bool,
    url: String,
    #[serde(skip_serializing_if = "super::config::is_zero")]
    max_alerts: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_config: Option<HttpConfig>,
}

#[derive(Serialize)]
struct HttpConfig {
    authorization: Authorization,
}

#[derive(Serialize)]
struct Authorization {
    #[serde(rename = "type")]
    type_: String,
    credentials: SecretKeySelector,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Opsgenie {
    send_resolved: bool,
    api_key: SecretKeySelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
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

/// A Secret and key from a mounted secret path: the operator mounts the `secrets` of the
/// Alertmanager resource at `/etc/alertmanager/secrets/<secret>/<key>`, so the last two
/// components of the path name them.
/// What the Prometheus Operator's `AlertmanagerConfig` cannot express.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KubernetesError {
    #[error(
        "secret file `{0}` does not name a Kubernetes Secret: use the operator's mount path /etc/alertmanager/secrets/<secret-name>/<key>"
    )]
    SecretPath(String),
    #[error(
        "time interval `{name}` is in {location}, but AlertmanagerConfig (v1alpha1) has no time zone field: use `location: UTC` or the yaml format"
    )]
    TimeZone { name: String, location: String },
}

fn secret(path: &str) -> Result<SecretKeySelector, KubernetesError> {
    let mut parts = path.rsplit('/');
    let key = parts.next().unwrap_or_default();
    let name = parts.next().unwrap_or_default();
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let key_ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
    if name_ok && key_ok {
        Ok(SecretKeySelector {
            name: name.to_string(),
            key: key.to_string(),
        })
    } else {
        Err(KubernetesError::SecretPath(path.to_string()))
    }
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

fn receiver(r: &AmReceiver) -> Result<Receiver, KubernetesError> {
    let kv = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| KeyValue {
                key: k.clone(),
                value: v.clone(),
            })
            .collect::<Vec<_>>()
    };
    let mut out = Receiver {
        name: r.name.clone(),
        ..Receiver::default()
    };
    for p in &r.pagerduty_configs {
        out.pagerduty_configs.push(PagerDuty {
            send_resolved: p.send_resolved,
            routing_key: secret(&p.routing_key_file)?,
            severity: p.severity.clone(),
            description: p.description.clone(),
            details: kv(&p.details),
        });
    }
    for s in &r.slack_configs {
        out.slack_configs.push(Slack {
            send_resolved: s.send_resolved,
            api_url: secret(&s.api_url_file)?,
            channel: s.channel.clone(),
            title: s.title.clone(),
            text: s.text.clone(),
        });
    }
    for e in &r.email_configs {
        out.email_configs.push(Email {
            send_resolved: e.send_resolved,
            to: e.to.clone(),
            from: e.from.clone(),
            smarthost: e.smarthost.clone(),
            auth_username: e.auth_username.clone(),
            auth_password: e.auth_password_file.as_deref().map(secret).transpose()?,
            require_tls: e.require_tls,
            headers: kv(&e.headers),
            html: e.html.clone(),
            text: e.text.clone(),
        });
    }
    for w in &r.webhook_configs {
        let http_config = match &w.http_config {
            Some(h) => Some(HttpConfig {
                authorization: Authorization {
                    type_: h.authorization.type_.clone(),
                    credentials: secret(&h.authorization.credentials_file)?,
                },
            }),
            None => None,
        };
        out.webhook_configs.push(Webhook {
            send_resolved: w.send_resolved,
            url: w.url.clone(),
            max_alerts: w.max_alerts,
            http_config,
        });
    }
    for o in &r.opsgenie_configs {
        out.opsgenie_configs.push(Opsgenie {
            send_resolved: o.send_resolved,
            api_key: secret(&o.api_key_file)?,
            priority: o.priority.clone(),
            message: o.message.clone(),
            description: o.description.clone(),
        });
    }
    Ok(out)
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
            receiver: names::alertmanager_name(a),
            continue_: true,
            ..AmRoute::default()
        });
        used.push(a.clone());
    }
    let mut intervals: Vec<String> = Vec::new();
    // The stage receivers of this team's budget-stage alerts (each team's resource only
    // sees its own alerts).
    top.routes.extend(stage_routes(routing));
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
    top.routes.extend(team_leaves(routing, team));
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
    let mut mute = Vec::new();
    for name in &intervals {
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
    for team in routing.teams.values().filter(|t| !t.routes.is_empty()) {
        out.insert(
            names::alertmanager_config_file(&team.name),
            team_resource(routing, team, inhibit, labels)?,
        );
    }
    Ok(out)
}
