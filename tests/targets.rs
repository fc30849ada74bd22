//! Ruler targets (`--target`): each target's rule files and resources (snapshots), what the
//! rulers' own checkers make of them (promtool, vmalert), the limits on rules per group and
//! groups per tenant, and several SLOs packed into one group (`--slos-per-group`).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{root, sloforge};
use serde_json::Value;
use sloforge::compile::target::{Target, TargetOptions};
use sloforge::render::tree::read_tree;
use sloforge::render::{self, Format, RenderOptions};

const TARGETS: [Target; 5] = [
    Target::Prometheus,
    Target::Mimir,
    Target::Cortex,
    Target::Thanos,
    Target::VictoriaMetrics,
];

/// The specs of these tests, relative to the crate root (as the command line is given them).
const SPECS: &str = "tests/targets";

fn options(target: Target, format: Format, slos_per_group: usize) -> RenderOptions {
    RenderOptions {
        format,
        target: TargetOptions {
            slos_per_group,
            ..TargetOptions::of(target)
        },
        ..RenderOptions::default()
    }
}

fn compilation() -> sloforge::compile::Compilation {
    let b = sloforge::build(&[PathBuf::from(SPECS)], false);
    assert!(!b.failed(), "{}", b.diagnostics.render(&b.sources));
    b.compilation.expect("compiles")
}

/// The `-o -` stream of the specs for `target`.
fn stream(target: Target, format: Format, slos_per_group: usize) -> String {
    render::render_stream(&compilation(), &options(target, format, slos_per_group))
}

/// A stream without its dashboard `ConfigMap`s, and those.
fn split_dashboards(stream: &str) -> (String, Vec<String>) {
    let mut rest = String::new();
    let mut dashboards = Vec::new();
    for doc in stream.split("---\n").filter(|d| !d.is_empty()) {
        if doc.contains("\nkind: ConfigMap\n") {
            dashboards.push(doc.to_string());
        } else {
            rest.push_str("---\n");
            rest.push_str(doc);
        }
    }
    (rest, dashboards)
}

/// The rule files of the specs for `target` (path → text).
fn rule_files(target: Target, slos_per_group: usize) -> BTreeMap<String, String> {
    render::render_tree(
        &compilation(),
        &options(target, Format::Yaml, slos_per_group),
    )
    .into_iter()
    .filter(|(k, _)| k.ends_with(".rules.yaml"))
    .collect()
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

/// (name, interval, rules) of every group of a rule file.
fn groups_of(text: &str) -> Vec<(String, String, usize)> {
    let doc = yaml(text);
    doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().to_string(),
                g["interval"].as_str().unwrap().to_string(),
                g["rules"].as_array().unwrap().len(),
            )
        })
        .collect()
}

