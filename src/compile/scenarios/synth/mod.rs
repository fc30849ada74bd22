//! Synthetic input series for an SLI: which series to write, with which labels, so that the
//! SLO's own queries read exactly the error and total events a scenario intends.
//!
//! Label values are derived from the queries' matchers (equality values, examples of regular
//! expressions) and checked against every matcher, so a "good" series is never selected by the
//! error query. Queries of other shapes than a selector under `sum`/`min`/`max`/`avg` (and the
//! first operand of `or`) are not synthesised: the SLO then gets the zero-traffic test only.

mod labels;
mod raw;
mod reads;
mod shape;

use promql_parser::parser::Expr;

use super::sim::Reading;
use crate::model::{Counter, HistogramKind, Sli};
use crate::syntax::promql;
use labels::{pair, series_for, series_text};
pub use reads::{Reads, reads};
use shape::{RangeFn, Sel, plain_shape, windowed_shape};

/// What one synthetic series carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Role {
    /// A counter increasing by the bad events.
    Errors,
    /// A counter increasing by the good events.
    Good,
    /// A counter increasing by all events.
    Total,
    /// A 0/1 gauge: 0 on bad samples.
    Probe,
    /// A native histogram: its count increasing by all events, the good ones in a bucket at or
    /// below the threshold and the bad ones in a bucket above it, each bucket wholly on its side
    /// (so that `histogram_fraction` at the threshold is exact whatever the interpolation).
    Histogram(NativeLayout),
    /// A gauge whose value is `time_factor × t + offset` (t in seconds) with the good or the bad
    /// offset.
    Gauge {
        time_factor: i64,
        good: i64,
        bad: i64,
    },
}

/// The buckets of a synthetic native histogram, as promtool's notation writes them.
#[derive(Clone, Debug, PartialEq)]
pub enum NativeLayout {
    /// Schema 0 (bucket `i` is `(2^(i-1), 2^i]`): good events in bucket `good`, bad ones in
    /// bucket `bad`, the buckets between them empty.
    Exponential { good: i32, bad: i32 },
    /// Custom bounds (schema -53, NHCB): good events in the bucket that ends at the threshold
    /// (`good` is its index), bad ones in the next.
    Custom { bounds: Vec<String>, good: usize },
}

impl NativeLayout {
    /// The layout for a threshold `le`: custom buckets when the SLI lists the histogram's
    /// bounds (a converted classic histogram), else exponential ones.
    pub fn for_threshold(le: &str, buckets: Option<&[f64]>) -> Option<NativeLayout> {
        let t: f64 = le
            .parse()
            .ok()
            .filter(|t: &f64| t.is_finite() && *t > 0.0)?;
        if let Some(b) = buckets {
            let mut bounds: Vec<f64> = b.iter().copied().filter(|x| x.is_finite()).collect();
            bounds.sort_by(f64::total_cmp);
            bounds.dedup();
            let good = bounds.iter().position(|x| *x == t)?;
            return Some(NativeLayout::Custom {
                bounds: bounds.iter().map(ToString::to_string).collect(),
                good,
            });
        }
        // The largest bound 2^i at or below the threshold, and the first bucket above it.
        let mut good = t.log2().floor() as i32;
        while 2f64.powi(good) > t {
            good -= 1;
        }
        while 2f64.powi(good + 1) <= t {
            good += 1;
        }
        let bad = if 2f64.powi(good) == t {
            good + 1
        } else {
            good + 2
        };
        Some(NativeLayout::Exponential { good, bad })
    }

