//! The total-outage scenario: the fastest page tier (else the fastest tier) fires by the time
//! the model computes, and once the errors stop every page tier resolves within its short
//! window plus the base window plus `keep_firing_for`.

use super::ctx::{Run, human, ms, workbook_detection_ms};
use super::sim::{Frac, Phase, Reading};
use super::synth::Synthetic;
use super::{Ctx, TestGroup};
use crate::model::Decimal;

impl Ctx<'_> {
    pub(super) fn outage(&self, s: &Synthetic) -> Option<(TestGroup, Vec<String>)> {
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
        let k0 = self.steps(start);
        let (fired, stop) = self.outage_stop(s, lead_i, clean)?;
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
        let resets = self.outage_resets(s, &run, &fired, stop, &mut at);
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

    /// The tiers whose recovery the outage from `clean` checks, with the evaluation each fires
    /// at, and the evaluation the errors stop at: once every one of them fires.
    fn outage_stop(
        &self,
        s: &Synthetic,
        lead_i: usize,
        clean: u64,
    ) -> Option<(Vec<(usize, usize)>, usize)> {
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
        Some((fired, stop))
    }

    /// Per fired tier, when it resolves after the errors stop at `stop` (against its bound);
    /// the evaluations around it join `at`.
    fn outage_resets(
        &self,
        s: &Synthetic,
        run: &Run,
        fired: &[(usize, usize)],
        stop: usize,
        at: &mut Vec<usize>,
    ) -> Vec<String> {
        let stop_ms = stop as u64 * self.step;
        let mut resets = Vec::new();
        for (i, _) in fired {
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
        resets
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
}
