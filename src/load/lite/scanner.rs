//! The text as lines: which characters make the reader give up, the lines that hold content
//! (with their indentation, number and end), and the small tests the parsers make on a line's
//! text (an item, a key, what may follow a value).

/// A line with content (not empty, not only a comment).
pub(super) struct Line<'a> {
    /// Column of the content, 0-based, in characters (the indentation is ASCII spaces).
    pub(super) indent: usize,
    /// The content, from its first non-space character, without trailing spaces.
    pub(super) text: &'a str,
    /// 1-based.
    pub(super) number: u64,
    /// Byte offset of the end of the line (its line break, or the end of the text).
    pub(super) end: usize,
}

/// A position inside the lines: line index and byte offset into its text.
#[derive(Clone, Copy)]
pub(super) struct Pos {
    pub(super) line: usize,
    pub(super) at: usize,
}

/// The lines of `text` that hold content, or `None` when the text has a character or a line
/// this reader leaves to the full parser: tabs, carriage returns and whatever YAML does not
/// allow in a document or might read as a line break (C0 and C1 controls, DEL, NEL, the Unicode
/// line separators, BOM, non-characters); document markers after the first line; directives.
pub(super) fn lines(text: &str) -> Option<Vec<Line<'_>>> {
    let refused = |c: char| {
        (c < ' ' && c != '\n')
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            )
    };
    if text.bytes().any(|b| (b < b' ' && b != b'\n') || b == 0x7f)
        || (!text.is_ascii() && text.chars().any(refused))
    {
        return None;
    }
    let mut lines = Vec::with_capacity(text.len() / 24);
    let mut start = 0;
    for (i, raw) in text.split('\n').enumerate() {
        let end = start + raw.len();
        start = end + 1;
        let body = raw.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if i == 0 && body == "---" {
            continue;
        }
        if body.starts_with("---") || body.starts_with("...") || body.starts_with('%') {
            return None;
        }
        lines.push(Line {
            indent: raw.len() - body.len(),
            text: body.trim_end_matches(' '),
            number: i as u64 + 1,
            end,
        });
    }
    Some(lines)
}

/// The width of `s` in characters (columns count characters).
pub(super) fn chars(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Whether a line's content is a block sequence item (`-` alone or before a space).
pub(super) fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// Where the key of a `key: value` line ends (the colon), if the line is one.
pub(super) fn key_end(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    (0..b.len()).find(|&i| b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' '))
}

/// Whether `text` starts a block mapping (an implicit key, not a scalar or collection that
/// happens to hold `: `).
pub(super) fn starts_map(text: &str) -> bool {
    !text.starts_with(['"', '\'', '{', '[', '|', '>', '*', '&', '!']) && key_end(text).is_some()
}

/// What may follow a complete value on its line: nothing, or spaces and then maybe a comment.
pub(super) fn after_node(after: &str) -> bool {
    let rest = after.trim_start_matches(' ');
    rest.is_empty() || (rest.starts_with('#') && rest.len() < after.len())
}
