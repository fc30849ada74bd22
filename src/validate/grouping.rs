//! `group_by`: one budget and one set of alerts per value of some labels of the SLI's series,
//! the labels checked, and the alert of the cardinality guard (`max_groups`) built.

use std::collections::BTreeMap;

use promql_parser::parser::{Expr, LabelModifier};

use super::Ctx;
use super::alerts::SloAlerts;
use super::labels::is_label_name;
use crate::diag::{Code, Loc};
use crate::load::spanned::Sp;
use crate::model::{Duration, Grouping, GuardAlert, Settings, SeverityKind, Sli};
use crate::names;
use crate::syntax::gotmpl;

/// Groups a grouped SLO may have before its guard fires, by default.
pub const DEFAULT_MAX_GROUPS: u64 = 50;

/// How long the groups must outnumber `max_groups` before the guard fires.
const GUARD_FOR: Duration = Duration::from_mins(15);

/// The `group` template variable: the group's labels as the alert's Go template prints them
/// (` [route=/pay]`), empty for an SLO without groups.
pub(super) fn group_var(labels: &[String]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = labels
        .iter()
        .map(|l| format!("{l}={{{{ $labels.{l} }}}}"))
        .collect();
    format!(" [{}]", parts.join(", "))
}

/// The group labels of `spec`, checked (valid, not set by sloforge or by the SLO's own labels,
/// each once); None after reporting why not.
pub(super) fn group_labels(
    cx: &mut Ctx,
    spec: &Sp<Vec<Sp<String>>>,
    path: &str,
    taken: &BTreeMap<String, String>,
    alert_labels: &BTreeMap<String, String>,
) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    if spec.value.is_empty() {
        cx.err_help(
            Code::LabelName,
            spec.loc,
            path,
            "`group_by` lists no label",
            "name the labels whose values make the groups (`group_by: [route]`), or remove the field",
        );
        return None;
    }
    for (i, l) in spec.value.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let name = l.value.as_str();
        if !is_label_name(name) || name.starts_with("__") {
            cx.err(
                Code::LabelName,
                l.loc,
                p,
                format!(
                    "`{}` is not a label name a group can have ([a-zA-Z_][a-zA-Z0-9_]*, not starting with `__`)",
                    name.escape_debug()
                ),
            );
            ok = false;
        } else if names::label::RESERVED.contains(&name) || name == names::label::NAMESPACE {
            cx.err_help(
                Code::Reserved,
                l.loc,
                p,
                format!("label `{name}` is set by sloforge and cannot make groups"),
                "group by a label of the SLI's series that sloforge does not write",
            );
            ok = false;
        } else if taken.contains_key(name) || alert_labels.contains_key(name) {
            cx.err_help(
                Code::Reserved,
                l.loc,
                p,
                format!("label `{name}` is one of the SLO's own labels"),
                "a rule's label replaces the series' value, so every group would merge into one: drop the label from `labels` (or `alerting.labels`) or group by another",
            );
            ok = false;
        } else if out.iter().any(|o| o == name) {
            cx.err(
                Code::LabelName,
                l.loc,
                p,
                format!("`{name}` is listed twice"),
            );
            ok = false;
        } else {
            out.push(name.to_string());
        }
    }
    ok.then_some(out)
}

/// Whether the SLI can be grouped: its queries must keep the group labels. Reports why not.
pub(super) fn check_sli(cx: &mut Ctx, sli: &Sli, labels: &[String], loc: Loc, path: &str) {
    match sli {
        Sli::RawRatio { .. } => cx.err_help(
            Code::Sli,
            loc,
            path,
            "a raw error-ratio SLI cannot be grouped: it has no events to weigh per group",
            "write the SLI as `ratio` or `events` (counters of errors and of all events), or remove `group_by`",
        ),
        Sli::WindowedEvents { errors, total } => {
            for (which, e) in [("error", errors), ("total", total)] {
                if let Some(l) = dropped_label(e, labels) {
                    cx.err_help(
                        Code::Sli,
                        loc,
                        path,
                        format!(
                            "the {which} query aggregates label `{l}` away, so it has no groups by it"
                        ),
                        format!("keep the label in the query's aggregation (`sum by ({l}) (…)`)"),
                    );
                }
            }
        }
        Sli::Ratio { .. } | Sli::Latency { .. } | Sli::Probe { .. } => {}
    }
}

/// The groups a Sloth or OpenSLO SLI implies: both event queries aggregate `by` the same
/// labels (`sum by (route) (rate(…))`), which the source tool turns into one error ratio, and
/// so one budget, per route. A raw ratio query is not grouped (it has no events to weigh).
pub(super) fn implied_group_by(sli: &Sli, loc: Loc) -> Option<Sp<Vec<Sp<String>>>> {
    let Sli::WindowedEvents { errors, total } = sli else {
        return None;
    };
    let (a, b) = (outer_by(errors)?, outer_by(total)?);
    (a == b && !a.is_empty())
        .then(|| Sp::new(a.into_iter().map(|l| Sp::new(l, loc)).collect(), loc))
}

