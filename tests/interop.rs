//! Foreign formats: a Sloth CRD compiles to the same rules as the equivalent `prometheus/v1`
//! file; Sloth, OpenSLO and native specs survive `convert` (the native output compiles to the
//! same rules as the input).

mod common;

use std::path::Path;

use common::{root, sloforge};

fn rules_of(path: &Path) -> Vec<String> {
    common::rules_of(&[path.to_path_buf()])
}

#[test]
fn sloth_crd_compiles_like_the_prometheus_v1_file() {
    let cases = root().join("tests/cases");
    let plain = rules_of(&cases.join("sloth_basic.yaml"));
    let crd = rules_of(&cases.join("sloth_crd.yaml"));
    assert!(!plain.is_empty());
    assert_eq!(plain, crd);
}

#[test]
fn converted_specs_compile_to_the_same_rules() {
    let tmp = tempfile::tempdir().unwrap();
    for case in [
        "sloth_basic",
        "sloth_unknown_keys",
        "sloth_crd",
        "openslo_v1_references",
        "openslo_v1_inline",
        "openslo_v1alpha",
        "ratio_good",
        "latency_numeric_threshold",
        "probe",
        "raw",
        "tier_overrides",
        "templates_passthrough",
        "min_events",
    ] {
        let input = root().join(format!("tests/cases/{case}.yaml"));
        let out = tmp.path().join(case);
        let o = sloforge(
            &[
                "convert",
                &input.to_string_lossy(),
                "-o",
                &out.to_string_lossy(),
            ],
            tmp.path(),
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{case}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let mut files: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty());
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("apiVersion: sloforge.dev/v1"), "{text}");
        // Cases that rely on a Defaults document in the same file keep it for the comparison.
        let mut converted = Vec::new();
        for f in &files {
            converted.extend(rules_of(f));
        }
        assert_eq!(
            rules_of(&input),
            converted,
            "{case}: converted spec compiles differently:\n{text}"
        );
    }
}

