//! The driver's options from the command line's arguments: `generate` and `check`.

use std::collections::BTreeMap;

use super::args::{FormatArg, GenerateArgs, StrategyArg, TargetArg};
use crate::compile::target::{RulerLimits, Target, TargetOptions};
use crate::driver::generate::GenerateOptions;
use crate::model::routing::MatcherStrategy;
use crate::render::kubernetes::OperatorOverride;
use crate::render::{Format, RenderOptions};

pub(super) fn generate_options(a: GenerateArgs, check: bool) -> GenerateOptions {
    GenerateOptions {
        render: render_options(&a),
        specs: a.spec.specs(),
        output: a.output,
        check,
    }
}

fn render_options(a: &GenerateArgs) -> RenderOptions {
    RenderOptions {
        format: match a.format {
            FormatArg::Yaml => Format::Yaml,
            FormatArg::Kubernetes => Format::Kubernetes,
        },
        namespace: a.namespace.clone(),
        labels: a.labels.iter().cloned().collect::<BTreeMap<_, _>>(),
        tests: (!a.no_tests).then(|| {
            let mut t = crate::compile::scenarios::ScenarioOptions::default();
            if let Some(h) = a.test_history {
                t.max_history = h;
            }
            t
        }),
        no_runbooks: a.no_runbooks,
        no_dashboards: a.no_dashboards,
        target: target_options(a),
        operator: OperatorOverride {
            matcher_strategy: a.matcher_strategy.map(|m| match m {
                StrategyArg::OnNamespace => MatcherStrategy::OnNamespace,
                StrategyArg::OnNamespaceExceptForAlertmanagerNamespace => {
                    MatcherStrategy::OnNamespaceExceptForAlertmanagerNamespace
                }
                StrategyArg::None => MatcherStrategy::None,
            }),
            alertmanager_namespace: a.alertmanager_namespace.clone(),
        },
    }
}

fn target_options(a: &GenerateArgs) -> TargetOptions {
    let target = match a.target {
        TargetArg::Prometheus => Target::Prometheus,
        TargetArg::Mimir => Target::Mimir,
        TargetArg::Cortex => Target::Cortex,
        TargetArg::Thanos => Target::Thanos,
        TargetArg::VictoriaMetrics => Target::VictoriaMetrics,
    };
    let defaults = target.default_limits();
    TargetOptions {
        target,
        limits: RulerLimits {
            rules_per_group: a.max_rules_per_group.unwrap_or(defaults.rules_per_group),
            groups: a.max_groups.unwrap_or(defaults.groups),
        },
        slos_per_group: usize::from(a.slos_per_group),
    }
}
