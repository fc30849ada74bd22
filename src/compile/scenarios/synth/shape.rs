//! The query shapes series can be synthesised for: a selector reduced to its name and
//! matchers, read through `sum`/`min`/`max`/`avg` (and the first operand of `or`, whose other
//! selectors must stay empty), bare or under `rate`/`increase` of a window.

use std::collections::BTreeMap;

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{Expr, VectorSelector};

/// A selector reduced to its metric name and label matchers.
#[derive(Clone, Debug)]
pub(super) struct Sel {
    pub(super) name: String,
    pub(super) matchers: Vec<Matcher>,
}

impl Sel {
    pub(super) fn of(vs: &VectorSelector) -> Option<Sel> {
        if !vs.matchers.or_matchers.is_empty() || vs.offset.is_some() || vs.at.is_some() {
            return None;
        }
        let mut name = vs.name.clone();
        let mut matchers = Vec::new();
        for m in &vs.matchers.matchers {
            if m.name == "__name__" {
                match &m.op {
                    MatchOp::Equal => name = Some(m.value.clone()),
                    _ => return None,
                }
            } else {
                matchers.push(m.clone());
            }
        }
        Some(Sel {
            name: name?,
            matchers,
        })
    }

    pub(super) fn matches(&self, name: &str, labels: &BTreeMap<String, String>) -> bool {
        self.name == name
            && self
                .matchers
                .iter()
                .all(|m| m.is_match(labels.get(&m.name).map_or("", String::as_str)))
    }
}

/// The selector an expression reads one series' value through, and the selectors of `or`
/// alternatives that must stay empty.
pub(super) fn plain_shape(e: &Expr) -> Option<(Sel, Vec<Sel>)> {
    match e {
        Expr::VectorSelector(vs) => Some((Sel::of(vs)?, Vec::new())),
        Expr::Paren(p) => plain_shape(&p.expr),
        Expr::Aggregate(a)
            if a.param.is_none()
                && matches!(a.op.to_string().as_str(), "sum" | "min" | "max" | "avg") =>
        {
            plain_shape(&a.expr)
        }
        Expr::Binary(b) if b.op.to_string() == "or" => {
            let (sel, mut avoid) = plain_shape(&b.lhs)?;
            avoid.extend(all_selectors(&b.rhs)?);
            Some((sel, avoid))
        }
        _ => None,
    }
}

/// Function applied to a windowed selector.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum RangeFn {
    Rate,
    Increase,
}

/// `sum(rate(sel[$window]))` and the like.
pub(super) fn windowed_shape(e: &Expr) -> Option<(Sel, Vec<Sel>, RangeFn)> {
    match e {
        Expr::Paren(p) => windowed_shape(&p.expr),
        Expr::Aggregate(a)
            if a.param.is_none()
                && matches!(a.op.to_string().as_str(), "sum" | "min" | "max" | "avg") =>
        {
            windowed_shape(&a.expr)
        }
        Expr::Call(c) => {
            let f = match c.func.name {
                "rate" => RangeFn::Rate,
                "increase" => RangeFn::Increase,
                _ => return None,
            };
            match c.args.args.first().map(|a| a.as_ref()) {
                Some(Expr::MatrixSelector(ms)) if c.args.args.len() == 1 => {
                    Some((Sel::of(&ms.vs)?, Vec::new(), f))
                }
                _ => None,
            }
        }
        Expr::Binary(b) if b.op.to_string() == "or" => {
            let (sel, mut avoid, f) = windowed_shape(&b.lhs)?;
            avoid.extend(all_selectors(&b.rhs)?);
            Some((sel, avoid, f))
        }
        _ => None,
    }
}

pub(super) fn all_selectors(e: &Expr) -> Option<Vec<Sel>> {
    struct Collect(Vec<Option<Sel>>);
    impl promql_parser::util::ExprVisitor for Collect {
        type Error = ();
        fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
            match e {
                Expr::VectorSelector(vs) => self.0.push(Sel::of(vs)),
                Expr::MatrixSelector(ms) => {
                    self.0.push(Sel::of(&ms.vs));
                    return Ok(false);
                }
                _ => {}
            }
            Ok(true)
        }
    }
    let mut c = Collect(Vec::new());
    let _ = promql_parser::util::walk_expr(&mut c, e);
    c.0.into_iter().collect()
}

pub(super) fn unparen(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unparen(&p.expr),
        e => e,
    }
}