/// The `by` labels of the outermost aggregation of `e`, sorted.
fn outer_by(e: &Expr) -> Option<Vec<String>> {
    match e {
        Expr::Paren(p) => outer_by(&p.expr),
        Expr::Aggregate(a) => match &a.modifier {
            Some(LabelModifier::Include(by)) => {
                let mut v = by.labels.clone();
                v.sort();
                v.dedup();
                Some(v)
            }
            _ => None,
        },
        // `(total) - (good)`: both sides per the same labels.
        Expr::Binary(b) => {
            let (l, r) = (outer_by(&b.lhs)?, outer_by(&b.rhs)?);
            (l == r).then_some(l)
        }
        _ => None,
    }
}

/// A group label the outermost aggregation of `e` removes.
fn dropped_label<'a>(e: &Expr, labels: &'a [String]) -> Option<&'a str> {
    match e {
        Expr::Paren(p) => dropped_label(&p.expr, labels),
        Expr::Aggregate(a) => labels
            .iter()
            .find(|l| match &a.modifier {
                None => true,
                Some(LabelModifier::Include(by)) => !by.labels.iter().any(|b| b == *l),
                Some(LabelModifier::Exclude(without)) => without.labels.iter().any(|b| b == *l),
            })
            .map(String::as_str),
        Expr::Binary(b) => dropped_label(&b.lhs, labels).or_else(|| dropped_label(&b.rhs, labels)),
        _ => None,
    }
}

/// Reports a `max_groups` of 0, or one without `group_by`.
pub(super) fn check_max_groups(
    cx: &mut Ctx,
    max_groups: Option<&Sp<u64>>,
    grouped: bool,
    path: &str,
) {
    let Some(m) = max_groups else { return };
    if !grouped {
        cx.err_help(
            Code::Config,
            m.loc,
            format!("{path}.max_groups"),
            "`max_groups` without `group_by` has nothing to limit",
            "add `group_by` with the labels whose values make the groups, or remove `max_groups`",
        );
    } else if m.value == 0 {
        cx.err(
            Code::Config,
            m.loc,
            format!("{path}.max_groups"),
            "`max_groups` must be at least 1",
        );
    }
}

/// The grouping of an SLO and its guard alert.
pub(super) fn grouping(
    cx: &mut Ctx,
    settings: &Settings,
    slo: &SloAlerts,
    labels: Vec<String>,
    max_groups: Option<&Sp<u64>>,
    slo_labels: &BTreeMap<String, String>,
) -> Grouping {
    let max = max_groups
        .map(|m| m.value)
        .filter(|m| *m > 0)
        .unwrap_or(DEFAULT_MAX_GROUPS);
    let severity = settings.severity(SeverityKind::Ticket).to_string();
    let vars = vec![
        ("tier", "groups".to_string()),
        ("severity", severity.clone()),
        ("group_by", labels.join(", ")),
        ("max_groups", max.to_string()),
    ];
    let s = |v: &str| Sp::new(v.to_string(), Loc::default());
    let mut defaults = BTreeMap::new();
    defaults.insert(
        s("summary"),
        s("[[ service ]]/[[ slo ]]: more than [[ max_groups ]] groups by [[ group_by ]]"),
    );
    defaults.insert(
        s("description"),
        s("[[ slo_description ]]{{ $value }} groups by [[ group_by ]] report events, more than `max_groups` ([[ max_groups ]]). Every group has its own recorded series, budget and alerts: a label with unbounded values (request or user IDs) multiplies them, and a page storm follows the first incident. Check `group_by` against the labels' values (`sloforge doctor` counts the groups), or raise `max_groups`."),
    );
    let annotations = slo.annotations(cx, vars, &[&defaults, &slo.shared_annotations]);
    let mut alert_labels: BTreeMap<String, String> = slo_labels
        .iter()
        .map(|(k, v)| (k.clone(), gotmpl::literal(v)))
        .collect();
    alert_labels.extend(slo.labels.clone());
    alert_labels.insert(names::label::SEVERITY.into(), severity.clone());
    alert_labels.insert(
        names::label::GUARD.into(),
        names::label::GUARD_MAX_GROUPS.into(),
    );
    Grouping {
        labels,
        max_groups: max,
        max_groups_set: max_groups.is_some(),
        guard: GuardAlert {
            alert_name: slo.name_with("TooManyGroups"),
            for_: GUARD_FOR,
            severity,
            labels: alert_labels.into(),
            annotations: annotations.into(),
        },
    }
}
