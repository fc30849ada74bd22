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
//! - zero traffic: every ratio is 0 and no burn alert is ever pending;
//! - no data (see [`no_data`]): the series vanish, or a histogram lacks the threshold's
//!   bucket: the no-data alert fires, no burn alert does, and every ratio stays 0.
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

mod no_data;
pub mod sim;
pub mod synth;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{BurnAlert, Decimal, Duration, Service, Settings, SeverityKind, Slo};
use crate::names::{self, alert_label, label};
use crate::syntax::promql;
use sim::{Frac, Phase, Reading, Recorded, TierModel, TierRun, Timeline};
use synth::{Role, Synthetic};

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
    let scrape = gcd(
        gcd(
            gcd(step, settings.base_window.as_millis()),
            settings.raw_span().as_millis(),
        ),
        SCRAPE.as_millis(),
    );
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
    for slo in &service.slos {
        notes.push(String::new());
        notes.push(format!(
            "{} ({}% / {}, error budget {}):",
            slo.name,
            slo.objective,
            slo.window,
            slo.error_budget()
        ));
        let (groups, slo_notes) = slo_tests(slo, settings, scrape, max_steps * step);
        tests.extend(groups);
        notes.extend(slo_notes.into_iter().map(|n| format!("  - {n}")));
    }
    let file = TestFile {
        rule_files: vec![names::rule_file_from_test(&service.name)],
        evaluation_interval: settings.evaluation_interval.to_string(),
        tests,
    };
    ServiceTests { file, notes }
}

fn gcd(a: u64, b: u64) -> u64 {
    sim::gcd(a, b).max(1)
}

fn ms(d: u64) -> String {
    Duration::from_millis(d).to_string()
}

/// Human form rounded to the second (`52s`, `5h43m`), in milliseconds below a second.
fn human(ms_: u64) -> String {
    if ms_ < 1000 {
        return Duration::from_millis(ms_).to_string();
    }
    Duration::from_millis((ms_ + 500) / 1000 * 1000).to_string()
}

/// Label values as Prometheus stores them: spec text written as Go-template literals reads back
/// as itself.
fn expanded(v: &str) -> String {
    v.replace("{{ \"{{\" }}", "{{")
}

struct Tier<'a> {
    alert: &'a BurnAlert,
    model: TierModel,
    threshold: Decimal,
    /// The threshold is below a ratio of 1: a total outage can reach it.
    reachable: bool,
}

impl Tier<'_> {
    fn page(&self) -> bool {
        self.alert.severity_kind == SeverityKind::Page
    }
    fn name(&self) -> &str {
        &self.alert.tier
    }
}

struct Ctx<'a> {
    slo: &'a Slo,
    step: u64,
    base: u64,
    /// How the rules read their windows.
    windows: sim::Windows,
    scrape: u64,
    /// Idle lead-in so that every rate window lies after the first sample.
    warm: u64,
    max_hist: u64,
    hard_max: u64,
    tiers: Vec<Tier<'a>>,
    alertname: Option<String>,
}

/// One simulated run.
struct Run {
    timeline: Timeline,
    volume: u64,
    rec: Recorded,
    tiers: Vec<TierRun>,
}

impl Run {
    fn ambiguous(&self) -> bool {
        self.tiers.iter().any(|t| t.ambiguous)
    }
    fn last(&self) -> usize {
        self.rec.steps() - 1
    }
}

/// Multipliers of a tier's factor for "just above" burns. `1/m` has a denominator above
/// [`MAX_HISTORY_STEPS`] + 1, so no window of whole evaluations can hold exactly the threshold
/// (a tie floating point could call either way).
/// Evaluations a scenario runs when its input reads the same at every one of them.
const QUIET_STEPS: u64 = 10;

/// The larger ones serve 0/1 samples (probes, gauge readings), which need a bad sample in every
/// short window to hold a burn through `for`.
const ABOVE: &[&str] = &[
    "1.0501", "1.1001", "1.2001", "1.5001", "2.0001", "3.0001", "5.0001", "10.0001",
];
const BELOW: &[&str] = &["0.95", "0.9", "0.8", "0.67", "0.5"];

fn dec(s: &str) -> Decimal {
    Decimal::parse(s).unwrap_or(Decimal::ONE)
}

/// Synthetic input series of one SLO, as the generated tests feed them to promtool.
#[derive(Debug, Clone)]
pub struct Synthesis {
    /// The series' `interval`.
    pub scrape: Duration,
    /// The idle stretch before the first phase (every rate window then lies after the first
    /// sample).
    pub warm_up: Duration,
    pub series: Vec<InputSeries>,
}

/// The series of an SLO over `phases` (after the warm-up): `(duration, error ratio)`, `None`
/// for no traffic. Durations are whole evaluation intervals. For measurements of one's own
/// (docs/alert-quality.md is made this way).
pub fn synthesize(
    slo: &Slo,
    settings: &Settings,
    phases: &[(Duration, Option<Decimal>)],
) -> Result<Synthesis, String> {
    let s = synth::synthesize(&slo.sli)?;
    let step = settings.evaluation_interval.as_millis();
    let scrape = gcd(
        gcd(
            gcd(step, settings.base_window.as_millis()),
            settings.raw_span().as_millis(),
        ),
        SCRAPE.as_millis(),
    );
    let warm = settings.raw_span().as_millis().max(step).div_ceil(step) * step;
    let mut tl = Timeline::new(scrape);
    tl.push(warm, Phase::Idle);
    for (d, q) in phases {
        if d.as_millis() % step != 0 {
            return Err(format!("{d} is not a whole number of evaluation intervals"));
        }
        let phase = match q {
            None => Phase::Idle,
            Some(q) => Phase::Traffic(
                Frac::from_decimal(*q)
                    .ok_or_else(|| format!("error ratio {q} is not in [0, 1]"))?,
            ),
        };
        tl.push(d.as_millis(), phase);
    }
    let volume = volume(&tl, step / scrape, slo.min_events)
        .ok_or("the error ratios need more events per scrape than series can hold exactly")?;
    Ok(Synthesis {
        scrape: Duration::from_millis(scrape),
        warm_up: Duration::from_millis(warm),
        series: input_series(&s, &tl, volume, settings.raw_span().as_millis()),
    })
}

/// Events per scrape: every phase's bad share a whole number, and at least `min_events`
/// events per evaluation so the minimum-traffic guard never holds an alert back.
fn volume(tl: &Timeline, scrapes_per_step: u64, min_events: u64) -> Option<u64> {
    let mut v = 1u64;
    for (_, p) in &tl.segments {
        if let Some(f) = p.fraction() {
            v = sim::lcm(v, f.den)?;
        }
    }
    let per_step = v.checked_mul(scrapes_per_step.max(1))?;
    let k = min_events.div_ceil(per_step).max(1);
    let v = v.checked_mul(k)?;
    (v <= 1_000_000_000).then_some(v)
}

