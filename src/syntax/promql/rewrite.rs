//! Rewriting parsed user expressions into rule text: `rate()` (or another function over a
//! window) around every selector, a counter's per-second increase since the previous
//! evaluation, window placeholders set to a window or written back as `$window`.

use std::time::Duration as StdDuration;

use promql_parser::parser::Expr;
use promql_parser::util::visitor::{ExprVisitorMut, walk_expr_mut};

use super::{PLACEHOLDER_MS, PLACEHOLDER_RANGE, parse, print};
use crate::syntax::duration::Duration;

fn std_duration(d: Duration) -> StdDuration {
    StdDuration::from_millis(d.as_millis())
}

/// `e` with every vector selector `s` replaced by its increase per second since the previous
/// evaluation, `base` ago: `((s - s offset base) >= 0) / seconds(base)`.
///
/// The difference of the last sample at `t` and the last sample at `t - base` is what PromQL
/// and MetricsQL agree on (their `rate()` and `increase()` differ: MetricsQL reads the sample
/// before the range and does not extrapolate); consecutive evaluations `base` apart take every
/// increment between scrapes exactly once, whatever the scrape interval. After a counter reset
/// the interval counts the value since the reset; a series that did not exist at `t - base`
/// counts nothing for that one interval rather than its whole value (a target newly scraped
/// would otherwise add everything it ever counted). A selector with an offset or `@` keeps
/// `rate(s[range])`.
pub fn per_second_increase_of(e: &Expr, base: Duration, range: Duration) -> String {
    let diff = |vs: &promql_parser::parser::VectorSelector| {
        let mut text = String::with_capacity(96);
        if print::selector(vs, &mut text).is_none() {
            text = vs.to_string();
        }
        per_second_increase(&text, base)
    };
    if let Expr::VectorSelector(vs) = e
        && vs.offset.is_none()
        && vs.at.is_none()
    {
        return diff(vs);
    }
    let mut out = e.clone();
    strip_zero_offsets(&mut out);
    map_selectors(&mut out, &|vs| {
        let text = if vs.offset.is_none() && vs.at.is_none() {
            diff(vs)
        } else {
            format!(
                "rate({vs}[{}])",
                promql_parser::util::display_duration(&std_duration(range))
            )
        };
        parse(&text).unwrap_or_else(|_| Expr::VectorSelector(vs.clone()))
    });
    out.to_string()
}

/// The per-second increase of the counters `selector` selects since `base` ago (see
/// [`per_second_increase_of`]): the difference of the two samples, or after a counter reset
/// the value since the reset; nothing for a series that did not exist `base` ago.
pub fn per_second_increase(selector: &str, base: Duration) -> String {
    let b = promql_parser::util::display_duration(&std_duration(base));
    let secs = (base.as_millis() / 1000).to_string();
    // One allocation: the selector is written four times.
    let mut out = String::with_capacity(4 * selector.len() + 2 * b.len() + secs.len() + 48);
    for piece in [
        "((",
        selector,
        " - ",
        selector,
        " offset ",
        &b,
        " >= 0) or (",
        selector,
        " < ",
        selector,
        " offset ",
        &b,
        ")) / ",
        &secs,
    ] {
        out.push_str(piece);
    }
    out
}

/// [`per_second_increase`] of a cumulative count that is an expression rather than a
/// selector: `now` is its value at the evaluation, `before` the same expression with every
/// selector `offset base` (an offset does not apply to an expression).
pub fn per_second_increase_between(now: &str, before: &str, base: Duration) -> String {
    let secs = (base.as_millis() / 1000).to_string();
    let mut out = String::with_capacity(2 * (now.len() + before.len()) + secs.len() + 32);
    for piece in [
        "((",
        now,
        " - ",
        before,
        " >= 0) or (",
        now,
        " < ",
        before,
        ")) / ",
        &secs,
    ] {
        out.push_str(piece);
    }
    out
}

/// The per-second increase of `part`, a share of the counter `count` computed from it (a
/// native histogram's count at or below a bound), at two instants as in
/// [`per_second_increase_between`], but reset when `count` resets: the share, a product of
/// floating-point numbers, may step back by a rounding error without a reset, which counts
/// as no increase.
pub fn per_second_increase_of_part(
    [part, part_before]: [&str; 2],
    [count, count_before]: [&str; 2],
    base: Duration,
) -> String {
    let secs = (base.as_millis() / 1000).to_string();
    format!(
        "((clamp_min({part} - {part_before}, 0) and {count} >= {count_before}) or ({part} and {count} < {count_before})) / {secs}"
    )
}

/// `e` with every vector selector `s` replaced by `rate(s[window])`.
pub fn rate_of(e: &Expr, window: Duration) -> String {
    apply_over_selectors(e, "rate", window)
}

