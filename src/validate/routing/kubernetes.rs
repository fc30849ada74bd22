//! The `kubernetes` block of the `AlertRouting` document: the matcher strategy of the Prometheus
//! Operator's Alertmanager and the namespace it runs in.

use crate::diag::Code;
use crate::load::routing::RoutingSpec;
use crate::model::routing::{MatcherStrategy, Operator};
use crate::validate::Ctx;

use super::teams::is_dns_label;

/// The operator settings of the document (the operator's defaults when it has none).
pub(super) fn operator(cx: &mut Ctx, spec: &RoutingSpec) -> Operator {
    let Some(k) = &spec.kubernetes else {
        return Operator::default();
    };
    let mut out = Operator::default();
    if let Some(s) = &k.matcher_strategy {
        match MatcherStrategy::parse(&s.value) {
            Some(m) => out.matcher_strategy = m,
            None => {
                let names: Vec<String> = MatcherStrategy::ALL
                    .iter()
                    .map(|m| format!("`{}`", m.name()))
                    .collect();
                cx.err_help(
                    Code::Config,
                    s.loc,
                    "kubernetes.matcher_strategy",
                    format!(
                        "`{}` is not an alertmanagerConfigMatcherStrategy type",
                        s.value.escape_debug()
                    ),
                    format!("one of {}", names.join(", ")),
                );
            }
        }
    }
    if let Some(ns) = &k.alertmanager_namespace {
        if !is_dns_label(&ns.value) {
            cx.err(
                Code::Name,
                ns.loc,
                "kubernetes.alertmanager_namespace",
                format!(
                    "`{}` is not a Kubernetes namespace name",
                    ns.value.escape_debug()
                ),
            );
        }
        out.alertmanager_namespace = Some(ns.value.clone());
    }
    if out.matcher_strategy == MatcherStrategy::OnNamespaceExceptForAlertmanagerNamespace
        && out.alertmanager_namespace.is_none()
        && let Some(s) = &k.matcher_strategy
    {
        cx.err(
            Code::Config,
            s.loc,
            "kubernetes.matcher_strategy",
            "`OnNamespaceExceptForAlertmanagerNamespace` needs `kubernetes.alertmanager_namespace`, the namespace of the Alertmanager resource",
        );
    }
    out
}
