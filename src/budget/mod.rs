//! `sloforge status` and `sloforge gate`: the error budgets as the alerts see them, read from
//! the series the generated rules record in a live Prometheus (`slo:sli_error:ratio`,
//! `slo:burn_rate:ratio`, `slo:error_budget_remaining:ratio`, the hourly event rates), and the
//! error-budget policy applied to them ([`policy`]). A series that is missing is reported as
//! missing: an SLO without data never reads as a healthy one, and never lets a deploy through.
//!
//! Modules: [`policy`] (stages, the gate, recovery of a rolling window), [`render`] (table,
//! Markdown, JSON, the gate's verdict, colour on a terminal).

pub(crate) mod command;
pub(crate) mod policy;
pub(crate) mod render;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::doctor::api::{ApiError, Client, Sample};
use crate::model::{Fleet, Settings, Slo};
use crate::names::{self, label};
use policy::{Gate, Stage};

/// Why the budgets could not be read at all (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

fn failure(url: &str, e: &ApiError) -> Failure {
    match e {
        ApiError::Unreachable(why) => {
            Failure(format!("Prometheus at {url} could not be reached: {why}"))
        }
        ApiError::Bad(why) => Failure(format!(
            "Prometheus at {url} does not answer like Prometheus: {why}"
        )),
    }
}

/// The budgets of a set of SLOs at one instant.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// RFC 3339, UTC.
    pub at: String,
    pub at_unix: f64,
    pub prometheus: String,
    pub slos: Vec<SloStatus>,
}

/// One SLO's budget (one group's, for a grouped SLO).
#[derive(Debug, Clone, Serialize)]
pub struct SloStatus {
    pub service: String,
    pub slo: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub group: BTreeMap<String, String>,
    /// Percent.
    pub objective: f64,
    pub window: Window,
    /// Good events over the SLO window (ratio), `1 − error_ratio`.
    pub sli: Option<f64>,
    pub error_ratio: Option<f64>,
    /// The budget left (ratio; 1 untouched, ≤ 0 exhausted), counted against the whole
    /// window's expected events while the window is young.
    pub budget_remaining: Option<f64>,
    pub budget_remaining_percent: Option<f64>,
    /// The budget left as minutes of total outage.
    pub budget_remaining_minutes: Option<f64>,
    /// The whole budget as minutes of total outage.
    pub budget_minutes: f64,
    pub burn_rates: Vec<TierBurn>,
    /// The burn rate over the last hour, which [`SloStatus::exhaustion_seconds`] assumes.
    pub burn_rate_1h: Option<f64>,
    /// Time until the budget is spent at the current 1h burn rate: 0 when it is already, none
    /// when nothing burns (or there is no data).
    pub exhaustion_seconds: Option<f64>,
    /// When that is (RFC 3339, UTC).
    pub exhausts_at: Option<String>,
    /// The policy stage; none without data.
    pub stage: Option<Stage>,
    /// The recorded series this SLO has no value of at that instant.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

impl SloStatus {
    /// `service/slo`, with the group's label values.
    pub fn name(&self) -> String {
        let mut n = format!("{}/{}", self.service, self.slo);
        if !self.group.is_empty() {
            let g: Vec<String> = self.group.iter().map(|(k, v)| format!("{k}={v}")).collect();
            n += &format!("{{{}}}", g.join(","));
        }
        n
    }
}

/// The SLO window: rolling, or the calendar period holding the instant.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Window {
    Rolling {
        length: String,
        seconds: f64,
    },
    Calendar {
        period: String,
        timezone: String,
        /// The period's start and end, RFC 3339 in the zone.
        start: String,
        end: String,
        start_unix: i64,
        end_unix: i64,
    },
}

impl Window {
    pub fn seconds(&self) -> f64 {
        match self {
            Window::Rolling { seconds, .. } => *seconds,
            Window::Calendar {
                start_unix,
                end_unix,
                ..
            } => (end_unix - start_unix) as f64,
        }
    }
}

/// The burn rates of one alert tier's windows.
#[derive(Debug, Clone, Serialize)]
pub struct TierBurn {
    pub tier: String,
    pub long_window: String,
    pub long: Option<f64>,
    pub short_window: String,
    pub short: Option<f64>,
    /// The tier's factor: it fires when both windows burn faster.
    pub factor: f64,
    pub over: bool,
}

/// The series of one metric, by SLO identity (service, slo, group label values).
type Bucket = BTreeMap<(String, String, Vec<String>), Vec<Sample>>;

