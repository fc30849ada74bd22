//! Alertmanager configuration from the routing spec and the fleet's alerts: the routing tree
//! (root → team → severity, `continue` where one alert goes to several receivers, an explicit
//! catch-all), inhibition rules derived from the model, receivers, time intervals, the
//! notification template file, and the Prometheus Operator's `AlertmanagerConfig` per team.
//!
//! Written for Alertmanager 0.25: `matchers` only (never `match`/`match_re`), top-level
//! `time_intervals`, secrets only as `*_file` paths, `send_resolved` always explicit.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::Fleet;
use crate::model::routing::{Period, Receiver, Routing, Timing};
use crate::names::{self, label};

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// `alertmanager.yml`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Config {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<String>,
    pub route: Route,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inhibit_rules: Vec<InhibitRule>,
    pub receivers: Vec<AmReceiver>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub time_intervals: Vec<NamedInterval>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Route {
    pub receiver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<String>,
    #[serde(rename = "continue", skip_serializing_if = "is_false")]
    pub continue_: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mute_time_intervals: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub active_time_intervals: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InhibitRule {
    pub source_matchers: Vec<String>,
    pub target_matchers: Vec<String>,
    pub equal: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AmReceiver {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pagerduty_configs: Vec<PagerDutyConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slack_configs: Vec<SlackConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email_configs: Vec<EmailConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub webhook_configs: Vec<WebhookConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub opsgenie_configs: Vec<OpsgenieConfig>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PagerDutyConfig {
    pub send_resolved: bool,
    pub routing_key_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SlackConfig {
    pub send_resolved: bool,
    pub api_url_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EmailConfig {
    pub send_resolved: bool,
    pub to: String,
    pub from: String,
    pub smarthost: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_password_file: Option<String>,
    pub require_tls: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WebhookConfig {
    pub send_resolved: bool,
    pub url: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub max_alerts: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpConfig>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HttpConfig {
    pub authorization: Authorization,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Authorization {
    #[serde(rename = "type")]
    pub type_: String,
    pub credentials_file: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpsgenieConfig {
    pub send_resolved: bool,
    pub api_key_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NamedInterval {
    pub name: String,
    pub time_intervals: Vec<AmPeriod>,
}

/// One period of a time interval. `location` is written into every period: Alertmanager applies
/// a zone only to the list item it is in.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AmPeriod {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<AmTimeRange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weekdays: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub days_of_month: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub years: Vec<String>,
    pub location: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AmTimeRange {
    pub start_time: String,
    pub end_time: String,
}

/// Everything compiled for Alertmanager.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The standalone configuration (`alertmanager.yml`).
    pub config: Config,
    /// The configuration as written, with its header.
    pub text: String,
    /// The sub-tree, inhibitions, receivers and intervals that splice mode inserts into a
    /// configuration of the user's.
    pub splice: SplicePart,
    /// The notification template file, when templates are on.
    pub template: Option<String>,
    routing: Routing,
    inhibit: Vec<Inhibition>,
}

impl Compiled {
    /// `AlertmanagerConfig` resources per team (file → content), or why they cannot be written.
    pub fn kubernetes(
        &self,
        opts: &crate::render::RenderOptions,
    ) -> Result<BTreeMap<String, String>, String> {
        kubernetes::resources(&self.routing, &self.inhibit, opts)
    }
}

/// The parts of the configuration splice mode owns.
#[derive(Debug, Clone)]
pub struct SplicePart {
    /// The single sloforge route placed first under the user's root route.
    pub route: Route,
    pub inhibit_rules: Vec<InhibitRule>,
    pub receivers: Vec<AmReceiver>,
    pub time_intervals: Vec<NamedInterval>,
}

/// Escapes a label value for a matcher in double quotes (backslash, quote, newline).
pub fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

pub fn eq(name: &str, value: &str) -> String {
    format!("{name}={}", quote(value))
}

/// A matcher requiring the label to be present (non-empty).
pub fn present(name: &str) -> String {
    format!("{name}=~{}", quote(".+"))
}

/// Escapes a literal for a Go (RE2) regular expression.
pub fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The labels that identify an SLO: equal on source and target of every inhibition.
pub fn identity() -> Vec<String> {
    vec![label::SERVICE.to_string(), label::SLO.to_string()]
}

/// Spec names as written into `alertmanager.yml` (`sloforge-<name>`).
fn am_names(list: &[String]) -> Vec<String> {
    list.iter().map(|m| names::alertmanager_name(m)).collect()
}

fn dur(d: crate::model::Duration) -> String {
    d.to_string()
}

/// Timing fields of a route that differ from what it inherits.
fn timing_diff(route: &mut Route, t: &Timing, parent: &Timing) {
    if t.group_by != parent.group_by {
        route.group_by = Some(t.group_by.clone());
    }
    if t.group_wait != parent.group_wait {
        route.group_wait = Some(dur(t.group_wait));
    }
    if t.group_interval != parent.group_interval {
        route.group_interval = Some(dur(t.group_interval));
    }
    if t.repeat_interval != parent.repeat_interval {
        route.repeat_interval = Some(dur(t.repeat_interval));
    }
}

fn timing_full(route: &mut Route, t: &Timing) {
    route.group_by = Some(t.group_by.clone());
    route.group_wait = Some(dur(t.group_wait));
    route.group_interval = Some(dur(t.group_interval));
    route.repeat_interval = Some(dur(t.repeat_interval));
}

/// The routes of the budget stages' own receivers: one per stage and receiver, each matching
/// the stage and continuing, so that the team's routes still take the alert.
fn stage_routes(routing: &Routing) -> Vec<Route> {
    let mut out = Vec::new();
    for s in &routing.stage_routes {
        for rec in &s.receivers {
            let mut r = Route {
                receiver: names::alertmanager_name(rec),
                matchers: vec![eq(label::BUDGET_STAGE, &s.stage)],
                continue_: true,
                mute_time_intervals: am_names(&s.mute_time_intervals),
                active_time_intervals: am_names(&s.active_time_intervals),
                ..Route::default()
            };
            timing_diff(&mut r, &s.timing, &routing.defaults);
            out.push(r);
        }
    }
    out
}

/// A team's routes: one per severity and receiver, `continue: true` on all but the last
/// receiver of a severity, with the timing and time intervals that differ from the root's.
fn team_leaves(routing: &Routing, team: &crate::model::routing::TeamRouting) -> Vec<Route> {
    let mut leaves = Vec::new();
    for r in &team.routes {
        for (i, rec) in r.receivers.iter().enumerate() {
            let mut leaf = Route {
                receiver: names::alertmanager_name(rec),
                matchers: vec![eq(label::SEVERITY, &r.severity)],
                continue_: i + 1 < r.receivers.len(),
                mute_time_intervals: am_names(&r.mute_time_intervals),
                active_time_intervals: am_names(&r.active_time_intervals),
                ..Route::default()
            };
            timing_diff(&mut leaf, &r.timing, &routing.defaults);
            leaves.push(leaf);
        }
    }
    leaves
}

/// The routes below the root: audit receivers first (`continue`), the budget stages' own
/// receivers (`continue`), one route per team with one child per severity and receiver, and a
/// catch-all last when any route continues.
fn children(routing: &Routing) -> Vec<Route> {
    let default = names::alertmanager_name(&routing.default_receiver);
    let mut out = Vec::new();
    for a in &routing.audit_receivers {
        out.push(Route {
            receiver: names::alertmanager_name(a),
            continue_: true,
            ..Route::default()
        });
    }
    out.extend(stage_routes(routing));
    for team in routing.teams.values() {
        if team.routes.is_empty() {
            continue;
        }
        out.push(Route {
            receiver: default.clone(),
            matchers: vec![eq(label::TEAM, &team.name)],
            routes: team_leaves(routing, team),
            ..Route::default()
        });
    }
    if has_continue(&out) {
        out.push(Route {
            receiver: default,
            ..Route::default()
        });
    }
    out
}

fn has_continue(routes: &[Route]) -> bool {
    routes
        .iter()
        .any(|r| r.continue_ || has_continue(&r.routes))
}

/// The alerts of one SLO, by team: (severity, the label naming the alert within the SLO, its
/// value), e.g. (`page`, `alert_tier`, `page-fast`), (`page`, `budget_stage`, `exhausted`) or
/// (`ticket`, `no_data`, `events`).
type SloAlerts = BTreeSet<(String, &'static str, String)>;

/// The alerts of every SLO that take part in the severity cascade: burn tiers and no-data
/// alerts. Budget stages are policy notifications: they neither inhibit nor are inhibited.
fn slo_alerts(fleet: &Fleet) -> Vec<(String, SloAlerts)> {
    let mut v = Vec::new();
    for s in &fleet.services {
        for slo in &s.slos {
            let tiers = slo
                .alerts
                .iter()
                .map(|b| (&b.severity, label::TIER, b.tier.as_str()));
            let no_data = slo
                .no_data_alerts
                .iter()
                .map(|n| (&n.severity, label::NO_DATA, n.kind.label_value()));
            let a = tiers
                .chain(no_data)
                .map(|(sev, name, value)| {
                    (super::routes::rendered_label(sev), name, value.to_string())
                })
                .collect();
            v.push((s.team.clone(), a));
        }
    }
    v
}

fn has_severity(a: &SloAlerts, severity: &str) -> bool {
    a.iter().any(|(sev, _, _)| sev == severity)
}

/// An inhibition rule, with the team set whose SLOs it applies to.
#[derive(Debug, Clone)]
struct Inhibition {
    rule: InhibitRule,
    teams: BTreeSet<String>,
}

fn inhibitions(fleet: &Fleet, routing: &Routing) -> Vec<Inhibition> {
    let slos = slo_alerts(fleet);
    // Severities some budget stage carries: a cascade rule onto one of them spares the stages.
    let stage_severities: BTreeSet<String> = fleet
        .services
        .iter()
        .flat_map(|s| &s.slos)
        .flat_map(|slo| &slo.budget_alerts)
        .map(|b| super::routes::rendered_label(&b.severity))
        .collect();
    let ident: Vec<String> = identity().iter().map(|l| present(l)).collect();
    let rule = |src: Vec<String>, dst: String| {
        let spare_stages = stage_severities
            .iter()
            .any(|s| dst == eq(label::SEVERITY, s))
            .then(|| eq(label::BUDGET_STAGE, ""));
        InhibitRule {
            source_matchers: src.into_iter().chain(ident.iter().cloned()).collect(),
            target_matchers: std::iter::once(dst)
                .chain(spare_stages)
                .chain(ident.iter().cloned())
                .collect(),
            equal: identity(),
        }
    };
    let mut out = Vec::new();
    // A more severe alert suppresses the less severe ones of the same SLO: one rule per source
    // alert of an SLO (a tier or a no-data alert), so that each rule has at most one active
    // source per SLO. Alertmanager 0.33 keeps a single source alert per rule and `equal` label
    // values (the one that ends last); when that one resolves, another source of the same rule
    // that still fires stops inhibiting until it is sent again (up to a minute later with
    // Prometheus' default resend delay), and the targets' notifications leak in between.
    let order = &routing.severity_order;
    for (i, hi) in order.iter().enumerate() {
        for lo in &order[i + 1..] {
            let mut by_source: BTreeMap<(&'static str, &str), BTreeSet<String>> = BTreeMap::new();
            for (team, a) in slos.iter().filter(|(_, a)| has_severity(a, lo)) {
                for (_, name, value) in a.iter().filter(|(sev, _, _)| sev == hi) {
                    by_source
                        .entry((*name, value.as_str()))
                        .or_default()
                        .insert(team.clone());
                }
            }
            for ((name, value), teams) in by_source {
                out.push(Inhibition {
                    rule: rule(
                        vec![eq(label::SEVERITY, hi), eq(name, value)],
                        eq(label::SEVERITY, lo),
                    ),
                    teams,
                });
            }
        }
    }
    // A faster tier (shorter long window) suppresses a slower one of the same severity kind and
    // SLO. Pairs are taken from each SLO's own alerts; a pair ordered both ways by different
    // SLOs is left out.
    let mut pairs: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for s in &fleet.services {
        for slo in &s.slos {
            for fast in &slo.alerts {
                for slow in &slo.alerts {
                    if fast.severity_kind == slow.severity_kind
                        && fast.long_window < slow.long_window
                        && fast.tier != slow.tier
                    {
                        pairs
                            .entry((fast.tier.clone(), slow.tier.clone()))
                            .or_default()
                            .insert(s.team.clone());
                    }
                }
            }
        }
    }
    for ((fast, slow), teams) in &pairs {
        if pairs.contains_key(&(slow.clone(), fast.clone())) {
            continue;
        }
        out.push(Inhibition {
            rule: rule(vec![eq(label::TIER, fast)], eq(label::TIER, slow)),
            teams: teams.clone(),
        });
    }
    out
}

fn template_call(name: &str) -> String {
    format!("{{{{ template \"{name}\" . }}}}")
}

/// Go template bodies of the notification title, plain text and HTML.
pub fn template_bodies() -> [(&'static str, String); 3] {
    let (sev, svc, slo, team, tier) = (
        label::SEVERITY,
        label::SERVICE,
        label::SLO,
        label::TEAM,
        label::TIER,
    );
    let title = format!(
        "[{{{{ .Status | toUpper }}}}{{{{ if eq .Status \"firing\" }}}}:{{{{ .Alerts.Firing | len }}}}{{{{ end }}}}] {{{{ .CommonLabels.{sev} }}}} {{{{ .CommonLabels.{svc} }}}}/{{{{ .CommonLabels.{slo} }}}}{{{{ with .CommonLabels.{team} }}}} (team {{{{ . }}}}){{{{ end }}}}"
    );
    let item = |pre: &str, sep: &str, post: &str| {
        format!(
            "{{{{ range .Alerts }}}}{pre}{{{{ if .Annotations.summary }}}}{{{{ .Annotations.summary }}}}{{{{ else }}}}{{{{ .Labels.alertname }}}}{{{{ end }}}}{{{{ with .Labels.{tier} }}}} [{{{{ . }}}}]{{{{ end }}}}{sep}\
{{{{ with .Annotations.description }}}}{{{{ . }}}}{sep}{{{{ end }}}}\
{{{{ if .Annotations.runbook_url }}}}Runbook: {{{{ .Annotations.runbook_url }}}}{sep}{{{{ else if .Annotations.runbook }}}}Runbook: {{{{ .Annotations.runbook }}}}{sep}{{{{ end }}}}\
{{{{ with .Annotations.dashboard_url }}}}Dashboard: {{{{ . }}}}{sep}{{{{ end }}}}{post}{{{{ end }}}}"
        )
    };
    [
        (names::template::TITLE, title),
        (names::template::TEXT, item("", "\n", "\n")),
        (names::template::HTML, item("<p>", "<br>\n", "</p>\n")),
    ]
}

fn template_file() -> String {
    let mut out =
        String::from("{{/* Generated by sloforge from the routing spec. Do not edit. */}}\n");
    for (name, body) in template_bodies() {
        out.push_str(&format!("{{{{ define \"{name}\" }}}}{body}{{{{ end }}}}\n"));
    }
    out
}

/// How a receiver's notification texts are given: by template name (file) or inline.
#[derive(Clone, Copy, PartialEq)]
enum Texts {
    None,
    Named,
    Inline,
}

fn text_of(texts: Texts, name: &str) -> Option<String> {
    match texts {
        Texts::None => None,
        Texts::Named => Some(template_call(name)),
        Texts::Inline => template_bodies()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b),
    }
}

fn receiver(r: &Receiver, texts: Texts) -> AmReceiver {
    let title = || text_of(texts, names::template::TITLE);
    let text = || text_of(texts, names::template::TEXT);
    let mut out = AmReceiver {
        name: names::alertmanager_name(&r.name),
        ..AmReceiver::default()
    };
    if let Some(p) = &r.pagerduty {
        let mut details = BTreeMap::new();
        if let Some(t) = text() {
            details.insert("alerts".to_string(), t);
        }
        out.pagerduty_configs.push(PagerDutyConfig {
            send_resolved: p.send_resolved,
            routing_key_file: p.routing_key_file.clone(),
            severity: p.severity.clone(),
            description: title(),
            details,
        });
    }
    if let Some(s) = &r.slack {
        out.slack_configs.push(SlackConfig {
            send_resolved: s.send_resolved,
            api_url_file: s.api_url_file.clone(),
            channel: s.channel.clone(),
            title: title(),
            text: text(),
        });
    }
    if let Some(e) = &r.email {
        let mut headers = BTreeMap::new();
        if let Some(t) = title() {
            headers.insert("Subject".to_string(), t);
        }
        out.email_configs.push(EmailConfig {
            send_resolved: e.send_resolved,
            to: e.to.clone(),
            from: e.from.clone(),
            smarthost: e.smarthost.clone(),
            auth_username: e.auth_username.clone(),
            auth_password_file: e.auth_password_file.clone(),
            require_tls: e.require_tls,
            headers,
            html: text_of(texts, names::template::HTML),
            text: text(),
        });
    }
    if let Some(w) = &r.webhook {
        out.webhook_configs.push(WebhookConfig {
            send_resolved: w.send_resolved,
            url: w.url.clone(),
            max_alerts: w.max_alerts,
            http_config: w.credentials_file.as_ref().map(|f| HttpConfig {
                authorization: Authorization {
                    type_: "Bearer".into(),
                    credentials_file: f.clone(),
                },
            }),
        });
    }
    if let Some(o) = &r.opsgenie {
        out.opsgenie_configs.push(OpsgenieConfig {
            send_resolved: o.send_resolved,
            api_key_file: o.api_key_file.clone(),
            priority: o.priority.clone(),
            message: title(),
            description: text(),
        });
    }
    out
}

fn period(p: &Period, location: &str) -> AmPeriod {
    AmPeriod {
        times: p
            .times
            .iter()
            .map(|(s, e)| AmTimeRange {
                start_time: s.clone(),
                end_time: e.clone(),
            })
            .collect(),
        weekdays: p.weekdays.clone(),
        days_of_month: p.days_of_month.clone(),
        months: p.months.clone(),
        years: p.years.clone(),
        location: location.to_string(),
    }
}

fn intervals(routing: &Routing) -> Vec<NamedInterval> {
    routing
        .time_intervals
        .values()
        .map(|t| NamedInterval {
            name: names::alertmanager_name(&t.name),
            time_intervals: t.periods.iter().map(|p| period(p, &t.location)).collect(),
        })
        .collect()
}

/// The selector of sloforge's sub-tree in a spliced configuration: alerts of the routed teams
/// that carry an `slo` label.
pub fn splice_selector(routing: &Routing) -> Vec<String> {
    let teams: Vec<String> = routing
        .teams
        .values()
        .filter(|t| !t.routes.is_empty())
        .map(|t| regex_escape(&t.name))
        .collect();
    vec![
        present(label::SLO),
        format!("{}=~{}", label::TEAM, quote(&teams.join("|"))),
    ]
}

fn header() -> String {
    "# Generated by sloforge from the AlertRouting spec. Do not edit: change the spec and run `sloforge generate`.\n\
     # Paths in `templates` are relative to this file's directory.\n"
        .to_string()
}

pub fn compile(fleet: &Fleet, routing: &Routing) -> Compiled {
    let default = names::alertmanager_name(&routing.default_receiver);
    let mut root = Route {
        receiver: default.clone(),
        routes: children(routing),
        ..Route::default()
    };
    timing_full(&mut root, &routing.defaults);
    let inhibit = inhibitions(fleet, routing);
    let texts = if routing.templates {
        Texts::Named
    } else {
        Texts::None
    };
    let receivers: Vec<AmReceiver> = routing
        .receivers
        .values()
        .map(|r| receiver(r, texts))
        .collect();
    let time_intervals = intervals(routing);
    let config = Config {
        templates: if routing.templates {
            vec![names::ALERTMANAGER_TEMPLATE.to_string()]
        } else {
            Vec::new()
        },
        route: root.clone(),
        inhibit_rules: inhibit.iter().map(|i| i.rule.clone()).collect(),
        receivers: receivers.clone(),
        time_intervals: time_intervals.clone(),
    };
    let text = header() + &crate::render::to_yaml(&config);
    let mut sub = root;
    sub.matchers = splice_selector(routing);
    let splice = SplicePart {
        route: sub,
        inhibit_rules: config.inhibit_rules.clone(),
        receivers,
        time_intervals,
    };
    Compiled {
        config,
        text,
        splice,
        template: routing.templates.then(template_file),
        routing: routing.clone(),
        inhibit,
    }
}

/// The Prometheus Operator's `AlertmanagerConfig` (`monitoring.coreos.com/v1alpha1`), one per
/// team in the team's namespace.
pub mod kubernetes {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::{Inhibition, Texts};
    use crate::model::routing::{Routing, TeamRouting};
    use crate::names::{self, label};
    use crate::render::RenderOptions;

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
        #[serde(rename = "continue", skip_serializing_if = "super::is_false")]
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
        #[serde(skip_serializing_if = "super::is_zero")]
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
    fn secret(path: &str) -> Result<SecretKeySelector, String> {
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
            Err(format!(
                "secret file `{path}` does not name a Kubernetes Secret: use the operator's mount path /etc/alertmanager/secrets/<secret-name>/<key>"
            ))
        }
    }

    fn matcher(m: &str) -> Result<Matcher, String> {
        use crate::compile::routes::{Op, parse_matcher};
        let p = parse_matcher(m)?;
        let match_type = match p.op {
            Op::Eq => "=",
            Op::NotEq => "!=",
            Op::Re => "=~",
            Op::NotRe => "!~",
        };
        Ok(Matcher {
            name: p.name,
            value: p.value,
            match_type,
        })
    }

    fn matchers(list: &[String]) -> Result<Vec<Matcher>, String> {
        list.iter().map(|m| matcher(m)).collect()
    }

    fn route(r: &super::Route) -> Result<Route, String> {
        Ok(Route {
            receiver: r.receiver.clone(),
            matchers: matchers(&r.matchers)?,
            continue_: r.continue_,
            group_by: r.group_by.clone(),
            group_wait: r.group_wait.clone(),
            group_interval: r.group_interval.clone(),
            repeat_interval: r.repeat_interval.clone(),
            mute_time_intervals: r.mute_time_intervals.clone(),
            active_time_intervals: r.active_time_intervals.clone(),
            routes: r.routes.iter().map(route).collect::<Result<_, _>>()?,
        })
    }

    fn receiver(r: &super::AmReceiver) -> Result<Receiver, String> {
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
        opts: &RenderOptions,
    ) -> Result<String, String> {
        let default = names::alertmanager_name(&routing.default_receiver);
        let mut top = super::Route {
            receiver: default.clone(),
            matchers: vec![super::eq(label::TEAM, &team.name)],
            ..super::Route::default()
        };
        super::timing_full(&mut top, &routing.defaults);
        let mut used: Vec<String> = vec![routing.default_receiver.clone()];
        for a in &routing.audit_receivers {
            top.routes.push(super::Route {
                receiver: names::alertmanager_name(a),
                continue_: true,
                ..super::Route::default()
            });
            used.push(a.clone());
        }
        let mut intervals: Vec<String> = Vec::new();
        // The stage receivers of this team's budget-stage alerts (each team's resource only
        // sees its own alerts).
        top.routes.extend(super::stage_routes(routing));
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
        top.routes.extend(super::team_leaves(routing, team));
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
        if super::has_continue(&top.routes) {
            top.routes.push(super::Route {
                receiver: default,
                ..super::Route::default()
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
            .map(|r| receiver(&super::receiver(r, texts)))
            .collect::<Result<Vec<_>, _>>()?;
        intervals.sort();
        let mut mute = Vec::new();
        for name in &intervals {
            let Some(t) = routing.time_intervals.get(name) else {
                continue;
            };
            if t.location != "UTC" {
                return Err(format!(
                    "time interval `{}` is in {}, but AlertmanagerConfig (v1alpha1) has no time zone field: use `location: UTC` or the yaml format",
                    t.name, t.location
                ));
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
            .map(|i| {
                Ok(InhibitRule {
                    source_match: matchers(&i.rule.source_matchers)?,
                    target_match: matchers(&i.rule.target_matchers)?,
                    equal: i.rule.equal.clone(),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut labels = opts.labels.clone();
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
                route: route(&top)?,
                receivers,
                inhibit_rules,
                mute_time_intervals: mute,
            },
        };
        Ok(format!(
            "# Generated by sloforge from the AlertRouting spec (team {}). Do not edit: change the spec and run `sloforge generate`.\n{}",
            team.name,
            crate::render::to_yaml(&res)
        ))
    }

    pub(super) fn resources(
        routing: &Routing,
        inhibit: &[Inhibition],
        opts: &RenderOptions,
    ) -> Result<BTreeMap<String, String>, String> {
        let mut out = BTreeMap::new();
        for team in routing.teams.values().filter(|t| !t.routes.is_empty()) {
            out.insert(
                names::alertmanager_config_file(&team.name),
                team_resource(routing, team, inhibit, opts)?,
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_values_are_escaped() {
        assert_eq!(eq("team", "a\"b\\c\nd"), r#"team="a\"b\\c\nd""#);
        assert_eq!(present("slo"), r#"slo=~".+""#);
        assert_eq!(regex_escape("a.b|c"), r"a\.b\|c");
    }
}
