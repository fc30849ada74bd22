//! Stage 1, load: find spec files, split them into documents, read each document into a
//! located tree, check it against the format's schema (every problem at once), then into the
//! raw typed structures of its format.

mod document;
mod fast;
mod files;
mod lite;
pub(crate) mod native;
pub(crate) mod native_window;
pub(crate) mod node;
pub(crate) mod openslo;
pub(crate) mod routing;
pub(crate) mod schema_check;
mod schemas;
pub(crate) mod sloth;
pub(crate) mod spanned;
pub(crate) mod strict;
mod yaml_hints;

use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic, Diagnostics, Loc, Sources};

pub use fast::assert_fast_path_agrees;
pub use files::{Exclude, MAX_FILE_BYTES, document_text, load_paths, load_str, split_documents};
pub use schemas::json_schema;

/// One document of a spec file, in the format it was written in.
#[derive(Debug, Clone)]
pub enum RawDoc {
    Service(Box<native::ServiceSpec>),
    Defaults(Box<native::DefaultsSpec>),
    Routing(Box<routing::RoutingSpec>),
    Sloth(Box<sloth::SlothSpec>),
    OpenSlo(Box<openslo::V1Doc>),
    OpenSloAlpha(Box<openslo::V1AlphaSlo>),
}

#[derive(Debug, Clone)]
pub struct LoadedDoc {
    pub file: PathBuf,
    pub loc: Loc,
    pub doc: RawDoc,
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub docs: Vec<LoadedDoc>,
    pub sources: Sources,
    pub diags: Diagnostics,
    /// What was left out and why (a Kubernetes resource that is not a spec, say), for the user.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    /// Unknown keys in foreign formats (Sloth) are errors rather than warnings.
    pub strict: bool,
    /// Files a directory walk leaves out, matched against their path under the directory
    /// searched and against their name (`--exclude`).
    pub exclude: Option<&'a Exclude>,
}

fn yaml_options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.with_snippet = false;
    o
}

fn yaml_error(path: &Path, e: &serde_saphyr::Error) -> Diagnostic {
    let loc = e.location().map_or(Loc { line: 1, col: 1 }, |l| Loc {
        line: l.line(),
        col: l.column(),
    });
    let msg = e.without_snippet().to_string();
    let mut msg = msg
        .lines()
        .next()
        .unwrap_or("invalid YAML")
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "");
    if let Some(i) = msg.rfind(" at line ")
        && msg[i..].contains(", column ")
    {
        msg.truncate(i);
    }
    Diagnostic::error(Code::YamlSyntax, path, loc, "", msg)
}
