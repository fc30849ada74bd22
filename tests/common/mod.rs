//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod loopback;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate root (stable in snapshots).
pub fn rel(p: &Path) -> PathBuf {
    p.strip_prefix(root()).map(Path::to_path_buf).unwrap_or_else(|_| p.to_path_buf())
}

pub fn sloforge(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sloforge")).args(args).current_dir(cwd).output().expect("run sloforge")
}

/// The engine versions `make tools` installs (scripts/tools.sh), oldest first; the last is
/// the Prometheus 3 LTS, which single-version tests use.
pub const PROMETHEUS_VERSIONS: [&str; 3] = ["2.42.0", "2.53.3", "3.5.3"];
/// The Prometheus release the single-version tests run: the 3.x LTS.
pub const LTS: &str = "3.5.3";

/// Where `make tools` installs the engines (`SLOFORGE_TOOLS`, default `.tools/`).
pub fn tools_dir() -> PathBuf {
    std::env::var_os("SLOFORGE_TOOLS").map(PathBuf::from).unwrap_or_else(|| root().join(".tools"))
}

fn missing(what: &str) -> Option<PathBuf> {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is not installed (run `make tools`); CI must run it");
    }
    eprintln!("skipping: {what} not installed (run `make tools`)");
    None
}

/// A tool of Debian's prometheus packages (`promtool`, `prometheus`, `amtool`,
/// `prometheus-alertmanager`) of `version`, as `make tools` installs it. Under `CI` a missing
/// tool fails the test; elsewhere the test is skipped with a note.
pub fn tool_of(version: &str, name: &str) -> Option<PathBuf> {
    let p = tools_dir().join("prometheus").join(version).join(name);
    if p.is_file() { Some(p) } else { missing(&format!("{name} {version}")) }
}

/// A tool of the Prometheus 3 LTS ([`LTS`]).
pub fn tool(name: &str) -> Option<PathBuf> {
    tool_of(LTS, name)
}

/// `name` of every version in [`PROMETHEUS_VERSIONS`], with its version; empty when one is
/// missing outside CI (the test is then skipped with a note).
pub fn tool_matrix(name: &str) -> Vec<(&'static str, PathBuf)> {
    let found: Option<Vec<_>> = PROMETHEUS_VERSIONS.iter().map(|v| tool_of(v, name).map(|p| (*v, p))).collect();
    found.unwrap_or_default()
}

/// A Go-built engine of `make tools` (`victoria-metrics`, `vmalert`, `sloth`).
pub fn go_tool(name: &str) -> Option<PathBuf> {
    let p = tools_dir().join("bin").join(name);
    if p.is_file() { Some(p) } else { missing(name) }
}

pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("spawn");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// Rule files compiled from `paths`, without the header line that names the source file.
pub fn rules_of(paths: &[PathBuf]) -> Vec<String> {
    use sloforge::render::{self, RenderOptions};
    let b = sloforge::build(paths, false);
    let c = b.compilation.unwrap_or_else(|| panic!("{paths:?}: {}", b.diagnostics.render(&b.sources)));
    render::render_tree(&c, &RenderOptions::default())
        .into_iter()
        .filter(|(k, _)| k.ends_with(".rules.yaml"))
        .map(|(_, v)| v.lines().skip(1).collect::<Vec<_>>().join("\n"))
        .collect()
}

/// A generated rule file as read back from its YAML.
#[derive(serde::Deserialize)]
pub struct File {
    pub groups: Vec<Group>,
}

#[derive(serde::Deserialize)]
pub struct Group {
    pub rules: Vec<Rule>,
}

#[derive(serde::Deserialize)]
pub struct Rule {
    #[serde(default)]
    pub expr: String,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: std::collections::BTreeMap<String, String>,
}
