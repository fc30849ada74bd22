//! Parsing that shares work across a fleet's queries: regex matchers compiled once per
//! pattern, and the rest of a query (its skeleton, such as `sum(rate(X[5m]))`) parsed once per
//! distinct text, with the plain selectors put back.

use promql_parser::parser::Expr;

use super::guarded_parse;
use super::plain::{parse_plain_selector, shared_regex};

const RE_MARK: &str = "__sloforge_re_";

/// Parses `text` with every regex matcher's pattern replaced by a plain placeholder, then puts
/// the patterns back with regexes compiled once per pattern. `None` when anything is unusual
/// (the caller then parses the text as it is, with promql-parser's own errors).
pub(super) fn parse_with_shared_regexes(text: &str) -> Option<Expr> {
    if text.contains(RE_MARK) || !(text.contains("=~") || text.contains("!~")) {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut patterns: Vec<String> = Vec::new();
    let mut i = 0;
    let mut last = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' | b'`' => {
                i = skip_string(bytes, i)?;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'=' | b'!' if bytes.get(i + 1) == Some(&b'~') => {
                let mut j = i + 2;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b'`') {
                    let end = skip_string(bytes, j)?;
                    let literal = &text[j..end];
                    // promql-parser's unquote_string slices bytes and panics on some non-ASCII
                    // escapes; such literals take the ordinary path.
                    if !literal.is_ascii() {
                        return None;
                    }
                    let value = promql_parser::util::unquote_string(literal).ok()?;
                    shared_regex(&value)?;
                    out.push_str(&text[last..j]);
                    out.push_str(&format!("\"{RE_MARK}{}__\"", patterns.len()));
                    patterns.push(value);
                    last = end;
                    i = end;
                } else {
                    i += 2;
                }
            }
            _ => i += 1,
        }
    }
    if patterns.is_empty() {
        return None;
    }
    out.push_str(&text[last..]);
    let mut expr = guarded_parse(&out).ok()?;
    let mut ok = true;
    restore_patterns(&mut expr, &patterns, &mut ok);
    ok.then_some(expr)
}

