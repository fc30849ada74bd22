//! Exact model of the generated rules over a synthetic timeline: what the recorded event rates
//! hold at every evaluation, and when each alert tier is pending, firing and resolved. The
//! generated promtool tests are written from it, so every expected alert set is computed with
//! integer arithmetic rather than guessed.
//!
//! The model follows `promtool test rules` as Prometheus 2.42, 2.53 and 3.5 run it alike:
//! every rule group is evaluated at every multiple of the evaluation interval from 0 (promtool
//! ignores a group's own interval, so the coarse rates are recorded every evaluation too); the
//! rules' ranges are `[w - 1ms]`, which hold the samples in `(t-w, t]` under both range
//! semantics; the raw read spans the base window plus one scrape less 1ms, so `rate()` holds
//! the base window's increase per second exactly (the synthetic counters never start at 0, so
//! the extrapolation to the range's start is never cut short); a window read at evaluation `k`
//! is made of evaluations `k-m … k-1` (`offset` one interval); an alert becomes active on the
//! first evaluation its expression returns a result, fires once it has been active for `for`,
//! and after its expression stops returning a result keeps firing until `keep_firing_for` has
//! passed.

use crate::model::Decimal;

/// A non-negative exact fraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frac {
    pub num: u64,
    pub den: u64,
}

impl Frac {
    pub const ZERO: Frac = Frac { num: 0, den: 1 };
    pub const ONE: Frac = Frac { num: 1, den: 1 };

    pub fn new(num: u64, den: u64) -> Frac {
        let g = gcd(num, den).max(1);
        Frac {
            num: num / g,
            den: den / g,
        }
    }

    /// The fraction of a decimal in [0, 1].
    pub fn from_decimal(d: Decimal) -> Option<Frac> {
        let (m, s) = decimal_parts(d)?;
        let m = u64::try_from(m).ok()?;
        let den = 10u64.checked_pow(s)?;
        (m <= den).then(|| Frac::new(m, den))
    }

    pub fn to_decimal(self) -> Option<Decimal> {
        Decimal::from_int(i64::try_from(self.num).ok()?)
            .checked_div(Decimal::from_int(i64::try_from(self.den).ok()?))
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }
}

pub fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

pub fn lcm(a: u64, b: u64) -> Option<u64> {
    if a == 0 || b == 0 {
        return Some(a.max(b));
    }
    (a / gcd(a, b)).checked_mul(b)
}

fn gcd_i(a: i128, b: i128) -> i128 {
    if b == 0 { a.abs() } else { gcd_i(b, a % b) }
}

/// `(mantissa, scale)` of a decimal: `0.0144` → `(144, 4)`.
pub fn decimal_parts(d: Decimal) -> Option<(i128, u32)> {
    let s = d.to_string();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.as_str()),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let m: i128 = format!("{int}{frac}").parse().ok()?;
    Some((if neg { -m } else { m }, u32::try_from(frac.len()).ok()?))
}

/// What a stretch of the timeline carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Counters flat, gauges and probes absent.
    Idle,
    /// Traffic with this fraction of bad events (or bad probe samples, or bad gauge readings);
    /// 0/1 samples are bad at the end of each stretch of `1/fraction` samples.
    Traffic(Frac),
    /// The same, with 0/1 samples bad at the start of each stretch: a burn shows at once.
    TrafficEarly(Frac),
}

impl Phase {
    pub fn fraction(self) -> Option<Frac> {
        match self {
            Phase::Idle => None,
            Phase::Traffic(f) | Phase::TrafficEarly(f) => Some(f),
        }
    }

    /// Whether the `i`-th (1-based) 0/1 sample of a segment of this phase is bad.
    pub fn bad(self, i: u64) -> bool {
        match self {
            Phase::Idle => false,
            Phase::Traffic(f) => is_bad(f, i),
            // Shift the even spread so that its first bad item comes first.
            Phase::TrafficEarly(f) => i > 0 && f.num > 0 && is_bad(f, i + (f.den - 1) / f.num),
        }
    }
}

/// Phases at scrape resolution from time 0. Sample 0 belongs to the first segment; sample `j`
/// (j ≥ 1) carries the increase over the scrape interval that ends at it.
#[derive(Clone, Debug)]
pub struct Timeline {
    pub scrape_ms: u64,
    pub segments: Vec<(u64, Phase)>,
}

impl Timeline {
    pub fn new(scrape_ms: u64) -> Timeline {
        Timeline {
            scrape_ms,
            segments: Vec::new(),
        }
    }

    /// Appends `ms` (a multiple of the scrape interval) of `phase`.
    pub fn push(&mut self, ms: u64, phase: Phase) {
        let n = ms / self.scrape_ms;
        if n == 0 {
            return;
        }
        match self.segments.last_mut() {
            Some((c, p)) if *p == phase => *c += n,
            _ => self.segments.push((n, phase)),
        }
    }

    /// Index of the last sample.
    pub fn last_sample(&self) -> u64 {
        self.segments.iter().map(|(c, _)| c).sum()
    }

    pub fn end_ms(&self) -> u64 {
        self.last_sample() * self.scrape_ms
    }

    /// Phase of every sample and its 1-based position in its segment (0 for sample 0).
    pub fn per_sample(&self) -> Vec<(Phase, u64)> {
        let mut out = Vec::with_capacity(usize::try_from(self.last_sample() + 1).unwrap_or(0));
        let first = self.segments.first().map_or(Phase::Idle, |(_, p)| *p);
        out.push((first, 0));
        for (count, phase) in &self.segments {
            for i in 1..=*count {
                out.push((*phase, i));
            }
        }
        out
    }
}

