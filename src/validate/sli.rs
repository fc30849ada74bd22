//! SLIs: the PromQL of each kind of SLI (ratio, latency, probe, raw, events) parsed and
//! checked, the latency threshold against the histogram's buckets, and whether the errors and
//! total of a ratio read the same source.

use std::collections::BTreeSet;

use super::Ctx;
use super::defaults::TierDefaults;
use super::labels::is_label_name;
use crate::diag::{Code, Loc};
use crate::load::native::{self, LatencySpec, NumOrString, RatioSpec};
use crate::load::spanned::Sp;
use crate::model::{Counter, Decimal, Duration, Engine, HistogramKind, Sli};
use crate::syntax::promql;

/// The SLI of a native SLO; `tier` gives the latency threshold when the SLI has none.
pub(super) fn native_sli(
    cx: &mut Ctx,
    sli: &Sp<native::SliSpec>,
    tier: Option<&TierDefaults>,
    engines: &[Engine],
    path: &str,
) -> Option<Sli> {
    use native::SliSpec;
    let p = format!("{path}.sli");
    match &sli.value {
        SliSpec::Ratio(r) => ratio_sli(cx, r, sli.loc, &p),
        SliSpec::Latency(l) => latency_sli(cx, l, sli.loc, tier, engines, &p),
        SliSpec::Probe(pr) => parse_selector_expr(cx, &pr.metric, &format!("{p}.probe.metric"))
            .map(|selector| Sli::Probe { selector }),
        SliSpec::Raw(r) => raw_ratio(cx, &r.error_ratio, &format!("{p}.raw.error_ratio")),
        SliSpec::Events(ev) => windowed_events(
            cx,
            &ev.errors,
            &ev.total,
            &format!("{p}.events.errors"),
            &format!("{p}.events.total"),
        ),
    }
}

/// A ratio SLI: errors (or good events) over total, as selectors.
fn ratio_sli(cx: &mut Ctx, r: &RatioSpec, at: Loc, p: &str) -> Option<Sli> {
    let total = parse_selector_expr(cx, &r.total, &format!("{p}.ratio.total"));
    let counter = match (&r.errors, &r.good) {
        (Some(e), None) => parse_selector_expr(cx, e, &format!("{p}.ratio.errors"))
            .map(|x| (Counter::Errors(x), e)),
        (None, Some(g)) => {
            parse_selector_expr(cx, g, &format!("{p}.ratio.good")).map(|x| (Counter::Good(x), g))
        }
        (Some(_), Some(g)) => {
            cx.err(
                Code::Sli,
                g.loc,
                format!("{p}.ratio.good"),
                "give either `errors` or `good`, not both",
            );
            None
        }
        (None, None) => {
            cx.err(
                Code::Sli,
                at,
                format!("{p}.ratio"),
                "a ratio SLI needs `errors` or `good` besides `total`",
            );
            None
        }
    };
    let (counter, text) = counter?;
    let total = total?;
    if total.to_string()
        == match &counter {
            Counter::Errors(e) | Counter::Good(e) => e.to_string(),
        }
    {
        cx.err(
            Code::SameSeries,
            text.loc,
            format!("{p}.ratio"),
            "the bad/good and total queries select the same series: the ratio would always be 1",
        );
        return None;
    }
    let part = if r.errors.is_some() { "errors" } else { "good" };
    match &counter {
        Counter::Errors(e) | Counter::Good(e) => {
            check_ratio_sources(cx, e, text.loc, &format!("{p}.ratio.{part}"), &total)
        }
    }
    Some(Sli::Ratio {
        errors: counter,
        total,
    })
}