/// `e` with every vector selector `s` replaced by `func(s[window])`.
pub fn apply_over_selectors(e: &Expr, func: &str, window: Duration) -> String {
    // A bare selector (most SLIs): the text the AST would print, without building the call.
    if let Expr::VectorSelector(vs) = e
        && vs.offset.is_none()
        && vs.at.is_none()
    {
        return format!(
            "{func}({vs}[{}])",
            promql_parser::util::display_duration(&std_duration(window))
        );
    }
    apply_over_selectors_ast(e, func, window)
}

/// [`apply_over_selectors`] through the AST, for any expression.
pub(super) fn apply_over_selectors_ast(e: &Expr, func: &str, window: Duration) -> String {
    thread_local! {
        static TEMPLATES: std::cell::RefCell<rustc_hash::FxHashMap<String, Expr>> = std::cell::RefCell::new(rustc_hash::FxHashMap::default());
    }
    let cached = TEMPLATES.with(|t| t.borrow().get(func).cloned());
    let template = match cached {
        Some(t) => t,
        None => match parse(&format!("{func}(x[1m])")) {
            Ok(t) => {
                TEMPLATES.with(|c| c.borrow_mut().insert(func.to_string(), t.clone()));
                t
            }
            Err(_) => return e.to_string(),
        },
    };
    let range = std_duration(window);
    let mut out = e.clone();
    strip_zero_offsets(&mut out);
    map_selectors(&mut out, &|vs| {
        let mut call = template.clone();
        if let Expr::Call(c) = &mut call
            && let Some(Expr::MatrixSelector(ms)) = c.args.args.first_mut().map(|b| b.as_mut())
        {
            ms.vs = vs.clone();
            ms.range = range;
        }
        call
    });
    out.to_string()
}

/// `offset 0` changes nothing, and promql-parser prints it as `offset 0s`, which it then refuses
/// to read back: drop it.
fn zero_offset(o: &mut Option<promql_parser::parser::Offset>) {
    use promql_parser::parser::Offset;
    if let Some(Offset::Pos(d) | Offset::Neg(d)) = o
        && d.is_zero()
    {
        *o = None;
    }
}

