//! A reader for the plain block YAML most spec files are written in.
//!
//! Spec files are mostly block mappings and sequences of one-line scalars. This reader parses
//! that subset in one pass over the lines and hands it to the typed structures through its own
//! `serde` deserializer. Anything outside the subset, or anything whose meaning it is not
//! certain of, makes it give up (`None`), and the document is read by the full YAML parser
//! instead: it only ever answers where it gives the full parser's result. Inside the subset:
//! block mappings with plain keys, block sequences, one-line plain and quoted scalars, flow
//! mappings and sequences of such scalars that close on their line, and comments. Outside it:
//! block scalars (`|`, `>`), multi-line scalars and flow collections, nested flow collections,
//! anchors, aliases, tags, directives, tabs, quoted keys, escapes other than the common ones,
//! nesting deeper than [`MAX_DEPTH`] blocks, and any plain scalar that
//! YAML could read as something other than a string where a string is asked for (numbers,
//! booleans, null), or as a string where a number or boolean is asked for.
//!
//! Like the strict adaptor ([`super::strict`]), it refuses a key the typed structure would
//! skip, so a document it reads has nothing for the schema check to report.
//!
//! Locations: every value deserialized as [`Sp`] gets the line and column of its node, the
//! same ones the full parser gives (a scalar's first character, its opening quote; a block
//! mapping's first key; a block sequence's first `-`).

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::Deserialize;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use crate::diag::Loc;

/// Reads `text` (one document) as `T`, or `None` when it is outside the subset or does not fit `T`.
pub fn read<T: for<'de> Deserialize<'de>>(text: &str) -> Option<T> {
    let node = parse(text)?;
    let _active = Active::start();
    T::deserialize(NodeDe(&node)).ok()
}

/// Marks this reader active on the thread until dropped (also when a `Deserialize` panics, so
/// that later reads by the full parser on the thread keep their own locations).
struct Active;

impl Active {
    fn start() -> Active {
        ACTIVE.with(|a| a.set(true));
        Active
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(false));
    }
}

thread_local! {
    /// Set while this reader deserializes on this thread.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// Location of the node handed to the next `Deserialize` call.
    static NEXT: Cell<Loc> = const { Cell::new(Loc { line: 1, col: 1 }) };
}

/// The location of the value being deserialized, when this reader is the one reading it.
pub fn current_loc() -> Option<Loc> {
    if ACTIVE.with(Cell::get) {
        Some(NEXT.with(Cell::get))
    } else {
        None
    }
}

fn hand_over(loc: Loc) {
    NEXT.with(|n| n.set(loc));
}

#[derive(Debug)]
enum Node<'a> {
    /// An empty value (`key:` with nothing under it).
    Null(Loc),
    Scalar(Scalar<'a>),
    Map(Loc, Vec<(Scalar<'a>, Node<'a>)>),
    Seq(Loc, Vec<Node<'a>>),
}

impl Node<'_> {
    fn loc(&self) -> Loc {
        match self {
            Node::Null(l) | Node::Map(l, _) | Node::Seq(l, _) => *l,
            Node::Scalar(s) => s.loc,
        }
    }
}

#[derive(Debug)]
struct Scalar<'a> {
    text: Cow<'a, str>,
    plain: bool,
    loc: Loc,
}

struct Line<'a> {
    /// Column of the content, 0-based, in characters (the indentation is ASCII spaces).
    indent: usize,
    /// The content, from its first non-space character.
    text: &'a str,
    /// 1-based.
    number: u64,
}

/// The parsed document, or `None` when it is outside the subset.
fn parse(text: &str) -> Option<Node<'_>> {
    // Tabs, carriage returns and whatever YAML does not allow in a document or might read as a
    // line break (C0 and C1 controls, DEL, NEL, the Unicode line separators, BOM, non-characters).
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
    for (i, raw) in text.split('\n').enumerate() {
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
        });
    }
    let first = lines.first()?;
    if first.indent != 0 {
        return None;
    }
    let mut p = Parser {
        lines,
        at: 0,
        depth: 0,
    };
    let root = p.block(0)?;
    (p.at == p.lines.len()).then_some(root)
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    at: usize,
    /// Blocks nested so far; deeper documents are left to the full parser (whose own limit
    /// then reports them), so neither this parser nor the deserializer recurses without bound.
    depth: usize,
}