    /// promtool's notation of the histogram with `good` and `bad` events.
    pub fn sample(&self, good: i128, bad: i128) -> String {
        match self {
            NativeLayout::Exponential { good: g, bad: b } => {
                let mut buckets = vec![good.to_string()];
                buckets.extend((g + 1..*b).map(|_| "0".to_string()));
                buckets.push(bad.to_string());
                format!(
                    "{{{{schema:0 count:{} offset:{g} buckets:[{}]}}}}",
                    good + bad,
                    buckets.join(" ")
                )
            }
            NativeLayout::Custom { bounds, good: g } => {
                let mut buckets: Vec<String> = (0..*g).map(|_| "0".to_string()).collect();
                buckets.push(good.to_string());
                buckets.push(bad.to_string());
                format!(
                    "{{{{schema:-53 count:{} custom_values:[{}] buckets:[{}]}}}}",
                    good + bad,
                    bounds.join(" "),
                    buckets.join(" ")
                )
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct SeriesSpec {
    /// `metric{label="value",…}` as promtool reads it.
    pub text: String,
    pub role: Role,
}

#[derive(Clone, Debug)]
pub struct Synthetic {
    pub reading: Reading,
    pub series: Vec<SeriesSpec>,
}

/// Synthetic series for an SLI, or why there are none.
pub fn synthesize(sli: &Sli) -> Result<Synthetic, String> {
    match sli {
        Sli::Ratio { errors, total } => ratio(errors, total),
        Sli::Latency {
            metric,
            matchers,
            le,
            buckets,
            histogram: HistogramKind::Native,
        } => native(metric, matchers, le, buckets.as_deref()),
        Sli::Latency {
            metric,
            matchers,
            le,
            ..
        } => latency(metric, matchers, le),
        Sli::Probe { selector } => {
            let (sel, avoid) =
                plain_shape(selector).ok_or_else(|| unsupported("probe selector"))?;
            let avoid: Vec<&Sel> = avoid.iter().collect();
            let (name, labels) = series_for(&[&sel], &avoid)
                .ok_or_else(|| "no label values satisfy its matchers".to_string())?;
            Ok(Synthetic {
                reading: Reading::Probe,
                series: vec![SeriesSpec {
                    text: series_text(&name, &labels),
                    role: Role::Probe,
                }],
            })
        }
        Sli::WindowedEvents { errors, total } => {
            let (e, mut avoid, fe) =
                windowed_shape(errors).ok_or_else(|| unsupported("error query"))?;
            let (n, a2, fn_) = windowed_shape(total).ok_or_else(|| unsupported("total query"))?;
            avoid.extend(a2);
            let series = pair(
                &e,
                &n,
                &avoid,
                [(Role::Errors, Role::Good), (Role::Errors, Role::Total)],
            )
            .ok_or_else(|| "no label values satisfy its selectors' matchers".to_string())?;
            if fe != fn_ {
                return Err("its error and total queries use different functions".into());
            }
            Ok(Synthetic {
                reading: Reading::Counters {
                    per_second: fe == RangeFn::Rate,
                    ratio: false,
                },
                series,
            })
        }
        Sli::RawRatio { ratio } => raw::raw(ratio),
    }
}

fn unsupported(what: &str) -> String {
    format!(
        "its {what} is not a selector under sum/min/max/avg, so sloforge cannot synthesise series for it"
    )
}

/// Counters of errors (or good events) and of all events.
fn ratio(errors: &Counter, total: &Expr) -> Result<Synthetic, String> {
    let (n, mut avoid) = plain_shape(total).ok_or_else(|| unsupported("total query"))?;
    let series = match errors {
        Counter::Errors(e) => {
            let (e, a2) = plain_shape(e).ok_or_else(|| unsupported("error query"))?;
            avoid.extend(a2);
            pair(
                &e,
                &n,
                &avoid,
                [(Role::Errors, Role::Good), (Role::Errors, Role::Total)],
            )
        }
        Counter::Good(g) => {
            let (g, a2) = plain_shape(g).ok_or_else(|| unsupported("good query"))?;
            avoid.extend(a2);
            pair(
                &g,
                &n,
                &avoid,
                [(Role::Good, Role::Errors), (Role::Good, Role::Total)],
            )
        }
    }
    .ok_or_else(|| "no label values satisfy its selectors' matchers".to_string())?;
    Ok(Synthetic {
        reading: Reading::Counters {
            per_second: true,
            ratio: false,
        },
        series,
    })
}

/// A histogram's count and its threshold's bucket.
fn latency(metric: &str, matchers: &str, le: &str) -> Result<Synthetic, String> {
    let count = promql::parse(&format!(
        "{metric}_count{}",
        if matchers.is_empty() { "" } else { matchers }
    ))
    .map_err(|e| format!("its selector does not parse: {e}"))?;
    let Expr::VectorSelector(vs) = count else {
        return Err(unsupported("selector"));
    };
    let sel = Sel::of(&vs).ok_or_else(|| unsupported("selector"))?;
    let (name, labels) = series_for(&[&sel], &[])
        .ok_or_else(|| "no label values satisfy its matchers".to_string())?;
    let mut bucket = labels.clone();
    bucket.insert("le".into(), le.to_string());
    let bucket_name = format!("{}_bucket", name.trim_end_matches("_count"));
    Ok(Synthetic {
        reading: Reading::Counters {
            per_second: true,
            ratio: false,
        },
        series: vec![
            SeriesSpec {
                text: series_text(&bucket_name, &bucket),
                role: Role::Good,
            },
            SeriesSpec {
                text: series_text(&name, &labels),
                role: Role::Total,
            },
        ],
    })
}

/// One native histogram, its good events at or below the threshold.
fn native(
    metric: &str,
    matchers: &str,
    le: &str,
    buckets: Option<&[f64]>,
) -> Result<Synthetic, String> {
    let sel = promql::parse(&format!("{metric}{matchers}"))
        .map_err(|e| format!("its selector does not parse: {e}"))?;
    let Expr::VectorSelector(vs) = sel else {
        return Err(unsupported("selector"));
    };
    let sel = Sel::of(&vs).ok_or_else(|| unsupported("selector"))?;
    let (name, labels) = series_for(&[&sel], &[])
        .ok_or_else(|| "no label values satisfy its matchers".to_string())?;
    let layout = NativeLayout::for_threshold(le, buckets)
        .ok_or_else(|| format!("its threshold {le} is not one of its buckets"))?;
    Ok(Synthetic {
        reading: Reading::Counters {
            per_second: true,
            ratio: false,
        },
        series: vec![SeriesSpec {
            text: series_text(&name, &labels),
            role: Role::Histogram(layout),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Expr {
        promql::parse(s).unwrap()
    }

    #[test]
    fn subset_and_disjoint_layouts() {
        let sli = Sli::Ratio {
            errors: Counter::Errors(parse(r#"http_requests_total{job="api",code=~"5.."}"#)),
            total: parse(r#"http_requests_total{job="api"}"#),
        };
        let s = synthesize(&sli).unwrap();
        let texts: Vec<&str> = s.series.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                r#"http_requests_total{code="500",job="api"}"#,
                r#"http_requests_total{job="api"}"#
            ]
        );
        assert_eq!(s.series[1].role, Role::Good);
        let sli = Sli::Ratio {
            errors: Counter::Good(parse(r#"p_total{outcome="approved"}"#)),
            total: parse(
                r#"sum without (instance) (p_total{outcome=~"approved|declined_server"})"#,
            ),
        };
        let s = synthesize(&sli).unwrap();
        let texts: Vec<&str> = s.series.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                r#"p_total{outcome="approved"}"#,
                r#"p_total{outcome="declined_server"}"#
            ]
        );
        let sli = Sli::Ratio {
            errors: Counter::Errors(parse("e_total")),
            total: parse("t_total"),
        };
        let s = synthesize(&sli).unwrap();
        assert_eq!(s.series[1].role, Role::Total);
        let sli = Sli::Ratio {
            errors: Counter::Errors(parse("a_total")),
            total: parse("a_total + b_total"),
        };
        assert!(synthesize(&sli).is_err());
    }

    #[test]
    fn gauge_freshness() {
        let e = promql::parse_windowed(
            "avg_over_time((time() - ts{job=\"r\"} > bool 3600)[$window:1m])",
        )
        .unwrap();
        let s = synthesize(&Sli::RawRatio { ratio: e }).unwrap();
        assert_eq!(s.reading, Reading::Points { point_ms: 60_000 });
        assert_eq!(
            s.series[0].role,
            Role::Gauge {
                time_factor: 1,
                good: 0,
                bad: -3601
            }
        );
    }
}
