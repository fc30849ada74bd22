//! Ruler targets: what changes for the ruler that evaluates the rules (Prometheus, Grafana
//! Mimir, Cortex, Thanos Ruler, vmalert), several SLOs packed into one rule group, and the
//! ruler's limits on rules per group and groups per tenant.
//!
//! A target never changes a rule: it says which keys the renderer adds ([`Target::namespaced`],
//! [`Target::partial_response_strategy`]), [`pack`] merges rule groups, and [`measure`] and
//! [`FleetUsage`] hold the rule files as rendered against the limits.

use std::collections::BTreeMap;

use super::rules::{Rule, RuleFile, RuleGroup};
use crate::names;

/// The ruler that loads the generated rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// Prometheus rule files (and the Prometheus Operator's `PrometheusRule` resources).
    #[default]
    Prometheus,
    /// Grafana Mimir's ruler, loaded with `mimirtool rules load`.
    Mimir,
    /// Cortex's ruler, loaded with `cortextool rules load`.
    Cortex,
    /// Thanos Ruler.
    Thanos,
    /// vmalert, or the VictoriaMetrics operator's `VMRule` resources.
    VictoriaMetrics,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Prometheus => "prometheus",
            Target::Mimir => "mimir",
            Target::Cortex => "cortex",
            Target::Thanos => "thanos",
            Target::VictoriaMetrics => "victoriametrics",
        }
    }

    /// The limits of the ruler as it comes: Mimir's `ruler_max_rules_per_rule_group` (20) and
    /// `ruler_max_rule_groups_per_tenant` (70); the same settings of Cortex are 0 (no limit)
    /// unless set; the other rulers have none.
    pub fn default_limits(self) -> RulerLimits {
        match self {
            Target::Mimir => RulerLimits {
                rules_per_group: 20,
                groups: 70,
            },
            Target::Prometheus | Target::Cortex | Target::Thanos | Target::VictoriaMetrics => {
                RulerLimits::default()
            }
        }
    }

    /// A rule file holds the groups of one ruler namespace, named by a top-level `namespace`
    /// beside `groups` (the files of `mimirtool rules load` and `cortextool rules load`).
    pub fn namespaced(self) -> bool {
        matches!(self, Target::Mimir | Target::Cortex)
    }

    /// Thanos Ruler's `partial_response_strategy` of every group: `abort`, its default, written
    /// out so that no rule evaluates on partial data, whatever the querier's own setting.
    pub fn partial_response_strategy(self) -> Option<&'static str> {
        matches!(self, Target::Thanos).then_some("abort")
    }

    /// promtool reads the target's plain rule files, so the generated unit tests can run on
    /// them (it refuses the keys `namespace` and `partial_response_strategy`).
    pub fn promtool_reads(self) -> bool {
        !self.namespaced() && self.partial_response_strategy().is_none()
    }
}

/// A ruler's limits; 0 is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RulerLimits {
    /// Rules in one rule group.
    pub rules_per_group: usize,
    /// Rule groups of one tenant: the rule files of every service, loaded into one tenant.
    pub groups: usize,
}

impl RulerLimits {
    pub fn any(self) -> bool {
        self.rules_per_group > 0 || self.groups > 0
    }
}

/// The ruler of a run and how its rule groups are formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetOptions {
    pub target: Target,
    pub limits: RulerLimits,
    /// SLOs of a service whose rules share a rule group (1: the groups as compiled).
    pub slos_per_group: usize,
}

impl Default for TargetOptions {
    fn default() -> TargetOptions {
        TargetOptions::of(Target::Prometheus)
    }
}

impl TargetOptions {
    /// `target` with its default limits and the groups as compiled.
    pub fn of(target: Target) -> TargetOptions {
        TargetOptions {
            target,
            limits: target.default_limits(),
            slos_per_group: 1,
        }
    }
}

fn labels(r: &Rule) -> &BTreeMap<String, String> {
    match r {
        Rule::Record(r) => &r.labels,
        Rule::Alert(a) => &a.labels,
    }
}

/// The SLOs whose rules a group holds (the `slo` label of its rules), in order; a group
/// without the label counts as one SLO, named by the group.
pub(crate) fn slos_of(g: &RuleGroup) -> Vec<String> {
    let mut slos: Vec<String> = Vec::new();
    for r in &g.rules {
        if let Some(s) = labels(r).get(names::label::SLO)
            && !slos.contains(s)
        {
            slos.push(s.clone());
        }
    }
    if slos.is_empty() {
        slos.push(g.name.clone());
    }
    slos
}

