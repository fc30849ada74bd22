//! Exclusions that also mute alerts (`mute_alerts: true`): each becomes a time interval in the
//! form Alertmanager reads (a recurring one in its zone, a one-off one in UTC split into
//! days), and its SLO a [`SloMute`] that the routing tree gives muted copies of its routes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::diag::{Code, Diagnostics};
use crate::load::routing::RoutingSpec;
use crate::model::routing::{Period, SloMute, TimeInterval};
use crate::model::{Exclusion, ExclusionWhen, Service};
use crate::names;
use crate::syntax::gotmpl::expand_literal as rendered_label;
use crate::validate::Ctx;

use super::calendar::{MONTHS, WEEKDAYS, clock, render_set};

const DAY: i64 = 86_400;

/// The SLOs whose exclusions mute their alerts, with those exclusions added to `intervals`
/// (the document's own time intervals); an exclusion's interval whose name the document
/// already uses is an error at the document's interval.
pub(super) fn slo_mutes(
    cx: &mut Ctx,
    spec: &RoutingSpec,
    services: &[Arc<Service>],
    intervals: &mut BTreeMap<String, TimeInterval>,
) -> Vec<SloMute> {
    let mut out = Vec::new();
    for s in services {
        for slo in &s.slos {
            let mut mute = SloMute {
                team: s.team.clone(),
                service: s.name.clone(),
                slo: slo.name.clone(),
                intervals: Vec::new(),
                severities: BTreeSet::new(),
                stages: slo.budget_alerts.iter().map(|b| b.stage.clone()).collect(),
            };
            for e in slo.exclusions.iter().filter(|e| e.mute_alerts) {
                let name = names::exclusion_interval(
                    &s.name,
                    (!e.service_wide).then_some(slo.name.as_str()),
                    &e.name,
                );
                if let Some((key, _)) = spec.time_intervals.iter().find(|(k, _)| k.value == name) {
                    cx.err_help(
                        Code::TimeInterval,
                        key.loc,
                        format!("time_intervals.{name}"),
                        format!(
                            "time interval `{name}` has the name sloforge gives exclusion `{}` of {}/{}, which mutes its alerts",
                            e.name, s.name, slo.name
                        ),
                        "rename this time interval",
                    );
                    continue;
                }
                intervals
                    .entry(name.clone())
                    .or_insert_with(|| time_interval(&name, e));
                mute.intervals.push(name);
            }
            if mute.intervals.is_empty() {
                continue;
            }
            // All its alerts, the too-many-groups one included (which the fleet facts of the
            // routing checks leave out): each must find its muted route.
            let severities = slo
                .alerts
                .iter()
                .map(|a| &a.severity)
                .chain(slo.budget_alerts.iter().map(|a| &a.severity))
                .chain(slo.no_data_alerts.iter().map(|a| &a.severity))
                .chain(slo.grouping.iter().map(|g| &g.guard.severity));
            mute.severities = severities.map(|v| rendered_label(v)).collect();
            out.push(mute);
        }
    }
    out
}

/// Warns at each exclusion that mutes alerts when there is no `AlertRouting` document to
/// write the muting into.
pub(super) fn warn_without_routing(services: &[Arc<Service>], diags: &mut Diagnostics) {
    for s in services {
        let mut cx = Ctx {
            file: &s.file,
            diags,
        };
        let mut seen: BTreeSet<(bool, &str)> = BTreeSet::new();
        for slo in &s.slos {
            for e in slo.exclusions.iter().filter(|e| e.mute_alerts) {
                if !seen.insert((e.service_wide, &e.name)) && e.service_wide {
                    continue;
                }
                cx.warn_help(
                    Code::RoutingWarning,
                    e.loc,
                    "mute_alerts",
                    format!(
                        "exclusion `{}` mutes alerts, but the fleet has no `AlertRouting` document: no Alertmanager configuration is written",
                        e.name
                    ),
                    "add an `AlertRouting` document, or mute the alerts in your Alertmanager with a time interval",
                );
            }
        }
    }
}

