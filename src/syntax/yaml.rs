//! YAML syntax: when a string can be written as a plain scalar, and how to quote it when it
//! cannot; and YAML text of any serializable value.

use std::fmt::Write as _;

use serde::Serialize;

/// Plain words a YAML 1.1 or 1.2 reader takes for something other than a string (any case):
/// nulls, booleans, infinities and NaN, and 1.1's merge and value keys.
pub const RESERVED: &[&str] = &[
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", ".inf", "-.inf", "+.inf",
    ".nan", "<<", "=",
];

/// True when `s` can be written as a plain scalar and reads back as the same string.
fn plain_ok(s: &str) -> bool {
    // Every rule expression comes through here: one branch-free pass over the bytes finds
    // control and non-ASCII bytes and the pairs `: ` and ` #`; text with an unusual byte takes
    // the character-by-character path.
    let b = s.as_bytes();
    let unusual = b
        .iter()
        .fold(false, |acc, &x| acc | !(0x20..0x7f).contains(&x));
    if unusual {
        return plain_ok_text(s);
    }
    let pair = b.iter().zip(b.iter().skip(1)).fold(false, |acc, (&x, &y)| {
        acc | ((x == b':') & (y == b' ')) | ((x == b' ') & (y == b'#'))
    });
    !pair && plain_ok_edges(s)
}

/// [`plain_ok`] for any text, character by character.
fn plain_ok_text(s: &str) -> bool {
    if s.contains(": ") || s.contains(" #") {
        return false;
    }
    if s.chars().any(|c| c.is_control() || c == '\u{feff}') {
        return false;
    }
    plain_ok_edges(s)
}

/// The checks of [`plain_ok`] on the first and last characters and on the whole value.
fn plain_ok_edges(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || first.is_whitespace()
        || s.ends_with(char::is_whitespace)
        || s.ends_with(':')
    {
        return false;
    }
    if s.len() <= 5 && RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) {
        return false;
    }
    // Anything a reader might take for a number (ints, floats, 0x/0o, sexagesimal, dates).
    let numeric = s
        .chars()
        .all(|c| c.is_ascii_hexdigit() || "+-._:xXoOeE".contains(c))
        && s.chars().any(|c| c.is_ascii_digit());
    !numeric
}

/// `s` as a YAML scalar in block context.
pub fn scalar(s: &str, out: &mut String) {
    if plain_ok(s) {
        out.push_str(s);
        return;
    }
    out.push('"');
    // Runs of characters that need no escape are copied whole.
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| {
        matches!(c, '"' | '\\')
            || c.is_control()
            || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
    }) {
        out.push_str(&rest[..i]);
        let c = rest[i..].chars().next().unwrap_or_default();
        escape_char(c, out);
        rest = &rest[i + c.len_utf8()..];
    }
    out.push_str(rest);
    out.push('"');
}

fn escape_char(c: char, out: &mut String) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if c.is_control()
            || c == '\u{feff}'
            || c == '\u{2028}'
            || c == '\u{2029}'
            || c == '\u{85}' =>
        {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => out.push(c),
    }
}

/// YAML text of a value: block style, no line folding, YAML-1.1 booleans quoted.
pub fn to_yaml<T: Serialize>(value: &T) -> String {
    let mut opts = serde_saphyr::SerializerOptions::default();
    opts.min_fold_chars = usize::MAX;
    opts.folded_wrap_chars = usize::MAX / 2;
    opts.prefer_block_scalars = false;
    serde_saphyr::to_string_with_options(value, opts)
        .unwrap_or_else(|e| format!("# serialization failed: {e}\n"))
}

#[cfg(test)]
mod tests {
    use super::{plain_ok, plain_ok_text, scalar};

    #[test]
    fn quoting() {
        for s in [
            "no",
            "Yes",
            "~",
            "null",
            "1",
            "1.5",
            "0x1F",
            "1e3",
            "12:30",
            "-x",
            "#x",
            "a: b",
            "a #b",
            "",
            " a",
            "a\nb",
            "2024-01-01",
            "*a",
            "%x",
        ] {
            assert!(!plain_ok(s), "{s:?} must be quoted");
        }
        for s in [
            "page",
            "slo:sli_error:ratio",
            "sum(rate(x{a=\"b\"}[5m])) > 0.1",
            "https://x.example.com/a?b=c#d",
            "page-fast",
            "5m",
            "x {{ $value }}",
        ] {
            assert!(plain_ok(s), "{s:?} can stay plain");
        }
        // The one-pass ASCII check and the character-by-character one agree.
        let samples = [
            "a: b",
            "a:b",
            "a #b",
            "a#b",
            "x\u{7}",
            "x\u{7f}",
            "é: x",
            "é #",
            "é",
            "\u{feff}a",
            "a\u{85}b",
            "ok:",
            "ok",
            "1:2",
            "a\tb",
            " a",
            "a ",
            "é ",
        ];
        for s in samples {
            assert_eq!(plain_ok(s), plain_ok_text(s), "{s:?}");
        }
        let mut out = String::new();
        scalar("say \"hi\"\\\n\u{7}", &mut out);
        assert_eq!(out, r#""say \"hi\"\\\n\u0007""#);
    }
}
