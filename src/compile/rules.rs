//! Prometheus rules of one SLO.
//!
//! Shape (a ratio SLO with the four Workbook tiers and a 30d window: 12 rules):
//! 1. `slo:sli_events:rate<base>`: the only rule reading raw series; per-second rates of
//!    errors and of all events (`event="errors"|"total"`), each `0` when its series is absent.
//! 2. `slo:sli_events:running_since` and 3. `slo:sli_events:running_total` (only when some window
//!    is longer than the [`bridge`]): every evaluation adds this evaluation's recorded events to the
//!    previous total, so a window of any length is the total now minus the last total up to
//!    `t-w` (at most one bridge of samples before `t-w`, so that a gap in evaluation there still
//!    finds it) instead of one recorded sample per evaluation in the window. The previous total
//!    is found across gaps in evaluation up to the [`bridge`] long; after a longer gap the totals
//!    restart and `running_since` says when, so no window ever subtracts a total of an earlier
//!    run: a window reaching back before the restart counts the events since it.
//! 4. `slo:sli_error:ratio`: one series per `window` (every alert window and the SLO window),
//!    Σerrors/Σtotal — windows up to the bridge sum the recorded rates (`sum_over_time`),
//!    longer ones subtract running totals; traffic-weighted by construction (counts, never
//!    averaged ratios), `0` on zero traffic. The window counts are not recorded: 16 more series
//!    per SLO would cost Prometheus more than the longer expression.
//! 5. `slo:burn_rate:ratio`: ratio / budget, per `window`.
//! 6. `slo:objective:ratio`, 7. `slo:error_budget:ratio`, 8. `slo:error_budget_remaining:ratio`.
//! 9–12. one alert per tier: long and short window both above the burn rate.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

