//! The scrape interval of an SLI's series, measured from its raw samples, against the
//! settings' `scrape_interval` (D005): the rules read `base_window + scrape_interval` of raw
//! samples, and a series scraped less often than the base window leaves windows empty.

use std::collections::BTreeMap;

use super::Server;
use super::report::{Code, Section, api_failed};
use crate::model::{Duration, Settings};
use crate::syntax::promql;

/// How far back the scrape interval is measured.
const INTERVAL_LOOKBACK_SECS: u64 = 600;
/// Series whose samples are read to measure the scrape interval.
const INTERVAL_SERIES: usize = 5;
/// Relative difference between the measured and the configured scrape interval taken as a
/// match (timestamps jitter by milliseconds).
const INTERVAL_TOLERANCE: f64 = 0.1;

/// D005: the median gap between consecutive samples of a few series of `selector` over the
/// last ten minutes, against the settings' scrape interval.
pub fn check(server: &Server, selector: &str, settings: &Settings, sec: &mut Section) {
    let Some(expected) = settings.scrape_interval else {
        return;
    };
    let c = &server.prometheus;
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .saturating_sub(INTERVAL_LOOKBACK_SECS)
        .to_string();
    let limit = INTERVAL_SERIES.to_string();
    let series = match c.prometheus_data(
        "/api/v1/series",
        &[("match[]", selector), ("start", &start), ("limit", &limit)],
    ) {
        Ok(d) => d,
        Err(e) => return api_failed(sec, &format!("listing the series of `{selector}`"), &e),
    };
    let mut gaps: Vec<f64> = Vec::new();
    let mut seen: Vec<BTreeMap<String, String>> = Vec::new();
    for s in series
        .as_array()
        .into_iter()
        .flatten()
        .take(INTERVAL_SERIES)
    {
        let Some(labels) = s.as_object() else {
            continue;
        };
        let pairs: Vec<(&str, &str)> = labels
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
            .collect();
        let one = promql::selector("", pairs.iter().copied());
        let q = format!("{one}[{INTERVAL_LOOKBACK_SECS}s]");
        match c.range_samples(&q) {
            Ok(v) => {
                for r in v {
                    gaps.extend(r.timestamps.windows(2).map(|w| w[1] - w[0]));
                    seen.push(r.labels);
                }
            }
            Err(e) => return api_failed(sec, &format!("reading the samples of `{one}`"), &e),
        }
    }
    if gaps.len() < 2 {
        sec.warn(
            Code::ScrapeInterval,
            format!("the scrape interval of `{selector}` could not be measured: fewer than 3 samples in the last {}", Duration::from_secs(INTERVAL_LOOKBACK_SECS)),
            "run doctor again once Prometheus has scraped the series for a few intervals".into(),
        );
        return;
    }
    gaps.sort_by(f64::total_cmp);
    let measured = gaps[gaps.len() / 2];
    let want = expected.as_secs_f64();
    if (measured - want).abs() <= want * INTERVAL_TOLERANCE {
        sec.pass(format!("scraped every {expected}"));
        return;
    }
    let target = seen.iter().find_map(|l| server.target_interval(l));
    // Timestamps jitter by milliseconds: a median within the tolerance of the target's own
    // interval is that interval.
    let measured_d = target
        .as_deref()
        .and_then(|t| Duration::parse(t).ok())
        .filter(|t| (measured - t.as_secs_f64()).abs() <= t.as_secs_f64() * INTERVAL_TOLERANCE)
        .unwrap_or_else(|| Duration::from_millis((measured * 1000.0).round() as u64));
    let configured = target
        .map(|i| format!(" (its target's scrape_interval is {i})"))
        .unwrap_or_default();
    let message = format!(
        "`{selector}` is scraped every {measured_d}{configured}, but the settings' scrape_interval is {expected}"
    );
    let fix = format!(
        "set `scrape_interval: {measured_d}` in the Defaults document (the raw read spans base_window + scrape_interval), or scrape the job every {expected}"
    );
    if measured > settings.base_window.as_secs_f64() {
        sec.error(
            Code::ScrapeInterval,
            format!("{message}; that is longer than base_window {}, so some base windows hold no sample", settings.base_window),
            fix,
        );
    } else {
        sec.warn(Code::ScrapeInterval, message, fix);
    }
}
