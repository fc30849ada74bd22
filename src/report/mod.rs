//! `sloforge report`: one self-contained HTML page about each SLO, read from the series the
//! generated rules write in a live Prometheus: the error budget spent over the SLO window
//! against a steady spend, the burn rate of each alert tier against its threshold, and the
//! alert history — the alerts Prometheus recorded as firing (`ALERTS`) beside the times each
//! tier's condition held, computed from the burn-rate series (which backfilled data has where
//! `ALERTS` has not).
//!
//! Modules: [`fetch`] (the queries, into a [`Report`]), [`html`] (the page), [`svg`] (the
//! charts), [`time`] (dates, durations and spans). Rendering reads only the [`Report`]: the
//! same data gives the same bytes, and the only instant on the page is the report's `at`.

pub(crate) mod fetch;
pub(crate) mod html;
pub(crate) mod svg;
pub(crate) mod time;

use std::collections::BTreeMap;

use crate::budget::policy::Stage as PolicyStage;

/// Where to read and as of when.
#[derive(Debug, Clone)]
pub struct Options {
    pub prometheus: String,
    /// The instant shown (Unix seconds); now when not given.
    pub at: Option<i64>,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The Prometheus read, shown as text (never a link).
    pub prometheus: String,
    /// The instant the report is of (Unix seconds).
    pub at: i64,
    pub slos: Vec<SloReport>,
}

/// One SLO: its settings and its series over the chart's range.
#[derive(Debug, Clone, PartialEq)]
pub struct SloReport {
    pub service: String,
    pub slo: String,
    pub description: String,
    /// Percent, as the spec gives it (`99.9`).
    pub objective: String,
    /// The error budget: the share of events that may be bad (0.001).
    pub budget: f64,
    pub window: Window,
    /// The time zone dates are shown in (the calendar's, else `UTC`).
    pub zone: String,
    /// The charts' time range (Unix seconds).
    pub from: i64,
    pub to: i64,
    /// Seconds between the points of the charted series.
    pub step: i64,
    /// The budget periods on the chart, oldest first, each with its steady-spend line: the
    /// rolling window ending at `at`, or the previous and the current calendar period.
    pub periods: Vec<(i64, i64)>,
    pub tiers: Vec<Tier>,
    /// For a grouped SLO: the group the charts show and why.
    pub group: Option<String>,
    /// `slo:error_budget_remaining:ratio` (1 untouched, ≤ 0 spent).
    pub budget_remaining: Vec<(i64, f64)>,
    /// `slo:burn_rate:ratio` by its `window` label: the highest value of each step.
    pub burn: BTreeMap<String, Vec<(i64, f64)>>,
    /// `slo:burn_rate:ratio` at the report's instant, by its `window` label.
    pub burn_now: BTreeMap<String, f64>,
    /// Alerts Prometheus recorded as firing (`ALERTS`), one entry per alert series.
    pub alerts: Vec<AlertHistory>,
    /// Planned maintenance inside the range (its events count for nothing).
    pub exclusions: Vec<Excluded>,
    /// What could not be read, in words.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Window {
    /// A rolling window of `length` seconds, written `label` (`30d`).
    Rolling { length: i64, label: String },
    /// A calendar period (`month`) in `timezone`.
    Calendar { period: String, timezone: String },
}

/// One burn-rate alert tier.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    pub name: String,
    pub long: String,
    pub short: String,
    /// The burn rate both windows must exceed.
    pub factor: f64,
    /// The same, as the rules write it (`14.4`).
    pub factor_text: String,
    /// How long the condition must hold before the alert fires (`2m`).
    pub for_: String,
    pub severity: String,
    /// When both windows' burn rates were above the factor, from the burn-rate series.
    pub condition: Vec<Span>,
}

/// A stretch of time (Unix seconds, both ends seen); `open` when it lasts to the report's
/// instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: i64,
    pub end: i64,
    pub open: bool,
}

/// One alert series of `ALERTS` and when it was firing.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertHistory {
    pub alertname: String,
    /// What tells it from the SLO's other alerts: `alert_tier="page-fast"`, `budget_stage="50"`.
    pub detail: String,
    pub severity: String,
    pub spans: Vec<Span>,
}

/// One planned-maintenance window inside the range.
#[derive(Debug, Clone, PartialEq)]
pub struct Excluded {
    pub name: String,
    pub start: i64,
    pub end: i64,
}

/// A stage of the error-budget policy ([`crate::budget::policy::Stage`]) in words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stage {
    pub stage: PolicyStage,
    /// Budget remaining, in words.
    pub range: &'static str,
    pub meaning: &'static str,
}

impl Stage {
    pub fn name(&self) -> &'static str {
        self.stage.as_str()
    }
}

