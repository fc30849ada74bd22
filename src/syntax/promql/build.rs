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

/// Every spelling of a histogram bucket bound `le` (a decimal, `0.3`, `1.0`, `0.00001`) that an
/// exporter or an engine may store, first seen first: the plain decimal (`1`, Rust's clients),
/// with `.0` when whole, Go's shortest `%g` (`1e-05`, `1e+06`; Go's client and Python's),
/// Prometheus 3's normal form of text-format `le` values (Go's `%g`, `.0` added when it
/// has neither `.` nor an exponent) and Java's `Double.toString` (`1.0E-5`).
pub fn le_spellings(le: &str) -> Vec<String> {
    let Some((digits, point)) = decimal_digits(le) else {
        return vec![le.to_string()];
    };
    let plain = plain_decimal(&digits, point);
    let exp = point - 1;
    let go = if !(-4..6).contains(&exp) {
        let e = if exp < 0 { '-' } else { '+' };
        format!("{}e{e}{:02}", mantissa(&digits, ""), exp.unsigned_abs())
    } else {
        plain.clone()
    };
    let dot0 = |s: &str| {
        if s.contains(['.', 'e']) {
            s.to_string()
        } else {
            format!("{s}.0")
        }
    };
    let java = if (-3..7).contains(&exp) {
        dot0(&plain)
    } else {
        format!("{}E{exp}", mantissa(&digits, "0"))
    };
    let mut out: Vec<String> = Vec::with_capacity(5);
    for s in [plain.clone(), dot0(&plain), go.clone(), dot0(&go), java] {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The `le` matcher of a classic histogram's bucket at bound `le`: `le="0.3"` when the bound
/// has one spelling, else `le=~"1|1\\.0"`, a regex of every spelling ([`le_spellings`]).
pub fn le_matcher(le: &str) -> String {
    let all = le_spellings(le);
    if let [one] = all.as_slice() {
        return format!("le={}", string_literal(one));
    }
    let alternatives: Vec<String> = all
        .iter()
        .map(|s| s.replace('.', "\\.").replace('+', "\\+"))
        .collect();
    format!("le=~{}", string_literal(&alternatives.join("|")))
}

/// The significant digits of a positive decimal (`0.00120` → `12`) and where its point falls
/// relative to them (value = 0.`digits` × 10^`point`: `-2`); `None` for anything else.
fn decimal_digits(text: &str) -> Option<(String, i32)> {
    let (m, e) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = m.split_once('.').unwrap_or((m, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || int.len() + frac.len() > 40
        || !(-400..400).contains(&e)
    {
        return None;
    }
    let all = format!("{int}{frac}");
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0').to_string();
    if digits.is_empty() {
        return None;
    }
    let point = i32::try_from(int.len()).ok()? - i32::try_from(lead).ok()? + e;
    Some((digits, point))
}

/// `digits` with the point `point` digits from their start, as a plain decimal.
fn plain_decimal(digits: &str, point: i32) -> String {
    let n = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point >= n {
        format!("{digits}{}", "0".repeat((point - n) as usize))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    }
}

/// `d.ddd` of scientific notation; `empty` after the point when there is one digit.
fn mantissa(digits: &str, empty: &str) -> String {
    let (first, rest) = digits.split_at(1);
    match (rest.is_empty(), empty.is_empty()) {
        (true, true) => first.to_string(),
        (true, false) => format!("{first}.{empty}"),
        (false, _) => format!("{first}.{rest}"),
    }
}

#[cfg(test)]
mod le_tests {
    use super::*;

    #[test]
    fn spellings_of_bucket_bounds() {
        assert_eq!(le_spellings("0.3"), ["0.3"]);
        assert_eq!(le_spellings("0.25"), ["0.25"]);
        assert_eq!(le_spellings("1.0"), ["1", "1.0"]);
        assert_eq!(le_spellings("2.5"), ["2.5"]);
        assert_eq!(le_spellings("10.0"), ["10", "10.0"]);
        assert_eq!(le_spellings("0.00001"), ["0.00001", "1e-05", "1.0E-5"]);
        assert_eq!(le_spellings("0.0001"), ["0.0001", "1.0E-4"]);
        assert_eq!(le_spellings("0.001"), ["0.001"]);
        assert_eq!(le_spellings("1000000.0"), ["1000000", "1000000.0", "1e+06"]);
        assert_eq!(le_spellings("100000.0"), ["100000", "100000.0"]);
        assert_eq!(
            le_spellings("10000000"),
            ["10000000", "10000000.0", "1e+07", "1.0E7"]
        );
        assert_eq!(le_spellings("0.000015"), ["0.000015", "1.5e-05", "1.5E-5"]);
        assert_eq!(le_spellings("1e-05"), le_spellings("0.00001"));
        assert_eq!(le_matcher("0.3"), r#"le="0.3""#);
        assert_eq!(le_matcher("1.0"), r#"le=~"1|1\\.0""#);
        assert_eq!(
            le_matcher("1000000.0"),
            r#"le=~"1000000|1000000\\.0|1e\\+06""#
        );
    }
}
