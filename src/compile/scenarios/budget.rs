//! The error-budget scenarios: a total outage of an eighth of the budget, on a fresh start or
//! after a whole window of clean traffic, leaves about seven eighths of the budget (a young
//! window counts against the whole window), and no budget-stage alert fires.

use std::collections::BTreeMap;

use super::ctx::ms;
use super::sim::{Frac, Phase};
use super::synth::Synthetic;
use super::{Ctx, ExpSample, ExprTest, MAX_HISTORY_STEPS, TestGroup};
use crate::names::{self, label};
use crate::syntax::promql;

impl Ctx<'_> {
    /// The budget of a young window counts against the whole window: a total outage as long as
    /// an eighth of the budget (5 minutes at 99.9 % over 30d), on a fresh start (`full` false:
    /// the rules have run only since just before it) or after a whole window of clean traffic,
    /// spends about that eighth, and (where the budget left stays clear of every stage) no
    /// budget-stage alert ever fires. Checked one coarse step
    /// after the outage, when the coarse records of a window beyond the fine limit hold it.
    pub(super) fn budget(
        &self,
        s: &Synthetic,
        full: bool,
    ) -> Result<(TestGroup, Vec<String>), String> {
        // A calendar window: the length of the test's first period.
        let w = match &self.slo.calendar {
            Some(c) => c
                .bounds_at(i64::try_from(self.warm / 1000).unwrap_or(0))
                .map_or(self.slo.window.as_millis(), |(a, b)| {
                    u64::try_from(b - a).unwrap_or(0) * 1000
                }),
            None => self.slo.window.as_millis(),
        };
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
        let checks = self.budget_checks(k, remaining, stages_quiet);
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
            self.slo.window_label(),
            self.at(k)
        );
        let note = format!(
            "budget: {} of total outage {history} leaves {pct} of the budget (checked at {}){alerts}",
            ms(outage),
            self.at(k)
        );
        Ok((self.group(name, &run, s, checks), vec![note]))
    }
    /// At evaluation `k`: the budget left is `remaining` (to 0.0005), and with `stages_quiet`
    /// no budget-stage alert has fired.
    fn budget_checks(&self, k: usize, remaining: f64, stages_quiet: bool) -> Vec<ExprTest> {
        let mut l: BTreeMap<String, String> = (*self.slo.labels).clone();
        l.insert(label::WINDOW.into(), self.slo.window_label());
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
        checks
    }
}
