//! Building PromQL text: string literals and selectors with escaped values.

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
    escape_into(s, out);
    out.push('"');
}

/// The text of a string literal between its quotes, escaped as promql-parser escapes it.
pub(super) fn escape_into(s: &str, out: &mut String) {
    // (A byte scan: a pattern of several chars is searched one char at a time.)
    if !s
        .bytes()
        .any(|b| matches!(b, b'\\' | b'"' | b'\n' | b'\r' | b'\t'))
    {
        out.push_str(s);
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
