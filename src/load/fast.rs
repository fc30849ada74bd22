//! The fast path: documents read straight into their typed structures (by the plain block
//! reader, or the full parser with unknown keys refused), skipping the located tree and its
//! schema check, which have nothing to report on them.

use super::node::Node;
use super::schemas::{service_schema, sloth_schema};
use super::{RawDoc, lite, native, schema_check, sloth, split_documents, strict, yaml_options};
use crate::diag::Loc;

/// A document that reads as its typed structure in one pass: a native `Service`, or a Sloth
/// `prometheus/v1` spec without a key its types do not name (read through [`strict::Strict`]).
/// The JSON schema the located tree is checked against is derived from the same types, so such
/// a document has nothing for that check to report ([`assert_fast_path_agrees`] holds this up in
/// tests and fuzzing); the tree is only built for documents this does not read. Plain block
/// YAML is read by [`lite`]; the full parser reads the rest.
pub(super) fn fast_read(text: &str) -> Option<RawDoc> {
    fast_read_with(text, true)
}

/// [`fast_read`], optionally without the plain block reader ([`lite`]) in front of the full parser.
fn fast_read_with(text: &str, use_lite: bool) -> Option<RawDoc> {
    // A tag, anchor or directive before the content moves the root's location off the first
    // content line (which is what [`content_start`] gives): the located tree is read instead.
    let first = text
        .lines()
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    if first.is_some_and(|l| l.starts_with(['!', '&', '%'])) {
        return None;
    }
    // So does a carriage return on its own, a line break to YAML but not to `str::lines`.
    if text
        .match_indices('\r')
        .any(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'\n'))
    {
        return None;
    }
    let top = |want: &str| text.lines().any(|l| l.trim_end() == want);
    if top("kind: Service") && top(&format!("apiVersion: {}", native::API_VERSION)) {
        if let Some(s) = use_lite
            .then(|| lite::read::<native::ServiceSpec>(text))
            .flatten()
        {
            return Some(RawDoc::Service(Box::new(s)));
        }
        return serde_saphyr::from_str_with_options::<native::ServiceSpec>(text, yaml_options())
            .ok()
            .map(|s| RawDoc::Service(Box::new(s)));
    }
    if top(&format!("version: {}", sloth::VERSION)) {
        let s = match use_lite
            .then(|| lite::read::<sloth::SlothSpec>(text))
            .flatten()
        {
            Some(s) => s,
            None => {
                serde_saphyr::from_str_with_options::<strict::StrictDoc<sloth::SlothSpec>>(
                    text,
                    yaml_options(),
                )
                .ok()?
                .0
            }
        };
        return (s.version.value == sloth::VERSION).then(|| RawDoc::Sloth(Box::new(s)));
    }
    None
}

/// Where the document's content starts (the location the located tree gives its root).
pub(super) fn content_start(text: &str) -> Loc {
    for (i, line) in text.lines().enumerate() {
        let body = line.trim_start();
        if !body.is_empty() && !body.starts_with('#') {
            return Loc {
                line: i as u64 + 1,
                col: (line.len() - body.len()) as u64 + 1,
            };
        }
    }
    Loc { line: 1, col: 1 }
}

/// Invariant for tests and fuzzing: a document [`fast_read`] reads is one the located tree
/// and its schema check accept without an issue, at the same root location. Returns how many
/// documents of `text` the fast path read.
pub fn assert_fast_path_agrees(text: &str) -> usize {
    let mut fast = 0;
    for doc in split_documents(text) {
        let Some(read) = fast_read(&doc) else {
            continue;
        };
        // The plain block reader gives exactly what the full parser gives, or nothing.
        match fast_read_with(&doc, false) {
            Some(full) => assert_eq!(
                format!("{read:?}"),
                format!("{full:?}"),
                "the plain block reader differs from the full parser:\n{doc}"
            ),
            None => {
                panic!("the plain block reader reads a document the full parser refuses:\n{doc}")
            }
        }
        let schema = match read {
            RawDoc::Service(_) => service_schema(),
            _ => sloth_schema(),
        };
        fast += 1;
        let tree: Node = match serde_saphyr::from_str_with_options(&doc, yaml_options()) {
            Ok(n) => n,
            Err(e) => {
                panic!("the typed read accepts a document the located tree refuses ({e}):\n{doc}")
            }
        };
        let issues = schema_check::check(&tree, schema);
        assert!(
            issues.is_empty(),
            "the typed read accepts a document the schema check refuses ({}):\n{doc}",
            issues[0].message
        );
        assert_eq!(
            tree.loc,
            content_start(&doc),
            "root location differs:\n{doc}"
        );
    }
    fast
}
