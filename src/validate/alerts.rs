//! What the alerts of one SLO share: the objective they guard, their name and labels, and the
//! template variables and rendering of their annotations.

use std::collections::BTreeMap;

use super::Ctx;
use super::labels::check_labels;
use super::templates;
use crate::diag::{Code, Loc};
use crate::load::native::AlertingSpec;
use crate::load::spanned::Sp;
use crate::model::{Decimal, Duration};
use crate::syntax::gotmpl;

/// The objective of an SLO, as its alerts see it.
pub(super) struct Target {
    /// Percent of good events.
    pub(super) objective: Decimal,
    /// Where the objective is written in this file (a tier's objective is in the Defaults
    /// file: its SLO's name stands for it).
    pub(super) objective_loc: Loc,
    pub(super) window: Duration,
    /// The error budget as a ratio.
    pub(super) budget: Decimal,
}

/// What every alert of one SLO is built from.
pub(super) struct SloAlerts<'a> {
    /// Where the SLO is in its file.
    pub(super) path: &'a str,
    pub(super) target: Target,
    /// The name of the burn alerts, which the other alerts' names are built from.
    pub(super) name: String,
    /// The spec's alert labels, checked, as literal text of Go templates.
    pub(super) labels: BTreeMap<String, String>,
    /// The template variables of every annotation.
    pub(super) vars: Vec<(&'static str, String)>,
    /// The SLO's labels as literal text of Go templates, `labels` in annotation templates.
    pub(super) template_labels: BTreeMap<String, String>,
    /// The annotations budget-stage and no-data alerts share with the burn alerts: all but the
    /// summary and description, which are their own.
    pub(super) shared_annotations: BTreeMap<Sp<String>, Sp<String>>,
}

impl SloAlerts<'_> {
    /// The name of an alert other than the burn alerts: `…SLOBurn` with another suffix.
    pub(super) fn name_with(&self, suffix: &str) -> String {
        format!(
            "{}{suffix}",
            self.name.strip_suffix("SLOBurn").unwrap_or(&self.name)
        )
    }

    /// Renders annotation templates with this SLO's variables and `extra`: the sets merged,
    /// each over the one before it. An annotation that renders empty is left out.
    pub(super) fn annotations(
        &self,
        cx: &mut Ctx,
        extra: Vec<(&'static str, String)>,
        sets: &[&BTreeMap<Sp<String>, Sp<String>>],
    ) -> BTreeMap<String, String> {
        let ctx = templates::Context {
            base: &self.vars,
            extra,
            labels: &self.template_labels,
        };
        let mut merged: BTreeMap<&Sp<String>, &Sp<String>> = BTreeMap::new();
        for set in sets {
            for (k, v) in *set {
                merged.insert(k, v);
            }
        }
        let mut out = BTreeMap::new();
        for (k, v) in merged {
            // (The path is written out only for a diagnostic.)
            let path = || format!("{}.alerting.annotations.{}", self.path, k.value);
            match templates::render(&v.value, &ctx) {
                // An empty annotation removes an inherited one.
                Ok(s) if s.trim().is_empty() => {}
                Ok(s) if !gotmpl::actions_balanced(&s) => cx.err_help(
                    Code::TemplateSyntax,
                    v.loc,
                    path(),
                    "unclosed `{{` in the annotation: Prometheus would refuse to load the rule",
                    "close every `{{ … }}` action, or write a literal `{{` as `{{ \"{{\" }}`",
                ),
                Ok(s) => {
                    out.insert(k.value.clone(), s);
                }
                Err(templates::TemplateError::Syntax(m)) => cx.err(
                    Code::TemplateSyntax,
                    v.loc,
                    path(),
                    format!("template error: {m}"),
                ),
                Err(templates::TemplateError::Undefined(m)) => cx.err_help(
                    Code::TemplateUndefined,
                    v.loc,
                    path(),
                    format!("undefined template variable: {m}"),
                    format!("available: {}", templates::CONTEXT_KEYS.join(", ")),
                ),
            }
        }
        out
    }
}

fn camel(s: &str) -> String {
    s.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// An alert name is a label value (`alertname`): Prometheus, promtool and vmalert take any
/// text. Refused here: empty names, control characters and surrounding spaces, which no one
/// means and which make the name unreadable in notifications.
fn is_alert_name(s: &str) -> bool {
    !s.is_empty() && s.trim() == s && !s.chars().any(char::is_control)
}

/// The name of an SLO's burn alerts: the spec's, or service and SLO in CamelCase + `SLOBurn`.
pub(super) fn alert_name(
    cx: &mut Ctx,
    alerting: &AlertingSpec,
    path: &str,
    service: &str,
    slo: &str,
) -> String {
    match &alerting.name {
        Some(n) => {
            if !is_alert_name(&n.value) {
                cx.err(
                    Code::Name,
                    n.loc,
                    format!("{path}.alerting.name"),
                    format!(
                        "{:?} is not a valid alert name: give non-empty text without control characters or surrounding spaces",
                        n.value
                    ),
                );
            }
            n.value.clone()
        }
        None => format!("{}{}SLOBurn", camel(service), camel(slo)),
    }
}

/// The labels of `alerting.labels` that are valid, as literal text: Prometheus expands
/// templates in alert labels, and values from specs are text.
pub(super) fn alert_labels(
    cx: &mut Ctx,
    alerting: &AlertingSpec,
    path: &str,
) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    check_labels(
        cx,
        &alerting.labels,
        &format!("{path}.alerting.labels"),
        &mut labels,
    );
    for v in labels.values_mut() {
        *v = gotmpl::literal(v);
    }
    labels
}

/// The annotations of `alerting` but the summary and description: those the other alerts of
/// an SLO share with its burn alerts.
pub(super) fn shared_annotations(alerting: &AlertingSpec) -> BTreeMap<Sp<String>, Sp<String>> {
    alerting
        .annotations
        .iter()
        .filter(|(k, _)| k.value != "summary" && k.value != "description")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
