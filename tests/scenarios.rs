//! The generated promtool unit tests: for the demo fleet, every valid case and every example
//! they pass under the real `promtool test rules`, and they fail when a generated alert is
//! broken.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sloforge::compile::scenarios::ScenarioOptions;
use sloforge::render::{self, RenderOptions};
use sloforge::testrun::{self, RunOptions};

fn spec_sets() -> Vec<(String, PathBuf)> {
    let root = common::root();
    let mut sets = vec![("demo".to_string(), root.join("slo-specs"))];
    for dir in ["tests/cases", "examples"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if !name.starts_with("err_") && (p.is_dir() || name.ends_with(".yaml")) {
                sets.push((name.trim_end_matches(".yaml").to_string(), p));
            }
        }
    }
    sets
}

fn tree_of(spec: &Path) -> BTreeMap<String, String> {
    let b = sloforge::build(&[spec.to_path_buf()], false);
    let c = b
        .compilation
        .unwrap_or_else(|| panic!("{} does not compile:\n{}", spec.display(), b.diagnostics));
    render::render_tree(
        &c,
        &RenderOptions {
            tests: Some(ScenarioOptions::default()),
            ..RenderOptions::default()
        },
    )
}

/// Writes the rule and test files of a tree under `dir`; returns the test files.
fn write(
    dir: &Path,
    tree: &BTreeMap<String, String>,
    mutate: impl Fn(&str, &str) -> String,
) -> Vec<PathBuf> {
    let mut tests = Vec::new();
    for (rel, text) in tree {
        if !(rel.ends_with(".rules.yaml") || rel.ends_with(".test.yaml")) {
            continue;
        }
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, mutate(rel, text)).unwrap();
        if rel.ends_with(".test.yaml") {
            tests.push(p);
        }
    }
    tests
}

fn run(promtool: PathBuf, files: &[PathBuf]) -> testrun::Summary {
    testrun::run(files, &RunOptions { promtool, jobs: 2 }).unwrap()
}

/// Whether the rules of a spec set run on Prometheus 2 (`engines` of its Defaults document):
/// not those of native-histogram SLOs, whose input series are in promtool 3's notation.
fn runs_on_prometheus_2(spec: &Path) -> bool {
    let b = sloforge::build(&[spec.to_path_buf()], false);
    b.fleet
        .expect("a valid spec set")
        .settings
        .engines
        .contains(&sloforge::model::Engine::Prometheus2)
}

#[test]
fn generated_tests_pass_under_promtool_2_42_2_53_and_3_5() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut files, mut native) = (Vec::new(), Vec::new());
    for (name, spec) in spec_sets() {
        let written = write(&tmp.path().join(&name), &tree_of(&spec), |_, t| {
            t.to_string()
        });
        if runs_on_prometheus_2(&spec) {
            files.extend(written);
        } else {
            native.extend(written);
        }
    }
    assert!(!native.is_empty());
    // One set of files for every version: the test model holds under both range semantics.
    for (version, promtool) in common::tool_matrix("promtool") {
        let summary = run(promtool.clone(), &files);
        let text = testrun::render(&summary);
        assert!(summary.passed(), "promtool {version}:\n{text}");
        assert!(summary.files.len() >= 30, "{text}");
        assert!(summary.scenarios() >= 300, "{text}");
        println!("promtool {version}:\n{text}");
        // Native histograms: Prometheus 3 only.
        if version.starts_with('3') {
            let summary = run(promtool, &native);
            let text = testrun::render(&summary);
            assert!(
                summary.passed(),
                "promtool {version}, native histograms:\n{text}"
            );
            assert!(summary.scenarios() >= 20, "{text}");
            println!("promtool {version}, native histograms:\n{text}");
        }
    }
}

