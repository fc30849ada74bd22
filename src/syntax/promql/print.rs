//! Printing a parsed expression as promql-parser prints it, for the shapes rule queries take
//! (aggregations without grouping or parameter, function calls, selectors without offset or
//! `@`), straight into one buffer: promql-parser's printer builds a string for every node and
//! matcher. Any other node makes it give up, and the caller prints through promql-parser.

use std::fmt::Write as _;
use std::time::Duration as StdDuration;

use promql_parser::label::{MatchOp, Matchers};
use promql_parser::parser::{Expr, VectorSelector};

use super::PLACEHOLDER_MS;
use super::build::escape_into;

/// `e` printed as promql-parser prints it, every placeholder range (see
/// [`super::PLACEHOLDER_RANGE`]) printed as `window` when one is given; `None` for a shape
/// this printer leaves to promql-parser.
pub(super) fn print(e: &Expr, window: Option<StdDuration>) -> Option<String> {
    let mut out = String::with_capacity(128);
    print_into(e, window, &mut out)?;
    Some(out)
}

fn print_into(e: &Expr, window: Option<StdDuration>, out: &mut String) -> Option<()> {
    match e {
        Expr::Aggregate(a) if a.param.is_none() && a.modifier.is_none() => {
            let _ = write!(out, "{}(", a.op);
            print_into(&a.expr, window, out)?;
            out.push(')');
        }
        Expr::Call(c) => {
            out.push_str(c.func.name);
            out.push('(');
            for (i, arg) in c.args.args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                print_into(arg, window, out)?;
            }
            out.push(')');
        }
        Expr::MatrixSelector(ms) => {
            selector(&ms.vs, out)?;
            let range = match window {
                Some(w) if ms.range.as_millis() == u128::from(PLACEHOLDER_MS) => w,
                _ => ms.range,
            };
            if range.is_zero() {
                return None;
            }
            out.push('[');
            out.push_str(&promql_parser::util::display_duration(&range));
            out.push(']');
        }
        Expr::VectorSelector(vs) => selector(vs, out)?,
        _ => return None,
    }
    Some(())
}

/// A selector without offset or `@`, as promql-parser prints it: the name, then the matchers
/// each printed and sorted as text, joined by commas.
pub(super) fn selector(vs: &VectorSelector, out: &mut String) -> Option<()> {
    if vs.at.is_some() || vs.offset.is_some() {
        return None;
    }
    if let Some(name) = &vs.name {
        out.push_str(name);
    }
    let Matchers {
        matchers,
        or_matchers,
    } = &vs.matchers;
    if !or_matchers.is_empty() {
        return None;
    }
    if matchers.is_empty() {
        return Some(());
    }
    let mut texts: Vec<String> = Vec::with_capacity(matchers.len());
    for m in matchers {
        if !plain_label(&m.name) {
            return None;
        }
        let mut t = String::with_capacity(m.name.len() + m.value.len() + 5);
        t.push_str(&m.name);
        t.push_str(match m.op {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Re(_) => "=~",
            MatchOp::NotRe(_) => "!~",
        });
        t.push('"');
        escape_into(&m.value, &mut t);
        t.push('"');
        texts.push(t);
    }
    texts.sort();
    out.push('{');
    for (i, t) in texts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(t);
    }
    out.push('}');
    Some(())
}

/// A label name promql-parser prints without quotes: a letter or `_`, then letters, digits
/// and `_` (anything else is left to promql-parser).
fn plain_label(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

#[cfg(test)]
mod tests {
    use super::{print, selector};
    use crate::syntax::duration::Duration;
    use crate::syntax::promql::rewrite::with_window_ast;
    use crate::syntax::promql::{parse, parse_windowed};
    use promql_parser::parser::Expr;
    use std::time::Duration as StdDuration;

    /// Whatever this printer prints, promql-parser prints the same; the shapes rule queries
    /// take are printed here.
    #[test]
    fn prints_as_promql_parser_prints() {
        let names = ["x", "http_requests_total", "a:b_c", "", "__name__"];
        let matchers = [
            "",
            r#"job="api""#,
            r#"code=~"5..",job="a""#,
            r#"job="a",code=~"5..""#,
            r#"a!="b",b!~"c|d",c="e\"f\\g""#,
            r#"z="",a="x\ny""#,
            r#"_x="1",X="2""#,
            r#""odd.name"="v""#,
            r#"a="é€""#,
        ];
        let shapes = [
            "{s}",
            "rate({s}[5m])",
            "sum(rate({s}[1m14s999ms]))",
            "sum(rate({s}[7d]))",
            "sum(rate({s}[1y]))",
            "avg(count_over_time({s}[90m]))",
            "max(irate({s}[$window]))",
            "sum(rate({s}[{{.window}}]))",
            "histogram_quantile(0.9, {s})",
            "sum by (a) (rate({s}[5m]))",
            "rate({s}[5m] offset 1m)",
            "{s} offset 5m",
            "sum(rate({s}[5m])) / sum(rate({s}[5m]))",
            "topk(3, {s})",
        ];
        let windows = [
            None,
            Some(StdDuration::from_millis(74_999)),
            Some(StdDuration::from_secs(7 * 86_400)),
            Some(StdDuration::from_secs(365 * 86_400)),
        ];
        let mut printed = 0;
        for shape in shapes {
            for name in names {
                for m in matchers {
                    let sel = if m.is_empty() {
                        name.to_string()
                    } else {
                        format!("{name}{{{m}}}")
                    };
                    let text = shape.replace("{s}", &sel);
                    let Ok(e) = parse_windowed(&text).or_else(|_| parse(&text)) else {
                        continue;
                    };
                    for w in windows {
                        let Some(fast) = print(&e, w) else {
                            continue;
                        };
                        printed += 1;
                        let full = match w {
                            Some(w) => with_window_ast(
                                &e,
                                Duration::from_millis(u64::try_from(w.as_millis()).unwrap()),
                            ),
                            None => e.to_string(),
                        };
                        assert_eq!(fast, full, "{text} {w:?}");
                    }
                    if let Expr::VectorSelector(vs) = &e {
                        let mut fast = String::new();
                        if selector(vs, &mut fast).is_some() {
                            assert_eq!(fast, vs.to_string(), "{text}");
                        }
                    }
                }
            }
        }
        assert!(printed > 500, "{printed}");
    }
}