/// A latency SLI: the share of a histogram's requests above the threshold's bucket; `tier`
/// gives the threshold when the SLI has none.
fn latency_sli(
    cx: &mut Ctx,
    l: &LatencySpec,
    at: Loc,
    tier: Option<&TierDefaults>,
    engines: &[Engine],
    p: &str,
) -> Option<Sli> {
    let histogram = histogram_kind(cx, l, engines, p);
    let metric = l.metric.value.trim_end_matches("_bucket").to_string();
    let metric_ok = is_label_name(&metric) || metric.contains(':');
    if !metric_ok {
        cx.err(
            Code::PromqlSyntax,
            l.metric.loc,
            format!("{p}.latency.metric"),
            format!("`{}` is not a metric name", l.metric.value),
        );
    }
    let matchers = match &l.selector {
        Some(s) => latency_matchers(cx, &metric, s, p),
        None => String::new(),
    };
    let threshold = match l
        .threshold
        .as_ref()
        .or(tier.and_then(|t| t.latency_threshold.as_ref()))
    {
        Some(t) => latency_threshold(cx, t, &format!("{p}.latency.threshold"))?,
        None => {
            cx.err(
                Code::Threshold,
                at,
                format!("{p}.latency.threshold"),
                "no latency threshold: set `threshold` or give the service a tier with `latency_threshold`",
            );
            return None;
        }
    };
    if !threshold_in_buckets(cx, l, threshold, p) {
        return None;
    }
    let histogram = histogram?;
    let le = le_text(threshold);
    if l.buckets.is_none() && metric_ok && histogram == HistogramKind::Classic {
        // A tier's threshold is written in the Defaults file: the SLI stands for it here.
        cx.warn_help(
            Code::ThresholdBucketUnchecked,
            l.threshold.as_ref().map_or(at, |t| t.loc),
            format!("{p}.latency.threshold"),
            format!("latency threshold {threshold}s is not checked against the histogram's buckets (no `buckets:` list): without a bucket at exactly {threshold}, no request can be judged and the SLO's no-data alert fires instead of its burn alerts"),
            format!("list the histogram's bucket bounds under `buckets:`, or run `sloforge doctor` against the server: it checks that `{metric}_bucket` has the label `le=\"{le}\"`"),
        );
    }
    metric_ok.then(|| Sli::Latency {
        metric,
        matchers,
        le,
        buckets: l.buckets.as_ref().map(|b| b.value.clone()),
        histogram,
    })
}

/// `histogram: classic|native`; native only where every engine the rules run on has native
/// histograms.
fn histogram_kind(
    cx: &mut Ctx,
    l: &LatencySpec,
    engines: &[Engine],
    p: &str,
) -> Option<HistogramKind> {
    let Some(h) = &l.histogram else {
        return Some(HistogramKind::Classic);
    };
    let path = format!("{p}.latency.histogram");
    let kind = match h.value.as_str() {
        "classic" => return Some(HistogramKind::Classic),
        "native" => HistogramKind::Native,
        other => {
            cx.err_help(
                Code::Sli,
                h.loc,
                path,
                format!("unknown histogram kind `{}`", other.escape_debug()),
                "write `classic` (`_bucket` and `_count` series, the default) or `native` (one series of native-histogram samples)",
            );
            return None;
        }
    };
    let without: Vec<String> = engines
        .iter()
        .filter(|e| !e.native_histograms())
        .map(|e| format!("`{}`", e.name()))
        .collect();
    if without.is_empty() {
        return Some(kind);
    }
    cx.err_help(
        Code::Sli,
        h.loc,
        path,
        format!(
            "a native-histogram SLI needs native histograms and `histogram_fraction`, which {} {} not have, and the rules must run on {} (`engines` in the Defaults document; without it, every supported engine)",
            without.join(" and "),
            if without.len() == 1 { "does" } else { "do" },
            if without.len() == 1 { "it" } else { "them" },
        ),
        "if the rules run on Prometheus 3 only, say so in the Defaults document: `engines: [prometheus-3]` (Mimir, Cortex and Thanos may be listed too; `--target victoriametrics` then is refused); else keep `histogram: classic` and scrape the classic series",
    );
    None
}

/// The label matchers of a latency SLI's selector, as `{…}` text (empty when they are wrong).
fn latency_matchers(cx: &mut Ctx, metric: &str, s: &Sp<String>, p: &str) -> String {
    let text = s.value.trim();
    let wrapped = if text.starts_with('{') {
        text.to_string()
    } else {
        format!("{{{text}}}")
    };
    match promql::parse(&format!("{metric}_bucket{wrapped}")) {
        Ok(promql_parser::parser::Expr::VectorSelector(vs)) => {
            if vs.matchers.matchers.iter().any(|m| m.name == "le") {
                cx.err(
                    Code::Sli,
                    s.loc,
                    format!("{p}.latency.selector"),
                    "do not match on `le`: sloforge selects the threshold bucket",
                );
            }
            let body = vs.to_string();
            body.find('{')
                .map(|i| body[i..].to_string())
                .unwrap_or_default()
        }
        Ok(_) => {
            cx.err(
                Code::PromqlType,
                s.loc,
                format!("{p}.latency.selector"),
                "expected label matchers such as `{job=\"api\"}`",
            );
            String::new()
        }
        Err(m) => {
            cx.err(
                Code::PromqlSyntax,
                s.loc,
                format!("{p}.latency.selector"),
                format!("label matchers do not parse: {m}"),
            );
            String::new()
        }
    }
}

