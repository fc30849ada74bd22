//! Snapshot of every case in tests/cases (rules, or the rendered diagnostics of `err_*`) and
//! of every example in examples/.

mod common;

use std::path::Path;

use sloforge::render::{self, RenderOptions};

fn snapshot_of(paths: &[std::path::PathBuf]) -> (bool, String) {
    let b = sloforge::build(paths, false);
    let mut out = String::new();
    if !b.diagnostics.is_empty() {
        out.push_str(&b.diagnostics.render(&b.sources));
        out.push('\n');
    }
    if let Some(c) = &b.compilation {
        out.push_str(&render::render_stream(c, &RenderOptions::default()));
    }
    (b.failed(), out)
}

#[test]
fn cases() {
    insta::glob!("cases/*.yaml", |path| {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let rel = common::rel(path);
        let (failed, out) = snapshot_of(&[rel.clone()]);
        if name.starts_with("err_") {
            assert!(failed, "{name} should fail validation");
            assert!(out.contains(&format!("{}:", rel.display())), "{name}: diagnostics must name the file");
        } else {
            assert!(!failed, "{name} should compile:\n{out}");
        }
        insta::assert_snapshot!(out);
    });
}

#[test]
fn examples() {
    insta::glob!("../examples", "*/README.md", |path| {
        let dir = common::rel(path.parent().unwrap());
        let (failed, out) = snapshot_of(&[dir.clone()]);
        let expect_fail = dir.to_string_lossy().contains("err_");
        assert_eq!(failed, expect_fail, "{}:\n{out}", dir.display());
        insta::assert_snapshot!(out);
    });
}

#[test]
fn cases_dir_has_enough_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.len() >= 15, "{names:?}");
    assert!(names.iter().filter(|n| n.starts_with("err_")).count() >= 5);
}

/// Native `Service` documents are read in one typed pass when they can be; every spec in the
/// repository must then be one the located tree and its schema check accept as well.
#[test]
fn one_pass_reading_agrees_with_the_schema_check() {
    let mut fast = 0;
    let mut files = 0;
    for dir in ["tests/cases", "tests/interop", "examples", "slo-specs"] {
        let mut stack = vec![common::root().join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                    // (Some error cases are deliberately not UTF-8.)
                    let Ok(text) = std::fs::read_to_string(&p) else { continue };
                    files += 1;
                    fast += sloforge::load::assert_fast_path_agrees(&text);
                }
            }
        }
    }
    assert!(files > 100 && fast > 20, "{files} files, {fast} documents read in one pass");
}
