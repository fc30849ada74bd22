//! PromQL handling through promql-parser's AST: user expressions are parsed once, checked,
//! and rewritten (ranges set, `rate()` added) rather than pasted together as text.

use std::time::Duration as StdDuration;

use promql_parser::parser::value::ValueType;
use promql_parser::parser::{self, Expr};
use promql_parser::util::visitor::{ExprVisitorMut, walk_expr_mut};
use promql_parser::util::{ExprVisitor, walk_expr};

use crate::syntax::duration::Duration;

/// The range written in place of a window placeholder before parsing; every range equal to it
/// is replaced when rendering.
const PLACEHOLDER_RANGE: &str = "7777777ms";
const PLACEHOLDER_MS: u64 = 7_777_777;

/// Window placeholders accepted in raw queries: the native `$window` and Sloth's `{{.window}}`.
pub const PLACEHOLDERS: &[&str] = &["$window", "{{.window}}", "{{ .window }}"];

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

/// Words the PromQL lexer reads as keywords, not as metric names.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "unless",
    "atan2",
    "sum",
    "avg",
    "count",
    "min",
    "max",
    "group",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "count_values",
    "quantile",
    "limitk",
    "limit_ratio",
    "offset",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "smoothed",
    "anchored",
    "fill",
    "fill_left",
    "fill_right",
    "start",
    "end",
    "inf",
    "nan",
];

/// The common case of an SLI, a plain selector (`name{label="v", label=~"re"}`, double-quoted
/// values without escapes), read without the full parser: the same AST as promql-parser
/// builds (tested), at a fraction of the cost. `None` for anything else.
fn parse_plain_selector(text: &str) -> Option<Expr> {
    use promql_parser::label::{MatchOp, Matcher, Matchers};
    use promql_parser::parser::VectorSelector;
    let b = text.as_bytes();
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    ws(&mut i);
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':') {
        i += 1;
    }
    let name = &text[start..i];
    if name.is_empty()
        || b[start].is_ascii_digit()
        || KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name))
    {
        return None;
    }
    ws(&mut i);
    let mut matchers = Vec::new();
    if i < b.len() && b[i] == b'{' {
        i += 1;
        loop {
            ws(&mut i);
            if i < b.len() && b[i] == b'}' {
                i += 1;
                break;
            }
            let ls = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let label = &text[ls..i];
            if label.is_empty()
                || b[ls].is_ascii_digit()
                || label == "__name__"
                || KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(label))
            {
                return None;
            }
            ws(&mut i);
            let op = match (b.get(i), b.get(i + 1)) {
                (Some(b'='), Some(b'~')) => 0,
                (Some(b'!'), Some(b'~')) => 1,
                (Some(b'!'), Some(b'=')) => 2,
                (Some(b'='), _) => 3,
                _ => return None,
            };
            i += if op == 3 { 1 } else { 2 };
            ws(&mut i);
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let vs = i + 1;
            let ve = vs + text[vs..].find('"')?;
            let value = &text[vs..ve];
            if value.contains(['\\', '\n']) {
                return None;
            }
            i = ve + 1;
            let op = match op {
                0 => MatchOp::Re(shared_regex(value)?),
                1 => MatchOp::NotRe(shared_regex(value)?),
                2 => MatchOp::NotEqual,
                _ => MatchOp::Equal,
            };
            matchers.push(Matcher::new(op, label, value));
            ws(&mut i);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b'}') => {}
                _ => return None,
            }
        }
        ws(&mut i);
    }
    if i != b.len() {
        return None;
    }
    Some(Expr::VectorSelector(VectorSelector::new(
        Some(name.to_string()),
        Matchers::new(matchers),
    )))
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

/// Compiled regular expressions of label matchers by pattern. A fleet repeats the same few
/// patterns (`5..`) in thousands of selectors; promql-parser would compile each occurrence.
fn regex_cache() -> &'static std::sync::Mutex<std::collections::HashMap<String, regex::Regex>> {
    static CACHE: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, regex::Regex>>,
    > = std::sync::OnceLock::new();
    CACHE.get_or_init(|| std::sync::Mutex::new(std::collections::HashMap::new()))
}

fn shared_regex(pattern: &str) -> Option<regex::Regex> {
    let mut cache = match regex_cache().lock() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(r) = cache.get(pattern) {
        return Some(r.clone());
    }
    // Anchored as PromQL (and promql-parser) anchor it.
    let r = regex::Regex::new(&format!("^(?:{pattern})$")).ok()?;
    // A fleet has a handful of patterns; a stream of distinct ones must not grow it forever.
    if cache.len() >= REGEX_CACHE_LIMIT {
        cache.clear();
    }
    cache.insert(pattern.to_string(), r.clone());
    Some(r)
}

const RE_MARK: &str = "__sloforge_re_";
/// Distinct patterns kept compiled at most.
const REGEX_CACHE_LIMIT: usize = 1024;

/// Parses `text` with every regex matcher's pattern replaced by a plain placeholder, then puts
/// the patterns back with regexes compiled once per pattern. `None` when anything is unusual
/// (the caller then parses the text as it is, with promql-parser's own errors).
fn parse_with_shared_regexes(text: &str) -> Option<Expr> {
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
    static SKELETONS: std::cell::RefCell<crate::hash::FastMap<String, Option<Expr>>> = std::cell::RefCell::new(crate::hash::FastMap::default());
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// Parses `text` with each plain selector (`name{…}`) replaced by a placeholder metric: the
/// rest (the skeleton, such as Sloth's `sum(rate(X[5m]))`, repeated across a fleet) is parsed
/// once per distinct text, and the selectors, read by [`parse_plain_selector`], are put back.
/// The AST is the one promql-parser builds for `text` (tested). `None` when anything is
/// unusual: the caller then parses the text as it is.
fn parse_with_shared_skeleton(text: &str) -> Option<Expr> {
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
    let diff =
        |vs: &promql_parser::parser::VectorSelector| per_second_increase(&vs.to_string(), base);
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
    let secs = base.as_millis() / 1000;
    format!(
        "(({selector} - {selector} offset {b} >= 0) or ({selector} < {selector} offset {b})) / {secs}"
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
fn apply_over_selectors_ast(e: &Expr, func: &str, window: Duration) -> String {
    thread_local! {
        static TEMPLATES: std::cell::RefCell<crate::hash::FastMap<String, Expr>> = std::cell::RefCell::new(crate::hash::FastMap::default());
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

/// A PromQL string literal for `s` (double-quoted, escaped).
pub fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_string_literal(s, &mut out);
    out
}

/// [`string_literal`] appended to `out`.
pub fn push_string_literal(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    if !s.contains(['\\', '"', '\n', '\r', '\t']) {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A selector `metric{a="x",b="y"}` with escaped values.
pub fn selector<'a>(
    metric: &str,
    matchers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut out = String::with_capacity(metric.len() + 64);
    out.push_str(metric);
    out.push('{');
    for (i, (k, v)) in matchers.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push('=');
        push_string_literal(v, &mut out);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
