//! Generated promtool unit tests: per service, a test file proving that its burn-rate alerts
//! fire when they should and stay quiet when they should, written next to the rules.
//!
//! Per SLO, from its own objective, window, tiers, `for` and `keep_firing_for`, on synthetic
//! series built for its SLI (see [`synth`]):
//! - a total outage: the fastest page tier fires by the time the model computes, and after the
//!   errors stop every page tier resolves within its short window plus the base window (one
//!   evaluation interval by default) plus `keep_firing_for`;
//! - per tier, a burn just above its factor fires it, a burn just below never does;
//! - a short spike (the fastest page tier's short window at 10× its threshold) never pages;
//! - a total outage of an eighth of the error budget, on a fresh start or after a whole window
//!   of clean traffic, leaves about seven eighths of the budget, and no budget-stage alert
//!   fires;
//! - zero traffic: every ratio is 0 and no burn alert is ever pending;
//! - no data (see [`no_data`]): the series vanish, or a histogram lacks the threshold's
//!   bucket: the no-data alert fires, no burn alert does, and every ratio stays 0.
//!
//! One file per kind of scenario ([`outage`], [`burn`], [`spike`], [`budget`],
//! [`zero_traffic`], [`no_data`]); [`ctx`] holds what they share and [`series`] writes their
//! input.
//!
//! The expected alert sets come from [`sim`], an exact model of the rules. Checks are
//! `promql_expr_test`s on Prometheus' `ALERTS` series (labels only: annotations, which carry
//! the current value, stay out of the comparison).
//!
//! promtool 2.42 lets one query load at most 10,000 samples. Every recorded window at least as
//! long as a scenario's history loads one sample per evaluation of that history (the SLO
//! window always does), so a scenario may span at most [`MAX_HISTORY_STEPS`] evaluations:
//! 6d21h at 1m. promtool's run time grows with the history (each evaluation of a rule group
//! costs about 2 ms, and loads more samples as the history grows), so page tiers' long windows
//! are exercised fully and the rest within [`ScenarioOptions::max_history`] (default
//! [`DEFAULT_MAX_HISTORY`]): ticket windows that do not fit are exercised partially (the
//! scenario notes say which).

mod budget;
mod burn;
mod calendar;
mod ctx;
mod exclusions;
mod groups;
mod no_data;
mod outage;
mod pack;
mod series;
pub(crate) mod sim;
mod spike;
pub(crate) mod synth;
#[cfg(test)]
mod tests;
mod zero_traffic;

use serde::Serialize;

use crate::model::{Duration, Service, Settings, Slo};
use crate::names;
use burn::{ABOVE, BELOW};
use ctx::Ctx;
pub use series::{Synthesis, synthesize};

/// Default cap on the history of a scenario whose long window does not fit: promtool's run
/// time grows with the history. Page tiers are exercised fully regardless.
pub const DEFAULT_MAX_HISTORY: Duration = Duration::from_mins(2 * 60);
/// promtool 2.42's limit on the samples one query may load.
pub const PROMTOOL_MAX_SAMPLES: u64 = 10_000;
/// Evaluations of history a scenario may span under that limit (a query loads a few samples
/// more than the longest selector holds).
pub const MAX_HISTORY_STEPS: u64 = 9_900;
/// Scrape interval of the synthetic series, when it divides the evaluation interval and the
/// base window.
const SCRAPE: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScenarioOptions {
    /// Longest history one scenario may span (clamped to [`MAX_HISTORY_STEPS`] evaluations).
    pub max_history: Duration,
}

impl Default for ScenarioOptions {
    fn default() -> Self {
        ScenarioOptions {
            max_history: DEFAULT_MAX_HISTORY,
        }
    }
}

