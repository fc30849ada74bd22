//! From paths to documents: the spec files under the given paths, each read (size, UTF-8)
//! and split into its YAML documents.

use rayon::prelude::*;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::document::load_document;
use super::{LoadOptions, Loaded};
use crate::diag::{Code, Diagnostic, Loc};

/// Largest spec file read (bytes); anything larger is refused with a located error.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads every spec under `paths` (files, or directories searched for `*.yaml`/`*.yml`).
pub fn load_paths(paths: &[PathBuf], opts: LoadOptions) -> Loaded {
    let mut out = Loaded::default();
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = files.len();
            collect_dir(p, p, opts, &mut files, &mut out);
            if files.len() == before {
                out.diags.push(Diagnostic::error(
                    Code::NoSpecs,
                    p,
                    Loc::default(),
                    "",
                    "no spec files (*.yaml, *.yml) in this directory",
                ));
            }
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            out.diags.push(Diagnostic::error(
                Code::Io,
                p,
                Loc::default(),
                "",
                "no such file or directory",
            ));
        }
    }
    files.sort();
    files.dedup();
    // Files are read and parsed side by side, then merged in path order (deterministic).
    let parts: Vec<Loaded> = files
        .par_iter()
        .map(|f| {
            let mut one = Loaded::default();
            load_file(f, opts, &mut one);
            one
        })
        .collect();
    for part in parts {
        out.docs.extend(part.docs);
        out.sources.merge(part.sources);
        out.diags.extend(part.diags);
        out.notes.extend(part.notes);
    }
    out
}

/// Appends the spec files under `dir` in path order, hidden entries (`.name`) and excluded
/// files left out (the latter noted). A link to a directory is searched as the directory; a
/// directory that cannot be read is reported, an entry that cannot be read is skipped. `root`
/// is the directory the user named: exclusions match paths under it.
fn collect_dir(
    root: &Path,
    dir: &Path,
    opts: LoadOptions,
    files: &mut Vec<PathBuf>,
    out: &mut Loaded,
) {
    let hidden = |name: &std::ffi::OsStr| name.to_str().is_some_and(|n| n.starts_with('.'));
    let walk = WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !hidden(e.file_name()));
    for entry in walk {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) if e.path_is_symlink() && e.path().is_dir() => {
                collect_dir(root, e.path(), opts, files, out)
            }
            Ok(e) => {
                if !matches!(
                    e.path().extension().and_then(|x| x.to_str()),
                    Some("yaml" | "yml")
                ) {
                    continue;
                }
                if let Some(glob) = excluded_by(root, e.path(), opts) {
                    out.notes
                        .push(format!("skipped {}: --exclude {glob}", e.path().display()));
                } else {
                    files.push(e.into_path());
                }
            }
            Err(e) => {
                if let (Some(p), Some(io)) = (e.path(), e.io_error()) {
                    out.diags.push(Diagnostic::error(
                        Code::Io,
                        p,
                        Loc::default(),
                        "",
                        format!("cannot read directory: {io}"),
                    ));
                }
            }
        }
    }
}

/// Files a directory walk leaves out (`--exclude GLOB`, repeatable).
#[derive(Debug, Clone, Default)]
pub struct Exclude {
    set: globset::GlobSet,
    globs: Vec<String>,
}

impl Exclude {
    /// The patterns, each compiled on its own already.
    pub fn new(globs: &[globset::Glob]) -> Result<Exclude, globset::Error> {
        let mut set = globset::GlobSetBuilder::new();
        for g in globs {
            set.add(g.clone());
        }
        Ok(Exclude {
            set: set.build()?,
            globs: globs.iter().map(|g| g.glob().to_string()).collect(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }
}

/// The `--exclude` pattern that leaves `path` out, if one does: matched against the path under
/// `root` and against the file name.
fn excluded_by(root: &Path, path: &Path, opts: LoadOptions) -> Option<String> {
    let ex = opts.exclude?;
    let rel = path.strip_prefix(root).unwrap_or(path);
    let name = Path::new(path.file_name()?);
    let hit = ex
        .set
        .matches(rel)
        .into_iter()
        .chain(ex.set.matches(name))
        .next()?;
    ex.globs.get(hit).cloned()
}

fn load_file(path: &Path, opts: LoadOptions, out: &mut Loaded) {
    let meta = std::fs::metadata(path);
    if let Ok(m) = &meta
        && m.len() > MAX_FILE_BYTES
    {
        out.diags.push(Diagnostic::error(
            Code::Io,
            path,
            Loc { line: 1, col: 1 },
            "",
            format!(
                "file is {} bytes; spec files are limited to {MAX_FILE_BYTES} bytes",
                m.len()
            ),
        ));
        return;
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            out.diags.push(Diagnostic::error(
                Code::Io,
                path,
                Loc::default(),
                "",
                format!("cannot read file: {e}"),
            ));
            return;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            let col =
                String::from_utf8_lossy(valid.rsplit(|b| *b == b'\n').next().unwrap_or_default())
                    .chars()
                    .count() as u64
                    + 1;
            out.diags.push(Diagnostic::error(
                Code::Io,
                path,
                Loc { line, col },
                "",
                "file is not valid UTF-8",
            ));
            return;
        }
    };
    load_str(path, &text, opts, out);
}

/// Reads the spec text of one file (already in memory).
pub fn load_str(path: &Path, text: &str, opts: LoadOptions, out: &mut Loaded) {
    out.sources.add(path, text);
    let docs = split_documents(text);
    let mut any = false;
    for doc_text in &docs {
        if load_document(path, doc_text, opts, out) {
            any = true;
        }
    }
    if !any
        && !out
            .diags
            .sorted()
            .iter()
            .any(|d| d.file == path && d.is_error())
    {
        out.diags.push(Diagnostic::error(
            Code::NoSpecs,
            path,
            Loc { line: 1, col: 1 },
            "",
            "file holds no spec document",
        ));
    }
}

/// Splits a multi-document stream at `---`/`...` lines. Each document keeps its line numbers:
/// the lines before it are replaced by empty lines.
pub fn split_documents(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut has_content = false;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        let is_start =
            trimmed == "---" || trimmed.starts_with("--- ") || trimmed.starts_with("---\t");
        let is_end = trimmed == "..." || trimmed.starts_with("... ");
        if is_start || is_end {
            if has_content {
                docs.push(std::mem::take(&mut current));
            }
            current = "\n".repeat(i + 1);
            has_content = false;
            if is_start && trimmed.len() > 3 {
                current.truncate(i);
                current.push_str(&" ".repeat(4));
                current.push_str(&trimmed[4..]);
                current.push('\n');
                has_content = true;
            }
            continue;
        }
        if !trimmed.trim().is_empty()
            && !trimmed.trim_start().starts_with('#')
            && !trimmed.starts_with('%')
        {
            has_content = true;
        }
        if trimmed.starts_with('%') {
            current.push('\n');
        } else {
            current.push_str(line);
        }
    }
    if has_content {
        docs.push(current);
    }
    docs
}

/// The text of the document of `file_text` that starts at (or holds) line `line`, as written:
/// comments kept, the `---` marker left out. `None` when it is an entry of a top-level list
/// (column `col` past 1), which cannot be written out alone without its siblings.
pub fn document_text(file_text: &str, line: u64, col: u64) -> Option<String> {
    if col > 1 {
        return None;
    }
    split_documents(file_text).into_iter().find_map(|doc| {
        let before = doc.chars().take_while(|c| *c == '\n').count();
        let lines = doc.lines().count() as u64;
        (line > before as u64 && line <= lines).then(|| doc[before..].to_string())
    })
}