fn text(o: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn snapshots_of_each_target() {
    for (target, format) in [
        (Target::Prometheus, Format::Yaml),
        (Target::Mimir, Format::Yaml),
        (Target::Thanos, Format::Yaml),
        (Target::Prometheus, Format::Kubernetes),
        (Target::Thanos, Format::Kubernetes),
        (Target::VictoriaMetrics, Format::Kubernetes),
    ] {
        let name = format!(
            "{}_{}",
            target.name(),
            if format == Format::Yaml {
                "yaml"
            } else {
                "kubernetes"
            }
        );
        let (rest, dashboards) = split_dashboards(&stream(target, format, 1));
        insta::assert_snapshot!(name, rest);
        // The dashboards do not depend on the ruler (tests/dashboards.rs checks them).
        assert_eq!(
            dashboards,
            split_dashboards(&stream(Target::Prometheus, format, 1)).1
        );
        assert_eq!(dashboards.len(), if format == Format::Yaml { 0 } else { 3 });
    }
    insta::assert_snapshot!(
        "prometheus_yaml_two_slos_per_group",
        stream(Target::Prometheus, Format::Yaml, 2)
    );
    // What is not snapshotted is the same as what is.
    assert_eq!(
        stream(Target::Cortex, Format::Yaml, 1),
        stream(Target::Mimir, Format::Yaml, 1)
    );
    assert_eq!(
        stream(Target::VictoriaMetrics, Format::Yaml, 1),
        stream(Target::Prometheus, Format::Yaml, 1)
    );
    for t in [Target::Mimir, Target::Cortex] {
        assert_eq!(
            stream(t, Format::Kubernetes, 1),
            stream(Target::Prometheus, Format::Kubernetes, 1),
            "{}",
            t.name()
        );
    }
}

/// Only what the ruler needs changes: with the keys a target adds taken out, every target's
/// rule file is the Prometheus one.
#[test]
fn a_target_adds_its_keys_and_changes_nothing_else() {
    let prometheus = rule_files(Target::Prometheus, 1);
    for target in TARGETS {
        let files = rule_files(target, 1);
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            prometheus.keys().collect::<Vec<_>>()
        );
        for (rel, text) in &files {
            let service = rel
                .trim_start_matches("rules/")
                .trim_end_matches(".rules.yaml");
            let bare = text
                .replace(&format!("\nnamespace: {service}\n"), "\n")
                .replace("  partial_response_strategy: abort\n", "");
            assert_eq!(bare, prometheus[rel], "{} {rel}", target.name());
            let doc = yaml(text);
            assert_eq!(
                doc.get("namespace").and_then(Value::as_str),
                target.namespaced().then_some(service),
                "{} {rel}",
                target.name()
            );
            for g in doc["groups"].as_array().unwrap() {
                assert_eq!(
                    g.get("partial_response_strategy").and_then(Value::as_str),
                    target.partial_response_strategy(),
                    "{} {rel}",
                    target.name()
                );
            }
        }
    }
}

