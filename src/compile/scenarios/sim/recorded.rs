//! What the recording rules hold at every evaluation: the error and total rates the raw read
//! records for each kind of reading (counters, probes, gauge points), over one common
//! denominator, with their fine and coarse window sums and the budget's coverage.

use super::exact::{compare, gcd_i};
use super::timeline::{Phase, Timeline, point_badness};

/// How the raw series are read into the per-evaluation event rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// Counters through `rate()` (`per_second`) or `increase()` over the base window. With
    /// `ratio`, the recorded errors are the ratio errors/total and the total is 1 (a raw
    /// error-ratio query).
    Counters { per_second: bool, ratio: bool },
    /// A 0/1 gauge: samples at 0 are errors, every sample in (t-base, t] counts.
    Probe,
    /// A 0/1 reading of a gauge averaged by a subquery with this step over the base window
    /// (its points in `(t-base, t]`); the recorded total is 1.
    Points { point_ms: u64 },
}

/// Exact recorded event rates at every evaluation, over one common denominator.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub step_ms: u64,
    /// Numerators of the recorded error rates, per evaluation (the totals' are summed in `pn`).
    pub err: Vec<i128>,
    pub den: i128,
    pe: Vec<i128>,
    pn: Vec<i128>,
    /// Windows longer than this average the coarse rates.
    fine_ms: u64,
    /// Evaluations one coarse rate sums.
    coarse_evals: usize,
    /// Prefix sums of the coarse sums of errors and totals (the coarse rates times
    /// `coarse_evals`); evaluation 0 has no coarse rate.
    ph_e: Vec<i128>,
    ph_n: Vec<i128>,
    /// Prefix counts of the evaluations that recorded a total (absent while the SLI's series
    /// give nothing: before a counter has two samples a base window apart, or without probes).
    pp: Vec<usize>,
}

/// How the windows of the rules are read (see [`crate::model::Settings`]).
#[derive(Clone, Copy, Debug)]
pub struct Windows {
    pub step_ms: u64,
    pub base_ms: u64,
    /// The raw read's span, in whole scrapes (its range is 1ms less).
    pub span_ms: u64,
    pub fine_ms: u64,
    pub coarse_evals: u64,
}

struct R {
    num: i128,
    den: i128,
}

/// The rates each evaluation records (errors, total), and whether it recorded a total.
type Rates = (Vec<(R, R)>, Vec<bool>);

impl Recorded {
    /// Evaluations `0..=last_step` over `timeline`, with `volume` events per scrape for
    /// counters, the windows read as `w` says (`w.span_ms` is the span of the counters' raw
    /// read).
    pub fn compute(
        timeline: &Timeline,
        reading: Reading,
        volume: u64,
        w: Windows,
    ) -> Option<Recorded> {
        let (scrape, base_ms) = (timeline.scrape_ms, w.base_ms);
        if !w.span_ms.is_multiple_of(scrape)
            || base_ms % scrape != 0
            || base_ms % 1000 != 0
            || w.span_ms <= base_ms
        {
            return None;
        }
        let (raw, present) = match reading {
            Reading::Counters { per_second, ratio } => {
                counter_rates(timeline, volume, w, per_second, ratio)?
            }
            Reading::Probe => probe_rates(timeline, w)?,
            Reading::Points { point_ms } => point_rates(timeline, w, point_ms)?,
        };
        Recorded::from_rates(&raw, &present, w)
    }

