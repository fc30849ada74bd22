//! The ruler's limits on the rule files as rendered: rules per group (E121) and rule groups per
//! tenant (E122).

use std::path::PathBuf;

use rayon::prelude::*;

use crate::compile::rules::RuleFile;
use crate::compile::target::{Target, TargetOptions, shape, slos_of};
use crate::compile::{Compilation, CompiledService};
use crate::diag::{Code, Diagnostic, Diagnostics, Loc};
use crate::model::{HistogramKind, Service, Sli};

/// What the rule file of one service takes from the ruler's limits.
#[derive(Debug, Clone)]
pub struct ServiceUsage {
    pub service: String,
    /// The service's spec file.
    pub file: PathBuf,
    /// Rule groups of its rule file.
    pub groups: usize,
    /// Its rule groups with more rules than the limit (E121).
    pub diagnostics: Diagnostics,
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--target mimir's default is 20`, `--target cortex's default is no limit`.
fn default_of(target: Target, limit: usize) -> String {
    let value = if limit == 0 {
        "no limit".to_string()
    } else {
        limit.to_string()
    };
    format!("--target {}'s default is {value}", target.name())
}

/// The SLIs of a service that the target's ruler cannot evaluate: vmalert reads VictoriaMetrics,
/// which has no native histograms (the `engines` of valid specs hold no `victoriametrics` then,
/// but `--target` is the command line's).
pub fn engine_gaps(service: &Service, target: Target) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    if target != Target::VictoriaMetrics {
        return diagnostics;
    }
    for (i, slo) in service.slos.iter().enumerate() {
        if let Sli::Latency {
            histogram: HistogramKind::Native,
            ..
        } = slo.sli
        {
            diagnostics.push(
                Diagnostic::error(
                    Code::Sli,
                    &service.file,
                    Loc::default(),
                    format!("slos[{i}].sli.latency.histogram"),
                    format!(
                        "`--target victoriametrics`: SLO `{}` of service `{}` reads a native histogram, which VictoriaMetrics does not store and vmalert cannot evaluate",
                        slo.name, service.name
                    ),
                )
                .with_help("generate these rules for a ruler on Prometheus 3 (`--target prometheus`, `mimir`, `cortex` or `thanos`), or read the classic histogram (`histogram: classic`) on every engine"),
            );
        }
    }
    diagnostics
}

/// Counts the groups of a service's rule file, as rendered, and reports each group with more
/// rules than `opts` allows (E121), and the SLIs the target cannot evaluate.
pub fn measure(service: &Service, file: &RuleFile, opts: &TargetOptions) -> ServiceUsage {
    let mut diagnostics = engine_gaps(service, opts.target);
    let limit = opts.limits.rules_per_group;
    for g in file
        .groups
        .iter()
        .filter(|g| limit > 0 && g.rules.len() > limit)
    {
        let slos = slos_of(g);
        let (what, help) = if slos.len() > 1 {
            (
                "SLOs",
                "pack fewer SLOs into a group (a smaller --slos-per-group), or, if the ruler takes more rules per group (Mimir and Cortex: `ruler_max_rules_per_rule_group`), give its limit with --max-rules-per-group N (0: no limit)",
            )
        } else {
            (
                "SLO",
                "if the ruler takes more rules per group (Mimir and Cortex: `ruler_max_rules_per_rule_group`), give its limit with --max-rules-per-group N (0: no limit); else turn off alert tiers or budget alerts of the SLO",
            )
        };
        let message = format!(
            "rule group `{}` of service `{}` ({what} {}) has {} rules, over the ruler's limit of {limit} rules per group (--max-rules-per-group; {})",
            g.name,
            service.name,
            quoted(&slos),
            g.rules.len(),
            default_of(opts.target, opts.target.default_limits().rules_per_group),
        );
        diagnostics.push(
            Diagnostic::error(
                Code::RulesPerGroup,
                &service.file,
                Loc::default(),
                "",
                message,
            )
            .with_help(help),
        );
    }
    ServiceUsage {
        service: service.name.clone(),
        file: service.file.clone(),
        groups: file.groups.len(),
        diagnostics,
    }
}

/// The rule files of every service of a run, against the ruler's limits.
#[derive(Debug, Default)]
pub struct FleetUsage {
    groups: usize,
    services: usize,
    /// The service with the most groups (the first by name of those with as many): its groups,
    /// name and spec file.
    largest: Option<(usize, String, PathBuf)>,
    diagnostics: Diagnostics,
}

impl FleetUsage {
    pub fn add(&mut self, u: ServiceUsage) {
        self.groups += u.groups;
        self.services += 1;
        let larger = self
            .largest
            .as_ref()
            .is_none_or(|(n, name, _)| u.groups > *n || (u.groups == *n && u.service < *name));
        if larger {
            self.largest = Some((u.groups, u.service, u.file));
        }
        self.diagnostics.extend(u.diagnostics);
    }

    /// [`FleetUsage::add`] for a service measured only when there are limits.
    pub fn add_some(&mut self, u: Option<ServiceUsage>) {
        if let Some(u) = u {
            self.add(u);
        }
    }

    /// Every limit exceeded: the groups with too many rules (E121), and more groups than the
    /// tenant takes (E122, reported at the service with the most).
    pub fn finish(self, opts: &TargetOptions) -> Diagnostics {
        let mut diagnostics = self.diagnostics;
        let limit = opts.limits.groups;
        if let Some((n, service, file)) = self.largest.filter(|_| limit > 0 && self.groups > limit)
        {
            let message = format!(
                "the rule files of {} services hold {} rule groups, over the ruler's limit of {limit} rule groups per tenant (--max-groups; {}); service `{service}` has the most: {n}",
                self.services,
                self.groups,
                default_of(opts.target, opts.target.default_limits().groups),
            );
            let help = "pack several SLOs into a group with --slos-per-group N, load the services into more than one tenant, or, if the ruler takes more groups (Mimir and Cortex: `ruler_max_rule_groups_per_tenant`), give its limit with --max-groups N (0: no limit)";
            diagnostics.push(
                Diagnostic::error(Code::GroupsPerTenant, &file, Loc::default(), "", message)
                    .with_help(help),
            );
        }
        diagnostics
    }
}

/// The limits of `opts` on every rule file of a compilation, as rendered (without limits,
/// nothing is built).
pub fn check(c: &Compilation, opts: &TargetOptions) -> Diagnostics {
    if !opts.limits.any() {
        let mut gaps = Diagnostics::default();
        for cs in c.rule_files.values() {
            gaps.extend(engine_gaps(&cs.service, opts.target));
        }
        return gaps;
    }
    let services: Vec<&CompiledService> = c.rule_files.values().collect();
    let usages: Vec<ServiceUsage> = services
        .par_iter()
        .map(|cs| {
            measure(
                &cs.service,
                &shape(cs.rules(&c.settings), &cs.service.name, opts),
                opts,
            )
        })
        .collect();
    let mut fleet = FleetUsage::default();
    for u in usages {
        fleet.add(u);
    }
    fleet.finish(opts)
}
