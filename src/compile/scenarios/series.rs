//! The synthetic input series as promtool reads them: the scrape interval, the events per
//! scrape that make every phase's error ratio exact, and the `values` text of each series over
//! a timeline (counters, 0/1 probes, gauges) in promtool's expanding notation.

use super::sim::{self, Frac, Phase, Reading, Timeline};
use super::synth::{self, Role, Synthetic};
use super::{InputSeries, SCRAPE};
use crate::model::{Decimal, Duration, Settings, Slo};

/// The scrape interval of the synthetic series: [`SCRAPE`], or less when that does not divide
/// the evaluation interval, the base window and the raw read's span.
pub(super) fn scrape_ms(settings: &Settings) -> u64 {
    gcd(
        gcd(
            gcd(
                settings.evaluation_interval.as_millis(),
                settings.base_window.as_millis(),
            ),
            settings.raw_span().as_millis(),
        ),
        SCRAPE.as_millis(),
    )
}

fn gcd(a: u64, b: u64) -> u64 {
    sim::gcd(a, b).max(1)
}

/// Synthetic input series of one SLO, as the generated tests feed them to promtool.
#[derive(Debug, Clone)]
pub struct Synthesis {
    /// The series' `interval`.
    pub scrape: Duration,
    /// The idle stretch before the first phase (every rate window then lies after the first
    /// sample).
    pub warm_up: Duration,
    pub series: Vec<InputSeries>,
}

/// The series of an SLO over `phases` (after the warm-up): `(duration, error ratio)`, `None`
/// for no traffic. Durations are whole evaluation intervals. For measurements of one's own
/// (docs/alert-quality.md is made this way).
pub fn synthesize(
    slo: &Slo,
    settings: &Settings,
    phases: &[(Duration, Option<Decimal>)],
) -> Result<Synthesis, String> {
    let s = synth::synthesize(&slo.sli)?;
    let step = settings.evaluation_interval.as_millis();
    let scrape = scrape_ms(settings);
    let warm = settings.raw_span().as_millis().max(step).div_ceil(step) * step;
    let mut tl = Timeline::new(scrape);
    tl.push(warm, Phase::Idle);
    for (d, q) in phases {
        if d.as_millis() % step != 0 {
            return Err(format!("{d} is not a whole number of evaluation intervals"));
        }
        let phase = match q {
            None => Phase::Idle,
            Some(q) => Phase::Traffic(
                Frac::from_decimal(*q)
                    .ok_or_else(|| format!("error ratio {q} is not in [0, 1]"))?,
            ),
        };
        tl.push(d.as_millis(), phase);
    }
    let volume = volume(&tl, step / scrape, slo.min_events)
        .ok_or("the error ratios need more events per scrape than series can hold exactly")?;
    Ok(Synthesis {
        scrape: Duration::from_millis(scrape),
        warm_up: Duration::from_millis(warm),
        series: input_series(&s, &tl, volume, settings.raw_span().as_millis()),
    })
}

/// Events per scrape: every phase's bad share a whole number, and at least `min_events`
/// events per evaluation so the minimum-traffic guard never holds an alert back.
pub(super) fn volume(tl: &Timeline, scrapes_per_step: u64, min_events: u64) -> Option<u64> {
    let mut v = 1u64;
    for (_, p) in &tl.segments {
        if let Some(f) = p.fraction() {
            v = sim::lcm(v, f.den)?;
        }
    }
    let per_step = v.checked_mul(scrapes_per_step.max(1))?;
    let k = min_events.div_ceil(per_step).max(1);
    let v = v.checked_mul(k)?;
    (v <= 1_000_000_000).then_some(v)
}

