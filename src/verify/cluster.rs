//! The routing proof in the cluster: every alert, with the labels it carries there, routed
//! through the configuration the Prometheus Operator builds from the generated
//! `AlertmanagerConfig`s ([`super::operator`]), must reach exactly its team's receivers, and
//! every generated inhibition rule must still apply. What `alertmanager.yml` proves says
//! nothing of the namespace matchers the operator adds; this does.

use std::collections::{BTreeMap, BTreeSet};

use super::alerts::{AlertInstance, alert_instances};
use super::amconfig::{AmConfig, ConfigError};
use super::inhibit::{Report, check_inhibition};
use super::operator::{Merged, ROOT_RECEIVER, operator_config};
use super::proof::expected_receivers;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Fleet;
use crate::model::routing::{Operator, Routing};
use crate::names::label;

/// A problem of the routing in the cluster, about one team's alerts or the whole routing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClusterFinding {
    pub team: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

/// The proof's outcome: how many alerts were routed, and what is wrong.
#[derive(Debug, Clone)]
pub struct ClusterProof {
    pub alerts: usize,
    pub findings: Vec<ClusterFinding>,
}

/// What the proof needs to know of the cluster.
pub struct Cluster<'a> {
    pub operator: &'a Operator,
    /// The generated `AlertmanagerConfig` resources (YAML texts).
    pub resources: &'a [String],
    /// The `namespace` label the Kubernetes output puts on the alerts of each team.
    pub alert_namespaces: &'a BTreeMap<String, String>,
}

/// Every alert of the fleet with the labels it carries in the cluster: its static labels, and
/// the `namespace` label of its team's alerts where it carries none.
pub(crate) fn cluster_alerts(
    fleet: &Fleet,
    alert_namespaces: &BTreeMap<String, String>,
) -> Vec<AlertInstance> {
    let mut alerts = alert_instances(fleet);
    for a in &mut alerts {
        if !a.labels.contains_key(label::NAMESPACE)
            && let Some(ns) = alert_namespaces.get(a.get(label::TEAM))
        {
            a.labels.insert(label::NAMESPACE.into(), ns.clone());
        }
    }
    alerts
}

/// Where the proof's findings are.
const IN_CLUSTER: &str =
    "in the Alertmanager configuration the Prometheus Operator builds from the AlertmanagerConfigs";

/// `1 alert`, `3 alerts`.
fn count(n: usize) -> String {
    if n == 1 {
        "1 alert".into()
    } else {
        format!("{n} alerts")
    }
}

/// Up to three of `list`, and how many more.
fn examples(list: &[String]) -> String {
    let shown: Vec<&str> = list.iter().map(String::as_str).take(3).collect();
    match list.len() {
        n if n > 3 => format!("{} and {} more", shown.join(", "), n - 3),
        _ => shown.join(", "),
    }
}

/// `service/slo tier`, `service/slo budget-stage` or `service/slo no-data kind`.
fn describe(a: &AlertInstance) -> String {
    format!(
        "{}/{} {}",
        a.get(label::SERVICE),
        a.get(label::SLO),
        a.what()
    )
}

/// Why the alerts of `team` miss the route of its `AlertmanagerConfig`, when it is the namespace
/// matcher: the reason, and what to change.
fn namespace_miss(
    m: &Merged,
    a: &AlertInstance,
    operator: &Operator,
    team: &str,
) -> Option<(String, String)> {
    if !m.namespace_matcher || a.get(label::NAMESPACE) == m.namespace {
        return None;
    }
    let carried = match a.labels.get(label::NAMESPACE) {
        Some(v) => format!("`namespace=\"{v}\"`"),
        None => "no `namespace` label".to_string(),
    };
    let why = format!(
        "the Prometheus Operator (alertmanagerConfigMatcherStrategy `{}`) matches the route of AlertmanagerConfig {} only on `namespace=\"{}\"`, and these alerts carry {carried}",
        operator.matcher_strategy.name(),
        m.key,
        m.namespace
    );
    let help = match a.labels.get(label::NAMESPACE) {
        Some(v) => format!(
            "put the team's AlertmanagerConfig in the alerts' namespace (`teams.{team}.namespace: {v}`), or drop the `namespace` label from its SLOs' labels"
        ),
        None => format!(
            "give the alerts of team `{team}` a `namespace=\"{}\"` label, or set the matcher strategy the Alertmanager has (`kubernetes.matcher_strategy`, `--matcher-strategy`)",
            m.namespace
        ),
    };
    Some((why, help))
}

