//! `openslo/v1` SLO documents: a rolling window, occurrences budgeting, an SLI inline or by
//! reference, alert policies as alert tiers; one SLO of the model per objective.

use std::collections::BTreeMap;

use crate::diag::{Code, Loc};
use crate::load::node::Value;
use crate::load::openslo as os;
use crate::load::spanned::Sp;
use crate::model::{Calendar, CalendarPeriod, Sli};
use crate::validate::{Ctx, Defaults, SloInput, build_slo, check_name, window_value};

use super::index::Index;
use super::metadata::{objective_name, slo_labels, team_of};
use super::policies::{no_data_from_policies, tiers_from_policies, with_no_data};
use super::sli::sli_from;
use super::{Pending, pending};

pub(super) fn v1_slo(
    cx: &mut Ctx,
    d: &Defaults,
    ix: &Index,
    slo: &os::Doc<os::SloSpec>,
    by_service: &mut BTreeMap<String, Pending>,
) {
    let spec = &slo.spec;
    let team = team_of(cx, &slo.metadata);
    let labels = slo_labels(cx, &slo.metadata);
    let mut ok = check_name(cx, &slo.metadata.name, "metadata.name");
    if spec.budgeting_method.value != "Occurrences" {
        cx.err(
            Code::Sli,
            spec.budgeting_method.loc,
            "spec.budgetingMethod",
            format!("budgeting method `{}` is not supported: sloforge budgets by occurrences (good/total events)", spec.budgeting_method.value),
        );
        ok = false;
    }
    let default_window = Sp::new(d.window.to_string(), slo.metadata.name.loc);
    let (window, calendar) = match time_window(cx, spec, &default_window) {
        Some(Window::Rolling(w)) => (Some(w), None),
        Some(Window::Calendar(c)) => (None, Some(c)),
        None => (None, None),
    };
    let window_value = match (&calendar, window) {
        (Some(c), _) => Some(c.period.nominal()),
        (None, w) => w.and_then(|w| window_value(cx, w, "spec.timeWindow[0].duration")),
    };
    let sli_doc = slo_indicator(cx, ix, spec);
    let tiers = window_value.and_then(|w| tiers_from_policies(cx, d, ix, spec, w, "spec"));
    let count = spec.objectives.value.len();
    if count == 0 {
        cx.err(
            Code::Objective,
            spec.objectives.loc,
            "spec.objectives",
            "the SLO has no objective",
        );
    }
    let mut built = Vec::new();
    for (i, o) in spec.objectives.value.iter().enumerate() {
        let op = format!("spec.objectives[{i}]");
        let sli = objective_sli(cx, ix, slo, o, &op, sli_doc);
        let Some(target) = objective_target(cx, spec, o, &op) else {
            continue;
        };
        let name = Sp::new(
            objective_name(&slo.metadata.name.value, o.display_name.as_ref(), i, count),
            slo.metadata.name.loc,
        );
        if !ok || window_value.is_none() {
            continue;
        }
        let implied_groups = sli
            .as_ref()
            .and_then(|s| crate::validate::grouping::implied_group_by(s, name.loc));
        let input = SloInput {
            service: &spec.service.value,
            team: &team,
            service_tier: None,
            name: &name,
            description: spec.description.as_ref(),
            objective: target.percent.as_ref(),
            window,
            sli,
            labels: labels.clone(),
            alerting: with_no_data(
                d.alerting.clone(),
                no_data_from_policies(ix, spec),
                slo.metadata.name.loc,
            ),
            path: op.clone(),
            severity_labels: BTreeMap::new(),
            objective_ratio: target.ratio,
            custom_tiers: tiers.clone(),
            group_by: implied_groups,
            max_groups: None,
            calendar: calendar.clone(),
            exclusions: Vec::new(),
        };
        if let Some(s) = build_slo(cx, d, None, input) {
            built.push(s);
        }
    }
    if let Some(p) = pending(cx, by_service, &spec.service, team) {
        p.add(cx, built, slo.metadata.name.loc);
    }
}

enum Window<'a> {
    Rolling(&'a Sp<String>),
    Calendar(Calendar),
}

