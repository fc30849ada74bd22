//! The routing proof. Every alert the generated rules can produce (its static labels) is routed
//! through an Alertmanager configuration by sloforge's own implementation of Alertmanager's
//! matching (matchers, nesting, `continue`, inherited receivers, the default route), and the
//! receivers it reaches are compared with the routing spec. The proof also checks what
//! `amtool check-config` does not: routes nothing can reach, alerts that land on the default
//! receiver, `continue` routes without a catch-all, matchers on labels no alert carries, and
//! inhibition rules that mute more than the SLO they are about.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::alertmanager;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Fleet;
use crate::model::routing::Routing;
use crate::names::{self, label};

/// One alert the rules can produce: its static labels (`alertname` included).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AlertInstance {
    pub labels: BTreeMap<String, String>,
}

impl AlertInstance {
    pub fn get(&self, name: &str) -> &str {
        self.labels.get(name).map_or("", String::as_str)
    }

    /// `alert_tier` of a burn alert, `budget_stage` of a budget alert.
    pub fn stage(&self) -> &str {
        let t = self.get(label::TIER);
        if t.is_empty() {
            self.get(label::BUDGET_STAGE)
        } else {
            t
        }
    }
}

/// The value Prometheus gives an alert label whose rule text is `v`: alert labels are Go
/// templates, and sloforge writes spec text into them with every `{{` escaped.
pub fn rendered_label(v: &str) -> String {
    v.replace("{{ \"{{\" }}", "{{")
}

/// Every alert of the fleet with the labels it carries when it fires: the SLO's labels, the
/// window of the series the expression selects (the long window of a burn alert, the SLO
/// window of a budget alert), and the rule's own labels.
pub fn alert_instances(fleet: &Fleet) -> Vec<AlertInstance> {
    let mut out = Vec::new();
    for s in &fleet.services {
        for slo in &s.slos {
            for a in &slo.alerts {
                let mut labels = (*slo.labels).clone();
                labels.insert(label::WINDOW.into(), a.long_window.to_string());
                labels.extend(a.labels.iter().map(|(k, v)| (k.clone(), rendered_label(v))));
                labels.insert("alertname".into(), a.alert_name.clone());
                out.push(AlertInstance { labels });
            }
            for b in &slo.budget_alerts {
                let mut labels = (*slo.labels).clone();
                labels.insert(label::WINDOW.into(), slo.window.to_string());
                labels.extend(b.labels.iter().map(|(k, v)| (k.clone(), rendered_label(v))));
                labels.insert("alertname".into(), b.alert_name.clone());
                out.push(AlertInstance { labels });
            }
            // Label-free expressions: the rule's labels are all the alert carries.
            for n in &slo.no_data_alerts {
                let mut labels: BTreeMap<String, String> = n
                    .labels
                    .iter()
                    .map(|(k, v)| (k.clone(), rendered_label(v)))
                    .collect();
                labels.insert("alertname".into(), n.alert_name.clone());
                out.push(AlertInstance { labels });
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    NotEq,
    Re,
    NotRe,
}

/// One Alertmanager label matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: Op,
    pub value: String,
    re: Option<regex::Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, o: &Matcher) -> bool {
        self.name == o.name && self.op == o.op && self.value == o.value
    }
}

impl Matcher {
    pub fn new(name: &str, op: Op, value: &str) -> Result<Matcher, String> {
        let re = match op {
            Op::Re | Op::NotRe => Some(
                regex::Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("bad regular expression `{value}`: {e}"))?,
            ),
            _ => None,
        };
        Ok(Matcher {
            name: name.to_string(),
            op,
            value: value.to_string(),
            re,
        })
    }

    /// Whether a label value matches (a missing label is the empty string, as in Alertmanager).
    pub fn matches(&self, v: &str) -> bool {
        match self.op {
            Op::Eq => v == self.value,
            Op::NotEq => v != self.value,
            Op::Re => self.re.as_ref().is_some_and(|r| r.is_match(v)),
            Op::NotRe => !self.re.as_ref().is_some_and(|r| r.is_match(v)),
        }
    }

    pub fn matches_alert(&self, a: &AlertInstance) -> bool {
        self.matches(a.get(&self.name))
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            Op::Eq => "=",
            Op::NotEq => "!=",
            Op::Re => "=~",
            Op::NotRe => "!~",
        };
        write!(f, "{}{op}{}", self.name, alertmanager::quote(&self.value))
    }
}