/// Proves the routing of the fleet's alerts in the configuration the operator builds from the
/// `AlertmanagerConfig`s of `cluster`.
pub fn prove_cluster(
    fleet: &Fleet,
    routing: &Routing,
    cluster: &Cluster,
) -> Result<ClusterProof, ConfigError> {
    // A resource without a namespace goes to the namespace of `kubectl`'s context; the
    // generated ones always name theirs.
    let (cfg, merged) = operator_config(cluster.resources, "default", cluster.operator)?;
    let alerts = cluster_alerts(fleet, cluster.alert_namespaces);
    let by_team: BTreeMap<&str, &Merged> = merged
        .iter()
        .filter_map(|m| m.team.as_deref().map(|t| (t, m)))
        .collect();
    let mut findings = BTreeSet::new();
    // Alerts that miss their team's route for its namespace matcher, by team and reason; the
    // others by (team, severity, reached, expected).
    let mut missed: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    // (team, severity, receivers reached, receivers expected) → the alerts.
    type Mismatch = (String, String, Vec<String>, Vec<String>);
    let mut mismatches: BTreeMap<Mismatch, Vec<String>> = BTreeMap::new();
    for a in &alerts {
        let team = a.get(label::TEAM);
        let reached = cfg.receivers_of(a);
        let own = by_team.get(team);
        let expected: Vec<String> = expected_receivers(routing, a)
            .iter()
            .map(|r| own.map_or_else(|| r.clone(), |m| m.prefixed(r)))
            .collect();
        if reached == expected {
            continue;
        }
        let what = describe(a);
        match own.and_then(|m| namespace_miss(m, a, cluster.operator, team)) {
            Some((why, help)) => missed
                .entry((team.into(), why, help))
                .or_default()
                .push(what),
            None => mismatches
                .entry((
                    team.into(),
                    a.get(label::SEVERITY).into(),
                    reached,
                    expected,
                ))
                .or_default()
                .push(what),
        }
    }
    for ((team, why, help), list) in missed {
        findings.insert(ClusterFinding {
            message: format!(
                "{} of team `{team}` ({}) reach none of the team's receivers in the cluster, only the Alertmanager's root route: {why}",
                count(list.len()),
                examples(&list)
            ),
            team: Some(team),
            help: Some(help),
        });
    }
    for ((team, severity, got, want), list) in mismatches {
        let got = if got == [ROOT_RECEIVER] {
            "only the Alertmanager's root route".to_string()
        } else {
            got.join(", ")
        };
        findings.insert(ClusterFinding {
            message: format!(
                "{IN_CLUSTER}, {} of team `{team}` with severity `{severity}` ({}) reach {got} instead of {}",
                count(list.len()),
                examples(&list),
                want.join(", ")
            ),
            team: Some(team),
            help: None,
        });
    }
    inhibition_findings(&cfg, &merged, &alerts, &mut findings);
    Ok(ClusterProof {
        alerts: alerts.len(),
        findings: findings.into_iter().collect(),
    })
}

/// The findings of each `AlertmanagerConfig`'s inhibition rules as the operator merged them,
/// alike ones of a resource together.
fn inhibition_findings(
    cfg: &AmConfig,
    merged: &[Merged],
    alerts: &[AlertInstance],
    findings: &mut BTreeSet<ClusterFinding>,
) {
    let carried: BTreeSet<&str> = alerts
        .iter()
        .flat_map(|a| a.labels.keys().map(String::as_str))
        .collect();
    // The findings of each resource's inhibition rules, alike ones together:
    // (team, resource, finding without the rule's name) → the rules' indexes in the resource.
    let mut inhibitions: BTreeMap<(Option<String>, String, String), Vec<usize>> = BTreeMap::new();
    for m in merged {
        for (i, r) in cfg.inhibit_rules[m.inhibit_rules.clone()]
            .iter()
            .enumerate()
        {
            let name = format!("inhibit_rules[{}]", r.index);
            check_inhibition(
                r,
                alerts,
                &carried,
                &mut Errors(|message: String| {
                    let rest = message
                        .trim_start_matches(&name)
                        .trim_start_matches(':')
                        .trim();
                    let rules = inhibitions
                        .entry((m.team.clone(), m.key.clone(), rest.to_string()))
                        .or_default();
                    if !rules.contains(&i) {
                        rules.push(i);
                    }
                }),
            );
        }
    }
    for ((team, key, rest), rules) in inhibitions {
        let rules: Vec<String> = rules.iter().map(ToString::to_string).collect();
        findings.insert(ClusterFinding {
            team,
            message: format!(
                "{IN_CLUSTER}, AlertmanagerConfig {key}: inhibitRules {}: {rest}",
                rules.join(", ")
            ),
            help: None,
        });
    }
}

/// Runs [`prove_cluster`]; its findings become diagnostics located at the routing spec (the
/// team's entry where a finding is about one team).
pub(crate) fn verify_cluster(fleet: &Fleet, cluster: &Cluster) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let Some(routing) = &fleet.routing else {
        return diags;
    };
    match prove_cluster(fleet, routing, cluster) {
        Ok(p) => {
            for f in p.findings {
                let team = f.team.as_ref().and_then(|t| routing.teams.get(t));
                let d = Diagnostic::error(
                    Code::Routing,
                    &routing.file,
                    team.map_or(routing.loc, |t| t.loc),
                    f.team
                        .as_ref()
                        .map(|t| format!("teams.{t}"))
                        .unwrap_or_default(),
                    f.message,
                );
                diags.push(match f.help {
                    Some(h) => d.with_help(h),
                    None => d,
                });
            }
        }
        Err(e) => diags.push(Diagnostic::error(
            Code::Routing,
            &routing.file,
            routing.loc,
            "",
            format!("the generated AlertmanagerConfigs do not read back: {e}"),
        )),
    }
    diags
}

/// The errors of an inhibition check, each handed to a function; its notes (rules that cannot
/// mute a generated alert) say nothing about the cluster.
struct Errors<F: FnMut(String)>(F);

impl<F: FnMut(String)> Report for Errors<F> {
    fn error(&mut self, message: String) {
        (self.0)(message);
    }
    fn note(&mut self, _message: String) {}
}
