//! The queries behind a report: per SLO, its recorded series over the chart's range
//! (`query_range`), the times each tier's condition held (a subquery of the alert's own
//! comparison) and the `ALERTS` samples of its alerts. A server that does not answer fails the
//! report; a query Prometheus refuses or a series it lacks becomes a problem noted on the SLO.

use std::collections::BTreeMap;

use super::time::{min_gap, spans, weekly};
use super::{AlertHistory, Excluded, Report, SloReport, Tier, Window};
use crate::doctor::api::{ApiError, Client, ValueSeries};
use crate::model::{ExclusionWhen, Fleet, Slo};
use crate::names::{self, label};
use crate::syntax::promql;

/// About this many points per charted series.
const POINTS: i64 = 600;

/// The step of a range of `span` seconds: whole minutes, about [`POINTS`] points.
pub fn step_for(span: i64) -> i64 {
    let raw = (span.max(60) + POINTS - 1) / POINTS;
    (raw + 59) / 60 * 60
}

/// The report of every SLO of `fleet` as of `at`.
pub fn fetch(fleet: &Fleet, client: &Client, at: i64) -> Result<Report, ApiError> {
    let eval = (fleet.settings.evaluation_interval.as_millis() / 1000).max(1) as i64;
    let mut slos = Vec::new();
    for service in &fleet.services {
        for slo in &service.slos {
            slos.push(fetch_slo(slo, client, at, eval)?);
        }
    }
    Ok(Report {
        prometheus: client.base().to_string(),
        at,
        slos,
    })
}

/// The chart's range and budget periods of `slo` as of `at`.
fn periods(slo: &Slo, at: i64) -> (Window, String, Vec<(i64, i64)>) {
    let length = (slo.window.as_millis() / 1000) as i64;
    if let Some(cal) = &slo.calendar
        && let Some(cur) = cal.bounds_at(at)
    {
        let mut periods = vec![cur];
        if let Some(prev) = cal.bounds_at(cur.0 - 1) {
            periods.insert(0, prev);
        }
        let window = Window::Calendar {
            period: cal.period.as_str().to_string(),
            timezone: cal.timezone.clone(),
        };
        return (window, cal.timezone.clone(), periods);
    }
    let window = Window::Rolling {
        length,
        label: slo.window_label(),
    };
    (window, "UTC".into(), vec![(at - length, at)])
}

fn fetch_slo(slo: &Slo, client: &Client, at: i64, eval: i64) -> Result<SloReport, ApiError> {
    let (window, zone, periods) = periods(slo, at);
    let from = periods.first().map_or(at, |p| p.0);
    let to = periods.last().map_or(at, |p| p.1).max(at);
    let step = step_for(to - from);
    let mut r = SloReport {
        service: slo.service.clone(),
        slo: slo.name.clone(),
        description: slo.description.clone(),
        objective: slo.objective.to_string(),
        budget: slo.error_budget().to_f64(),
        window,
        zone,
        from,
        to,
        step,
        periods,
        tiers: Vec::new(),
        group: None,
        budget_remaining: Vec::new(),
        burn: BTreeMap::new(),
        burn_now: BTreeMap::new(),
        alerts: Vec::new(),
        exclusions: exclusions(slo, from, to),
        problems: Vec::new(),
    };
    let mut m: Vec<(String, String)> = vec![
        (label::SERVICE.into(), slo.service.clone()),
        (label::SLO.into(), slo.name.clone()),
    ];
    if !slo.group_labels().is_empty() {
        pick_group(slo, client, at, &mut m, &mut r)?;
    }
    let sel = |metric: &str, extra: &[(&str, &str)]| {
        promql::selector(
            metric,
            m.iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .chain(extra.iter().copied()),
        )
    };
    // Points at whole steps back from the report's instant: the last one is `at` itself, and
    // the same data gives the same points.
    let end = at.min(to);
    let start = end - (end - from).max(0) / step * step;
    let first = |q: &str, r: &mut SloReport| -> Result<Vec<(i64, f64)>, ApiError> {
        let series = noted(client.query_range(q, start, end, step), q, r)?;
        if series.len() > 1 {
            r.problems.push(format!(
                "`{q}` returned {} series; the chart shows the first",
                series.len()
            ));
        }
        Ok(series.into_iter().next().map(points).unwrap_or_default())
    };
    let q = sel(names::BUDGET_REMAINING, &[]);
    r.budget_remaining = first(&q, &mut r)?;
    if r.budget_remaining.is_empty() {
        r.problems.push(format!(
            "no `{q}` in this range: are the generated rules loaded?"
        ));
    }
    let range = (at - from).max(eval);
    for a in &slo.alerts {
        let (long, short) = (a.long_window.to_string(), a.short_window.to_string());
        for w in [&long, &short] {
            if !r.burn.contains_key(w.as_str()) {
                // The highest of each step, so that a burst between two points shows.
                let q = format!(
                    "max_over_time({}[{step}s])",
                    sel(names::BURN_RATE, &[(label::WINDOW, w)])
                );
                let s = first(&q, &mut r)?;
                r.burn.insert(w.clone(), s);
                let q = sel(names::BURN_RATE, &[(label::WINDOW, w)]);
                if let Some(now) =
                    noted(client.instant_at(&q, Some(at as f64)), &q, &mut r)?.first()
                {
                    r.burn_now.insert(w.clone(), now.value);
                }
            }
        }
        let f = a.burn_rate.to_string();
        let cond = format!(
            "(({} > {f}) and ignoring({w}) ({} > {f}))[{range}s:{eval}s]",
            sel(names::BURN_RATE, &[(label::WINDOW, &long)]),
            sel(names::BURN_RATE, &[(label::WINDOW, &short)]),
            w = label::WINDOW,
        );
        let held = noted(client.range_values_at(&cond, at as f64), &cond, &mut r)?;
        let times: Vec<f64> = held
            .iter()
            .flat_map(|(_, points)| points.iter().map(|x| x.0))
            .collect();
        r.tiers.push(Tier {
            name: a.tier.clone(),
            long,
            short,
            factor: a.burn_rate.to_f64(),
            factor_text: f,
            for_: a.for_.to_string(),
            severity: a.severity.clone(),
            condition: spans(&times, eval as f64, at),
        });
    }
    let q = format!(
        "{}[{range}s]",
        sel(
            names::ALERTS,
            &[(names::alert_label::ALERTSTATE, names::alert_label::FIRING)]
        )
    );
    let firing = noted(client.range_values_at(&q, at as f64), &q, &mut r)?;
    r.alerts = firing
        .into_iter()
        .map(|p| alert_history(p, eval as f64, at))
        .collect();
    r.alerts.sort_by(|a, b| {
        (&a.alertname, &a.detail, a.spans.first().map(|s| s.start)).cmp(&(
            &b.alertname,
            &b.detail,
            b.spans.first().map(|s| s.start),
        ))
    });
    Ok(r)
}

