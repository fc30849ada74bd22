//! YAML syntax errors made readable: the parser's message is kept, but where the cause is one
//! people meet often — a tab in the indentation, a quote left open, a line indented off its
//! siblings — the diagnostic moves to the line that holds the cause and says how to fix it.

use crate::diag::{Diagnostic, Loc};

/// `d` (a YAML syntax error in `text`, whose lines are the file's) with the line of its cause
/// and a hint, when the cause is recognised.
pub(super) fn with_hint(mut d: Diagnostic, text: &str) -> Diagnostic {
    let lines: Vec<&str> = text.lines().collect();
    let at = usize::try_from(d.loc.line).unwrap_or(1).max(1);
    if let Some((line, col)) = tab_near(&lines, at) {
        d.loc = Loc { line, col };
        d.message = "a tab in the indentation: YAML indents with spaces only".into();
        d.help = Some("replace the tab with spaces (as many as the lines around it use)".into());
    } else if let Some((line, col, q)) = open_quote_before(&lines, at, &d.message) {
        d.loc = Loc { line, col };
        d.message = format!("the {q} quote opened here is not closed on its line");
        d.help = Some(format!(
            "close it with {q} at the end of the value; for text over several lines, use a block scalar (`key: |`)"
        ));
    } else if is_indentation(&d.message) {
        let content = lines
            .get(at - 1)
            .map_or(1, |l| l.len() - l.trim_start().len() + 1);
        d.loc.col = content as u64;
        d.help = Some(
            "check this line's indentation against the lines above: the keys of one mapping start in the same column, and the entries of a list each start with `- ` in the same column"
                .into(),
        );
    }
    d
}

/// The first tab in the indentation of the error line or the lines around it (the parser
/// reports a tab where the value before it ends, often on the line above).
fn tab_near(lines: &[&str], at: usize) -> Option<(u64, u64)> {
    let from = at.saturating_sub(1).max(1);
    (from..=at + 1).find_map(|n| {
        let line = lines.get(n - 1)?;
        let indent = &line[..line.len() - line.trim_start().len()];
        let col = indent.chars().position(|c| c == '\t')?;
        Some((n as u64, col as u64 + 1))
    })
}

/// Where the quote was opened that a quoted-scalar error (`message`) reports at line `at`: the
/// nearest line at or above it with an unbalanced quote, and the quote character.
fn open_quote_before(lines: &[&str], at: usize, message: &str) -> Option<(u64, u64, char)> {
    if !message.contains("quoted scalar") {
        return None;
    }
    (1..=at.min(lines.len())).rev().find_map(|n| {
        let line = lines[n - 1];
        open_quote(line).map(|(col, q)| (n as u64, col as u64 + 1, q))
    })
}

/// The column and character of a quote left open on `line`, outside a comment.
fn open_quote(line: &str) -> Option<(usize, char)> {
    let mut open: Option<(usize, char)> = None;
    let mut prev = ' ';
    let mut chars = line.chars().enumerate().peekable();
    while let Some((i, c)) = chars.next() {
        match open {
            Some((_, '"')) if c == '\\' => {
                chars.next();
            }
            Some((_, q)) if c == q => {
                if q == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') {
                    chars.next();
                } else {
                    open = None;
                }
            }
            Some(_) => {}
            None if c == '#' && (i == 0 || prev == ' ') => break,
            // A quote opens a scalar only where one starts: after `: `, `- `, `[`, `{`, `,`
            // or at the start of the line.
            None if (c == '"' || c == '\'') && matches!(prev, ' ' | '[' | '{' | ',' | '\t') => {
                open = Some((i, c));
            }
            None => {}
        }
        prev = c;
    }
    open
}

fn is_indentation(message: &str) -> bool {
    [
        "mapping values are not allowed",
        "did not find expected key",
        "did not find expected '-'",
        "invalid indentation",
        "block sequence entries are not allowed",
    ]
    .iter()
    .any(|m| message.contains(m))
}