/// Nested blocks read at most (a spec nests about eight).
const MAX_DEPTH: usize = 32;

/// Keys of one block mapping read at most.
const MAX_KEYS: usize = 256;

impl<'a> Parser<'a> {
    fn loc(&self, i: usize, offset: usize) -> Loc {
        let l = &self.lines[i];
        Loc {
            line: l.number,
            col: (l.indent + chars(&l.text[..offset]) + 1) as u64,
        }
    }

    /// The block node whose lines start at the current line, indented by `indent`.
    fn block(&mut self, indent: usize) -> Option<Node<'a>> {
        let line = self.lines.get(self.at)?;
        if line.indent != indent || self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let node = if is_item(line.text) {
            self.seq(indent)
        } else {
            self.map(indent)
        };
        self.depth -= 1;
        node
    }

    fn seq(&mut self, indent: usize) -> Option<Node<'a>> {
        let start = self.loc(self.at, 0);
        let mut items = Vec::new();
        while let Some(line) = self.lines.get(self.at) {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || !is_item(line.text) {
                return None;
            }
            let rest = line.text[1..].trim_start_matches(' ');
            if rest.is_empty() || is_item(rest) {
                return None;
            }
            let offset = line.text.len() - rest.len();
            if starts_map(rest) {
                // The item is a mapping whose keys sit at the column after `- `.
                let inner = line.indent + offset;
                let number = line.number;
                self.lines[self.at] = Line {
                    indent: inner,
                    text: rest,
                    number,
                };
                items.push(self.map(inner)?);
            } else {
                let loc = self.loc(self.at, offset);
                items.push(value(rest, loc)?);
                self.at += 1;
            }
        }
        Some(Node::Seq(start, items))
    }

    fn map(&mut self, indent: usize) -> Option<Node<'a>> {
        let start = self.loc(self.at, 0);
        let mut entries: Vec<(Scalar<'a>, Node<'a>)> = Vec::new();
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
            // (Keys are checked for repeats one by one: a mapping with more is left to the full parser.)
            if !plain_key(key)
                || entries.len() >= MAX_KEYS
                || entries.iter().any(|(k, _)| k.text == key)
            {
                return None;
            }
            let key = Scalar {
                text: Cow::Borrowed(key),
                plain: true,
                loc: self.loc(self.at, 0),
            };
            let rest = text[colon + 1..].trim_start_matches(' ');
            let value = if rest.is_empty() || rest.starts_with('#') {
                let here = self.at;
                self.at += 1;
                match self.lines.get(self.at) {
                    Some(next) if next.indent > indent => self.block(next.indent)?,
                    Some(next) if next.indent == indent && is_item(next.text) => {
                        self.seq(indent)?
                    }
                    // (An empty value is only ever read as `None`: its location is not used.)
                    _ => Node::Null(Loc {
                        line: self.lines[here].number,
                        col: (self.lines[here].indent + chars(text) + 1) as u64,
                    }),
                }
            } else {
                let offset = text.len() - rest.len();
                let v = value(rest, self.loc(self.at, offset))?;
                self.at += 1;
                v
            };
            entries.push((key, value));
        }
        Some(Node::Map(start, entries))
    }
}

fn chars(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// Where the key of a `key: value` line ends (the colon), if the line is one.
fn key_end(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    (0..b.len()).find(|&i| b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' '))
}

fn starts_map(text: &str) -> bool {
    !text.starts_with(['"', '\'', '{', '[']) && key_end(text).is_some()
}

fn plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/'))
        && !matches!(k.as_bytes()[0], b'-' | b'.')
        && !special(k)
}

