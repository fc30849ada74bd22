//! Helpers shared by the integration tests.
#![allow(dead_code)]

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

/// The path of a tool from Debian's prometheus packages. Under `CI` a missing tool fails the
/// test; elsewhere the test is skipped with a note.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()))
        .unwrap_or_default();
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("{name} is not installed (apt-get install -y prometheus prometheus-alertmanager); CI must run it");
        }
        eprintln!("skipping: {name} not installed");
    }
    found
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