#[test]
fn openslo_warnings_and_errors_are_located() {
    let o = sloforge(
        &["validate", "tests/cases/openslo_v1_references.yaml"],
        &root(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning[W203]") && err.contains("tests/cases/openslo_v1_references.yaml:"),
        "{err}"
    );
    let o = sloforge(
        &["validate", "tests/cases/err_openslo_unsupported.yaml"],
        &root(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    for what in [
        "Timeslices",
        "calendar window `2M` is not supported",
        "thresholdMetric",
        "Datadog",
        "missing-sli",
        "missing-policy",
    ] {
        assert!(err.contains(what), "{what} not reported:\n{err}");
    }
}

/// The alerts of the rule files compiled from `case` (under tests/interop/migrations): name,
/// `for` and labels.
fn alerts_of(
    case: &str,
) -> Vec<(
    String,
    Option<String>,
    std::collections::BTreeMap<String, String>,
)> {
    #[derive(serde::Deserialize)]
    struct File {
        groups: Vec<Group>,
    }
    #[derive(serde::Deserialize)]
    struct Group {
        rules: Vec<Rule>,
    }
    #[derive(serde::Deserialize)]
    struct Rule {
        alert: Option<String>,
        #[serde(rename = "for")]
        for_: Option<String>,
        #[serde(default)]
        labels: std::collections::BTreeMap<String, String>,
    }
    let path = root().join(format!("tests/interop/migrations/{case}.yaml"));
    let mut out = Vec::new();
    for text in rules_of(&path) {
        let file: File = serde_saphyr::from_str(&text).unwrap();
        for r in file.groups.into_iter().flat_map(|g| g.rules) {
            if let Some(a) = r.alert {
                out.push((a, r.for_, r.labels));
            }
        }
    }
    out
}

#[test]
fn sloth_alerts_keep_their_severity_names_and_timing() {
    // One severity for both alerts, a hyphenated alert name, no `for`: as Sloth writes them.
    let alerts = alerts_of("sloth_shared_severity");
    let burn: Vec<_> = alerts
        .iter()
        .filter(|(_, _, l)| l.contains_key("alert_tier"))
        .collect();
    assert_eq!(burn.len(), 4, "{alerts:?}");
    for (name, for_, labels) in &burn {
        assert_eq!(name, "catalog-availability");
        assert_eq!(for_, &None, "{name} {labels:?}");
        assert_eq!(labels["severity"], "critical");
        assert_eq!(labels["category"], "availability");
    }
    // Per-alert severities win over the shared one; the alert_for plugin sets `for`.
    let alerts = alerts_of("sloth_severity_per_alert");
    let sev = |name: &str, tier: &str| {
        alerts
            .iter()
            .find(|(n, _, l)| n == name && l["alert_tier"] == tier)
            .map(|(_, f, l)| (l["severity"].clone(), f.clone()))
            .unwrap()
    };
    assert_eq!(
        sev("SearchQueryAvailability", "page-fast"),
        ("critical".into(), None)
    );
    assert_eq!(
        sev("SearchQueryAvailability", "ticket-slow"),
        ("warning".into(), None)
    );
    assert_eq!(
        sev("search-query-latency", "page-slow"),
        ("critical".into(), Some("5m".into()))
    );
    assert_eq!(
        sev("search-query-latency", "ticket-fast"),
        ("warning".into(), None)
    );
}

#[test]
fn one_severity_for_page_and_ticket_is_a_located_warning() {
    let p = std::path::PathBuf::from("tests/interop/migrations/sloth_shared_severity.yaml");
    let b = sloforge::build(std::slice::from_ref(&p), false);
    assert!(!b.failed());
    let warnings: Vec<_> = b
        .diagnostics
        .sorted()
        .into_iter()
        .filter(|d| !d.is_error())
        .collect();
    assert_eq!(warnings.len(), 1, "{}", b.diagnostics.render(&b.sources));
    assert_eq!(warnings[0].file, p);
    assert_eq!((warnings[0].loc.line, warnings[0].loc.col), (19, 9));
    assert!(warnings[0].message.contains("cannot tell them apart"));
}

#[test]
fn openslo_v1alpha_without_time_windows_takes_the_default_window() {
    let rules =
        rules_of(&root().join("tests/interop/migrations/openslo_v1alpha_no_time_windows.yaml"));
    assert!(rules.concat().contains(r#"window="30d""#), "{rules:?}");
}

#[test]
fn a_list_of_openslo_objects_compiles_like_separate_documents() {
    let list = root().join("tests/interop/migrations/openslo_list_of_objects.yaml");
    let text = std::fs::read_to_string(&list).unwrap();
    // The same objects as a multi-document file: each entry unindented, `---` between them.
    let mut docs = String::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        match line.strip_prefix("- ") {
            Some(first) => {
                docs.push_str("---\n");
                docs.push_str(first);
            }
            None => docs.push_str(line.strip_prefix("  ").unwrap_or(line)),
        }
        docs.push('\n');
    }
    let tmp = tempfile::tempdir().unwrap();
    let separate = tmp.path().join("openslo_list_of_objects.yaml");
    std::fs::write(&separate, docs).unwrap();
    let (a, b) = (rules_of(&list), rules_of(&separate));
    assert!(!a.is_empty());
    // The header names the source file; the rules are the same.
    let body = |v: Vec<String>| {
        v.iter()
            .map(|t| t.lines().skip(1).collect::<Vec<_>>().join("\n"))
            .collect::<Vec<_>>()
    };
    assert_eq!(body(a), body(b));
}

#[test]
fn a_sloth_owner_that_is_no_team_name_is_reported_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("owner.yaml");
    std::fs::write(
        &p,
        "version: prometheus/v1\nservice: shop\nlabels:\n  owner: Team Shop\nslos:\n- name: requests\n  objective: 99.9\n  sli:\n    events:\n      error_query: sum(rate(r_total{code=~\"5..\"}[{{.window}}]))\n      total_query: sum(rate(r_total[{{.window}}]))\n  alerting:\n    name: ShopRequests\n",
    )
    .unwrap();
    let b = sloforge::build(std::slice::from_ref(&p), false);
    let errors: Vec<_> = b
        .diagnostics
        .sorted()
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    assert_eq!(errors.len(), 1, "{}", b.diagnostics.render(&b.sources));
    assert_eq!(errors[0].path, "labels.owner");
    assert_eq!((errors[0].loc.line, errors[0].loc.col), (4, 10));
}