/// A grouped SLO's charts show the group with the least budget left at `at`.
fn pick_group(
    slo: &Slo,
    client: &Client,
    at: i64,
    m: &mut Vec<(String, String)>,
    r: &mut SloReport,
) -> Result<(), ApiError> {
    let q = promql::selector(
        names::BUDGET_REMAINING,
        m.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let groups = noted(client.instant_at(&q, Some(at as f64)), &q, r)?;
    let worst = groups
        .iter()
        .filter(|s| !s.value.is_nan())
        .min_by(|a, b| a.value.total_cmp(&b.value).then(a.labels.cmp(&b.labels)));
    let Some(worst) = worst else {
        r.problems
            .push(format!("no group of `{q}` has a value at this instant"));
        return Ok(());
    };
    let mut shown = Vec::new();
    for l in slo.group_labels() {
        let v = worst.labels.get(l).cloned().unwrap_or_default();
        shown.push(format!("{l}=\"{v}\""));
        m.push((l.clone(), v));
    }
    r.group = Some(format!(
        "{} — the group with the least budget left, of {} groups",
        shown.join(", "),
        groups.len()
    ));
    Ok(())
}

/// `r`'s series, or a problem noted on the report for a query Prometheus refused; an
/// unreachable server fails the whole report.
fn noted<T>(res: Result<Vec<T>, ApiError>, q: &str, r: &mut SloReport) -> Result<Vec<T>, ApiError> {
    match res {
        Ok(v) => Ok(v),
        Err(ApiError::Bad(why)) => {
            r.problems.push(format!("`{q}`: {why}"));
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}

fn points((_, points): ValueSeries) -> Vec<(i64, f64)> {
    points
        .into_iter()
        .map(|(t, v)| (t.round() as i64, v))
        .collect()
}

/// One `ALERTS` series as spans, named by what tells it apart.
fn alert_history((labels, points): ValueSeries, eval: f64, at: i64) -> AlertHistory {
    let times: Vec<f64> = points.iter().map(|x| x.0).collect();
    let gap = min_gap(&times, eval);
    let get = |k: &str| labels.get(k).cloned().unwrap_or_default();
    let detail = [
        label::TIER,
        label::BUDGET_STAGE,
        label::NO_DATA,
        label::GUARD,
    ]
    .iter()
    .filter_map(|k| labels.get(*k).map(|v| format!("{k}=\"{v}\"")))
    .collect::<Vec<_>>()
    .join(", ");
    AlertHistory {
        alertname: get(names::alert_label::ALERTNAME),
        detail,
        severity: get(label::SEVERITY),
        spans: spans(&times, gap, at),
    }
}

/// The SLO's planned-maintenance windows inside `from`..`to`.
fn exclusions(slo: &Slo, from: i64, to: i64) -> Vec<Excluded> {
    let mut out = Vec::new();
    for e in &slo.exclusions {
        match &e.when {
            ExclusionWhen::OneOff { start, end } => {
                let (s, t) = ((*start).max(from), (*end).min(to));
                if s < t {
                    out.push(Excluded {
                        name: e.name.clone(),
                        start: s,
                        end: t,
                    });
                }
            }
            ExclusionWhen::Recurring {
                weekdays,
                times,
                timezone,
            } => {
                for (s, t) in weekly(weekdays, times, timezone, from, to) {
                    out.push(Excluded {
                        name: e.name.clone(),
                        start: s,
                        end: t,
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| (a.start, a.end, &a.name).cmp(&(b.start, b.end, &b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_whole_minutes_about_600_points() {
        assert_eq!(step_for(30 * 86_400), 4320);
        assert_eq!(step_for(3600), 60);
        assert_eq!(step_for(0), 60);
        assert_eq!(step_for(61 * 86_400) % 60, 0);
    }
}
