//! Grouping and timing of notifications: Alertmanager's defaults, and the overrides the
//! `AlertRouting` document gives (for every route, a severity, a team or one route) checked
//! against the labels generated alerts carry.

use std::collections::BTreeSet;

use crate::diag::Code;
use crate::load::routing::TimingSpec;
use crate::load::spanned::Sp;
use crate::model::Duration;
use crate::model::routing::{Timing, TimingOverride};
use crate::names;
use crate::validate::{Ctx, is_label_name};

use super::facts::FleetFacts;

/// Default grouping: one notification group per SLO and severity.
pub(super) fn default_group_by() -> Vec<String> {
    [
        "alertname",
        names::label::TEAM,
        names::label::SERVICE,
        names::label::SLO,
        names::label::SEVERITY,
    ]
    .iter()
    .map(ToString::to_string)
    .collect()
}

/// How often a notification (a budget stage) is repeated while it lasts, unless the routing says.
pub(super) const NOTIFY_REPEAT_INTERVAL: crate::model::Duration =
    crate::model::Duration::from_mins(24 * 60);

/// Alertmanager's own defaults for the timing of the root route.
pub(super) fn default_timing() -> Timing {
    Timing {
        group_by: default_group_by(),
        group_wait: Duration::from_secs(30),
        group_interval: Duration::from_mins(5),
        repeat_interval: Duration::from_mins(4 * 60),
    }
}

fn duration(cx: &mut Ctx, s: &Sp<String>, path: &str, positive: bool) -> Option<Duration> {
    match Duration::parse(&s.value) {
        Ok(d) if positive && d.as_millis() == 0 => {
            cx.err(
                Code::DurationSyntax,
                s.loc,
                path,
                "must be longer than zero",
            );
            None
        }
        Ok(d) if d.as_millis() % 1000 != 0 => {
            cx.err(
                Code::DurationSyntax,
                s.loc,
                path,
                "must be a whole number of seconds",
            );
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            cx.err(Code::DurationSyntax, s.loc, path, e.to_string());
            None
        }
    }
}

/// The grouping and timing overrides at `path` (empty: the document's top level), checked.
pub(super) fn timing_override(
    cx: &mut Ctx,
    t: &TimingSpec,
    path: &str,
    facts: &FleetFacts,
) -> TimingOverride {
    let p = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    let group_by = t
        .group_by
        .as_ref()
        .map(|g| group_by(cx, g, &p("group_by"), facts));
    TimingOverride {
        group_by,
        group_wait: t
            .group_wait
            .as_ref()
            .and_then(|s| duration(cx, s, &p("group_wait"), false)),
        group_interval: t
            .group_interval
            .as_ref()
            .and_then(|s| duration(cx, s, &p("group_interval"), true)),
        repeat_interval: t
            .repeat_interval
            .as_ref()
            .and_then(|s| duration(cx, s, &p("repeat_interval"), true)),
    }
}

/// A `group_by` list (at `gp`), checked: label names some generated alert carries, none twice,
/// not `...`; a warning when it lacks the labels that tell SLOs and severities apart.
fn group_by(cx: &mut Ctx, g: &Sp<Vec<Sp<String>>>, gp: &str, facts: &FleetFacts) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, l) in g.value.iter().enumerate() {
        let lp = format!("{gp}[{i}]");
        if l.value == "..." {
            cx.err_help(
                Code::Routing,
                l.loc,
                &lp,
                "grouping by every label (`...`) sends one notification per alert",
                "list the labels, e.g. alertname, team, service, slo, severity",
            );
        } else if !is_label_name(&l.value) {
            cx.err(Code::LabelName, l.loc, &lp, format!("`{}` is not a valid label name (Alertmanager 0.25 accepts [a-zA-Z_][a-zA-Z0-9_]*)", l.value.escape_debug()));
        } else if !facts.labels.contains(&l.value) {
            cx.err(
                Code::Routing,
                l.loc,
                &lp,
                format!("no generated alert carries the label `{}`", l.value),
            );
        } else if !seen.insert(l.value.clone()) {
            cx.err(
                Code::Routing,
                l.loc,
                &lp,
                format!("`{}` is listed twice", l.value),
            );
        } else {
            out.push(l.value.clone());
        }
    }
    if g.value.is_empty() {
        cx.err(
            Code::Routing,
            g.loc,
            gp,
            "an empty group_by puts every alert of the route into one notification",
        );
    } else {
        let missing: Vec<&str> = [
            names::label::SERVICE,
            names::label::SLO,
            names::label::SEVERITY,
        ]
        .into_iter()
        .filter(|l| !g.value.iter().any(|x| x.value == *l))
        .collect();
        if !missing.is_empty() {
            cx.warn(
                Code::RoutingWarning,
                g.loc,
                gp,
                format!("group_by lacks {}: one notification can mix SLOs or severities, and the template's title loses them", missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")),
            );
        }
    }
    out
}
