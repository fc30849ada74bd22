//! A reader for the YAML that spec files are written in, in front of the full parser.
//!
//! It parses one document in one pass into a small tree and hands that to the typed structures
//! through its own `serde` deserializer. Anything outside what it reads, or anything whose meaning
//! it is not certain of, makes it give up (`None`), and the document is read by the full YAML
//! parser instead: it only ever answers where it gives the full parser's result.
//!
//! What it reads: block mappings with plain keys and block sequences; plain scalars on one line;
//! single- and double-quoted scalars on one line, with every escape YAML has on one line; flow
//! mappings and sequences, nested and over several lines; literal and folded block scalars
//! (`|`, `|-`, `>`, `>-`); full-line and trailing comments; anchors, aliases and `<<` merge keys
//! (a merged value is an alias, or a sequence of aliases, of a mapping). What it leaves to the
//! full parser: multi-line plain and quoted scalars, keep chomping (`|+`) and indentation
//! indicators, block scalars with leading empty lines or trailing spaces, tags, directives,
//! explicit keys (`?`), quoted and complex keys, empty flow entries and trailing commas, tabs,
//! nesting deeper than [`MAX_DEPTH`], more than [`MAX_KEYS`] keys in a mapping, [`MAX_ANCHORS`]
//! anchors or [`MAX_ALIASES`] aliases in a document, more than [`MAX_NODES`] nodes with aliases
//! expanded, and any plain scalar that YAML could read as something other than a string where a
//! string is asked for (numbers, booleans, null), or as a string where a number or boolean is
//! asked for. Document markers are handled by the caller, which splits a stream into documents.
//!
//! Like the strict adaptor ([`super::strict`]), it refuses a key the typed structure would
//! skip, so a document it reads has nothing for the schema check to report.
//!
//! Locations: every value deserialized as [`Sp`](super::spanned::Sp) gets the line and column
//! the full parser gives it: a scalar's first character (a quoted one's opening quote, a block
//! scalar's first content line), a block mapping's first key, a block sequence's first `-`, a
//! flow collection's opening bracket. A value read through an alias, and everything inside it,
//! is placed at the alias; an entry a merge key brings in, at the alias it comes from.
//!
//! The parts: [`scanner`] splits the text into lines and holds the small tests on a line's
//! text; [`scalars`] reads plain and quoted scalars and knows which plain words are not
//! strings; [`block`] reads block mappings, sequences and their values; [`block_scalar`]
//! literal and folded scalars; [`flow`] flow collections; [`anchors`] anchors, aliases and
//! merge keys with their limits; [`de`] hands the tree to a `Deserialize`, with locations.

mod anchors;
mod block;
mod block_scalar;
mod de;
mod flow;
#[cfg(test)]
mod generated;
mod scalars;
mod scanner;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use serde::Deserialize;

use crate::diag::Loc;
use scalars::special;
use scanner::{Line, chars};

/// Reads `text` (one document) as `T`, or `None` when it is outside what this reader reads or
/// does not fit `T`.
#[cfg(test)]
pub(crate) fn read<T: for<'de> Deserialize<'de>>(text: &str) -> Option<T> {
    parse(text)?.read()
}

/// A document this reader has parsed.
pub(crate) struct Doc<'a> {
    nodes: Vec<N<'a>>,
    root: Id,
}

impl Doc<'_> {
    /// The document as `T`, or `None` when it does not fit `T` (or needs the full parser).
    pub(crate) fn read<T: for<'de> Deserialize<'de>>(&self) -> Option<T> {
        de::read(self)
    }

    /// The string value of the root mapping's key `key` (plain or quoted), if it has one.
    pub(crate) fn root_str(&self, key: &str) -> Option<&str> {
        let N::Map(_, entries) = &self.nodes[self.root as usize] else {
            return None;
        };
        let entry = entries.iter().find(|e| e.key == key)?;
        match self.resolve(entry.value) {
            N::Scalar(s) if !s.plain || !special(&s.text) => Some(&s.text),
            _ => None,
        }
    }

    /// The node `id` stands for (the anchored node, for an alias).
    fn resolve(&self, id: Id) -> &N<'_> {
        match &self.nodes[id as usize] {
            N::Alias(_, target) => &self.nodes[*target as usize],
            n => n,
        }
    }
}

/// Index of a node in [`Doc::nodes`].
type Id = u32;