/// A promtool unit-test file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TestFile {
    pub rule_files: Vec<String>,
    pub evaluation_interval: String,
    pub tests: Vec<TestGroup>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TestGroup {
    pub name: String,
    pub interval: String,
    pub input_series: Vec<InputSeries>,
    pub promql_expr_test: Vec<ExprTest>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InputSeries {
    pub series: String,
    pub values: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExprTest {
    pub expr: String,
    pub eval_time: String,
    pub exp_samples: Vec<ExpSample>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExpSample {
    pub labels: String,
    pub value: f64,
}

/// The test file of one service and what it proves, line by line.
#[derive(Debug, Clone)]
pub struct ServiceTests {
    pub file: TestFile,
    /// One line per scenario and per note, for the file's header comment.
    pub notes: Vec<String>,
}

/// The unit tests of one service.
pub fn service_tests(
    service: &Service,
    settings: &Settings,
    opts: &ScenarioOptions,
) -> ServiceTests {
    let step = settings.evaluation_interval.as_millis();
    let max_steps = MAX_HISTORY_STEPS
        .min(opts.max_history.as_millis() / step.max(1))
        .max(1);
    let scrape = series::scrape_ms(settings);
    let mut notes = vec![
        String::new(),
        format!("Series are scraped every {} and the rules evaluated every {}.", Duration::from_millis(scrape), settings.evaluation_interval),
        format!(
            "promtool 2.42 loads at most 10,000 samples per query: no scenario spans more than {},{:03} evaluations ({}).",
            MAX_HISTORY_STEPS / 1000,
            MAX_HISTORY_STEPS % 1000,
            Duration::from_millis(MAX_HISTORY_STEPS * step)
        ),
        "Page tiers' long windows are exercised fully; a ticket window whose test needs more history than".to_string(),
        format!("{} (`generate --test-history`) is exercised partially, as noted.", Duration::from_millis(max_steps * step)),
    ];
    let mut tests = Vec::new();
    for (i, slo) in service.slos.iter().enumerate() {
        notes.push(String::new());
        notes.push(format!(
            "{} ({}% / {}, error budget {}):",
            slo.name,
            slo.objective,
            slo.window,
            slo.error_budget()
        ));
        let (groups, slo_notes) = slo_tests(slo, settings, scrape, max_steps * step);
        tests.extend(groups.into_iter().map(|g| (i, g)));
        notes.extend(slo_notes.into_iter().map(|n| format!("  - {n}")));
    }
    let reads: Vec<Option<synth::Reads>> =
        service.slos.iter().map(|s| synth::reads(&s.sli)).collect();
    let scenarios = tests.len();
    let tests = pack::pack(tests, &reads);
    if tests.len() < scenarios {
        notes.push(String::new());
        notes.push(format!(
            "The {scenarios} scenarios run in {} test groups: scenarios of SLOs that cannot see each other's series",
            tests.len()
        ));
        notes.push(format!(
            "share one (names joined by `{}`), as promtool evaluates every rule of the file in every group.",
            names::TEST_GROUP_JOINER.trim()
        ));
    }
    let file = TestFile {
        rule_files: vec![names::rule_file_from_test(&service.name)],
        evaluation_interval: settings.evaluation_interval.to_string(),
        tests,
    };
    ServiceTests { file, notes }
}

/// The scenarios of one SLO, and the notes on them.
fn slo_tests(
    slo: &Slo,
    settings: &Settings,
    scrape: u64,
    max_hist: u64,
) -> (Vec<TestGroup>, Vec<String>) {
    let cx = Ctx::new(slo, settings, scrape, max_hist);
    let mut groups = Vec::new();
    let mut notes = Vec::new();
    let synth = match synth::synthesize(&slo.sli) {
        Ok(s) => Some(s),
        Err(why) => {
            notes.push(format!("only the zero-traffic test: {why}"));
            None
        }
    };
    if cx.tiers.is_empty() {
        notes.push("no burn-rate alert tiers: only the zero-traffic test".into());
    }
    if let Some(s) = synth.as_ref().filter(|_| !cx.tiers.is_empty()) {
        for t in cx.tiers.iter().filter(|t| !t.reachable) {
            notes.push(format!(
                "{} ({}x) can never fire: its error-ratio threshold {} is not below 1, so even a total outage stays under it",
                t.name(),
                t.alert.burn_rate,
                t.threshold
            ));
        }
        let mut add = |r: Option<(TestGroup, Vec<String>)>, missing: String| match r {
            Some((g, n)) => {
                groups.push(g);
                notes.extend(n);
            }
            None => notes.push(missing),
        };
        add(cx.outage(s), "no total-outage test: no tier fires within promtool's sample limit, or every run ties with a threshold".into());
        for i in 0..cx.tiers.len() {
            if cx.tiers[i].reachable {
                let name = cx.tiers[i].name();
                add(
                    cx.above(s, i),
                    format!(
                        "{name}: no test of a burn above its factor: none of {} fires it within promtool's sample limit without a tie",
                        ABOVE.join("x, ") + "x"
                    ),
                );
                add(
                    cx.below(s, i),
                    format!(
                        "{name}: no test of a burn below its factor: none of {} stays quiet without a tie",
                        BELOW.join("x, ") + "x"
                    ),
                );
            }
        }
        let spike_missing = if cx.tiers.iter().any(|t| t.page() && t.reachable) {
            "no spike test: no spike above the fast page tier's threshold stays under the page tiers' thresholds"
        } else {
            "no spike test: no page tier can fire"
        };
        add(cx.spike(s), spike_missing.into());
        for r in cx.groups(s) {
            match r {
                Ok((g, n)) => {
                    groups.push(g);
                    notes.extend(n);
                }
                Err(why) => notes.push(why),
            }
        }
    }
    if let (Some(s), false) = (synth.as_ref(), slo.exclusions.is_empty()) {
        match cx.exclusion(s) {
            Ok((g, n)) => {
                groups.push(g);
                notes.extend(n);
            }
            Err(why) => notes.push(format!("no exclusion test: {why}")),
        }
    }
    if let (Some(s), Some(_)) = (synth.as_ref(), &slo.calendar) {
        match cx.period_reset(s) {
            Ok((g, n)) => {
                groups.push(g);
                notes.extend(n);
            }
            Err(why) => notes.push(format!("no period-boundary test: {why}")),
        }
    }
    if let Some(s) = synth.as_ref() {
        // A calendar window is never whole before it resets: its boundary test stands for the
        // test after a whole window.
        let fulls: &[bool] = if slo.calendar.is_some() {
            &[false]
        } else {
            &[false, true]
        };
        for &full in fulls {
            match cx.budget(s, full) {
                Ok((g, n)) => {
                    groups.push(g);
                    notes.extend(n);
                }
                Err(why) => notes.push(format!(
                    "no budget test {}: {why}",
                    if full {
                        "after a whole window"
                    } else {
                        "on a fresh start"
                    }
                )),
            }
        }
    }
    if let Some(s) = synth.as_ref() {
        for (g, n) in cx.no_data(s) {
            groups.push(g);
            notes.extend(n);
        }
    }
    let (g, n) = cx.zero_traffic(synth.as_ref());
    groups.push(g);
    notes.extend(n);
    (groups, notes)
}
