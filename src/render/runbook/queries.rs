//! The PromQL a runbook gives to paste: the SLI's error ratio over each window read from the
//! raw series, the series the rules record for it, and breakdowns of the errors by the labels
//! the SLI's own selectors match on. Every query is built from the compiled SLI, never from a
//! template.

use std::collections::{BTreeMap, BTreeSet};

use promql_parser::label::MatchOp;
use promql_parser::parser::Expr;
use serde::Serialize;

use crate::compile::rules::latency_series;
use crate::model::{Counter, Duration, HistogramKind, Sli, Slo};
use crate::names::{self, label};
use crate::syntax::promql;

/// The SLI as a runbook states it.
#[derive(Debug, Clone, Serialize)]
pub struct SliText {
    /// `ratio`, `latency`, `probe`, `events` or `raw`.
    pub kind: &'static str,
    /// What counts as an error, in words.
    pub what: String,
    /// The selectors or expressions the SLI reads, by role (`errors`, `total`, …).
    pub reads: Vec<Role>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub role: &'static str,
    pub expr: String,
}

/// The error ratio over one window.
#[derive(Debug, Clone, Serialize)]
pub struct WindowQuery {
    pub window: String,
    /// From the raw series.
    pub raw: String,
    /// The series the rules record for it (one evaluation interval behind `raw`).
    pub recorded: String,
    /// The recorded burn rate over the window.
    pub burn_rate: String,
}

/// The errors broken down by one label.
#[derive(Debug, Clone, Serialize)]
pub struct Breakdown {
    pub by: String,
    /// What the query gives, in words.
    pub what: String,
    pub query: String,
}

fn sum(e: &str) -> String {
    format!("sum({e})")
}

fn sum_by(by: &str, e: &str) -> String {
    format!("sum by ({by}) ({e})")
}

fn range(w: Duration) -> String {
    w.to_string()
}

/// What the SLI measures and reads; the queries of an SLI given over a window (`$window`)
/// over the shortest window recorded, so that they can be pasted.
pub fn sli_text(slo: &Slo) -> SliText {
    let role = |role, e: &Expr| Role {
        role,
        expr: e.to_string(),
    };
    let shortest = slo
        .ratio_windows()
        .first()
        .copied()
        .unwrap_or(Duration::from_mins(5));
    let windowed = |role, e: &Expr| Role {
        role,
        expr: promql::with_window(e, shortest),
    };
    match &slo.sli {
        Sli::Ratio { errors, total } => {
            let (what, first) = match errors {
                Counter::Errors(e) => (
                    "the events the `errors` counters count, out of all events the `total` counters count",
                    role("errors", e),
                ),
                Counter::Good(g) => (
                    "the events the `total` counters count but the `good` counters do not",
                    role("good", g),
                ),
            };
            SliText {
                kind: "ratio",
                what: what.into(),
                reads: vec![first, role("total", total)],
            }
        }
        Sli::Latency {
            metric,
            matchers,
            le,
            histogram: HistogramKind::Native,
            ..
        } => {
            let count = format!("histogram_count({metric}{matchers})");
            SliText {
                kind: "latency",
                what: format!(
                    "requests slower than {le}s: those the native histogram `{metric}` counts above {le} (`histogram_fraction`, interpolated within the bucket holding {le} unless it is a bucket bound)"
                ),
                reads: vec![
                    Role {
                        role: "total",
                        expr: count.clone(),
                    },
                    Role {
                        role: "good",
                        expr: format!(
                            "histogram_fraction(-Inf, {le}, {metric}{matchers}) * {count}"
                        ),
                    },
                ],
            }
        }
        Sli::Latency {
            metric,
            matchers,
            le,
            ..
        } => {
            let (count, bucket) = latency_series(metric, matchers, le);
            SliText {
                kind: "latency",
                what: format!(
                    "requests slower than {le}s: those counted in `{metric}_count` but not in its bucket `le=\"{le}\"`"
                ),
                reads: vec![
                    Role {
                        role: "total",
                        expr: count,
                    },
                    Role {
                        role: "good",
                        expr: bucket,
                    },
                ],
            }
        }
        Sli::Probe { selector } => SliText {
            kind: "probe",
            what: "probe samples that are 0 (failed), out of all samples".into(),
            reads: vec![role("probe", selector)],
        },
        Sli::WindowedEvents { errors, total } => SliText {
            kind: "events",
            what: "the events the `errors` query gives, out of those the `total` query gives"
                .into(),
            reads: vec![windowed("errors", errors), windowed("total", total)],
        },
        Sli::RawRatio { ratio } => SliText {
            kind: "raw",
            what: "the error ratio the query gives".into(),
            reads: vec![windowed("ratio", ratio)],
        },
    }
}

