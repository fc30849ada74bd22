//! The zero-traffic scenario: no series (or counters that never increase): every error ratio
//! is 0 and no burn alert is ever even pending.

use super::ctx::{QUIET_STEPS, ms};
use super::series::input_series;
use super::sim::{Phase, Reading};
use super::synth::Synthetic;
use super::{Ctx, ExprTest, TestGroup};
use crate::names;
use crate::syntax::promql;

impl Ctx<'_> {
    pub(super) fn zero_traffic(&self, s: Option<&Synthetic>) -> (TestGroup, Vec<String>) {
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
