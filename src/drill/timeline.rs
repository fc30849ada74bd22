//! The drill's timeline from what promtool got at each evaluation: when each alert goes
//! pending, fires, resolves; which receivers Alertmanager's routing tree notifies of each
//! firing alert, with the inhibition rules applied among the alerts firing at that time; and
//! the remaining error budget of the struck SLOs. Only evaluations where something changes are
//! kept, with the first and the last.

use std::collections::BTreeMap;

use serde::Serialize;

use super::input::Plan;
use super::promtool::Sample;
use crate::model::{Duration, Service};
use crate::names::{self, label};
use crate::verify::alerts::AlertInstance;
use crate::verify::amconfig::AmConfig;

/// One evaluation of the timeline and what changed at it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Moment {
    /// Time since the scenario started, as `+12m`.
    pub(crate) at: String,
    pub(crate) seconds: u64,
    /// Remaining error budget of each struck SLO (a ratio: 1 is all of it, below 0 overspent).
    pub(crate) budget_remaining: BTreeMap<String, f64>,
    pub(crate) events: Vec<Event>,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum What {
    /// The scenario's bad events begin.
    ErrorsStart,
    /// They end: clean traffic again.
    ErrorsStop,
    /// The alert's condition holds; it waits out its `for`.
    Pending,
    /// The alert fires: Alertmanager notifies its receivers (none while it is inhibited).
    Firing,
    /// A firing alert becomes inhibited (or inhibited by another alert): its receivers hear no
    /// more of it.
    Inhibited,
    /// A firing alert is no longer inhibited: its receivers are notified now.
    Released,
    /// A firing alert stops firing.
    Resolved,
    /// A pending alert's condition stops holding before it fired.
    Cleared,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Event {
    pub(crate) what: What,
    /// `availability page-fast`: the SLO and the alert's tier, budget stage or no-data kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) alert: Option<String>,
    /// The alert's labels as Alertmanager gets them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) labels: Option<BTreeMap<String, String>>,
    /// Receivers notified (of a firing or released alert).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) receivers: Vec<String>,
    /// The alert that mutes this one, and the inhibition rule (`inhibit_rules[0]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) inhibited_by: Option<Inhibition>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Inhibition {
    pub(crate) alert: String,
    pub(crate) rule: String,
}

/// What a struck SLO's error budget went through.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Budget {
    pub(crate) slo: String,
    /// Remaining at the start of the scenario and at the end of the drill (ratios).
    pub(crate) before: f64,
    pub(crate) after: f64,
    /// `before - after`: the share of the whole budget the incident spent.
    pub(crate) spent: f64,
}

/// An alert active at the end of the drill.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Active {
    pub(crate) alert: String,
    pub(crate) state: String,
}

/// The timeline of a drill.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Timeline {
    pub(crate) moments: Vec<Moment>,
    pub(crate) budgets: Vec<Budget>,
    /// Alerts still pending or firing when the drill ends.
    pub(crate) active_at_end: Vec<Active>,
}

/// `+1h2m`: a time since the scenario's start.
pub(crate) fn offset(d: Duration) -> String {
    if d.as_millis() == 0 {
        "+0m".to_string()
    } else {
        format!("+{d}")
    }
}

/// An alert of the service: its name in the timeline and the order it is listed in.
struct Named {
    name: String,
    rank: (usize, usize, usize, String),
}

fn named(service: &Service, a: &AlertInstance) -> Named {
    let slo = a.get(label::SLO);
    let slo_i = service
        .slos
        .iter()
        .position(|s| s.name == slo)
        .unwrap_or(usize::MAX);
    let model = service.slos.get(slo_i);
    let tier = a.get(label::TIER);
    let stage = a.get(label::BUDGET_STAGE);
    let nodata = a.get(label::NO_DATA);
    let (kind, pos, what) = if !tier.is_empty() {
        let pos = model.and_then(|m| m.alerts.iter().position(|x| x.tier == tier));
        (0, pos, tier.to_string())
    } else if !stage.is_empty() {
        let pos = model.and_then(|m| m.budget_alerts.iter().position(|x| x.stage == stage));
        (1, pos, format!("budget {stage}"))
    } else if !nodata.is_empty() {
        (2, None, format!("no-data {nodata}"))
    } else {
        (3, None, a.get(names::alert_label::ALERTNAME).to_string())
    };
    let name = if slo.is_empty() {
        what.clone()
    } else {
        format!("{slo} {what}")
    };
    Named {
        rank: (slo_i, kind, pos.unwrap_or(usize::MAX), name.clone()),
        name,
    }
}

/// The alerts (by labels, without `alertstate`) and their states, and the remaining budgets by
/// SLO, of one evaluation's samples.
type Alerts = BTreeMap<AlertInstance, String>;

