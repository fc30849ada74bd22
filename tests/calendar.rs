//! Calendar windows and exclusions on every engine's evaluator.
//!
//! sloforge compiles tests/calendar/ (a calendar month in America/New_York with a nightly
//! maintenance window) with its generated tests. The period-boundary test (an outage before the
//! New York new year, the budget reset at it, a bad first minute after it) and the exclusion test
//! (an outage inside the maintenance window pages nobody and spends nothing, the same outage
//! outside pages) run in `promtool test rules` of every Prometheus release, and in
//! VictoriaMetrics' `vmalert-tool unittest`, which evaluates the rules with MetricsQL. Its tests
//! start on 2000-01-01 00:00 UTC where promtool's start on 1970-01-01: both 5 hours before a New
//! York new year, in a 31-day December and January, and at 19:00 local time, so the same test
//! holds on both.

mod common;

use common::{root, run_ok};
use std::process::Command;

/// The names of the calendar SLO's boundary and exclusion tests.
const KEPT: [&str; 2] = ["budget resets at the period boundary", "in exclusion"];

#[test]
fn calendar_and_exclusion_tests_pass_in_promtool_and_in_vmalert_tool() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(
        Command::new(env!("CARGO_BIN_EXE_sloforge"))
            .args(["generate", "--no-dashboards", "--no-runbooks", "-o"])
            .arg(&out)
            .arg(root().join("tests/calendar")),
    );
    let test = std::fs::read_to_string(out.join("tests/billing.test.yaml")).unwrap();
    let (head, groups) = split_groups(&test);
    let kept: Vec<&str> = groups
        .iter()
        .copied()
        .filter(|g| {
            KEPT.iter()
                .any(|k| g.lines().next().unwrap_or("").contains(k))
        })
        .collect();
    assert_eq!(kept.len(), 2, "the boundary and exclusion tests:\n{test}");

    // promtool: the two tests as generated, every release.
    let rules = out.join("rules/billing.rules.yaml");
    let head = head.replace(
        "- ../rules/billing.rules.yaml",
        &format!("- {}", rules.display()),
    );
    let prom_file = dir.path().join("prom.test.yaml");
    std::fs::write(&prom_file, format!("{head}{}", kept.concat())).unwrap();
    for (version, promtool) in common::tool_matrix("promtool") {
        let o = Command::new(promtool)
            .args(["test", "rules"])
            .arg(&prom_file)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "promtool {version}:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }

    // vmalert-tool: the two tests, with MetricsQL's name for the expression checks.
    let Some(vmalert_tool) = common::go_tool("vmalert-tool") else {
        return;
    };
    let mut vm = head.clone();
    for g in &kept {
        vm.push_str(&g.replace("\n  promql_expr_test:", "\n  metricsql_expr_test:"));
    }
    let vm_file = dir.path().join("vm.test.yaml");
    std::fs::write(&vm_file, &vm).unwrap();
    let o = Command::new(vmalert_tool)
        .arg("unittest")
        .arg(format!("--files={}", vm_file.display()))
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.success() && text.contains("SUCCESS"),
        "vmalert-tool:\n{text}"
    );

    // The tests can fail: with the exclusion's time of day broken (minutes of the hour only,
    // never 02:00–04:00), the outage inside the window pages.
    let broken = std::fs::read_to_string(&rules)
        .unwrap()
        .replace("hour(", "0 * hour(");
    let broken_rules = dir.path().join("broken.rules.yaml");
    std::fs::write(&broken_rules, broken).unwrap();
    let broken_file = dir.path().join("broken.test.yaml");
    std::fs::write(
        &broken_file,
        vm.replace(
            &rules.display().to_string(),
            &broken_rules.display().to_string(),
        ),
    )
    .unwrap();
    let o = Command::new(common::go_tool("vmalert-tool").unwrap())
        .arg("unittest")
        .arg(format!("--files={}", broken_file.display()))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        !o.status.success(),
        "vmalert-tool passed with the exclusion's hour broken"
    );
}

/// The text before the first test group (`tests:` included) and each group's text.
fn split_groups(text: &str) -> (String, Vec<&str>) {
    let start = text.find("\ntests:\n").expect("a tests list") + "\ntests:\n".len();
    let mut groups = Vec::new();
    let mut rest = &text[start..];
    while !rest.is_empty() {
        let next = rest[1..].find("\n- name: ").map_or(rest.len(), |i| i + 2);
        groups.push(&rest[..next]);
        rest = &rest[next..];
    }
    (text[..start].to_string(), groups)
}