    /// The recorded rates over one common denominator, with their prefix sums.
    fn from_rates(raw: &[(R, R)], present: &[bool], w: Windows) -> Option<Recorded> {
        // Most evaluations share a denominator: each distinct one in a row is folded in (and
        // divided out below) once.
        let mut den: i128 = 1;
        let mut last = 1;
        for (e, n) in raw {
            for d in [e.den, n.den] {
                if d != last {
                    den = den.checked_mul(d / gcd_i(den, d))?;
                    last = d;
                }
            }
        }
        let scale = |d: i128, memo: &mut (i128, i128)| {
            if memo.0 != d {
                *memo = (d, den / d);
            }
            memo.1
        };
        let (mut me, mut mn) = ((1, den), (1, den));
        let err: Vec<i128> = raw
            .iter()
            .map(|(e, _)| e.num * scale(e.den, &mut me))
            .collect();
        let tot: Vec<i128> = raw
            .iter()
            .map(|(_, n)| n.num * scale(n.den, &mut mn))
            .collect();
        let mut pe = vec![0i128; err.len() + 1];
        let mut pn = vec![0i128; tot.len() + 1];
        for i in 0..err.len() {
            pe[i + 1] = pe[i].checked_add(err[i])?;
            pn[i + 1] = pn[i].checked_add(tot[i])?;
        }
        // The coarse sums: evaluation j (from 1) sums the recorded rates of j-c … j-1.
        let c = usize::try_from(w.coarse_evals).ok()?.max(1);
        let mut ph_e = vec![0i128; err.len() + 1];
        let mut ph_n = vec![0i128; err.len() + 1];
        for j in 1..err.len() {
            let a = j.saturating_sub(c);
            ph_e[j + 1] = ph_e[j].checked_add(pe[j] - pe[a])?;
            ph_n[j + 1] = ph_n[j].checked_add(pn[j] - pn[a])?;
        }
        let mut pp = vec![0usize; present.len() + 1];
        for (i, p) in present.iter().enumerate() {
            pp[i + 1] = pp[i] + usize::from(*p);
        }
        Some(Recorded {
            pp,
            step_ms: w.step_ms,
            err,
            den,
            pe,
            pn,
            fine_ms: w.fine_ms,
            coarse_evals: c,
            ph_e,
            ph_n,
        })
    }

    pub fn steps(&self) -> usize {
        self.err.len()
    }

    /// The evaluations a window of `window_ms` read at evaluation `k` is made of: `k-m … k-1`,
    /// and for a coarse window no earlier than 1 (the first coarse rate).
    fn span(&self, k: usize, window_ms: u64) -> (usize, usize) {
        let m = usize::try_from(window_ms / self.step_ms).unwrap_or(usize::MAX);
        let first = if self.is_coarse(window_ms) {
            k.saturating_sub(m).max(1)
        } else {
            k.saturating_sub(m)
        };
        (first.min(k), k)
    }

    /// Whether coarse evaluation `j` (from 1) wrote its rates and coverage: only when one of
    /// the evaluations it covers, `j-c … j-1`, recorded a total.
    fn coarse_recorded(&self, j: usize) -> bool {
        j >= 1 && self.pp[j] > self.pp[j.saturating_sub(self.coarse_evals)]
    }

    fn is_coarse(&self, window_ms: u64) -> bool {
        window_ms > self.fine_ms
    }

    /// Error and total sums of window `window_ms` at evaluation `k`, in a common unit: the
    /// recorded rates' numerators, or for a coarse window the coarse sums'.
    pub fn window(&self, k: usize, window_ms: u64) -> (i128, i128) {
        let (a, b) = self.span(k, window_ms);
        if self.is_coarse(window_ms) {
            (self.ph_e[b] - self.ph_e[a], self.ph_n[b] - self.ph_n[a])
        } else {
            (self.pe[b] - self.pe[a], self.pn[b] - self.pn[a])
        }
    }

    /// Whether the events the rules count in window `window_ms` at evaluation `k` reach
    /// `min`: the recorded rates times the interval, or the mean coarse rate times the window.
    pub fn events_at_least(&self, k: usize, window_ms: u64, min: u64) -> Option<bool> {
        let (a, b) = self.span(k, window_ms);
        let (_, n) = self.window(k, window_ms);
        let (lhs, rhs) = if self.is_coarse(window_ms) {
            let records = (a..b).filter(|j| self.coarse_recorded(*j)).count();
            if records == 0 {
                return Some(min == 0);
            }
            let evals = i128::try_from(records * self.coarse_evals).ok()?;
            (
                n.checked_mul(i128::from(window_ms / 1000))?,
                i128::from(min).checked_mul(self.den)?.checked_mul(evals)?,
            )
        } else {
            (
                n.checked_mul(i128::from(self.step_ms / 1000))?,
                i128::from(min).checked_mul(self.den)?,
            )
        };
        compare(lhs, rhs).map(|o| o != std::cmp::Ordering::Less)
    }
}