fn slo_tests(
    slo: &Slo,
    settings: &Settings,
    scrape: u64,
    max_hist: u64,
) -> (Vec<TestGroup>, Vec<String>) {
    let step = settings.evaluation_interval.as_millis();
    let base = settings.base_window.as_millis();
    let range = settings.raw_span().as_millis();
    let windows = sim::Windows {
        step_ms: step,
        base_ms: base,
        span_ms: range,
        fine_ms: settings.fine_limit().as_millis(),
        coarse_evals: crate::model::COARSE_EVALUATIONS,
    };
    let warm = range.max(step).div_ceil(step) * step;
    let budget = slo.error_budget();
    let tiers: Vec<Tier> = slo
        .alerts
        .iter()
        .filter_map(|a| {
            let threshold = a.threshold(budget);
            let parts = sim::decimal_parts(threshold)?;
            Some(Tier {
                alert: a,
                model: TierModel {
                    long_ms: a.long_window.as_millis(),
                    short_ms: a.short_window.as_millis(),
                    threshold: parts,
                    for_ms: a.for_.as_millis(),
                    keep_firing_ms: a.keep_firing_for.as_millis(),
                    min_events: slo.min_events,
                },
                threshold,
                reachable: threshold < Decimal::ONE,
            })
        })
        .collect();
    let cx = Ctx {
        slo,
        step,
        base,
        windows,
        scrape,
        warm,
        max_hist: max_hist.max(warm + step),
        hard_max: MAX_HISTORY_STEPS * step,
        tiers,
        alertname: slo.alerts.first().map(|a| a.alert_name.clone()),
    };
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
    }
    if let Some(s) = synth.as_ref() {
        for full in [false, true] {
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

impl Ctx<'_> {
    fn steps(&self, ms_: u64) -> usize {
        usize::try_from(ms_ / self.step).unwrap_or(usize::MAX)
    }

    fn at(&self, k: usize) -> String {
        ms(k as u64 * self.step)
    }

    fn round_up(&self, ms_: u64) -> u64 {
        ms_.div_ceil(self.step) * self.step
    }

    /// A timeline: the warm-up, then `parts`.
    fn timeline(&self, parts: &[(u64, Phase)]) -> Timeline {
        let mut tl = Timeline::new(self.scrape);
        tl.push(self.warm, Phase::Idle);
        for (d, p) in parts {
            tl.push(*d, *p);
        }
        tl
    }

    fn simulate(&self, s: &Synthetic, tl: Timeline) -> Option<Run> {
        self.simulate_if(s, tl, 0, |_| true)
    }

    /// [`Ctx::simulate`], but `None` as soon as tier `i`'s run fails `keep` (the other tiers
    /// are then not simulated).
    fn simulate_if(
        &self,
        s: &Synthetic,
        tl: Timeline,
        i: usize,
        keep: impl Fn(&TierRun) -> bool,
    ) -> Option<Run> {
        let volume = volume(&tl, self.step / self.scrape, self.slo.min_events)?;
        let rec = Recorded::compute(&tl, s.reading, volume, self.windows)?;
        let ith = self.tiers.get(i).map(|t| sim::run_tier(&rec, &t.model));
        if ith.as_ref().is_some_and(|r| !keep(r)) {
            return None;
        }
        let mut tiers: Vec<TierRun> = self
            .tiers
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, t)| sim::run_tier(&rec, &t.model))
            .collect();
        if let Some(r) = ith {
            tiers.insert(i, r);
        }
        Some(Run {
            timeline: tl,
            volume,
            rec,
            tiers,
        })
    }

    fn identity(&self) -> [(&'static str, &str); 2] {
        [
            (label::SERVICE, self.slo.service.as_str()),
            (label::SLO, self.slo.name.as_str()),
        ]
    }

    fn alerts_selector(&self, extra: &[(&'static str, &str)]) -> String {
        let mut m: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &self.alertname {
            m.push((alert_label::ALERTNAME, a));
        }
        m.extend(self.identity());
        m.extend(extra.iter().copied());
        promql::selector(names::ALERTS, m)
    }

    /// Labels of the firing `ALERTS` series of a tier.
    fn alert_labels(&self, t: &Tier) -> BTreeMap<String, String> {
        let mut l: BTreeMap<String, String> = (*self.slo.labels).clone();
        l.insert(label::WINDOW.into(), t.alert.long_window.to_string());
        for (k, v) in t.alert.labels.iter() {
            l.insert(k.clone(), expanded(v));
        }
        l.insert(alert_label::ALERTNAME.into(), t.alert.alert_name.clone());
        l.insert(alert_label::ALERTSTATE.into(), alert_label::FIRING.into());
        l
    }

    /// The burn alerts firing at evaluation `k`, exactly.
    fn firing_check(&self, run: &Run, k: usize) -> ExprTest {
        let mut exp = Vec::new();
        for (i, t) in self.tiers.iter().enumerate() {
            if run.tiers[i].firing[k] {
                let l = self.alert_labels(t);
                exp.push(ExpSample {
                    labels: promql::selector(
                        names::ALERTS,
                        l.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    ),
                    value: 1.0,
                });
            }
        }
        ExprTest {
            expr: self.alerts_selector(&[(alert_label::ALERTSTATE, alert_label::FIRING)]),
            eval_time: self.at(k),
            exp_samples: exp,
        }
    }

    /// None of `tiers` fired (or, with `any_state`, was even pending) from 0 to evaluation `k`.
    fn never_check(&self, tiers: &[usize], k: usize, any_state: bool) -> ExprTest {
        let names: Vec<&str> = tiers.iter().map(|i| self.tiers[*i].name()).collect();
        let mut m: Vec<String> = Vec::new();
        if let Some(a) = &self.alertname {
            m.push(format!(
                "{}={}",
                alert_label::ALERTNAME,
                promql::string_literal(a)
            ));
        }
        for (k, v) in self.identity() {
            m.push(format!("{k}={}", promql::string_literal(v)));
        }
        m.push(format!(
            "{}=~{}",
            label::TIER,
            promql::string_literal(&names.join("|"))
        ));
        if !any_state {
            m.push(format!(
                "{}={}",
                alert_label::ALERTSTATE,
                promql::string_literal(alert_label::FIRING)
            ));
        }
        let sel = format!("{}{{{}}}", names::ALERTS, m.join(","));
        ExprTest {
            expr: format!("count_over_time({sel}[{}])", self.at(k.max(1))),
            eval_time: self.at(k),
            exp_samples: Vec::new(),
        }
    }

    fn checks(&self, run: &Run, at: &mut Vec<usize>) -> Vec<ExprTest> {
        let last = run.last();
        at.retain(|k| *k <= last);
        at.sort_unstable();
        at.dedup();
        at.iter().map(|k| self.firing_check(run, *k)).collect()
    }

    fn group(&self, name: String, run: &Run, s: &Synthetic, checks: Vec<ExprTest>) -> TestGroup {
        TestGroup {
            name,
            interval: ms(self.scrape),
            input_series: input_series(s, &run.timeline, run.volume, self.windows.span_ms),
            promql_expr_test: checks,
        }
    }

    /// The fastest tier a total outage fires: the reachable page tier with the shortest long
    /// window, else any reachable tier.
    fn fastest(&self, pages_only: bool) -> Option<usize> {
        (0..self.tiers.len())
            .filter(|i| self.tiers[*i].reachable && (!pages_only || self.tiers[*i].page()))
            .min_by_key(|i| {
                (
                    self.tiers[*i].model.long_ms,
                    std::cmp::Reverse(self.tiers[*i].alert.burn_rate),
                )
            })
    }

    fn outage(&self, s: &Synthetic) -> Option<(TestGroup, Vec<String>)> {
        let lead_i = self.fastest(true).or_else(|| self.fastest(false))?;
        // A window holding exactly the threshold is a tie floating point may call either way:
        // move the outage by a step until no evaluation is that close.
        (0..4).find_map(|extra| {
            self.outage_at(
                s,
                lead_i,
                self.round_up(self.tiers[lead_i].model.long_ms) + extra * self.step,
            )
        })
    }

    fn outage_at(
        &self,
        s: &Synthetic,
        lead_i: usize,
        clean: u64,
    ) -> Option<(TestGroup, Vec<String>)> {
        let lead = &self.tiers[lead_i];
        let start = self.warm + clean;
        if start + 2 * self.step > self.hard_max {
            return None;
        }
        // Long enough for the lead tier to trip on a total outage (its threshold's share of the
        // long window), then fire.
        let trip = (lead.threshold.to_f64() * lead.model.long_ms as f64).ceil() as u64;
        let limit = self
            .max_hist
            .max(
                start
                    + self.round_up(trip + lead.model.for_ms + lead.model.short_ms)
                    + 4 * self.step,
            )
            .min(self.hard_max);
        let probe = self.simulate(
            s,
            self.timeline(&[
                (clean, Phase::Traffic(Frac::ZERO)),
                (limit - start, Phase::Traffic(Frac::ONE)),
            ]),
        )?;
        let k0 = self.steps(start);
        // Tiers whose recovery the scenario checks: every page tier (or the lead tier) that fires.
        let watched: Vec<usize> = (0..self.tiers.len())
            .filter(|i| (self.tiers[*i].page() || *i == lead_i) && self.tiers[*i].reachable)
            .collect();
        let fired: Vec<(usize, usize)> = watched
            .iter()
            .filter_map(|i| probe.tiers[*i].first_firing(k0).map(|k| (*i, k)))
            .collect();
        let lead_fire = probe.tiers[lead_i].first_firing(k0)?;
        let stop = fired.iter().map(|(_, k)| *k).max().unwrap_or(lead_fire) + 1;
        let stop_ms = stop as u64 * self.step;
        let recovery = fired
            .iter()
            .map(|(i, _)| self.recovery_bound(s, *i))
            .max()
            .unwrap_or(0)
            + self.step;
        let end = (stop_ms + recovery).min(self.hard_max);
        let run = self.simulate(
            s,
            self.timeline(&[
                (clean, Phase::Traffic(Frac::ZERO)),
                (stop_ms - start, Phase::Traffic(Frac::ONE)),
                (end - stop_ms, Phase::Traffic(Frac::ZERO)),
            ]),
        )?;
        if run.ambiguous() {
            return None;
        }
        let lead_run = &run.tiers[lead_i];
        let fire = lead_run.first_firing(k0)?;
        let active = lead_run.first_active(k0)?;
        let mut at = vec![k0, fire.saturating_sub(1), fire, stop, run.last()];
        let mut notes = Vec::new();
        let workbook = workbook_detection_ms(lead, Decimal::ONE);
        notes.push(format!(
            "total outage from {}: {} ({}/{}, {}x) is pending {} after it starts (Workbook: {}) and fires at {} (`for` {})",
            ms(start),
            lead.name(),
            lead.alert.long_window,
            lead.alert.short_window,
            lead.alert.burn_rate,
            ms((active - k0) as u64 * self.step),
            workbook.map_or_else(|| "n/a".into(), human),
            self.at(fire),
            lead.alert.for_
        ));
        let mut resets = Vec::new();
        for (i, _) in &fired {
            let t = &self.tiers[*i];
            let Some(resolved) = run.tiers[*i].first_resolved(stop) else {
                continue;
            };
            let bound = stop_ms + self.recovery_bound(s, *i);
            at.extend([resolved.saturating_sub(1), resolved, self.steps(bound)]);
            resets.push(format!(
                "{} {} (bound {})",
                t.name(),
                ms((resolved - stop) as u64 * self.step),
                ms(bound - stop_ms)
            ));
        }
        if !resets.is_empty() {
            notes.push(format!(
                "errors stop at {}; resolved after: {}",
                self.at(stop),
                resets.join(", ")
            ));
        }
        let checks = self.checks(&run, &mut at);
        let linger = self.recovery_bound(s, lead_i)
            - self.round_up(lead.model.short_ms)
            - self.round_up(lead.model.keep_firing_ms);
        let name = format!(
            "{}: total outage from {} fires {} at {}; after the errors stop at {} each page tier resolves within its short window + {}{}",
            self.slo.name,
            ms(start),
            lead.name(),
            self.at(fire),
            self.at(stop),
            ms(linger),
            if fired
                .iter()
                .any(|(i, _)| self.tiers[*i].model.keep_firing_ms > 0)
            {
                " + keep_firing_for"
            } else {
                ""
            }
        );
        Some((self.group(name, &run, s, checks), notes))
    }

    /// The time a tier takes at most to resolve after a total outage ends: its short window,
    /// plus the base window the recorded rates still hold errors for (one evaluation interval
    /// by default), plus the interval the windows end before the evaluation, plus
    /// `keep_firing_for`. A raw query's subquery also reads the point at the
    /// start of its range: one subquery step more.
    fn recovery_bound(&self, s: &Synthetic, i: usize) -> u64 {
        let m = &self.tiers[i].model;
        let linger = self.round_up(self.base)
            + self.step
            + match s.reading {
                Reading::Points { point_ms } => self.round_up(point_ms),
                _ => 0,
            };
        self.round_up(m.short_ms) + linger + self.round_up(m.keep_firing_ms)
    }

    fn burn_fraction(&self, t: &Tier, mult: Decimal) -> Option<(Decimal, Frac)> {
        let burn = t.alert.burn_rate.checked_mul(mult)?;
        let q = burn.checked_mul(self.slo.error_budget())?;
        if q > Decimal::ONE {
            return None;
        }
        Some((burn, Frac::from_decimal(q)?))
    }

    fn above(&self, s: &Synthetic, i: usize) -> Option<(TestGroup, Vec<String>)> {
        let t = &self.tiers[i];
        let mut candidates: Vec<(Decimal, Decimal, Frac)> = ABOVE
            .iter()
            .filter_map(|m| self.burn_fraction(t, dec(m)).map(|(b, f)| (dec(m), b, f)))
            .collect();
        if candidates.is_empty() {
            // Even 5 % above the factor is more than a total outage: use the outage itself.
            let max_burn = Decimal::ONE.checked_div(self.slo.error_budget())?;
            candidates.push((
                max_burn
                    .checked_div(t.alert.burn_rate)
                    .unwrap_or(Decimal::ONE),
                max_burn,
                Frac::ONE,
            ));
        }
        // 0/1 samples: bad ones at the end of each stretch first (a window sees the burn build
        // up as counters would show it), then at the start (a sparse burn shows at once).
        let layouts: &[fn(Frac) -> Phase] = if matches!(s.reading, Reading::Counters { .. }) {
            &[Phase::Traffic]
        } else {
            &[Phase::Traffic, Phase::TrafficEarly]
        };
        for (mult, burn, burn_phase) in candidates
            .into_iter()
            .flat_map(|(m, b, f)| layouts.iter().map(move |l| (m, b, l(f))))
        {
            // Clean history the long window needs at the moment of detection: (1 - 1/mult) of it.
            // 0/1 samples spread bad readings unevenly over short stretches: allow a short window
            // more.
            let slack = if matches!(s.reading, Reading::Counters { .. }) {
                2 * self.step
            } else {
                self.round_up(t.model.short_ms) + 2 * self.step
            };
            let need = self
                .round_up((t.model.long_ms as f64 * (1.0 - 1.0 / mult.to_f64())).ceil() as u64)
                + slack;
            let attempt = |lead: u64, limit: u64| -> Option<(Run, usize)> {
                let start = self.warm + lead;
                if start + self.step > limit {
                    return None;
                }
                let fires_in_time = |r: &TierRun| {
                    r.first_firing(self.steps(start))
                        .is_some_and(|fire| (fire as u64 + 1) * self.step <= limit)
                };
                let run = self.simulate_if(
                    s,
                    self.timeline(&[
                        (lead, Phase::Traffic(Frac::ZERO)),
                        (limit - start, burn_phase),
                    ]),
                    i,
                    fires_in_time,
                )?;
                // (`fires_in_time` held for this run.)
                let fire = run.tiers[i].first_firing(self.steps(start))?;
                (!run.ambiguous()).then_some((run, fire))
            };
            // The long window is exercised fully when the clean history it needs fits the cap;
            // else the burn starts at once and the test checks the factor and `for`.
            // Page tiers wake people up: their long windows are exercised fully whatever the
            // cap, as far as promtool's sample limit allows.
            // Detection from a full window of clean history comes within the long window (plus
            // `for`, and a short window of slack for 0/1 samples).
            let settle = self.warm
                + need
                + self.round_up(t.model.long_ms + t.model.short_ms + t.model.for_ms)
                + 4 * self.step;
            let full_limit = if t.page() {
                settle.min(self.hard_max)
            } else {
                self.max_hist.min(settle)
            };
            let found = attempt(need, full_limit).map(|r| (need, r)).or_else(|| {
                // The longest clean lead-in whose detection still fits the cap (a shorter one
                // detects sooner): the long window then holds all the history there is.
                let (mut lo, mut hi, mut best) = (1u64, need / self.step, None);
                while lo <= hi {
                    let mid = (lo + hi) / 2;
                    match attempt(mid * self.step, self.max_hist) {
                        Some(r) => {
                            best = Some((mid * self.step, r));
                            lo = mid + 1;
                        }
                        None => hi = mid - 1,
                    }
                }
                // A burn from the start fires after `for`, which may alone exceed the cap.
                let standing = (self.warm + self.round_up(t.model.for_ms) + 4 * self.step)
                    .max(self.max_hist)
                    .min(self.hard_max);
                best.or_else(|| attempt(0, standing).map(|r| (0, r)))
            });
            let Some((lead, (_, fire))) = found else {
                continue;
            };
            let start = self.warm + lead;
            let end = (fire as u64 + 1) * self.step;
            let Some(run) = self.simulate(
                s,
                self.timeline(&[
                    (lead, Phase::Traffic(Frac::ZERO)),
                    (end - start, burn_phase),
                ]),
            ) else {
                continue;
            };
            if run.ambiguous() || run.tiers[i].first_firing(self.steps(start)) != Some(fire) {
                continue;
            }
            let active = run.tiers[i].first_active(self.steps(start))?;
            let full = active as u64 * self.step >= self.warm + t.model.long_ms;
            let k0 = self.steps(start);
            let mut at = vec![k0, fire - 1, fire];
            let checks = self.checks(&run, &mut at);
            let workbook = burn
                .checked_mul(self.slo.error_budget())
                .and_then(|r| workbook_detection_ms(t, r));
            let mut notes = vec![format!(
                "{} ({}/{}, {}x): a burn of {}x from {} is pending {} later (Workbook, steady state: {}) and fires at {} (`for` {}); {}",
                t.name(),
                t.alert.long_window,
                t.alert.short_window,
                t.alert.burn_rate,
                burn,
                ms(start),
                ms((active - k0) as u64 * self.step),
                workbook.map_or_else(|| "n/a".into(), human),
                self.at(fire),
                t.alert.for_,
                if full {
                    "the long window is exercised fully".to_string()
                } else if lead == 0 {
                    format!(
                        "the long window is not exercised: the {} of clean history it needs before the burn do not fit the {} cap, so the burn starts at once and the test checks the factor and `for`",
                        ms(need),
                        ms(self.max_hist)
                    )
                } else {
                    format!(
                        "the long window is exercised partially: it holds {} of history (after {} of clean traffic) when the alert turns pending",
                        ms(active as u64 * self.step - self.warm),
                        ms(lead)
                    )
                }
            )];
            if mult != dec(ABOVE[0]) {
                notes.push(format!("{}: {}x above the factor (closer burns do not fire it within the history cap, come too close to its threshold to call in floating point, or need more than a total outage)", t.name(), mult));
            }
            let name = format!(
                "{}: {}: a burn {}x the factor ({}x) from {} fires it at {}",
                self.slo.name,
                t.name(),
                mult,
                burn,
                ms(start),
                self.at(fire)
            );
            return Some((self.group(name, &run, s, checks), notes));
        }
        None
    }

    fn below(&self, s: &Synthetic, i: usize) -> Option<(TestGroup, Vec<String>)> {
        let t = &self.tiers[i];
        let pattern = !matches!(s.reading, Reading::Counters { .. });
        // Counters read exactly the burn in every window from the first evaluation with traffic
        // on (the idle warm-up adds nothing): a few evaluations without the tier ever pending
        // show what any later time would. 0/1 samples fluctuate, so those run through `for`
        // and the short window.
        let horizon = if pattern {
            self.warm
                + self.round_up(t.model.for_ms)
                + self.round_up(t.model.short_ms)
                + 2 * self.step
        } else {
            self.warm + QUIET_STEPS * self.step
        };
        let horizon = horizon
            .min(self.max_hist.max(self.warm + QUIET_STEPS * self.step))
            .min(self.hard_max);
        for m in BELOW {
            let mult = dec(m);
            let Some((burn, f)) = self.burn_fraction(t, mult) else {
                continue;
            };
            let Some(run) = self.simulate(
                s,
                self.timeline(&[(horizon - self.warm, Phase::Traffic(f))]),
            ) else {
                continue;
            };
            let never_active = !run.tiers[i].active.iter().any(|a| *a);
            if run.ambiguous() || run.tiers[i].ever_fires() || (!pattern && !never_active) {
                continue;
            }
            let last = run.last();
            let mut checks = vec![self.never_check(&[i], last, never_active)];
            let mut at = vec![self.steps(self.warm) + 1, last];
            checks.extend(self.checks(&run, &mut at));
            let name = format!(
                "{}: {}: a burn {}x the factor ({}x) for {} never fires it",
                self.slo.name,
                t.name(),
                mult,
                burn,
                ms(horizon - self.warm)
            );
            let notes = vec![format!(
                "{}: a burn of {}x ({}x the factor) for {} never fires it{}",
                t.name(),
                burn,
                mult,
                ms(horizon - self.warm),
                if never_active {
                    " (never even pending)"
                } else {
                    ""
                }
            )];
            return Some((self.group(name, &run, s, checks), notes));
        }
        None
    }

    fn spike(&self, s: &Synthetic) -> Option<(TestGroup, Vec<String>)> {
        let pf = self.fastest(true)?;
        let pages: Vec<usize> = (0..self.tiers.len())
            .filter(|i| self.tiers[*i].page() && self.tiers[*i].reachable)
            .collect();
        let t = &self.tiers[pf];
        let len = self.round_up(t.model.short_ms);
        // A page tier can only be pending while its short window still holds the spike.
        let observe = pages
            .iter()
            .map(|i| self.round_up(self.tiers[*i].model.short_ms))
            .max()
            .unwrap_or(0)
            + 2 * self.step;
        let ten = t.threshold.checked_mul(Decimal::from_int(10))?;
        let mut q = if ten > Decimal::ONE {
            Decimal::ONE
        } else {
            ten
        };
        let first = q;
        // Clean history before the spike: enough for the Workbook's arithmetic to keep every page
        // tier's long window under 80 % of its threshold (q × spike / history), at most the
        // tier's long window.
        let need = pages
            .iter()
            .map(|i| {
                let ti = &self.tiers[*i];
                let h = q.to_f64() * len as f64 / (0.8 * ti.threshold.to_f64());
                self.round_up(h.ceil() as u64)
                    .min(self.round_up(ti.model.long_ms))
            })
            .max()
            .unwrap_or(0);
        // The spike needs this much history whatever the cap: less would page by arithmetic.
        let room = self.hard_max.saturating_sub(self.warm + len + observe);
        let lead = need.min(room);
        for _ in 0..12 {
            if q <= t.threshold {
                return None;
            }
            let f = Frac::from_decimal(q)?;
            let start = self.warm + lead;
            let run = self.simulate(
                s,
                self.timeline(&[
                    (lead, Phase::Traffic(Frac::ZERO)),
                    (len, Phase::Traffic(f)),
                    (observe, Phase::Traffic(Frac::ZERO)),
                ]),
            )?;
            if run.ambiguous() || pages.iter().any(|i| run.tiers[*i].ever_fires()) {
                q = round_sig(q.checked_mul(dec("0.8"))?, 3)?;
                continue;
            }
            let spike_end = self.steps(start + len);
            let quiet = pages
                .iter()
                .all(|i| !run.tiers[*i].active.iter().any(|a| *a));
            let mut checks = vec![self.never_check(&pages, run.last(), quiet)];
            // The spike does cross the short window's threshold: the long window holds it back.
            let (e, n) = run.rec.window(spike_end, t.model.short_ms);
            let (tm, ts) = t.model.threshold;
            if n > 0 && e * 10i128.pow(ts) != tm * n {
                let above = e * 10i128.pow(ts) > tm * n;
                let burn_sel = promql::selector(
                    names::BURN_RATE,
                    self.identity()
                        .into_iter()
                        .chain([(label::WINDOW, t.alert.short_window.to_string().as_str())]),
                );
                let mut l = (*self.slo.labels).clone();
                l.insert(label::WINDOW.into(), t.alert.short_window.to_string());
                checks.push(ExprTest {
                    expr: format!("{burn_sel} > bool {}", t.alert.burn_rate),
                    eval_time: self.at(spike_end),
                    exp_samples: vec![ExpSample {
                        labels: promql::selector(
                            "",
                            l.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                        ),
                        value: if above { 1.0 } else { 0.0 },
                    }],
                });
            }
            let mut at = vec![
                spike_end,
                self.steps(start + len + self.round_up(t.model.short_ms)),
                run.last(),
            ];
            checks.extend(self.checks(&run, &mut at));
            let share = |x: Decimal| {
                x.checked_mul(Decimal::from_int(100))
                    .map_or_else(|| x.to_string(), |p| format!("{p}%"))
            };
            let mut notes = vec![format!(
                "spike: {} of {} errors from {} ({}x {}'s threshold {}) never pages{}",
                ms(len),
                share(q),
                ms(start),
                q.div_rounded(t.threshold, 2)
                    .map_or_else(|| "-".into(), |x| x.to_string()),
                t.name(),
                t.threshold,
                if quiet {
                    " (no page tier is ever pending)"
                } else {
                    ""
                }
            )];
            if q != first {
                notes.push(format!("spike lowered from {} errors: with {} of clean history before it, that would page", share(first), ms(lead)));
            }
            let name = format!(
                "{}: a {} spike of {} errors from {} never pages",
                self.slo.name,
                ms(len),
                share(q),
                ms(start)
            );
            return Some((self.group(name, &run, s, checks), notes));
        }
        None
    }

    /// The budget of a young window counts against the whole window: a total outage as long as
    /// an eighth of the budget (5 minutes at 99.9 % over 30d), on a fresh start (`full` false:
    /// the rules have run only since just before it) or after a whole window of clean traffic,
    /// spends about that eighth, and (where the budget left stays clear of every stage) no
    /// budget-stage alert ever fires. Checked one coarse step
    /// after the outage, when the coarse records of a window beyond the fine limit hold it.
    fn budget(&self, s: &Synthetic, full: bool) -> Result<(TestGroup, Vec<String>), String> {
        let w = self.slo.window.as_millis();
        let budget = self.slo.error_budget().to_f64();
        let outage = self.round_up(
            ((w as f64 * budget / 8.0 / self.step as f64).round() as u64).max(1) * self.step,
        );
        let lead = if full { self.round_up(w) } else { 0 };
        // A coarse step and two evaluations: the coarse records hold the outage, and the clean
        // traffic after it outweighs the idle warm-up (which counts as covered, with no events).
        let after = (self.windows.coarse_evals + 2) * self.step;
        let end = self.warm + lead + outage + after;
        if end > self.hard_max {
            return Err(format!(
                "{} of history is beyond promtool's sample limit ({} evaluations)",
                ms(end),
                MAX_HISTORY_STEPS
            ));
        }
        let mut parts = Vec::new();
        if lead > 0 {
            parts.push((lead, Phase::Traffic(Frac::ZERO)));
        }
        parts.extend([
            (outage, Phase::Traffic(Frac::ONE)),
            (after, Phase::Traffic(Frac::ZERO)),
        ]);
        let run = self
            .simulate(s, self.timeline(&parts))
            .ok_or("the series cannot hold the outage exactly")?;
        let k = run.last();
        let remaining = run.rec.budget_remaining(k, w, budget);
        let lowest = (0..=k)
            .map(|j| run.rec.budget_remaining(j, w, budget))
            .fold(f64::INFINITY, f64::min);
        let stage = self
            .slo
            .budget_alerts
            .iter()
            .map(|b| b.below.to_f64())
            .fold(0.0, f64::max);
        // Stage alerts are checked only where the budget left stays clear of every stage.
        let stages_quiet = !self.slo.budget_alerts.is_empty() && lowest >= stage + 0.001;
        let mut l: BTreeMap<String, String> = (*self.slo.labels).clone();
        l.insert(label::WINDOW.into(), self.slo.window.to_string());
        let remaining_sel = promql::selector(names::BUDGET_REMAINING, self.identity());
        let mut checks = vec![ExprTest {
            expr: format!(
                "({remaining_sel} >= {:.4} <= {:.4}) * 0 + 1",
                remaining - 0.0005,
                remaining + 0.0005
            ),
            eval_time: self.at(k),
            exp_samples: vec![ExpSample {
                labels: promql::selector("", l.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
                value: 1.0,
            }],
        }];
        if stages_quiet {
            let m: Vec<String> = self
                .identity()
                .into_iter()
                .map(|(k, v)| format!("{k}={}", promql::string_literal(v)))
                .chain([format!("{}=~\".+\"", label::BUDGET_STAGE)])
                .collect();
            checks.push(ExprTest {
                expr: format!(
                    "count_over_time({}{{{}}}[{}])",
                    names::ALERTS,
                    m.join(","),
                    self.at(k)
                ),
                eval_time: self.at(k),
                exp_samples: Vec::new(),
            });
        }
        let start = self.warm + lead;
        let history = if full {
            format!(
                "after {} of clean traffic (a whole window)",
                self.slo.window
            )
        } else {
            "on a fresh start".to_string()
        };
        let alerts = if stages_quiet {
            "; no budget-stage alert fires"
        } else {
            ""
        };
        let pct = format!("{:.1}%", remaining * 100.0);
        let name = format!(
            "{}: {} of total outage from {} {history} leaves {pct} of the {} budget at {}{alerts}",
            self.slo.name,
            ms(outage),
            ms(start),
            self.slo.window,
            self.at(k)
        );
        let note = format!(
            "budget: {} of total outage {history} leaves {pct} of the budget (checked at {}){alerts}",
            ms(outage),
            self.at(k)
        );
        Ok((self.group(name, &run, s, checks), vec![note]))
    }

    fn zero_traffic(&self, s: Option<&Synthetic>) -> (TestGroup, Vec<String>) {
        // Zero traffic reads the same at every evaluation: a few evaluations show that no
        // condition ever holds (not even pending).
        let horizon = (self.warm + QUIET_STEPS * self.step).min(self.hard_max);
        let tl = self.timeline(&[(horizon - self.warm, Phase::Idle)]);
        let k = self.steps(horizon);
        let series = match s {
            Some(s) if matches!(s.reading, Reading::Counters { .. }) => {
                input_series(s, &tl, 1, self.windows.span_ms)
            }
            _ => Vec::new(),
        };
        let ratio = promql::selector(names::ERROR_RATIO, self.identity());
        let mut checks = vec![ExprTest {
            expr: format!("{ratio} != 0"),
            eval_time: self.at(k),
            exp_samples: Vec::new(),
        }];
        if !self.tiers.is_empty() {
            let all: Vec<usize> = (0..self.tiers.len()).collect();
            checks.insert(0, self.never_check(&all, k, true));
        }
        let what = if series.is_empty() {
            "no series at all"
        } else {
            "series that never increase"
        };
        let name = format!(
            "{}: zero traffic ({what}) for {}: every ratio is 0 and no burn alert is ever pending",
            self.slo.name,
            ms(horizon)
        );
        let group = TestGroup {
            name,
            interval: ms(self.scrape),
            input_series: series,
            promql_expr_test: checks,
        };
        (
            group,
            vec![format!(
                "zero traffic for {}: every ratio 0, no burn alert",
                ms(horizon)
            )],
        )
    }
}

/// `x` rounded to `sig` significant digits.
fn round_sig(x: Decimal, sig: u32) -> Option<Decimal> {
    let (m, s) = sim::decimal_parts(x)?;
    let digits = m.unsigned_abs().to_string().len() as u32;
    if digits <= sig {
        return Some(x);
    }
    let drop = digits - sig;
    Decimal::new(m, s).div_rounded(Decimal::ONE, s.saturating_sub(drop))
}

/// The Workbook's detection time of a tier for a constant error ratio: (threshold / error
/// ratio) × long window.
fn workbook_detection_ms(t: &Tier, error_ratio: Decimal) -> Option<u64> {
    let share = t.threshold.div_rounded(error_ratio, 12)?;
    let ms_ = share.checked_mul(Decimal::from_int(i64::try_from(t.model.long_ms).ok()?))?;
    Some(ms_.to_f64().round() as u64)
}

/// The promtool `values` text of every synthetic series over a timeline.
/// The synthetic series. Counters start at the most events a raw read can hold (`volume` per
/// scrape over `span_ms`) rather than at 0, as a long-running process' counters do: `rate()`
/// then extrapolates every read to its range's start, which the model assumes.
fn input_series(s: &Synthetic, tl: &Timeline, volume: u64, span_ms: u64) -> Vec<InputSeries> {
    let samples = tl.per_sample();
    let start = i128::from(volume) * i128::from(span_ms.div_ceil(tl.scrape_ms.max(1)));
    let scrape_s = i128::from(tl.scrape_ms / 1000);
    s.series
        .iter()
        .map(|spec| {
            let values = match &spec.role {
                Role::Errors | Role::Good | Role::Total => {
                    let incs: Vec<Option<i128>> = samples
                        .iter()
                        .enumerate()
                        .map(|(j, (p, _))| {
                            if j == 0 {
                                return Some(start);
                            }
                            let (n, e) = match p.fraction() {
                                None => (0, 0),
                                Some(f) => {
                                    let n = i128::from(volume);
                                    (n, n * i128::from(f.num) / i128::from(f.den))
                                }
                            };
                            Some(match spec.role {
                                Role::Errors => e,
                                Role::Good => n - e,
                                _ => n,
                            })
                        })
                        .collect();
                    counter_values(&incs)
                }
                Role::Probe => {
                    let vals: Vec<Option<i128>> = samples
                        .iter()
                        .map(|(p, i)| match p {
                            Phase::Idle => None,
                            p => Some(i128::from(!p.bad(*i))),
                        })
                        .collect();
                    progressions(&vals)
                }
                Role::Gauge {
                    time_factor,
                    good,
                    bad,
                } => {
                    let point_ms = match s.reading {
                        Reading::Points { point_ms } => point_ms,
                        _ => tl.scrape_ms,
                    };
                    let bad_at = sim::point_badness(tl, point_ms);
                    let vals: Vec<Option<i128>> = bad_at
                        .iter()
                        .enumerate()
                        .map(|(j, b)| {
                            b.map(|b| {
                                let t = i128::try_from(j).unwrap_or(0) * scrape_s;
                                i128::from(*time_factor) * t
                                    + i128::from(if b { *bad } else { *good })
                            })
                        })
                        .collect();
                    progressions(&vals)
                }
            };
            InputSeries {
                series: spec.text.clone(),
                values,
            }
        })
        .collect()
}

/// Counter values from per-sample increments (the first entry is the starting value).
fn counter_values(incs: &[Option<i128>]) -> String {
    let mut vals = Vec::with_capacity(incs.len());
    let mut v = 0i128;
    for (j, inc) in incs.iter().enumerate() {
        if j == 0 {
            v = inc.unwrap_or(0);
        } else {
            v += inc.unwrap_or(0);
        }
        vals.push(Some(v));
    }
    progressions(&vals)
}

/// promtool's expanding notation for a list of values: arithmetic runs as `a+bxn` (n+1
/// values), missing samples as `_xn` (n values).
fn progressions(vals: &[Option<i128>]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < vals.len() {
        match vals[i] {
            None => {
                let mut j = i;
                while j < vals.len() && vals[j].is_none() {
                    j += 1;
                }
                let n = j - i;
                parts.push(if n == 1 { "_".into() } else { format!("_x{n}") });
                i = j;
            }
            Some(a) => {
                let mut j = i + 1;
                let d = match vals.get(j) {
                    Some(Some(b)) => b - a,
                    _ => 0,
                };
                while j < vals.len() && vals[j].is_some_and(|v| v - vals[j - 1].unwrap_or(v) == d) {
                    j += 1;
                }
                let n = j - i - 1;
                parts.push(match (n, d) {
                    (0, _) => a.to_string(),
                    (_, 0) => format!("{a}x{n}"),
                    (_, d) if d > 0 => format!("{a}+{d}x{n}"),
                    (_, d) => format!("{a}-{}x{n}", -d),
                });
                i = j;
            }
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(spec: &str) -> (Service, Settings) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(spec);
        let loaded = crate::load::load_paths(&[path], crate::load::LoadOptions { strict: false });
        let f = crate::validate::validate(&loaded).0.expect("spec compiles");
        ((*f.services[0]).clone(), f.settings)
    }

    /// Tiers expected to fire at `time` in the group whose name contains `name`.
    fn firing(t: &ServiceTests, name: &str, time: &str) -> Vec<String> {
        let g = t
            .file
            .tests
            .iter()
            .find(|g| g.name.contains(name))
            .unwrap_or_else(|| panic!("no test `{name}`"));
        let check = g
            .promql_expr_test
            .iter()
            .find(|c| c.eval_time == time && c.expr.starts_with("ALERTS{"))
            .unwrap_or_else(|| panic!("no check at {time} in {}", g.name));
        let mut tiers: Vec<String> = check
            .exp_samples
            .iter()
            .map(|s| {
                s.labels
                    .split("alert_tier=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        tiers.sort();
        tiers
    }

    #[test]
    fn workbook_slo_claims() {
        // 99.9 % / 30d, Workbook tiers, 1m evaluations.
        let (svc, settings) = service("tests/promtool/spec.yaml");
        let t = service_tests(&svc, &settings, &ScenarioOptions::default());
        assert_eq!(t.file.rule_files, ["../rules/api.rules.yaml"]);
        // Total outage from 1h2m (after a clean hour and the raw read's lead-in). The rates
        // recorded at 1h3m hold the first bad minute; the windows read at 1h4m end there:
        // 1/60 > 0.0144, page-fast becomes pending and fires after its `for` of 2m.
        let outage = "total outage from 1h2m";
        assert_eq!(firing(&t, outage, "1h5m"), Vec::<String>::new());
        assert_eq!(firing(&t, outage, "1h6m"), ["page-fast"]);
        // Both page tiers fire by the time the errors stop (1h20m).
        let g = t
            .file
            .tests
            .iter()
            .find(|g| g.name.contains(outage))
            .unwrap();
        assert!(g.name.contains("errors stop at 1h20m"), "{}", g.name);
        assert_eq!(firing(&t, outage, "1h20m"), ["page-fast", "page-slow"]);
        // The last bad minute is recorded at 1h20m and read until its window has passed it:
        // page-fast resolves 5m + 1m after, page-slow 30m + 1m after.
        assert_eq!(firing(&t, outage, "1h25m"), ["page-fast", "page-slow"]);
        assert_eq!(firing(&t, outage, "1h26m"), ["page-slow"]);
        assert_eq!(firing(&t, outage, "1h50m"), ["page-slow"]);
        assert_eq!(firing(&t, outage, "1h51m"), Vec::<String>::new());
        // Just above the 14.4x factor from a full window of clean traffic: pending once 58 of
        // the 60 minutes in the hour are bad (60/1.0501 = 57.14), firing 2m later (page-slow,
        // at 6x, has fired long before).
        assert_eq!(
            firing(&t, "page-fast: a burn 1.0501x", "1h7m"),
            ["page-slow"]
        );
        assert_eq!(
            firing(&t, "page-fast: a burn 1.0501x", "1h8m"),
            ["page-fast", "page-slow"]
        );
        // Every tier has its pair of tests, plus outage, spike, the fresh-start budget, the
        // series vanishing (no data) and zero traffic (a whole 30d window is beyond promtool's
        // sample limit).
        assert_eq!(t.file.tests.len(), 1 + 4 * 2 + 1 + 1 + 1 + 1);
        // Five minutes of total outage on a fresh start spend about an eighth of the budget:
        // 5 of the 43.2 minutes that 0.1 % of 30 days holds, counted against the whole window.
        let budget = t
            .file
            .tests
            .iter()
            .find(|g| {
                g.name.contains("of total outage from") && g.name.contains("on a fresh start")
            })
            .unwrap();
        assert!(
            budget.name.starts_with("availability: 5m of total outage"),
            "{}",
            budget.name
        );
        let pct: f64 = budget
            .name
            .split(" leaves ")
            .nth(1)
            .and_then(|r| r.split('%').next())
            .and_then(|p| p.parse().ok())
            .unwrap();
        assert!((87.0..=89.0).contains(&pct), "{}", budget.name);
        assert!(
            t.notes
                .iter()
                .any(|n| n.contains("no budget test after a whole window"))
        );
        for tier in ["page-fast", "page-slow", "ticket-fast", "ticket-slow"] {
            assert!(
                t.file.tests.iter().any(|g| g
                    .name
                    .contains(&format!("{tier}: a burn 0.95x the factor"))
                    && g.name.ends_with("never fires it")),
                "{tier}"
            );
        }
        let notes = t.notes.join("\n");
        assert!(
            notes.contains("page-slow (6h/30m, 6x): a burn of 6.3006x")
                && notes.contains("page-slow")
                && notes.contains("exercised fully"),
            "{notes}"
        );
        assert!(
            notes.contains("spike: 5m of 1.44% errors")
                || notes.contains("spike: 5m of 14.4% errors"),
            "{notes}"
        );
    }

    #[test]
    fn bounds_hold_across_settings() {
        for spec in [
            "tests/cases/custom_alert_tiers.yaml",
            "tests/cases/tier_overrides.yaml",
            "tests/cases/window_7d.yaml",
            "tests/cases/window_28d.yaml",
            "tests/cases/min_events.yaml",
            "tests/cases/probe.yaml",
            "tests/cases/raw.yaml",
        ] {
            let (svc, settings) = service(spec);
            let t = service_tests(&svc, &settings, &ScenarioOptions::default());
            let notes = t.notes.join("\n");
            // Every tier's reset after a total outage is within its bound.
            for line in notes.lines().filter(|l| l.contains("resolved after:")) {
                for part in line.split("resolved after: ").nth(1).unwrap().split(", ") {
                    let (tier, rest) = part.split_once(' ').unwrap();
                    let took = Duration::parse(rest.split(' ').next().unwrap()).unwrap();
                    let bound =
                        Duration::parse(rest.split("bound ").nth(1).unwrap().trim_end_matches(')'))
                            .unwrap();
                    assert!(
                        took <= bound,
                        "{spec}: {tier} resolves after {took}, bound {bound}\n{notes}"
                    );
                }
            }
            // Every reachable tier gets its just-above and just-below tests.
            for a in &svc.slos[0].alerts {
                if a.threshold(svc.slos[0].error_budget()) < Decimal::ONE {
                    assert!(
                        t.file
                            .tests
                            .iter()
                            .any(|g| g.name.contains(&format!("{}: a burn", a.tier))
                                && g.name.contains("fires it at")),
                        "{spec}: {}\n{notes}",
                        a.tier
                    );
                    assert!(
                        t.file
                            .tests
                            .iter()
                            .any(|g| g.name.contains(&format!("{}: a burn", a.tier))
                                && g.name.ends_with("never fires it")),
                        "{spec}: {}\n{notes}",
                        a.tier
                    );
                }
            }
            // No scenario loads more samples per query than promtool allows.
            let step = settings.evaluation_interval.as_millis();
            for g in &t.file.tests {
                for c in &g.promql_expr_test {
                    assert!(
                        Duration::parse(&c.eval_time).unwrap().as_millis() / step
                            < MAX_HISTORY_STEPS,
                        "{spec}: {}",
                        g.name
                    );
                }
            }
        }
    }

    #[test]
    fn tier_overrides_keep_firing_for() {
        // page-fast: `for` 5m, keep_firing_for 10m: resolves 5m + 1m + 10m after the errors
        // stop, within the bound of 5m + 1m + 1m (the windows end one evaluation back) + 10m.
        let (svc, settings) = service("tests/cases/tier_overrides.yaml");
        let t = service_tests(&svc, &settings, &ScenarioOptions::default());
        let notes = t.notes.join("\n");
        assert!(notes.contains("page-fast 16m (bound 17m)"), "{notes}");
    }

    #[test]
    fn expanding_notation() {
        let v = |xs: &[i64]| xs.iter().map(|x| Some(i128::from(*x))).collect::<Vec<_>>();
        assert_eq!(
            progressions(&v(&[0, 10, 20, 30, 30, 30, 31])),
            "0+10x3 30x1 31"
        );
        assert_eq!(
            progressions(&[None, None, Some(1), Some(1), None]),
            "_x2 1x1 _"
        );
        assert_eq!(progressions(&v(&[5, 3, 1])), "5-2x2");
        assert_eq!(round_sig(dec("0.11520"), 3), Some(dec("0.115")));
        assert_eq!(round_sig(dec("0.0144"), 3), Some(dec("0.0144")));
    }
}