/// The error ratio of the SLI over `w`, from the raw series.
pub fn raw_ratio(sli: &Sli, w: Duration, groups: &[String]) -> String {
    // Per group for a grouped SLO: one series per group, as the rules record them.
    let by = groups.join(", ");
    let sum = |e: &str| {
        if by.is_empty() {
            sum(e)
        } else {
            sum_by(&by, e)
        }
    };
    match sli {
        Sli::Ratio { errors, total } => {
            let t = sum(&promql::rate_of(total, w));
            match errors {
                Counter::Errors(e) => format!("{} / {t}", sum(&promql::rate_of(e, w))),
                Counter::Good(g) => format!("1 - {} / {t}", sum(&promql::rate_of(g, w))),
            }
        }
        Sli::Latency {
            metric,
            matchers,
            le,
            histogram: HistogramKind::Native,
            ..
        } => format!(
            "1 - histogram_fraction(-Inf, {le}, {})",
            sum(&format!("rate({metric}{matchers}[{}])", range(w)))
        ),
        Sli::Latency {
            metric,
            matchers,
            le,
            ..
        } => {
            let (count, bucket) = latency_series(metric, matchers, le);
            let r = range(w);
            format!(
                "1 - {} / {}",
                sum(&format!("rate({bucket}[{r}])")),
                sum(&format!("rate({count}[{r}])"))
            )
        }
        Sli::Probe { selector } => format!(
            "1 - {} / {}",
            sum(&promql::apply_over_selectors(selector, "sum_over_time", w)),
            sum(&promql::apply_over_selectors(
                selector,
                "count_over_time",
                w
            ))
        ),
        Sli::WindowedEvents { errors, total } => format!(
            "{} / {}",
            sum(&promql::with_window(errors, w)),
            sum(&promql::with_window(total, w))
        ),
        Sli::RawRatio { ratio } => format!("max({})", promql::with_window(ratio, w)),
    }
}

/// The recorded series `metric` of the SLO, over `window` when given.
pub fn recorded(metric: &str, slo: &Slo, window: Option<Duration>) -> String {
    let w = window.map(|w| w.to_string());
    let mut m = vec![
        (label::SERVICE, slo.service.as_str()),
        (label::SLO, slo.name.as_str()),
    ];
    if let Some(w) = &w {
        m.push((label::WINDOW, w.as_str()));
    }
    promql::selector(metric, m)
}

/// The error ratio over every window the rules record.
pub fn windows(slo: &Slo) -> Vec<WindowQuery> {
    slo.ratio_windows()
        .into_iter()
        .map(|w| WindowQuery {
            window: w.to_string(),
            raw: raw_ratio(&slo.sli, w, slo.group_labels()),
            recorded: recorded(names::ERROR_RATIO, slo, Some(w)),
            burn_rate: recorded(names::BURN_RATE, slo, Some(w)),
        })
        .collect()
}

/// Labels matched other than by equality in the selectors of `e` (`code=~"5.."`,
/// `route!="/healthz"`), the ones whose values tell errors apart, with their matchers.
fn varying_labels(e: &Expr, out: &mut Matched) {
    promql::for_each_selector(e, |vs| {
        for m in &vs.matchers.matchers {
            if !matches!(m.op, MatchOp::Equal) && m.name != "__name__" && m.name != "le" {
                out.entry(m.name.clone()).or_default().insert(m.to_string());
            }
        }
    });
}

