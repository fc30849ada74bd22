//! `sloforge test`: runs the real `promtool test rules` on generated (or any) unit-test files and
//! summarises the result per file.
//!
//! Files are split over a few promtool processes run side by side; each process gets one
//! output file for both of its streams, so its "Unit Testing:" headers and its failure reports
//! (written to stderr) stay in order and every failure is attributed to its file.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use walkdir::WalkDir;

use crate::names;

/// The garbage collector's pace for promtool (`GOGC`) when the environment sets none.
const PROMTOOL_GOGC: &str = "400";

#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The promtool binary.
    pub promtool: PathBuf,
    /// promtool processes run side by side.
    pub jobs: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            promtool: PathBuf::from("promtool"),
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

#[derive(Debug)]
pub enum RunError {
    /// No test file under the given paths.
    NoTests(Vec<PathBuf>),
    Io(PathBuf, io::Error),
    /// promtool could not be started.
    Spawn(PathBuf, io::Error),
    /// promtool ran but printed nothing about a file (it rejected its arguments).
    Promtool(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::NoTests(p) => {
                let list: Vec<String> = p.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "no *{} files under {} (run `sloforge generate` first)",
                    names::TEST_FILE_SUFFIX,
                    list.join(", ")
                )
            }
            RunError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            RunError::Spawn(p, e) => write!(
                f,
                "cannot run {}: {e} (install Prometheus' promtool, or pass --promtool PATH)",
                p.display()
            ),
            RunError::Promtool(out) => write!(f, "promtool failed:\n{out}"),
        }
    }
}

/// One failed check as promtool reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// `expr: "…", time: 1h4m,` or `alertname: …, time: …,` (or a rule evaluation error).
    pub check: String,
    /// The `exp:` / `got:` lines.
    pub detail: String,
    /// Names of the test groups holding that check (several when the same query is checked at
    /// the same time in more than one group).
    pub groups: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FileResult {
    pub file: PathBuf,
    /// Test groups in the file.
    pub groups: usize,
    /// Scenarios in the file: a group's scenarios have their names joined by
    /// [`names::TEST_GROUP_JOINER`].
    pub scenarios: usize,
    pub passed: bool,
    pub failures: Vec<Failure>,
    /// What promtool printed about the file.
    pub output: String,
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub files: Vec<FileResult>,
    pub elapsed: Duration,
}

impl Summary {
    pub fn passed(&self) -> bool {
        self.files.iter().all(|f| f.passed)
    }
    pub fn groups(&self) -> usize {
        self.files.iter().map(|f| f.groups).sum()
    }
    pub fn scenarios(&self) -> usize {
        self.files.iter().map(|f| f.scenarios).sum()
    }
    pub fn failed_groups(&self) -> usize {
        self.files
            .iter()
            .filter(|f| !f.passed)
            .map(|f| {
                let mut g: Vec<&String> = f.failures.iter().flat_map(|x| x.groups.iter()).collect();
                g.sort();
                g.dedup();
                g.len().max(1)
            })
            .sum()
    }
}

/// Every unit-test file under `paths`: files as given, directories searched recursively for
/// `*.test.yaml`.
pub fn find_test_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, RunError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out).map_err(|e| RunError::Io(p.clone(), e))?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(RunError::Io(
                p.clone(),
                io::Error::new(io::ErrorKind::NotFound, "no such file or directory"),
            ));
        }
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(RunError::NoTests(paths.to_vec()));
    }
    Ok(out)
}

/// Appends the unit-test files under `dir` in path order. A link to a directory is searched as
/// the directory; an entry that cannot be read is skipped, a directory that cannot be read
/// fails the search.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) if e.path_is_symlink() && e.path().is_dir() => walk(e.path(), out)?,
            Ok(e) => {
                if e.file_name()
                    .to_string_lossy()
                    .ends_with(names::TEST_FILE_SUFFIX)
                {
                    out.push(e.into_path());
                }
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

/// Runs promtool on `files`, one process per file: promtool 3 no longer names the file it
/// reports on, so each file's output must come from a run of its own. `jobs` workers take the
/// files longest first (by the evaluation time their groups span), so that a long file does
/// not start last.
pub fn run(files: &[PathBuf], opts: &RunOptions) -> Result<Summary, RunError> {
    let started = Instant::now();
    let jobs = opts.jobs.clamp(1, files.len().max(1));
    let mut queue: Vec<(u64, &PathBuf)> = files.iter().map(|f| (cost(f), f)).collect();
    queue.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let next = AtomicUsize::new(0);
    let outputs: Vec<Result<Vec<FileResult>, RunError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    while let Some((_, f)) = queue.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let out = run_promtool(&opts.promtool, std::slice::from_ref(*f))?;
                        done.push(file_result(f, strip_header(&out)));
                    }
                    Ok(done)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(RunError::Promtool("promtool runner panicked".into())))
            })
            .collect()
    });
    let mut results = Vec::new();
    for out in outputs {
        results.extend(out?);
    }
    results.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(Summary {
        files: results,
        elapsed: started.elapsed(),
    })
}

