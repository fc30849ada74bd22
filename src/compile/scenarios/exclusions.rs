//! The exclusion scenario: planned maintenance spends no budget and pages nobody. A total
//! outage during the SLO's first exclusion window records nothing (no burn alert is ever
//! pending, the budget stays whole); the same outage after it pages.

use super::ctx::ms;
use super::sim::{Frac, Phase};
use super::synth::Synthetic;
use super::{Ctx, ExpSample, ExprTest, TestGroup};
use crate::names::{self, alert_label, label};
use crate::syntax::promql;

impl Ctx<'_> {
    /// The first exclusion window after the warm-up (within promtool's sample limit): a total
    /// outage through it (at most 30m) leaves no burn alert pending or firing up to 10m after
    /// it and the whole budget; the same outage 2h after the window fires page-fast.
    pub(super) fn exclusion(&self, s: &Synthetic) -> Result<(TestGroup, Vec<String>), String> {
        let page = self
            .tiers
            .iter()
            .find(|t| t.page() && t.reachable)
            .ok_or("no page tier a total outage reaches")?;
        let within = i64::try_from(self.hard_max / 1000).unwrap_or(0);
        let from = i64::try_from((self.warm + self.step) / 1000).unwrap_or(0);
        let (ex, (start, end)) = self
            .slo
            .exclusions
            .iter()
            .find_map(|e| e.first_after(from, within).map(|w| (e, w)))
            .ok_or("no exclusion window within promtool's sample limit")?;
        let (start, end) = (
            u64::try_from(start).unwrap_or(0) * 1000,
            u64::try_from(end).unwrap_or(0) * 1000,
        );
        let outage = (end - start).min(30 * 60_000);
        let gap = 2 * 3_600_000;
        let tail = 30 * 60_000;
        let end_ms = end + gap + outage + tail;
        if end_ms > self.hard_max {
            return Err(format!(
                "exclusion {} ends at {}: the outage after it is beyond promtool's sample limit",
                ex.name,
                ms(end)
            ));
        }
        let parts = [
            (start - self.warm, Phase::Traffic(Frac::ZERO)),
            (outage, Phase::Traffic(Frac::ONE)),
            (end - start - outage + gap, Phase::Traffic(Frac::ZERO)),
            (outage, Phase::Traffic(Frac::ONE)),
            (tail, Phase::Traffic(Frac::ZERO)),
        ];
        let run = self
            .simulate(s, self.timeline(&parts))
            .ok_or("the series cannot hold the outage exactly")?;
        let quiet_until = end + 10 * 60_000;
        let burn = self.alerts_selector(&[]);
        let remaining = promql::selector(names::BUDGET_REMAINING, self.identity());
        let mut checks = vec![ExprTest {
            expr: format!("count_over_time({burn}[{}])", ms(quiet_until - start)),
            eval_time: self.at(self.steps(quiet_until)),
            exp_samples: Vec::new(),
        }];
        if !self.slo.budget_alerts.is_empty() || self.slo.calendar.is_some() {
            checks.push(ExprTest {
                expr: format!("count({remaining} >= 1)"),
                eval_time: self.at(self.steps(quiet_until)),
                exp_samples: vec![ExpSample {
                    labels: "{}".into(),
                    value: 1.0,
                }],
            });
        }
        let out_end = end + gap + outage;
        let firing = self.alerts_selector(&[
            (label::TIER, page.name()),
            (alert_label::ALERTSTATE, alert_label::FIRING),
        ]);
        checks.push(ExprTest {
            expr: format!("count({firing})"),
            eval_time: self.at(self.steps(out_end)),
            exp_samples: vec![ExpSample {
                labels: "{}".into(),
                value: 1.0,
            }],
        });
        let name = format!(
            "{}: a total outage of {} in exclusion {} (from {}) spends no budget and no burn alert is pending by {}; the same outage from {} fires {} by {}",
            self.slo.name,
            ms(outage),
            ex.name,
            ms(start),
            ms(quiet_until),
            ms(end + gap),
            page.name(),
            ms(out_end)
        );
        let note = format!(
            "exclusion: an outage in {} (from {}) is not recorded; the same outage outside it pages",
            ex.name,
            ms(start)
        );
        Ok((self.group(name, &run, s, checks), vec![note]))
    }
}
