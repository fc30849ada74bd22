//! The routing tests' fixtures: the demo fleet with a routing of `tests/receivers/` (or any
//! routing text) in its place, and what they read of a run.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;
use sloforge::syntax::matchers::quote;
use sloforge::verify::alerts::AlertInstance;

use super::root;

/// A file of `tests/receivers/`.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/receivers").join(name)
}

/// The demo fleet's specs copied to `slo-specs/` of a temporary directory.
pub fn demo_fleet() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("slo-specs");
    fs::create_dir_all(&specs).unwrap();
    for e in fs::read_dir(root().join("slo-specs")).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, specs.join(p.file_name().unwrap())).unwrap();
    }
    tmp
}

/// The demo fleet in a temporary directory, its routing replaced by `routing` (its text).
pub fn fleet(routing: &str) -> tempfile::TempDir {
    let tmp = demo_fleet();
    fs::write(tmp.path().join("slo-specs/routing.yaml"), routing).unwrap();
    tmp
}

/// The demo fleet with the routing fixture `name`.
pub fn fleet_of(name: &str) -> tempfile::TempDir {
    fleet(&fs::read_to_string(fixture(name)).unwrap())
}

/// What a run printed, stdout then stderr.
pub fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// YAML text as JSON.
pub fn yaml(text: &str) -> Json {
    serde_saphyr::from_str(text).unwrap()
}

/// `file:line:col` of the first line of `text` that contains `needle`, the column that of the
/// needle's first character (or of `at` within it when given).
pub fn site(file: &str, text: &str, needle: &str, at: Option<&str>) -> String {
    let (i, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}"));
    let col = line.find(at.unwrap_or(needle)).unwrap() + 1;
    format!("{file}:{}:{col}", i + 1)
}

/// The fleet of the specs in `dir`.
pub fn fleet_in(dir: &Path) -> sloforge::model::Fleet {
    let b = sloforge::build(&[dir.join("slo-specs")], false);
    assert!(!b.failed(), "{}", b.diagnostics);
    b.fleet.unwrap()
}

/// `amtool config routes test` of one alert against `config`: it succeeds when the alert reaches
/// exactly the receivers `expected` (comma-separated), and prints those it reaches.
pub fn routes_test(amtool: &Path, config: &Path, alert: &AlertInstance, expected: &str) -> Command {
    let mut cmd = Command::new(amtool);
    cmd.args(["config", "routes", "test"])
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--verify.receivers={expected}"));
    for (k, v) in &alert.labels {
        cmd.arg(format!("{k}={}", quote(v)));
    }
    cmd
}