/// What promtool's run on a file costs, roughly: the evaluation time its groups span, in
/// milliseconds (promtool evaluates every rule at every step of every group); the file's size
/// when it does not read as a test file.
fn cost(file: &Path) -> u64 {
    let Ok(text) = fs::read_to_string(file) else {
        return 0;
    };
    let Ok(parsed) = serde_saphyr::from_str::<FileIn>(&text) else {
        return text.len() as u64;
    };
    parsed
        .tests
        .iter()
        .map(|g| {
            let times = g.promql_expr_test.iter().map(|e| e.eval_time.as_str());
            let times = times.chain(g.alert_rule_test.iter().map(|a| a.eval_time.as_str()));
            times
                .filter_map(|t| crate::model::Duration::parse(t).ok())
                .map(|d| d.as_millis())
                .max()
                .unwrap_or(0)
        })
        .sum()
}

/// One file's promtool output without the `Unit Testing:  <file>` header promtool 2 prints.
fn strip_header(out: &str) -> String {
    out.lines()
        .filter(|l| !l.starts_with("Unit Testing:"))
        .fold(String::new(), |mut acc, l| {
            acc.push_str(l);
            acc.push('\n');
            acc
        })
}

fn run_promtool(promtool: &Path, files: &[PathBuf]) -> Result<String, RunError> {
    if files.is_empty() {
        return Ok(String::new());
    }
    let mut out = tempfile::tempfile().map_err(|e| RunError::Io(std::env::temp_dir(), e))?;
    let err = out
        .try_clone()
        .map_err(|e| RunError::Io(std::env::temp_dir(), e))?;
    let o2 = out
        .try_clone()
        .map_err(|e| RunError::Io(std::env::temp_dir(), e))?;
    let mut cmd = Command::new(promtool);
    if std::env::var_os("GOGC").is_none() {
        // promtool's garbage collector, at Go's default pace, takes about a third of its CPU
        // time on these runs; a lazier pace saves most of it for a few dozen MB.
        cmd.env("GOGC", PROMTOOL_GOGC);
    }
    cmd.args(["test", "rules"])
        .args(files)
        .stdin(Stdio::null())
        .stdout(Stdio::from(o2))
        .stderr(Stdio::from(err))
        .status()
        .map_err(|e| RunError::Spawn(promtool.to_path_buf(), e))?;
    let mut text = String::new();
    out.rewind()
        .and_then(|_| out.read_to_string(&mut text))
        .map_err(|e| RunError::Io(std::env::temp_dir(), e))?;
    Ok(text)
}

#[derive(Deserialize, Default)]
struct FileIn {
    #[serde(default)]
    tests: Vec<GroupIn>,
}

#[derive(Deserialize, Default)]
struct GroupIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    promql_expr_test: Vec<ExprIn>,
    #[serde(default)]
    alert_rule_test: Vec<AlertIn>,
}

#[derive(Deserialize)]
struct ExprIn {
    expr: String,
    eval_time: String,
}

#[derive(Deserialize)]
struct AlertIn {
    alertname: String,
    eval_time: String,
}

