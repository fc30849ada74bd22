//! The routing proof. Every alert the generated rules can produce (its static labels) is routed
//! through an Alertmanager configuration by sloforge's own implementation of Alertmanager's
//! matching (matchers, nesting, `continue`, inherited receivers, the default route), and the
//! receivers it reaches are compared with the routing spec. The proof also checks what
//! `amtool check-config` does not: routes nothing can reach, alerts that land on the default
//! receiver, `continue` routes without a catch-all, matchers on labels no alert carries,
//! inhibition rules that mute more than the SLO they are about, and alerts of an SLO whose
//! exclusions mute its alerts reaching a receiver (other than an audit one) unmuted.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::alerts::{AlertInstance, alert_instances};
use super::amconfig::{AmConfig, ConfigError, RouteNode};
use super::inhibit::{Report, check_inhibition};
use crate::compile::alertmanager;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Fleet;
use crate::model::routing::Routing;
use crate::names::{self, label};

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
    /// The inhibition rule it is about (its index in `inhibit_rules`), to point at it.
    pub inhibit_rule: Option<usize>,
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
    /// What the proof found harmless but worth saying: a user's inhibition rule whose target
    /// matchers take generated alerts that no source alert can mute, and why.
    pub notes: Vec<String>,
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
        .map(|r| routing.am_name(r))
        .collect();
    if let Some(s) = routing
        .stage_routes
        .iter()
        .find(|s| a.labels.get(label::BUDGET_STAGE) == Some(&s.stage))
    {
        v.extend(s.receivers.iter().map(|r| routing.am_name(r)));
    }
    if let Some(r) = routing
        .teams
        .get(a.get(label::TEAM))
        .and_then(|t| t.route(a.get(label::SEVERITY)))
    {
        v.extend(r.receivers.iter().map(|r| routing.am_name(r)));
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
pub fn prove(fleet: &Fleet, routing: &Routing, config_text: &str) -> Result<Proof, ConfigError> {
    let cfg = AmConfig::parse(config_text)?;
    let alerts = alert_instances(fleet);
    let mut findings = BTreeSet::new();
    let mut push = |team: Option<&str>, message: String| {
        findings.insert(Finding {
            team: team.map(ToString::to_string),
            message,
            inhibit_rule: None,
        });
    };
    let default = names::alertmanager_name(&routing.default_receiver);
    let Some(own) = owned_root(&cfg) else {
        return Ok(Proof {
            routed: Vec::new(),
            findings: vec![Finding {
                team: None,
                inhibit_rule: None,
                message:
                    "the configuration has no sloforge route (no route with a `sloforge-` receiver)"
                        .into(),
            }],
            routes: 0,
            reached_routes: 0,
            inhibit_rules: cfg.inhibit_rules.len(),
            notes: Vec::new(),
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
    let audit: Vec<String> = routing
        .audit_receivers
        .iter()
        .map(|r| routing.am_name(r))
        .collect();
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
        // An SLO whose exclusions mute its alerts: every receiver but the audit ones mutes them.
        if let Some(m) = routing
            .slo_mutes
            .iter()
            .find(|m| m.service == a.get(label::SERVICE) && m.slo == a.get(label::SLO))
        {
            for &n in &leaves {
                let node = &cfg.nodes[n];
                let missing: Vec<String> = m
                    .intervals
                    .iter()
                    .map(|i| names::alertmanager_name(i))
                    .filter(|i| !node.mute_time_intervals.contains(i))
                    .collect();
                if !audit.contains(&node.receiver) && !missing.is_empty() {
                    push(
                        Some(a.get(label::TEAM)),
                        format!(
                            "{}/{} {} reaches {} at {} without muting {}, although its exclusions mute its alerts",
                            m.service,
                            m.slo,
                            a.stage(),
                            node.receiver,
                            node.path,
                            missing.join(", ")
                        ),
                    );
                }
            }
        }
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
                        .any(|x| routing.am_name(x) == *r)
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
    let mut inhibitions = Inhibitions::default();
    for r in &cfg.inhibit_rules {
        let before = inhibitions.errors.len();
        check_inhibition(r, &alerts, &carried, &mut inhibitions);
        for message in inhibitions.errors.drain(before..) {
            findings.insert(Finding {
                team: None,
                message,
                inhibit_rule: Some(r.index),
            });
        }
    }
    let inhibit_rules = cfg.inhibit_rules.len();
    let routes = owned.len() - usize::from(catch_all.is_some());
    Ok(Proof {
        routed,
        findings: findings.into_iter().collect(),
        routes,
        reached_routes: reached,
        inhibit_rules,
        notes: inhibitions.notes,
    })
}

/// What the inhibition checks found.
#[derive(Default)]
struct Inhibitions {
    errors: Vec<String>,
    notes: Vec<String>,
}

impl Report for Inhibitions {
    fn error(&mut self, message: String) {
        self.errors.push(message);
    }
    fn note(&mut self, message: String) {
        self.notes.push(message);
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
