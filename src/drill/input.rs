//! The promtool unit-test file a drill runs: the synthetic series of every SLO of the service
//! (the struck SLOs with the scenario's bad share of events, the others clean) over the clean
//! lead-in, the scenario and the tail, and one check per evaluation that asks for nothing, so
//! that promtool prints what it got: every `ALERTS` series and every SLO's remaining budget.

use std::collections::BTreeSet;

use crate::compile::scenarios::{
    self, ExprTest, InputSeries, MAX_HISTORY_STEPS, TestFile, TestGroup,
};
use crate::model::{Decimal, Duration, Service, Settings, Slo};
use crate::names;

/// The drill's time line: an idle warm-up (no traffic yet), clean traffic `before`, the
/// scenario `during`, clean traffic `after`. Every span is a whole number of evaluations.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) step: Duration,
    pub(crate) warm_up: Duration,
    pub(crate) before: Duration,
    pub(crate) during: Duration,
    pub(crate) after: Duration,
}

impl Plan {
    /// The time (since the series' first sample) the scenario starts at.
    pub(crate) fn start(&self) -> Duration {
        Duration::from_millis(
            self.warm_up
                .as_millis()
                .saturating_add(self.before.as_millis()),
        )
    }

    /// Evaluations from the scenario's start to the end of the tail.
    pub(crate) fn evaluations(&self) -> u64 {
        self.during
            .as_millis()
            .saturating_add(self.after.as_millis())
            / self.step.as_millis().max(1)
    }

    /// Fails when the drill spans more evaluations than promtool can load samples of.
    pub(crate) fn check_span(&self) -> Result<(), String> {
        let span = (self.start().as_millis() / self.step.as_millis().max(1))
            .saturating_add(self.evaluations());
        if span > MAX_HISTORY_STEPS {
            return Err(format!(
                "the drill spans {span} evaluations of {}: promtool loads at most 10,000 samples per query, so at most {MAX_HISTORY_STEPS} fit; shorten the scenario, --before or --after",
                self.step
            ));
        }
        Ok(())
    }

    /// The evaluation the scenario stops at.
    pub(crate) fn stop(&self) -> u64 {
        self.during.as_millis() / self.step.as_millis().max(1)
    }

    /// The evaluation time of evaluation `k` after the start.
    pub(crate) fn eval_time(&self, k: u64) -> Duration {
        Duration::from_millis(
            self.start()
                .as_millis()
                .saturating_add(k.saturating_mul(self.step.as_millis())),
        )
    }
}

/// The clean lead-in when none is asked for: the longest long window of the struck SLOs' page
/// tiers (of any tier when none pages), so that those windows hold clean history when the
/// scenario starts, as they do on a server that has been running.
pub(crate) fn default_before(slos: &[&Slo]) -> Duration {
    let longest = |page: bool| {
        slos.iter()
            .flat_map(|s| s.alerts.iter())
            .filter(|a| !page || a.severity_kind == crate::model::SeverityKind::Page)
            .map(|a| a.long_window)
            .max()
    };
    longest(true)
        .or_else(|| longest(false))
        .unwrap_or(Duration::from_mins(60))
}

/// The clean tail when none is asked for: long enough for every burn-rate alert of the struck
/// SLOs to resolve after the scenario ends: its short window and `keep_firing_for`, the base
/// window the recorded rates still hold, the raw read's span and two evaluations.
pub(crate) fn default_after(slos: &[&Slo], settings: &Settings) -> Duration {
    let linger = slos
        .iter()
        .flat_map(|s| s.alerts.iter())
        .map(|a| a.short_window.as_millis() + a.keep_firing_for.as_millis())
        .max()
        .unwrap_or(0);
    let step = settings.evaluation_interval.as_millis().max(1);
    let ms = linger + settings.base_window.as_millis() + settings.raw_span().as_millis() + 2 * step;
    Duration::from_millis(ms.div_ceil(step) * step)
}

/// `d` checked to be a whole number of evaluation intervals.
pub(crate) fn whole(what: &str, d: Duration, step: Duration) -> Result<Duration, String> {
    if d.as_millis().is_multiple_of(step.as_millis().max(1)) {
        Ok(d)
    } else {
        Err(format!(
            "{what} {d} is not a whole number of evaluation intervals ({step})"
        ))
    }
}

/// The check made at every evaluation: the alerts and the remaining budgets.
pub(crate) fn query() -> String {
    format!("{} or {}", names::ALERTS, names::BUDGET_REMAINING)
}

/// The test file of a drill of `struck` (SLOs of `service`) at error ratio `ratio`, with the
/// rule file at `rule_file`; and notes on SLOs of the service left without series.
pub(crate) fn test_file(
    service: &Service,
    struck: &[&Slo],
    ratio: Decimal,
    settings: &Settings,
    plan: &mut Plan,
    rule_file: &str,
) -> Result<(TestFile, Vec<String>), String> {
    // Before the series are built: they hold a sample per scrape of the whole span.
    plan.check_span()?;
    let mut notes = Vec::new();
    let mut series: Vec<InputSeries> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut scrape = None;
    // The struck SLOs first: where another SLO's clean series is the same series, theirs stays.
    let order = struck.iter().copied().chain(
        service
            .slos
            .iter()
            .filter(|s| !struck.iter().any(|t| t.name == s.name)),
    );
    for slo in order {
        let hit = struck.iter().any(|t| t.name == slo.name);
        let q = if hit { ratio } else { Decimal::ZERO };
        let phases: Vec<(Duration, Option<Decimal>)> = [
            (plan.before, Decimal::ZERO),
            (plan.during, q),
            (plan.after, Decimal::ZERO),
        ]
        .into_iter()
        .filter(|(d, _)| d.as_millis() > 0)
        .map(|(d, q)| (d, Some(q)))
        .collect();
        match scenarios::synthesize(slo, settings, &phases) {
            Ok(s) => {
                plan.warm_up = s.warm_up;
                scrape = Some(s.scrape);
                for x in s.series {
                    if seen.insert(x.series.clone()) {
                        series.push(x);
                    }
                }
            }
            Err(why) if hit => {
                return Err(format!(
                    "cannot build series for {}/{}: {why}",
                    slo.service, slo.name
                ));
            }
            Err(why) => notes.push(format!(
                "{}/{} gets no series ({why}): its alerts may show what missing data does",
                slo.service, slo.name
            )),
        }
    }
    let Some(scrape) = scrape else {
        return Err("no series could be built".into());
    };
    plan.check_span()?;
    let expr = query();
    let checks = (0..=plan.evaluations())
        .map(|k| ExprTest {
            expr: expr.clone(),
            eval_time: plan.eval_time(k).to_string(),
            exp_samples: Vec::new(),
        })
        .collect();
    let file = TestFile {
        rule_files: vec![rule_file.to_string()],
        evaluation_interval: settings.evaluation_interval.to_string(),
        tests: vec![TestGroup {
            name: "drill".to_string(),
            interval: scrape.to_string(),
            input_series: series,
            promql_expr_test: checks,
        }],
    };
    Ok((file, notes))
}
