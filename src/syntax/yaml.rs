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
    // control and non-ASCII bytes (text with one takes the character-by-character path); the
    // pairs `: ` and ` #` are looked for only at the colons and hashes, which memchr finds.
    let b = s.as_bytes();
    let unusual = b
        .iter()
        .fold(false, |acc, &x| acc | !(0x20..0x7f).contains(&x));
    if unusual {
        return plain_ok_text(s);
    }
    let pair = memchr::memchr2_iter(b':', b'#', b).any(|i| {
        if b[i] == b':' {
            b.get(i + 1) == Some(&b' ')
        } else {
            i > 0 && b[i - 1] == b' '
        }
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

/// Whether `s` is one of [`RESERVED`], in any case.
fn reserved(s: &str) -> bool {
    if s.len() > 5 {
        return false;
    }
    let mut lower = [0u8; 5];
    for (l, c) in lower.iter_mut().zip(s.bytes()) {
        *l = c.to_ascii_lowercase();
    }
    RESERVED.iter().any(|r| r.as_bytes() == &lower[..s.len()])
}

/// The checks of [`plain_ok`] on the first and last characters and on the whole value.
fn plain_ok_edges(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if matches!(
        first,
        '-' | '?'
            | ':'
            | ','
            | '['
            | ']'
            | '{'
            | '}'
            | '#'
            | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '\''
            | '"'
            | '%'
            | '@'
            | '`'
    ) || first.is_whitespace()
        || s.ends_with(char::is_whitespace)
        || s.ends_with(':')
    {
        return false;
    }
    if reserved(s) {
        return false;
    }
    // Anything a reader might take for a number (ints, floats, 0x/0o, sexagesimal, dates).
    let numeric = s.bytes().all(|c| {
        c.is_ascii_hexdigit()
            || matches!(
                c,
                b'+' | b'-' | b'.' | b'_' | b':' | b'x' | b'X' | b'o' | b'O' | b'e' | b'E'
            )
    }) && s.bytes().any(|c| c.is_ascii_digit());
    !numeric
}

/// Bytes at which a double-quoted scalar may need an escape: `"`, `\`, C0 controls and DEL,
/// and the first bytes of the other characters [`escape_char`] escapes (C1 controls U+0080 to
/// U+009F, U+2028, U+2029, U+FEFF).
const MAY_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[0x7f] = true;
    t[0xc2] = true;
    t[0xe2] = true;
    t[0xef] = true;
    t
};

/// Whether [`escape_char`] writes `c` other than as itself.
fn needs_escape(c: char) -> bool {
    matches!(c, '"' | '\\') || c.is_control() || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
}

/// `s` as a YAML scalar in block context.
pub fn scalar(s: &str, out: &mut String) {
    if plain_ok(s) {
        out.push_str(s);
        return;
    }
    out.reserve(s.len() + 2);
    out.push('"');
    // Runs of characters that need no escape are copied whole.
    let b = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while i < b.len() {
        if !MAY_ESCAPE[usize::from(b[i])] {
            i += 1;
            continue;
        }
        // (`i` is at a character boundary: every byte looked at is an ASCII byte or the
        // first byte of a character.)
        let c = s[i..].chars().next().unwrap_or_default();
        if needs_escape(c) {
            out.push_str(&s[run..i]);
            escape_char(c, out);
            run = i + c.len_utf8();
        }
        i += c.len_utf8();
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// `c` inside a double-quoted scalar: escaped when [`needs_escape`] says so.
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
    use super::{RESERVED, escape_char, plain_ok, plain_ok_text, scalar};

    /// The plain and quoted forms as first written, character by character: what the
    /// byte-wise checks must give.
    fn reference(s: &str) -> String {
        let edges = |s: &str| {
            let Some(first) = s.chars().next() else {
                return false;
            };
            if "-?:,[]{}#&*!|>'\"%@`".contains(first)
                || first.is_whitespace()
                || s.ends_with(char::is_whitespace)
                || s.ends_with(':')
                || RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s))
            {
                return false;
            }
            !(s.chars()
                .all(|c| c.is_ascii_hexdigit() || "+-._:xXoOeE".contains(c))
                && s.chars().any(|c| c.is_ascii_digit()))
        };
        let plain = !s.contains(": ")
            && !s.contains(" #")
            && !s.chars().any(|c| c.is_control() || c == '\u{feff}')
            && edges(s);
        if plain {
            return s.to_string();
        }
        let mut out = String::from('"');
        for c in s.chars() {
            if matches!(c, '"' | '\\')
                || c.is_control()
                || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
            {
                escape_char(c, &mut out);
            } else {
                out.push(c);
            }
        }
        out.push('"');
        out
    }

    /// Strings of pieces that matter to quoting, in many orders: the byte-wise checks give
    /// what the character-by-character ones give.
    #[test]
    fn quoting_agrees_with_the_character_by_character_checks() {
        let pieces = [
            "a",
            "x",
            "1",
            "0x",
            "e",
            ".",
            "-",
            ":",
            " ",
            "#",
            "\"",
            "\\",
            "'",
            "\n",
            "\t",
            "\u{7f}",
            "\u{85}",
            "\u{9f}",
            "\u{a0}",
            "é",
            "€",
            "\u{2028}",
            "\u{2029}",
            "\u{feff}",
            "\u{3000}",
            "😀",
            "{",
            "}",
            "[",
            "]",
            "yes",
            "No",
            "~",
            "<<",
            "=",
            "slo:sli",
            "{{ $value }}",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..200_000 {
            let mut s = String::new();
            for _ in 0..next(7) {
                s.push_str(pieces[next(pieces.len())]);
            }
            let mut out = String::new();
            scalar(&s, &mut out);
            assert_eq!(out, reference(&s), "{s:?}");
        }
    }

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
