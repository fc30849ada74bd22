//! Names and labels: service, SLO and tier names, Prometheus label names and values, and the
//! labels a spec adds to its SLOs and their alerts.

use std::collections::BTreeMap;

use super::Ctx;
use crate::diag::Code;
use crate::load::spanned::Sp;
use crate::names;

pub(super) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

pub(super) fn check_name(cx: &mut Ctx, s: &Sp<String>, path: &str) -> bool {
    check_name_for(cx, s, path, " (they become file, group and label values)")
}

/// [`check_name`] for a service's name, which must also not be one the fleet's own files
/// have ([`names::RESERVED_SERVICE_NAMES`]).
pub(super) fn check_service_name(cx: &mut Ctx, s: &Sp<String>, path: &str) -> bool {
    if !check_name(cx, s, path) {
        return false;
    }
    if names::RESERVED_SERVICE_NAMES.contains(&s.value.as_str()) {
        cx.err_help(
            Code::Name,
            s.loc,
            path,
            format!("`{}` is not a service name sloforge can use", s.value),
            format!(
                "it names the fleet's overview dashboard ({}): call the service something else",
                names::dashboard_file(names::OVERVIEW)
            ),
        );
        return false;
    }
    true
}

/// [`check_name`] with what the name becomes said after the rule (empty: nothing).
pub(super) fn check_name_for(cx: &mut Ctx, s: &Sp<String>, path: &str, becomes: &str) -> bool {
    if is_name(&s.value) {
        return true;
    }
    cx.err_help(
        Code::Name,
        s.loc,
        path,
        format!("`{}` is not a valid name", s.value.escape_debug()),
        format!(
            "names are 1–63 characters: lower-case letters, digits, `-` and `_`, starting with a letter{becomes}"
        ),
    );
    false
}

pub(super) fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reports an empty label value or one with control characters; the path is formatted only then.
pub(super) fn check_label_value(cx: &mut Ctx, v: &Sp<String>, path: impl FnOnce() -> String) {
    if v.value.is_empty() {
        cx.err(
            Code::LabelValue,
            v.loc,
            path(),
            "label value must not be empty (an empty value removes the label in Prometheus)",
        );
    } else if v
        .value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        cx.err(
            Code::LabelValue,
            v.loc,
            path(),
            "label value contains control characters",
        );
    }
}

/// Checks labels written in a spec and adds the valid ones to `out`: a label name Prometheus
/// reserves or sloforge sets is an error.
pub(super) fn check_labels(
    cx: &mut Ctx,
    labels: &BTreeMap<Sp<String>, Sp<String>>,
    path: &str,
    out: &mut BTreeMap<String, String>,
) {
    for (k, v) in labels {
        let p = || format!("{path}.{}", k.value);
        if !is_label_name(&k.value) {
            cx.err(
                Code::LabelName,
                k.loc,
                p(),
                format!(
                    "`{}` is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)",
                    k.value.escape_debug()
                ),
            );
            continue;
        }
        if k.value.starts_with("__") {
            cx.err(Code::LabelName, k.loc, p(), format!("label names starting with `__` are reserved for Prometheus' internal use (`{}`)", k.value));
            continue;
        }
        if names::label::RESERVED.contains(&k.value.as_str()) {
            cx.err_help(
                Code::Reserved,
                k.loc,
                p(),
                format!("label `{}` is set by sloforge", k.value),
                "use another label name",
            );
            continue;
        }
        check_label_value(cx, v, p);
        out.insert(k.value.clone(), v.value.clone());
    }
}

/// Checks one label of an alert tier (or of a Sloth severity) and adds it to `out`: there the
/// `severity` label sloforge sets may be overridden.
pub(super) fn check_alert_label(
    cx: &mut Ctx,
    k: &Sp<String>,
    v: &Sp<String>,
    path: &str,
    out: &mut BTreeMap<String, String>,
) {
    if k.value == names::label::SEVERITY {
        check_label_value(cx, v, || format!("{path}.{}", k.value));
        out.insert(k.value.clone(), v.value.clone());
    } else {
        let one: BTreeMap<Sp<String>, Sp<String>> = [(k.clone(), v.clone())].into_iter().collect();
        check_labels(cx, &one, path, out);
    }
}

/// Annotation names follow label-name rules.
pub(super) fn check_annotation_names(
    cx: &mut Ctx,
    annotations: &BTreeMap<Sp<String>, Sp<String>>,
    path: &str,
) {
    for k in annotations.keys() {
        if !is_label_name(&k.value) {
            cx.err(
                Code::LabelName,
                k.loc,
                format!("{path}.{}", k.value),
                "annotation names follow label-name rules",
            );
        }
    }
}
