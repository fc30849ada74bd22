//! What an OpenSLO SLO's metadata says: its team (`team` or `owner` label), its other labels,
//! and the name of each of its objectives.

use std::collections::BTreeMap;

use crate::load::node::Value;
use crate::load::openslo as os;
use crate::load::spanned::Sp;
use crate::validate::{Ctx, check_labels, check_name, is_name};

/// A label's value as text: a scalar, or the first item of a list.
fn label_text(v: &Sp<Value>) -> Option<String> {
    match &v.value {
        Value::Str(s) => Some(s.clone()),
        Value::Seq(items) => items
            .first()
            .and_then(|i| i.value.as_str().map(str::to_string)),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(v.value.scalar_text()),
        _ => None,
    }
}

/// The team of an SLO: its `team` or `owner` label when that is a valid name, else `unowned`.
pub(super) fn team_of(cx: &mut Ctx, meta: &os::Metadata) -> String {
    for key in ["team", "owner"] {
        if let Some(v) = meta.labels.get(key)
            && let Some(t) = label_text(v)
        {
            if is_name(&t) {
                return t;
            }
            check_name(cx, &Sp::new(t, v.loc), &format!("metadata.labels.{key}"));
        }
    }
    "unowned".to_string()
}

/// The labels of an SLO other than its team, checked like the labels of a native spec.
pub(super) fn slo_labels(cx: &mut Ctx, meta: &os::Metadata) -> BTreeMap<String, String> {
    let raw: BTreeMap<Sp<String>, Sp<String>> = meta
        .labels
        .iter()
        .filter(|(k, _)| *k != "team" && *k != "owner")
        .filter_map(|(k, v)| label_text(v).map(|t| (Sp::new(k.clone(), v.loc), Sp::new(t, v.loc))))
        .collect();
    let mut out = BTreeMap::new();
    check_labels(cx, &raw, "metadata.labels", &mut out);
    out
}

/// The name of the SLO built from objective `i` of `count`: the SLO's own name for its only
/// objective, else that name with a slug of the objective's display name (or its index).
pub(super) fn objective_name(
    base: &str,
    o_name: Option<&Sp<String>>,
    i: usize,
    count: usize,
) -> String {
    if count == 1 {
        return base.to_string();
    }
    let slug: String = o_name
        .map(|n| {
            n.value
                .to_ascii_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
        })
        .map(|s| s.trim_matches('-').to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| i.to_string());
    format!("{base}-{slug}")
}