/// Parses one matcher (`name="value"`, `name=~"regex"`, `name!=value`).
pub fn parse_matcher(s: &str) -> Result<Matcher, String> {
    let s = s.trim();
    let name_end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(s.len());
    let name = &s[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("`{s}`: expected a label name"));
    }
    let rest = s[name_end..].trim_start();
    let (op, rest) = if let Some(r) = rest.strip_prefix("=~") {
        (Op::Re, r)
    } else if let Some(r) = rest.strip_prefix("!~") {
        (Op::NotRe, r)
    } else if let Some(r) = rest.strip_prefix("!=") {
        (Op::NotEq, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (Op::Eq, r)
    } else {
        return Err(format!("`{s}`: expected =, !=, =~ or !~ after `{name}`"));
    };
    let rest = rest.trim();
    let value = if let Some(q) = rest.strip_prefix('"') {
        let Some(body) = q.strip_suffix('"') else {
            return Err(format!("`{s}`: unterminated quoted value"));
        };
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(c @ ('\\' | '"')) => out.push(c),
                    Some(c) => {
                        out.push('\\');
                        out.push(c);
                    }
                    None => return Err(format!("`{s}`: dangling escape")),
                }
            } else if c == '"' {
                return Err(format!("`{s}`: unescaped quote in the value"));
            } else {
                out.push(c);
            }
        }
        out
    } else {
        rest.to_string()
    };
    Matcher::new(name, op, &value)
}