#[derive(Debug)]
enum N<'a> {
    /// An empty value (`key:` with nothing under it).
    Null(Loc),
    Scalar(Scalar<'a>),
    Map(Loc, Vec<Entry<'a>>),
    Seq(Loc, Vec<Id>),
    /// An alias (`*name`) at its own location, and the anchored node.
    Alias(Loc, Id),
}

impl N<'_> {
    fn loc(&self) -> Loc {
        match self {
            N::Null(l) | N::Map(l, _) | N::Seq(l, _) | N::Alias(l, _) => *l,
            N::Scalar(s) => s.loc,
        }
    }
}

#[derive(Debug)]
struct Scalar<'a> {
    text: Cow<'a, str>,
    /// Plain (unquoted, not a block scalar): its type depends on its text.
    plain: bool,
    loc: Loc,
}

/// A mapping entry. Keys are plain words (see [`scalars::plain_key`]).
#[derive(Debug)]
struct Entry<'a> {
    key: &'a str,
    key_loc: Loc,
    value: Id,
    /// For an entry a merge key brought in: the location of the alias it came from.
    merged: Option<Loc>,
}

/// Nested blocks and flow collections read at most (a spec nests about eight).
const MAX_DEPTH: usize = 32;

/// Keys of one mapping read at most (keys are checked for repeats one by one).
const MAX_KEYS: usize = 256;

/// Anchors in a document read at most (this also bounds how deeply aliases nest).
const MAX_ANCHORS: usize = 32;

/// Aliases in a document read at most: the full parser refuses many aliases to few anchors.
const MAX_ALIASES: usize = 99;

/// Nodes in a document read at most, counting those read through aliases each time, and
/// bytes of scalar text likewise; both well inside the full parser's budget.
const MAX_NODES: usize = 100_000;
const MAX_SCALAR_BYTES: usize = 16 << 20;

/// Longest key read (the full parser looks at most 1024 characters ahead for a key's colon).
const MAX_KEY_LEN: usize = 256;

/// The parsed document, or `None` when it is outside what this reader reads.
pub(crate) fn parse(text: &str) -> Option<Doc<'_>> {
    let lines = scanner::lines(text)?;
    if lines.first()?.indent != 0 {
        return None;
    }
    let mut p = Parser {
        src: text,
        lines,
        at: 0,
        depth: 0,
        nodes: Vec::with_capacity(text.len() / 16),
        anchors: Vec::new(),
        pending: Vec::new(),
        aliases: 0,
        expanded: 0,
        expanded_bytes: 0,
    };
    let root = p.block(0)?;
    (p.at == p.lines.len()).then_some(Doc {
        nodes: p.nodes,
        root,
    })
}

struct Parser<'a> {
    src: &'a str,
    lines: Vec<Line<'a>>,
    at: usize,
    /// Blocks and flow collections nested so far; deeper documents are left to the full parser
    /// (whose own limit then reports them), so neither this parser nor the deserializer
    /// recurses without bound.
    depth: usize,
    nodes: Vec<N<'a>>,
    /// Anchors defined so far, by name, with the anchored node and how many nodes and bytes of
    /// scalar text it stands for (aliases in it expanded).
    anchors: Vec<(&'a str, Id, usize, usize)>,
    /// Anchors whose node is being read (an alias to one of them would be recursive).
    pending: Vec<&'a str>,
    aliases: usize,
    /// Nodes and scalar bytes read so far, aliases expanded.
    expanded: usize,
    expanded_bytes: usize,
}

impl<'a> Parser<'a> {
    fn loc(&self, i: usize, offset: usize) -> Loc {
        let l = &self.lines[i];
        Loc {
            line: l.number,
            col: (l.indent + chars(&l.text[..offset]) + 1) as u64,
        }
    }

    fn push(&mut self, n: N<'a>) -> Option<Id> {
        self.expanded += 1;
        if let N::Scalar(s) = &n {
            self.expanded_bytes += s.text.len();
        }
        if self.expanded > MAX_NODES || self.expanded_bytes > MAX_SCALAR_BYTES {
            return None;
        }
        let id = Id::try_from(self.nodes.len()).ok()?;
        self.nodes.push(n);
        Some(id)
    }

    fn scalar(&mut self, text: Cow<'a, str>, plain: bool, loc: Loc) -> Option<Id> {
        self.push(N::Scalar(Scalar { text, plain, loc }))
    }
}
