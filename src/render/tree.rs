//! Writing and comparing the output tree. A run either replaces the whole tree or leaves it
//! exactly as it was: files are written to a temporary sibling directory first, which then
//! takes the place of the old tree.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use similar::TextDiff;
use walkdir::WalkDir;

use crate::names;

/// Reads every file under `dir` (relative path → content); missing dir → empty map.
pub fn read_tree(dir: &Path) -> io::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    if dir.exists() {
        each_file(dir, dir, &mut |rel, path| {
            let bytes = fs::read(path)?;
            out.insert(rel, String::from_utf8_lossy(&bytes).into_owned());
            Ok(())
        })?;
    }
    Ok(out)
}

/// Calls `f` with the path relative to `root` (`/`-separated) and the path of every file under
/// `dir`, in path order. A link to a directory is read as the directory; an entry that cannot
/// be read is skipped, a directory that cannot be read is an error.
fn each_file(
    root: &Path,
    dir: &Path,
    f: &mut dyn FnMut(String, &Path) -> io::Result<()>,
) -> io::Result<()> {
    for entry in WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) if e.path_is_symlink() && e.path().is_dir() => each_file(root, e.path(), f)?,
            Ok(e) => {
                let p = e.path();
                let rel = p
                    .strip_prefix(root)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .replace('\\', "/");
                f(rel, p)?;
            }
            Err(e) => {
                if e.path().is_some()
                    && let Some(e) = e.into_io_error()
                {
                    return Err(e);
                }
            }
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

/// A new output tree being written next to the old one; [`Staging::finish`] swaps it in.
/// Dropped without `finish`, it removes itself and the old tree stays as it was.
pub struct Staging {
    dir: PathBuf,
    parent: PathBuf,
    base: String,
    staging: Option<tempfile::TempDir>,
    count: std::sync::atomic::AtomicUsize,
}

fn io_err(p: &Path) -> impl FnOnce(io::Error) -> WriteError + use<> {
    let p = p.to_path_buf();
    move |e| WriteError::Io(p, e)
}

impl Staging {
    /// Checks that `dir` may be replaced and opens a staging directory beside it.
    pub fn new(dir: &Path) -> Result<Staging, WriteError> {
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
        let base = dir
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{base}.new-"))
            .tempdir_in(&parent)
            .map_err(io_err(&parent))?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            parent,
            base,
            staging: Some(staging),
            count: 0.into(),
        })
    }

    /// Writes one file of the new tree into the staging directory; safe to call from several
    /// threads.
    pub fn write(&self, rel: &str, content: &str) -> Result<(), WriteError> {
        let Some(staging) = &self.staging else {
            return Ok(());
        };
        let path = staging.path().join(rel);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(io_err(p))?;
        }
        fs::write(&path, content).map_err(io_err(&path))?;
        self.count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    pub fn files_written(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Puts the new tree in place of the old one (`before_swap` runs just before, for tests).
    pub fn finish(mut self, before_swap: Option<BeforeSwap>) -> Result<(), WriteError> {
        let Some(staging) = self.staging.take() else {
            return Ok(());
        };
        if let Some(hook) = before_swap {
            hook(staging.path()).map_err(io_err(staging.path()))?;
        }
        let (dir, parent, base) = (&self.dir, &self.parent, &self.base);
        let staged = staging.keep();
        if dir.exists() {
            let old = tempfile::Builder::new()
                .prefix(&format!(".{base}.old-"))
                .tempdir_in(parent)
                .map_err(io_err(parent))?
                .keep();
            fs::remove_dir(&old).map_err(io_err(&old))?;
            if let Err(e) = fs::rename(dir, &old) {
                let _ = fs::remove_dir_all(&staged);
                return Err(WriteError::Io(dir.clone(), e));
            }
            if let Err(e) = fs::rename(&staged, dir) {
                let _ = fs::rename(&old, dir);
                let _ = fs::remove_dir_all(&staged);
                return Err(WriteError::Io(dir.clone(), e));
            }
            let _ = fs::remove_dir_all(&old);
        } else if let Err(e) = fs::rename(&staged, dir) {
            let _ = fs::remove_dir_all(&staged);
            return Err(WriteError::Io(dir.clone(), e));
        }
        Ok(())
    }
}

/// Replaces `dir` with exactly `files`. On any failure the old tree is left as it was.
pub fn write_tree(
    dir: &Path,
    files: &BTreeMap<String, String>,
    before_swap: Option<BeforeSwap>,
) -> Result<(), WriteError> {
    let staging = Staging::new(dir)?;
    for (rel, content) in files {
        staging.write(rel, content)?;
    }
    staging.finish(before_swap)
}

/// Compares expected files one at a time with the tree on disk.
pub struct Checker {
    dir: PathBuf,
    seen: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// Diff of each differing file, by relative path (reported in path order, whatever order
    /// the files were checked in).
    diff: std::sync::Mutex<BTreeMap<String, String>>,
}

impl Checker {
    pub fn new(dir: &Path) -> Checker {
        Checker {
            dir: dir.to_path_buf(),
            seen: std::sync::Mutex::default(),
            diff: std::sync::Mutex::default(),
        }
    }

    /// Compares one file with the directory; safe to call from several threads.
    pub fn file(&self, rel: &str, want: &str) {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(rel.to_string());
        let path = self.dir.join(rel);
        let have = fs::read(&path)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        if have.as_deref() == Some(want) {
            return;
        }
        let mut one = BTreeMap::new();
        one.insert(rel.to_string(), want.to_string());
        let mut actual = BTreeMap::new();
        if let Some(h) = have {
            actual.insert(rel.to_string(), h);
        }
        let d = diff_trees(&self.dir, &one, &actual);
        self.diff
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(rel.to_string(), d);
    }

    /// The unified diff, stale files included (empty when up to date), and the file count.
    pub fn finish(self) -> io::Result<(String, usize)> {
        let seen = self
            .seen
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut diff = self
            .diff
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let on_disk = read_names(&self.dir)?;
        for rel in on_disk.iter().filter(|r| !seen.contains(*r)) {
            let have = fs::read(self.dir.join(rel))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let mut actual = BTreeMap::new();
            actual.insert(rel.clone(), have);
            diff.insert(
                rel.clone(),
                diff_trees(&self.dir, &BTreeMap::new(), &actual),
            );
        }
        Ok((diff.into_values().collect(), seen.len()))
    }
}

fn read_names(dir: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    if dir.exists() {
        each_file(dir, dir, &mut |rel, _| {
            out.push(rel);
            Ok(())
        })?;
    }
    Ok(out)
}

/// Differences between the tree on disk and the expected one, as a unified diff
/// (empty when up to date).
pub fn diff_trees(
    dir: &Path,
    expected: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
) -> String {
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
            if actual.contains_key(k) {
                format!("a/{path}")
            } else {
                "/dev/null".to_string()
            },
            if expected.contains_key(k) {
                format!("b/{path}")
            } else {
                "/dev/null".to_string()
            },
        );
        if !expected.contains_key(k) {
            out.push_str(&format!("stale file (its SLOs were removed): {path}\n"));
        } else if !actual.contains_key(k) {
            out.push_str(&format!("missing file: {path}\n"));
        }
        out.push_str(
            &TextDiff::from_lines(have, want)
                .unified_diff()
                .context_radius(3)
                .header(&a, &b)
                .to_string(),
        );
    }
    out
}
