//! Scalars on one line: plain ones (and which plain words YAML reads as something other than
//! a string), single- and double-quoted ones with their escapes, keys, anchor names, and the
//! numbers a plain scalar is read as.

use std::borrow::Cow;

use super::MAX_KEY_LEN;
use crate::syntax::yaml::RESERVED;

/// Whether `k` is a key this reader reads: a plain word that YAML reads as that string.
pub(super) fn plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= MAX_KEY_LEN
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/'))
        && !matches!(k.as_bytes()[0], b'-' | b'.')
        && !special(k)
}

/// The name of an anchor or alias at the start of `s` and its length: letters, digits, `_`,
/// `-` and `.`, up to a space, the end of the line, or (in a flow collection) `,`, `]` or `}`.
pub(super) fn anchor_name(s: &str) -> Option<(&str, usize)> {
    let len = s
        .bytes()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')))
        .unwrap_or(s.len());
    let next = s.as_bytes().get(len);
    (len > 0 && matches!(next, None | Some(b' ' | b',' | b']' | b'}'))).then(|| (&s[..len], len))
}

/// A plain scalar YAML (1.1 or 1.2) may read as something other than a string: a null, a
/// boolean, or anything number-like (`1e3`, `0x1f`, `1_000`, `1:30`, `2001-12-14`, `.inf`).
/// Durations such as `30d` or `5m` are strings.
pub(super) fn special(s: &str) -> bool {
    let first = s.as_bytes()[0];
    if first == b'~' || RESERVED.iter().any(|word| s.eq_ignore_ascii_case(word)) {
        return true;
    }
    let prefixed =
        |p: &str| s.len() >= p.len() && s.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    (first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.'))
        && (s.bytes().all(|c| {
            c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.' | b'_' | b':' | b'e' | b'E')
        }) || ["0x", "0o", "0b", "+0x", "-0x", "+0o", "-0o", "+0b", "-0b"]
            .into_iter()
            .any(prefixed))
}

/// Whether a plain scalar may start as `s` does (not with an indicator).
pub(super) fn plain_start(s: &str) -> bool {
    !s.starts_with([
        '[', '{', ']', '}', ',', '&', '*', '!', '|', '>', '%', '@', '`', '#', '?', ':', '-', '"',
        '\'',
    ])
}

/// A quoted scalar at the start of `text`, closed on its line: its content and the byte offset
/// after its closing quote.
pub(super) fn quoted(text: &str) -> Option<(Cow<'_, str>, usize)> {
    let quote = text.as_bytes()[0];
    let body = &text[1..];
    let b = body.as_bytes();
    let mut i = 0;
    let mut owned: Option<String> = None;
    let mut run = 0;
    while i < b.len() {
        let c = b[i];
        if c == quote && quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
            let o = owned.get_or_insert_with(String::new);
            o.push_str(&body[run..=i]);
            i += 2;
            run = i;
        } else if c == quote {
            let content = match owned {
                None => Cow::Borrowed(&body[..i]),
                Some(mut o) => {
                    o.push_str(&body[run..i]);
                    Cow::Owned(o)
                }
            };
            return Some((content, i + 2));
        } else if c == b'\\' && quote == b'"' {
            let o = owned.get_or_insert_with(String::new);
            o.push_str(&body[run..i]);
            let (ch, len) = escape(&b[i + 1..])?;
            o.push(ch);
            i += 1 + len;
            run = i;
        } else {
            i += 1;
        }
    }
    None
}

/// The character a double-quoted scalar's escape stands for (`e` is what follows the
/// backslash) and how many bytes of `e` it takes. Escaped line breaks are left to the full
/// parser.
fn escape(e: &[u8]) -> Option<(char, usize)> {
    let hex = |n: usize| -> Option<(char, usize)> {
        let digits = e.get(1..=n)?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let code = u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()?;
        Some((char::from_u32(code)?, n + 1))
    };
    Some(match e.first()? {
        b'0' => ('\0', 1),
        b'a' => ('\u{7}', 1),
        b'b' => ('\u{8}', 1),
        b't' => ('\t', 1),
        b'n' => ('\n', 1),
        b'v' => ('\u{b}', 1),
        b'f' => ('\u{c}', 1),
        b'r' => ('\r', 1),
        b'e' => ('\u{1b}', 1),
        b' ' => (' ', 1),
        b'"' => ('"', 1),
        b'/' => ('/', 1),
        b'\\' => ('\\', 1),
        b'N' => ('\u{85}', 1),
        b'_' => ('\u{a0}', 1),
        b'L' => ('\u{2028}', 1),
        b'P' => ('\u{2029}', 1),
        b'x' => return hex(2),
        b'u' => return hex(4),
        b'U' => return hex(8),
        _ => return None,
    })
}

/// A plain scalar in decimal notation: `-`? digits, optionally `.` digits.
pub(super) fn decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "1"));
    let leading_zero = int.len() > 1 && int.starts_with('0');
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    !leading_zero && digits(int) && digits(frac)
}

/// A plain scalar in plain decimal digits (no sign, no leading zero) that fits a `u64`.
pub(super) fn unsigned(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}
