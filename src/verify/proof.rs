//! The routing proof. Every alert the generated rules can produce (its static labels) is routed
//! through an Alertmanager configuration by sloforge's own implementation of Alertmanager's
//! matching (matchers, nesting, `continue`, inherited receivers, the default route), and the
//! receivers it reaches are compared with the routing spec. The proof also checks what
//! `amtool check-config` does not: routes nothing can reach, alerts that land on the default
//! receiver, `continue` routes without a catch-all, matchers on labels no alert carries, and
//! inhibition rules that mute more than the SLO they are about.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::alerts::{AlertInstance, alert_instances};
use super::amconfig::{AmConfig, ConfigError, InhibitRule, RouteNode, is_sloforge_rule};
use crate::compile::alertmanager;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Fleet;
use crate::model::routing::Routing;
use crate::names::{self, label};
use crate::syntax::matchers::Matcher;

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
pub fn prove(fleet: &Fleet, routing: &Routing, config_text: &str) -> Result<Proof, ConfigError> {
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

pub(crate) fn check_inhibition(
    r: &InhibitRule,
    alerts: &[AlertInstance],
    carried: &BTreeSet<&str>,
    push: &mut impl FnMut(Option<&str>, String),
) {
    let name = format!("inhibit_rules[{}]", r.index);
    let matches = |side: &[Matcher], a: &AlertInstance| side.iter().all(|m| a.matched_by(m));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::alerts::tests::alert;

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