/// The exclusion as an Alertmanager time interval named `name`.
pub(crate) fn time_interval(name: &str, e: &Exclusion) -> TimeInterval {
    match &e.when {
        ExclusionWhen::Recurring {
            weekdays,
            times,
            timezone,
        } => {
            let mut days = [false; 7];
            for d in weekdays {
                days[usize::from(*d) % 7] = true;
            }
            TimeInterval {
                name: name.to_string(),
                location: timezone.clone(),
                periods: vec![Period {
                    times: times.iter().map(|(s, t)| (clock(*s), clock(*t))).collect(),
                    weekdays: if weekdays.is_empty() {
                        Vec::new()
                    } else {
                        render_set(&days, &WEEKDAYS)
                    },
                    ..Period::default()
                }],
            }
        }
        ExclusionWhen::OneOff { start, end } => TimeInterval {
            name: name.to_string(),
            location: "UTC".into(),
            periods: one_off(*start, *end),
        },
    }
}

/// `[start, end)` (Unix seconds, widened to whole minutes) as periods in UTC: a partial first
/// and last day with their times, the whole days between as day-of-month ranges, one period
/// per month.
fn one_off(start: i64, end: i64) -> Vec<Period> {
    let start = start.div_euclid(60) * 60;
    let end = (end + 59).div_euclid(60) * 60;
    let mut out: Vec<Period> = Vec::new();
    // Whole days not yet written: (first day, last day) of one month.
    let mut run: Option<(jiff::civil::Date, jiff::civil::Date)> = None;
    let flush = |run: &mut Option<(jiff::civil::Date, jiff::civil::Date)>,
                 out: &mut Vec<Period>| {
        if let Some((a, b)) = run.take() {
            let days = if a == b {
                a.day().to_string()
            } else {
                format!("{}:{}", a.day(), b.day())
            };
            out.push(date_period(a, vec![days], Vec::new()));
        }
    };
    let mut day = start.div_euclid(DAY) * DAY;
    while day < end {
        let (from, to) = ((start - day).max(0), (end - day).min(DAY));
        let date = match jiff::Timestamp::from_second(day) {
            Ok(t) => t.to_zoned(jiff::tz::TimeZone::UTC).date(),
            Err(_) => break,
        };
        if from == 0 && to == DAY {
            match &mut run {
                Some((a, b)) if a.year() == date.year() && a.month() == date.month() => *b = date,
                _ => {
                    flush(&mut run, &mut out);
                    run = Some((date, date));
                }
            }
        } else {
            flush(&mut run, &mut out);
            let times = vec![(clock((from / 60) as u32), clock((to / 60) as u32))];
            out.push(date_period(date, vec![date.day().to_string()], times));
        }
        day += DAY;
    }
    flush(&mut run, &mut out);
    out
}

fn date_period(
    date: jiff::civil::Date,
    days_of_month: Vec<String>,
    times: Vec<(String, String)>,
) -> Period {
    Period {
        times,
        weekdays: Vec::new(),
        days_of_month,
        months: vec![MONTHS[usize::from(date.month() as u8 - 1)].to_string()],
        years: vec![date.year().to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn a_one_off_window_is_split_into_days_and_months() {
        let p = one_off(at("2027-01-30T22:00:30Z"), at("2027-02-02T01:30:00Z"));
        let show: Vec<String> = p
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {:?}",
                    p.years[0], p.months[0], p.days_of_month[0], p.times
                )
            })
            .collect();
        assert_eq!(
            show,
            [
                "2027 january 30 [(\"22:00\", \"24:00\")]",
                "2027 january 31 []",
                "2027 february 1 []",
                "2027 february 2 [(\"00:00\", \"01:30\")]",
            ]
        );
        // Within one day; whole days in a row within a month as one range.
        let p = one_off(at("2027-03-04T06:00:00Z"), at("2027-03-04T08:00:00Z"));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].times, [("06:00".to_string(), "08:00".to_string())]);
        let p = one_off(at("2027-03-04T00:00:00Z"), at("2027-03-07T00:00:00Z"));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].days_of_month, ["4:6"]);
        assert!(p[0].times.is_empty());
    }
}
