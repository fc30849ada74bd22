//! Flow collections (`{a: b}`, `[a, b]`), nested and over several lines, with plain, quoted
//! and aliased scalars inside; empty entries, trailing commas, complex keys and anything a
//! block around them would read differently are left to the full parser.

use std::borrow::Cow;

use super::scalars::{anchor_name, plain_key, plain_start, quoted};
use super::scanner::Pos;
use super::{Entry, Id, MAX_DEPTH, MAX_KEYS, N, Parser};

impl<'a> Parser<'a> {
    /// The next token of a flow collection: skips spaces, comments and line breaks. A line the
    /// collection goes on to must be indented past `indent` (that of the block collection it is
    /// in); a line that starts with a closing bracket, at least as far as `indent`.
    fn flow_skip(&self, pos: &mut Pos, indent: usize) -> Option<u8> {
        loop {
            let line = &self.lines[pos.line];
            let b = line.text.as_bytes();
            while b.get(pos.at) == Some(&b' ') {
                pos.at += 1;
            }
            match b.get(pos.at) {
                Some(b'#') if pos.at > 0 && b[pos.at - 1] == b' ' => {}
                Some(b'#') => return None,
                Some(&c) => return Some(c),
                None => {}
            }
            pos.line += 1;
            pos.at = 0;
            let next = self.lines.get(pos.line)?;
            let closing = next.text.starts_with([']', '}']);
            if next.indent <= indent && !(closing && next.indent == indent) {
                return None;
            }
        }
    }

    /// A flow collection or scalar at `pos` (after any spaces); leaves `pos` after it.
    fn flow_node(&mut self, pos: &mut Pos, indent: usize) -> Option<Id> {
        let text = self.lines[pos.line].text;
        let rest = &text[pos.at..];
        let loc = self.loc(pos.line, pos.at);
        let mut anchor = None;
        if let Some(after) = rest.strip_prefix('&') {
            let (name, len) = anchor_name(after)?;
            if !after[len..].starts_with(' ') {
                return None;
            }
            anchor = Some(self.anchor_start(name)?);
            pos.at += 1 + len;
            self.flow_skip(pos, indent)?;
        }
        let text = self.lines[pos.line].text;
        let rest = &text[pos.at..];
        let loc = if anchor.is_some() {
            self.loc(pos.line, pos.at)
        } else {
            loc
        };
        let id = match rest.as_bytes()[0] {
            b'{' | b'[' => self.flow(pos, indent)?,
            b'"' | b'\'' => {
                let (content, end) = quoted(rest)?;
                pos.at += end;
                self.scalar(content, false, loc)?
            }
            b'*' => {
                if anchor.is_some() {
                    return None;
                }
                let (name, len) = anchor_name(&rest[1..])?;
                pos.at += 1 + len;
                self.alias(name, loc)?
            }
            _ => {
                let len = rest
                    .find([',', '[', ']', '{', '}', ':', '#'])
                    .unwrap_or(rest.len());
                let value = rest[..len].trim_end_matches(' ');
                let after = &rest[len..];
                if value.is_empty()
                    || !plain_start(value)
                    || after.starts_with(['[', '{', '#'])
                    // A colon ends a key only before a space; anywhere else it is left to the
                    // full parser.
                    || (after.starts_with(':') && !after.starts_with(": "))
                    // A plain scalar that runs to the end of its line would go on on the next
                    // unless that starts with the end of the entry.
                    || (after.is_empty()
                        && !self.lines.get(pos.line + 1).is_some_and(|l| l.text.starts_with([',', ']', '}'])))
                {
                    return None;
                }
                pos.at += value.len();
                self.scalar(Cow::Borrowed(value), true, loc)?
            }
        };
        if let Some(a) = anchor {
            self.anchored(id, a);
        }
        Some(id)
    }

    /// A flow mapping or sequence at `pos`, which may go on over the next lines.
    pub(super) fn flow(&mut self, pos: &mut Pos, indent: usize) -> Option<Id> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let node = self.flow_inner(pos, indent);
        self.depth -= 1;
        node
    }

    /// [`Parser::flow`] inside its depth count.
    fn flow_inner(&mut self, pos: &mut Pos, indent: usize) -> Option<Id> {
        let loc = self.loc(pos.line, pos.at);
        let map = self.lines[pos.line].text.as_bytes()[pos.at] == b'{';
        let close = if map { b'}' } else { b']' };
        pos.at += 1;
        let mut entries: Vec<Entry<'a>> = Vec::new();
        let mut items = Vec::new();
        if self.flow_skip(pos, indent)? == close {
            pos.at += 1;
        } else {
            loop {
                if map {
                    let text = self.lines[pos.line].text;
                    let key_loc = self.loc(pos.line, pos.at);
                    let rest = &text[pos.at..];
                    let len = rest.find(": ")?;
                    let key = &rest[..len];
                    if !plain_key(key)
                        || entries.len() >= MAX_KEYS
                        || entries.iter().any(|e| e.key == key)
                    {
                        return None;
                    }
                    pos.at += len + 2;
                    match self.flow_skip(pos, indent)? {
                        b',' | b'}' | b']' => return None,
                        _ => {}
                    }
                    let value = self.flow_node(pos, indent)?;
                    entries.push(Entry {
                        key,
                        key_loc,
                        value,
                        merged: None,
                    });
                } else {
                    match self.flow_skip(pos, indent)? {
                        b',' | b'}' | b']' => return None,
                        _ => {}
                    }
                    let item = self.flow_node(pos, indent)?;
                    // `[a: b]` is a mapping in a sequence: left to the full parser.
                    if self.lines[pos.line].text.as_bytes().get(pos.at) == Some(&b':') {
                        return None;
                    }
                    items.push(item);
                }
                match self.flow_skip(pos, indent)? {
                    b',' => {
                        pos.at += 1;
                        if self.flow_skip(pos, indent)? == close {
                            return None;
                        }
                    }
                    c if c == close => {
                        pos.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.push(if map {
            N::Map(loc, entries)
        } else {
            N::Seq(loc, items)
        })
    }
}
