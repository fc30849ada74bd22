//! Kubernetes resources: the rule resource of a service (`PrometheusRule` of the Prometheus
//! Operator, `VMRule` of the VictoriaMetrics operator), the `namespace` label the alerts carry
//! for the operator's Alertmanager, and the whole fleet as one stream for `kubectl apply -f -`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{RenderOptions, header};
use crate::compile::Compilation;
use crate::compile::rules::{Rule, RuleFile};
use crate::compile::target::Target;
use crate::model::routing::{MatcherStrategy, Operator};
use crate::names;
use crate::syntax::yaml::to_yaml;

/// What the command line says of the Prometheus Operator's Alertmanager, over the routing
/// spec's `kubernetes` block.
#[derive(Debug, Clone, Default)]
pub struct OperatorOverride {
    /// `--matcher-strategy`.
    pub matcher_strategy: Option<MatcherStrategy>,
    /// `--alertmanager-namespace`.
    pub alertmanager_namespace: Option<String>,
}

impl OperatorOverride {
    /// `base` with every setting given here replaced.
    pub fn apply(&self, base: &Operator) -> Operator {
        Operator {
            matcher_strategy: self.matcher_strategy.unwrap_or(base.matcher_strategy),
            alertmanager_namespace: self
                .alertmanager_namespace
                .clone()
                .or_else(|| base.alertmanager_namespace.clone()),
        }
    }
}

#[derive(Serialize)]
struct Metadata<'a> {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    labels: BTreeMap<String, String>,
}

/// A `PrometheusRule` or `VMRule` resource: the same groups under `spec`.
#[derive(Serialize)]
struct RuleResource<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata<'a>,
    spec: RuleResourceSpec<'a>,
}

#[derive(Serialize)]
struct RuleResourceSpec<'a> {
    groups: Vec<ResourceGroup<'a>>,
}

#[derive(Serialize)]
struct ResourceGroup<'a> {
    name: &'a str,
    interval: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    partial_response_strategy: Option<&'static str>,
    rules: &'a [Rule],
}

/// API version and kind of the rule resources of a target: the VictoriaMetrics operator's
/// `VMRule`, else the Prometheus Operator's `PrometheusRule` (which its `ThanosRuler` reads too,
/// and Grafana Alloy loads into Mimir).
fn rule_resource_kind(target: Target) -> (&'static str, &'static str) {
    match target {
        Target::VictoriaMetrics => ("operator.victoriametrics.com/v1beta1", "VMRule"),
        Target::Prometheus | Target::Mimir | Target::Cortex | Target::Thanos => {
            ("monitoring.coreos.com/v1", "PrometheusRule")
        }
    }
}

pub(super) fn resource_labels(opts: &RenderOptions, service: &str) -> BTreeMap<String, String> {
    let mut labels = opts.labels.clone();
    labels.insert("app.kubernetes.io/managed-by".into(), "sloforge".into());
    labels.insert("sloforge.dev/service".into(), service.into());
    labels
}

/// The rule resource of one service, as (relative path, text).
pub(super) fn rule_resource(
    cs: &crate::compile::CompiledService,
    rules: &RuleFile,
    opts: &RenderOptions,
) -> (String, String) {
    let name = &cs.service.name;
    let t = opts.target.target;
    let (api_version, kind) = rule_resource_kind(t);
    let groups = rules
        .groups
        .iter()
        .map(|g| ResourceGroup {
            name: &g.name,
            interval: &g.interval,
            partial_response_strategy: t.partial_response_strategy(),
            rules: &g.rules,
        })
        .collect();
    let resource = RuleResource {
        api_version,
        kind,
        metadata: Metadata {
            name: names::rule_resource(name),
            namespace: opts.namespace.as_deref(),
            labels: resource_labels(opts, name),
        },
        spec: RuleResourceSpec { groups },
    };
    (
        names::rule_resource_file(name, kind),
        header(&cs.source) + &to_yaml(&resource),
    )
}

/// The Prometheus Operator's Alertmanager the resources are for: the routing spec's, with the
/// command line's settings over it (the operator's defaults without routing).
pub fn operator(c: &Compilation, opts: &RenderOptions) -> Operator {
    let base = c
        .alertmanager
        .as_ref()
        .map(|am| am.operator().clone())
        .unwrap_or_default();
    opts.operator.apply(&base)
}

/// The `namespace` label of the alerts of each team (by team) in the Kubernetes output: the
/// namespace of the team's `AlertmanagerConfig` wherever the operator matches its routes on
/// `namespace` (none for other formats, or without routing).
pub fn alert_namespaces(c: &Compilation, opts: &RenderOptions) -> BTreeMap<String, String> {
    match (&c.alertmanager, opts.format) {
        (Some(am), super::Format::Kubernetes) => am.alert_namespaces(&operator(c, opts)),
        _ => BTreeMap::new(),
    }
}

/// The `AlertmanagerConfig` resources after the rule resources in one stream (`-o -`), each
/// document after a `---` line. A routing that `AlertmanagerConfig` cannot express leaves
/// them out: the command line reports why before it renders.
pub(super) fn alertmanager_stream(c: &Compilation, opts: &RenderOptions, out: &mut String) {
    let Some(am) = &c.alertmanager else { return };
    for text in am.kubernetes(&opts.labels).unwrap_or_default().values() {
        out.push_str("---\n");
        out.push_str(text);
    }
}
