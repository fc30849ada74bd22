//! The common case of an SLI, a plain selector, read without the full parser, and the
//! compiled regular expressions of label matchers, shared by pattern across queries.

use promql_parser::parser::Expr;

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
pub(super) fn parse_plain_selector(text: &str) -> Option<Expr> {
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

/// Distinct patterns kept compiled at most.
const REGEX_CACHE_LIMIT: usize = 1024;

/// Compiled regular expressions of label matchers by pattern. A fleet repeats the same few
/// patterns (`5..`) in thousands of selectors; promql-parser would compile each occurrence.
fn regex_cache() -> &'static std::sync::Mutex<std::collections::HashMap<String, regex::Regex>> {
    static CACHE: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, regex::Regex>>,
    > = std::sync::OnceLock::new();
    CACHE.get_or_init(|| std::sync::Mutex::new(std::collections::HashMap::new()))
}

pub(super) fn shared_regex(pattern: &str) -> Option<regex::Regex> {
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
