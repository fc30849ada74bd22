//! The synthetic timeline: phases of traffic at scrape resolution, and which 0/1 samples (or
//! gauge readings) of a phase are bad.

use super::exact::Frac;

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
