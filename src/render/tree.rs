//! Writing and comparing the output tree. A run either replaces the whole tree or leaves it
//! exactly as it was: files are written to a temporary sibling directory first, which then
//! takes the place of the old tree.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::names;

/// Reads every file under `dir` (relative path → content); missing dir → empty map.
pub fn read_tree(dir: &Path) -> io::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return Ok(out);
    }
    read_into(dir, dir, &mut out)?;
    Ok(out)
}

fn read_into(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) -> io::Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            read_into(root, &p, out)?;
        } else {
            let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            let bytes = fs::read(&p)?;
            out.insert(rel, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(())
}

#[derive(Debug)]
pub enum WriteError {
    NotOurs(PathBuf),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::NotOurs(p) => write!(
                f,
                "{} is not empty and was not written by sloforge (no {} file); refusing to replace it",
                p.display(),
                names::MARKER_FILE
            ),
            WriteError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

/// Hook for tests: called after the new tree is fully written, before it replaces the old one.
pub type BeforeSwap<'a> = &'a dyn Fn(&Path) -> io::Result<()>;

/// Replaces `dir` with exactly `files`. On any failure the old tree is left as it was.
pub fn write_tree(dir: &Path, files: &BTreeMap<String, String>, before_swap: Option<BeforeSwap>) -> Result<(), WriteError> {
    let io_err = |p: &Path| {
        let p = p.to_path_buf();
        move |e| WriteError::Io(p, e)
    };
    if dir.exists() {
        let empty = fs::read_dir(dir).map_err(io_err(dir))?.next().is_none();
        if !empty && !dir.join(names::MARKER_FILE).is_file() {
            return Err(WriteError::NotOurs(dir.to_path_buf()));
        }
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let base = dir.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let staging = tempfile::Builder::new().prefix(&format!(".{base}.new-")).tempdir_in(&parent).map_err(io_err(&parent))?;
    for (rel, content) in files {
        let path = staging.path().join(rel);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(io_err(p))?;
        }
        fs::write(&path, content).map_err(io_err(&path))?;
    }
    if let Some(hook) = before_swap {
        hook(staging.path()).map_err(io_err(staging.path()))?;
    }
    let staged = staging.keep();
    if dir.exists() {
        let old = tempfile::Builder::new().prefix(&format!(".{base}.old-")).tempdir_in(&parent).map_err(io_err(&parent))?.keep();
        fs::remove_dir(&old).map_err(io_err(&old))?;
        if let Err(e) = fs::rename(dir, &old) {
            let _ = fs::remove_dir_all(&staged);
            return Err(WriteError::Io(dir.to_path_buf(), e));
        }
        if let Err(e) = fs::rename(&staged, dir) {
            let _ = fs::rename(&old, dir);
            let _ = fs::remove_dir_all(&staged);
            return Err(WriteError::Io(dir.to_path_buf(), e));
        }
        let _ = fs::remove_dir_all(&old);
    } else if let Err(e) = fs::rename(&staged, dir) {
        let _ = fs::remove_dir_all(&staged);
        return Err(WriteError::Io(dir.to_path_buf(), e));
    }
    Ok(())
}

/// Differences between the tree on disk and the expected one, as a unified diff
/// (empty when up to date).
pub fn diff_trees(dir: &Path, expected: &BTreeMap<String, String>, actual: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut keys: Vec<&String> = expected.keys().chain(actual.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let want = expected.get(k).map_or("", String::as_str);
        let have = actual.get(k).map_or("", String::as_str);
        if want == have && expected.contains_key(k) == actual.contains_key(k) {
            continue;
        }
        let path = dir.join(k).display().to_string();
        let (a, b) = (
            if actual.contains_key(k) { format!("a/{path}") } else { "/dev/null".to_string() },
            if expected.contains_key(k) { format!("b/{path}") } else { "/dev/null".to_string() },
        );
        if !expected.contains_key(k) {
            out.push_str(&format!("stale file (its SLOs were removed): {path}\n"));
        } else if !actual.contains_key(k) {
            out.push_str(&format!("missing file: {path}\n"));
        }
        out.push_str(&TextDiff::from_lines(have, want).unified_diff().context_radius(3).header(&a, &b).to_string());
    }
    out
}