/// The error-budget policy, most budget first.
pub const POLICY: [Stage; 5] = [
    Stage {
        stage: PolicyStage::Normal,
        range: "75 % or more",
        meaning: "Ship as usual.",
    },
    Stage {
        stage: PolicyStage::Caution,
        range: "50–75 %",
        meaning: "Ship, and review the burn daily.",
    },
    Stage {
        stage: PolicyStage::Alert,
        range: "25–50 %",
        meaning: "Freeze non-critical launches; review the budget daily.",
    },
    Stage {
        stage: PolicyStage::Critical,
        range: "10–25 %",
        meaning: "Freeze all but critical fixes; CI/CD deployments pause except hotfixes.",
    },
    Stage {
        stage: PolicyStage::Lockdown,
        range: "less than 10 %",
        meaning: "Deployments paused except hotfixes; the SRE lead is paged and a P1 declared.",
    },
];

/// The policy stage of `remaining` (a ratio); `None` for a value that is not a number.
pub fn stage_of(remaining: f64) -> Option<&'static Stage> {
    if remaining.is_nan() {
        return None;
    }
    let stage = PolicyStage::of(remaining);
    POLICY.iter().find(|s| s.stage == stage)
}

impl SloReport {
    /// The budget remaining at the report's instant: the last finite point at most two steps
    /// before `at`.
    pub fn remaining_at(&self, at: i64) -> Option<f64> {
        self.budget_remaining
            .iter()
            .rev()
            .find(|(t, v)| *t <= at && v.is_finite())
            .filter(|(t, _)| at - *t <= 2 * self.step)
            .map(|(_, v)| *v)
    }

    /// The length of the budget period holding `at` (seconds): the rolling window, or the
    /// current calendar period.
    pub fn period_length(&self) -> i64 {
        match &self.window {
            Window::Rolling { length, .. } => *length,
            Window::Calendar { .. } => self.periods.last().map_or(0, |(s, e)| e - s),
        }
    }

    /// The burn rate over `window` at the report's instant.
    pub fn burn_at(&self, window: &str) -> Option<f64> {
        self.burn_now.get(window).copied()
    }
}

/// `text` escaped for HTML and SVG text and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A ratio as a percentage for people: `62.3 %`, `−175 %`; `no value` for NaN, `∞` for ±Inf.
pub fn percent(ratio: f64) -> String {
    if ratio.is_nan() {
        return "no value".into();
    }
    if ratio.is_infinite() {
        return if ratio > 0.0 { "∞ %" } else { "−∞ %" }.into();
    }
    let p = (ratio * 1000.0).round() / 10.0;
    let text = if p.abs() >= 100.0 || p == p.trunc() {
        format!("{:.0}", p.abs())
    } else {
        format!("{:.1}", p.abs())
    };
    if p < 0.0 {
        format!("−{text} %")
    } else {
        format!("{text} %")
    }
}

/// A burn rate: `14.4×`, `0×`; `no value` for NaN, `∞` for +Inf.
pub fn times(v: f64) -> String {
    if v.is_nan() {
        "no value".into()
    } else if v.is_infinite() {
        if v > 0.0 { "∞" } else { "−∞" }.into()
    } else if v.abs() >= 100.0 || v == v.trunc() {
        format!("{v:.0}×")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}×")
    } else {
        format!("{v:.2}×")
    }
}

/// Fetches the report of every SLO of `fleet` and renders it: the page's text.
pub fn run(
    fleet: &crate::model::Fleet,
    opts: &Options,
    now: i64,
) -> Result<String, crate::doctor::api::ApiError> {
    let client = crate::doctor::api::Client::new(&opts.prometheus);
    let report = fetch::fetch(fleet, &client, opts.at.unwrap_or(now))?;
    Ok(html::page(&report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_stages_follow_the_budget_left() {
        let name = |v: f64| stage_of(v).map(Stage::name);
        assert_eq!(name(1.0), Some("normal"));
        assert_eq!(name(0.75), Some("normal"));
        assert_eq!(name(0.7499), Some("caution"));
        assert_eq!(name(0.3), Some("alert"));
        assert_eq!(name(0.1), Some("critical"));
        assert_eq!(name(0.05), Some("lockdown"));
        assert_eq!(name(-3.0), Some("lockdown"));
        assert_eq!(name(f64::NEG_INFINITY), Some("lockdown"));
        assert_eq!(name(f64::NAN), None);
    }

    #[test]
    fn escaping_and_numbers() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(percent(0.623), "62.3 %");
        assert_eq!(percent(1.0), "100 %");
        assert_eq!(percent(-1.75), "−175 %");
        assert_eq!(percent(f64::NAN), "no value");
        assert_eq!(percent(f64::INFINITY), "∞ %");
        assert_eq!(times(14.4), "14.4×");
        assert_eq!(times(0.0), "0×");
        assert_eq!(times(1000.0), "1000×");
        assert_eq!(times(0.123), "0.12×");
    }
}

#[cfg(test)]
mod render_tests;
