//! The command line as users and CI scripts see it: exit codes, atomic output, `check`,
//! stdout streams, Kubernetes resources, determinism, and the committed schema and output.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::{root, sloforge};
use sloforge::render::tree::{read_tree, write_tree};

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

fn workspace() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("slo-specs"), &tmp.path().join("slo-specs"));
    tmp
}

fn text(o: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn usage_errors_exit_2() {
    let tmp = workspace();
    assert_eq!(sloforge(&["frobnicate"], tmp.path()).status.code(), Some(2));
    assert_eq!(
        sloforge(&["generate", "--format", "xml"], tmp.path())
            .status
            .code(),
        Some(2)
    );
    assert_eq!(sloforge(&["--version"], tmp.path()).status.code(), Some(0));
}

#[test]
fn generate_defaults_to_slo_specs_and_generated() {
    let tmp = workspace();
    let o = sloforge(&["generate"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let tree = read_tree(&tmp.path().join("generated")).unwrap();
    assert!(
        tree.contains_key("rules/checkout.rules.yaml"),
        "{:?}",
        tree.keys()
    );
    assert_eq!(sloforge(&["check"], tmp.path()).status.code(), Some(0));
    assert_eq!(sloforge(&["validate"], tmp.path()).status.code(), Some(0));
}

#[test]
fn invalid_specs_exit_1_locate_every_error_and_write_nothing() {
    let tmp = workspace();
    assert_eq!(sloforge(&["generate"], tmp.path()).status.code(), Some(0));
    let before = read_tree(&tmp.path().join("generated")).unwrap();
    // Two broken files: both reported, with file:line:col.
    fs::write(
        tmp.path().join("slo-specs/broken.yaml"),
        "apiVersion: sloforge.dev/v1\nkind: Service\nname: broken\nteam: t\nslos:\n  - name: a\n    objective: 100\n    sli: {ratio: {errors: 'x{c=\"5\"}', total: 'x[5m]'}}\n",
    )
    .unwrap();
    fs::write(
        tmp.path().join("slo-specs/typo.yaml"),
        "apiVersion: sloforge.dev/v1\nkind: Service\nname: typo\nteam: t\nslo: []\n",
    )
    .unwrap();
    for cmd in ["generate", "validate", "check"] {
        let o = sloforge(&[cmd], tmp.path());
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert!(err.contains("slo-specs/broken.yaml:7:16"), "{cmd}: {err}");
        assert!(err.contains("slo-specs/broken.yaml:8:46"), "{cmd}: {err}");
        assert!(err.contains("slo-specs/typo.yaml:5:1"), "{cmd}: {err}");
        assert!(
            err.contains("error[E101]")
                && err.contains("error[E105]")
                && err.contains("error[E003]"),
            "{err}"
        );
    }
    assert_eq!(
        read_tree(&tmp.path().join("generated")).unwrap(),
        before,
        "output changed after a failed run"
    );
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "temporary directories left behind: {leftovers:?}"
    );
}

#[test]
fn a_late_failure_leaves_the_old_tree_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("generated");
    let mut first = BTreeMap::new();
    first.insert(".sloforge".to_string(), "marker\n".to_string());
    first.insert("rules/a.rules.yaml".to_string(), "old a\n".to_string());
    write_tree(&out, &first, None).unwrap();
    let mut second = first.clone();
    second.insert("rules/a.rules.yaml".to_string(), "new a\n".to_string());
    second.insert("rules/b.rules.yaml".to_string(), "new b\n".to_string());
    // Fails after every new file has been written, just before the swap.
    let fail = |staged: &Path| {
        assert!(staged.join("rules/b.rules.yaml").is_file());
        Err(std::io::Error::other("disk full"))
    };
    assert!(write_tree(&out, &second, Some(&fail)).is_err());
    assert_eq!(read_tree(&out).unwrap(), first);
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "staging directory left behind"
    );
    write_tree(&out, &second, None).unwrap();
    assert_eq!(read_tree(&out).unwrap(), second);
}

