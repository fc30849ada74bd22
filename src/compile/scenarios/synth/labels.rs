//! Label values for synthetic series: values every selector that must select a series
//! accepts (equality values, examples of regular expressions, a few fallbacks), changed where
//! needed so that no selector that must not select it does.

use std::collections::BTreeMap;

use promql_parser::label::{MatchOp, Matcher};

use super::shape::Sel;
use super::{Role, SeriesSpec};
use crate::syntax::promql;
use crate::syntax::regex_examples::regex_examples;

const FALLBACK_VALUES: &[&str] = &["", "500", "200", "0", "1", "ok", "x", "synthetic"];

/// Values for `label` satisfying every matcher in `must` on it, in order of preference.
fn values_for(label: &str, must: &[&Sel]) -> Vec<String> {
    let ms: Vec<&Matcher> = must
        .iter()
        .flat_map(|s| s.matchers.iter())
        .filter(|m| m.name == label)
        .collect();
    let mut cands: Vec<String> = Vec::new();
    for m in &ms {
        match &m.op {
            MatchOp::Equal => cands.push(m.value.clone()),
            MatchOp::Re(_) => cands.extend(regex_examples(&m.value)),
            MatchOp::NotEqual | MatchOp::NotRe(_) => {}
        }
    }
    cands.extend(FALLBACK_VALUES.iter().map(|s| s.to_string()));
    let mut seen = Vec::new();
    for c in cands {
        if !seen.contains(&c) && ms.iter().all(|m| m.is_match(&c)) {
            seen.push(c);
        }
    }
    seen
}

/// A series selected by every selector in `must` and by none in `avoid`.
pub(super) fn series_for(
    must: &[&Sel],
    avoid: &[&Sel],
) -> Option<(String, BTreeMap<String, String>)> {
    let name = must.first()?.name.clone();
    if must.iter().any(|s| s.name != name) {
        return None;
    }
    let mut labels = BTreeMap::new();
    let names: Vec<String> = {
        let mut v: Vec<String> = must
            .iter()
            .flat_map(|s| s.matchers.iter().map(|m| m.name.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    for l in &names {
        let v = values_for(l, must).into_iter().next()?;
        if !v.is_empty() {
            labels.insert(l.clone(), v);
        }
    }
    for x in avoid {
        if !x.matches(&name, &labels) {
            continue;
        }
        // Break one of its matchers with a value every `must` selector still accepts.
        let mut fixed = false;
        for m in &x.matchers {
            for v in values_for(&m.name, must) {
                if !m.is_match(&v) {
                    let mut l2 = labels.clone();
                    if v.is_empty() {
                        l2.remove(&m.name);
                    } else {
                        l2.insert(m.name.clone(), v);
                    }
                    if must.iter().all(|s| s.matches(&name, &l2)) {
                        labels = l2;
                        fixed = true;
                        break;
                    }
                }
            }
            if fixed {
                break;
            }
        }
        if !fixed {
            return None;
        }
    }
    let ok = must.iter().all(|s| s.matches(&name, &labels))
        && avoid.iter().all(|s| !s.matches(&name, &labels));
    ok.then_some((name, labels))
}

pub(super) fn series_text(name: &str, labels: &BTreeMap<String, String>) -> String {
    promql::selector(name, labels.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Two counters: `a` selected by both `inner` and `outer`, `b` by `outer` only (the subset
/// layout of `errors ⊂ total`), or, when the selectors are disjoint, `a` by `inner` only and `b`
/// by `outer` only.
pub(super) fn pair(
    inner: &Sel,
    outer: &Sel,
    avoid: &[Sel],
    roles: [(Role, Role); 2],
) -> Option<Vec<SeriesSpec>> {
    let avoid: Vec<&Sel> = avoid.iter().collect();
    let mut not_inner = avoid.clone();
    not_inner.push(inner);
    if let (Some(a), Some(b)) = (
        series_for(&[inner, outer], &avoid),
        series_for(&[outer], &not_inner),
    ) {
        let [(ra, rb), _] = roles.clone();
        return Some(vec![
            SeriesSpec {
                text: series_text(&a.0, &a.1),
                role: ra,
            },
            SeriesSpec {
                text: series_text(&b.0, &b.1),
                role: rb,
            },
        ]);
    }
    let mut not_outer = avoid.clone();
    not_outer.push(outer);
    let a = series_for(&[inner], &not_outer)?;
    let b = series_for(&[outer], &not_inner)?;
    let [_, (ra, rb)] = roles;
    Some(vec![
        SeriesSpec {
            text: series_text(&a.0, &a.1),
            role: ra,
        },
        SeriesSpec {
            text: series_text(&b.0, &b.1),
            role: rb,
        },
    ])
}
