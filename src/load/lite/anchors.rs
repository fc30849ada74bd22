//! Anchors, aliases and `<<` merge keys: which anchor an alias names, the limits on aliases,
//! anchors and on the document with its aliases expanded, and the entries a merge brings in.

use super::{Entry, Id, MAX_ALIASES, MAX_ANCHORS, MAX_KEYS, N, Parser};
use crate::diag::Loc;

impl<'a> Parser<'a> {
    /// Starts reading a node anchored as `name`; returns what [`Parser::anchored`] needs.
    pub(super) fn anchor_start(&mut self, name: &'a str) -> Option<(usize, usize)> {
        // (The full parser defines an anchor where its node starts, this reader where it ends:
        // the two differ when a node holds an anchor of its own name.)
        if self.anchors.len() + self.pending.len() >= MAX_ANCHORS || self.pending.contains(&name) {
            return None;
        }
        self.pending.push(name);
        Some((self.expanded, self.expanded_bytes))
    }

    /// Registers the node just read under the anchor [`Parser::anchor_start`] began.
    pub(super) fn anchored(&mut self, id: Id, (nodes, bytes): (usize, usize)) {
        let name = self.pending.pop().unwrap_or_default();
        self.anchors
            .push((name, id, self.expanded - nodes, self.expanded_bytes - bytes));
    }

    /// The alias `*name` at `loc`, or `None` for one this reader does not read (of no anchor, or
    /// of one whose node is being read) or one alias too many.
    pub(super) fn alias(&mut self, name: &'a str, loc: Loc) -> Option<Id> {
        if self.pending.contains(&name) {
            return None;
        }
        let &(_, target, nodes, bytes) = self.anchors.iter().rev().find(|a| a.0 == name)?;
        self.aliases += 1;
        self.expanded += nodes;
        self.expanded_bytes += bytes;
        if self.aliases > MAX_ALIASES {
            return None;
        }
        let id = self.push(N::Alias(loc, target))?;
        // (The alias itself is not a node of its own.)
        self.expanded -= 1;
        Some(id)
    }
    /// Adds the entries that the values of a mapping's merge keys bring in: the keys the mapping
    /// does not have, each from the first source that has it.
    pub(super) fn merge(&self, entries: &mut Vec<Entry<'a>>, merges: &[Id]) -> Option<()> {
        for &m in merges {
            let sources = match &self.nodes[m as usize] {
                N::Alias(..) => std::slice::from_ref(&m),
                N::Seq(_, items) => items.as_slice(),
                _ => return None,
            };
            for &s in sources {
                let N::Alias(at, target) = self.nodes[s as usize] else {
                    return None;
                };
                let N::Map(_, from) = &self.nodes[target as usize] else {
                    return None;
                };
                for e in from {
                    if entries.len() >= MAX_KEYS {
                        return None;
                    }
                    if !entries.iter().any(|have| have.key == e.key) {
                        entries.push(Entry {
                            key: e.key,
                            key_loc: e.key_loc,
                            value: e.value,
                            merged: Some(at),
                        });
                    }
                }
            }
        }
        Some(())
    }
}
