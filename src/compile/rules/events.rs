//! The event expressions of each SLI kind: the per-second error and total rates the base rule
//! records, and the PromQL helpers they share with the window rules.

use crate::model::{Counter, Duration, HistogramKind, Sli};
use crate::syntax::promql;

/// The concatenation of `parts`, allocated once: rule text is built from long pieces, which
/// `format!` would copy into a growing buffer several times.
pub(super) fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

pub(super) fn or_zero(e: &str) -> String {
    concat(&[e, " or on() vector(0)"])
}

pub(super) fn sum(e: &str) -> String {
    concat(&["sum(", e, ")"])
}

/// The labels of an SLO's groups as PromQL modifiers: `by (route) ` and `on(route)` (empty and
/// `on()` without groups).
#[derive(Clone, Copy)]
pub(super) struct Groups<'a> {
    pub(super) labels: &'a [String],
}

impl Groups<'_> {
    pub(super) fn any(self) -> bool {
        !self.labels.is_empty()
    }

    pub(super) fn list(self) -> String {
        self.labels.join(", ")
    }

    /// `sum(e)`, or `sum by (…) (e)` per group.
    pub(super) fn sum(self, e: &str) -> String {
        self.agg("sum", e)
    }

    pub(super) fn agg(self, op: &str, e: &str) -> String {
        if self.any() {
            concat(&[op, " by (", &self.list(), ") (", e, ")"])
        } else {
            concat(&[op, "(", e, ")"])
        }
    }

    /// `on()`, or `on(…)` the group labels.
    pub(super) fn on(self) -> String {
        concat(&["on(", &self.list(), ")"])
    }
}

/// The selectors of a latency SLI's histogram: its `_count`, and its `_bucket` at the
/// threshold `le`.
pub fn latency_series(metric: &str, matchers: &str, le: &str) -> (String, String) {
    let inner = matchers.trim_start_matches('{').trim_end_matches('}');
    let count = format!("{metric}_count{{{inner}}}");
    // Every spelling of the bound an exporter writes or an engine stores (`1`, `1.0`;
    // `0.00001`, `1e-05`, `1.0E-5`): Prometheus 2 keeps the exporter's, 3 normalises it.
    let le_matcher = promql::le_matcher(le);
    let bucket = if inner.is_empty() {
        format!("{metric}_bucket{{{le_matcher}}}")
    } else {
        format!("{metric}_bucket{{{inner},{le_matcher}}}")
    };
    (count, bucket)
}

/// A native histogram's cumulative counts, now and `base` ago: all observations
/// (`histogram_count`) and those at or below `le` (`histogram_fraction` × count; 0 while the
/// histogram is empty, where the fraction is NaN). Exact when `le` is a bucket bound (custom
/// buckets, NHCB; a power of 2^(2^-schema) for exponential ones), interpolated within the
/// bucket holding `le` otherwise.
fn native_latency_counts(metric: &str, matchers: &str, le: &str, base: Duration) -> [String; 4] {
    let inner = matchers.trim_start_matches('{').trim_end_matches('}');
    let at = |offset: &str| {
        let sel = format!("{metric}{{{inner}}}{offset}");
        let count = format!("histogram_count({sel})");
        let good = format!("(histogram_fraction(-Inf, {le}, {sel}) * {count} >= 0 or {count})");
        (count, good)
    };
    let (count, good) = at("");
    let (count_before, good_before) = at(&format!(" offset {base}"));
    [count, count_before, good, good_before]
}

/// Per-second error and total event rates over the base window, label-free (one series per
/// group for a grouped SLO).
pub(super) fn event_exprs(
    sli: &Sli,
    base: Duration,
    range: Duration,
    g: Groups,
) -> (String, String) {
    match sli {
        Sli::Ratio { errors, total } => {
            let t = g.sum(&promql::per_second_increase_of(total, base, range));
            match errors {
                Counter::Errors(e) => (g.sum(&promql::per_second_increase_of(e, base, range)), t),
                Counter::Good(good) if g.any() => {
                    // A group without good events has every event failed.
                    let good = g.sum(&promql::per_second_increase_of(good, base, range));
                    (format!("clamp_min({t} - {good}, 0) or {t}"), t)
                }
                Counter::Good(good) => {
                    let good = or_zero(&sum(&promql::per_second_increase_of(good, base, range)));
                    (format!("clamp_min({t} - ({good}), 0)"), t)
                }
            }
        }
        Sli::Latency {
            metric,
            matchers,
            le,
            histogram: HistogramKind::Native,
            ..
        } => {
            // The same differences of cumulative counts at two instants, of the native
            // histogram's count and of its count at or below the threshold (reset with the
            // count: the latter is a product of floats).
            let [count, count_before, good, good_before] =
                native_latency_counts(metric, matchers, le, base);
            let total = g.sum(&promql::per_second_increase_between(
                &count,
                &count_before,
                base,
            ));
            let good = g.sum(&promql::per_second_increase_of_part(
                [&good, &good_before],
                [&count, &count_before],
                base,
            ));
            (format!("clamp_min({total} - {good}, 0)"), total)
        }
        Sli::Latency {
            metric,
            matchers,
            le,
            ..
        } => {
            let (count, bucket) = latency_series(metric, matchers, le);
            let total = g.sum(&promql::per_second_increase(&count, base));
            // No `or`: without the threshold's bucket there are no errors to record (not every
            // request failing), which the threshold-bucket no-data alert reports.
            let good = g.sum(&promql::per_second_increase(&bucket, base));
            (format!("clamp_min({total} - {good}, 0)"), total)
        }
        Sli::Probe { selector } => {
            let secs = base.as_millis() / 1000;
            // Samples in (t-base, t]: a Prometheus 2 range includes both ends, so a sample on the
            // edge would count in two evaluations (one probe too many per base window).
            let open = Duration::from_millis(base.as_millis().saturating_sub(1).max(1));
            let count = g.sum(&promql::apply_over_selectors(
                selector,
                "count_over_time",
                open,
            ));
            let up = g.sum(&promql::apply_over_selectors(
                selector,
                "sum_over_time",
                open,
            ));
            (
                format!("clamp_min({count} - {up}, 0) / {secs}"),
                format!("{count} / {secs}"),
            )
        }
        Sli::WindowedEvents { errors, total } => (
            g.sum(&promql::with_window(errors, range)),
            g.sum(&promql::with_window(total, range)),
        ),
        // `(t-base, t]` under both range semantics, as for probes. Not grouped (validation
        // refuses it): a raw ratio has no events to weigh per group.
        Sli::RawRatio { ratio } => (
            format!(
                "max({}) >= 0",
                promql::with_window(
                    ratio,
                    Duration::from_millis(base.as_millis().saturating_sub(1).max(1))
                )
            ),
            "vector(1)".to_string(),
        ),
    }
}
