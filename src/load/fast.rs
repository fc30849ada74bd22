//! The fast path: documents read straight into their typed structures (by the fast reader,
//! or the full parser with unknown keys refused), skipping the located tree and its schema
//! check, which have nothing to report on them.

use super::node::Node;
use super::schemas::{service_schema, sloth_schema};
use super::{RawDoc, lite, native, schema_check, sloth, split_documents, strict, yaml_options};
use crate::diag::Loc;

/// A document that reads as its typed structure in one pass: a native `Service`, or a Sloth
/// `prometheus/v1` spec without a key its types do not name (read through [`strict::Strict`]).
/// The JSON schema the located tree is checked against is derived from the same types, so such
/// a document has nothing for that check to report ([`assert_fast_path_agrees`] holds this up in
/// tests and fuzzing); the tree is only built for documents this does not read. [`lite`] reads
/// what it can; the full parser reads the rest.
pub(super) fn fast_read(text: &str) -> Option<RawDoc> {
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
    if let Some(doc) = lite::parse(text)
        && let Some(read) = lite_read(&doc)
    {
        return Some(read);
    }
    let top = |want: &str| text.lines().any(|l| l.trim_end() == want);
    if top("kind: Service") && top(&format!("apiVersion: {}", native::API_VERSION)) {
        return full_read(text, FastFormat::Service);
    }
    if top(&format!("version: {}", sloth::VERSION)) {
        return full_read(text, FastFormat::Sloth);
    }
    None
}

/// The formats [`fast_read`] reads.
#[derive(Clone, Copy)]
enum FastFormat {
    Service,
    Sloth,
}

/// A document [`lite`] has parsed, read as its typed structure when it is in a format
/// [`fast_read`] reads (chosen as [`load_document`](super::document::load_document) chooses
/// it, from the root's keys).
fn lite_read(doc: &lite::Doc) -> Option<RawDoc> {
    let api = doc.root_str("apiVersion");
    if api == Some(native::API_VERSION) {
        return (doc.root_str("kind") == Some("Service"))
            .then(|| doc.read::<native::ServiceSpec>())
            .flatten()
            .map(|s| RawDoc::Service(Box::new(s)));
    }
    if doc.root_str("version") != Some(sloth::VERSION) {
        return None;
    }
    doc.read::<sloth::SlothSpec>()
        .filter(|s| s.version.value == sloth::VERSION)
        .map(|s| RawDoc::Sloth(Box::new(s)))
}

/// The full parser's typed read of `text` in `format` (for Sloth, without keys its types do
/// not name).
fn full_read(text: &str, format: FastFormat) -> Option<RawDoc> {
    match format {
        FastFormat::Service => {
            serde_saphyr::from_str_with_options::<native::ServiceSpec>(text, yaml_options())
                .ok()
                .map(|s| RawDoc::Service(Box::new(s)))
        }
        FastFormat::Sloth => {
            let s = serde_saphyr::from_str_with_options::<strict::StrictDoc<sloth::SlothSpec>>(
                text,
                yaml_options(),
            )
            .ok()?
            .0;
            (s.version.value == sloth::VERSION).then(|| RawDoc::Sloth(Box::new(s)))
        }
    }
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
        let (format, schema) = match &read {
            RawDoc::Service(_) => (FastFormat::Service, service_schema()),
            _ => (FastFormat::Sloth, sloth_schema()),
        };
        // Whichever reader read it, the full parser's typed read gives exactly the same.
        match full_read(&doc, format) {
            Some(full) => assert_eq!(
                format!("{read:?}"),
                format!("{full:?}"),
                "the fast reader differs from the full parser:\n{doc}"
            ),
            None => {
                panic!("the fast reader reads a document the full parser refuses:\n{doc}")
            }
        }
        fast += 1;
        let tree: Node = match serde_saphyr::from_str_with_options(&doc, yaml_options()) {
            Ok(n) => n,
            Err(e) => {
                panic!("the typed read accepts a document the located tree refuses ({e}):\n{doc}")
            }
        };
        // The located tree picks the same format (as `load_document` picks it).
        let field = |k: &str| tree.value.get(k).and_then(|n| n.value.as_str());
        match format {
            FastFormat::Service => assert!(
                field("apiVersion") == Some(native::API_VERSION)
                    && field("kind") == Some("Service"),
                "read as a Service, but the located tree is not one:\n{doc}"
            ),
            FastFormat::Sloth => assert!(
                field("apiVersion") != Some(native::API_VERSION)
                    && field("version") == Some(sloth::VERSION),
                "read as a Sloth spec, but the located tree is not one:\n{doc}"
            ),
        }
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