/// A native-histogram SLO's threshold moved above the bad events' bucket: they count as good,
/// and the generated tests (promtool 3.5) fail.
#[test]
fn broken_native_threshold_fails_the_generated_tests() {
    let Some(promtool) = common::tool_of(common::LTS, "promtool") else {
        return;
    };
    let tree = tree_of(&common::root().join("tests/cases/native_histogram.yaml"));
    let tmp = tempfile::tempdir().unwrap();
    let (from, to) = (
        "histogram_fraction(-Inf, 0.3,",
        "histogram_fraction(-Inf, 1,",
    );
    let files = write(tmp.path(), &tree, |rel, text| {
        if rel.ends_with(".rules.yaml") {
            assert!(text.contains(from), "`{from}` not in the rules");
            text.replace(from, to)
        } else {
            text.to_string()
        }
    });
    let summary = run(promtool, &files);
    let text = testrun::render(&summary);
    assert!(!summary.passed(), "the generated tests still pass\n{text}");
    assert!(
        summary.files[0]
            .failures
            .iter()
            .any(|f| f.groups.iter().any(|g| g.contains("latency: total outage"))),
        "{text}"
    );
}

#[test]
fn committed_demo_tests_pass_from_another_directory_under_every_version() {
    // The test files name their rules relative to themselves: promtool finds them from any cwd.
    let mut files: Vec<PathBuf> = std::fs::read_dir(common::root().join("generated/tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 6);
    for (version, promtool) in common::tool_matrix("promtool") {
        let out = std::process::Command::new(&promtool)
            .args(["test", "rules"])
            .args(&files)
            .current_dir(std::env::temp_dir())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool {version}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Broken copies of the demo's cart rules; every one must fail its generated tests.
const MUTATIONS: &[(&str, &str, &str)] = &[
    ("page-fast threshold x10", "> 14.4 and", "> 144 and"),
    ("page-slow `for` 15m -> 5m", "for: 15m", "for: 5m"),
    (
        "page-fast short window 5m -> 30m",
        r#"window="5m"} > 14.4"#,
        r#"window="30m"} > 14.4"#,
    ),
    ("error ratio 2x too low", "/ 0.001\n", "/ 0.002\n"),
];

#[test]
fn broken_alerts_fail_the_generated_tests() {
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    let tree: BTreeMap<String, String> = tree_of(&common::root().join("slo-specs"))
        .into_iter()
        .filter(|(rel, _)| rel.contains("/cart."))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, (what, from, to)) in MUTATIONS.iter().enumerate() {
        let f = write(&tmp.path().join(format!("m{i}")), &tree, |rel, text| {
            if rel.ends_with(".rules.yaml") {
                assert!(text.contains(from), "{what}: `{from}` not in the rules");
                text.replacen(from, to, 1)
            } else {
                text.to_string()
            }
        });
        files.extend(f);
    }
    let summary = run(promtool, &files);
    let text = testrun::render(&summary);
    for (i, (what, _, _)) in MUTATIONS.iter().enumerate() {
        let r = summary
            .files
            .iter()
            .find(|f| f.file.starts_with(tmp.path().join(format!("m{i}"))))
            .unwrap();
        assert!(!r.passed, "{what}: the generated tests still pass\n{text}");
        assert!(
            !r.failures.is_empty() && r.failures.iter().all(|f| !f.groups.is_empty()),
            "{what}: failures not attributed\n{text}"
        );
    }
    // The threshold mutation is caught by the outage test and by page-fast's own tests.
    let first = &summary
        .files
        .iter()
        .find(|f| f.file.starts_with(tmp.path().join("m0")))
        .unwrap()
        .failures;
    assert!(
        first
            .iter()
            .any(|f| f.groups.iter().any(|g| g.contains("total outage"))),
        "{text}"
    );
    println!("{text}");
}

#[test]
fn sloforge_test_command() {
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    let promtool = promtool.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let spec = common::root().join("tests/promtool/spec.yaml");
    let out = tmp.path().join("out");
    let o = common::sloforge(
        &[
            "generate",
            spec.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.join("tests/api.test.yaml").is_file());
    let o = common::sloforge(
        &["test", out.to_str().unwrap(), "--promtool", promtool],
        tmp.path(),
    );
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("ok ") && stdout.contains(" in 1 files: all passed"),
        "{stdout}"
    );

    // Break the page: exit 1, the failing test named.
    let rules = out.join("rules/api.rules.yaml");
    let text = std::fs::read_to_string(&rules).unwrap();
    std::fs::write(&rules, text.replacen("> 14.4 and", "> 144 and", 1)).unwrap();
    let o = common::sloforge(
        &[
            "test",
            out.join("tests/api.test.yaml").to_str().unwrap(),
            "--jobs",
            "1",
            "--promtool",
            promtool,
        ],
        tmp.path(),
    );
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAILED") && stdout.contains("\"availability: total outage"),
        "{stdout}"
    );

    // Nothing to run, or no promtool: exit 1 with a message.
    let o = common::sloforge(
        &[
            "test",
            tmp.path().join("nothing").to_str().unwrap(),
            "--promtool",
            promtool,
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let o = common::sloforge(
        &[
            "test",
            out.to_str().unwrap(),
            "--promtool",
            "/nonexistent/promtool",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cannot run"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn tests_are_optional_and_only_for_plain_rule_files() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = common::root().join("tests/promtool/spec.yaml");
    for (args, expect) in [
        (vec!["--no-tests"], false),
        (vec!["--format", "kubernetes"], false),
        (vec![], true),
    ] {
        let out = tmp.path().join(format!("out{}", args.len()));
        let mut a = vec![
            "generate",
            spec.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        a.extend(args.iter().copied());
        let o = common::sloforge(&a, tmp.path());
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(out.join("tests").exists(), expect, "{args:?}");
    }
    // `-o -` streams rules only.
    let o = common::sloforge(&["generate", spec.to_str().unwrap(), "-o", "-"], tmp.path());
    assert!(!String::from_utf8_lossy(&o.stdout).contains("promql_expr_test"));
}

/// The native read at its edges, under promtool 3.5: a histogram that was empty one base window
/// ago (its fraction is NaN: the good count is 0, not missing), and a reset (both counts start
/// over).
#[test]
fn native_reads_count_from_an_empty_histogram_and_across_a_reset() {
    let Some(promtool) = common::tool_of(common::LTS, "promtool") else {
        return;
    };
    let tree = tree_of(&common::root().join("tests/cases/native_histogram.yaml"));
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), &tree, |_, t| t.to_string());
    // Schema 0: bucket -2 is (0.125, 0.25], at or below the 0.3 threshold; bucket 0 is
    // (0.5, 1], above it.
    let h = |good: u32, bad: u32| {
        format!(
            "{{{{schema:0 count:{} offset:-2 buckets:[{good} 0 {bad}]}}}}",
            good + bad
        )
    };
    let values = format!(
        "{{{{schema:0 count:0}}}} {} {} {}",
        h(9, 1),
        h(27, 3),
        h(4, 1)
    );
    let rate = |event: &str, t: &str, v: &str| {
        format!(
            "  - expr: slo:sli_events:rate1m{{slo=\"latency\",event=\"{event}\"}}\n    eval_time: {t}\n    exp_samples:\n    - labels: slo:sli_events:rate1m{{event=\"{event}\",service=\"search\",slo=\"latency\",team=\"discovery\"}}\n      value: {v}\n"
        )
    };
    let mut test = format!(
        "rule_files: [rules/search.rules.yaml]\nevaluation_interval: 1m\ntests:\n- interval: 1m\n  input_series:\n  - series: search_request_duration_seconds{{job=\"search\"}}\n    values: \"{values}\"\n  promql_expr_test:\n"
    );
    // 1m: 10 requests since the empty histogram, 1 slow; 2m: 20 more, 2 slow; 3m: a reset,
    // then 5 requests, 1 slow.
    // The rule subtracts the good rate from the total rate, as floats.
    for (t, good, total) in [("1m", 9, 10), ("2m", 18, 20), ("3m", 4, 5)] {
        let (good, total) = (f64::from(good) / 60.0, f64::from(total) / 60.0);
        test += &rate("errors", t, &format!("{:e}", total - good));
        test += &rate("total", t, &format!("{total:e}"));
    }
    let file = tmp.path().join("edges.test.yaml");
    std::fs::write(&file, test).unwrap();
    let summary = run(promtool, std::slice::from_ref(&file));
    assert!(summary.passed(), "{}", testrun::render(&summary));
}
