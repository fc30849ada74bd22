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
        let (failed, out) = snapshot_of(std::slice::from_ref(&rel));
        if name.starts_with("err_") {
            assert!(failed, "{name} should fail validation");
            assert!(
                out.contains(&format!("{}:", rel.display())),
                "{name}: diagnostics must name the file"
            );
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
        let (failed, out) = snapshot_of(std::slice::from_ref(&dir));
        let expect_fail = dir.to_string_lossy().contains("err_");
        assert_eq!(failed, expect_fail, "{}:\n{out}", dir.display());
        insta::assert_snapshot!(out);
    });
}

#[test]
fn cases_dir_has_enough_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
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
                    let Ok(text) = std::fs::read_to_string(&p) else {
                        continue;
                    };
                    files += 1;
                    fast += sloforge::load::assert_fast_path_agrees(&text);
                }
            }
        }
    }
    assert!(
        files > 100 && fast > 20,
        "{files} files, {fast} documents read in one pass"
    );
}

/// The same SLO (service and name) in two files, in any pair of formats, is refused with an
/// error that names both places.
#[test]
fn duplicates_across_files_and_formats_name_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let openslo_v1 =
        std::fs::read_to_string(common::root().join("tests/cases/openslo_v1_inline.yaml")).unwrap();
    let v1alpha = "apiVersion: openslo/v1alpha\nkind: SLO\nmetadata:\n  name: api-errors\nspec:\n  service: public-api\n  objectives:\n    \
        - ratioMetrics:\n        good: {source: prometheus, queryType: promql, query: 'sum(rate(ok_total[{{.window}}]))'}\n        \
        total: {source: prometheus, queryType: promql, query: 'sum(rate(ok_total[{{.window}}])) + sum(rate(ko_total[{{.window}}]))'}\n      \
        target: 0.999\n  timeWindows:\n    - count: 30\n      unit: Day\n";
    let native = "apiVersion: sloforge.dev/v1\nkind: Service\nname: public-api\nteam: platform\nslos:\n  - name: api-errors\n    objective: 99.9\n    \
        sli: {ratio: {errors: 'api_requests_total{code=~\"5..\"}', total: api_requests_total}}\n";
    let sloth = "version: prometheus/v1\nservice: public-api\nslos:\n  - name: api-errors\n    objective: 99.9\n    \
        sli: {events: {error_query: 'sum(rate(api_requests_total{code=~\"5..\"}[{{.window}}]))', total_query: 'sum(rate(api_requests_total[{{.window}}]))'}}\n    \
        alerting: {name: ApiErrors}\n";
    let files: Vec<(&str, &str)> = vec![
        ("openslo-v1.yaml", &openslo_v1),
        ("openslo-v1alpha.yaml", v1alpha),
        ("native.yaml", native),
        ("sloth.yaml", sloth),
    ];
    let paths: Vec<std::path::PathBuf> = files
        .iter()
        .map(|(name, text)| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect();
    for p in &paths {
        let b = sloforge::build(std::slice::from_ref(p), false);
        assert!(
            !b.failed(),
            "{} alone is valid:\n{}",
            p.display(),
            b.diagnostics.render(&b.sources)
        );
    }
    for (i, a) in paths.iter().enumerate() {
        for b in &paths[i + 1..] {
            let both = sloforge::build(&[a.clone(), b.clone()], false);
            let shown = both.diagnostics.render(&both.sources);
            assert!(
                both.failed(),
                "{} and {}:\n{shown}",
                a.display(),
                b.display()
            );
            let dups: Vec<_> = both
                .diagnostics
                .sorted()
                .into_iter()
                .filter(|d| d.code == sloforge::diag::Code::DuplicateSlo)
                .collect();
            assert_eq!(dups.len(), 1, "{shown}");
            let d = &dups[0];
            let other = if &d.file == a { b } else { a };
            assert!(d.file == *a || d.file == *b, "{shown}");
            assert!(d.loc.line > 0 && d.loc.col > 0, "{shown}");
            assert!(
                d.message.contains(&format!("{}:", other.display())),
                "the error names the other place: {shown}"
            );
        }
    }
}

/// Every valid case and example generates rule files in which no two groups share a name
/// (Prometheus refuses such a file; `tests/promtool.rs` runs the real check).
#[test]
fn no_rule_file_repeats_a_group_name() {
    let mut inputs: Vec<std::path::PathBuf> = Vec::new();
    for e in std::fs::read_dir(common::root().join("tests/cases")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".yaml") && !name.starts_with("err_") {
            inputs.push(common::rel(&p));
        }
    }
    for e in std::fs::read_dir(common::root().join("examples")).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() && !p.to_string_lossy().contains("err_") {
            inputs.push(common::rel(&p));
        }
    }
    inputs.push("slo-specs".into());
    inputs.sort();
    let mut files = 0;
    for input in &inputs {
        let b = sloforge::build(std::slice::from_ref(input), false);
        let c = b
            .compilation
            .unwrap_or_else(|| panic!("{} should compile", input.display()));
        for (rel, text) in render::render_tree(&c, &RenderOptions::default()) {
            if !rel.ends_with(".rules.yaml") {
                continue;
            }
            files += 1;
            let doc: serde_json::Value = serde_saphyr::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: {rel}: {e}", input.display()));
            let mut seen = std::collections::BTreeSet::new();
            for g in doc["groups"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: {rel} has no groups", input.display()))
            {
                let name = g["name"].as_str().unwrap().to_string();
                assert!(
                    seen.insert(name.clone()),
                    "{}: {rel} has the group `{name}` twice",
                    input.display()
                );
            }
        }
    }
    assert!(
        inputs.len() > 20 && files > inputs.len(),
        "{} inputs, {files} rule files",
        inputs.len()
    );
}