/// Index just past the string literal starting at `start`.
fn skip_string(bytes: &[u8], start: usize) -> Option<usize> {
    let q = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' && q != b'`' {
            i += 2;
            continue;
        }
        if bytes[i] == q {
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

fn restore_matchers(ms: &mut promql_parser::label::Matchers, patterns: &[String], ok: &mut bool) {
    use promql_parser::label::MatchOp;
    for m in ms
        .matchers
        .iter_mut()
        .chain(ms.or_matchers.iter_mut().flatten())
    {
        let Some(idx) = m
            .value
            .strip_prefix(RE_MARK)
            .and_then(|r| r.strip_suffix("__"))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let (Some(pattern), true) = (
            patterns.get(idx),
            matches!(m.op, MatchOp::Re(_) | MatchOp::NotRe(_)),
        ) else {
            *ok = false;
            continue;
        };
        let Some(re) = shared_regex(pattern) else {
            *ok = false;
            continue;
        };
        m.value.clone_from(pattern);
        m.op = match m.op {
            MatchOp::NotRe(_) => MatchOp::NotRe(re),
            _ => MatchOp::Re(re),
        };
    }
}

/// Calls `f` on every vector selector of `e` (those inside range selectors too); false when
/// `e` holds a node sloforge does not know (an extension).
fn for_each_selector_mut(
    e: &mut Expr,
    f: &mut impl FnMut(&mut promql_parser::parser::VectorSelector),
) -> bool {
    match e {
        Expr::VectorSelector(vs) => f(vs),
        Expr::MatrixSelector(ms) => f(&mut ms.vs),
        Expr::Aggregate(a) => {
            let expr_ok = for_each_selector_mut(&mut a.expr, f);
            return a.param.as_mut().is_none_or(|p| for_each_selector_mut(p, f)) && expr_ok;
        }
        Expr::Unary(u) => return for_each_selector_mut(&mut u.expr, f),
        Expr::Binary(b) => {
            let lhs_ok = for_each_selector_mut(&mut b.lhs, f);
            return for_each_selector_mut(&mut b.rhs, f) && lhs_ok;
        }
        Expr::Paren(p) => return for_each_selector_mut(&mut p.expr, f),
        Expr::Subquery(s) => return for_each_selector_mut(&mut s.expr, f),
        Expr::Call(c) => {
            // Every argument is visited, even after one that is not a selector.
            let mut ok = true;
            for a in c.args.args.iter_mut() {
                ok &= for_each_selector_mut(a, f);
            }
            return ok;
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => {}
        Expr::Extension(_) => return false,
    }
    true
}

fn restore_patterns(e: &mut Expr, patterns: &[String], ok: &mut bool) {
    if !for_each_selector_mut(e, &mut |vs| {
        restore_matchers(&mut vs.matchers, patterns, ok)
    }) {
        *ok = false;
    }
}

const SEL_MARK: &str = "__sloforge_sel_";
/// Distinct skeletons kept parsed at most (per thread).
const SKELETON_CACHE_LIMIT: usize = 1024;

thread_local! {
    static SKELETONS: std::cell::RefCell<rustc_hash::FxHashMap<String, Option<Expr>>> = std::cell::RefCell::new(rustc_hash::FxHashMap::default());
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// Parses `text` with each plain selector (`name{…}`) replaced by a placeholder metric: the
/// rest (the skeleton, such as Sloth's `sum(rate(X[5m]))`, repeated across a fleet) is parsed
/// once per distinct text, and the selectors, read by [`parse_plain_selector`], are put back.
/// The AST is the one promql-parser builds for `text` (tested). `None` when anything is
/// unusual: the caller then parses the text as it is.
pub(super) fn parse_with_shared_skeleton(text: &str) -> Option<Expr> {
    if text.contains(SEL_MARK) || text.contains('#') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut skeleton = String::with_capacity(text.len());
    let mut selectors = Vec::new();
    let (mut i, mut last) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' | b'`' => i = skip_string(bytes, i)?,
            b'{' => {
                let mut start = i;
                while start > last && is_ident_byte(bytes[start - 1]) {
                    start -= 1;
                }
                if start == i {
                    return None;
                }
                let mut j = i + 1;
                loop {
                    match bytes.get(j)? {
                        b'"' => j = skip_string(bytes, j)?,
                        b'}' => break,
                        b'{' | b'\'' | b'`' => return None,
                        _ => j += 1,
                    }
                }
                let Some(Expr::VectorSelector(vs)) = parse_plain_selector(&text[start..=j]) else {
                    return None;
                };
                skeleton.push_str(&text[last..start]);
                skeleton.push_str(&format!("{SEL_MARK}{}__", selectors.len()));
                selectors.push(vs);
                last = j + 1;
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    if selectors.is_empty() {
        return None;
    }
    skeleton.push_str(&text[last..]);
    let mut expr = SKELETONS.with(|c| {
        let mut cache = c.borrow_mut();
        if !cache.contains_key(&skeleton) {
            if cache.len() >= SKELETON_CACHE_LIMIT {
                cache.clear();
            }
            let parsed = guarded_parse(&skeleton).ok();
            cache.insert(skeleton.clone(), parsed);
        }
        cache.get(&skeleton).cloned().flatten()
    })?;
    let mut used = vec![false; selectors.len()];
    let mut ok = true;
    restore_selectors(&mut expr, &selectors, &mut used, &mut ok);
    (ok && used.iter().all(|u| *u)).then_some(expr)
}

fn restore_selector(
    vs: &mut promql_parser::parser::VectorSelector,
    selectors: &[promql_parser::parser::VectorSelector],
    used: &mut [bool],
    ok: &mut bool,
) {
    let Some(idx) = vs
        .name
        .as_deref()
        .and_then(|n| n.strip_prefix(SEL_MARK))
        .and_then(|r| r.strip_suffix("__"))
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return;
    };
    match (
        selectors.get(idx),
        vs.matchers.matchers.is_empty() && vs.matchers.or_matchers.is_empty(),
    ) {
        (Some(real), true) if !used[idx] => {
            used[idx] = true;
            vs.name.clone_from(&real.name);
            vs.matchers = real.matchers.clone();
        }
        _ => *ok = false,
    }
}

fn restore_selectors(
    e: &mut Expr,
    selectors: &[promql_parser::parser::VectorSelector],
    used: &mut [bool],
    ok: &mut bool,
) {
    if !for_each_selector_mut(e, &mut |vs| restore_selector(vs, selectors, used, ok)) {
        *ok = false;
    }
}
