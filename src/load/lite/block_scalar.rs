//! Literal (`|`, `|-`) and folded (`>`, `>-`) block scalars: their content lines, read from the
//! source text (a content line may look like a comment or an empty line to the line scanner),
//! and the text they stand for.

use std::borrow::Cow;

use super::{Id, Loc, Parser};

/// The content lines of a block scalar, without its indentation.
struct Content<'a> {
    lines: Vec<&'a str>,
    /// Where the full parser places the scalar: its first content line.
    loc: Loc,
    /// Number of the last content line.
    last: u64,
}

impl<'a> Parser<'a> {
    /// A literal or folded block scalar whose header (`|`, `|-`, `>`, `>-`, then maybe a
    /// comment) is `header`, on the current line; `indent` is that of the collection it is in.
    pub(super) fn block_scalar(&mut self, header: &str, indent: usize) -> Option<Id> {
        let folded = header.starts_with('>');
        let mut h = &header[1..];
        let strip = h.starts_with('-');
        if strip {
            h = &h[1..];
        }
        let comment = h.trim_start_matches(' ');
        if !(comment.is_empty() || (comment.starts_with('#') && comment.len() < h.len())) {
            return None;
        }
        let content = self.block_content(indent, folded)?;
        let out = join(&content.lines, folded, strip);
        while self
            .lines
            .get(self.at)
            .is_some_and(|l| l.number <= content.last)
        {
            self.at += 1;
        }
        self.scalar(Cow::Owned(out), false, content.loc)
    }

    /// The content lines after the header on the current line, indented past `indent`; `None`
    /// for what is left to the full parser: leading empty lines, empty lines with spaces past
    /// the indentation, trailing spaces, more-indented lines of a folded scalar, a last line
    /// without its line break, no content at all.
    fn block_content(&self, indent: usize, folded: bool) -> Option<Content<'a>> {
        let src = self.src;
        let mut pos = self.lines[self.at].end + 1;
        let mut number = self.lines[self.at].number;
        let mut block_indent = 0;
        let mut lines: Vec<&'a str> = Vec::new();
        let mut last = 0;
        let mut first_loc = None;
        while pos <= src.len() {
            let raw = src[pos..].split('\n').next().unwrap_or("");
            number += 1;
            let body = raw.trim_start_matches(' ');
            let spaces = raw.len() - body.len();
            if body.is_empty() {
                // An empty line: leading ones, or ones with spaces past the indentation (which
                // a literal scalar keeps), are left to the full parser.
                if first_loc.is_none() || spaces > block_indent {
                    if first_loc.is_none() && pos + raw.len() >= src.len() {
                        break;
                    }
                    return None;
                }
                lines.push("");
            } else {
                if first_loc.is_none() {
                    if spaces <= indent {
                        break;
                    }
                    block_indent = spaces;
                    first_loc = Some(Loc {
                        line: number,
                        col: spaces as u64 + 1,
                    });
                } else if spaces < block_indent {
                    break;
                }
                if body.ends_with(' ') || (folded && spaces > block_indent) {
                    return None;
                }
                // The last content line needs its line break (the text goes on after it).
                if pos + raw.len() >= src.len() {
                    return None;
                }
                lines.push(&raw[block_indent..]);
                last = number;
            }
            pos += raw.len() + 1;
        }
        let loc = first_loc?;
        while lines.last() == Some(&"") {
            lines.pop();
        }
        Some(Content { lines, loc, last })
    }
}

/// The text of a block scalar with these content lines: literal lines joined by line breaks,
/// folded ones by spaces (an empty line between two is a line break); clipped to one final
/// line break, or stripped of it.
fn join(content: &[&str], folded: bool, strip: bool) -> String {
    let mut out = String::with_capacity(content.iter().map(|l| l.len() + 1).sum());
    let mut breaks = 0;
    for (i, line) in content.iter().enumerate() {
        if line.is_empty() {
            breaks += 1;
            continue;
        }
        if i > 0 {
            if folded {
                if breaks == 0 {
                    out.push(' ');
                }
            } else {
                out.push('\n');
            }
            for _ in 0..breaks {
                out.push('\n');
            }
        }
        breaks = 0;
        out.push_str(line);
    }
    if !strip {
        out.push('\n');
    }
    out
}
