//! Per tier, burns just around its factor: a burn just above it fires the tier (from a long
//! window of clean history where the history cap allows), a burn just below never does.

use super::ctx::{QUIET_STEPS, Run, Tier, dec, human, ms, workbook_detection_ms};
use super::sim::{Frac, Phase, Reading, TierRun};
use super::synth::Synthetic;
use super::{Ctx, TestGroup};
use crate::model::Decimal;

/// Multipliers of a tier's factor for "just above" burns. `1/m` has a denominator above
/// [`MAX_HISTORY_STEPS`](super::MAX_HISTORY_STEPS) + 1, so no window of whole evaluations can
/// hold exactly the threshold (a tie floating point could call either way). The larger ones
/// serve 0/1 samples (probes, gauge readings), which need a bad sample in every short window to
/// hold a burn through `for`.
pub(super) const ABOVE: &[&str] = &[
    "1.0501", "1.1001", "1.2001", "1.5001", "2.0001", "3.0001", "5.0001", "10.0001",
];
/// Multipliers of a tier's factor for "just below" burns.
pub(super) const BELOW: &[&str] = &["0.95", "0.9", "0.8", "0.67", "0.5"];

impl Ctx<'_> {
    fn burn_fraction(&self, t: &Tier, mult: Decimal) -> Option<(Decimal, Frac)> {
        let burn = t.alert.burn_rate.checked_mul(mult)?;
        let q = burn.checked_mul(self.slo.error_budget())?;
        if q > Decimal::ONE {
            return None;
        }
        Some((burn, Frac::from_decimal(q)?))
    }

    /// Candidate burns just above tier `t`'s factor: `(multiplier, burn rate, error ratio)`.
    fn above_candidates(&self, t: &Tier) -> Option<Vec<(Decimal, Decimal, Frac)>> {
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
        Some(candidates)
    }

    pub(super) fn above(&self, s: &Synthetic, i: usize) -> Option<(TestGroup, Vec<String>)> {
        let t = &self.tiers[i];
        let candidates = self.above_candidates(t)?;
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
            let Some((lead, fire)) = self.above_lead(s, i, burn_phase, need) else {
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
                self.long_window_exercised(t, need, lead, active)
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

    /// The clean lead-in before a burn of `burn_phase` on tier `i`, and the evaluation it fires
    /// at: `need` (the history the long window needs) when detection then fits the history
    /// cap, else the longest lead-in that does, else none.
    fn above_lead(
        &self,
        s: &Synthetic,
        i: usize,
        burn_phase: Phase,
        need: u64,
    ) -> Option<(u64, usize)> {
        let t = &self.tiers[i];
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
        found.map(|(lead, (_, fire))| (lead, fire))
    }

    /// How much of tier `t`'s long window a burn after `lead` of clean traffic exercises, the
    /// tier turning pending at evaluation `active`.
    fn long_window_exercised(&self, t: &Tier, need: u64, lead: u64, active: usize) -> String {
        let full = active as u64 * self.step >= self.warm + t.model.long_ms;
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
    }

    pub(super) fn below(&self, s: &Synthetic, i: usize) -> Option<(TestGroup, Vec<String>)> {
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
}
