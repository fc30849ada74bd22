//! Calendar windows and planned-maintenance exclusions: the period and time zone of a calendar
//! budget, and each exclusion's days, times and zone or its start and end.

use super::Ctx;
use super::routing::calendar::{WEEKDAYS, parse_clock, parse_named_set};
use crate::diag::Code;
use crate::load::native_window::{CalendarWindowSpec, ExclusionSpec};
use crate::load::spanned::Sp;
use crate::model::{self, Calendar, CalendarPeriod, Exclusion, ExclusionWhen};

/// The calendar of `window: {calendar: …, timezone: …}`.
pub(super) fn calendar(cx: &mut Ctx, spec: &CalendarWindowSpec, path: &str) -> Option<Calendar> {
    let period = match spec.calendar.value.as_str() {
        "month" => Some(CalendarPeriod::Month),
        "quarter" => Some(CalendarPeriod::Quarter),
        "week" => Some(CalendarPeriod::Week),
        other => {
            cx.err_help(
                Code::Calendar,
                spec.calendar.loc,
                format!("{path}.calendar"),
                format!("unknown calendar period `{}`", other.escape_debug()),
                "write `month`, `quarter` or `week`",
            );
            None
        }
    };
    let timezone = zone(cx, spec.timezone.as_ref(), &format!("{path}.timezone"));
    Some(Calendar {
        period: period?,
        timezone: timezone?,
    })
}

/// An IANA zone of the bundled database (default `UTC`).
fn zone(cx: &mut Ctx, tz: Option<&Sp<String>>, path: &str) -> Option<String> {
    let Some(tz) = tz else {
        return Some("UTC".to_string());
    };
    if model::offsets(&tz.value).is_none() {
        cx.err_help(
            Code::Calendar,
            tz.loc,
            path,
            format!("unknown time zone `{}`", tz.value.escape_debug()),
            "write an IANA zone name such as `Europe/Berlin`, `America/New_York` or `UTC`",
        );
        return None;
    }
    Some(tz.value.clone())
}

/// The exclusions of a service and of one of its SLOs, in that order; each name once.
pub(super) fn exclusions(
    cx: &mut Ctx,
    service: (&[ExclusionSpec], &str),
    slo: (&[ExclusionSpec], &str),
) -> Vec<Exclusion> {
    let mut out: Vec<Exclusion> = Vec::new();
    for (k, (specs, base)) in [service, slo].into_iter().enumerate() {
        for (i, e) in specs.iter().enumerate() {
            let path = format!("{base}[{i}]");
            if out.iter().any(|o| o.name == e.name.value) {
                cx.err(
                    Code::Calendar,
                    e.name.loc,
                    format!("{path}.name"),
                    format!(
                        "exclusion `{}` is declared twice for this SLO",
                        e.name.value.escape_debug()
                    ),
                );
                continue;
            }
            if let Some(mut x) = exclusion(cx, e, &path) {
                x.service_wide = k == 0;
                out.push(x);
            }
        }
    }
    out
}

fn exclusion(cx: &mut Ctx, e: &ExclusionSpec, path: &str) -> Option<Exclusion> {
    let recurring = !e.weekdays.is_empty() || !e.times.is_empty() || e.timezone.is_some();
    let when = match (&e.start, &e.end) {
        (Some(start), Some(end)) if !recurring => {
            let s = instant(cx, start, &format!("{path}.start"));
            let t = instant(cx, end, &format!("{path}.end"));
            let (s, t) = (s?, t?);
            if t <= s {
                cx.err(
                    Code::Calendar,
                    end.loc,
                    format!("{path}.end"),
                    "the end of a one-off exclusion must come after its start",
                );
                return None;
            }
            ExclusionWhen::OneOff { start: s, end: t }
        }
        (None, None) if recurring => recurring_when(cx, e, path)?,
        _ => {
            let loc = e
                .start
                .as_ref()
                .or(e.end.as_ref())
                .map_or(e.name.loc, |s| s.loc);
            cx.err_help(
                Code::Calendar,
                loc,
                path,
                "an exclusion is either recurring (`weekdays`, `times`, `timezone`) or one-off (`start` and `end`)",
                "give `start` and `end` for one maintenance window, or `weekdays`/`times` for a recurring one",
            );
            return None;
        }
    };
    Some(Exclusion {
        name: e.name.value.clone(),
        when,
        mute_alerts: e.mute_alerts.as_ref().is_some_and(|m| m.value),
        service_wide: false,
        loc: e.name.loc,
    })
}

fn recurring_when(cx: &mut Ctx, e: &ExclusionSpec, path: &str) -> Option<ExclusionWhen> {
    let days = parse_named_set(
        cx,
        &e.weekdays,
        &WEEKDAYS,
        false,
        &format!("{path}.weekdays"),
        "weekday",
        "`sunday` or `monday:friday`",
    );
    let mut times = Vec::new();
    let mut ok = true;
    for (i, t) in e.times.iter().enumerate() {
        let p = format!("{path}.times[{i}]");
        let start = clock(cx, &t.start_time, &format!("{p}.start_time"));
        let end = clock(cx, &t.end_time, &format!("{p}.end_time"));
        match (start, end) {
            (Some(s), Some(t)) if s < t => times.push((s, t)),
            (Some(_), Some(_)) => {
                ok = false;
                cx.err_help(
                    Code::Calendar,
                    t.end_time.loc,
                    format!("{p}.end_time"),
                    "a time range must end after it starts",
                    "split a range over midnight in two (`22:00`–`24:00` and `00:00`–`02:00`)",
                );
            }
            _ => ok = false,
        }
    }
    let timezone = zone(cx, e.timezone.as_ref(), &format!("{path}.timezone"));
    let days = days?;
    let weekdays = if e.weekdays.is_empty() {
        Vec::new()
    } else {
        (0u8..7).filter(|d| days[usize::from(*d)]).collect()
    };
    (ok && timezone.is_some()).then(|| ExclusionWhen::Recurring {
        weekdays,
        times,
        timezone: timezone.unwrap_or_default(),
    })
}

fn clock(cx: &mut Ctx, s: &Sp<String>, path: &str) -> Option<u32> {
    let v = parse_clock(&s.value);
    if v.is_none() {
        cx.err_help(
            Code::Calendar,
            s.loc,
            path,
            format!("`{}` is not a time of day", s.value.escape_debug()),
            "write `HH:MM` from `00:00` to `24:00`, quoted: \"02:00\"",
        );
    }
    v
}

fn instant(cx: &mut Ctx, s: &Sp<String>, path: &str) -> Option<i64> {
    match s.value.parse::<jiff::Timestamp>() {
        Ok(t) => Some(t.as_second()),
        Err(_) => {
            cx.err_help(
                Code::Calendar,
                s.loc,
                path,
                format!("`{}` is not an RFC 3339 time", s.value.escape_debug()),
                "write e.g. `2026-11-03T22:00:00Z` or `2026-11-03T23:00:00+01:00`",
            );
            None
        }
    }
}
