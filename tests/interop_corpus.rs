//! The interop corpus: one rewritten case per spec of Sloth's repository (tests/interop/sloth)
//! and per OpenSLO README / examples object (tests/interop/openslo). Good cases compile and
//! their rules pass `promtool check rules --lint=all --lint-fatal`; `err_*` cases are refused
//! with at least one error located in their own file. tests/interop/migrations holds shapes
//! of Sloth and OpenSLO files as people write them, each written here (`# Shape:`). The rendered diagnostics of every case
//! are snapshots.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use sloforge::render::{self, RenderOptions};

const DIRS: [&str; 3] = [
    "tests/interop/sloth",
    "tests/interop/openslo",
    "tests/interop/migrations",
];

/// Every case file, relative to the crate root, sorted.
fn cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in DIRS {
        let mut files: Vec<PathBuf> = std::fs::read_dir(common::root().join(dir))
            .unwrap()
            .map(|e| common::rel(&e.unwrap().path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        out.extend(files);
    }
    out
}

fn is_err_case(p: &Path) -> bool {
    p.file_name().unwrap().to_string_lossy().starts_with("err_")
}

/// Builds one case, turning a panic into a test failure that names the file.
fn build(p: &Path) -> sloforge::Build {
    let rel = p.to_path_buf();
    catch_unwind(AssertUnwindSafe(|| sloforge::build(&[rel], false)))
        .unwrap_or_else(|_| panic!("{}: sloforge panicked", p.display()))
}

use common::rules_of;

#[test]
fn corpus_is_complete() {
    let names: Vec<String> = cases().iter().map(|p| p.display().to_string()).collect();
    let sloth = names
        .iter()
        .filter(|n| n.starts_with("tests/interop/sloth/"))
        .count();
    let openslo = names
        .iter()
        .filter(|n| n.starts_with("tests/interop/openslo/"))
        .count();
    // 45 upstream Sloth specs (the duplicates pair adds one file), 16 OpenSLO cases.
    assert!(sloth >= 46, "{sloth} Sloth cases: {names:#?}");
    assert!(openslo >= 16, "{openslo} OpenSLO cases: {names:#?}");
    for p in cases() {
        let text = std::fs::read_to_string(common::root().join(&p)).unwrap();
        assert!(
            text.starts_with("# Mirrors ")
                || text.starts_with("# The second file")
                || text.starts_with("# Shape: "),
            "{}: say which upstream spec it mirrors",
            p.display()
        );
    }
}

#[test]
fn good_cases_compile_and_bad_cases_are_refused_with_a_located_error() {
    let mut problems = Vec::new();
    for p in cases() {
        let b = build(&p);
        let text = b.diagnostics.render(&b.sources);
        if is_err_case(&p) {
            if !b.failed() {
                problems.push(format!(
                    "{} compiles but Sloth/OpenSLO refuse it (or sloforge must):\n{text}",
                    p.display()
                ));
                continue;
            }
            let located = b
                .diagnostics
                .sorted()
                .into_iter()
                .filter(|d| d.is_error() && d.file == p && d.loc.line > 0 && d.loc.col > 0)
                .count();
            let shown = format!("{}:", p.display());
            if located == 0 || !text.contains(&shown) {
                problems.push(format!(
                    "{}: no error located in the file (file:line:col):\n{text}",
                    p.display()
                ));
            }
        } else if b.failed() {
            problems.push(format!("{} should compile:\n{text}", p.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn good_cases_pass_promtool_check_rules() {
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for p in cases().into_iter().filter(|p| !is_err_case(p)) {
        let b = build(&p);
        let c = b.compilation.unwrap_or_else(|| {
            panic!(
                "{} does not compile:\n{}",
                p.display(),
                b.diagnostics.render(&b.sources)
            )
        });
        let stem = p.file_stem().unwrap().to_string_lossy().to_string();
        let dir = p
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        for (rel, text) in render::render_tree(&c, &RenderOptions::default()) {
            if rel.ends_with(".rules.yaml") {
                let f = tmp
                    .path()
                    .join(format!("{dir}-{stem}-{}", rel.replace('/', "_")));
                std::fs::write(&f, text).unwrap();
                files.push(f);
            }
        }
    }
    assert!(files.len() >= 30, "only {} rule files", files.len());
    let out = common::run_ok(
        Command::new(&promtool)
            .args(["check", "rules", "--lint=all", "--lint-fatal"])
            .args(&files),
    );
    assert_eq!(out.matches("SUCCESS").count(), files.len(), "{out}");
}

#[test]
fn diagnostics_of_every_case() {
    insta::glob!("interop/*/*.yaml", |path| {
        let rel = common::rel(path);
        let b = build(&rel);
        let mut out = if b.diagnostics.is_empty() {
            "no diagnostics\n".to_string()
        } else {
            b.diagnostics.render(&b.sources) + "\n"
        };
        match &b.compilation {
            Some(c) => {
                let files: Vec<String> = render::render_tree(c, &RenderOptions::default())
                    .into_keys()
                    .filter(|k| k.ends_with(".rules.yaml"))
                    .collect();
                out.push_str(&format!("compiled: {}\n", files.join(", ")));
            }
            None => out.push_str("refused\n"),
        }
        insta::assert_snapshot!(out);
    });
}

#[test]
fn sloth_crd_compiles_like_the_prometheus_v1_file() {
    let dir = Path::new("tests/interop/sloth");
    let pairs = [
        ("validate_good_ab.yaml", "validate_good_k8s.yaml"),
        ("multifile_mixed_keys.yaml", "validate_good_multi_k8s.yaml"),
        ("validate_good_multi.yaml", "validate_good_multi_k8s.yaml"),
        (
            "k8s_getting_started.yaml",
            "managed_prometheus_getting_started.yaml",
        ),
    ];
    for (plain, crd) in pairs {
        let a = rules_of(&[dir.join(plain)]);
        let b = rules_of(&[dir.join(crd)]);
        assert!(!a.is_empty(), "{plain}");
        assert_eq!(a, b, "{plain} and {crd} compile differently");
    }
}

#[test]
fn camel_case_and_snake_case_sloth_keys_compile_alike() {
    let dir = common::root().join("tests/interop/sloth");
    let camel = std::fs::read_to_string(dir.join("base.yaml")).unwrap();
    let snake = camel
        .replace("pageAlert", "page_alert")
        .replace("ticketAlert", "ticket_alert")
        .replace("errorRatioQuery", "error_ratio_query");
    assert_ne!(camel, snake);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("snake.yaml"), snake).unwrap();
    assert_eq!(
        rules_of(&[dir.join("base.yaml")]),
        rules_of(&[tmp.path().join("snake.yaml")])
    );
    // Both spellings of one key at once is ambiguous.
    let both = camel.replace(
        "      pageAlert:\n",
        "      page_alert: {}\n      pageAlert:\n",
    );
    std::fs::write(tmp.path().join("both.yaml"), both).unwrap();
    let b = sloforge::build(&[tmp.path().join("both.yaml")], false);
    assert!(b.failed());
    assert!(
        b.diagnostics
            .render(&b.sources)
            .contains("`page_alert` and `pageAlert` are the same key")
    );
}

#[test]
fn alert_for_applies_only_with_its_plugin() {
    let dir = common::root().join("tests/interop/sloth");
    let with = rules_of(&[dir.join("getting_started.yaml")]).join("\n");
    assert!(
        with.contains("for: 4m") && with.contains("for: 20m"),
        "{with}"
    );
    let text = std::fs::read_to_string(dir.join("getting_started.yaml")).unwrap();
    let without = text.replace(
        "slo_plugins:\n  chain:\n    - id: \"sloth.dev/contrib/alert_for/v1\"\n",
        "",
    );
    assert_ne!(text, without);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("no-plugin.yaml"), without).unwrap();
    let b = sloforge::build(&[tmp.path().join("no-plugin.yaml")], false);
    let shown = b.diagnostics.render(&b.sources);
    assert!(!b.failed(), "{shown}");
    assert_eq!(b.diagnostics.warning_count(), 2, "{shown}");
    assert!(
        shown.contains("applied only with the `sloth.dev/contrib/alert_for/v1` SLO plugin"),
        "{shown}"
    );
    let rules = rules_of(&[tmp.path().join("no-plugin.yaml")]).join("\n");
    assert!(
        !rules.contains("for: 4m") && !rules.contains("for: 20m"),
        "{rules}"
    );
}

#[test]
fn duplicate_service_across_files_is_refused_in_the_second_file() {
    let dir = Path::new("tests/interop/sloth");
    let (a, b) = (
        dir.join("duplicates_original.yaml"),
        dir.join("duplicates_second.yaml"),
    );
    for single in [&a, &b] {
        assert!(
            !sloforge::build(std::slice::from_ref(single), false).failed(),
            "{}",
            single.display()
        );
    }
    let both = sloforge::build(&[a.clone(), b.clone()], false);
    assert!(both.failed());
    let dup: Vec<_> = both
        .diagnostics
        .sorted()
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    assert_eq!(dup.len(), 1, "{}", both.diagnostics.render(&both.sources));
    assert_eq!(dup[0].file, b);
    assert!(
        dup[0].message.contains(
            "service `ledger` is already defined at tests/interop/sloth/duplicates_original.yaml:"
        ),
        "{}",
        dup[0].message
    );
}

#[test]
fn strict_mode_refuses_what_is_only_warned_about() {
    // Keys Sloth ignores, and parts sloforge deliberately leaves out (rule-group intervals),
    // are warnings; --strict makes every warning an error.
    let dir = Path::new("tests/interop/sloth");
    let b = sloforge::build(&[dir.join("err_plugin_k8s_getting_started.yaml")], true);
    let shown = b.diagnostics.render(&b.sources);
    assert!(
        shown.contains("error[E003]") && shown.contains("unknown field `page_alert`"),
        "{shown}"
    );
    let case = dir.join("custom_rule_group_interval.yaml");
    assert!(!sloforge::build(std::slice::from_ref(&case), false).failed());
    let b = sloforge::build(&[case], true);
    assert!(b.failed());
    assert!(
        b.diagnostics
            .render(&b.sources)
            .contains("rule-group intervals are not applied")
    );
}
