//! The SLI of an OpenSLO SLO: a ratio of Prometheus counters (inline or by reference to an SLI
//! document, with its metric sources inline or by reference to a DataSource).

use crate::diag::{Code, Loc};
use crate::load::node::Value;
use crate::load::openslo as os;
use crate::load::spanned::Sp;
use crate::model::{Counter, Sli};
use crate::validate::{Ctx, check_ratio_sources, parse_selector_expr};

use super::index::Index;

/// The Prometheus query of a metric source (inline `type: Prometheus` or a DataSource ref).
fn prometheus_query(
    cx: &mut Ctx,
    ix: &Index,
    m: &Sp<os::Metric>,
    path: &str,
) -> Option<Sp<String>> {
    let src = &m.value.metric_source;
    let kind = match (&src.type_, &src.metric_source_ref) {
        (Some(t), _) => Some(t.value.clone()),
        (None, Some(r)) => match ix.sources.get(r.value.as_str()) {
            Some(ds) => ds.doc.spec.type_.as_ref().map(|t| t.value.clone()),
            None => {
                cx.err(
                    Code::UnknownReference,
                    r.loc,
                    format!("{path}.metricSource.metricSourceRef"),
                    format!("no DataSource named `{}`", r.value),
                );
                return None;
            }
        },
        (None, None) => None,
    };
    if !kind
        .as_deref()
        .is_some_and(|k| k.eq_ignore_ascii_case("prometheus"))
    {
        cx.err(
            Code::Sli,
            src.type_.as_ref().map_or(m.loc, |t| t.loc),
            format!("{path}.metricSource.type"),
            format!(
                "metric source `{}` is not supported: sloforge compiles Prometheus sources only",
                kind.unwrap_or_else(|| "(none)".into())
            ),
        );
        return None;
    }
    match src.spec.value.get("query") {
        Some(q) => match &q.value {
            Value::Str(s) => Some(Sp::new(s.clone(), q.loc)),
            other => {
                cx.err(
                    Code::Schema,
                    q.loc,
                    format!("{path}.metricSource.spec.query"),
                    format!("expected a string, found {}", other.kind_name()),
                );
                None
            }
        },
        None => {
            cx.err(
                Code::Schema,
                src.spec.loc,
                format!("{path}.metricSource.spec"),
                "missing `query`",
            );
            None
        }
    }
}

/// The SLI of an SLI document (at `path`; `loc` where the SLO names it).
pub(super) fn sli_from(
    cx: &mut Ctx,
    ix: &Index,
    sli: &os::SliSpec,
    loc: Loc,
    path: &str,
) -> Option<Sli> {
    if let Some(t) = &sli.threshold_metric {
        cx.err(
            Code::Sli,
            t.loc,
            format!("{path}.thresholdMetric"),
            "thresholdMetric SLIs are not supported: use a ratioMetric of Prometheus counters",
        );
        return None;
    }
    let Some(r) = &sli.ratio_metric else {
        cx.err(Code::Sli, loc, path, "the SLI has no ratioMetric");
        return None;
    };
    let rp = format!("{path}.ratioMetric");
    if let Some(raw) = &r.value.raw {
        cx.err(
            Code::Sli,
            raw.loc,
            format!("{rp}.raw"),
            "raw ratio metrics are not supported: give good or bad, and total",
        );
        return None;
    }
    if !r.value.counter {
        cx.err(
            Code::Sli,
            r.loc,
            format!("{rp}.counter"),
            "only counters are supported (`counter: true`): sloforge takes their rate",
        );
        return None;
    }
    let Some(total) = &r.value.total else {
        cx.err(Code::Schema, r.loc, &rp, "missing required field `total`");
        return None;
    };
    let total = prometheus_query(cx, ix, total, &format!("{rp}.total"))
        .and_then(|q| parse_selector_expr(cx, &q, &format!("{rp}.total.metricSource.spec.query")));
    let (part, query) = match (&r.value.good, &r.value.bad) {
        (Some(g), None) => ("good", g),
        (None, Some(b)) => ("bad", b),
        _ => {
            cx.err(
                Code::Sli,
                r.loc,
                &rp,
                "give exactly one of `good` and `bad`",
            );
            return None;
        }
    };
    let part_path = format!("{rp}.{part}.metricSource.spec.query");
    let query = prometheus_query(cx, ix, query, &format!("{rp}.{part}"))?;
    let expr = parse_selector_expr(cx, &query, &part_path);
    let (expr, total) = (expr?, total?);
    if expr.to_string() == total.to_string() {
        cx.err(
            Code::SameSeries,
            r.loc,
            &rp,
            "the good/bad and total queries are the same: the ratio would be constant",
        );
        return None;
    }
    check_ratio_sources(cx, &expr, query.loc, &part_path, &total);
    let counter = if part == "good" {
        Counter::Good(expr)
    } else {
        Counter::Errors(expr)
    };
    Some(Sli::Ratio {
        errors: counter,
        total,
    })
}
