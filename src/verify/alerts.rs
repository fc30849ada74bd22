//! Every alert the generated rules can produce, with the static labels it carries.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Fleet, NoDataKind, Slo};
use crate::names::{self, label};
use crate::syntax::gotmpl;
use crate::syntax::matchers::Matcher;

/// One alert the rules can produce: its static labels (`alertname` included).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AlertInstance {
    pub labels: BTreeMap<String, String>,
}

impl AlertInstance {
    pub fn get(&self, name: &str) -> &str {
        self.labels.get(name).map_or("", String::as_str)
    }

    /// Whether matcher `m` matches the alert (a missing label is the empty string).
    pub fn matched_by(&self, m: &Matcher) -> bool {
        m.matches(self.get(&m.name))
    }

    /// What the alert is within its SLO, as tables name it: the tier of a burn alert,
    /// `budget <stage>`, `no-data <what>`, `guard max_groups`, else its name.
    pub fn what(&self) -> String {
        for (l, prefix) in [
            (label::TIER, ""),
            (label::BUDGET_STAGE, "budget "),
            (label::NO_DATA, "no-data "),
            (label::GUARD, "guard "),
        ] {
            let v = self.get(l);
            if !v.is_empty() {
                return format!("{prefix}{v}");
            }
        }
        self.get("alertname").to_string()
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

/// Every alert of the fleet with the labels it carries when it fires: the SLO's labels, the
/// window of the series the expression selects (the long window of a burn alert, the SLO
/// window of a budget alert), and the rule's own labels.
pub fn alert_instances(fleet: &Fleet) -> Vec<AlertInstance> {
    fleet
        .services
        .iter()
        .flat_map(|s| s.slos.iter().flat_map(slo_alert_instances))
        .collect()
}

/// The alerts of one SLO ([`alert_instances`]): its burn alerts, budget-stage alerts, no-data
/// alerts and too-many-groups alert, in that order and each in the order of the model.
///
/// The alerts of a grouped SLO carry its group labels (with the value [`names::GROUP_EXAMPLE`]),
/// but for the no-data alert on the SLI's events and the too-many-groups alert, which are the
/// SLO's.
pub fn slo_alert_instances(slo: &Slo) -> Vec<AlertInstance> {
    let mut out = Vec::new();
    let group = |labels: &mut BTreeMap<String, String>| {
        for l in slo.group_labels() {
            labels.insert(l.clone(), names::GROUP_EXAMPLE.to_string());
        }
    };
    for a in &slo.alerts {
        let mut labels = (*slo.labels).clone();
        group(&mut labels);
        labels.insert(label::WINDOW.into(), a.long_window.to_string());
        labels.extend(
            a.labels
                .iter()
                .map(|(k, v)| (k.clone(), gotmpl::expand_literal(v))),
        );
        labels.insert("alertname".into(), a.alert_name.clone());
        out.push(AlertInstance { labels });
    }
    for b in &slo.budget_alerts {
        let mut labels = (*slo.labels).clone();
        group(&mut labels);
        labels.insert(label::WINDOW.into(), slo.window.to_string());
        labels.extend(
            b.labels
                .iter()
                .map(|(k, v)| (k.clone(), gotmpl::expand_literal(v))),
        );
        labels.insert("alertname".into(), b.alert_name.clone());
        out.push(AlertInstance { labels });
    }
    // Label-free expressions: the rule's labels are all the alert carries.
    for n in &slo.no_data_alerts {
        let mut labels: BTreeMap<String, String> = n
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), gotmpl::expand_literal(v)))
            .collect();
        if n.kind == NoDataKind::ThresholdBucket {
            group(&mut labels);
        }
        labels.insert("alertname".into(), n.alert_name.clone());
        out.push(AlertInstance { labels });
    }
    if let Some(g) = &slo.grouping {
        let mut labels: BTreeMap<String, String> = g
            .guard
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), gotmpl::expand_literal(v)))
            .collect();
        labels.insert("alertname".into(), g.guard.alert_name.clone());
        out.push(AlertInstance { labels });
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::AlertInstance;

    pub(crate) fn alert(pairs: &[(&str, &str)]) -> AlertInstance {
        AlertInstance {
            labels: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}