fn bucket(samples: Vec<Sample>, fleet: &Fleet) -> Bucket {
    let mut out = Bucket::new();
    for s in samples {
        let (Some(service), Some(slo)) = (s.labels.get(label::SERVICE), s.labels.get(label::SLO))
        else {
            continue;
        };
        let Some(model) = find_slo(fleet, service, slo) else {
            continue;
        };
        let group = model
            .group_labels()
            .iter()
            .map(|l| s.labels.get(l).cloned().unwrap_or_default())
            .collect();
        out.entry((service.clone(), slo.clone(), group))
            .or_default()
            .push(s);
    }
    out
}

fn find_slo<'a>(fleet: &'a Fleet, service: &str, slo: &str) -> Option<&'a Slo> {
    fleet
        .services
        .iter()
        .find(|s| s.name == service)
        .and_then(|s| s.slos.iter().find(|o| o.name == slo))
}

/// The value of the series with `window` among `samples` (any when `window` is `None`; the
/// SLO window's first when several).
fn value(samples: Option<&Vec<Sample>>, window: Option<&str>) -> Option<f64> {
    let samples = samples?;
    samples
        .iter()
        .find(|s| window.is_none_or(|w| s.labels.get(label::WINDOW).map(String::as_str) == Some(w)))
        .map(|s| s.value)
        .filter(|v| !v.is_nan())
}

/// Reads the budgets of `slos` at Unix time `at`.
pub fn status(fleet: &Fleet, slos: &[&Slo], client: &Client, at: f64) -> Result<Status, Failure> {
    let mut services: Vec<&str> = slos.iter().map(|s| s.service.as_str()).collect();
    services.sort_unstable();
    services.dedup();
    let matcher = format!(
        "{{{}=~\"{}\"}}",
        label::SERVICE,
        services
            .iter()
            .map(|s| regex::escape(s).replace('\\', "\\\\"))
            .collect::<Vec<_>>()
            .join("|")
    );
    let read = |metric: &str| {
        client
            .instant_at(&format!("{metric}{matcher}"), Some(at))
            .map(|v| bucket(v, fleet))
            .map_err(|e| failure(client.base(), &e))
    };
    let ratios = read(names::ERROR_RATIO)?;
    let burns = read(names::BURN_RATE)?;
    let remaining = read(names::BUDGET_REMAINING)?;
    let mut rows = Vec::new();
    for slo in slos {
        let mut groups: Vec<Vec<String>> = remaining
            .keys()
            .chain(ratios.keys())
            .filter(|(sv, s, _)| *sv == slo.service && *s == slo.name)
            .map(|(_, _, g)| g.clone())
            .collect();
        groups.sort();
        groups.dedup();
        if groups.is_empty() {
            groups.push(vec![String::new(); slo.group_labels().len()]);
        }
        for g in groups {
            let key = (slo.service.clone(), slo.name.clone(), g.clone());
            rows.push(slo_status(
                slo,
                &g,
                at,
                ratios.get(&key),
                burns.get(&key),
                remaining.get(&key),
            ));
        }
    }
    Ok(Status {
        at: render::rfc3339(at),
        at_unix: at,
        prometheus: client.base().to_string(),
        slos: rows,
    })
}

fn window_of(slo: &Slo, at: f64) -> Window {
    if let Some(cal) = &slo.calendar
        && let Some((start, end)) = cal.bounds_at(at.floor() as i64)
    {
        return Window::Calendar {
            period: cal.period.as_str().to_string(),
            timezone: cal.timezone.clone(),
            start: render::local_rfc3339(start, &cal.timezone),
            end: render::local_rfc3339(end, &cal.timezone),
            start_unix: start,
            end_unix: end,
        };
    }
    Window::Rolling {
        length: slo.window.to_string(),
        seconds: slo.window.as_secs_f64(),
    }
}