fn strip_zero_offsets(e: &mut Expr) {
    match e {
        Expr::VectorSelector(vs) => zero_offset(&mut vs.offset),
        Expr::MatrixSelector(ms) => zero_offset(&mut ms.vs.offset),
        Expr::Subquery(sq) => {
            zero_offset(&mut sq.offset);
            strip_zero_offsets(&mut sq.expr);
        }
        Expr::Aggregate(a) => {
            strip_zero_offsets(&mut a.expr);
            if let Some(p) = &mut a.param {
                strip_zero_offsets(p);
            }
        }
        Expr::Unary(u) => strip_zero_offsets(&mut u.expr),
        Expr::Binary(b) => {
            strip_zero_offsets(&mut b.lhs);
            strip_zero_offsets(&mut b.rhs);
        }
        Expr::Paren(p) => strip_zero_offsets(&mut p.expr),
        Expr::Call(c) => {
            for a in &mut c.args.args {
                strip_zero_offsets(a);
            }
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// Replaces every instant-vector selector of `e` (outside range selectors) by `f(selector)`.
fn map_selectors(e: &mut Expr, f: &dyn Fn(&promql_parser::parser::VectorSelector) -> Expr) {
    match e {
        Expr::VectorSelector(vs) => *e = f(vs),
        Expr::Aggregate(a) => {
            map_selectors(&mut a.expr, f);
            if let Some(p) = &mut a.param {
                map_selectors(p, f);
            }
        }
        Expr::Unary(u) => map_selectors(&mut u.expr, f),
        Expr::Binary(b) => {
            map_selectors(&mut b.lhs, f);
            map_selectors(&mut b.rhs, f);
        }
        Expr::Paren(p) => map_selectors(&mut p.expr, f),
        Expr::Subquery(s) => map_selectors(&mut s.expr, f),
        Expr::Call(c) => {
            for a in &mut c.args.args {
                map_selectors(a, f);
            }
        }
        Expr::MatrixSelector(_)
        | Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::Extension(_) => {}
    }
}

/// `e` with every placeholder range set to `window`.
pub fn with_window(e: &Expr, window: Duration) -> String {
    print::print(e, Some(std_duration(window))).unwrap_or_else(|| with_window_ast(e, window))
}

/// [`with_window`] through promql-parser's printer, for any expression.
pub(super) fn with_window_ast(e: &Expr, window: Duration) -> String {
    struct SetRange(StdDuration);
    impl ExprVisitorMut for SetRange {
        type Error = ();
        fn pre_visit(&mut self, e: &mut Expr) -> Result<bool, ()> {
            match e {
                Expr::MatrixSelector(ms) if ms.range.as_millis() == u128::from(PLACEHOLDER_MS) => {
                    ms.range = self.0
                }
                Expr::Subquery(sq) if sq.range.as_millis() == u128::from(PLACEHOLDER_MS) => {
                    sq.range = self.0
                }
                _ => {}
            }
            Ok(true)
        }
    }
    let mut out = e.clone();
    strip_zero_offsets(&mut out);
    let _ = walk_expr_mut(&mut SetRange(std_duration(window)), &mut out);
    out.to_string()
}

/// `e` printed with its window placeholders written back as `$window`.
pub fn with_placeholder(e: &Expr) -> String {
    let shown = parse(&format!("x[{PLACEHOLDER_RANGE}]"))
        .map(|p| p.to_string())
        .unwrap_or_default();
    let range = shown
        .trim_start_matches('x')
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let mut e = e.clone();
    strip_zero_offsets(&mut e);
    let text = e.to_string();
    if range.is_empty() {
        text
    } else {
        text.replace(&format!("[{range}]"), "[$window]")
            .replace(&format!("[{range}:"), "[$window:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::promql::{check_selector_expr, parse_windowed, string_literal};

    #[test]
    fn bare_selectors_print_as_the_ast_does() {
        let exprs = [
            r#"x"#,
            r#"http_requests_total{job="a",code=~"5.."}"#,
            r#"{__name__="x",a!="b"}"#,
            r#"x{a="\"q\""}"#,
            r#"x{a=~"a|b",b!~""}"#,
            r#"x offset 5m"#,
        ];
        let windows = [
            Duration::from_millis(1),
            Duration::from_secs(75),
            Duration::from_mins(5),
            Duration::from_millis(299_999),
            Duration::from_mins(90 * 24 * 60),
        ];
        for e in exprs {
            let parsed = parse(e).unwrap();
            for w in windows {
                for f in ["rate", "sum_over_time", "count_over_time"] {
                    assert_eq!(
                        apply_over_selectors(&parsed, f, w),
                        apply_over_selectors_ast(&parsed, f, w),
                        "{f} over {e} [{w}]"
                    );
                }
            }
        }
    }

    #[test]
    fn rewrites_through_the_ast() {
        let e = parse(r#"http_requests_total{code=~"5.."}"#).unwrap();
        assert_eq!(
            rate_of(&e, Duration::from_mins(1)),
            r#"rate(http_requests_total{code=~"5.."}[1m])"#
        );
        let e = parse(r#"sum by (x) (a{j="1"}) + b"#).unwrap();
        assert_eq!(
            rate_of(&e, Duration::from_mins(5)),
            r#"sum by (x) (rate(a{j="1"}[5m])) + rate(b[5m])"#
        );
        let e = parse_windowed("sum(rate(x[{{.window}}])) / sum(rate(y[$window]))").unwrap();
        assert_eq!(
            with_window(&e, Duration::from_mins(1)),
            "sum(rate(x[1m])) / sum(rate(y[1m]))"
        );
        assert!(check_selector_expr(&parse("rate(x[5m])").unwrap()).is_err());
        assert!(check_selector_expr(&parse("x[5m]").unwrap()).is_err());
        assert!(check_selector_expr(&parse("1").unwrap()).is_err());
        assert_eq!(string_literal("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        // Regex matchers parsed through the shared-regex path print and match as usual.
        for text in [
            r#"x{code=~"5..", a!~'b|c', d=~`e.f`}"#,
            r#"sum(rate(x{c=~"5.."}[5m])) / sum(rate(x{c!~"2.."}[5m]))"#,
            r#"x{a="=~\"q\""}"#,
        ] {
            let shared = parse(text).unwrap();
            let plain = promql_parser::parser::parse(text).unwrap();
            assert_eq!(shared.to_string(), plain.to_string(), "{text}");
        }
        let e = parse(r#"x{code=~"5..",job!~"a|b"}"#).unwrap();
        let Expr::VectorSelector(vs) = e else {
            panic!()
        };
        let code = vs
            .matchers
            .matchers
            .iter()
            .find(|m| m.name == "code")
            .unwrap();
        assert!(code.is_match("503") && !code.is_match("2000"));
        let job = vs
            .matchers
            .matchers
            .iter()
            .find(|m| m.name == "job")
            .unwrap();
        assert!(job.is_match("c") && !job.is_match("a"));
        assert!(parse(r#"x{a=~"("}"#).is_err());
        // `offset 0` is dropped rather than printed as an unreadable `offset 0s`.
        let e = parse("-a offset 0").unwrap();
        assert_eq!(rate_of(&e, Duration::from_mins(5)), "-rate(a[5m])");
    }
}