/// A plain scalar YAML (1.1 or 1.2) may read as something other than a string: a null, a
/// boolean, or anything number-like (`1e3`, `0x1f`, `1_000`, `1:30`, `2001-12-14`, `.inf`).
/// Durations such as `30d` or `5m` are strings.
fn special(s: &str) -> bool {
    let first = s.as_bytes()[0];
    if first == b'~'
        || crate::syntax::yaml::RESERVED
            .iter()
            .any(|word| s.eq_ignore_ascii_case(word))
    {
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

/// The value that fills the rest of its line (after it only a comment): a scalar, or a flow
/// mapping or sequence of scalars on this line.
fn value(text: &str, loc: Loc) -> Option<Node<'_>> {
    match text.as_bytes()[0] {
        b'"' | b'\'' => {
            let (content, end) = quoted(text)?;
            after_quote(&text[end..]).then_some({
                Node::Scalar(Scalar {
                    text: content,
                    plain: false,
                    loc,
                })
            })
        }
        b'{' | b'[' => flow(text, loc),
        _ => {
            let value = match text.find(" #") {
                Some(i) => text[..i].trim_end_matches(' '),
                None => text,
            };
            (plain_start(value) && key_end(value).is_none()).then_some({
                Node::Scalar(Scalar {
                    text: Cow::Borrowed(value),
                    plain: true,
                    loc,
                })
            })
        }
    }
}

/// Whether a plain scalar may start as `s` does (not with an indicator).
fn plain_start(s: &str) -> bool {
    !s.starts_with([
        '[', '{', ']', '}', ',', '&', '*', '!', '|', '>', '%', '@', '`', '#', '?', ':', '-', '"',
        '\'',
    ])
}

/// A quoted scalar at the start of `text`: its content and the byte offset after its closing quote.
fn quoted(text: &str) -> Option<(Cow<'_, str>, usize)> {
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
            o.push(match b.get(i + 1)? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'n' => '\n',
                b't' => '\t',
                _ => return None,
            });
            i += 2;
            run = i;
        } else {
            i += 1;
        }
    }
    None
}

/// A flow mapping or sequence of scalars that closes on its line: `{ a: b, c: d }`, `[a, "b"]`.
fn flow(text: &str, loc: Loc) -> Option<Node<'_>> {
    let b = text.as_bytes();
    let map = b[0] == b'{';
    let close = if map { b'}' } else { b']' };
    let at = |i: usize| Loc {
        line: loc.line,
        col: loc.col + chars(&text[..i]) as u64,
    };
    let skip = |i: &mut usize| {
        while b.get(*i) == Some(&b' ') {
            *i += 1;
        }
    };
    let mut entries: Vec<(Scalar<'_>, Node<'_>)> = Vec::new();
    let mut items = Vec::new();
    let mut i = 1;
    skip(&mut i);
    if b.get(i) == Some(&close) {
        i += 1;
    } else {
        loop {
            let (first, next) = flow_scalar(text, i, at(i))?;
            i = next;
            skip(&mut i);
            if map {
                if !first.plain
                    || !plain_key(&first.text)
                    || entries.iter().any(|(k, _)| k.text == first.text)
                    || b.get(i) != Some(&b':')
                    || b.get(i + 1) != Some(&b' ')
                {
                    return None;
                }
                i += 2;
                skip(&mut i);
                let (v, next) = flow_scalar(text, i, at(i))?;
                i = next;
                skip(&mut i);
                entries.push((first, Node::Scalar(v)));
            } else {
                items.push(Node::Scalar(first));
            }
            match b.get(i) {
                Some(b',') => {
                    i += 1;
                    skip(&mut i);
                    if b.get(i) == Some(&close) {
                        return None;
                    }
                }
                Some(&c) if c == close => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    if !after_quote(&text[i..]) {
        return None;
    }
    Some(if map {
        Node::Map(loc, entries)
    } else {
        Node::Seq(loc, items)
    })
}

/// A scalar inside a flow collection, starting at byte `i`: it and the offset after it.
fn flow_scalar(text: &str, i: usize, loc: Loc) -> Option<(Scalar<'_>, usize)> {
    let rest = &text[i..];
    if rest.starts_with(['"', '\'']) {
        let (content, end) = quoted(rest)?;
        return Some((
            Scalar {
                text: content,
                plain: false,
                loc,
            },
            i + end,
        ));
    }
    let len = rest
        .find([',', '[', ']', '{', '}', ':', '#'])
        .unwrap_or(rest.len());
    let value = rest[..len].trim_end_matches(' ');
    if value.is_empty() || !plain_start(value) || rest[len..].starts_with(['[', '{', '#']) {
        return None;
    }
    // A colon ends a key only before a space; anywhere else it is left to the full parser.
    if rest[len..].starts_with(':') && !rest[len..].starts_with(": ") {
        return None;
    }
    Some((
        Scalar {
            text: Cow::Borrowed(value),
            plain: true,
            loc,
        },
        i + value.len(),
    ))
}

/// What may follow a closing quote or bracket on its line: nothing, or spaces and then maybe a
/// comment.
fn after_quote(after: &str) -> bool {
    let rest = after.trim_start_matches(' ');
    rest.is_empty() || (rest.starts_with('#') && rest.len() < after.len())
}

/// Why the read stopped; never shown (the full parser reads the document instead).
#[derive(Debug)]
pub struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("outside the plain block subset")
    }
}