#[test]
fn generate_refuses_to_replace_a_directory_it_did_not_write() {
    let tmp = workspace();
    fs::create_dir_all(tmp.path().join("mine")).unwrap();
    fs::write(tmp.path().join("mine/notes.txt"), "keep me").unwrap();
    let o = sloforge(&["generate", "-o", "mine"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("was not written by sloforge"));
    assert_eq!(
        fs::read_to_string(tmp.path().join("mine/notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn check_reports_drift_and_stale_files() {
    let tmp = workspace();
    assert_eq!(sloforge(&["generate"], tmp.path()).status.code(), Some(0));
    let f = tmp.path().join("generated/rules/cart.rules.yaml");
    let orig = fs::read_to_string(&f).unwrap();
    fs::write(&f, orig.replace("> 14.4", "> 15")).unwrap();
    let o = sloforge(&["check"], tmp.path());
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out.contains("-") && out.contains("> 15") && out.contains("+") && out.contains("> 14.4"),
        "{out}"
    );
    assert!(err.contains("out of date"));
    fs::write(&f, orig).unwrap();
    assert_eq!(sloforge(&["check"], tmp.path()).status.code(), Some(0));
    // Removing a service leaves a stale file: `check` reports it, `generate` removes it.
    fs::remove_file(tmp.path().join("slo-specs/cart.yaml")).unwrap();
    let o = sloforge(&["check"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).0.contains("stale file"), "{:?}", text(&o));
    assert_eq!(sloforge(&["generate"], tmp.path()).status.code(), Some(0));
    assert!(!f.exists());
    assert_eq!(sloforge(&["check"], tmp.path()).status.code(), Some(0));
}

#[test]
fn dash_writes_one_stream_to_stdout_and_nothing_to_disk() {
    let tmp = workspace();
    let o = sloforge(&["generate", "-o", "-"], tmp.path());
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        out.matches("\n---\n").count() + usize::from(out.starts_with("---\n")),
        6
    );
    assert!(out.contains("record: slo:sli_events:rate1m"));
    assert!(!tmp.path().join("generated").exists());
}

#[test]
fn kubernetes_resources_carry_namespace_and_labels() {
    let tmp = workspace();
    let o = sloforge(
        &[
            "generate",
            "-o",
            "-",
            "--format",
            "kubernetes",
            "--namespace",
            "monitoring",
            "--label",
            "prometheus=main",
        ],
        tmp.path(),
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    // Every resource of the fleet: the rules, each team's AlertmanagerConfig, then the
    // dashboards (the overview and one per service).
    assert_eq!(out.matches("kind: PrometheusRule").count(), 6);
    assert_eq!(out.matches("kind: AlertmanagerConfig").count(), 4);
    assert_eq!(out.matches("kind: ConfigMap").count(), 7);
    assert_eq!(out.matches("\n  namespace: monitoring\n").count(), 13);
    assert_eq!(out.matches("prometheus: main").count(), 17);
    assert_eq!(out.matches("grafana_dashboard: \"1\"").count(), 7);
    assert!(out.contains("apiVersion: monitoring.coreos.com/v1\n"));
    assert!(out.contains("apiVersion: monitoring.coreos.com/v1alpha1\n"));
    let first = out.split("\n---\n").next().unwrap();
    assert!(first.contains("name: sloforge-cart"), "{first}");
}

#[test]
fn no_dashboards_leaves_the_dashboards_out() {
    let tmp = workspace();
    let o = sloforge(&["generate", "-o", "out", "--no-dashboards"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert!(tmp.path().join("out/rules").is_dir());
    assert!(!tmp.path().join("out/dashboards").exists());
    let o = sloforge(&["generate", "-o", "out"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert!(tmp.path().join("out/dashboards/overview.json").is_file());
    assert!(tmp.path().join("out/dashboards/cart.json").is_file());
    let args = ["generate", "--format", "kubernetes", "-o", "-"];
    let with = text(&sloforge(&args, tmp.path())).0;
    let without = text(&sloforge(
        &[&args[..], &["--no-dashboards"]].concat(),
        tmp.path(),
    ))
    .0;
    assert_eq!(with.matches("kind: ConfigMap").count(), 7);
    assert_eq!(without.matches("kind: ConfigMap").count(), 0);
    assert!(with.starts_with(&without));
}

/// `-o -` with `--format kubernetes` is one stream `kubectl apply -f -` takes: every document
/// after a `---` line, each a whole resource (`apiVersion`, `kind`, `metadata` with a name), the
/// rules before the Alertmanager configuration and the dashboards, and the same documents as
/// the output tree.
#[test]
fn kubernetes_stream_holds_every_resource_of_the_fleet() {
    let tmp = workspace();
    let args = [
        "generate",
        "--format",
        "kubernetes",
        "--namespace",
        "monitoring",
    ];
    let o = sloforge(&[&args[..], &["-o", "-"]].concat(), tmp.path());
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.starts_with("---\n"), "{out}");
    let docs: Vec<&str> = out.split("---\n").skip(1).collect();
    let kinds: Vec<String> = docs
        .iter()
        .map(|d| {
            let v: serde_json::Value = serde_saphyr::from_str(d).unwrap();
            assert!(v["apiVersion"].is_string(), "{d}");
            assert!(v["metadata"]["name"].is_string(), "{d}");
            v["kind"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            vec!["PrometheusRule"; 6],
            vec!["AlertmanagerConfig"; 4],
            vec!["ConfigMap"; 7]
        ]
        .concat()
    );
    let o = sloforge(&[&args[..], &["-o", "k8s"]].concat(), tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let mut files: Vec<String> = fs::read_dir(tmp.path().join("k8s/kubernetes"))
        .unwrap()
        .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let mut streamed: Vec<String> = docs.iter().map(ToString::to_string).collect();
    files.sort();
    streamed.sort();
    assert_eq!(streamed, files);
}

#[test]
fn output_is_deterministic_across_runs_and_input_order() {
    let tmp = workspace();
    let specs = tmp.path().join("slo-specs");
    let mut files: Vec<String> = fs::read_dir(&specs)
        .unwrap()
        .map(|e| format!("slo-specs/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    files.sort();
    let mut args: Vec<&str> = vec!["generate", "-o", "-"];
    args.extend(files.iter().map(String::as_str));
    let a = sloforge(&args, tmp.path()).stdout;
    let mut reversed: Vec<&str> = vec!["generate", "-o", "-"];
    reversed.extend(files.iter().rev().map(String::as_str));
    let b = sloforge(&reversed, tmp.path()).stdout;
    let c = sloforge(&["generate", "-o", "-"], tmp.path()).stdout;
    assert!(!a.is_empty());
    assert_eq!(a, b);
    assert_eq!(a, c);
    // Where the specs and the output live does not show in the output.
    let abs = tmp.path().join("slo-specs");
    let d = sloforge(&["generate", "-o", "-", &abs.to_string_lossy()], &root()).stdout;
    assert_eq!(a, d);
    assert_eq!(
        sloforge(&["generate", "-o", "one"], tmp.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        sloforge(
            &[
                "generate",
                &abs.to_string_lossy(),
                "-o",
                &tmp.path().join("nested/two").to_string_lossy()
            ],
            &root()
        )
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        read_tree(&tmp.path().join("one")).unwrap(),
        read_tree(&tmp.path().join("nested/two")).unwrap()
    );
}

#[test]
fn sloth_unknown_keys_warn_and_fail_under_strict() {
    let case = root().join("tests/cases/sloth_unknown_keys.yaml");
    let case = case.to_string_lossy();
    let o = sloforge(&["validate", &case], &root());
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(text(&o).1.contains("warning[W202]"));
    let o = sloforge(&["validate", "--strict", &case], &root());
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("infoLabels"), "{:?}", text(&o));
}

#[test]
fn committed_schema_is_current() {
    let want = serde_json::to_string_pretty(&sloforge::load::json_schema()).unwrap() + "\n";
    let have = fs::read_to_string(root().join("docs/sloforge.schema.json")).unwrap();
    assert!(
        have == want,
        "docs/sloforge.schema.json is stale: run `make schema`"
    );
}

#[test]
fn committed_generated_tree_is_current() {
    let o = sloforge(&["check", "slo-specs", "-o", "generated"], &root());
    assert_eq!(
        o.status.code(),
        Some(0),
        "generated/ drifted from slo-specs/: run `make generate`\n{}",
        text(&o).0
    );
}

/// Every `err_*` case: exit 1, every diagnostic located (`file:line:col`), and an existing
/// output tree left byte for byte as it was.
#[test]
fn every_error_case_exits_1_with_located_errors_and_writes_nothing() {
    let tmp = workspace();
    assert_eq!(
        sloforge(&["generate", "-o", "out"], tmp.path())
            .status
            .code(),
        Some(0)
    );
    let before = read_tree(&tmp.path().join("out")).unwrap();
    let cases = root().join("tests/cases");
    let mut names: Vec<String> = fs::read_dir(&cases)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("err_"))
        .collect();
    names.sort();
    assert!(names.len() >= 60, "only {} error cases", names.len());
    for name in &names {
        let path = cases.join(name);
        let path = path.to_string_lossy();
        let o = sloforge(&["generate", &path, "-o", "out"], tmp.path());
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        let located = err
            .lines()
            .filter(|l| l.contains(&format!("{path}:")))
            .count();
        let errors = err.lines().filter(|l| l.starts_with("error[")).count();
        assert!(
            errors >= 1 && located >= errors,
            "{name}: {errors} errors, {located} located:\n{err}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    assert_eq!(read_tree(&tmp.path().join("out")).unwrap(), before);
}

#[test]
fn a_directory_without_specs_is_an_error() {
    let tmp = workspace();
    fs::create_dir_all(tmp.path().join("empty/nested")).unwrap();
    fs::write(tmp.path().join("empty/nested/readme.txt"), "not a spec").unwrap();
    let o = sloforge(&["generate", "empty"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("error[E006]"), "{:?}", text(&o));
    assert!(!tmp.path().join("generated").exists());
    let o = sloforge(&["validate", "does-not-exist"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("error[E001]"));
}

#[test]
fn a_ten_megabyte_file_is_refused_without_reading_it_all() {
    let tmp = workspace();
    let mut big = String::from(
        "apiVersion: sloforge.dev/v1\nkind: Service\nname: big\nteam: t\ndescription: ",
    );
    big.push_str(&"x".repeat(10 * 1024 * 1024));
    big.push_str("\nslos: []\n");
    fs::write(tmp.path().join("slo-specs/big.yaml"), big).unwrap();
    let o = sloforge(&["generate"], tmp.path());
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("slo-specs/big.yaml:1:1") && err.contains("limited to"),
        "{err}"
    );
}

/// A fleet without routing documents is generated a few services at a time: the files must be
/// the ones the whole-fleet pipeline renders, and an invalid file anywhere (here the last one
/// read, after the others were already rendered) must still leave the output untouched.
#[test]
fn streamed_generation_matches_the_whole_fleet_pipeline_and_stays_atomic() {
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("specs");
    fs::create_dir_all(&specs).unwrap();
    fs::write(
        specs.join("latency.yaml"),
        "apiVersion: sloforge.dev/v1\nkind: Service\nname: lat\nteam: t\nslos:\n  - name: fast\n    objective: 99\n    sli: { latency: { metric: http_request_duration_seconds, selector: '{job=\"lat\"}', threshold: 250ms } }\n",
    )
    .unwrap();
    fs::write(
        specs.join("sloth.yaml"),
        "version: prometheus/v1\nservice: sloth-svc\nslos:\n  - name: requests\n    objective: 99.5\n    sli:\n      events:\n        error_query: sum(rate(http_requests_total{job=\"s\",code=~\"5..\"}[{{.window}}]))\n        total_query: sum(rate(http_requests_total{job=\"s\"}[{{.window}}]))\n    alerting:\n      name: SlothRequests\n",
    )
    .unwrap();
    for i in 0..40 {
        fs::write(
            specs.join(format!("svc-{i:02}.yaml")),
            format!("apiVersion: sloforge.dev/v1\nkind: Service\nname: svc-{i:02}\nteam: t{}\nslos:\n  - name: availability\n    objective: 99.9\n    sli: {{ ratio: {{ errors: 'req{{job=\"s{i}\",code=~\"5..\"}}', total: 'req{{job=\"s{i}\"}}' }} }}\n", i % 3),
        )
        .unwrap();
    }
    let o = sloforge(&["generate", "specs", "-o", "out"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let streamed = read_tree(&tmp.path().join("out")).unwrap();
    let b = sloforge::build(std::slice::from_ref(&specs), false);
    let c = b.compilation.as_ref().expect("compiles");
    let whole = sloforge::render::render_tree(
        c,
        &sloforge::render::RenderOptions {
            tests: Some(Default::default()),
            ..Default::default()
        },
    );
    assert_eq!(
        streamed.keys().collect::<Vec<_>>(),
        whole.keys().collect::<Vec<_>>()
    );
    for (k, v) in &whole {
        assert!(
            streamed[k] == *v,
            "{k} differs between the streamed and the whole-fleet pipeline"
        );
    }
    assert_eq!(
        sloforge(&["check", "specs", "-o", "out"], tmp.path())
            .status
            .code(),
        Some(0)
    );

    fs::write(
        specs.join("zz-broken.yaml"),
        "apiVersion: sloforge.dev/v1\nkind: Service\nname: svc-00\nteam: t\nslos: []\n",
    )
    .unwrap();
    let o = sloforge(&["generate", "specs", "-o", "out"], tmp.path());
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert_eq!(
        read_tree(&tmp.path().join("out")).unwrap(),
        streamed,
        "a failed run changed the output"
    );
}

#[test]
fn a_service_defined_in_two_files_fails_generate_and_check_and_writes_nothing() {
    // Spec files without routing documents are generated a few services at a time; the
    // duplicate (the second file's service) is still refused and nothing is written.
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("specs");
    fs::create_dir_all(&specs).unwrap();
    for f in ["duplicates_original.yaml", "duplicates_second.yaml"] {
        fs::copy(root().join("tests/interop/sloth").join(f), specs.join(f)).unwrap();
    }
    let out = tmp.path().join("out");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("keep.txt"), "earlier output\n").unwrap();
    for cmd in ["generate", "check"] {
        let o = sloforge(&[cmd, "specs", "-o", "out", "--no-tests"], tmp.path());
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert_eq!(
            err.matches("service `ledger` is already defined at")
                .count(),
            1,
            "{cmd}: {err}"
        );
        assert!(err.contains("duplicates_second.yaml:"), "{cmd}: {err}");
        let tree = read_tree(&out).unwrap();
        assert_eq!(tree.keys().collect::<Vec<_>>(), ["keep.txt"], "{cmd}");
    }
}
