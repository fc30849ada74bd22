//! Example strings a label matcher's regular expression matches, read from the expression's
//! meaning rather than its text: regex-syntax's HIR, where every class is a set of chars and
//! every flag is applied, so a chosen char always belongs to its class. Also the whole set of
//! strings, for an expression that is a finite set of literals.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Chars taken from a class in this order before any other: label values read as ordinary
/// words and numbers.
const PREFERRED: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-. ";

/// A class of at most this many chars gives each of them (an alternation of single chars, such
/// as `a|b`, reads as one); a larger one gives its most ordinary char.
const SMALL_CLASS: u32 = 4;

/// Example strings a (fully anchored) regular expression matches: one per alternative, the
/// most ordinary first. Candidates only; callers check them against the matcher.
pub fn regex_examples(re: &str) -> Vec<String> {
    // regex-syntax is the parser the `regex` crate (and so every matcher) uses: the examples
    // follow the same escapes, classes, flags and repetitions as the match itself.
    regex_syntax::parse(re).map_or_else(|_| Vec::new(), |hir| examples(&hir))
}

/// Every string a (fully anchored) regular expression matches, when that is a finite set of
/// literals (`critical`, `warning|info`, `(a|b)c`); `None` when any part is a repetition or a
/// look-around, or the set would be large.
pub fn finite_language(re: &str) -> Option<Vec<String>> {
    words(&regex_syntax::parse(re).ok()?)
}

/// At most this many strings in a finite language.
const MAX_WORDS: usize = 256;

fn words(hir: &Hir) -> Option<Vec<String>> {
    match hir.kind() {
        HirKind::Empty => Some(vec![String::new()]),
        HirKind::Literal(l) => Some(vec![String::from_utf8_lossy(&l.0).into_owned()]),
        HirKind::Capture(c) => words(&c.sub),
        HirKind::Alternation(subs) => {
            let mut out = Vec::new();
            for s in subs {
                out.extend(words(s)?);
            }
            (out.len() <= MAX_WORDS).then_some(out)
        }
        HirKind::Concat(subs) => {
            let mut out = vec![String::new()];
            for s in subs {
                let next = words(s)?;
                if out.len() * next.len() > MAX_WORDS {
                    return None;
                }
                out = out
                    .iter()
                    .flat_map(|a| next.iter().map(move |b| format!("{a}{b}")))
                    .collect();
            }
            Some(out)
        }
        HirKind::Class(c) => {
            let chars: Vec<char> = ranges(c)
                .into_iter()
                .flat_map(|(a, b)| a..=b)
                .take(MAX_WORDS + 1)
                .collect();
            (chars.len() <= MAX_WORDS).then(|| chars.iter().map(char::to_string).collect())
        }
        HirKind::Look(_) | HirKind::Repetition(_) => None,
    }
}

/// Strings `hir` matches: the first of each part of a concatenation, then each other example of
/// one part in turn; every alternative of an alternation; a repetition at its minimum count.
fn examples(hir: &Hir) -> Vec<String> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(l) => vec![String::from_utf8_lossy(&l.0).into_owned()],
        HirKind::Class(c) => class_examples(&ranges(c)),
        HirKind::Capture(c) => examples(&c.sub),
        HirKind::Repetition(r) => {
            if r.min == 0 {
                return vec![String::new()];
            }
            let times = usize::try_from(r.min).unwrap_or(usize::MAX);
            examples(&r.sub).iter().map(|e| e.repeat(times)).collect()
        }
        HirKind::Concat(subs) => {
            let parts: Vec<Vec<String>> = subs.iter().map(examples).collect();
            if parts.iter().any(Vec::is_empty) {
                return Vec::new();
            }
            let first: Vec<&str> = parts.iter().map(|p| p[0].as_str()).collect();
            let mut out = vec![first.concat()];
            for (i, p) in parts.iter().enumerate() {
                for other in &p[1..] {
                    let mut v = first.clone();
                    v[i] = other;
                    out.push(v.concat());
                }
            }
            out
        }
        HirKind::Alternation(subs) => subs.iter().flat_map(examples).collect(),
    }
}

/// The chars of a class as inclusive ranges (a class of bytes: its ASCII part).
fn ranges(c: &Class) -> Vec<(char, char)> {
    match c {
        Class::Unicode(u) => u.iter().map(|r| (r.start(), r.end())).collect(),
        Class::Bytes(b) => b
            .iter()
            .filter(|r| r.start().is_ascii())
            .map(|r| (char::from(r.start()), char::from(r.end().min(0x7f))))
            .collect(),
    }
}

/// Every char of a small class, else its most ordinary one; most ordinary first.
fn class_examples(ranges: &[(char, char)]) -> Vec<String> {
    let size: u32 = ranges
        .iter()
        .map(|(a, b)| u32::from(*b) - u32::from(*a) + 1)
        .fold(0, u32::saturating_add);
    let mut chars: Vec<char> = if size <= SMALL_CLASS {
        ranges.iter().flat_map(|(a, b)| *a..=*b).collect()
    } else {
        let contains = |c: &char| ranges.iter().any(|(a, b)| (*a..=*b).contains(c));
        PREFERRED
            .chars()
            .chain((' '..='~').filter(char::is_ascii_graphic))
            .find(contains)
            .or_else(|| ranges.first().map(|r| r.0))
            .into_iter()
            .collect()
    };
    chars.sort_by_key(|c| rank(*c));
    chars.into_iter().map(String::from).collect()
}

/// How ordinary a char is as part of a label value: lower ranks first.
fn rank(c: char) -> (u8, u32) {
    match PREFERRED.find(c) {
        Some(i) => (0, u32::try_from(i).unwrap_or(u32::MAX)),
        None if c.is_ascii_graphic() => (1, u32::from(c)),
        None => (2, u32::from(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_examples_match() {
        assert_eq!(regex_examples("5.."), ["500"]);
        assert_eq!(regex_examples("(5..|429)"), ["500", "429"]);
        assert_eq!(
            regex_examples("approved|declined_server"),
            ["approved", "declined_server"]
        );
        assert_eq!(regex_examples("/debug.*"), ["/debug"]);
        assert_eq!(regex_examples("[0-9]+x{2}"), ["0xx"]);
    }

    #[test]
    fn finite_languages_are_listed_whole() {
        assert_eq!(
            finite_language("warning|info"),
            Some(vec!["warning".to_string(), "info".to_string()])
        );
        assert_eq!(
            finite_language("(a|b)c"),
            Some(vec!["ac".to_string(), "bc".to_string()])
        );
        assert_eq!(finite_language(""), Some(vec![String::new()]));
        // o, O × k, K and the Kelvin sign (Unicode case folding).
        assert_eq!(finite_language("(?i)ok").map(|w| w.len()), Some(6));
        for infinite in [".+", "a+", ".", "(?:"] {
            assert_eq!(finite_language(infinite), None, "{infinite}");
        }
    }
}
