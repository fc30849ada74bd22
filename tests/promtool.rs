//! Every generated rule file passes the real `promtool check rules --lint=all --lint-fatal`,
//! and the hand-written scenarios in tests/promtool/ pass `promtool test rules` on generated
//! rules (and fail when a generated threshold is broken).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use sloforge::render::{self, RenderOptions};

fn spec_sets() -> Vec<PathBuf> {
    let root = common::root();
    let mut sets = vec![root.join("slo-specs")];
    for dir in ["tests/cases", "examples"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if !name.starts_with("err_") && (p.is_dir() || name.ends_with(".yaml")) {
                sets.push(p);
            }
        }
    }
    sets
}

#[test]
fn every_generated_rule_file_passes_promtool_check_on_every_version() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, set) in spec_sets().iter().enumerate() {
        let b = sloforge::build(std::slice::from_ref(set), false);
        let c = b
            .compilation
            .unwrap_or_else(|| panic!("{} does not compile:\n{}", set.display(), b.diagnostics));
        for (rel, text) in render::render_tree(&c, &RenderOptions::default()) {
            if rel.ends_with(".rules.yaml") {
                let p = tmp.path().join(format!("{i}-{}", rel.replace('/', "_")));
                std::fs::write(&p, text).unwrap();
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 20, "only {} rule files", files.len());
    for (version, promtool) in common::tool_matrix("promtool") {
        let out = common::run_ok(
            Command::new(&promtool)
                .args(["check", "rules", "--lint=all", "--lint-fatal"])
                .args(&files),
        );
        assert_eq!(
            out.matches("SUCCESS").count(),
            files.len(),
            "promtool {version}: {out}"
        );
    }
}

fn scenario_dir(mutate: impl Fn(&str) -> String) -> tempfile::TempDir {
    let root = common::root();
    let tmp = tempfile::tempdir().unwrap();
    let b = sloforge::build(&[root.join("tests/promtool/spec.yaml")], false);
    let c = b.compilation.expect("scenario spec compiles");
    let files = render::render_tree(&c, &RenderOptions::default());
    let rules = files.get("rules/api.rules.yaml").expect("rules of api");
    std::fs::create_dir_all(tmp.path().join("rules")).unwrap();
    std::fs::write(tmp.path().join("rules/api.rules.yaml"), mutate(rules)).unwrap();
    std::fs::copy(
        root.join("tests/promtool/scenarios.test.yaml"),
        tmp.path().join("scenarios.test.yaml"),
    )
    .unwrap();
    tmp
}

fn promtool_test(promtool: &Path, dir: &Path) -> (bool, String) {
    let out = Command::new(promtool)
        .args(["test", "rules", "scenarios.test.yaml"])
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn hand_written_scenarios_pass_on_generated_rules_under_every_version() {
    let dir = scenario_dir(str::to_string);
    for (version, promtool) in common::tool_matrix("promtool") {
        let (ok, out) = promtool_test(&promtool, dir.path());
        assert!(ok, "promtool {version}: {out}");
        assert!(out.contains("SUCCESS"), "{out}");
    }
}

#[test]
fn scenarios_catch_a_broken_threshold() {
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    // The page-fast threshold ×10: the outage scenario must no longer see its page.
    let dir = scenario_dir(|r| {
        assert!(r.contains("> 14.4"));
        r.replace("> 14.4", "> 144")
    });
    let (ok, out) = promtool_test(&promtool, dir.path());
    assert!(!ok, "mutated rules still pass:\n{out}");
    assert!(out.contains("ApiAvailabilitySLOBurn"), "{out}");
}

#[test]
fn scenarios_catch_an_unweighted_long_window() {
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    // Replace Σerrors/Σtotal by a mean of one-minute ratios for the 6h window: the
    // traffic-weighted check must fail.
    let dir = scenario_dir(|r| {
        let re = "sum(sum_over_time(slo:sli_events:rate1m{service=\"api\",slo=\"availability\",event=\"errors\"}[5h59m59s999ms] offset 1m)) / (sum(sum_over_time(slo:sli_events:rate1m{service=\"api\",slo=\"availability\",event=\"total\"}[5h59m59s999ms] offset 1m)) > 0)";
        assert!(r.contains(re));
        r.replace(re, "sum(avg_over_time((slo:sli_events:rate1m{service=\"api\",slo=\"availability\",event=\"errors\"} / ignoring(event) slo:sli_events:rate1m{service=\"api\",slo=\"availability\",event=\"total\"})[6h:1m] offset 1m))")
    });
    let (ok, out) = promtool_test(&promtool, dir.path());
    assert!(!ok, "{out}");
    assert!(out.contains("2160 / 1188000"), "{out}");
}