fn split(samples: &[Sample]) -> (Alerts, BTreeMap<String, f64>) {
    let mut alerts = BTreeMap::new();
    let mut budgets = BTreeMap::new();
    for s in samples {
        let name = s.labels.get("__name__").map_or("", String::as_str);
        if name == names::ALERTS {
            let mut labels = s.labels.clone();
            labels.remove("__name__");
            let state = labels
                .remove(names::alert_label::ALERTSTATE)
                .unwrap_or_default();
            alerts.insert(AlertInstance { labels }, state);
        } else if name == names::BUDGET_REMAINING
            && let Some(slo) = s.labels.get(label::SLO)
        {
            budgets.insert(slo.clone(), s.value);
        }
    }
    (alerts, budgets)
}

/// Receivers of a firing alert, or what inhibits it, among the alerts firing with it.
fn notify(
    cfg: Option<&AmConfig>,
    service: &Service,
    a: &AlertInstance,
    firing: &[AlertInstance],
) -> (Vec<String>, Option<Inhibition>) {
    let Some(cfg) = cfg else {
        return (Vec::new(), None);
    };
    if let Some((rule, source)) = cfg.inhibitor(a, firing) {
        return (
            Vec::new(),
            Some(Inhibition {
                alert: named(service, source).name,
                rule: format!("inhibit_rules[{rule}]"),
            }),
        );
    }
    let mut r = cfg.receivers_of(a);
    r.sort();
    r.dedup();
    (r, None)
}

