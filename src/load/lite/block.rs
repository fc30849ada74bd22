//! Block collections: mappings and sequences laid out by indentation, and the value after a
//! key or a sequence's `-` (a scalar, alias, flow collection or block scalar on the line, or a
//! nested block on the lines below).

use std::borrow::Cow;

use super::scalars::{anchor_name, plain_key, plain_start, quoted};
use super::scanner::{Line, Pos, after_node, chars, is_item, key_end, starts_map};
use super::{Entry, Id, Loc, MAX_DEPTH, MAX_KEYS, N, Parser};

impl<'a> Parser<'a> {
    /// The block node whose lines start at the current line, indented by `indent`.
    pub(super) fn block(&mut self, indent: usize) -> Option<Id> {
        let line = self.lines.get(self.at)?;
        if line.indent != indent || self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let node = if is_item(line.text) {
            self.seq(indent, false)
        } else {
            self.map(indent)
        };
        self.depth -= 1;
        node
    }

    /// A block sequence; `indentless` when it is the value of a key at its own indentation,
    /// which the full parser places at its first item's content.
    fn seq(&mut self, indent: usize, indentless: bool) -> Option<Id> {
        let start = if indentless {
            let text = self.lines[self.at].text;
            let rest = text[1..].trim_start_matches(' ');
            if rest.is_empty() || rest.starts_with('#') {
                return None;
            }
            self.loc(self.at, text.len() - rest.len())
        } else {
            self.loc(self.at, 0)
        };
        let mut items = Vec::new();
        while let Some(line) = self.lines.get(self.at) {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || !is_item(line.text) {
                return None;
            }
            let rest = line.text[1..].trim_start_matches(' ');
            if is_item(rest) {
                return None;
            }
            let offset = line.text.len() - rest.len();
            if starts_map(rest) {
                // The item is a mapping whose keys sit at the column after `- `.
                let inner = line.indent + offset;
                let number = line.number;
                let end = line.end;
                self.lines[self.at] = Line {
                    indent: inner,
                    text: rest,
                    number,
                    end,
                };
                if self.depth >= MAX_DEPTH {
                    return None;
                }
                self.depth += 1;
                let item = self.map(inner);
                self.depth -= 1;
                items.push(item?);
            } else {
                items.push(self.value(offset, indent, false)?);
            }
        }
        self.push(N::Seq(start, items))
    }

    /// A block mapping whose keys sit at column `indent`; merge keys are applied at its end.
    fn map(&mut self, indent: usize) -> Option<Id> {
        let start = self.loc(self.at, 0);
        let mut entries: Vec<Entry<'a>> = Vec::new();
        let mut merges = Vec::new();
        while let Some(line) = self.lines.get(self.at) {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || is_item(line.text) {
                return None;
            }
            let text = line.text;
            let colon = key_end(text)?;
            let key = &text[..colon];
            let key_loc = self.loc(self.at, 0);
            let offset = colon + 1 + text[colon + 1..].len()
                - text[colon + 1..].trim_start_matches(' ').len();
            let value = self.value(offset, indent, true)?;
            if key == "<<" {
                merges.push(value);
                continue;
            }
            if !plain_key(key) || entries.len() >= MAX_KEYS || entries.iter().any(|e| e.key == key)
            {
                return None;
            }
            entries.push(Entry {
                key,
                key_loc,
                value,
                merged: None,
            });
        }
        self.merge(&mut entries, &merges)?;
        self.push(N::Map(start, entries))
    }

    /// The value that starts at byte `offset` of the current line (a mapping's value after its
    /// key, or a sequence's item after its `-`) and the lines it takes; `indent` is the
    /// indentation of that mapping or sequence. Moves past its lines.
    fn value(&mut self, offset: usize, indent: usize, in_map: bool) -> Option<Id> {
        let text = self.lines[self.at].text;
        let mut rest = &text[offset..];
        let mut offset = offset;
        let mut anchor = None;
        if let Some(after) = rest.strip_prefix('&') {
            let (name, len) = anchor_name(after)?;
            anchor = Some(self.anchor_start(name)?);
            let skipped = after[len..].trim_start_matches(' ');
            if skipped.len() == after[len..].len() && !skipped.is_empty() {
                return None;
            }
            offset += text[offset..].len() - skipped.len();
            rest = skipped;
            // An anchor before an implicit key anchors the key: left to the full parser.
            if starts_map(rest) {
                return None;
            }
        }
        let id = if rest.is_empty() || rest.starts_with('#') {
            self.value_below(indent, in_map, anchor.is_some())?
        } else {
            self.value_on_line(rest, offset, indent, anchor.is_some())?
        };
        if let Some(a) = anchor {
            self.anchored(id, a);
        }
        Some(id)
    }

    /// A value with nothing after its key or `-` on the current line: a block on the lines
    /// below, a sequence at the key's own indentation, or (for a key) an empty value.
    fn value_below(&mut self, indent: usize, in_map: bool, anchored: bool) -> Option<Id> {
        let here = self.at;
        self.at += 1;
        match self.lines.get(self.at) {
            Some(next) if next.indent > indent => self.block(next.indent),
            Some(next) if in_map && next.indent == indent && is_item(next.text) => {
                if self.depth >= MAX_DEPTH {
                    return None;
                }
                self.depth += 1;
                let seq = self.seq(indent, true);
                self.depth -= 1;
                seq
            }
            _ if anchored || !in_map => None,
            // (An empty value is only ever read as `None`: its location is not used.)
            _ => {
                let line = &self.lines[here];
                self.push(N::Null(Loc {
                    line: line.number,
                    col: (line.indent + chars(line.text) + 1) as u64,
                }))
            }
        }
    }

    /// A value that starts on the current line at `rest` (byte `offset` of the line): a block
    /// scalar, an alias, a quoted or plain scalar, or a flow collection (which may go on over
    /// the next lines).
    fn value_on_line(
        &mut self,
        rest: &'a str,
        offset: usize,
        indent: usize,
        anchored: bool,
    ) -> Option<Id> {
        let here = self.at;
        let loc = self.loc(here, offset);
        match rest.as_bytes()[0] {
            b'|' | b'>' => self.block_scalar(rest, indent),
            b'*' => {
                if anchored {
                    return None;
                }
                let (name, len) = anchor_name(&rest[1..])?;
                if !after_node(&rest[1 + len..]) {
                    return None;
                }
                self.at += 1;
                self.alias(name, loc)
            }
            b'"' | b'\'' => {
                let (content, end) = quoted(rest)?;
                if !after_node(&rest[end..]) {
                    return None;
                }
                self.at += 1;
                self.scalar(content, false, loc)
            }
            b'{' | b'[' => {
                let mut pos = Pos {
                    line: here,
                    at: offset,
                };
                let id = self.flow(&mut pos, indent)?;
                let line = &self.lines[pos.line];
                if !after_node(&line.text[pos.at..]) {
                    return None;
                }
                self.at = pos.line + 1;
                Some(id)
            }
            _ => {
                let value = match rest.find(" #") {
                    Some(i) => rest[..i].trim_end_matches(' '),
                    None => rest,
                };
                if !plain_start(value) || key_end(value).is_some() {
                    return None;
                }
                self.at += 1;
                self.scalar(Cow::Borrowed(value), true, loc)
            }
        }
    }
}
