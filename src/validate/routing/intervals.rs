//! The time intervals of the `AlertRouting` document: each checked the way Alertmanager checks
//! it and put into a form Alertmanager reads correctly (a range that crosses midnight split in
//! two), and the references routes make to them resolved.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{Code, Loc};
use crate::load::routing::{PeriodSpec, RoutingSpec, TimeIntervalSpec, TimeRangeSpec};
use crate::load::spanned::Sp;
use crate::model::routing::{Period, TimeInterval};
use crate::validate::Ctx;

use super::calendar::{
    MONTHS, WEEKDAYS, clock, is_zone_name, parse_clock, parse_day_of_month, parse_named_set,
    parse_year, render_set, zone_known,
};
use super::check_name;

/// The time intervals the document defines, by name; those with errors left out.
pub(super) fn time_intervals(cx: &mut Ctx, spec: &RoutingSpec) -> BTreeMap<String, TimeInterval> {
    let mut intervals = BTreeMap::new();
    for (name, ti) in &spec.time_intervals {
        let path = format!("time_intervals.{}", name.value);
        if check_name(cx, name, &path)
            && let Some(t) = time_interval(cx, name, ti, &path)
        {
            intervals.insert(name.value.clone(), t);
        }
    }
    intervals
}

/// The references routes make to time intervals: each resolved, and the intervals named kept
/// to report those no route uses.
pub(super) struct IntervalRefs<'a> {
    defined: &'a BTreeMap<Sp<String>, TimeIntervalSpec>,
    used: BTreeSet<String>,
}

impl<'a> IntervalRefs<'a> {
    pub(super) fn new(defined: &'a BTreeMap<Sp<String>, TimeIntervalSpec>) -> Self {
        IntervalRefs {
            defined,
            used: BTreeSet::new(),
        }
    }

    /// A route's list of time intervals (at `path`), checked: each defined, none twice.
    pub(super) fn check(&mut self, cx: &mut Ctx, list: &[Sp<String>], path: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if !self.defined.keys().any(|k| k.value == r.value) {
                let known: Vec<String> = self
                    .defined
                    .keys()
                    .map(|k| format!("`{}`", k.value))
                    .collect();
                let help = if known.is_empty() {
                    "define it under `time_intervals`".to_string()
                } else {
                    format!("time intervals are {}", known.join(", "))
                };
                cx.err_help(
                    Code::UnknownReference,
                    r.loc,
                    p,
                    format!("unknown time interval `{}`", r.value),
                    help,
                );
            } else if out.contains(&r.value) {
                cx.err(
                    Code::Routing,
                    r.loc,
                    p,
                    format!("`{}` is listed twice", r.value),
                );
            } else {
                self.used.insert(r.value.clone());
                out.push(r.value.clone());
            }
        }
        out
    }

    /// Warns of every time interval no route names.
    pub(super) fn warn_unused(&self, cx: &mut Ctx) {
        for name in self.defined.keys() {
            if !self.used.contains(&name.value) {
                cx.warn(
                    Code::RoutingWarning,
                    name.loc,
                    format!("time_intervals.{}", name.value),
                    format!("time interval `{}` is not used by any route", name.value),
                );
            }
        }
    }
}

fn time_interval(
    cx: &mut Ctx,
    name: &Sp<String>,
    ti: &TimeIntervalSpec,
    path: &str,
) -> Option<TimeInterval> {
    let location = location(cx, ti.location.as_ref(), path);
    let mut ok = location.is_some();
    if ti.periods.is_empty() {
        cx.err(
            Code::TimeInterval,
            name.loc,
            format!("{path}.periods"),
            "a time interval needs at least one period",
        );
        ok = false;
    }
    let mut periods = Vec::new();
    for (i, p) in ti.periods.iter().enumerate() {
        match period(cx, p, &format!("{path}.periods[{i}]"), name.loc) {
            Some(mut ps) => periods.append(&mut ps),
            None => ok = false,
        }
    }
    ok.then(|| TimeInterval {
        name: name.value.clone(),
        location: location.unwrap_or_default(),
        periods,
    })
}