/// promtool writes durations as Go does (`1h4m0s`, `1h4m`); compare them as durations.
fn same_time(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        crate::model::Duration::parse(s.trim_end_matches("0s").trim())
            .ok()
            .or_else(|| crate::model::Duration::parse(s).ok())
    };
    match (norm(a), norm(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn file_result(file: &Path, text: String) -> FileResult {
    let parsed: FileIn = fs::read_to_string(file)
        .ok()
        .and_then(|t| serde_saphyr::from_str(&t).ok())
        .unwrap_or_default();
    let passed = text.lines().any(|l| l.trim() == "SUCCESS") && !text.contains("FAILED");
    let mut failures = Vec::new();
    if !passed {
        let mut current: Option<Failure> = None;
        for line in text.lines() {
            let t = line.trim();
            if t.is_empty() || t == "FAILED:" {
                continue;
            }
            let is_head = t.starts_with("expr:")
                || t.starts_with("alertname:")
                || t.starts_with("rule:")
                || !line.starts_with("        ");
            if is_head {
                if let Some(f) = current.take() {
                    failures.push(f);
                }
                current = Some(Failure {
                    check: t.to_string(),
                    detail: String::new(),
                    groups: groups_of(&parsed, t),
                });
            } else if let Some(f) = current.as_mut() {
                f.detail.push_str(t);
                f.detail.push('\n');
            }
        }
        if let Some(f) = current.take() {
            failures.push(f);
        }
    }
    FileResult {
        file: file.to_path_buf(),
        groups: parsed.tests.len(),
        scenarios: parsed
            .tests
            .iter()
            .map(|g| {
                g.name
                    .as_deref()
                    .map_or(1, |n| n.split(names::TEST_GROUP_JOINER).count())
            })
            .sum(),
        passed,
        failures,
        output: text,
    }
}

/// The groups that hold the check promtool names in a failure line.
fn groups_of(file: &FileIn, head: &str) -> Vec<String> {
    let time = head
        .rsplit_once("time:")
        .map(|(_, t)| t.trim().trim_end_matches(',').trim().to_string());
    let Some(time) = time else { return Vec::new() };
    let mut out = Vec::new();
    for (i, g) in file.tests.iter().enumerate() {
        let name = g.name.clone().unwrap_or_else(|| format!("test #{}", i + 1));
        let hit = if let Some(rest) = head.strip_prefix("expr:") {
            let expr = rest.rsplit_once(", time:").map_or(rest, |(e, _)| e).trim();
            let expr: String =
                serde_json::from_str(expr).unwrap_or_else(|_| expr.trim_matches('"').to_string());
            g.promql_expr_test
                .iter()
                .any(|e| e.expr.trim() == expr.trim() && same_time(&e.eval_time, &time))
        } else if let Some(rest) = head.strip_prefix("alertname:") {
            let name = rest.split(',').next().unwrap_or("").trim();
            g.alert_rule_test
                .iter()
                .any(|a| a.alertname == name && same_time(&a.eval_time, &time))
        } else {
            false
        };
        if hit {
            out.extend(scenarios_of(&name, head));
        }
    }
    out
}

/// The scenarios of a group that a failed check belongs to: scenarios of several SLOs share a
/// group in generated files (names joined by [`names::TEST_GROUP_JOINER`], each starting with
/// its SLO's name), and every check names its SLO.
fn scenarios_of(group: &str, head: &str) -> Vec<String> {
    let parts: Vec<&str> = group.split(names::TEST_GROUP_JOINER).collect();
    let own: Vec<String> = parts
        .iter()
        .filter(|p| {
            p.split_once(": ").is_some_and(|(slo, _)| {
                head.contains(&format!("slo=\\\"{slo}\\\""))
                    || head.contains(&format!("slo=\"{slo}\""))
            })
        })
        .map(|p| p.to_string())
        .collect();
    if parts.len() > 1 && own.len() == 1 {
        own
    } else {
        vec![group.to_string()]
    }
}

/// `N tests`, and the scenarios they hold when groups share them.
fn counts(groups: usize, scenarios: usize) -> String {
    if scenarios > groups {
        format!("{groups} tests, {scenarios} scenarios")
    } else {
        format!("{groups} tests")
    }
}

/// The summary as text: one line per file, the failures in detail, a total.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    for f in &summary.files {
        let _ = writeln!(
            out,
            "{:<6} {} ({})",
            if f.passed { "ok" } else { "FAILED" },
            f.file.display(),
            counts(f.groups, f.scenarios)
        );
        for x in &f.failures {
            match x.groups.as_slice() {
                [] => {}
                [one] => {
                    let _ = writeln!(out, "  in test {one:?}:");
                }
                many => {
                    let _ = writeln!(
                        out,
                        "  in one of the tests {}:",
                        many.iter()
                            .map(|g| format!("{g:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
            let _ = writeln!(out, "    {}", x.check);
            for l in x.detail.lines() {
                let _ = writeln!(out, "      {l}");
            }
        }
        if !f.passed && f.failures.is_empty() {
            for l in f.output.lines() {
                let _ = writeln!(out, "    {l}");
            }
        }
    }
    let failed: Vec<&FileResult> = summary.files.iter().filter(|f| !f.passed).collect();
    let _ = writeln!(
        out,
        "{} in {} files: {} ({:.1}s)",
        counts(summary.groups(), summary.scenarios()),
        summary.files.len(),
        if failed.is_empty() {
            "all passed".to_string()
        } else {
            format!("{} files failed", failed.len())
        },
        summary.elapsed.as_secs_f64()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_output_with_or_without_the_promtool_2_header() {
        let two = "Unit Testing:  b.test.yaml\n  FAILED:\n    expr: \"x\", time: 1h4m,\n        exp: nil\n        got: {a=\"1\"} 1E+00\n\n";
        let three = "  FAILED:\n    expr: \"x\", time: 1h4m,\n        exp: nil\n        got: {a=\"1\"} 1E+00\n\n";
        assert_eq!(strip_header(two), strip_header(three));
        assert!(strip_header(two).contains("FAILED"));
        assert!(same_time("1h4m0s", "1h4m"));
        assert!(!same_time("1h4m", "1h5m"));
    }

    #[test]
    fn a_failure_in_a_shared_group_names_its_scenario() {
        let group = "availability: total outage | latency: a 5m spike";
        let head = r#"expr: "ALERTS{alertname=\"X\",service=\"s\",slo=\"latency\"}", time: 1h,"#;
        assert_eq!(scenarios_of(group, head), ["latency: a 5m spike"]);
        assert_eq!(scenarios_of(group, "expr: \"up\", time: 1h,"), [group]);
        assert_eq!(scenarios_of("just one", head), ["just one"]);
    }
}