fn slo_status(
    slo: &Slo,
    group: &[String],
    at: f64,
    ratios: Option<&Vec<Sample>>,
    burns: Option<&Vec<Sample>>,
    remaining: Option<&Vec<Sample>>,
) -> SloStatus {
    let window = window_of(slo, at);
    let wl = slo.window_label();
    let budget = slo.error_budget().to_f64();
    let budget_minutes = budget * window.seconds() / 60.0;
    let mut missing = Vec::new();
    let error_ratio = value(ratios, Some(&wl));
    if error_ratio.is_none() {
        missing.push(format!("{}{{window=\"{wl}\"}}", names::ERROR_RATIO));
    }
    let left = value(remaining, Some(&wl)).or_else(|| value(remaining, None));
    if left.is_none() {
        missing.push(names::BUDGET_REMAINING.to_string());
    }
    let burn = |w: &str| value(burns, Some(w));
    let mut burn_rates = Vec::new();
    for a in &slo.alerts {
        let (lw, sw) = (a.long_window.to_string(), a.short_window.to_string());
        let (long, short) = (burn(&lw), burn(&sw));
        for (w, v) in [(&lw, long), (&sw, short)] {
            let m = format!("{}{{window=\"{w}\"}}", names::BURN_RATE);
            if v.is_none() && !missing.contains(&m) {
                missing.push(m);
            }
        }
        let factor = a.burn_rate.to_f64();
        burn_rates.push(TierBurn {
            tier: a.tier.clone(),
            long_window: lw,
            long,
            short_window: sw,
            short,
            factor,
            over: long.is_some_and(|l| l > factor) && short.is_some_and(|s| s > factor),
        });
    }
    if ratios.is_none() && burns.is_none() && remaining.is_none() {
        missing = vec![format!(
            "every series of {}=\"{}\",{}=\"{}\" (are its rules loaded?)",
            label::SERVICE,
            slo.service,
            label::SLO,
            slo.name
        )];
    }
    let burn_rate_1h = burn("1h");
    let exhaustion_seconds = match (left, burn_rate_1h) {
        (Some(l), _) if l <= 0.0 => Some(0.0),
        (Some(l), Some(b)) if b > 0.0 => Some(l * window.seconds() / b),
        _ => None,
    };
    SloStatus {
        service: slo.service.clone(),
        slo: slo.name.clone(),
        group: slo
            .group_labels()
            .iter()
            .cloned()
            .zip(group.iter().cloned())
            .collect(),
        objective: slo.objective.to_f64(),
        window,
        sli: error_ratio.map(|r| 1.0 - r),
        error_ratio,
        budget_remaining: left,
        budget_remaining_percent: left.map(|l| l * 100.0),
        budget_remaining_minutes: left.map(|l| l * budget_minutes),
        budget_minutes,
        burn_rates,
        burn_rate_1h,
        exhaustion_seconds,
        exhausts_at: exhaustion_seconds.map(|s| render::rfc3339(at + s)),
        stage: left.filter(|_| error_ratio.is_some()).map(Stage::of),
        missing,
    }
}

/// The gate's verdict on one SLO.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub status: SloStatus,
    pub frozen: bool,
    /// When the budget is back above the gate's line at zero errors (Unix seconds): the next
    /// period's start for a calendar SLO, else when enough of the window's errors age out.
    pub recovers_at: Option<f64>,
}

/// The gate over `slos` (one service's): each SLO's verdict. A missing series is a
/// [`Failure`]: the gate never opens on what it could not read.
pub fn gate(
    fleet: &Fleet,
    slos: &[&Slo],
    client: &Client,
    at: f64,
    policy: Gate,
) -> Result<Vec<Verdict>, Failure> {
    let status = status(fleet, slos, client, at)?;
    let mut out = Vec::new();
    for s in status.slos {
        let Some(stage) = s.stage else {
            return Err(Failure(format!(
                "no data for {} at {} in {}: missing {}; cannot tell whether deploys are allowed",
                s.name(),
                status.at,
                status.prometheus,
                s.missing.join(", ")
            )));
        };
        let frozen = policy.frozen(stage);
        let recovers_at = if !frozen {
            None
        } else if let Window::Calendar { end_unix, .. } = s.window {
            Some(end_unix as f64)
        } else {
            let slo = find_slo(fleet, &s.service, &s.slo)
                .ok_or_else(|| Failure(format!("{} is not in the specs", s.name())))?;
            rolling_recovery(&fleet.settings, slo, &s, client, at, policy.reopens_at())?
        };
        out.push(Verdict {
            status: s,
            frozen,
            recovers_at,
        });
    }
    Ok(out)
}

