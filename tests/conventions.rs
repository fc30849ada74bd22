//! The command-line conventions a new user meets: `init`, completions, the manual page,
//! examples in `--help`, one `--output text|json|yaml` across the reporting commands, colour
//! only where asked or on a terminal, and a closed pipe that ends the process quietly.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{root, sloforge};

fn stdout_of(args: &[&str], cwd: &Path) -> String {
    let o = sloforge(args, cwd);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn init_writes_a_starter_that_validates_and_generates() {
    let tmp = tempfile::tempdir().unwrap();
    let out = stdout_of(
        &[
            "init",
            "--service",
            "checkout",
            "--team",
            "payments",
            "--objective",
            "99.95",
            "--routing",
        ],
        tmp.path(),
    );
    assert!(out.contains("wrote slo-specs/checkout.yaml"), "{out}");
    let spec = std::fs::read_to_string(tmp.path().join("slo-specs/checkout.yaml")).unwrap();
    assert!(spec.starts_with("# yaml-language-server: $schema=sloforge.schema.json\n"));
    assert!(spec.contains("objective: 99.95"));
    let schema = std::fs::read_to_string(tmp.path().join("slo-specs/sloforge.schema.json"));
    let schema: serde_json::Value = serde_json::from_str(&schema.unwrap()).unwrap();
    assert!(schema.get("$schema").is_some());
    assert!(stdout_of(&["validate"], tmp.path()).contains("1 services, 1 SLOs: valid"));
    stdout_of(&["generate"], tmp.path());
    let am = std::fs::read_to_string(tmp.path().join("generated/alertmanager.yml")).unwrap();
    assert!(am.contains("payments-pager"), "{am}");
    // Nothing is overwritten, and a starter that would not validate writes nothing.
    let again = sloforge(&["init", "--service", "checkout"], tmp.path());
    assert_eq!(again.status.code(), Some(1));
    let bad = sloforge(&["init", "fresh", "--service", "Not A Name"], tmp.path());
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("E114"));
    assert!(!tmp.path().join("fresh").exists());
}

#[test]
fn completions_and_the_manual_page_come_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell], tmp.path());
        assert!(
            script.contains("generate") && script.contains("splice"),
            "{shell}"
        );
    }
    let man = stdout_of(&["man"], tmp.path());
    assert!(man.contains(".TH sloforge 1"), "{man}");
    assert!(man.contains("generate") && man.contains("doctor"));
}

#[test]
fn every_command_shows_examples_in_its_help() {
    let tmp = tempfile::tempdir().unwrap();
    for cmd in [
        "init",
        "generate",
        "check",
        "validate",
        "explain",
        "routes",
        "splice",
        "doctor",
        "test",
        "convert",
        "drill",
        "completions",
        "man",
    ] {
        let help = stdout_of(&[cmd, "--help"], tmp.path());
        assert!(
            help.contains("Examples:\n  sloforge "),
            "{cmd} --help has no examples:\n{help}"
        );
    }
}

/// The value with every number as a float rounded to nine decimals: JSON writes `2.0` where
/// YAML writes `2`, and the last digit of a float may differ between the two writers.
fn numbers_as_floats(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => n
            .as_f64()
            .map_or(Value::Null, |f| serde_json::json!((f * 1e9).round() / 1e9)),
        Value::Array(a) => Value::Array(a.into_iter().map(numbers_as_floats).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (k, numbers_as_floats(v)))
                .collect(),
        ),
        other => other,
    }
}

#[test]
fn reporting_commands_take_text_json_and_yaml() {
    let r = root();
    for cmd in [&["explain"][..], &["routes"], &["validate"]] {
        let text = stdout_of(&[cmd, &["--output", "text"]].concat(), &r);
        let json = stdout_of(&[cmd, &["--output", "json"]].concat(), &r);
        let yaml = stdout_of(&[cmd, &["--output", "yaml"]].concat(), &r);
        assert!(
            !text.trim_start().starts_with(['{', '[']),
            "{cmd:?}: {text}"
        );
        let j: serde_json::Value = serde_json::from_str(&json).unwrap();
        let y: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(
            numbers_as_floats(j),
            numbers_as_floats(y),
            "{cmd:?}: JSON and YAML say the same"
        );
    }
    // `routes --json` stays for the scripts that use it.
    assert_eq!(
        stdout_of(&["routes", "--json"], &r),
        stdout_of(&["routes", "--output", "json"], &r)
    );
}

