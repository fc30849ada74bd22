//! PromQL handling through promql-parser's AST: user expressions are parsed once, checked,
//! and rewritten (ranges set, `rate()` added) rather than pasted together as text.
//!
//! This module parses and checks; [`plain`] and [`shared`] are the parser's shortcuts (plain
//! selectors read directly, regexes and query skeletons shared across a fleet), [`rewrite`]
//! turns parsed expressions into rule text, [`print`] prints the common shapes of them without
//! promql-parser's printer, and [`build`] writes literals and selectors.

mod build;
mod plain;
mod print;
mod rewrite;
mod shared;

use promql_parser::parser::value::ValueType;
use promql_parser::parser::{self, Expr};
use promql_parser::util::{ExprVisitor, walk_expr};

use crate::syntax::duration::Duration;
pub use build::{le_matcher, le_spellings, push_string_literal, selector, string_literal};
use plain::parse_plain_selector;
use rewrite::apply_over_selectors_ast;
pub use rewrite::{
    apply_over_selectors, per_second_increase, per_second_increase_between, per_second_increase_of,
    per_second_increase_of_part, rate_of, with_placeholder, with_window,
};
use shared::{parse_with_shared_regexes, parse_with_shared_skeleton};

/// The range written in place of a window placeholder before parsing; every range equal to it
/// is replaced when rendering.
const PLACEHOLDER_RANGE: &str = "7777777ms";
const PLACEHOLDER_MS: u64 = 7_777_777;

/// Window placeholders accepted in raw queries: the native `$window` and Sloth's `{{.window}}`.
pub const PLACEHOLDERS: &[&str] = &["$window", "{{.window}}", "{{ .window }}"];

/// Calls `f` on every vector selector of `e`, those inside range selectors too.
pub fn for_each_selector(e: &Expr, f: impl FnMut(&parser::VectorSelector)) {
    struct Visit<F>(F);
    impl<F: FnMut(&parser::VectorSelector)> ExprVisitor for Visit<F> {
        type Error = ();
        fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
            match e {
                Expr::VectorSelector(vs) => (self.0)(vs),
                Expr::MatrixSelector(ms) => (self.0)(&ms.vs),
                _ => {}
            }
            Ok(true)
        }
    }
    let _ = walk_expr(&mut Visit(f), e);
}

pub fn parse(text: &str) -> Result<Expr, String> {
    if text.trim().is_empty() {
        return Err("empty expression".into());
    }
    if let Some(e) = parse_plain_selector(text) {
        return Ok(e);
    }
    if let Some(e) = parse_with_shared_skeleton(text) {
        reject_zero_ranges(&e)?;
        return Ok(e);
    }
    let e = match parse_with_shared_regexes(text) {
        Some(e) => e,
        None => guarded_parse(text)?,
    };
    reject_zero_ranges(&e)?;
    Ok(e)
}

/// Invariant for fuzzing and tests: whatever the plain-selector reader accepts, promql-parser
/// reads as the same AST; a bare selector wrapped in a function prints as the AST prints it.
pub fn assert_plain_selector_agrees(text: &str) {
    if let Ok(e) = guarded_parse(text)
        && matches!(e, Expr::VectorSelector(_))
    {
        let w = Duration::from_secs(75);
        assert_eq!(
            apply_over_selectors(&e, "rate", w),
            apply_over_selectors_ast(&e, "rate", w),
            "bare-selector printing disagrees with the AST on {text:?}"
        );
    }
    if let Some(fast) = parse_plain_selector(text) {
        let full = guarded_parse(text);
        assert_eq!(
            full.as_ref().ok(),
            Some(&fast),
            "plain-selector reader disagrees with promql-parser on {text:?}: {full:?}"
        );
    }
    if let Some(fast) = parse_with_shared_skeleton(text) {
        let full = guarded_parse(text);
        assert_eq!(
            full.as_ref().ok(),
            Some(&fast),
            "skeleton reader disagrees with promql-parser on {text:?}: {full:?}"
        );
    }
}

/// promql-parser reads `x[0:1m]` but prints it as `x[0s:1m]`, which it (like Prometheus)
/// refuses: a zero range selects nothing, so it is refused up front.
fn reject_zero_ranges(e: &Expr) -> Result<(), String> {
    struct Zero(bool);
    impl ExprVisitor for Zero {
        type Error = ();
        fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
            match e {
                Expr::MatrixSelector(ms) if ms.range.is_zero() => self.0 = true,
                Expr::Subquery(sq)
                    if sq.range.is_zero() || sq.step.is_some_and(|s| s.is_zero()) =>
                {
                    self.0 = true
                }
                _ => {}
            }
            Ok(true)
        }
    }
    let mut z = Zero(false);
    let _ = walk_expr(&mut z, e);
    if z.0 {
        Err("a range or subquery step of zero selects nothing".into())
    } else {
        Ok(())
    }
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside promql-parser, whose panics become parse errors: a panic hook
/// leaves their message out when this holds (the binary installs one).
pub fn parser_panic_expected() -> bool {
    QUIET.with(std::cell::Cell::get)
}

