//! Inhibition rules derived from the model: within one SLO, a firing alert mutes the alerts
//! that say less (a page mutes the ticket of the same SLO).

use std::collections::{BTreeMap, BTreeSet};

use super::config::InhibitRule;
use super::{identity, inhibition_equal};
use crate::model::Fleet;
use crate::model::routing::Routing;
use crate::names::label;
use crate::syntax::gotmpl;
use crate::syntax::matchers::Matcher;

/// The alerts of one SLO, by team: (severity, the label naming the alert within the SLO, its
/// value), e.g. (`page`, `alert_tier`, `page-fast`), (`page`, `budget_stage`, `exhausted`) or
/// (`ticket`, `no_data`, `events`).
type SloAlerts = BTreeSet<(String, &'static str, String)>;

/// The alerts of every SLO that take part in the severity cascade: burn tiers and no-data
/// alerts. Budget stages are policy notifications: they neither inhibit nor are inhibited.
pub(super) fn slo_alerts(fleet: &Fleet) -> Vec<(String, SloAlerts)> {
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
                .map(|(sev, name, value)| (gotmpl::expand_literal(sev), name, value.to_string()))
                .collect();
            v.push((s.team.clone(), a));
        }
    }
    v
}

pub(super) fn has_severity(a: &SloAlerts, severity: &str) -> bool {
    a.iter().any(|(sev, _, _)| sev == severity)
}

/// An inhibition rule, with the team set whose SLOs it applies to.
#[derive(Debug, Clone)]
pub(super) struct Inhibition {
    pub(super) rule: InhibitRule,
    pub(super) teams: BTreeSet<String>,
}

pub(super) fn inhibitions(fleet: &Fleet, routing: &Routing) -> Vec<Inhibition> {
    let slos = slo_alerts(fleet);
    // Severities some budget stage carries: a cascade rule onto one of them spares the stages.
    let stage_severities: BTreeSet<String> = fleet
        .services
        .iter()
        .flat_map(|s| &s.slos)
        .flat_map(|slo| &slo.budget_alerts)
        .map(|b| gotmpl::expand_literal(&b.severity))
        .collect();
    let ident: Vec<Matcher> = identity().iter().map(|l| Matcher::present(l)).collect();
    let rule = |src: Vec<Matcher>, dst: Matcher| {
        let spare_stages = stage_severities
            .iter()
            .any(|s| dst == Matcher::equal(label::SEVERITY, s))
            .then(|| Matcher::equal(label::BUDGET_STAGE, ""));
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
                        vec![
                            Matcher::equal(label::SEVERITY, hi),
                            Matcher::equal(name, value),
                        ],
                        Matcher::equal(label::SEVERITY, lo),
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
            rule: rule(
                vec![Matcher::equal(label::TIER, fast)],
                Matcher::equal(label::TIER, slow),
            ),
            teams: teams.clone(),
        });
    }
    for i in &mut out {
        i.rule.equal = inhibition_equal(fleet, &i.teams);
    }
    out
}