/// The promtool `values` text of every synthetic series over a timeline. Counters start at the
/// most events a raw read can hold (`volume` per scrape over `span_ms`) rather than at 0, as a
/// long-running process' counters do: `rate()` then extrapolates every read to its range's
/// start, which the model assumes.
pub(super) fn input_series(
    s: &Synthetic,
    tl: &Timeline,
    volume: u64,
    span_ms: u64,
) -> Vec<InputSeries> {
    let samples = tl.per_sample();
    let start = i128::from(volume) * i128::from(span_ms.div_ceil(tl.scrape_ms.max(1)));
    let scrape_s = i128::from(tl.scrape_ms / 1000);
    s.series
        .iter()
        .map(|spec| {
            let values = match &spec.role {
                Role::Errors | Role::Good | Role::Total => {
                    let incs: Vec<Option<i128>> = samples
                        .iter()
                        .enumerate()
                        .map(|(j, (p, _))| {
                            if j == 0 {
                                return Some(start);
                            }
                            let (n, e) = match p.fraction() {
                                None => (0, 0),
                                Some(f) => {
                                    let n = i128::from(volume);
                                    (n, n * i128::from(f.num) / i128::from(f.den))
                                }
                            };
                            Some(match spec.role {
                                Role::Errors => e,
                                Role::Good => n - e,
                                _ => n,
                            })
                        })
                        .collect();
                    counter_values(&incs)
                }
                Role::Histogram(layout) => {
                    let mut pairs = Vec::with_capacity(samples.len());
                    let (mut good, mut bad) = (0i128, 0i128);
                    for (j, (p, _)) in samples.iter().enumerate() {
                        if j == 0 {
                            good = start;
                        } else if let Some(f) = p.fraction() {
                            let n = i128::from(volume);
                            let e = n * i128::from(f.num) / i128::from(f.den);
                            good += n - e;
                            bad += e;
                        }
                        pairs.push(Some((good, bad)));
                    }
                    histogram_progressions(layout, &pairs)
                }
                Role::Probe => {
                    let vals: Vec<Option<i128>> = samples
                        .iter()
                        .map(|(p, i)| match p {
                            Phase::Idle => None,
                            p => Some(i128::from(!p.bad(*i))),
                        })
                        .collect();
                    progressions(&vals)
                }
                Role::Gauge {
                    time_factor,
                    good,
                    bad,
                } => {
                    let point_ms = match s.reading {
                        Reading::Points { point_ms } => point_ms,
                        _ => tl.scrape_ms,
                    };
                    let bad_at = sim::point_badness(tl, point_ms);
                    let vals: Vec<Option<i128>> = bad_at
                        .iter()
                        .enumerate()
                        .map(|(j, b)| {
                            b.map(|b| {
                                let t = i128::try_from(j).unwrap_or(0) * scrape_s;
                                i128::from(*time_factor) * t
                                    + i128::from(if b { *bad } else { *good })
                            })
                        })
                        .collect();
                    progressions(&vals)
                }
            };
            InputSeries {
                series: spec.text.clone(),
                values,
            }
        })
        .collect()
}

/// Counter values from per-sample increments (the first entry is the starting value).
fn counter_values(incs: &[Option<i128>]) -> String {
    let mut vals = Vec::with_capacity(incs.len());
    let mut v = 0i128;
    for (j, inc) in incs.iter().enumerate() {
        if j == 0 {
            v = inc.unwrap_or(0);
        } else {
            v += inc.unwrap_or(0);
        }
        vals.push(Some(v));
    }
    progressions(&vals)
}

/// The run of missing samples from `i` in promtool's notation (`_`, `_xn`) added to `parts`;
/// returns the index after it.
fn missing_run<T>(vals: &[Option<T>], i: usize, parts: &mut Vec<String>) -> usize {
    let mut j = i;
    while j < vals.len() && vals[j].is_none() {
        j += 1;
    }
    let n = j - i;
    parts.push(if n == 1 { "_".into() } else { format!("_x{n}") });
    j
}

/// promtool's expanding notation for native histograms of `(good, bad)` events: runs of the
/// same increments as `{{h}}+{{d}}xn` (n+1 values), missing samples as `_xn`.
fn histogram_progressions(layout: &synth::NativeLayout, vals: &[Option<(i128, i128)>]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < vals.len() {
        let Some((g, b)) = vals[i] else {
            i = missing_run(vals, i, &mut parts);
            continue;
        };
        let step = |k: usize| match (vals[k - 1], vals[k]) {
            (Some((g0, b0)), Some((g1, b1))) => Some((g1 - g0, b1 - b0)),
            _ => None,
        };
        let d = if i + 1 < vals.len() {
            step(i + 1)
        } else {
            None
        };
        let mut j = i + 1;
        while j < vals.len() && d.is_some() && step(j) == d {
            j += 1;
        }
        let n = j - i - 1;
        let h = layout.sample(g, b);
        parts.push(match d {
            _ if n == 0 => h,
            Some((0, 0)) => format!("{h}x{n}"),
            Some((dg, db)) if dg >= 0 && db >= 0 => {
                format!("{h}+{}x{n}", layout.sample(dg, db))
            }
            // A decrease: written out sample by sample (not in the generated scenarios).
            _ => {
                let all: Vec<String> = (i..j)
                    .filter_map(|k| vals[k].map(|(g, b)| layout.sample(g, b)))
                    .collect();
                all.join(" ")
            }
        });
        i = j;
    }
    parts.join(" ")
}

/// promtool's expanding notation for a list of values: arithmetic runs as `a+bxn` (n+1
/// values), missing samples as `_xn` (n values).
pub(super) fn progressions(vals: &[Option<i128>]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < vals.len() {
        match vals[i] {
            None => i = missing_run(vals, i, &mut parts),
            Some(a) => {
                let mut j = i + 1;
                let d = match vals.get(j) {
                    Some(Some(b)) => b - a,
                    _ => 0,
                };
                while j < vals.len() && vals[j].is_some_and(|v| v - vals[j - 1].unwrap_or(v) == d) {
                    j += 1;
                }
                let n = j - i - 1;
                parts.push(match (n, d) {
                    (0, _) => a.to_string(),
                    (_, 0) => format!("{a}x{n}"),
                    (_, d) if d > 0 => format!("{a}+{d}x{n}"),
                    (_, d) => format!("{a}-{}x{n}", -d),
                });
                i = j;
            }
        }
    }
    parts.join(" ")
}