impl std::error::Error for GiveUp {}

impl de::Error for GiveUp {
    fn custom<T: fmt::Display>(_: T) -> Self {
        GiveUp
    }
}

struct NodeDe<'n, 'a>(&'n Node<'a>);

impl<'n, 'a> NodeDe<'n, 'a> {
    /// A plain scalar that is certainly a string.
    fn string(&self) -> Result<&'n str, GiveUp> {
        match self.0 {
            Node::Scalar(s) if !s.plain || !special(&s.text) => Ok(&s.text),
            _ => Err(GiveUp),
        }
    }

    fn plain(&self) -> Result<&'n str, GiveUp> {
        match self.0 {
            Node::Scalar(s) if s.plain => Ok(&s.text),
            _ => Err(GiveUp),
        }
    }
}

/// A plain scalar in decimal notation: `-`? digits, optionally `.` digits.
fn decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "1"));
    let leading_zero = int.len() > 1 && int.starts_with('0');
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    !leading_zero && digits(int) && digits(frac)
}

fn unsigned(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

macro_rules! give_up {
    ($($name:ident)*) => {
        $(fn $name<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
            Err(GiveUp)
        })*
    };
}

impl<'de, 'n, 'a> Deserializer<'de> for NodeDe<'n, 'a> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Node::Map(..) => self.deserialize_map(v),
            Node::Seq(..) => self.deserialize_seq(v),
            Node::Scalar(_) => v.visit_str(self.string()?),
            Node::Null(_) => Err(GiveUp),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        v.visit_str(self.string()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        v.visit_str(self.string()?)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        v.visit_str(self.string()?)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        let s = self.plain()?;
        if !decimal(s) {
            return Err(GiveUp);
        }
        v.visit_f64(s.parse().map_err(|_| GiveUp)?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        v.visit_u64(unsigned(self.plain()?).ok_or(GiveUp)?)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        let n = u32::try_from(unsigned(self.plain()?).ok_or(GiveUp)?).map_err(|_| GiveUp)?;
        v.visit_u32(n)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.plain()? {
            "true" => v.visit_bool(true),
            "false" => v.visit_bool(false),
            _ => Err(GiveUp),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Node::Null(_) => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, GiveUp> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Node::Seq(_, items) => {
                let mut access = Items(items.iter());
                let out = v.visit_seq(&mut access)?;
                if access.0.len() != 0 {
                    return Err(GiveUp);
                }
                Ok(out)
            }
            _ => Err(GiveUp),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Node::Map(_, entries) => {
                let mut access = Entries {
                    rest: entries.iter(),
                    value: None,
                };
                let out = v.visit_map(&mut access)?;
                if access.rest.len() != 0 {
                    return Err(GiveUp);
                }
                Ok(out)
            }
            _ => Err(GiveUp),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, GiveUp> {
        self.deserialize_map(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, GiveUp> {
        match self.0 {
            Node::Map(_, entries) if entries.len() == 1 => {
                v.visit_enum(Variant(&entries[0].0, &entries[0].1))
            }
            _ => Err(GiveUp),
        }
    }

    give_up! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u128 deserialize_f32 deserialize_char deserialize_bytes
        deserialize_byte_buf deserialize_unit deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }
}

struct Items<'n, 'a>(std::slice::Iter<'n, Node<'a>>);

impl<'de> SeqAccess<'de> for Items<'_, '_> {
    type Error = GiveUp;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, GiveUp> {
        match self.0.next() {
            Some(n) => {
                hand_over(n.loc());
                seed.deserialize(NodeDe(n)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'n, 'a> {
    rest: std::slice::Iter<'n, (Scalar<'a>, Node<'a>)>,
    value: Option<&'n Node<'a>>,
}

impl<'de> MapAccess<'de> for Entries<'_, '_> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, GiveUp> {
        match self.rest.next() {
            Some((k, v)) => {
                self.value = Some(v);
                hand_over(k.loc);
                seed.deserialize(KeyDe(k)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, GiveUp> {
        let v = self.value.take().ok_or(GiveUp)?;
        hand_over(v.loc());
        seed.deserialize(NodeDe(v))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.rest.len())
    }
}

/// A mapping key: always a string (keys are checked to be plain, non-special words).
struct KeyDe<'n, 'a>(&'n Scalar<'a>);

impl<'de> Deserializer<'de> for KeyDe<'_, '_> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        v.visit_str(&self.0.text)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier
    }
}

struct Variant<'n, 'a>(&'n Scalar<'a>, &'n Node<'a>);

impl<'de> EnumAccess<'de> for Variant<'_, '_> {
    type Error = GiveUp;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), GiveUp> {
        let key: de::value::StrDeserializer<'_, GiveUp> = self.0.text.as_ref().into_deserializer();
        Ok((seed.deserialize(key)?, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'_, '_> {
    type Error = GiveUp;

    fn unit_variant(self) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, GiveUp> {
        hand_over(self.1.loc());
        seed.deserialize(NodeDe(self.1))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, GiveUp> {
        NodeDe(self.1).deserialize_map(v)
    }
}

#[cfg(test)]
mod tests {
    use super::read;
    use crate::load::{assert_fast_path_agrees, native::ServiceSpec, sloth::SlothSpec};

    const SERVICE: &str = "\
# leading comment
apiVersion: sloforge.dev/v1
kind: Service
name: api   # trailing comment
team: 'core'
description: \"Payments \\\"API\\\" \\\\ v2\"
labels:
  app.kubernetes.io/name: api-v2
  domain: 'it''s'
slos:
- name: availability
  description: Zahlungen — ohne Fehler
  objective: 99.9
  window: 30d

  sli:
    ratio:
      errors: http_requests_total{job=\"api\",code=~\"5..\"}
      total: http_requests_total{job=\"api\"}
  alerting:
    tiers:
      ticket-slow: { enabled: false }
      page-fast: {for: 5m}
    annotations:
      runbook_url: \"https://runbooks.example.com/[[ service ]]/[[ slo ]]\"
-   name: latency
    objective: 99
    sli:
      latency:
        metric: http_request_duration_seconds
        selector: '{job=\"api\"}'
        threshold: 200ms
        buckets: [0.1, 0.2, 1]
";

    const SLOTH: &str = "\
version: prometheus/v1
service: api
labels:
  owner: team-a
slos:
  - name: requests
    objective: 99.5
    description: 'Requests: without server errors'
    sli:
      events:
        error_query: sum(rate(http_requests_total{job=\"api\",code=~\"5..\"}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job=\"api\"}[{{.window}}]))
    alerting:
      name: ApiRequestsBurn
      labels:
        category: availability
      page_alert:
        labels:
          severity: critical
      ticket_alert:
        disable: true
";

    #[test]
    fn reads_what_the_full_parser_reads_with_the_same_locations() {
        assert!(read::<ServiceSpec>(SERVICE).is_some());
        assert!(read::<SlothSpec>(SLOTH).is_some());
        // Compares the typed results, locations included, with the full parser's.
        assert_eq!(assert_fast_path_agrees(SERVICE), 1);
        assert_eq!(assert_fast_path_agrees(SLOTH), 1);
    }

    #[test]
    fn gives_up_outside_the_subset() {
        let cases = [
            ("block scalar", "description: |\n    two\n    lines\n"),
            ("folded", "description: >-\n    two\n"),
            ("continued plain scalar", "description: two\n    lines\n"),
            ("anchor", "description: &d text\n"),
            ("alias key", "<<: *base\n"),
            ("tag", "description: !!str text\n"),
            ("quoted key", "\"description\": text\n"),
            ("number as a string", "description: 0x1f\n"),
            ("boolean as a string", "description: yes\n"),
            ("null as a string", "description: ~\n"),
            ("string as a number", "objective: '99.9'\n"),
            ("exponent", "objective: 1e2\n"),
            ("leading zero", "objective: 099\n"),
            ("unknown escape", "description: \"a\\x41\"\n"),
            ("tab", "description:\ttext\n"),
            ("carriage return", "description: text\r\n"),
            ("control character", "description: te\u{7f}xt\n"),
            ("duplicate key", "team: a\nteam: b\n"),
            ("nested flow", "labels: { a: [b] }\n"),
            ("unclosed flow", "labels: { a: b\n"),
            ("trailing comma", "labels: { a: b, }\n"),
            ("colon in a value", "description: a: b\n"),
            ("comment without a space", "description: \"a\"# no\n"),
            ("document end", "description: a\n...\n"),
            ("unknown key", "colour: blue\n"),
        ];
        for (what, extra) in cases {
            let doc = format!(
                "apiVersion: sloforge.dev/v1\nkind: Service\nname: api\nteam: core\n{extra}slos: []\n"
            );
            assert!(read::<ServiceSpec>(&doc).is_none(), "{what}: read\n{doc}");
            // The loader still reads it, through the full parser.
            let _ = assert_fast_path_agrees(&doc);
        }
    }

    #[test]
    fn a_root_placed_off_its_first_line_is_left_to_the_located_tree() {
        for head in ["!\n", "&root\n", "# c\n  !!map\n", "\r\r# c\n"] {
            let doc = format!(
                "{head}apiVersion: sloforge.dev/v1\nkind: Service\nname: api\nteam: core\nslos: []\n"
            );
            assert_eq!(assert_fast_path_agrees(&doc), 0, "{doc}");
        }
    }

    #[test]
    fn deep_nesting_is_left_to_the_full_parser() {
        let mut doc = String::from(
            "apiVersion: sloforge.dev/v1\nkind: Service\nname: api\nteam: core\nslos: []\nlabels:\n",
        );
        for depth in 1..=5000 {
            doc.push_str(&" ".repeat(depth));
            doc.push_str("a:\n");
        }
        assert!(super::parse(&doc).is_none());
        assert!(read::<ServiceSpec>(&doc).is_none());
    }

    #[test]
    fn durations_and_words_are_strings() {
        for s in [
            "30d",
            "5m",
            "1h30m",
            "api",
            "no-op",
            "nullable",
            "yesterday",
            "on-call",
        ] {
            assert!(!super::special(s), "{s}");
        }
        for s in [
            "1",
            "-1",
            "1.5",
            "1e3",
            "1_000",
            "1:30",
            "2001-12-14",
            ".inf",
            "-.Inf",
            ".NaN",
            "0x1F",
            "0o17",
            "~",
            "Null",
            "TRUE",
            "off",
            "Y",
            "=",
            "<<",
        ] {
            assert!(super::special(s), "{s}");
        }
    }
}