/// The time zone of an interval (UTC when not given): a zone Alertmanager can load, and never
/// the machine's own (`Local`).
fn location(cx: &mut Ctx, l: Option<&Sp<String>>, path: &str) -> Option<String> {
    match l {
        Some(l) if l.value == "Local" => {
            cx.err_help(
                Code::TimeInterval,
                l.loc,
                format!("{path}.location"),
                "`Local` depends on the machine Alertmanager runs on",
                "name the zone, e.g. `Europe/Berlin` or `UTC`",
            );
            None
        }
        Some(l) if !is_zone_name(&l.value) => {
            cx.err_help(
                Code::TimeInterval,
                l.loc,
                format!("{path}.location"),
                format!("`{}` is not an IANA time zone name", l.value.escape_debug()),
                "e.g. `UTC`, `Europe/Berlin`, `America/New_York`",
            );
            None
        }
        Some(l) if !zone_known(&l.value) => {
            cx.err_help(Code::TimeInterval, l.loc, format!("{path}.location"), format!("unknown time zone `{}`", l.value), "Alertmanager would refuse to load it: check the spelling against the IANA time zone database");
            None
        }
        Some(l) => Some(l.value.clone()),
        None => Some("UTC".to_string()),
    }
}

/// The time ranges of a period, in minutes since midnight: those within a day, and the parts
/// after midnight of those that cross it.
struct DayRanges {
    same_day: Vec<(u32, u32)>,
    next_day: Vec<(u32, u32)>,
}

/// One spec period → one or two Alertmanager periods (a range crossing midnight continues on
/// the next day).
fn period(cx: &mut Ctx, p: &PeriodSpec, path: &str, at: Loc) -> Option<Vec<Period>> {
    let ranges = day_ranges(cx, &p.times, path);
    let weekdays = parse_named_set(
        cx,
        &p.weekdays,
        &WEEKDAYS,
        false,
        &format!("{path}.weekdays"),
        "weekday",
        "`monday` or `monday:friday`",
    );
    let months = parse_named_set(
        cx,
        &p.months,
        &MONTHS,
        true,
        &format!("{path}.months"),
        "month",
        "`march`, `3` or `january:march`",
    );
    let days_of_month = checked_list(
        cx,
        &p.days_of_month,
        &format!("{path}.days_of_month"),
        parse_day_of_month,
    );
    let years = checked_list(cx, &p.years, &format!("{path}.years"), parse_year);
    let (Some(ranges), Some(weekdays), Some(months), Some(days_of_month), Some(years)) =
        (ranges, weekdays, months, days_of_month, years)
    else {
        return None;
    };
    if !ranges.next_day.is_empty()
        && (!days_of_month.is_empty() || !p.months.is_empty() || !p.years.is_empty())
    {
        let loc = p
            .times
            .iter()
            .find(|t| parse_clock(&t.start_time.value) > parse_clock(&t.end_time.value))
            .map_or(at, |t| t.start_time.loc);
        cx.err_help(
            Code::TimeInterval,
            loc,
            format!("{path}.times"),
            "a range that crosses midnight cannot be combined with days of the month, months or years",
            "write the part after midnight as a period of its own",
        );
        return None;
    }
    let month_list = if p.months.is_empty() {
        Vec::new()
    } else {
        render_set(&months, &MONTHS)
    };
    let base = Period {
        times: Vec::new(),
        weekdays: Vec::new(),
        days_of_month,
        months: month_list,
        years,
    };
    let weekdays = (!p.weekdays.is_empty()).then_some(weekdays);
    Some(split_at_midnight(base, ranges, weekdays.as_deref()))
}

/// The time ranges of a period, each `HH:MM` and not empty; `None` after any error.
fn day_ranges(cx: &mut Ctx, times: &[TimeRangeSpec], path: &str) -> Option<DayRanges> {
    let mut ok = true;
    let mut same_day: Vec<(u32, u32)> = Vec::new();
    let mut next_day: Vec<(u32, u32)> = Vec::new();
    for (i, t) in times.iter().enumerate() {
        let tp = format!("{path}.times[{i}]");
        let s = parse_clock(&t.start_time.value);
        let e = parse_clock(&t.end_time.value);
        for (v, parsed, k) in [
            (&t.start_time, s, "start_time"),
            (&t.end_time, e, "end_time"),
        ] {
            if parsed.is_none() {
                cx.err_help(
                    Code::TimeInterval,
                    v.loc,
                    format!("{tp}.{k}"),
                    format!("`{}` is not a time of day", v.value.escape_debug()),
                    "write `HH:MM` from `00:00` to `24:00`, quoted",
                );
                ok = false;
            }
        }
        let (Some(s), Some(e)) = (s, e) else { continue };
        if s == 1440 {
            cx.err(
                Code::TimeInterval,
                t.start_time.loc,
                format!("{tp}.start_time"),
                "a range cannot start at 24:00",
            );
            ok = false;
        } else if s == e {
            cx.err(
                Code::TimeInterval,
                t.end_time.loc,
                format!("{tp}.end_time"),
                "start and end are equal: the range is empty",
            );
            ok = false;
        } else if s < e {
            same_day.push((s, e));
        } else {
            same_day.push((s, 1440));
            if e > 0 {
                next_day.push((0, e));
            }
        }
    }
    ok.then_some(DayRanges { same_day, next_day })
}