/// Builds the timeline of a drill of `struck` SLOs of `service` from promtool's results.
pub(crate) fn build(
    service: &Service,
    struck: &[String],
    plan: &Plan,
    results: &BTreeMap<Duration, Vec<Sample>>,
    cfg: Option<&AmConfig>,
) -> Timeline {
    let last = plan.evaluations();
    let stop = plan.stop();
    let mut moments = Vec::new();
    let mut prev: Alerts = BTreeMap::new();
    // Firing alerts and what inhibited each (if anything) at the previous evaluation.
    let mut prev_muted: BTreeMap<AlertInstance, Option<String>> = BTreeMap::new();
    let mut first_budget: BTreeMap<String, f64> = BTreeMap::new();
    let mut last_budget: BTreeMap<String, f64> = BTreeMap::new();
    let empty = Vec::new();
    for k in 0..=last {
        let samples = results.get(&plan.eval_time(k)).unwrap_or(&empty);
        let (now, mut budgets) = split(samples);
        budgets.retain(|slo, _| struck.contains(slo));
        if k == 0 {
            first_budget = budgets.clone();
        }
        last_budget = budgets.clone();
        let firing: Vec<AlertInstance> = now
            .iter()
            .filter(|(_, s)| *s == names::alert_label::FIRING)
            .map(|(a, _)| a.clone())
            .collect();
        let mut events: Vec<(Named, Event)> = Vec::new();
        let mut muted_now = BTreeMap::new();
        let keys: std::collections::BTreeSet<&AlertInstance> =
            prev.keys().chain(now.keys()).collect();
        for a in keys {
            let before = prev.get(a).map(String::as_str);
            let after = now.get(a).map(String::as_str);
            let event = |what, receivers, inhibited_by| Event {
                what,
                alert: Some(named(service, a).name),
                labels: Some(a.labels.clone()),
                receivers,
                inhibited_by,
            };
            let what = match (before, after) {
                (None, Some("pending")) => Some(event(What::Pending, Vec::new(), None)),
                (Some("firing"), None) => Some(event(What::Resolved, Vec::new(), None)),
                (Some(_), None) => Some(event(What::Cleared, Vec::new(), None)),
                (b, Some("firing")) => {
                    let (receivers, inhibited) = notify(cfg, service, a, &firing);
                    let muted = inhibited.as_ref().map(|i| i.alert.clone());
                    muted_now.insert(a.clone(), muted.clone());
                    match (b, prev_muted.get(a)) {
                        (Some("firing"), Some(was)) if *was == muted => None,
                        (Some("firing"), _) if muted.is_some() => {
                            Some(event(What::Inhibited, receivers, inhibited))
                        }
                        (Some("firing"), _) => Some(event(What::Released, receivers, None)),
                        _ => Some(event(What::Firing, receivers, inhibited)),
                    }
                }
                _ => None,
            };
            if let Some(e) = what {
                events.push((named(service, a), e));
            }
        }
        events.sort_by(|x, y| x.0.rank.cmp(&y.0.rank));
        let mut events: Vec<Event> = events.into_iter().map(|(_, e)| e).collect();
        let marker = |what| Event {
            what,
            alert: None,
            labels: None,
            receivers: Vec::new(),
            inhibited_by: None,
        };
        if k == stop {
            events.insert(0, marker(What::ErrorsStop));
        }
        if k == 0 {
            events.insert(0, marker(What::ErrorsStart));
        }
        if !events.is_empty() || k == last {
            let since = Duration::from_millis(k * plan.step.as_millis());
            moments.push(Moment {
                at: offset(since),
                seconds: since.as_millis() / 1000,
                budget_remaining: budgets,
                events,
            });
        }
        prev = now;
        prev_muted = muted_now;
    }
    let budgets = struck
        .iter()
        .filter_map(|slo| {
            let before = *first_budget.get(slo)?;
            let after = *last_budget.get(slo)?;
            Some(Budget {
                slo: slo.clone(),
                before,
                after,
                spent: before - after,
            })
        })
        .collect();
    let mut active: Vec<(Named, Active)> = prev
        .iter()
        .map(|(a, s)| {
            let n = named(service, a);
            let active = Active {
                alert: n.name.clone(),
                state: s.clone(),
            };
            (n, active)
        })
        .collect();
    active.sort_by(|x, y| x.0.rank.cmp(&y.0.rank));
    Timeline {
        moments,
        budgets,
        active_at_end: active.into_iter().map(|(_, a)| a).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "route:\n  receiver: fallback\n  routes:\n    - {receiver: audit, continue: true}\n    - {receiver: pager, matchers: ['severity=\"page\"']}\n    - {receiver: chat}\nreceivers: [{name: fallback}, {name: audit}, {name: pager}, {name: chat}]\ninhibit_rules:\n  - source_matchers: ['severity=\"page\"']\n    target_matchers: ['severity=\"ticket\"']\n    equal: [slo]\n";

    fn sample(tier: &str, severity: &str, state: &str) -> Sample {
        let labels = [
            ("__name__", names::ALERTS),
            ("alertname", "Burn"),
            ("alertstate", state),
            ("alert_tier", tier),
            ("severity", severity),
            ("service", "checkout"),
            ("slo", "availability"),
        ];
        Sample {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value: 1.0,
        }
    }

    fn budget(v: f64) -> Sample {
        let labels = [
            ("__name__", names::BUDGET_REMAINING),
            ("service", "checkout"),
            ("slo", "availability"),
        ];
        Sample {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value: v,
        }
    }

    #[test]
    fn a_page_mutes_its_ticket_until_it_resolves() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let b = crate::build(&[root.join("slo-specs")], false);
        let fleet = b.fleet.expect("the demo fleet compiles");
        let service = fleet
            .services
            .iter()
            .find(|s| s.name == "checkout")
            .expect("checkout");
        let plan = Plan {
            step: Duration::from_mins(1),
            warm_up: Duration::from_mins(1),
            before: Duration::from_mins(10),
            during: Duration::from_mins(3),
            after: Duration::from_mins(3),
        };
        let at = |k: u64, s: Vec<Sample>| (plan.eval_time(k), s);
        let results: BTreeMap<Duration, Vec<Sample>> = [
            at(0, vec![budget(1.0)]),
            at(1, vec![budget(0.9), sample("page-fast", "page", "pending")]),
            at(
                2,
                vec![
                    budget(0.8),
                    sample("page-fast", "page", "firing"),
                    sample("ticket-fast", "ticket", "firing"),
                ],
            ),
            at(
                3,
                vec![
                    budget(0.7),
                    sample("page-fast", "page", "firing"),
                    sample("ticket-fast", "ticket", "firing"),
                ],
            ),
            at(
                4,
                vec![budget(0.7), sample("ticket-fast", "ticket", "firing")],
            ),
            at(5, vec![budget(0.7)]),
            at(
                6,
                vec![budget(0.7), sample("ticket-fast", "ticket", "pending")],
            ),
        ]
        .into_iter()
        .collect();
        let cfg = AmConfig::parse(CONFIG).unwrap();
        let t = build(
            service,
            &["availability".to_string()],
            &plan,
            &results,
            Some(&cfg),
        );
        let seen: Vec<(String, What, Vec<String>, Option<String>)> = t
            .moments
            .iter()
            .flat_map(|m| {
                m.events.iter().map(|e| {
                    (
                        m.at.clone(),
                        e.what,
                        e.receivers.clone(),
                        e.inhibited_by.as_ref().map(|i| i.alert.clone()),
                    )
                })
            })
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            seen,
            [
                ("+0m".into(), What::ErrorsStart, vec![], None),
                ("+1m".into(), What::Pending, vec![], None),
                ("+2m".into(), What::Firing, s(&["audit", "pager"]), None),
                (
                    "+2m".into(),
                    What::Firing,
                    vec![],
                    Some("availability page-fast".into())
                ),
                ("+3m".into(), What::ErrorsStop, vec![], None),
                ("+4m".into(), What::Resolved, vec![], None),
                ("+4m".into(), What::Released, s(&["audit", "chat"]), None),
                ("+5m".into(), What::Resolved, vec![], None),
                ("+6m".into(), What::Pending, vec![], None),
            ]
        );
        assert_eq!(t.budgets.len(), 1);
        assert!((t.budgets[0].spent - 0.3).abs() < 1e-9);
        assert_eq!(t.active_at_end.len(), 1);
        assert_eq!(t.active_at_end[0].state, "pending");
    }
}