/// The rule file of `service` with the rules of up to `slos_per_group` SLOs in a group: each
/// group joins the last one opened for its evaluation interval while their SLOs together are
/// at most `slos_per_group`, else it opens the next one. Groups of different intervals are never
/// merged; every SLO's rules keep their order, and the groups the order of their first SLO. A
/// group of one keeps its name, a merged one is named by [`names::packed_group`]. With 1 the file
/// is returned as it is.
pub fn pack(file: RuleFile, service: &str, slos_per_group: usize) -> RuleFile {
    if slos_per_group <= 1 {
        return file;
    }
    struct Packed {
        group: RuleGroup,
        slos: Vec<String>,
        last: String,
        members: usize,
    }
    let mut packed: Vec<Packed> = Vec::new();
    // The group still open for each interval, by its index in `packed`.
    let mut open: Vec<(String, usize)> = Vec::new();
    for g in file.groups {
        let slos = slos_of(&g);
        let open_at = open
            .iter()
            .position(|(interval, _)| *interval == g.interval);
        let joins = open_at.map(|k| open[k].1).filter(|&i| {
            let p = &packed[i];
            p.slos.len() + slos.iter().filter(|s| !p.slos.contains(s)).count() <= slos_per_group
        });
        match joins {
            Some(i) => {
                let p = &mut packed[i];
                for s in slos {
                    if !p.slos.contains(&s) {
                        p.slos.push(s);
                    }
                }
                p.group.rules.extend(g.rules);
                p.last = g.name;
                p.members += 1;
            }
            None => {
                let i = packed.len();
                match open_at {
                    Some(k) => open[k].1 = i,
                    None => open.push((g.interval.clone(), i)),
                }
                packed.push(Packed {
                    last: g.name.clone(),
                    group: g,
                    slos,
                    members: 1,
                });
            }
        }
    }
    let groups = packed
        .into_iter()
        .map(|p| {
            let mut g = p.group;
            if p.members > 1 {
                g.name = names::packed_group(service, &g.name, &p.last);
            }
            g
        })
        .collect();
    RuleFile { groups }
}

/// The rule file of `service` as `opts` has it rendered.
pub fn shape(file: RuleFile, service: &str, opts: &TargetOptions) -> RuleFile {
    pack(file, service, opts.slos_per_group)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::{RuleFile, RuleGroup, pack};
    use crate::compile::rules::{AlertingRule, RecordingRule, Rule};

    /// A group of `rules` rules of SLO `slo`, named as the compiler names an SLO's group (with
    /// the interval after it but for 1m).
    fn group(slo: &str, interval: &str, rules: usize) -> RuleGroup {
        let labels = Arc::new(BTreeMap::from([("slo".to_string(), slo.to_string())]));
        let mut out = vec![Rule::Record(RecordingRule {
            record: "r".into(),
            expr: "vector(1)".into(),
            labels,
        })];
        out.extend((1..rules).map(|_| {
            Rule::Alert(AlertingRule {
                alert: "A".into(),
                expr: "vector(1)".into(),
                for_: None,
                keep_firing_for: None,
                labels: Arc::default(),
                annotations: Arc::default(),
            })
        }));
        let suffix = if interval == "1m" {
            String::new()
        } else {
            format!("-{interval}")
        };
        RuleGroup {
            name: format!("sloforge-svc-{slo}{suffix}"),
            interval: interval.into(),
            rules: out,
        }
    }

    fn shape(f: &RuleFile) -> Vec<(&str, &str, usize)> {
        f.groups
            .iter()
            .map(|g| (g.name.as_str(), g.interval.as_str(), g.rules.len()))
            .collect()
    }

    #[test]
    fn packs_the_groups_of_one_interval_slo_by_slo() {
        let file = RuleFile {
            groups: vec![
                group("a", "1m", 3),
                group("a", "1h", 1),
                group("b", "1m", 2),
                group("b", "1h", 1),
                group("c", "1m", 4),
                group("c", "1h", 1),
            ],
        };
        assert_eq!(pack(file.clone(), "svc", 1), file);
        assert_eq!(
            shape(&pack(file.clone(), "svc", 2)),
            [
                ("sloforge-svc-a..b", "1m", 5),
                ("sloforge-svc-a-1h..b-1h", "1h", 2),
                ("sloforge-svc-c", "1m", 4),
                ("sloforge-svc-c-1h", "1h", 1)
            ]
        );
        let all = pack(file, "svc", 10);
        assert_eq!(
            shape(&all),
            [
                ("sloforge-svc-a..c", "1m", 9),
                ("sloforge-svc-a-1h..c-1h", "1h", 3)
            ]
        );
        // Each SLO's rules stay together and in order.
        let slo_at = |i: usize| match &all.groups[0].rules[i] {
            Rule::Record(r) => r.labels["slo"].clone(),
            Rule::Alert(_) => String::new(),
        };
        assert_eq!([slo_at(0), slo_at(3), slo_at(5)], ["a", "b", "c"]);
    }

    #[test]
    fn an_slo_with_two_groups_of_one_interval_counts_once() {
        let mut second = group("a", "1m", 2);
        second.name = "sloforge-svc-a-more".into();
        let file = RuleFile {
            groups: vec![
                group("a", "1m", 1),
                second,
                group("b", "1m", 1),
                group("c", "1m", 1),
            ],
        };
        assert_eq!(
            shape(&pack(file, "svc", 2)),
            [("sloforge-svc-a..b", "1m", 4), ("sloforge-svc-c", "1m", 1)]
        );
    }
}