impl Recorded {
    /// The share of an SLO window of `window_ms` the budget counts as covered at evaluation
    /// `k`, as the rules compute it (exact, at most 1): up to the fine limit, the recorded
    /// totals in the window over the evaluations it holds; beyond it, the sum of the coarse
    /// coverages in the window (coarse evaluation `j`, from 1, covers the recorded totals of
    /// evaluations `j-c … j-1` out of `c`) over the coarse records of the last coarse step (at
    /// least 1), times `c`, over the evaluations the window holds.
    pub fn covered(&self, k: usize, window_ms: u64) -> (u128, u128) {
        let m = (window_ms / self.step_ms).max(1) as u128;
        let (num, den) = if self.is_coarse(window_ms) {
            let c = self.coarse_evals;
            let (a, b) = self.span(k, window_ms);
            let sum: u128 = (a..b)
                .map(|j| (self.pp[j] - self.pp[j.saturating_sub(c)]) as u128)
                .sum();
            let records = (k.saturating_sub(c).max(1)..k)
                .filter(|j| self.coarse_recorded(*j))
                .count()
                .max(1) as u128;
            // (sum / c) / records * c / m
            (sum, records * m)
        } else {
            let (a, b) = self.span(k, window_ms);
            ((self.pp[b] - self.pp[a]) as u128, m)
        };
        if num >= den { (1, 1) } else { (num, den) }
    }

    /// `slo:error_budget_remaining:ratio` at evaluation `k` for an SLO window of `window_ms`
    /// and an error budget of `budget` (close to exact: the exact terms in one floating-point
    /// expression).
    pub fn budget_remaining(&self, k: usize, window_ms: u64, budget: f64) -> f64 {
        let (e, n) = self.window(k, window_ms);
        let ratio = if n > 0 { e as f64 / n as f64 } else { 0.0 };
        let (cn, cd) = self.covered(k, window_ms);
        1.0 - ratio * (cn as f64 / cd as f64) / budget
    }
}

/// Counters read through `rate()` or `increase()` over the base window.
fn counter_rates(
    timeline: &Timeline,
    volume: u64,
    w: Windows,
    per_second: bool,
    ratio: bool,
) -> Option<Rates> {
    let (step_ms, base_ms, scrape) = (w.step_ms, w.base_ms, timeline.scrape_ms);
    let steps = timeline.end_ms() / step_ms;
    let mut raw: Vec<(R, R)> = Vec::with_capacity(usize::try_from(steps + 1).ok()?);
    let mut present: Vec<bool> = Vec::with_capacity(raw.capacity());
    let n_samples = usize::try_from(timeline.last_sample() + 1).ok()?;
    let base_samples = base_ms / scrape;
    let base_secs = i128::from(base_ms / 1000);
    // Prefix sums of error and total increments (sample 0 carries none); every
    // sample of a segment carries the same increments.
    let mut ce = vec![0i128; n_samples];
    let mut cn = vec![0i128; n_samples];
    let mut j = 1;
    for (count, phase) in &timeline.segments {
        let (e, n) = match phase.fraction() {
            None => (0, 0),
            Some(f) => {
                let n = u128::from(volume);
                let e = n * u128::from(f.num);
                if e % u128::from(f.den) != 0 {
                    return None;
                }
                (
                    i128::try_from(e / u128::from(f.den)).ok()?,
                    i128::try_from(n).ok()?,
                )
            }
        };
        for _ in 0..*count {
            ce[j] = ce[j - 1] + e;
            cn[j] = cn[j - 1] + n;
            j += 1;
        }
    }
    for k in 0..=steps {
        let j = k * step_ms / scrape;
        let (e, n) = if j < base_samples {
            // A window reaching before the first sample: only exact when nothing
            // happened yet, which the warm-up guarantees.
            if ce[usize::try_from(j).ok()?] != 0 || cn[usize::try_from(j).ok()?] != 0 {
                return None;
            }
            (0, 0)
        } else {
            let (a, b) = (
                usize::try_from(j - base_samples).ok()?,
                usize::try_from(j).ok()?,
            );
            (ce[b] - ce[a], cn[b] - cn[a])
        };
        // The range holds the base window's samples and starts one scrape (less
        // 1ms) before the first: `rate()` extrapolates the increase to the range and
        // divides by it, which is the base window's increase per second;
        // `increase()` is that increase times range / base window.
        let (mul, d) = if per_second {
            (1, base_secs)
        } else {
            (i128::from(w.span_ms - 1), i128::from(base_ms))
        };
        present.push(ratio || j >= base_samples);
        raw.push(if ratio {
            if n > 0 {
                (R { num: e, den: n }, R { num: 1, den: 1 })
            } else {
                (R { num: 0, den: 1 }, R { num: 1, den: 1 })
            }
        } else {
            (
                R {
                    num: e * mul,
                    den: d,
                },
                R {
                    num: n * mul,
                    den: d,
                },
            )
        });
    }
    Some((raw, present))
}