/// promql-parser panics on some inputs (a range of 10^30 seconds overflows a `Duration` in its
/// grammar): such a panic becomes a parse error (see [`parser_panic_expected`]).
fn guarded_parse(text: &str) -> Result<Expr, String> {
    QUIET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(|| parser::parse(text));
    QUIET.with(|q| q.set(false));
    match result {
        Ok(r) => r.map_err(|e| e.trim().to_string()),
        Err(_) => {
            Err("the expression cannot be parsed (a duration or number out of range?)".into())
        }
    }
}

/// Parses a query containing a window placeholder.
pub fn parse_windowed(text: &str) -> Result<Expr, String> {
    let mut t = text.to_string();
    for p in PLACEHOLDERS {
        t = t.replace(p, PLACEHOLDER_RANGE);
    }
    parse(&t)
}

pub fn has_placeholder(text: &str) -> bool {
    PLACEHOLDERS.iter().any(|p| text.contains(p))
}

fn value_type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Vector => "an instant vector",
        ValueType::Scalar => "a scalar",
        ValueType::Matrix => "a range vector",
        ValueType::String => "a string",
    }
}

/// An expression that must be an instant vector with no range inside (sloforge adds the range).
pub fn check_selector_expr(e: &Expr) -> Result<(), String> {
    if e.value_type() != ValueType::Vector {
        return Err(format!(
            "expected an instant-vector selector or expression, found {}",
            value_type_name(e.value_type())
        ));
    }
    struct Finder(bool, bool);
    impl ExprVisitor for Finder {
        type Error = ();
        fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
            match e {
                Expr::MatrixSelector(_) | Expr::Subquery(_) => self.0 = true,
                Expr::VectorSelector(_) => self.1 = true,
                _ => {}
            }
            Ok(true)
        }
    }
    let mut f = Finder(false, false);
    let _ = walk_expr(&mut f, e);
    if f.0 {
        return Err("contains a range selector or function over a range; give the counter selector without a range: sloforge adds `rate()` and the window".into());
    }
    if !f.1 {
        return Err("selects no series".into());
    }
    Ok(())
}

/// An expression that must be an instant vector (after placeholders are filled in).
pub fn check_instant(e: &Expr) -> Result<(), String> {
    if e.value_type() == ValueType::Vector {
        Ok(())
    } else {
        Err(format!(
            "expected an instant vector, found {}",
            value_type_name(e.value_type())
        ))
    }
}

#[cfg(test)]
mod plain_selector_tests {
    use super::*;

    #[test]
    fn plain_selectors_read_as_promql_parser_reads_them() {
        let accepted = [
            "up",
            " http_requests_total{job=\"api\", code=~\"5..\"} ",
            "a:b_c{x!=\"\",y!~\"a|b\",}",
            "m{}",
            "m{ l = \"ü v\" }",
            "rate{job=\"x\"}",
            "Sum_x{a=\"b\"}",
        ];
        for t in accepted {
            assert!(parse_plain_selector(t).is_some(), "{t}");
            assert_plain_selector_agrees(t);
        }
        let declined = [
            "sum{a=\"b\"}",
            "m{a=\"b\"} offset 5m",
            "m{a='b'}",
            "m{a=\"b\\\"c\"}",
            "m{__name__=\"x\"}",
            "{a=\"b\"}",
            "m{a=\"b\" or c=\"d\"}",
            "m[5m]",
            "1m",
            "m{a=~\"x{bbb}\"}",
            "m{a=\"b\"",
            "m{a}",
            "inf",
        ];
        for t in declined {
            assert!(parse_plain_selector(t).is_none(), "{t}");
        }
        let skeletons = [
            "sum(rate(http_requests_total{job=\"s\",code=~\"5..\"}[7777777ms]))",
            "sum(rate(a{x=\"1\"}[5m])) / sum(rate(b{x=\"1\"}[5m]))",
            "sum by (le) (rate(h_bucket{le=\"0.5\"}[5m] offset 1h))",
            "label_replace(m{a=\"{b}\"}, \"x{y}\", \"$1\", \"a\", \"(.*)\")",
            "max_over_time(up{job=\"p\"}[10m:1m])",
            "count(x{a=\"1\"} == 1) or vector(0)",
            "1 - avg(probe_success{job=\"b\"})",
        ];
        for t in skeletons {
            assert!(parse_with_shared_skeleton(t).is_some(), "{t}");
            assert_plain_selector_agrees(t);
            // Twice: the second read comes from the skeleton cache.
            assert_plain_selector_agrees(t);
        }
        for t in [
            "{a=\"b\"} + x{c=\"d\"}",
            "sum(rate(x[5m]))",
            "x{a=\"1\"} # c",
            "sum(x{a=\"1\" or b=\"2\"})",
        ] {
            assert!(parse_with_shared_skeleton(t).is_none(), "{t}");
        }
    }
}