/// Label → its matchers, in one side of an SLI.
type Matched = BTreeMap<String, BTreeSet<String>>;

/// The labels the SLI's selectors match on other than by equality: in the errors (or good)
/// side, and in the total side.
fn breakdown_labels(sli: &Sli) -> (Matched, Matched) {
    let (mut errors, mut total) = (Matched::new(), Matched::new());
    match sli {
        Sli::Ratio {
            errors: Counter::Errors(e) | Counter::Good(e),
            total: t,
        }
        | Sli::WindowedEvents {
            errors: e,
            total: t,
        } => {
            varying_labels(e, &mut errors);
            varying_labels(t, &mut total);
        }
        Sli::Latency { matchers, .. } => {
            if let Ok(e) = promql::parse(&format!("x{matchers}")) {
                varying_labels(&e, &mut total);
            }
            errors.clone_from(&total);
        }
        Sli::Probe { selector } => {
            varying_labels(selector, &mut total);
            errors.clone_from(&total);
        }
        Sli::RawRatio { .. } => {}
    }
    (errors, total)
}

/// Breakdowns of the errors over `w`: by each label the SLI's selectors match on other than by
/// equality, and by `instance`. A label the two sides of a ratio match differently gets the
/// events per second by its values (the errors by `code`; with a `good` counter, all events
/// by `outcome`); any other label the error ratio per value.
///
/// A grouped SLO's group labels come first: the error ratio per group, as the rules record it.
pub fn breakdowns(sli: &Sli, w: Duration, groups: &[String]) -> Vec<Breakdown> {
    if matches!(sli, Sli::RawRatio { .. }) {
        return Vec::new();
    }
    let (errors, total) = breakdown_labels(sli);
    let names: BTreeSet<&String> = errors.keys().chain(total.keys()).collect();
    let mut labels: Vec<(String, bool)> = groups
        .iter()
        .filter(|g| !names.contains(g))
        .map(|g| (g.clone(), false))
        .collect();
    labels.extend(
        names
            .into_iter()
            .map(|l| (l.clone(), errors.get(l) != total.get(l))),
    );
    if !labels.iter().any(|(l, _)| l == "instance") {
        labels.push(("instance".into(), false));
    }
    labels
        .into_iter()
        .filter_map(|(l, rate_only)| breakdown(sli, &l, rate_only, w))
        .collect()
}

fn breakdown(sli: &Sli, by: &str, rate_only: bool, w: Duration) -> Option<Breakdown> {
    let ratio = |e: String, t: String| (format!("error ratio by `{by}`"), format!("{e} / {t}"));
    let (what, query) = match sli {
        Sli::Ratio {
            errors: Counter::Errors(e),
            total,
        } => {
            let errs = sum_by(by, &promql::rate_of(e, w));
            if rate_only {
                (format!("errors per second by `{by}`"), errs)
            } else {
                ratio(errs, sum_by(by, &promql::rate_of(total, w)))
            }
        }
        Sli::Ratio {
            errors: Counter::Good(_),
            total,
        } if rate_only => (
            format!("events per second by `{by}`"),
            sum_by(by, &promql::rate_of(total, w)),
        ),
        Sli::Ratio {
            errors: Counter::Good(g),
            total,
        } => {
            let (good, t) = (
                sum_by(by, &promql::rate_of(g, w)),
                sum_by(by, &promql::rate_of(total, w)),
            );
            (
                format!("error ratio by `{by}`"),
                format!("1 - {good} / {t}"),
            )
        }
        Sli::Latency {
            metric,
            matchers,
            le,
            histogram: HistogramKind::Native,
            ..
        } => (
            format!("share of requests slower than {le}s by `{by}`"),
            format!(
                "1 - histogram_fraction(-Inf, {le}, {})",
                sum_by(by, &format!("rate({metric}{matchers}[{}])", range(w)))
            ),
        ),
        Sli::Latency {
            metric,
            matchers,
            le,
            ..
        } => {
            let (count, bucket) = latency_series(metric, matchers, le);
            let r = range(w);
            (
                format!("share of requests slower than {le}s by `{by}`"),
                format!(
                    "1 - {} / {}",
                    sum_by(by, &format!("rate({bucket}[{r}])")),
                    sum_by(by, &format!("rate({count}[{r}])"))
                ),
            )
        }
        Sli::Probe { selector } => (
            format!("share of failed probes by `{by}`"),
            format!(
                "1 - avg by ({by}) ({})",
                promql::apply_over_selectors(selector, "avg_over_time", w)
            ),
        ),
        Sli::WindowedEvents { errors, total } => ratio(
            sum_by(by, &promql::with_window(errors, w)),
            sum_by(by, &promql::with_window(total, w)),
        ),
        Sli::RawRatio { .. } => return None,
    };
    Some(Breakdown {
        by: by.to_string(),
        what,
        query,
    })
}

