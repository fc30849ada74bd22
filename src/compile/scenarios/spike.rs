//! The spike scenario: the fastest page tier's short window at 10× its threshold (lowered until
//! the clean history before it keeps every long window under its threshold) never pages.

use super::ctx::{Run, Tier, dec, ms, round_sig};
use super::sim::{Frac, Phase};
use super::synth::Synthetic;
use super::{Ctx, ExpSample, ExprTest, TestGroup};
use crate::model::Decimal;
use crate::names::{self, label};
use crate::syntax::promql;

impl Ctx<'_> {
    pub(super) fn spike(&self, s: &Synthetic) -> Option<(TestGroup, Vec<String>)> {
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
            checks.extend(self.short_window_check(t, &run, spike_end));
            let mut at = vec![
                spike_end,
                self.steps(start + len + self.round_up(t.model.short_ms)),
                run.last(),
            ];
            checks.extend(self.checks(&run, &mut at));
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
    /// The spike does cross tier `t`'s short-window threshold at `spike_end` (its long window
    /// holds it back): the burn rate compared with the factor there, unless it is a tie.
    fn short_window_check(&self, t: &Tier, run: &Run, spike_end: usize) -> Option<ExprTest> {
        let (e, n) = run.rec.window(spike_end, t.model.short_ms);
        let (tm, ts) = t.model.threshold;
        if n <= 0 || e * 10i128.pow(ts) == tm * n {
            return None;
        }
        let above = e * 10i128.pow(ts) > tm * n;
        let burn_sel = promql::selector(
            names::BURN_RATE,
            self.identity()
                .into_iter()
                .chain([(label::WINDOW, t.alert.short_window.to_string().as_str())]),
        );
        let mut l = (*self.slo.labels).clone();
        l.insert(label::WINDOW.into(), t.alert.short_window.to_string());
        Some(ExprTest {
            expr: format!("{burn_sel} > bool {}", t.alert.burn_rate),
            eval_time: self.at(spike_end),
            exp_samples: vec![ExpSample {
                labels: promql::selector("", l.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
                value: if above { 1.0 } else { 0.0 },
            }],
        })
    }
}

/// An error ratio as a percentage.
fn share(x: Decimal) -> String {
    x.checked_mul(Decimal::from_int(100))
        .map_or_else(|| x.to_string(), |p| format!("{p}%"))
}
