//! The alert tiers over the recorded rates: each tier's expression at every evaluation (ties
//! left undecided), and Prometheus' alert state machine (pending, firing, `keep_firing_for`)
//! over it.

use super::exact::compare;
use super::recorded::Recorded;

/// An alert tier as the rules evaluate it.
#[derive(Clone, Debug)]
pub struct TierModel {
    pub long_ms: u64,
    pub short_ms: u64,
    /// The error-ratio threshold (burn rate × budget) as `(mantissa, scale)`.
    pub threshold: (i128, u32),
    pub for_ms: u64,
    pub keep_firing_ms: u64,
    /// Minimum events over the long window (0: no guard).
    pub min_events: u64,
}

/// The states of one tier at every evaluation.
#[derive(Clone, Debug, Default)]
pub struct TierRun {
    pub active: Vec<bool>,
    pub firing: Vec<bool>,
    /// Some comparison was too close to call in floating point: the run cannot be trusted.
    pub ambiguous: bool,
}

impl TierRun {
    pub fn first_firing(&self, from: usize) -> Option<usize> {
        (from..self.firing.len()).find(|&k| self.firing[k])
    }
    pub fn first_active(&self, from: usize) -> Option<usize> {
        (from..self.active.len()).find(|&k| self.active[k])
    }
    /// First evaluation at or after `from` where the tier is not firing.
    pub fn first_resolved(&self, from: usize) -> Option<usize> {
        (from..self.firing.len()).find(|&k| !self.firing[k])
    }
    pub fn ever_fires(&self) -> bool {
        self.firing.iter().any(|f| *f)
    }
}

/// Three-valued "and": false wins, then unknown.
fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// The alert's expression at every evaluation: `None` where a comparison is a tie.
fn conditions(rec: &Recorded, tier: &TierModel) -> Vec<Option<bool>> {
    let (tm, ts) = tier.threshold;
    let pow = 10i128.pow(ts);
    let above = |k: usize, w: u64| -> Option<bool> {
        let (e, n) = rec.window(k, w);
        // No traffic: the ratio is 0, never above a positive threshold.
        if n <= 0 {
            return Some(false);
        }
        compare(e * pow, tm * n).map(|o| o == std::cmp::Ordering::Greater)
    };
    (0..rec.steps())
        .map(|k| {
            // A false operand decides the "and": the others are only evaluated when it may not.
            let long = above(k, tier.long_ms);
            if long == Some(false) {
                return long;
            }
            let mut c = and3(long, above(k, tier.short_ms));
            if tier.min_events > 0 && c != Some(false) {
                c = and3(c, rec.events_at_least(k, tier.long_ms, tier.min_events));
            }
            c
        })
        .collect()
}

/// Prometheus' alert state machine over a sequence of expression results.
fn states(cond: &[bool], tier: &TierModel, step_ms: u64) -> (Vec<bool>, Vec<bool>) {
    let mut active = vec![false; cond.len()];
    let mut firing_at = vec![false; cond.len()];
    let mut active_since: Option<u64> = None;
    let mut firing = false;
    let mut keep_since: Option<u64> = None;
    for (k, c) in cond.iter().enumerate() {
        let t = k as u64 * step_ms;
        if *c {
            keep_since = None;
            let since = *active_since.get_or_insert(t);
            if !firing && t - since >= tier.for_ms {
                firing = true;
            }
        } else if firing
            && tier.keep_firing_ms > 0
            && t - *keep_since.get_or_insert(t) < tier.keep_firing_ms
        {
            // Still firing for keep_firing_for after the expression stopped returning.
        } else {
            firing = false;
            active_since = None;
            keep_since = None;
        }
        active[k] = active_since.is_some();
        firing_at[k] = firing;
    }
    (active, firing_at)
}

/// Runs one tier over the recorded rates. Ties are resolved both ways; the run is ambiguous
/// when that changes any state (the state machine is monotone in its input, so the two
/// extremes bound every mix).
pub fn run_tier(rec: &Recorded, tier: &TierModel) -> TierRun {
    let cond = conditions(rec, tier);
    let lo: Vec<bool> = cond.iter().map(|c| c.unwrap_or(false)).collect();
    let hi: Vec<bool> = cond.iter().map(|c| c.unwrap_or(true)).collect();
    let (active, firing) = states(&lo, tier, rec.step_ms);
    let ambiguous = cond.iter().any(Option::is_none)
        && states(&hi, tier, rec.step_ms) != (active.clone(), firing.clone());
    TierRun {
        active,
        firing,
        ambiguous,
    }
}