/// A list of days of the month or years (at `path`), each in Alertmanager's form; `None` after
/// any error.
fn checked_list(
    cx: &mut Ctx,
    items: &[Sp<String>],
    path: &str,
    parse: fn(&str) -> Result<String, String>,
) -> Option<Vec<String>> {
    let mut ok = true;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match parse(&item.value) {
            Ok(v) => out.push(v),
            Err(m) => {
                cx.err(Code::TimeInterval, item.loc, format!("{path}[{i}]"), m);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// The Alertmanager periods of a spec period: without weekdays, one period holding every
/// range; with weekdays, the ranges of those days, and the parts after midnight on the days
/// that follow them.
fn split_at_midnight(base: Period, ranges: DayRanges, weekdays: Option<&[bool]>) -> Vec<Period> {
    let times = |v: &[(u32, u32)]| {
        v.iter()
            .map(|(s, e)| (clock(*s), clock(*e)))
            .collect::<Vec<_>>()
    };
    let DayRanges { same_day, next_day } = ranges;
    let Some(weekdays) = weekdays else {
        let mut all = same_day;
        all.extend(next_day);
        return vec![Period {
            times: times(&all),
            ..base
        }];
    };
    let mut out = vec![Period {
        times: times(&same_day),
        weekdays: render_set(weekdays, &WEEKDAYS),
        ..base.clone()
    }];
    if !next_day.is_empty() {
        let shifted: Vec<bool> = (0..7).map(|d| weekdays[(d + 6) % 7]).collect();
        out.push(Period {
            times: times(&next_day),
            weekdays: render_set(&shifted, &WEEKDAYS),
            ..base
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::diag::Diagnostics;

    #[test]
    fn a_range_across_midnight_continues_on_the_next_days() {
        let sp = |v: &str| Sp::new(v.to_string(), Loc::default());
        let spec = PeriodSpec {
            times: vec![
                TimeRangeSpec {
                    start_time: sp("22:00"),
                    end_time: sp("06:00"),
                },
                TimeRangeSpec {
                    start_time: sp("12:00"),
                    end_time: sp("13:00"),
                },
            ],
            weekdays: vec![sp("Friday:monday")],
            ..PeriodSpec::default()
        };
        let mut diags = Diagnostics::default();
        let mut cx = Ctx {
            file: Path::new("r.yaml"),
            diags: &mut diags,
        };
        let periods = period(&mut cx, &spec, "p", Loc::default()).unwrap();
        assert!(diags.is_empty());
        let t = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(periods.len(), 2);
        assert_eq!(
            periods[0].times,
            vec![t("22:00", "24:00"), t("12:00", "13:00")]
        );
        assert_eq!(
            periods[0].weekdays,
            vec!["sunday:monday", "friday:saturday"]
        );
        assert_eq!(periods[1].times, vec![t("00:00", "06:00")]);
        assert_eq!(periods[1].weekdays, vec!["sunday:tuesday", "saturday"]);
        // Without weekdays both parts are times of the same period.
        let every_day = PeriodSpec {
            times: vec![TimeRangeSpec {
                start_time: sp("23:30"),
                end_time: sp("00:30"),
            }],
            ..PeriodSpec::default()
        };
        let mut cx = Ctx {
            file: Path::new("r.yaml"),
            diags: &mut diags,
        };
        let p = period(&mut cx, &every_day, "p", Loc::default()).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].times, vec![t("23:30", "24:00"), t("00:00", "00:30")]);
    }
}