/// When `slo`'s rolling budget is back at `target` at zero errors, from its recorded event
/// rates over the window (the hourly ones, or the base rates of a window without them).
fn rolling_recovery(
    settings: &Settings,
    slo: &Slo,
    status: &SloStatus,
    client: &Client,
    at: f64,
    target: f64,
) -> Result<Option<f64>, Failure> {
    let base = settings.base_window.to_string();
    let (record, step) = if slo.has_coarse_group(settings) {
        let step = settings.coarse_step();
        (names::coarse_record(&step.to_string(), &base), step)
    } else {
        (names::events_record(&base), settings.evaluation_interval)
    };
    let mut matchers = vec![
        format!("{}=\"{}\"", label::SERVICE, status.service),
        format!("{}=\"{}\"", label::SLO, status.slo),
    ];
    for (k, v) in &status.group {
        matchers.push(format!(
            "{k}=\"{}\"",
            v.replace('\\', "\\\\").replace('"', "\\\"")
        ));
    }
    let q = format!("{record}{{{}}}[{}]", matchers.join(","), slo.window);
    let series = client
        .range_values_at(&q, at)
        .map_err(|e| failure(client.base(), &e))?;
    let mut by_time: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
    for (labels, points) in series {
        let errors = match labels.get(label::EVENT).map(String::as_str) {
            Some(label::EVENT_ERRORS) => true,
            Some(label::EVENT_TOTAL) => false,
            _ => continue,
        };
        for (t, v) in points {
            let e = by_time.entry((t * 1000.0).round() as i64).or_default();
            if errors {
                e.0 += v;
            } else {
                e.1 += v;
            }
        }
    }
    let steps: Vec<(f64, f64, f64)> = by_time
        .into_iter()
        .map(|(t, (e, n))| (t as f64 / 1000.0, e, n))
        .collect();
    Ok(policy::rolling_recovery(
        &steps,
        step.as_secs_f64(),
        slo.window.as_secs_f64(),
        slo.error_budget().to_f64(),
        target,
        at,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet() -> Fleet {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live");
        crate::driver::build(&[dir], false)
            .fleet
            .expect("tests/live compiles")
    }

    fn sample(window: &str, value: f64) -> Sample {
        let mut labels = BTreeMap::new();
        labels.insert(label::WINDOW.to_string(), window.to_string());
        Sample { labels, value }
    }

    #[test]
    fn no_series_is_no_data_never_a_healthy_slo() {
        let f = fleet();
        let slo = find_slo(&f, "shop", "availability").unwrap();
        let s = slo_status(slo, &[], 1.0e9, None, None, None);
        assert_eq!(s.stage, None);
        assert_eq!(s.budget_remaining, None);
        assert_eq!(s.exhaustion_seconds, None);
        assert_eq!(s.missing.len(), 1, "{:?}", s.missing);
        // A budget without its window's ratio is no data either.
        let left = vec![sample("30d", 0.9)];
        let s = slo_status(slo, &[], 1.0e9, None, None, Some(&left));
        assert_eq!(s.stage, None);
    }

    #[test]
    fn budget_minutes_stage_and_exhaustion_from_the_recorded_series() {
        let f = fleet();
        let slo = find_slo(&f, "shop", "availability").unwrap();
        let ratios = vec![sample("30d", 0.0005)];
        let left = vec![sample("30d", 0.5)];
        let burns: Vec<Sample> = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
            .into_iter()
            .map(|w| sample(w, 2.0))
            .collect();
        let s = slo_status(slo, &[], 1.0e9, Some(&ratios), Some(&burns), Some(&left));
        assert_eq!(s.stage, Some(Stage::Caution));
        assert!((s.budget_remaining_minutes.unwrap() - 21.6).abs() < 1e-9);
        // Half of 30 days' budget at twice the budget's rate: 7.5 days.
        assert!((s.exhaustion_seconds.unwrap() - 7.5 * 86_400.0).abs() < 1e-6);
        assert!(s.missing.is_empty(), "{:?}", s.missing);
        // 2x is over ticket-slow's factor 1 only.
        let over: Vec<&str> = s
            .burn_rates
            .iter()
            .filter(|b| b.over)
            .map(|b| b.tier.as_str())
            .collect();
        assert_eq!(over, ["ticket-slow"]);
    }

    #[test]
    fn a_calendar_slo_shows_its_period() {
        let f = fleet();
        let slo = find_slo(&f, "shop", "availability-month").unwrap();
        // 2026-11-11T10:00:00Z: November in Berlin, from 2026-10-31T23:00:00Z.
        let s = slo_status(slo, &[], 1_794_391_200.0, None, None, None);
        let Window::Calendar {
            start_unix,
            end_unix,
            start,
            ..
        } = &s.window
        else {
            panic!("{:?}", s.window)
        };
        assert_eq!((*start_unix, *end_unix), (1_793_487_600, 1_796_079_600));
        assert_eq!(start, "2026-11-01T00:00:00+01:00");
        assert!((s.budget_minutes - 43.2).abs() < 1e-9);
    }
}