/// The SLO's window: its one time window (rolling, or a calendar one: `isRolling: false` with
/// a duration of `1M`, `1Q` or `1w` and the calendar's `timeZone`), else the default window.
fn time_window<'a>(
    cx: &mut Ctx,
    spec: &'a os::SloSpec,
    default_window: &'a Sp<String>,
) -> Option<Window<'a>> {
    let Some(tw) = &spec.time_window else {
        return Some(Window::Rolling(default_window));
    };
    match tw.value.as_slice() {
        [w] if w.is_rolling && w.calendar.is_none() => Some(Window::Rolling(&w.duration)),
        [w] if !w.is_rolling => {
            let period = match w.duration.value.as_str() {
                "1M" | "1mo" => Some(CalendarPeriod::Month),
                "1Q" | "3M" => Some(CalendarPeriod::Quarter),
                "1w" | "7d" => Some(CalendarPeriod::Week),
                _ => None,
            };
            let zone = w.calendar.as_ref().and_then(|c| match &c.value {
                Value::Map(entries) => {
                    entries
                        .iter()
                        .find_map(|(k, v)| match (&k.value, &v.value) {
                            (Value::Str(k), Value::Str(z)) if k == "timeZone" => Some(z.clone()),
                            _ => None,
                        })
                }
                _ => None,
            });
            let timezone = zone.unwrap_or_else(|| "UTC".to_string());
            match period {
                Some(period) if crate::model::offsets(&timezone).is_some() => {
                    Some(Window::Calendar(Calendar { period, timezone }))
                }
                Some(_) => {
                    cx.err(
                        Code::Calendar,
                        w.calendar.as_ref().map_or(w.duration.loc, |c| c.loc),
                        "spec.timeWindow[0].calendar.timeZone",
                        format!("unknown time zone `{}`", timezone.escape_debug()),
                    );
                    None
                }
                None => {
                    cx.err_help(
                        Code::Calendar,
                        w.duration.loc,
                        "spec.timeWindow[0].duration",
                        format!(
                            "calendar window `{}` is not supported",
                            w.duration.value.escape_debug()
                        ),
                        "write `1M` (a month), `1Q` (a quarter) or `1w` (a week)",
                    );
                    None
                }
            }
        }
        [w] => {
            cx.err(
                Code::DurationSyntax,
                w.duration.loc,
                "spec.timeWindow[0]",
                "a rolling window has no calendar: remove `calendar` or set `isRolling: false`",
            );
            None
        }
        _ => {
            cx.err(
                Code::DurationSyntax,
                tw.loc,
                "spec.timeWindow",
                "give exactly one time window",
            );
            None
        }
    }
}

/// The SLI the SLO gives for all its objectives (inline or by reference), with where it is
/// named.
fn slo_indicator<'a>(
    cx: &mut Ctx,
    ix: &'a Index,
    spec: &'a os::SloSpec,
) -> Option<(&'a os::SliSpec, Loc)> {
    match (&spec.indicator, &spec.indicator_ref) {
        (Some(inline), _) => Some((&inline.spec, inline.metadata.name.loc)),
        (None, Some(r)) => match ix.slis.get(r.value.as_str()) {
            Some(s) => Some((&s.doc.spec, r.loc)),
            None => {
                cx.err(
                    Code::UnknownReference,
                    r.loc,
                    "spec.indicatorRef",
                    format!("no SLI named `{}`", r.value),
                );
                None
            }
        },
        (None, None) => None,
    }
}

/// The SLI of objective `o` (at `op`): its own (inline or by reference), else the SLO's.
fn objective_sli(
    cx: &mut Ctx,
    ix: &Index,
    slo: &os::Doc<os::SloSpec>,
    o: &os::Objective,
    op: &str,
    sli_doc: Option<(&os::SliSpec, Loc)>,
) -> Option<Sli> {
    let spec = &slo.spec;
    match (&o.indicator, &o.indicator_ref, sli_doc) {
        (Some(inline), _, _) => sli_from(
            cx,
            ix,
            &inline.spec,
            inline.metadata.name.loc,
            &format!("{op}.indicator.spec"),
        ),
        (None, Some(r), _) => match ix.slis.get(r.value.as_str()) {
            Some(s) => sli_from(cx, ix, &s.doc.spec, r.loc, &format!("{op}.indicatorRef")),
            None => {
                cx.err(
                    Code::UnknownReference,
                    r.loc,
                    format!("{op}.indicatorRef"),
                    format!("no SLI named `{}`", r.value),
                );
                None
            }
        },
        (None, None, Some((s, loc))) => sli_from(cx, ix, s, loc, "spec.indicator.spec"),
        (None, None, None) => {
            if spec.indicator.is_none() && spec.indicator_ref.is_none() {
                cx.err(
                    Code::Sli,
                    slo.metadata.name.loc,
                    "spec",
                    "the SLO has neither `indicator` nor `indicatorRef`",
                );
            }
            None
        }
    }
}

/// An objective's target as given: one of a percentage and a ratio.
struct Target {
    percent: Option<Sp<f64>>,
    ratio: Option<Sp<f64>>,
}

/// The target of objective `o` (at `op`): a percentage (`targetPercent`) or a ratio
/// (`target`); time-slice objectives are refused.
fn objective_target(
    cx: &mut Ctx,
    spec: &os::SloSpec,
    o: &os::Objective,
    op: &str,
) -> Option<Target> {
    if o.time_slice_target.is_some() || o.time_slice_window.is_some() {
        cx.err(
            Code::Sli,
            o.time_slice_target
                .as_ref()
                .map_or(spec.objectives.loc, |t| t.loc),
            op,
            "time-slice objectives are not supported",
        );
        return None;
    }
    match (&o.target, &o.target_percent) {
        (Some(t), None) => Some(Target {
            percent: None,
            ratio: Some(t.clone()),
        }),
        (None, Some(p)) => Some(Target {
            percent: Some(p.clone()),
            ratio: None,
        }),
        _ => {
            cx.err(
                Code::Objective,
                spec.objectives.loc,
                op,
                "give exactly one of `target` (0–1) and `targetPercent`",
            );
            None
        }
    }
}
