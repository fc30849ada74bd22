//! The calendar scenario: a calendar SLO's budget resets at the start of each period. An
//! outage that spends most of one period's budget, then a total outage in the next period's
//! first minute: the new period starts from a full budget, and its bad first minute spends a
//! minute's share of the whole period's budget, not all of it.

use std::collections::BTreeMap;

use super::ctx::ms;
use super::sim::{Frac, Phase};
use super::synth::Synthetic;
use super::{Ctx, ExpSample, ExprTest, TestGroup};
use crate::names::{self, label};
use crate::syntax::promql;

const HOUR: u64 = 3_600_000;

impl Ctx<'_> {
    /// The budget left just before the first period boundary after the test's start is below
    /// half after an outage of 60 % of that period's budget; after a total outage in the new
    /// period's first evaluation it is at least 1 − 2 × that minute's share, and no
    /// `exhausted` budget-stage alert fires after the boundary.
    pub(super) fn period_reset(&self, s: &Synthetic) -> Result<(TestGroup, Vec<String>), String> {
        let c = self.slo.calendar.as_ref().ok_or("not a calendar SLO")?;
        let (_, end) = c
            .bounds_at(i64::try_from(self.warm / 1000).unwrap_or(0))
            .ok_or("the time zone has no periods")?;
        let boundary = u64::try_from(end).map_err(|_| "a period boundary before 1970")? * 1000;
        let (next_start, next_end) = c.bounds_at(end).ok_or("the time zone has no periods")?;
        let len = u64::try_from(next_end - next_start).unwrap_or(1) * 1000;
        let budget = self.slo.error_budget().to_f64();
        let outage = self.round_up(((len as f64 * budget * 0.6) as u64).max(self.step));
        let gap = self.round_up(HOUR + 10 * self.step);
        let after = (self.windows.coarse_evals + 2) * self.step;
        let lead = boundary
            .checked_sub(self.warm + outage + gap)
            .filter(|l| l % self.step == 0)
            .ok_or_else(|| {
                format!(
                    "the first {} boundary after the start, at {}, leaves no room for the outage before it",
                    c.period.as_str(),
                    ms(boundary)
                )
            })?;
        let end_ms = boundary + self.step + after;
        if end_ms > self.hard_max {
            return Err(format!(
                "the first {} boundary after the start, at {}, is beyond promtool's sample limit",
                c.period.as_str(),
                ms(boundary)
            ));
        }
        let parts = [
            (lead, Phase::Traffic(Frac::ZERO)),
            (outage, Phase::Traffic(Frac::ONE)),
            (gap, Phase::Traffic(Frac::ZERO)),
            (self.step, Phase::Traffic(Frac::ONE)),
            (after, Phase::Traffic(Frac::ZERO)),
        ];
        let run = self
            .simulate(s, self.timeline(&parts))
            .ok_or("the series cannot hold the outage exactly")?;
        let k_before = self.steps(boundary - self.step);
        let k_end = self.steps(end_ms);
        let first = self.step as f64 / (len as f64 * budget);
        let floor = 1.0 - 2.0 * first;
        let mut l: BTreeMap<String, String> = (*self.slo.labels).clone();
        l.insert(label::WINDOW.into(), self.slo.window_label());
        let labels = promql::selector("", l.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let remaining = promql::selector(names::BUDGET_REMAINING, self.identity());
        let exhausted: Vec<String> = self
            .identity()
            .into_iter()
            .chain([(label::BUDGET_STAGE, "exhausted")])
            .map(|(k, v)| format!("{k}={}", promql::string_literal(v)))
            .collect();
        let checks = vec![
            ExprTest {
                expr: format!("({remaining} < 0.5) * 0 + 1"),
                eval_time: self.at(k_before),
                exp_samples: vec![ExpSample {
                    labels: labels.clone(),
                    value: 1.0,
                }],
            },
            ExprTest {
                expr: format!("({remaining} >= {floor:.4}) * 0 + 1"),
                eval_time: self.at(k_end),
                exp_samples: vec![ExpSample { labels, value: 1.0 }],
            },
            ExprTest {
                expr: format!(
                    "count_over_time({}{{{}}}[{}])",
                    names::ALERTS,
                    exhausted.join(","),
                    ms(end_ms - boundary - self.step)
                ),
                eval_time: self.at(k_end),
                exp_samples: Vec::new(),
            },
        ];
        let name = format!(
            "{}: the {} budget resets at the period boundary at {} ({}): an outage of {} before it leaves less than 50%; a total outage in the new period's first {} leaves at least {:.1}% at {}, and no exhausted alert",
            self.slo.name,
            c.period.as_str(),
            ms(boundary),
            c.timezone,
            ms(outage),
            ms(self.step),
            floor * 100.0,
            self.at(k_end)
        );
        let note = format!(
            "calendar: the budget resets at the {} boundary at {} ({}) (checked before it and at {})",
            c.period.as_str(),
            ms(boundary),
            c.timezone,
            self.at(k_end)
        );
        Ok((self.group(name, &run, s, checks), vec![note]))
    }
}