/// Parses a matcher list as Alertmanager reads one item of `matchers`: comma-separated,
/// optionally in braces.
pub fn parse_matchers(s: &str) -> Result<Vec<Matcher>, String> {
    let t = s.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in t.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quoted {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == ',' && !quoted {
            if !cur.trim().is_empty() {
                out.push(parse_matcher(&cur)?);
            }
            cur.clear();
            continue;
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(parse_matcher(&cur)?);
    }
    Ok(out)
}

#[derive(Debug, Deserialize, Default)]
struct RawRoute {
    #[serde(default)]
    receiver: Option<String>,
    #[serde(default)]
    matchers: Vec<String>,
    #[serde(default, rename = "match")]
    match_: BTreeMap<String, String>,
    #[serde(default)]
    match_re: BTreeMap<String, String>,
    #[serde(default, rename = "continue")]
    continue_: bool,
    #[serde(default)]
    routes: Vec<RawRoute>,
    #[serde(default)]
    mute_time_intervals: Vec<String>,
    #[serde(default)]
    active_time_intervals: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawInhibit {
    #[serde(default)]
    source_matchers: Vec<String>,
    #[serde(default)]
    target_matchers: Vec<String>,
    #[serde(default)]
    source_match: BTreeMap<String, String>,
    #[serde(default)]
    source_match_re: BTreeMap<String, String>,
    #[serde(default)]
    target_match: BTreeMap<String, String>,
    #[serde(default)]
    target_match_re: BTreeMap<String, String>,
    #[serde(default)]
    equal: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Named {
    name: String,
}

#[derive(Debug, Deserialize)]
struct RawConfig {
    route: RawRoute,
    #[serde(default)]
    receivers: Vec<Named>,
    #[serde(default)]
    inhibit_rules: Vec<RawInhibit>,
}

/// One node of the routing tree.
#[derive(Debug, Clone)]
pub struct RouteNode {
    /// Position in the file (`route.routes[2].routes[0]`).
    pub path: String,
    pub matchers: Vec<Matcher>,
    /// Effective receiver (inherited when the route names none).
    pub receiver: String,
    pub continue_: bool,
    pub children: Vec<usize>,
    pub mute_time_intervals: Vec<String>,
    pub active_time_intervals: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct InhibitRule {
    pub index: usize,
    pub source: Vec<Matcher>,
    pub target: Vec<Matcher>,
    pub equal: Vec<String>,
}

/// A parsed Alertmanager configuration: its routing tree (node 0 is the root), receivers and
/// inhibition rules.
#[derive(Debug, Clone)]
pub struct AmConfig {
    pub nodes: Vec<RouteNode>,
    pub receivers: Vec<String>,
    pub inhibit_rules: Vec<InhibitRule>,
}

fn legacy(m: &BTreeMap<String, String>, op: Op) -> Result<Vec<Matcher>, String> {
    m.iter().map(|(k, v)| Matcher::new(k, op, v)).collect()
}

fn add_route(
    nodes: &mut Vec<RouteNode>,
    r: &RawRoute,
    path: String,
    parent_receiver: &str,
) -> Result<usize, String> {
    let mut matchers = Vec::new();
    for m in &r.matchers {
        matchers.extend(parse_matchers(m).map_err(|e| format!("{path}.matchers: {e}"))?);
    }
    matchers.extend(legacy(&r.match_, Op::Eq).map_err(|e| format!("{path}.match: {e}"))?);
    matchers.extend(legacy(&r.match_re, Op::Re).map_err(|e| format!("{path}.match_re: {e}"))?);
    let receiver = r
        .receiver
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| parent_receiver.to_string());
    let idx = nodes.len();
    nodes.push(RouteNode {
        path: path.clone(),
        matchers,
        receiver: receiver.clone(),
        continue_: r.continue_,
        children: Vec::new(),
        mute_time_intervals: r.mute_time_intervals.clone(),
        active_time_intervals: r.active_time_intervals.clone(),
    });
    for (i, c) in r.routes.iter().enumerate() {
        let child = add_route(nodes, c, format!("{path}.routes[{i}]"), &receiver)?;
        nodes[idx].children.push(child);
    }
    Ok(idx)
}

impl AmConfig {
    /// Reads an Alertmanager configuration (only what routing and inhibition need).
    pub fn parse(text: &str) -> Result<AmConfig, String> {
        let raw: RawConfig = serde_saphyr::from_str(text)
            .map_err(|e| format!("cannot read the Alertmanager configuration: {e}"))?;
        let mut nodes = Vec::new();
        add_route(&mut nodes, &raw.route, "route".into(), "")?;
        let mut inhibit_rules = Vec::new();
        for (i, r) in raw.inhibit_rules.iter().enumerate() {
            let p = format!("inhibit_rules[{i}]");
            let mut source = Vec::new();
            for m in &r.source_matchers {
                source.extend(parse_matchers(m).map_err(|e| format!("{p}.source_matchers: {e}"))?);
            }
            source.extend(legacy(&r.source_match, Op::Eq)?);
            source.extend(legacy(&r.source_match_re, Op::Re)?);
            let mut target = Vec::new();
            for m in &r.target_matchers {
                target.extend(parse_matchers(m).map_err(|e| format!("{p}.target_matchers: {e}"))?);
            }
            target.extend(legacy(&r.target_match, Op::Eq)?);
            target.extend(legacy(&r.target_match_re, Op::Re)?);
            inhibit_rules.push(InhibitRule {
                index: i,
                source,
                target,
                equal: r.equal.clone(),
            });
        }
        Ok(AmConfig {
            nodes,
            receivers: raw.receivers.into_iter().map(|n| n.name).collect(),
            inhibit_rules,
        })
    }

    fn node_matches(&self, n: usize, a: &AlertInstance) -> bool {
        self.nodes[n].matchers.iter().all(|m| m.matches_alert(a))
    }

    /// Alertmanager's route matching: the routes an alert is dispatched by (each sends to its
    /// receiver), in order; `visited` collects every route whose matchers the alert met.
    pub fn route(&self, a: &AlertInstance, visited: &mut BTreeSet<usize>) -> Vec<usize> {
        self.walk(0, a, visited).unwrap_or_default()
    }

    fn walk(
        &self,
        n: usize,
        a: &AlertInstance,
        visited: &mut BTreeSet<usize>,
    ) -> Option<Vec<usize>> {
        if !self.node_matches(n, a) {
            return None;
        }
        visited.insert(n);
        let mut all = Vec::new();
        for &c in &self.nodes[n].children {
            if let Some(m) = self.walk(c, a, visited) {
                all.extend(m);
                if !self.nodes[c].continue_ {
                    break;
                }
            }
        }
        if all.is_empty() {
            all.push(n);
        }
        Some(all)
    }

    /// Receivers an alert reaches, in order (as `amtool config routes test` prints them).
    pub fn receivers_of(&self, a: &AlertInstance) -> Vec<String> {
        self.route(a, &mut BTreeSet::new())
            .into_iter()
            .map(|n| self.nodes[n].receiver.clone())
            .collect()
    }

    /// Every node below `n` (itself included).
    fn subtree(&self, n: usize) -> Vec<usize> {
        let mut out = vec![n];
        let mut i = 0;
        while i < out.len() {
            out.extend(self.nodes[out[i]].children.iter().copied());
            i += 1;
        }
        out
    }
}

/// Whether an inhibition rule is one sloforge writes: both sides require `slo` and `service` to
/// be present and `equal` is exactly the SLO identity. Splice mode replaces such rules.
pub fn is_sloforge_rule(r: &InhibitRule) -> bool {
    let needs = |side: &[Matcher]| {
        alertmanager::identity().iter().all(|l| {
            side.iter()
                .any(|m| &m.name == l && m.op == Op::Re && m.value == ".+")
        })
    };
    needs(&r.source) && needs(&r.target) && r.equal == alertmanager::identity()
}

/// One alert routed through the configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Routed {
    pub labels: BTreeMap<String, String>,
    pub receivers: Vec<String>,
    pub expected: Vec<String>,
    pub mute_time_intervals: Vec<String>,
    pub active_time_intervals: Vec<String>,
}

/// A problem the proof found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// The team it is about, to point at its routing.
    pub team: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Proof {
    pub routed: Vec<Routed>,
    pub findings: Vec<Finding>,
    /// Routes of sloforge's tree (its root included, the catch-all not), and how many of them
    /// generated alerts reach.
    pub routes: usize,
    pub reached_routes: usize,
    pub inhibit_rules: usize,
}

impl Proof {
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The receivers the routing spec says an alert must reach, in order.
pub fn expected_receivers(routing: &Routing, a: &AlertInstance) -> Vec<String> {
    let mut v: Vec<String> = routing
        .audit_receivers
        .iter()
        .map(|r| names::alertmanager_name(r))
        .collect();
    if let Some(s) = routing
        .stage_routes
        .iter()
        .find(|s| a.labels.get(label::BUDGET_STAGE) == Some(&s.stage))
    {
        v.extend(s.receivers.iter().map(|r| names::alertmanager_name(r)));
    }
    if let Some(r) = routing
        .teams
        .get(a.get(label::TEAM))
        .and_then(|t| t.route(a.get(label::SEVERITY)))
    {
        v.extend(r.receivers.iter().map(|r| names::alertmanager_name(r)));
    }
    v
}

/// The node of sloforge's tree: the root when the root is sloforge's, else the first top-level
/// route with a `sloforge-` receiver (a spliced configuration).
fn owned_root(cfg: &AmConfig) -> Option<usize> {
    if cfg.nodes[0]
        .receiver
        .starts_with(names::ALERTMANAGER_PREFIX)
    {
        return Some(0);
    }
    cfg.nodes[0].children.iter().copied().find(|&c| {
        cfg.nodes[c]
            .receiver
            .starts_with(names::ALERTMANAGER_PREFIX)
    })
}

fn describe(n: &RouteNode) -> String {
    let m: Vec<String> = n.matchers.iter().map(ToString::to_string).collect();
    if m.is_empty() {
        format!("{} (receiver {})", n.path, n.receiver)
    } else {
        format!("{} {{{}}} (receiver {})", n.path, m.join(", "), n.receiver)
    }
}

/// Proves a configuration against the fleet and its routing spec.
pub fn prove(fleet: &Fleet, routing: &Routing, config_text: &str) -> Result<Proof, String> {
    let cfg = AmConfig::parse(config_text)?;
    let alerts = alert_instances(fleet);
    let mut findings = BTreeSet::new();
    let mut push = |team: Option<&str>, message: String| {
        findings.insert(Finding {
            team: team.map(ToString::to_string),
            message,
        });
    };
    let default = names::alertmanager_name(&routing.default_receiver);
    let Some(own) = owned_root(&cfg) else {
        return Ok(Proof {
            routed: Vec::new(),
            findings: vec![Finding {
                team: None,
                message:
                    "the configuration has no sloforge route (no route with a `sloforge-` receiver)"
                        .into(),
            }],
            routes: 0,
            reached_routes: 0,
            inhibit_rules: cfg.inhibit_rules.len(),
        });
    };
    let owned: Vec<usize> = cfg.subtree(own);
    let catch_all = cfg.nodes[own].children.last().copied().filter(|&c| {
        cfg.nodes[c].matchers.is_empty()
            && cfg.nodes[c].children.is_empty()
            && cfg.nodes[c].receiver == cfg.nodes[own].receiver
    });
    let has_continue = owned.iter().any(|&n| cfg.nodes[n].continue_);
    if has_continue && catch_all.is_none() {
        push(
            None,
            format!(
                "{} has `continue` routes but no catch-all last route: an alert no team route takes would reach only the `continue` routes, not {}",
                cfg.nodes[own].path, cfg.nodes[own].receiver
            ),
        );
    }
    let carried: BTreeSet<&str> = alerts
        .iter()
        .flat_map(|a| a.labels.keys().map(String::as_str))
        .collect();
    for &n in &owned {
        for m in &cfg.nodes[n].matchers {
            if !carried.contains(m.name.as_str()) {
                push(
                    None,
                    format!(
                        "route {} matches on `{}`, a label no generated alert carries",
                        describe(&cfg.nodes[n]),
                        m.name
                    ),
                );
            }
        }
        if !cfg.receivers.contains(&cfg.nodes[n].receiver) {
            push(
                None,
                format!(
                    "route {} names receiver `{}`, which is not defined",
                    describe(&cfg.nodes[n]),
                    cfg.nodes[n].receiver
                ),
            );
        }
    }
    let mut visited_all = BTreeSet::new();
    let mut routed = Vec::new();
    // (team, severity, receivers reached, receivers expected) → the alerts (`service/slo stage`).
    type Mismatch = (String, String, Vec<String>, Vec<String>);
    let mut mismatches: BTreeMap<Mismatch, Vec<String>> = BTreeMap::new();
    for a in &alerts {
        let mut visited = BTreeSet::new();
        let leaves = cfg.route(a, &mut visited);
        visited_all.extend(visited.iter().copied());
        let receivers: Vec<String> = leaves
            .iter()
            .map(|&n| cfg.nodes[n].receiver.clone())
            .collect();
        let expected = expected_receivers(routing, a);
        let lands_default =
            receivers.contains(&default) || catch_all.is_some_and(|c| visited.contains(&c));
        if receivers != expected || lands_default {
            let what = format!(
                "{}/{} {}",
                a.get(label::SERVICE),
                a.get(label::SLO),
                a.stage()
            );
            mismatches
                .entry((
                    a.get(label::TEAM).to_string(),
                    a.get(label::SEVERITY).to_string(),
                    receivers.clone(),
                    expected.clone(),
                ))
                .or_default()
                .push(what);
        }
        let collect = |f: fn(&RouteNode) -> &Vec<String>| {
            let mut v: Vec<String> = Vec::new();
            for &n in &leaves {
                for i in f(&cfg.nodes[n]) {
                    if !v.contains(i) {
                        v.push(i.clone());
                    }
                }
            }
            v
        };
        routed.push(Routed {
            labels: a.labels.clone(),
            receivers,
            expected,
            mute_time_intervals: collect(|n| &n.mute_time_intervals),
            active_time_intervals: collect(|n| &n.active_time_intervals),
        });
    }
    for ((team, severity, got, want), list) in mismatches {
        let n = list.len();
        let examples: Vec<&str> = list.iter().map(String::as_str).take(3).collect();
        let more = if n > 3 {
            format!(" and {} more", n - 3)
        } else {
            String::new()
        };
        let got_s = if got.is_empty() {
            "no receiver".to_string()
        } else {
            got.join(", ")
        };
        let msg = if got.iter().all(|r| {
            *r == default
                || want.contains(r)
                    && routing
                        .audit_receivers
                        .iter()
                        .any(|x| names::alertmanager_name(x) == *r)
        }) {
            format!(
                "{n} alert(s) of team `{team}` with severity `{severity}` ({}{more}) reach only {got_s} instead of {}",
                examples.join(", "),
                want.join(", ")
            )
        } else {
            format!(
                "{n} alert(s) of team `{team}` with severity `{severity}` ({}{more}) reach {got_s} instead of {}",
                examples.join(", "),
                want.join(", ")
            )
        };
        push(Some(&team), msg);
    }
    let mut reached = 0;
    for &n in &owned {
        if Some(n) == catch_all {
            continue;
        }
        if visited_all.contains(&n) {
            reached += 1;
        } else {
            push(
                None,
                format!(
                    "route {} is unreachable: no generated alert gets there",
                    describe(&cfg.nodes[n])
                ),
            );
        }
    }
    for r in &cfg.inhibit_rules {
        check_inhibition(r, &alerts, &carried, &mut push);
    }
    let inhibit_rules = cfg.inhibit_rules.len();
    let routes = owned.len() - usize::from(catch_all.is_some());
    Ok(Proof {
        routed,
        findings: findings.into_iter().collect(),
        routes,
        reached_routes: reached,
        inhibit_rules,
    })
}

fn check_inhibition(
    r: &InhibitRule,
    alerts: &[AlertInstance],
    carried: &BTreeSet<&str>,
    push: &mut impl FnMut(Option<&str>, String),
) {
    let name = format!("inhibit_rules[{}]", r.index);
    let matches = |side: &[Matcher], a: &AlertInstance| side.iter().all(|m| m.matches_alert(a));
    let targets: Vec<&AlertInstance> = alerts.iter().filter(|a| matches(&r.target, a)).collect();
    let sources: Vec<&AlertInstance> = alerts.iter().filter(|a| matches(&r.source, a)).collect();
    let ours = is_sloforge_rule(r);
    if targets.is_empty() && !ours {
        return;
    }
    if r.equal.is_empty() {
        push(
            None,
            format!(
                "{name} has no `equal`: any source alert mutes every target alert, across SLOs and teams"
            ),
        );
    }
    if r.source.is_empty() {
        push(
            None,
            format!("{name} has no source matchers: any alert at all mutes its targets"),
        );
    }
    for l in &r.equal {
        if !carried.contains(l.as_str()) {
            push(
                None,
                format!(
                    "{name}: `equal` names `{l}`, a label no generated alert carries (missing labels are equal, so it matches everything)"
                ),
            );
        } else if let Some(t) = targets.iter().find(|t| t.get(l).is_empty()) {
            push(
                None,
                format!(
                    "{name}: it mutes {}/{} {}, which lacks `{l}`: alerts without a label count as equal on it",
                    t.get(label::SERVICE),
                    t.get(label::SLO),
                    t.stage()
                ),
            );
        }
    }
    for l in alertmanager::identity() {
        if !r.equal.contains(&l) && !targets.is_empty() {
            push(
                None,
                format!(
                    "{name} mutes generated alerts but its `equal` lacks `{l}`: an alert of one SLO could mute another SLO's"
                ),
            );
        }
    }
    for m in r.source.iter().chain(&r.target) {
        if !carried.contains(m.name.as_str()) {
            push(
                None,
                format!(
                    "{name} matches on `{}`, a label no generated alert carries",
                    m.name
                ),
            );
        }
    }
    if let Some(a) = alerts
        .iter()
        .find(|a| matches(&r.source, a) && matches(&r.target, a))
    {
        push(
            None,
            format!(
                "{name}: source and target both match {}/{} {}; such an alert is never muted by the rule",
                a.get(label::SERVICE),
                a.get(label::SLO),
                a.stage()
            ),
        );
    }
    if ours {
        let key = |a: &AlertInstance| {
            r.equal
                .iter()
                .map(|l| a.get(l).to_string())
                .collect::<Vec<_>>()
        };
        let source_keys: BTreeMap<Vec<String>, Vec<&AlertInstance>> =
            sources.iter().fold(BTreeMap::new(), |mut m, s| {
                m.entry(key(s)).or_default().push(*s);
                m
            });
        let useful = targets.iter().any(|t| {
            source_keys
                .get(&key(t))
                .is_some_and(|s| s.iter().any(|s| *s != *t))
        });
        if !useful {
            push(
                None,
                format!(
                    "{name} never applies: no generated alert of one SLO matches its source and another its target"
                ),
            );
        }
    }
}

/// Runs the proof on the compiled configuration; its findings become diagnostics located at
/// the routing spec.
pub fn verify(fleet: &Fleet, am: &alertmanager::Compiled) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let Some(routing) = &fleet.routing else {
        return diags;
    };
    match prove(fleet, routing, &am.text) {
        Ok(p) => {
            for f in p.findings {
                let loc = f
                    .team
                    .as_ref()
                    .and_then(|t| routing.teams.get(t))
                    .map_or(routing.loc, |t| t.loc);
                let path = f
                    .team
                    .as_ref()
                    .map(|t| format!("teams.{t}"))
                    .unwrap_or_default();
                diags.push(Diagnostic::error(
                    Code::Routing,
                    &routing.file,
                    loc,
                    path,
                    f.message,
                ));
            }
        }
        Err(e) => diags.push(Diagnostic::error(
            Code::Routing,
            &routing.file,
            routing.loc,
            "",
            format!("the generated Alertmanager configuration does not read back: {e}"),
        )),
    }
    diags
}

/// The routing table: one line per alert with the receivers it reaches.
pub fn table(p: &Proof) -> String {
    let rows: Vec<[String; 5]> = p
        .routed
        .iter()
        .map(|r| {
            let g = |k: &str| r.labels.get(k).cloned().unwrap_or_default();
            let stage = if !g(label::TIER).is_empty() {
                g(label::TIER)
            } else if !g(label::NO_DATA).is_empty() {
                format!("no-data {}", g(label::NO_DATA))
            } else {
                format!("budget {}", g(label::BUDGET_STAGE))
            };
            let mut recv = r
                .receivers
                .iter()
                .map(|s| {
                    s.strip_prefix(names::ALERTMANAGER_PREFIX)
                        .unwrap_or(s)
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join(", ");
            let mut notes = Vec::new();
            if !r.mute_time_intervals.is_empty() {
                notes.push(format!(
                    "muted during {}",
                    strip_all(&r.mute_time_intervals)
                ));
            }
            if !r.active_time_intervals.is_empty() {
                notes.push(format!(
                    "only during {}",
                    strip_all(&r.active_time_intervals)
                ));
            }
            if !notes.is_empty() {
                recv = format!("{recv} ({})", notes.join("; "));
            }
            [
                format!("{}/{}", g(label::SERVICE), g(label::SLO)),
                stage,
                g(label::SEVERITY),
                g(label::TEAM),
                recv,
            ]
        })
        .collect();
    let head = ["SLO", "ALERT", "SEVERITY", "TEAM", "RECEIVERS"].map(String::from);
    let mut width = [0usize; 5];
    for row in std::iter::once(&head).chain(&rows) {
        for (i, c) in row.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&head).chain(&rows) {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(c);
            } else {
                line.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn strip_all(v: &[String]) -> String {
    v.iter()
        .map(|s| s.strip_prefix(names::ALERTMANAGER_PREFIX).unwrap_or(s))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(pairs: &[(&str, &str)]) -> AlertInstance {
        AlertInstance {
            labels: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn escaped_rule_labels_render_to_the_spec_text() {
        assert_eq!(rendered_label("a {{ \"{{\" }} b }}"), "a {{ b }}");
        assert_eq!(rendered_label("page"), "page");
    }

    #[test]
    fn matchers_parse_like_alertmanager() {
        let m = parse_matchers(r#"{team="pay,ments", severity=~"page|ticket"}"#).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].value, "pay,ments");
        assert!(
            m[1].matches("page") && !m[1].matches("pages"),
            "regexes are anchored"
        );
        let m = parse_matcher(r#"x="a\"b\\c\nd""#).unwrap();
        assert_eq!(m.value, "a\"b\\c\nd");
        assert_eq!(m.to_string(), r#"x="a\"b\\c\nd""#);
        assert!(
            parse_matcher("env!=prod").unwrap().matches(""),
            "a negative matcher matches a missing label"
        );
        assert!(parse_matcher("x=").unwrap().matches(""));
        assert!(
            parse_matcher("=x").is_err()
                && parse_matcher("x~y").is_err()
                && parse_matcher(r#"x="y"#).is_err()
        );
    }

    const TRAP: &str = r#"
route:
  receiver: fallback
  routes:
    - receiver: audit
      continue: true
    - receiver: team-a
      matchers: ['team="a"']
receivers: [{name: fallback}, {name: audit}, {name: team-a}]
"#;

    #[test]
    fn a_misspelt_team_reaches_only_the_continue_route() {
        let cfg = AmConfig::parse(TRAP).unwrap();
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "a")])),
            ["audit", "team-a"]
        );
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "aa")])),
            ["audit"],
            "the root's receiver is not used"
        );
        assert_eq!(cfg.receivers_of(&alert(&[])), ["audit"]);
        let fixed = TRAP.replace("receivers: [", "    - receiver: fallback\nreceivers: [");
        let cfg = AmConfig::parse(&fixed).unwrap();
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "aa")])),
            ["audit", "fallback"]
        );
    }

    #[test]
    fn an_earlier_sibling_shadows_a_narrower_route() {
        let cfg = AmConfig::parse(
            "route:\n  receiver: r\n  routes:\n    - {receiver: any, matchers: ['severity=~\"page|ticket\"']}\n    - {receiver: pages, matchers: ['severity=\"page\"']}\nreceivers: [{name: r}, {name: any}, {name: pages}]\n",
        )
        .unwrap();
        let mut visited = BTreeSet::new();
        assert_eq!(cfg.receivers_of(&alert(&[("severity", "page")])), ["any"]);
        cfg.route(&alert(&[("severity", "page")]), &mut visited);
        assert!(!visited.contains(&2), "the narrower route is never reached");
    }

    #[test]
    fn legacy_match_and_inherited_receivers() {
        let cfg = AmConfig::parse(
            "route:\n  receiver: r\n  routes:\n    - match: {team: a}\n      routes:\n        - match_re: {severity: 'pa.e'}\n          receiver: p\n        - match: {severity: ticket}\nreceivers: [{name: r}, {name: p}]\n",
        )
        .unwrap();
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "a"), ("severity", "page")])),
            ["p"]
        );
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "a"), ("severity", "ticket")])),
            ["r"],
            "inherits the receiver"
        );
        assert_eq!(
            cfg.receivers_of(&alert(&[("team", "a"), ("severity", "xpage")])),
            ["r"]
        );
    }

    #[test]
    fn inhibition_traps_are_found() {
        let alerts = vec![
            alert(&[
                ("service", "a"),
                ("slo", "x"),
                ("severity", "page"),
                ("team", "t"),
            ]),
            alert(&[
                ("service", "a"),
                ("slo", "x"),
                ("severity", "ticket"),
                ("team", "t"),
            ]),
            alert(&[
                ("service", "b"),
                ("slo", "y"),
                ("severity", "ticket"),
                ("team", "t"),
            ]),
            alert(&[("service", "c"), ("severity", "warning"), ("team", "t")]),
        ];
        let carried: BTreeSet<&str> = ["service", "slo", "severity", "team"].into_iter().collect();
        let run = |yaml: &str| {
            let cfg = AmConfig::parse(&format!(
                "route: {{receiver: r}}\nreceivers: [{{name: r}}]\ninhibit_rules:\n{yaml}"
            ))
            .unwrap();
            let mut found = Vec::new();
            for r in &cfg.inhibit_rules {
                check_inhibition(r, &alerts, &carried, &mut |_, m: String| found.push(m));
            }
            found
        };
        let good = "- source_matchers: ['severity=\"page\"', 'service=~\".+\"', 'slo=~\".+\"']\n  target_matchers: ['severity=\"ticket\"', 'service=~\".+\"', 'slo=~\".+\"']\n  equal: [service, slo]\n";
        assert_eq!(run(good), Vec::<String>::new());
        let no_equal = "- source_matchers: ['severity=\"page\"']\n  target_matchers: ['severity=\"ticket\"']\n";
        assert!(
            run(no_equal).iter().any(|m| m.contains("no `equal`")),
            "{:?}",
            run(no_equal)
        );
        let target_only = "- target_matchers: ['severity=\"ticket\"']\n  equal: [service, slo]\n";
        assert!(
            run(target_only)
                .iter()
                .any(|m| m.contains("no source matchers"))
        );
        let lacking = "- source_matchers: ['severity=\"page\"']\n  target_matchers: ['severity=\"warning\"']\n  equal: [service, slo]\n";
        assert!(
            run(lacking).iter().any(|m| m.contains("lacks `slo`")),
            "{:?}",
            run(lacking)
        );
        let not_slo = "- source_matchers: ['severity=\"page\"']\n  target_matchers: ['severity=\"ticket\"']\n  equal: [alertname, service]\n";
        assert!(
            run(not_slo)
                .iter()
                .any(|m| m.contains("`equal` lacks `slo`")),
            "{:?}",
            run(not_slo)
        );
        let overlap = "- source_matchers: ['service=~\".+\"', 'slo=~\".+\"']\n  target_matchers: ['severity=\"ticket\"', 'service=~\".+\"', 'slo=~\".+\"']\n  equal: [service, slo]\n";
        assert!(run(overlap).iter().any(|m| m.contains("both match")));
        let unknown = "- source_matchers: ['env=\"prod\"', 'service=~\".+\"', 'slo=~\".+\"']\n  target_matchers: ['severity=\"ticket\"', 'service=~\".+\"', 'slo=~\".+\"']\n  equal: [service, slo]\n";
        assert!(run(unknown).iter().any(|m| m.contains("`env`")));
    }
}