/// A rule file as promtool reads it: Mimir's and Cortex's parsed, checked for their namespace
/// and rewritten without it, Thanos' without `partial_response_strategy` (promtool refuses
/// both keys, as the test shows).
fn for_promtool(target: Target, rel: &str, text: &str) -> String {
    let service = rel
        .trim_start_matches("rules/")
        .trim_end_matches(".rules.yaml");
    let mut doc = yaml(text);
    let map = doc.as_object_mut().unwrap();
    if target.namespaced() {
        assert_eq!(
            map.remove("namespace"),
            Some(Value::String(service.into())),
            "{rel}: {text}"
        );
    }
    assert_eq!(map.keys().collect::<Vec<_>>(), ["groups"], "{rel}");
    let groups = map["groups"].as_array_mut().unwrap();
    assert!(!groups.is_empty(), "{rel}");
    for g in groups {
        let g = g.as_object_mut().unwrap();
        if target == Target::Thanos {
            assert_eq!(
                g.remove("partial_response_strategy"),
                Some(Value::String("abort".into())),
                "{rel}"
            );
        }
        assert!(
            g["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(&format!("sloforge-{service}-"))),
            "{rel}: {g:?}"
        );
        assert!(
            g["interval"].as_str().is_some_and(|i| !i.is_empty()),
            "{rel}"
        );
        assert!(!g["rules"].as_array().unwrap().is_empty(), "{rel}");
    }
    // JSON is YAML.
    serde_json::to_string_pretty(&doc).unwrap()
}

#[test]
fn every_targets_rule_files_pass_promtool_check() {
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for target in TARGETS {
        for per_group in [1, 2, 3] {
            for (rel, text) in rule_files(target, per_group) {
                let as_read = if target.promtool_reads() {
                    text.clone()
                } else {
                    for_promtool(target, &rel, &text)
                };
                let p = tmp.path().join(format!(
                    "{}-{per_group}-{}",
                    target.name(),
                    rel.replace('/', "_")
                ));
                fs::write(&p, as_read).unwrap();
                files.push(p);
                if !target.promtool_reads() && per_group == 1 {
                    // As written, promtool refuses the ruler's own key.
                    let raw =
                        tmp.path()
                            .join(format!("raw-{}-{}", target.name(), rel.replace('/', "_")));
                    fs::write(&raw, &text).unwrap();
                    let out = Command::new(&promtool)
                        .args(["check", "rules"])
                        .arg(&raw)
                        .output()
                        .unwrap();
                    let key = if target.namespaced() {
                        "field namespace not found"
                    } else {
                        "field partial_response_strategy not found"
                    };
                    assert!(
                        !out.status.success() && text_of(&out).contains(key),
                        "{}: {}",
                        target.name(),
                        text_of(&out)
                    );
                }
            }
        }
    }
    assert_eq!(files.len(), 5 * 3 * 2);
    let out = common::run_ok(
        Command::new(&promtool)
            .args(["check", "rules", "--lint=all", "--lint-fatal"])
            .args(&files),
    );
    assert_eq!(out.matches("SUCCESS").count(), files.len(), "{out}");
}

fn text_of(o: &std::process::Output) -> String {
    let (out, err) = text(o);
    out + &err
}

/// The Kubernetes resources: `VMRule` for VictoriaMetrics with only the fields of the VMRule
/// CRD (the operator refuses unknown ones), `PrometheusRule` for the others, Thanos' groups with
/// `partial_response_strategy` (a field of the PrometheusRule CRD). vmalert, which the
/// operator validates every group with, loads the groups.
#[test]
fn kubernetes_resources_of_each_target() {
    let group_keys = ["name", "interval", "rules", "partial_response_strategy"];
    let rule_keys = [
        "record",
        "alert",
        "expr",
        "for",
        "keep_firing_for",
        "labels",
        "annotations",
    ];
    let vmalert = common::go_tool("vmalert");
    let tmp = tempfile::tempdir().unwrap();
    for target in TARGETS {
        let tree = render::render_tree(&compilation(), &options(target, Format::Kubernetes, 1));
        let kind = if target == Target::VictoriaMetrics {
            "VMRule"
        } else {
            "PrometheusRule"
        };
        // The rule resources (the dashboards' ConfigMaps are the same for every target).
        let files: Vec<_> = tree
            .iter()
            .filter(|(k, _)| k.starts_with("kubernetes/") && !k.ends_with(".dashboard.yaml"))
            .collect();
        let names: Vec<&str> = files.iter().map(|(k, _)| k.as_str()).collect();
        let suffix = kind.to_ascii_lowercase();
        assert_eq!(
            names,
            [
                format!("kubernetes/shop.{suffix}.yaml"),
                format!("kubernetes/stock.{suffix}.yaml")
            ],
            "{}",
            target.name()
        );
        for (rel, text) in files {
            let doc = yaml(text);
            assert_eq!(doc["kind"], kind, "{rel}");
            let api = if target == Target::VictoriaMetrics {
                "operator.victoriametrics.com/v1beta1"
            } else {
                "monitoring.coreos.com/v1"
            };
            assert_eq!(doc["apiVersion"], api, "{rel}");
            let service = rel
                .trim_start_matches("kubernetes/")
                .split('.')
                .next()
                .unwrap();
            assert_eq!(
                doc["metadata"]["name"],
                format!("sloforge-{service}"),
                "{rel}"
            );
            for g in doc["spec"]["groups"].as_array().unwrap() {
                let g = g.as_object().unwrap();
                assert!(
                    g.keys().all(|k| group_keys.contains(&k.as_str())),
                    "{rel}: {:?}",
                    g.keys()
                );
                assert_eq!(
                    g.get("partial_response_strategy").and_then(Value::as_str),
                    target.partial_response_strategy(),
                    "{rel}"
                );
                for r in g["rules"].as_array().unwrap() {
                    assert!(
                        r.as_object()
                            .unwrap()
                            .keys()
                            .all(|k| rule_keys.contains(&k.as_str())),
                        "{rel}: {r:?}"
                    );
                }
            }
            if let (Target::VictoriaMetrics, Some(vmalert)) = (target, &vmalert) {
                let groups = tmp.path().join(rel.replace('/', "_"));
                fs::write(
                    &groups,
                    serde_json::to_string(&serde_json::json!({ "groups": doc["spec"]["groups"] }))
                        .unwrap(),
                )
                .unwrap();
                common::run_ok(
                    Command::new(vmalert)
                        .arg("-dryRun")
                        .arg(format!("-rule={}", groups.display())),
                );
            }
        }
    }
}

#[test]
fn vmalert_loads_the_victoriametrics_rule_files() {
    let Some(vmalert) = common::go_tool("vmalert") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(vmalert);
    cmd.arg("-dryRun");
    for per_group in [1, 2] {
        for (rel, text) in rule_files(Target::VictoriaMetrics, per_group) {
            let p = tmp
                .path()
                .join(format!("{per_group}-{}", rel.replace('/', "_")));
            fs::write(&p, text).unwrap();
            cmd.arg(format!("-rule={}", p.display()));
        }
    }
    common::run_ok(&mut cmd);
}

/// `--slos-per-group`: the rules of up to N SLOs of a service share a group, one per evaluation
/// interval, each SLO's rules together and in order; a lone group keeps its name.
#[test]
fn packing_puts_several_slos_of_a_service_into_one_group() {
    let unpacked = rule_files(Target::Prometheus, 1);
    let before = yaml(&unpacked["rules/shop.rules.yaml"]);
    let before = before["groups"].as_array().unwrap();
    let mut intervals: Vec<&str> = Vec::new();
    for g in before {
        let i = g["interval"].as_str().unwrap();
        if !intervals.contains(&i) {
            intervals.push(i);
        }
    }
    assert_eq!(intervals[0], "1m");
    for per_group in [2, 5] {
        let packed = rule_files(Target::Prometheus, per_group);
        let shop = yaml(&packed["rules/shop.rules.yaml"]);
        let groups = shop["groups"].as_array().unwrap();
        // Both SLOs of `shop` in one group per interval, in the order the intervals first came.
        assert_eq!(
            groups
                .iter()
                .map(|g| g["interval"].as_str().unwrap())
                .collect::<Vec<_>>(),
            intervals
        );
        assert_eq!(groups[0]["name"], "sloforge-shop-availability..latency");
        for g in groups {
            let rules: Vec<Value> = before
                .iter()
                .filter(|b| b["interval"] == g["interval"])
                .flat_map(|b| b["rules"].as_array().unwrap().clone())
                .collect();
            assert_eq!(g["rules"].as_array().unwrap(), &rules, "{}", g["name"]);
        }
        assert_eq!(
            packed["rules/stock.rules.yaml"],
            unpacked["rules/stock.rules.yaml"]
        );
    }
}

/// A fresh directory holding the specs of these tests, and the demo fleet (whose routing
/// document makes `generate` take the whole fleet at once, the other path).
fn workspace() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (from, to) in [
        (root().join(SPECS), tmp.path().join("specs")),
        (root().join("slo-specs"), tmp.path().join("slo-specs")),
    ] {
        fs::create_dir_all(&to).unwrap();
        for e in fs::read_dir(from).unwrap() {
            let p = e.unwrap().path();
            fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
    tmp
}

#[test]
fn generate_and_check_take_a_target() {
    let tmp = workspace();
    let run = |args: &[&str]| sloforge(args, tmp.path());
    let o = run(&["generate", "specs", "-o", "mimir", "--target", "mimir"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let tree = read_tree(&tmp.path().join("mimir")).unwrap();
    // No unit tests: promtool cannot read the rule files they would test. The runbooks do not
    // depend on the ruler.
    assert_eq!(
        tree.keys().collect::<Vec<_>>(),
        [
            ".sloforge",
            "dashboards/overview.json",
            "dashboards/shop.json",
            "dashboards/stock.json",
            "rules/shop.rules.yaml",
            "rules/stock.rules.yaml",
            "runbooks/shop/availability.md",
            "runbooks/shop/latency.md",
            "runbooks/stock/freshness.md"
        ]
    );
    let shop = &tree["rules/shop.rules.yaml"];
    assert!(
        shop.lines().nth(1) == Some("namespace: shop") && shop.lines().nth(2) == Some("groups:"),
        "{shop}"
    );
    assert_eq!(
        run(&["check", "specs", "-o", "mimir", "--target", "mimir"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["check", "specs", "-o", "mimir", "--target", "cortex"])
            .status
            .code(),
        Some(0)
    );
    let o = run(&["check", "specs", "-o", "mimir"]);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).0.contains("namespace: shop"), "{:?}", text(&o));

    // The default is the Prometheus output, unit tests included; vmalert's is the same.
    assert_eq!(
        run(&[
            "generate",
            "slo-specs",
            "-o",
            "prometheus",
            "--target",
            "prometheus"
        ])
        .status
        .code(),
        Some(0)
    );
    assert!(
        read_tree(&tmp.path().join("prometheus")).unwrap()
            == read_tree(&root().join("generated")).unwrap(),
        "the default output changed"
    );
    assert_eq!(
        run(&[
            "check",
            "slo-specs",
            "-o",
            "prometheus",
            "--target",
            "victoriametrics"
        ])
        .status
        .code(),
        Some(0)
    );

    let o = run(&[
        "generate",
        "specs",
        "-o",
        "-",
        "--target",
        "victoriametrics",
        "--format",
        "kubernetes",
        "--namespace",
        "monitoring",
    ]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(out.matches("kind: VMRule").count(), 2, "{out}");
    assert_eq!(
        out.matches("apiVersion: operator.victoriametrics.com/v1beta1")
            .count(),
        2,
        "{out}"
    );
    // The rule resources and the dashboards' ConfigMaps (two services and the overview).
    assert_eq!(out.matches("namespace: monitoring").count(), 2 + 3, "{out}");
    let o = run(&[
        "generate",
        "specs",
        "-o",
        "k8s",
        "--target",
        "victoriametrics",
        "--format",
        "kubernetes",
    ]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let tree = read_tree(&tmp.path().join("k8s")).unwrap();
    assert_eq!(
        tree.keys().collect::<Vec<_>>(),
        [
            ".sloforge",
            "kubernetes/overview.dashboard.yaml",
            "kubernetes/shop.dashboard.yaml",
            "kubernetes/shop.vmrule.yaml",
            "kubernetes/stock.dashboard.yaml",
            "kubernetes/stock.vmrule.yaml"
        ]
    );

    let o = run(&["generate", "specs", "-o", "-", "--target", "thanos"]);
    let groups: usize = rule_files(Target::Prometheus, 1)
        .values()
        .map(|t| groups_of(t).len())
        .sum();
    assert_eq!(
        text(&o)
            .0
            .matches("partial_response_strategy: abort")
            .count(),
        groups
    );

    for bad in [
        &["--target", "loki"][..],
        &["--slos-per-group", "0"],
        &["--max-groups", "-1"],
    ] {
        let mut args = vec!["generate", "specs", "-o", "-"];
        args.extend_from_slice(bad);
        assert_eq!(run(&args).status.code(), Some(2), "{bad:?}");
    }
}

/// A limit exceeded is an error that names the numbers, the group, its SLOs, its service and
/// spec file; `generate` and `check` exit 1 and write nothing.
#[test]
fn exceeding_a_ruler_limit_fails_and_writes_nothing() {
    let tmp = workspace();
    let run = |args: &[&str]| sloforge(args, tmp.path());
    let unpacked = rule_files(Target::Prometheus, 1);
    let (shop, stock) = (
        groups_of(&unpacked["rules/shop.rules.yaml"]),
        groups_of(&unpacked["rules/stock.rules.yaml"]),
    );
    // Each group fits Mimir's limit; the two SLOs of `shop` packed together do not.
    assert!(
        shop.iter().chain(&stock).all(|g| g.2 <= 20),
        "{shop:?} {stock:?}"
    );
    let packed: usize = shop.iter().filter(|g| g.1 == "1m").map(|g| g.2).sum();
    assert!(packed > 20, "{shop:?}");
    let e121 = format!(
        "error[E121]: rule group `sloforge-shop-availability..latency` of service `shop` (SLOs `availability`, `latency`) has {packed} rules, over the ruler's limit of 20 rules per group (--max-rules-per-group; --target mimir's default is 20)"
    );
    let total = shop.len() + stock.len();
    let e122 = format!(
        "error[E122]: the rule files of 2 services hold {total} rule groups, over the ruler's limit of {} rule groups per tenant (--max-groups; --target mimir's default is 70); service `shop` has the most: {}",
        total - 1,
        shop.len()
    );
    let fewer = (total - 1).to_string();

    assert_eq!(
        run(&["generate", "specs", "-o", "out", "--target", "mimir"])
            .status
            .code(),
        Some(0)
    );
    let before = read_tree(&tmp.path().join("out")).unwrap();
    for cmd in ["generate", "check"] {
        let o = run(&[
            cmd,
            "specs",
            "-o",
            "out",
            "--target",
            "mimir",
            "--slos-per-group",
            "2",
        ]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert!(err.lines().any(|l| l == e121), "{cmd}: {err}");
        assert!(err.contains("note: in specs/shop.yaml"), "{err}");
        assert!(err.contains("help: pack fewer SLOs into a group"), "{err}");
        assert!(err.ends_with("1 error(s), 0 warning(s)\n"), "{err}");
        assert!(
            !out.contains("up to date") && !out.contains("wrote"),
            "{out}"
        );
        let o = run(&[
            cmd,
            "specs",
            "-o",
            "out",
            "--target",
            "mimir",
            "--max-groups",
            &fewer,
        ]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert!(err.lines().any(|l| l == e122), "{cmd}: {err}");
        assert!(err.contains("note: in specs/shop.yaml"), "{err}");
    }
    // A lower limit on rules: every group over it, each SLO named.
    let (name, _, rules) = &shop[0];
    let lower = (rules - 1).to_string();
    let o = run(&[
        "generate",
        "specs",
        "-o",
        "-",
        "--target",
        "mimir",
        "--max-rules-per-group",
        &lower,
    ]);
    let (out, err) = text(&o);
    assert_eq!((o.status.code(), out.as_str()), (Some(1), ""), "{err}");
    let over = shop
        .iter()
        .chain(&stock)
        .filter(|g| g.2 > rules - 1)
        .count();
    assert_eq!(err.matches("error[E121]").count(), over, "{err}");
    assert!(err.contains(&format!("rule group `{name}` of service `shop` (SLO `availability`) has {rules} rules, over the ruler's limit of {lower} rules per group")), "{err}");
    assert_eq!(
        read_tree(&tmp.path().join("out")).unwrap(),
        before,
        "a failed run changed the output"
    );

    // Within the limits, or with them lifted, the same runs pass.
    let enough = packed.to_string();
    let packed_groups = (shop
        .iter()
        .map(|g| &g.1)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        + stock.len())
    .to_string();
    for ok in [
        &[
            "--slos-per-group",
            "2",
            "--max-groups",
            &packed_groups,
            "--max-rules-per-group",
            &enough,
        ][..],
        &["--slos-per-group", "2", "--max-rules-per-group", "0"],
        &["--max-groups", &total.to_string()],
    ] {
        let mut args = vec!["generate", "specs", "-o", "-", "--target", "mimir"];
        args.extend_from_slice(ok);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{ok:?}: {:?}", text(&o));
    }
    // Cortex has no limits unless given; any target takes them.
    assert_eq!(
        run(&[
            "generate",
            "specs",
            "-o",
            "-",
            "--target",
            "cortex",
            "--slos-per-group",
            "2"
        ])
        .status
        .code(),
        Some(0)
    );
    let o = run(&["generate", "specs", "-o", "-", "--max-groups", &fewer]);
    assert!(text(&o).1.contains(&format!("over the ruler's limit of {fewer} rule groups per tenant (--max-groups; --target prometheus's default is no limit)")), "{:?}", text(&o));

    // The demo fleet, generated as a whole (for its routing), is held to the same limits.
    let demo: Vec<(String, usize)> = sloforge::render::render_tree(
        &sloforge::build(&[root().join("slo-specs")], false)
            .compilation
            .unwrap(),
        &RenderOptions::default(),
    )
    .into_iter()
    .filter(|(k, _)| k.ends_with(".rules.yaml"))
    .map(|(k, t)| {
        (
            k.trim_start_matches("rules/")
                .trim_end_matches(".rules.yaml")
                .to_string(),
            groups_of(&t).len(),
        )
    })
    .collect();
    let demo_total: usize = demo.iter().map(|d| d.1).sum();
    let most = demo.iter().map(|d| d.1).max().unwrap();
    let first = &demo.iter().find(|d| d.1 == most).unwrap().0;
    let o = run(&[
        "generate",
        "slo-specs",
        "-o",
        "demo",
        "--target",
        "mimir",
        "--max-groups",
        &(demo_total - 1).to_string(),
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let line = format!(
        "error[E122]: the rule files of {} services hold {demo_total} rule groups, over the ruler's limit of {} rule groups per tenant (--max-groups; --target mimir's default is 70); service `{first}` has the most: {most}",
        demo.len(),
        demo_total - 1
    );
    assert!(err.lines().any(|l| l == line), "{line}\n{err}");
    assert!(
        err.contains(&format!("note: in slo-specs/{first}.yaml")),
        "{err}"
    );
    assert!(!tmp.path().join("demo").exists());
    assert_eq!(
        run(&["generate", "slo-specs", "-o", "demo", "--target", "mimir"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn targets_are_listed_in_the_help() {
    let o = sloforge(&["generate", "--help"], Path::new("."));
    let out = text(&o).0;
    for t in TARGETS {
        assert!(out.contains(t.name()), "{out}");
    }
    for flag in [
        "--target",
        "--max-rules-per-group",
        "--max-groups",
        "--slos-per-group",
    ] {
        assert!(out.contains(flag), "{out}");
    }
}

/// A native-histogram SLI (valid for `engines: [prometheus-3]`) with `--target
/// victoriametrics`: refused, whichever way the output goes, and fine for the other targets.
#[test]
fn victoriametrics_refuses_native_histogram_slis() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = common::root().join("tests/cases/native_histogram.yaml");
    let spec = spec.to_str().unwrap();
    for out in ["dir", "-"] {
        let o = common::sloforge(
            &["generate", spec, "-o", out, "--target", "victoriametrics"],
            tmp.path(),
        );
        let (stdout, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{stdout}{stderr}");
        assert!(
            stderr.contains("error[E115]: slos[0].sli.latency.histogram: `--target victoriametrics`: SLO `latency` of service `search` reads a native histogram"),
            "{stderr}"
        );
        assert!(stderr.contains("2 error(s)"), "{stderr}");
        assert!(!tmp.path().join("dir").exists());
    }
    for target in ["prometheus", "mimir", "cortex", "thanos"] {
        let o = common::sloforge(
            &["generate", spec, "-o", "-", "--target", target],
            tmp.path(),
        );
        let (stdout, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{target}: {stderr}");
        assert!(
            stdout.contains("histogram_fraction(-Inf, 0.3, "),
            "{target}"
        );
    }
}
