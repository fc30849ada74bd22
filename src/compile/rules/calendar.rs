//! The PromQL of calendar windows and planned-maintenance exclusions: local time in a zone
//! (its UTC offset from the zone's offset changes, so daylight saving is followed), the
//! current period as a `period` label, the period's length, whether an exclusion holds, and
//! the period's error ratio and covered share that its budget is counted from.
//!
//! Everything here is computed from `time()` and, for a zone other than UTC, from the local time
//! the SLO's `slo:local_time:seconds` rule recorded at the previous evaluation (the long sum of
//! offset changes is evaluated once per evaluation, not in every expression that needs it).
//! The period is that of the middle of the base window being recorded (`time() - 30` at 1m),
//! so a minute belongs to one period; a minute is excluded when any part of it falls in an
//! exclusion.

use std::fmt::Write as _;

use super::events::Groups;
use super::{seconds, sel};
use crate::model::{Calendar, CalendarPeriod, Duration, ExclusionWhen, Settings, Slo, offsets};
use crate::names::{self, label};
use crate::syntax::promql::selector;

/// `time()` shifted by `shift_ms` (`time() - 30`, `time() + 30`).
fn shifted(shift_ms: i64) -> String {
    let (sign, abs) = if shift_ms < 0 {
        ('-', -shift_ms)
    } else {
        ('+', shift_ms)
    };
    if abs % 1000 == 0 {
        format!("time() {sign} {}", abs / 1000)
    } else {
        format!("time() {sign} {}.{:03}", abs / 1000, abs % 1000)
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Whether `zone` is UTC all along (no local-time series needed).
fn is_utc(zone: &str) -> bool {
    offsets(zone).is_none_or(|(first, changes)| first == 0 && changes.is_empty())
}

/// The zones whose local time an SLO's rules record: its calendar's and its recurring
/// exclusions', without UTC; sorted, each once.
pub(super) fn zones(slo: &Slo) -> Vec<String> {
    let mut z: Vec<String> = slo
        .calendar
        .iter()
        .map(|c| c.timezone.clone())
        .chain(slo.exclusions.iter().filter_map(|e| match &e.when {
            ExclusionWhen::Recurring { timezone, .. } => Some(timezone.clone()),
            ExclusionWhen::OneOff { .. } => None,
        }))
        .filter(|z| !is_utc(z))
        .collect();
    z.sort();
    z.dedup();
    z
}

/// The `slo:local_time:seconds` rule's expression for `zone`: the local time, as Unix-like
/// seconds for PromQL's date functions, of the middle of the base window the *next*
/// evaluation records (`time() + step - base/2`), with the zone's UTC offset then. Read back
/// one evaluation later (`offset step`), as every rule reads what earlier ones wrote, it is
/// the local time of the minute being recorded. The offset is the sum of the zone's changes
/// up to then: daylight saving is followed.
pub(super) fn local_time_rule(zone: &str, base: Duration, step: Duration) -> String {
    let t = shifted(ms(step) - ms(base) / 2);
    let Some((first, changes)) = offsets(zone) else {
        return format!("vector({t})");
    };
    let mut out = format!("vector({t}");
    if first != 0 {
        let _ = write!(out, " + {first}");
    }
    let mut last = first;
    for c in changes {
        let delta = c.offset - last;
        let (sign, abs) = if delta < 0 {
            ('-', -delta)
        } else {
            ('+', delta)
        };
        let _ = write!(out, " {sign} {abs} * ({t} >= bool {})", c.at);
        last = c.offset;
    }
    out.push(')');
    out
}

/// Local time in `zone` of the minute being recorded: the recorded local time of the previous
/// evaluation, or `time() - base/2` for UTC.
fn local_time(slo: &Slo, zone: &str, base: Duration, step: Duration) -> String {
    if is_utc(zone) {
        return format!("vector({})", shifted(-ms(base) / 2));
    }
    format!(
        "{} offset {step}",
        selector(
            names::LOCAL_TIME,
            [
                (label::SERVICE, slo.service.as_str()),
                (label::SLO, slo.name.as_str()),
                (label::TIMEZONE, zone),
            ]
        )
    )
}

/// The number of the current period (`202612`, `20264`, or weeks since 1970, from Monday).
fn period_number(slo: &Slo, c: &Calendar, base: Duration, step: Duration) -> String {
    let l = local_time(slo, &c.timezone, base, step);
    match c.period {
        CalendarPeriod::Month => format!("year({l}) * 100 + month({l})"),
        CalendarPeriod::Quarter => format!("year({l}) * 10 + ceil(month({l}) / 3)"),
        // 1970-01-01 was a Thursday: three days on, weeks start on Mondays.
        CalendarPeriod::Week => format!("floor(({l} + 259200) / 604800)"),
    }
}

/// One label-free series, `{period="…"}` with value 1: the current period.
pub(super) fn period_info(slo: &Slo, c: &Calendar, base: Duration, step: Duration) -> String {
    format!(
        "count_values(\"{}\", {})",
        label::PERIOD,
        period_number(slo, c, base, step)
    )
}

/// The current period's length in seconds (local days: a month's daylight-saving hour is
/// not taken off), as a label-free vector.
pub(super) fn period_seconds(slo: &Slo, c: &Calendar, base: Duration, step: Duration) -> String {
    let l = local_time(slo, &c.timezone, base, step);
    match c.period {
        CalendarPeriod::Week => "vector(604800)".to_string(),
        CalendarPeriod::Month => format!("days_in_month({l}) * 86400"),
        CalendarPeriod::Quarter => {
            let q = format!("ceil(month({l}) / 3)");
            format!(
                "((90 + (year({l}) % 4 == bool 0)) * ({q} == bool 1) + 91 * ({q} == bool 2) + 92 * ({q} >= bool 3)) * 86400"
            )
        }
    }
}

/// A label-free vector present while the base window being recorded overlaps any of the SLO's
/// exclusions, or None without exclusions. Both ends of the window are checked (its first
/// millisecond and its last), so a window that straddles the start or the end of an exclusion
/// is left out whole: no event of the maintenance reaches the minutes before or after it,
/// however the evaluations fall on the clock.
pub(super) fn excluded(slo: &Slo, base: Duration, step: Duration) -> Option<String> {
    let half = ms(base) / 2;
    let first = format!("{}.{:03}", (half - 1) / 1000, (half - 1) % 1000);
    let last = format!("{}.{:03}", half / 1000, half % 1000);
    let parts: Vec<String> = slo
        .exclusions
        .iter()
        .map(|e| match &e.when {
            ExclusionWhen::OneOff { start, end } => format!(
                "(vector(time()) >= {start}) and on() (vector({}) < {end})",
                shifted(-ms(base))
            ),
            ExclusionWhen::Recurring {
                weekdays,
                times,
                timezone,
            } => {
                let l = local_time(slo, timezone, base, step);
                let at = |p: &str| {
                    let days = weekdays
                        .iter()
                        .map(|d| format!("day_of_week({p}) == {d}"))
                        .collect::<Vec<_>>()
                        .join(" or ");
                    let clock = times
                        .iter()
                        .map(|(s, t)| format!("hour({p}) * 60 + minute({p}) >= {s} < {t}"))
                        .collect::<Vec<_>>()
                        .join(" or ");
                    match (days.is_empty(), clock.is_empty()) {
                        (true, true) => p.to_string(),
                        (false, true) => days,
                        (true, false) => clock,
                        (false, false) => format!("({clock}) and on() ({days})"),
                    }
                };
                format!(
                    "({}) or ({})",
                    at(&format!("({l} - {first})")),
                    at(&format!("({l} + {last})"))
                )
            }
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    Some(
        parts
            .iter()
            .map(|p| format!("({p})"))
            .collect::<Vec<_>>()
            .join(" or "),
    )
}

/// The current calendar period's `slo:sli_error:ratio` (`window="month"`): Σerrors/Σtotal of
/// the coarse rates recorded in it, `0` before any.
pub(super) fn period_ratio(out: &mut String, slo: &Slo, settings: &Settings, c: &Calendar) {
    let g = Groups {
        labels: slo.group_labels(),
    };
    let coarse = names::coarse_record(
        &settings.coarse_step().to_string(),
        &settings.base_window.to_string(),
    );
    let step = settings.evaluation_interval;
    let info = period_info(slo, c, settings.base_window, step);
    let range = settings.window_range(c.period.longest());
    let in_period = |event: &'static str| {
        g.sum(&format!(
            "sum_over_time({}[{range}] offset {step}) and on({}) {info}",
            sel(&coarse, slo, &[(label::EVENT, event)]),
            label::PERIOD
        ))
    };
    let (errors, total) = (
        in_period(label::EVENT_ERRORS),
        in_period(label::EVENT_TOTAL),
    );
    let zero = if g.any() {
        format!("0 * {total}")
    } else {
        "on() vector(0)".to_string()
    };
    let _ = write!(
        out,
        "label_replace({errors} / ({total} > 0) or {zero}, \"{}\", \"{}\", \"\", \"\")",
        label::WINDOW,
        c.period.as_str()
    );
}

/// The share of the current calendar period the rules have covered, in [0, 1] (label-free,
/// or per group): the coarse steps recorded in the period over the steps the period holds.
/// The count is divided by the coarse records of the last coarse step, as for a rolling
/// window (one, or one per evaluation under `promtool test rules`).
pub(super) fn period_covered(slo: &Slo, settings: &Settings, c: &Calendar) -> String {
    let g = Groups {
        labels: slo.group_labels(),
    };
    let cstep = settings.coarse_step();
    let cov = sel(&names::coverage_record(&cstep.to_string()), slo, &[]);
    let step = settings.evaluation_interval;
    let base = settings.base_window;
    let info = period_info(slo, c, base, step);
    let steps = g.sum(&format!(
        "sum_over_time({cov}[{}] offset {step}) and on({}) {info}",
        settings.window_range(c.period.longest()),
        label::PERIOD
    ));
    // One coverage series per period: the step that straddles two periods has two.
    let records = g.agg(
        "max",
        &format!(
            "count_over_time({cov}[{}] offset {step})",
            settings.window_range(cstep)
        ),
    );
    let (steps, records) = if g.any() {
        (steps, records)
    } else {
        (
            format!("({steps} or on() vector(0))"),
            format!("({records} or on() vector(1))"),
        )
    };
    let join = if g.any() { "on() group_left()" } else { "on()" };
    format!(
        "clamp_max({steps} / {} clamp_min({records}, 1) * {} / {join} ({}), 1)",
        g.on(),
        seconds(cstep),
        period_seconds(slo, c, base, step)
    )
}
