//! The series an SLI's queries can read, as selectors: whether the series written for one SLO's
//! scenarios could be seen by another SLO's rules.

use std::collections::BTreeMap;

use promql_parser::label::MatchOp;
use promql_parser::parser::Expr;

use super::shape::{Sel, all_selectors};
use crate::model::{Counter, Sli};
use crate::syntax::promql;

/// Every selector of an SLI's queries.
#[derive(Clone, Debug)]
pub struct Reads(Vec<Sel>);

/// The selectors an SLI reads through, or `None` when one of them cannot be told from its text
/// (no metric name, a regular expression on the name, `offset` or `@`).
pub fn reads(sli: &Sli) -> Option<Reads> {
    let exprs: Vec<&Expr> = match sli {
        Sli::Ratio { errors, total } => {
            let (Counter::Errors(e) | Counter::Good(e)) = errors;
            vec![e, total]
        }
        Sli::Probe { selector } => vec![selector],
        Sli::WindowedEvents { errors, total } => vec![errors, total],
        Sli::RawRatio { ratio } => vec![ratio],
        Sli::Latency {
            metric, matchers, ..
        } => {
            // Every bucket, not only the threshold's, and the native histogram: a superset is
            // the safe side.
            let mut sels = Vec::new();
            for suffix in ["", "_count", "_bucket"] {
                match promql::parse(&format!("{metric}{suffix}{matchers}")).ok()? {
                    Expr::VectorSelector(vs) => sels.push(Sel::of(&vs)?),
                    _ => return None,
                }
            }
            return Some(Reads(sels));
        }
    };
    let mut sels = Vec::new();
    for e in exprs {
        sels.extend(all_selectors(e)?);
    }
    Some(Reads(sels))
}

impl Reads {
    /// Whether one of the selectors selects the series written `name{label="value",…}`. Text of
    /// another shape counts as selected.
    pub fn selects(&self, series: &str) -> bool {
        let Some((name, labels)) = series_labels(series) else {
            return true;
        };
        self.0.iter().any(|s| s.matches(&name, &labels))
    }
}

/// The name and labels of a series written as a selector of equality matchers.
fn series_labels(text: &str) -> Option<(String, BTreeMap<String, String>)> {
    let Ok(Expr::VectorSelector(vs)) = promql::parse(text) else {
        return None;
    };
    if !vs.matchers.or_matchers.is_empty() {
        return None;
    }
    let mut name = vs.name.clone();
    let mut labels = BTreeMap::new();
    for m in &vs.matchers.matchers {
        if !matches!(m.op, MatchOp::Equal) {
            return None;
        }
        if m.name == "__name__" {
            name = Some(m.value.clone());
        } else {
            labels.insert(m.name.clone(), m.value.clone());
        }
    }
    Some((name?, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_by_name_and_matchers() {
        let sli = Sli::Ratio {
            errors: Counter::Errors(
                promql::parse(r#"http_requests_total{job="api",code=~"5.."}"#).unwrap(),
            ),
            total: promql::parse(r#"sum(http_requests_total{job="api"})"#).unwrap(),
        };
        let r = reads(&sli).unwrap();
        assert!(r.selects(r#"http_requests_total{code="200",job="api"}"#));
        assert!(!r.selects(r#"http_requests_total{job="web"}"#));
        assert!(!r.selects(r#"http_request_duration_seconds_count{job="api"}"#));
        assert!(r.selects("not a series ("));
        let lat = Sli::Latency {
            metric: "http_request_duration_seconds".into(),
            matchers: r#"{job="api"}"#.into(),
            le: "0.5".into(),
            buckets: None,
            histogram: crate::model::HistogramKind::Classic,
        };
        let r = reads(&lat).unwrap();
        assert!(r.selects(r#"http_request_duration_seconds_bucket{job="api",le="1"}"#));
        assert!(r.selects(r#"http_request_duration_seconds_count{job="api"}"#));
        assert!(!r.selects(r#"http_requests_total{job="api"}"#));
        let nameless = Sli::Probe {
            selector: promql::parse(r#"{__name__=~"probe_.*"}"#).unwrap(),
        };
        assert!(reads(&nameless).is_none());
    }
}