use super::promql::{self, selector};
use crate::model::{Counter, Duration, Settings, Sli, Slo};
use crate::names::{self, label};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleFile {
    pub groups: Vec<RuleGroup>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleGroup {
    pub name: String,
    pub interval: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Rule {
    Record(RecordingRule),
    Alert(AlertingRule),
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RecordingRule {
    pub record: String,
    pub expr: String,
    /// Shared by every recording rule of an SLO.
    pub labels: Arc<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlertingRule {
    pub alert: String,
    pub expr: String,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_firing_for: Option<String>,
    pub labels: Arc<BTreeMap<String, String>>,
    pub annotations: Arc<BTreeMap<String, String>>,
}

fn or_zero(e: &str) -> String {
    format!("{e} or on() vector(0)")
}

fn sum(e: &str) -> String {
    format!("sum({e})")
}

/// Per-second error and total event rates over the base window, label-free.
fn event_exprs(sli: &Sli, base: Duration, range: Duration) -> (String, String) {
    match sli {
        Sli::Ratio { errors, total } => {
            let t = sum(&promql::rate_of(total, range));
            match errors {
                Counter::Errors(e) => (sum(&promql::rate_of(e, range)), t),
                Counter::Good(g) => {
                    let good = or_zero(&sum(&promql::rate_of(g, range)));
                    (format!("clamp_min({t} - ({good}), 0)"), t)
                }
            }
        }
        Sli::Latency { metric, matchers, le } => {
            let inner = matchers.trim_start_matches('{').trim_end_matches('}');
            let count = format!("{metric}_count{{{inner}}}");
            // Go's client library writes a whole bucket bound as `le="1"`, Python's and Java's
            // (and Prometheus 3, which normalises it) as `le="1.0"`: match either.
            let le_matcher = match le.strip_suffix(".0") {
                Some(whole) => format!("le=~{}", promql::string_literal(&format!("{whole}|{whole}\\.0"))),
                None => format!("le={}", promql::string_literal(le)),
            };
            let bucket = if inner.is_empty() { format!("{metric}_bucket{{{le_matcher}}}") } else { format!("{metric}_bucket{{{inner},{le_matcher}}}") };
            let total = sum(&format!("rate({count}[{range}])"));
            let good = or_zero(&sum(&format!("rate({bucket}[{range}])")));
            (format!("clamp_min({total} - ({good}), 0)"), total)
        }
        Sli::Probe { selector } => {
            let secs = base.as_millis() / 1000;
            // Samples in (t-base, t]: a Prometheus 2 range includes both ends, so a sample on the
            // edge would count in two evaluations (one probe too many per base window).
            let open = Duration::from_millis(base.as_millis().saturating_sub(1).max(1));
            let count = sum(&promql::apply_over_selectors(selector, "count_over_time", open));
            let up = sum(&promql::apply_over_selectors(selector, "sum_over_time", open));
            (format!("clamp_min({count} - {up}, 0) / {secs}"), format!("{count} / {secs}"))
        }
        Sli::WindowedEvents { errors, total } => (sum(&promql::with_window(errors, range)), sum(&promql::with_window(total, range))),
        Sli::RawRatio { ratio } => (format!("max({}) >= 0", promql::with_window(ratio, base)), "vector(1)".to_string()),
    }
}

fn identity(slo: &Slo) -> [(&'static str, &str); 2] {
    [(label::SERVICE, slo.service.as_str()), (label::SLO, slo.name.as_str())]
}

fn sel(metric: &str, slo: &Slo, extra: &[(&'static str, &str)]) -> String {
    selector(metric, identity(slo).into_iter().chain(extra.iter().copied()))
}

fn dur(d: Duration) -> Option<String> {
    (d.as_millis() > 0).then(|| d.to_string())
}

/// Evaluations of the longest gap in rule evaluation the running totals carry over (6h at the
/// default 1m interval); windows longer than this bridge are read from them, shorter ones from
/// the recorded rates. Carrying a total over costs one sample per evaluation of the bridge.
pub const BRIDGE_EVALUATIONS: u64 = 360;

/// The bridge of the running totals: [`BRIDGE_EVALUATIONS`] evaluation intervals.
pub fn bridge(settings: &Settings) -> Duration {
    Duration::from_millis(settings.evaluation_interval.as_millis().saturating_mul(BRIDGE_EVALUATIONS))
}

/// Seconds of a duration as a PromQL number (`86400`, `0.5`).
fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1000 == 0 { (ms / 1000).to_string() } else { format!("{}.{:03}", ms / 1000, ms % 1000).trim_end_matches('0').to_string() }
}

/// The rule group of one SLO.
pub fn slo_group(slo: &Slo, settings: &Settings) -> RuleGroup {
    let base = settings.base_window;
    let events = names::events_record(&base.to_string());
    let labels = Arc::clone(&slo.labels);
    let budget = slo.error_budget();
    let step = settings.evaluation_interval;
    let step_secs = seconds(step);
    let ev = label::EVENT;
    let bridge = bridge(settings);
    let mut rules = Vec::new();

    let (errors, total) = event_exprs(&slo.sli, base, settings.raw_range());
    rules.push(Rule::Record(RecordingRule {
        record: events.clone(),
        expr: format!(
            "label_replace({}, \"{ev}\", \"{}\", \"\", \"\") or label_replace({}, \"{ev}\", \"{}\", \"\", \"\")",
            or_zero(&errors),
            label::EVENT_ERRORS,
            or_zero(&total),
            label::EVENT_TOTAL,
        ),
        labels: labels.clone(),
    }));

    let windows = slo.ratio_windows();
    let running = sel(names::RUNNING_TOTAL, slo, &[]);
    let since = sel(names::RUNNING_SINCE, slo, &[]);
    let by_event = |metric: &str| [sel(metric, slo, &[(ev, label::EVENT_ERRORS)]), sel(metric, slo, &[(ev, label::EVENT_TOTAL)])];
    let (rate_sels, total_sels) = (by_event(&events), by_event(names::RUNNING_TOTAL));
    if windows.iter().any(|w| *w > bridge) {
        // Only the SLO's identity: a change of team or tier must not start new totals.
        let identity_labels: BTreeMap<String, String> = identity(slo).iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        let identity_labels = Arc::new(identity_labels);
        // Evaluated before the totals: it restarts exactly when they do (no total within the
        // bridge), and otherwise keeps its earliest value.
        rules.push(Rule::Record(RecordingRule {
            record: names::RUNNING_SINCE.into(),
            expr: format!(
                "min(last_over_time({since}[{bridge}]) and on() last_over_time({}[{bridge}])) or vector(time())",
                total_sels[1]
            ),
            labels: identity_labels.clone(),
        }));
        // This evaluation's events (only a rate recorded at this very evaluation: after a failed
        // evaluation of the rates, the previous one must not be counted twice) plus the last total.
        let events_sel = sel(&events, slo, &[]);
        rules.push(Rule::Record(RecordingRule {
            record: names::RUNNING_TOTAL.into(),
            expr: format!(
                "max by ({ev}) ({events_sel} * {step_secs} and timestamp({events_sel}) == time()) + max by ({ev}) (last_over_time({running}[{bridge}]) or on({ev}) {events_sel} * 0)"
            ),
            labels: identity_labels,
        }));
    }

    // Events of one kind in window `w`, in the unit of the recorded rates (`scaled`: events).
    // Up to the bridge, the sum of the recorded rates over `(t-w, t]`; beyond it the running
    // total minus the total at `t-w`, when the totals have counted since then, else the total
    // (everything since they started). A running total is in events already. The total at
    // `t-w` is the last one up to then within the bridge, not `total offset w`: when `t-w` falls
    // in a gap in evaluation longer than the query lookback (5m by default), `offset` finds
    // nothing and the window would silently become everything since the totals started.
    // `(t-w, t]`, or Prometheus 2's closed `[t-w, t]` without exact windows.
    let offset = |w: Duration| if settings.scrape_interval.is_some() { w } else { Duration::from_millis(w.as_millis() + step.as_millis()) };
    let count = |out: &mut String, k: usize, w: Duration, scaled: bool| {
        if w > bridge {
            let (t, off) = (&total_sels[k], offset(w));
            let _ = write!(out, "(sum({t}) - (sum(last_over_time({t}[{bridge}] offset {off}) and on() {since} <= time() - {}) or vector(0)))", seconds(off));
        } else {
            let _ = write!(out, "sum(sum_over_time({}[{}]))", rate_sels[k], settings.window_range(w));
            if scaled {
                let _ = write!(out, " * {step_secs}");
            }
        }
    };
    let mut ratio = String::with_capacity(windows.len() * 2 * (total_sels[0].len() * 3 + since.len() + 80));
    for (i, w) in windows.iter().copied().enumerate() {
        if i > 0 {
            ratio.push_str(" or ");
        }
        ratio.push_str("label_replace(");
        count(&mut ratio, 0, w, false);
        ratio.push_str(" / (");
        count(&mut ratio, 1, w, false);
        let _ = write!(ratio, " > 0) or on() vector(0), \"{}\", \"{w}\", \"\", \"\")", label::WINDOW);
    }
    rules.push(Rule::Record(RecordingRule { record: names::ERROR_RATIO.into(), expr: ratio, labels: labels.clone() }));
    rules.push(Rule::Record(RecordingRule {
        record: names::BURN_RATE.into(),
        expr: format!("{} / {budget}", sel(names::ERROR_RATIO, slo, &[])),
        labels: labels.clone(),
    }));
    rules.push(Rule::Record(RecordingRule { record: names::OBJECTIVE.into(), expr: format!("vector({})", slo.objective_ratio()), labels: labels.clone() }));
    rules.push(Rule::Record(RecordingRule { record: names::ERROR_BUDGET.into(), expr: format!("vector({budget})"), labels: labels.clone() }));
    let full = slo.window.to_string();
    rules.push(Rule::Record(RecordingRule {
        record: names::BUDGET_REMAINING.into(),
        expr: format!("1 - {} / {budget}", sel(names::ERROR_RATIO, slo, &[(label::WINDOW, &full)])),
        labels: labels.clone(),
    }));

    for a in &slo.alerts {
        let long = a.long_window.to_string();
        let short = a.short_window.to_string();
        let mut expr = format!(
            "{} > {b} and ignoring({w}) {} > {b}",
            sel(names::BURN_RATE, slo, &[(label::WINDOW, &long)]),
            sel(names::BURN_RATE, slo, &[(label::WINDOW, &short)]),
            b = a.burn_rate,
            w = label::WINDOW,
        );
        if slo.min_events > 0 {
            expr.push_str(" and on() ");
            count(&mut expr, 1, a.long_window, true);
            let _ = write!(expr, " >= {}", slo.min_events);
        }
        rules.push(Rule::Alert(AlertingRule {
            alert: a.alert_name.clone(),
            expr,
            for_: dur(a.for_),
            keep_firing_for: dur(a.keep_firing_for),
            labels: Arc::clone(&a.labels),
            annotations: Arc::clone(&a.annotations),
        }));
    }
    let remaining = sel(names::BUDGET_REMAINING, slo, &[]);
    for b in &slo.budget_alerts {
        let expr = if b.below.is_zero() {
            format!("{remaining} <= 0")
        } else {
            match b.floor {
                Some(f) if f.is_zero() => format!("{remaining} < {} and {remaining} > 0", b.below),
                Some(f) => format!("{remaining} < {} and {remaining} >= {f}", b.below),
                None => format!("{remaining} < {}", b.below),
            }
        };
        rules.push(Rule::Alert(AlertingRule {
            alert: b.alert_name.clone(),
            expr,
            for_: None,
            keep_firing_for: None,
            labels: Arc::clone(&b.labels),
            annotations: Arc::clone(&b.annotations),
        }));
    }
    RuleGroup { name: names::group(&slo.service, &slo.name), interval: settings.evaluation_interval.to_string(), rules }
}