#[test]
fn validate_reports_every_diagnostic_located_as_json() {
    let o = sloforge(
        &["validate", "tests/cases/err_names.yaml", "--output", "json"],
        &root(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), v["errors"].as_u64().unwrap() as usize);
    for d in diags {
        assert_eq!(d["file"], "tests/cases/err_names.yaml");
        assert!(d["line"].as_u64().unwrap() > 0 && d["column"].as_u64().unwrap() > 0);
        assert!(d["code"].as_str().unwrap().starts_with('E'));
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let r = root();
    let bad = "tests/cases/err_names.yaml";
    // Not a terminal here: plain, unless asked.
    let plain = sloforge(&["validate", bad], &r);
    assert!(!plain.stderr.contains(&0x1b));
    let always = sloforge(&["validate", bad, "--color", "always"], &r);
    assert!(always.stderr.contains(&0x1b));
    let never = sloforge(&["--color", "never", "validate", bad], &r);
    assert_eq!(never.stderr, plain.stderr);
}

#[test]
fn a_closed_pipe_ends_the_process_quietly() {
    // The reader takes one line and goes, as `| head -1` does; repeated because the race
    // between the writer and the closing reader is what used to panic.
    for _ in 0..20 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sloforge"))
            .args(["routes", "--output", "json"])
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 1];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        let mut err = String::new();
        let mut stderr = child.stderr.take().unwrap();
        let status = child.wait().unwrap();
        stderr.read_to_string(&mut err).unwrap();
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(status.code(), Some(0), "{err}");
    }
}

#[test]
fn convert_keeps_the_defaults_and_the_routing_of_the_fleet() {
    let tmp = tempfile::tempdir().unwrap();
    let converted = tmp.path().join("converted");
    let out = tmp.path().join("out");
    let r = root();
    stdout_of(
        &["convert", "slo-specs", "-o", converted.to_str().unwrap()],
        &r,
    );
    assert!(converted.join("defaults.yaml").is_file());
    assert!(converted.join("routing.yaml").is_file());
    // The converted fleet compiles to the committed output, with no new warning.
    let o = sloforge(
        &[
            "generate",
            converted.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &r,
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let committed = sloforge::render::tree::read_tree(&r.join("generated")).unwrap();
    let regenerated = sloforge::render::tree::read_tree(&out).unwrap();
    let body = |t: &str| t.lines().skip(1).collect::<Vec<_>>().join("\n");
    for (rel, text) in &committed {
        if rel.ends_with(".rules.yaml") || rel == "alertmanager.yml" {
            assert_eq!(body(&regenerated[rel]), body(text), "{rel}");
        }
    }
}

#[test]
fn non_spec_files_are_noted_and_excluded_files_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("specs");
    std::fs::create_dir_all(specs.join("drafts")).unwrap();
    std::fs::copy(
        root().join("examples/quickstart/api.yaml"),
        specs.join("api.yaml"),
    )
    .unwrap();
    std::fs::write(
        specs.join("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [api.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        specs.join("drafts/wip.yaml"),
        "apiVersion: sloforge.dev/v1\nkind: Service\nname: wip\n",
    )
    .unwrap();
    // A misspelt apiVersion of a spec format stays an error.
    std::fs::write(
        specs.join("typo.yaml"),
        "apiVersion: sloforge/v1\nkind: Service\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let o = sloforge(&[&["validate", "specs"], extra].concat(), tmp.path());
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = run(&[]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("note: skipped specs/kustomization.yaml:1: a `Kustomization`"),
        "{err}"
    );
    assert!(err.contains("specs/drafts/wip.yaml") && err.contains("specs/typo.yaml"));
    let (code, err) = run(&["--exclude", "drafts/**", "--exclude", "typo.yaml"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("note: skipped specs/drafts/wip.yaml: --exclude drafts/**"),
        "{err}"
    );
    assert!(
        err.contains("note: skipped specs/typo.yaml: --exclude typo.yaml"),
        "{err}"
    );
    // A bad pattern is a usage error.
    assert_eq!(run(&["--exclude", "a[b"]).0, Some(2));
}

#[test]
fn a_yaml_stream_on_stdout_says_what_it_leaves_out() {
    let o = sloforge(&["generate", "-o", "-"], &root());
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("note: -o - writes the rule files only: 6 YAML document(s)"),
        "{err}"
    );
    assert!(
        err.contains("alertmanager.yml") && err.contains("tests/cart.test.yaml"),
        "{err}"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.matches("\n---\n").count() + 1,
        6,
        "one document per service"
    );
}
