//! The severities of the `AlertRouting` document: their order (most severe first, given or
//! derived from the settings and the kinds of alerts that carry them) and the timing of each.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Code;
use crate::load::native;
use crate::load::routing::RoutingSpec;
use crate::model::Settings;
use crate::model::routing::TimingOverride;
use crate::validate::Ctx;

use super::facts::FleetFacts;
use super::timing::{NOTIFY_REPEAT_INTERVAL, timing_override};

/// The severities, most severe first: `severity_order` as given (holding every severity that
/// generated alerts carry), else the page, ticket and (when used) notify severities of the
/// settings, followed by the others by the most urgent kind of alert that carries them.
pub(super) fn severity_order(
    cx: &mut Ctx,
    spec: &RoutingSpec,
    facts: &FleetFacts,
    settings: &Settings,
) -> Vec<String> {
    let used_severities: BTreeSet<String> = facts.severity_kinds.keys().cloned().collect();
    let Some(order) = &spec.severity_order else {
        return derived_order(facts, settings, &used_severities);
    };
    let mut out: Vec<String> = Vec::new();
    for (i, s) in order.value.iter().enumerate() {
        if out.contains(&s.value) {
            cx.err(
                Code::Routing,
                s.loc,
                format!("severity_order[{i}]"),
                format!("`{}` is listed twice", s.value),
            );
        } else {
            out.push(s.value.clone());
        }
    }
    for s in &used_severities {
        if !out.contains(s) {
            cx.err_help(
                Code::Routing,
                order.loc,
                "severity_order",
                format!("generated alerts carry severity `{s}`, which is not in the order"),
                "list every severity, most severe first",
            );
        }
    }
    out
}

fn derived_order(
    facts: &FleetFacts,
    settings: &Settings,
    used_severities: &BTreeSet<String>,
) -> Vec<String> {
    let mut out = vec![
        settings.page_severity.clone(),
        settings.ticket_severity.clone(),
    ];
    if used_severities.contains(&settings.notify_severity) {
        out.push(settings.notify_severity.clone());
    }
    for kind in [
        native::SeverityKind::Page,
        native::SeverityKind::Ticket,
        native::SeverityKind::Notify,
    ] {
        for (s, kinds) in &facts.severity_kinds {
            if kinds.iter().min() == Some(&kind) && !out.contains(s) {
                out.push(s.clone());
            }
        }
    }
    out
}

/// The timing overrides of each severity (`severities`), each checked to be a severity some
/// alert carries or the order names; the notify severity repeats once a day unless overridden.
pub(super) fn severity_timing(
    cx: &mut Ctx,
    spec: &RoutingSpec,
    facts: &FleetFacts,
    settings: &Settings,
    severity_order: &[String],
) -> BTreeMap<String, TimingOverride> {
    let mut severity_timing: BTreeMap<String, TimingOverride> = BTreeMap::new();
    // Notifications (budget stages) are states that last days: once a day unless the spec says
    // otherwise.
    severity_timing.insert(
        settings.notify_severity.clone(),
        TimingOverride {
            repeat_interval: Some(NOTIFY_REPEAT_INTERVAL),
            ..TimingOverride::default()
        },
    );
    for (sev, t) in &spec.severities {
        let path = format!("severities.{}", sev.value);
        if !severity_order.contains(&sev.value) && !facts.severity_kinds.contains_key(&sev.value) {
            cx.err(
                Code::Routing,
                sev.loc,
                &path,
                format!("no generated alert carries severity `{}`", sev.value),
            );
        }
        let o = timing_override(cx, t, &path, facts);
        let merged = severity_timing
            .remove(&sev.value)
            .map_or(o.clone(), |builtin| TimingOverride {
                group_by: o.group_by.clone().or(builtin.group_by),
                group_wait: o.group_wait.or(builtin.group_wait),
                group_interval: o.group_interval.or(builtin.group_interval),
                repeat_interval: o.repeat_interval.or(builtin.repeat_interval),
            });
        severity_timing.insert(sev.value.clone(), merged);
    }
    severity_timing
}