/// For a latency SLI, the 99th percentile over `w` from its histogram.
pub fn latency_quantile(sli: &Sli, w: Duration) -> Option<String> {
    let Sli::Latency {
        metric,
        matchers,
        histogram,
        ..
    } = sli
    else {
        return None;
    };
    if *histogram == HistogramKind::Native {
        return Some(format!(
            "histogram_quantile(0.99, sum(rate({metric}{matchers}[{}])))",
            range(w)
        ));
    }
    let inner = matchers.trim_start_matches('{').trim_end_matches('}');
    Some(format!(
        "histogram_quantile(0.99, sum by (le) (rate({metric}_bucket{{{inner}}}[{}])))",
        range(w)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(text: &str) -> Expr {
        promql::parse(text).unwrap()
    }

    fn by(b: &[Breakdown]) -> Vec<(&str, &str)> {
        b.iter().map(|b| (b.by.as_str(), b.what.as_str())).collect()
    }

    #[test]
    fn breakdowns_follow_the_selectors() {
        let five = Duration::from_mins(5);
        let errors = Sli::Ratio {
            errors: Counter::Errors(e(r#"http_requests_total{job="a",code=~"5.."}"#)),
            total: e(r#"http_requests_total{job="a"}"#),
        };
        let b = breakdowns(&errors, five, &[]);
        assert_eq!(
            by(&b),
            [
                ("code", "errors per second by `code`"),
                ("instance", "error ratio by `instance`")
            ]
        );
        assert_eq!(
            b[0].query,
            r#"sum by (code) (rate(http_requests_total{code=~"5..",job="a"}[5m]))"#
        );
        let good = Sli::Ratio {
            errors: Counter::Good(e(r#"x_total{job="a",outcome="ok",route!="/h"}"#)),
            total: e(r#"x_total{job="a",outcome=~"ok|failed",route!="/h"}"#),
        };
        assert_eq!(
            by(&breakdowns(&good, five, &[])),
            [
                ("outcome", "events per second by `outcome`"),
                ("route", "error ratio by `route`"),
                ("instance", "error ratio by `instance`")
            ]
        );
        let latency = Sli::Latency {
            metric: "d".into(),
            matchers: r#"{route!="/h"}"#.into(),
            le: "1.0".into(),
            buckets: None,
            histogram: HistogramKind::Classic,
        };
        assert_eq!(
            raw_ratio(&latency, five, &[]),
            r#"1 - sum(rate(d_bucket{route!="/h",le=~"1|1\\.0"}[5m])) / sum(rate(d_count{route!="/h"}[5m]))"#
        );
        assert_eq!(breakdowns(&latency, five, &[]).len(), 2);
        let raw = Sli::RawRatio {
            ratio: e("vector(0)"),
        };
        assert!(breakdowns(&raw, five, &[]).is_empty());
    }
}