/// Whether the `i`-th (1-based) item of a run with bad fraction `f` is bad: bad items are spread
/// evenly, `⌊i·f⌋` of the first `i` being bad.
pub fn is_bad(f: Frac, i: u64) -> bool {
    if i == 0 || f.num == 0 {
        return false;
    }
    let a = u128::from(i) * u128::from(f.num) / u128::from(f.den);
    let b = u128::from(i - 1) * u128::from(f.num) / u128::from(f.den);
    a > b
}

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
    /// Numerators of the recorded error and total rates, per evaluation.
    pub err: Vec<i128>,
    pub tot: Vec<i128>,
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

impl Recorded {
    /// Evaluations `0..=last_step` over `timeline`, with `volume` events per scrape for
    /// counters.
    /// `range_ms` is the range of the counters' raw read (the base window, or one scrape
    /// interval more with exact windows).
    pub fn compute(
        timeline: &Timeline,
        reading: Reading,
        volume: u64,
        w: Windows,
    ) -> Option<Recorded> {
        let (step_ms, base_ms) = (w.step_ms, w.base_ms);
        let scrape = timeline.scrape_ms;
        let last = timeline.last_sample();
        let n_samples = usize::try_from(last + 1).ok()?;
        let steps = timeline.end_ms() / step_ms;
        let base_samples = base_ms / scrape;
        let base_secs = i128::from(base_ms / 1000);
        if !w.span_ms.is_multiple_of(scrape)
            || base_ms % scrape != 0
            || base_ms % 1000 != 0
            || w.span_ms <= base_ms
        {
            return None;
        }
        let mut raw: Vec<(R, R)> = Vec::with_capacity(usize::try_from(steps + 1).ok()?);
        let mut present: Vec<bool> = Vec::with_capacity(raw.capacity());
        match reading {
            Reading::Counters { per_second, ratio } => {
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
            }
            Reading::Probe => {
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
            }
            Reading::Points { point_ms } => {
                if point_ms % scrape != 0 {
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
            }
        }
        // Most evaluations share a denominator: each distinct one in a row is folded in (and
        // divided out below) once.
        let mut den: i128 = 1;
        let mut last = 1;
        for (e, n) in &raw {
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
            step_ms,
            err,
            tot,
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

/// Per sample: `None` when the gauge has no sample, else whether its reading is bad. Only the
/// samples on subquery points are read; bad points are spread evenly in their segment, and the
/// samples between two points repeat the reading of the point before them.
pub fn point_badness(timeline: &Timeline, point_ms: u64) -> Vec<Option<bool>> {
    let per_point = (point_ms / timeline.scrape_ms).max(1);
    let mut out = Vec::new();
    let mut points = 0u64;
    let mut status = false;
    for (j, (phase, i)) in timeline.per_sample().into_iter().enumerate() {
        if i <= 1 {
            points = 0;
            status = false;
        }
        match phase {
            Phase::Idle => out.push(None),
            p => {
                if (j as u64).is_multiple_of(per_point) {
                    points += 1;
                    status = p.bad(points);
                }
                out.push(Some(status));
            }
        }
    }
    out
}

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

/// `a` compared with `b`, both exact; `None` when they are within a relative 1e-11 of each
/// other, closer than the floating-point sums of up to 10,000 recorded rates may tell apart.
fn compare(a: i128, b: i128) -> Option<std::cmp::Ordering> {
    let d = (a - b).abs();
    let scale = a.abs().max(b.abs());
    if d == 0 || d.checked_mul(100_000_000_000).is_some_and(|x| x <= scale) {
        return None;
    }
    Some(a.cmp(&b))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_items_are_spread_evenly() {
        let f = Frac::new(1, 4);
        let bad: Vec<bool> = (1..=8).map(|i| is_bad(f, i)).collect();
        assert_eq!(bad, [false, false, false, true, false, false, false, true]);
        assert!((1..=5).all(|i| is_bad(Frac::ONE, i)));
        assert!((1..=5).all(|i| !is_bad(Frac::ZERO, i)));
        assert_eq!(
            Frac::from_decimal(Decimal::parse("0.0144").unwrap()),
            Some(Frac::new(18, 1250))
        );
        let early: Vec<bool> = (1..=8).map(|i| Phase::TrafficEarly(f).bad(i)).collect();
        assert_eq!(
            early,
            [true, false, false, false, true, false, false, false]
        );
    }

    #[test]
    fn total_outage_on_one_hour_window() {
        // 1m evaluations, 15s scrapes: 1h idle warm-up is not needed here, 1m is.
        let mut tl = Timeline::new(15_000);
        tl.push(60_000, Phase::Idle);
        tl.push(60 * 60_000, Phase::Traffic(Frac::ZERO));
        tl.push(30 * 60_000, Phase::Traffic(Frac::ONE));
        let w = Windows {
            step_ms: 60_000,
            base_ms: 60_000,
            span_ms: 75_000,
            fine_ms: 3 * 86_400_000,
            coarse_evals: 60,
        };
        let rec = Recorded::compute(
            &tl,
            Reading::Counters {
                per_second: true,
                ratio: false,
            },
            10,
            w,
        )
        .unwrap();
        let tier = TierModel {
            long_ms: 3_600_000,
            short_ms: 300_000,
            threshold: (144, 4),
            for_ms: 120_000,
            keep_firing_ms: 0,
            min_events: 0,
        };
        let run = run_tier(&rec, &tier);
        assert!(!run.ambiguous);
        // The outage starts at 61m; the window read at 63m ends at 62m and holds one bad
        // minute of 60: 1/60 > 0.0144.
        assert_eq!(run.first_active(0), Some(63));
        assert_eq!(run.first_firing(0), Some(65));
    }
}