/// A 0/1 probe: every sample in the base window counts.
fn probe_rates(timeline: &Timeline, w: Windows) -> Option<Rates> {
    let (step_ms, base_ms, scrape) = (w.step_ms, w.base_ms, timeline.scrape_ms);
    let steps = timeline.end_ms() / step_ms;
    let mut raw: Vec<(R, R)> = Vec::with_capacity(usize::try_from(steps + 1).ok()?);
    let mut present: Vec<bool> = Vec::with_capacity(raw.capacity());
    let base_samples = base_ms / scrape;
    let base_secs = i128::from(base_ms / 1000);
    let samples = timeline.per_sample();
    let mut ce = vec![0i128; samples.len() + 1];
    let mut cn = vec![0i128; samples.len() + 1];
    for (j, (p, i)) in samples.iter().enumerate() {
        let (e, n) = match p {
            Phase::Idle => (0, 0),
            p => (i128::from(p.bad(*i)), 1),
        };
        ce[j + 1] = ce[j] + e;
        cn[j + 1] = cn[j] + n;
    }
    // The rule counts the samples in (t-base, t].
    for k in 0..=steps {
        let j = usize::try_from(k * step_ms / scrape).ok()?;
        let a = (j + 1).saturating_sub(usize::try_from(base_samples).ok()?);
        present.push(cn[j + 1] > cn[a]);
        raw.push((
            R {
                num: ce[j + 1] - ce[a],
                den: base_secs,
            },
            R {
                num: cn[j + 1] - cn[a],
                den: base_secs,
            },
        ));
    }
    Some((raw, present))
}

/// A gauge's 0/1 readings averaged by a subquery with steps of `point_ms`.
fn point_rates(timeline: &Timeline, w: Windows, point_ms: u64) -> Option<Rates> {
    let (step_ms, base_ms, scrape) = (w.step_ms, w.base_ms, timeline.scrape_ms);
    let steps = timeline.end_ms() / step_ms;
    let mut raw: Vec<(R, R)> = Vec::with_capacity(usize::try_from(steps + 1).ok()?);
    let mut present: Vec<bool> = Vec::with_capacity(raw.capacity());
    let last = timeline.last_sample();
    if !point_ms.is_multiple_of(scrape) {
        return None;
    }
    let bad = point_badness(timeline, point_ms);
    for k in 0..=steps {
        let t = k * step_ms;
        // Subquery points in `(t-base, t]`.
        let first = if t >= base_ms {
            (t - base_ms) / point_ms * point_ms + point_ms
        } else {
            0
        };
        let (mut b, mut c) = (0i128, 0i128);
        let mut tau = first;
        while tau <= t {
            let j = tau / scrape;
            if j <= last
                && let Some(v) = bad[usize::try_from(j).ok()?]
            {
                c += 1;
                b += i128::from(v);
            }
            tau += point_ms;
        }
        present.push(true);
        raw.push(if c > 0 {
            (R { num: b, den: c }, R { num: 1, den: 1 })
        } else {
            (R { num: 0, den: 1 }, R { num: 1, den: 1 })
        });
    }
    Some((raw, present))
}