/// Whether the threshold is one of the histogram's buckets, when the SLI lists them.
fn threshold_in_buckets(cx: &mut Ctx, l: &LatencySpec, threshold: Decimal, p: &str) -> bool {
    let Some(b) = &l.buckets else {
        return true;
    };
    let known: Vec<Decimal> = b
        .value
        .iter()
        .filter_map(|x| Decimal::from_f64(*x))
        .collect();
    if known.contains(&threshold) {
        return true;
    }
    let list: Vec<String> = known.iter().map(ToString::to_string).collect();
    cx.err(
        Code::Threshold,
        l.threshold.as_ref().map_or(b.loc, |t| t.loc),
        format!("{p}.latency.threshold"),
        format!(
            "threshold {threshold}s is not one of the histogram's buckets ({})",
            list.join(", ")
        ),
    );
    false
}

/// A latency threshold in seconds, written as a number of seconds or as a duration.
fn latency_threshold(cx: &mut Ctx, t: &Sp<NumOrString>, path: &str) -> Option<Decimal> {
    let v = match &t.value {
        NumOrString::Num(n) => Decimal::from_f64(*n),
        NumOrString::Str(s) => match Duration::parse(s) {
            Ok(d) => Decimal::from_int(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .checked_div(Decimal::from_int(1000)),
            Err(_) => Decimal::parse(s),
        },
    };
    match v.filter(|v| v.is_positive()) {
        Some(v) => Some(v),
        None => {
            let shown = match &t.value {
                NumOrString::Num(n) => n.to_string(),
                NumOrString::Str(s) => s.clone(),
            };
            let shown = if shown.chars().count() > 24 {
                format!("{}…", shown.chars().take(24).collect::<String>())
            } else {
                shown
            };
            cx.err_help(
                Code::Threshold,
                t.loc,
                path,
                format!(
                    "latency threshold `{shown}` is not a positive number of seconds or a duration"
                ),
                "write it as seconds (`0.2`) or as a duration (`200ms`)",
            );
            None
        }
    }
}

/// The `le` label value Prometheus' client libraries write for a bucket bound.
fn le_text(d: Decimal) -> String {
    let s = d.to_string();
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// A query that selects series (a selector, or an expression of selectors without ranges).
pub(super) fn parse_selector_expr(
    cx: &mut Ctx,
    s: &Sp<String>,
    path: &str,
) -> Option<promql_parser::parser::Expr> {
    checked(
        cx,
        s,
        path,
        promql::parse(&s.value),
        promql::check_selector_expr,
    )
}

/// A parsed query that passes `check`, or the error reported at `s` (syntax or type).
fn checked(
    cx: &mut Ctx,
    s: &Sp<String>,
    path: &str,
    parsed: Result<promql_parser::parser::Expr, String>,
    check: fn(&promql_parser::parser::Expr) -> Result<(), String>,
) -> Option<promql_parser::parser::Expr> {
    match parsed {
        Ok(e) => match check(&e) {
            Ok(()) => Some(e),
            Err(m) => {
                cx.err(Code::PromqlType, s.loc, path, m);
                None
            }
        },
        Err(m) => {
            cx.err(
                Code::PromqlSyntax,
                s.loc,
                path,
                format!("PromQL does not parse: {m}"),
            );
            None
        }
    }
}

/// An instant query over a window placeholder (`[$window]`, or Sloth's `[{{.window}}]`).
fn parse_windowed(cx: &mut Ctx, s: &Sp<String>, path: &str) -> Option<promql_parser::parser::Expr> {
    if !promql::has_placeholder(&s.value) {
        cx.err_help(
            Code::PromqlType,
            s.loc,
            path,
            "query has no window placeholder",
            "write the range as `[$window]` (or Sloth's `[{{.window}}]`)",
        );
        return None;
    }
    checked(
        cx,
        s,
        path,
        promql::parse_windowed(&s.value),
        promql::check_instant,
    )
}

/// A raw error-ratio query with a window placeholder (native `raw`, Sloth `raw`).
pub(super) fn raw_ratio(cx: &mut Ctx, s: &Sp<String>, path: &str) -> Option<Sli> {
    parse_windowed(cx, s, path).map(|ratio| Sli::RawRatio { ratio })
}

/// Error and total queries with window placeholders (native `events`, Sloth `events`).
pub(super) fn windowed_events(
    cx: &mut Ctx,
    errors: &Sp<String>,
    total: &Sp<String>,
    errors_path: &str,
    total_path: &str,
) -> Option<Sli> {
    let e = parse_windowed(cx, errors, errors_path);
    let t = parse_windowed(cx, total, total_path);
    let (e, t) = (e?, t?);
    // (The parsed queries are compared: spelling and spacing do not matter.)
    if e == t {
        cx.err(
            Code::SameSeries,
            errors.loc,
            errors_path,
            "the error and total queries are the same: the ratio would always be 1",
        );
        return None;
    }
    check_ratio_sources(cx, &e, errors.loc, errors_path, &t);
    Some(Sli::WindowedEvents {
        errors: e,
        total: t,
    })
}

/// Metric names and `job` values an expression selects by equality.
fn selected_sources(e: &promql_parser::parser::Expr) -> (BTreeSet<String>, BTreeSet<String>) {
    use promql_parser::label::MatchOp;
    use promql_parser::parser::{Expr, VectorSelector};
    use promql_parser::util::{ExprVisitor, walk_expr};
    struct Sources(BTreeSet<String>, BTreeSet<String>);
    impl Sources {
        fn add(&mut self, vs: &VectorSelector) {
            let named = vs
                .matchers
                .matchers
                .iter()
                .find(|m| m.name == "__name__" && matches!(m.op, MatchOp::Equal))
                .map(|m| &m.value);
            if let Some(name) = vs.name.as_ref().or(named) {
                self.0.insert(name.clone());
            }
            for m in vs
                .matchers
                .matchers
                .iter()
                .filter(|m| m.name == "job" && matches!(m.op, MatchOp::Equal))
            {
                self.1.insert(m.value.clone());
            }
        }
    }
    impl ExprVisitor for Sources {
        type Error = ();
        fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
            match e {
                Expr::VectorSelector(vs) => self.add(vs),
                Expr::MatrixSelector(ms) => self.add(&ms.vs),
                _ => {}
            }
            Ok(true)
        }
    }
    let mut found = Sources(BTreeSet::new(), BTreeSet::new());
    let _ = walk_expr(&mut found, e);
    (found.0, found.1)
}

/// Warns when the errors (or good) query and the total query of a ratio share no metric or
/// no `job`: errors counted from one source against traffic from another are no error ratio,
/// and a typo in either leaves the SLO reading 0 or 1 without a word.
pub(super) fn check_ratio_sources(
    cx: &mut Ctx,
    part: &promql_parser::parser::Expr,
    at: Loc,
    path: &str,
    total: &promql_parser::parser::Expr,
) {
    let (part_metrics, part_jobs) = selected_sources(part);
    let (total_metrics, total_jobs) = selected_sources(total);
    let list = |set: &BTreeSet<String>| {
        set.iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The field named in the message: `errors`, `good`, `error_query`, OpenSLO's `bad`.
    let field = path
        .rsplit('.')
        .find(|f| !matches!(*f, "query" | "spec" | "metricSource"))
        .unwrap_or("errors");
    let help = "errors (or good events) must be counted from the same requests as total: give both the same metric and job, or check the selectors for a typo";
    // One source: a histogram's `_bucket` and `_count` series, and a counter that extends the
    // other's name by `_…` (`cart_operations_errors_total` counts a part of
    // `cart_operations_total`).
    let family = |n: &str| {
        ["_bucket", "_count", "_total"]
            .iter()
            .find_map(|x| n.strip_suffix(x))
            .unwrap_or(n)
            .to_string()
    };
    let extends = |a: &str, b: &str| {
        a.strip_prefix(b)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
    };
    let related = |a: &str, b: &str| {
        let (a, b) = (family(a), family(b));
        extends(&a, &b) || extends(&b, &a)
    };
    let shared = part_metrics
        .iter()
        .any(|a| total_metrics.iter().any(|b| related(a, b)));
    if !part_metrics.is_empty() && !total_metrics.is_empty() && !shared {
        cx.warn_help(
            Code::RatioSourcesDiffer,
            at,
            path,
            format!(
                "{field} and total read different metrics ({} and {})",
                list(&part_metrics),
                list(&total_metrics)
            ),
            help,
        );
    }
    if !part_jobs.is_empty() && !total_jobs.is_empty() && part_jobs.is_disjoint(&total_jobs) {
        cx.warn_help(
            Code::RatioSourcesDiffer,
            at,
            path,
            format!(
                "{field} and total select different jobs (job {} and job {})",
                list(&part_jobs),
                list(&total_jobs)
            ),
            help,
        );
    }
}
