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
        "calendar windows",
        "thresholdMetric",
        "Datadog",
        "missing-sli",
        "missing-policy",
    ] {
        assert!(err.contains(what), "{what} not reported:\n{err}");
    }
}
