//! The generated Grafana dashboards, proved without trusting sloforge's own code:
//!
//! - every dashboard is type-checked by the TypeScript compiler against the `Dashboard` type
//!   Grafana publishes in its npm package `@grafana/schema` (`make tools` installs both into
//!   `.tools/node/`): each becomes `const d: JsonOf<Dashboard> = <the JSON>;`, an object
//!   literal, so that a property the type does not have is an error as much as a wrong type.
//!   `JsonOf` maps each of the type's string enums to the union of its values, which is all a
//!   JSON file can hold (`"absolute"`, not `ThresholdsMode.Absolute`), and changes nothing else;
//! - a provoked excess property, wrong type and unknown enum value each make `tsc` fail;
//! - every panel query parses, and every selector in it reads a series the rules record (by
//!   its name in `sloforge::names`, for a service and SLO the rules record it for, over a
//!   window they record) or `ALERTS` of an SLO of the fleet. No panel reads a raw series.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::dashboards::{Selector, all_values, interpolate, queries, selectors};
use common::root;
use serde_json::Value as Json;
use sloforge::names::{self, label};
use sloforge::render::{self, RenderOptions};

/// The TypeScript that maps a type to the JSON that has it.
const JSON_OF: &str = "export type JsonOf<T> = T extends string\n  ? `${T}`\n  : T extends readonly (infer U)[]\n    ? JsonOf<U>[]\n    : T extends object\n      ? { [K in keyof T]: JsonOf<T[K]> }\n      : T;\n";

/// The dashboards of the specs in `dir`, by file name.
fn dashboards_of(dir: &Path) -> BTreeMap<String, Json> {
    let b = sloforge::build(&[dir.to_path_buf()], false);
    assert!(!b.failed(), "{}", b.diagnostics);
    render::render_tree(b.compilation.as_ref().unwrap(), &RenderOptions::default())
        .into_iter()
        .filter(|(rel, _)| rel.starts_with(names::DASHBOARDS_DIR))
        .map(|(rel, text)| (rel, serde_json::from_str(&text).unwrap()))
        .collect()
}

/// The committed dashboards of the demo fleet (`sloforge check` keeps them current).
fn committed() -> BTreeMap<String, String> {
    let dir = root().join("generated").join(names::DASHBOARDS_DIR);
    let mut out = BTreeMap::new();
    for e in fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        out.insert(
            p.file_name().unwrap().to_string_lossy().into_owned(),
            fs::read_to_string(&p).unwrap(),
        );
    }
    out
}

/// Writes one `.ts` file per dashboard (`name` → JSON text) and runs `tsc --noEmit --strict`
/// over them: (success, output).
fn type_check(tsc: &Path, dashboards: &BTreeMap<String, String>) -> (bool, String) {
    let tmp = tempfile::tempdir().unwrap();
    let modules = tsc.parent().unwrap().parent().unwrap();
    std::os::unix::fs::symlink(modules, tmp.path().join("node_modules")).unwrap();
    fs::write(tmp.path().join("json.ts"), JSON_OF).unwrap();
    let mut files = vec![PathBuf::from("json.ts")];
    for (name, json) in dashboards {
        let file = format!("{}.ts", name.trim_end_matches(".json"));
        fs::write(
            tmp.path().join(&file),
            format!(
                "import type {{ Dashboard }} from '@grafana/schema';\nimport type {{ JsonOf }} from './json';\n\nconst d: JsonOf<Dashboard> = {};\n\nexport default d;\n",
                json.trim_end()
            ),
        )
        .unwrap();
        files.push(file.into());
    }
    let out = Command::new(tsc)
        .args([
            "--noEmit",
            "--strict",
            "--target",
            "es2022",
            "--module",
            "esnext",
            "--moduleResolution",
            "bundler",
        ])
        .args(&files)
        .current_dir(tmp.path())
        .output()
        .expect("run tsc");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn every_dashboard_type_checks_against_grafanas_dashboard_type() {
    let Some(tsc) = common::tsc() else { return };
    let mut all = committed();
    for (rel, d) in dashboards_of(&root().join("tests/e2e")) {
        all.insert(
            format!("e2e-{}", rel.trim_start_matches("dashboards/")),
            serde_json::to_string_pretty(&d).unwrap(),
        );
    }
    assert!(all.len() >= 8, "{all:?}");
    let (ok, out) = type_check(&tsc, &all);
    assert!(ok, "tsc rejects the dashboards:\n{out}");
    eprintln!(
        "tsc --noEmit --strict: {} dashboards type-check against @grafana/schema's Dashboard",
        all.len()
    );
}

#[test]
fn a_provoked_type_error_fails_tsc() {
    let Some(tsc) = common::tsc() else { return };
    let cart: Json = serde_json::from_str(&committed()["cart.json"]).unwrap();
    let mutate = |f: &dyn Fn(&mut Json)| {
        let mut d = cart.clone();
        f(&mut d);
        serde_json::to_string_pretty(&d).unwrap()
    };
    let cases = BTreeMap::from([
        (
            "excess-property.json".to_string(),
            mutate(&|d| d["panels"][0]["colour"] = "red".into()),
        ),
        (
            "wrong-type.json".to_string(),
            mutate(&|d| d["schemaVersion"] = "41".into()),
        ),
        (
            "unknown-enum-value.json".to_string(),
            mutate(&|d| {
                d["panels"][0]["fieldConfig"]["defaults"]["thresholds"]["mode"] = "absolut".into()
            }),
        ),
    ]);
    let (ok, out) = type_check(&tsc, &cases);
    assert!(!ok, "tsc accepted the provoked errors");
    for (file, code) in [
        ("excess-property.ts", "TS2353"),
        ("wrong-type.ts", "TS2322"),
        ("unknown-enum-value.ts", "TS2820"),
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(file) && l.contains(code)),
            "no {code} for {file}:\n{out}"
        );
    }
    eprintln!("provoked tsc failures:\n{out}");
}

/// What the rules of a fleet record: the (metric, service, SLO) of each recording rule, and the
/// windows of each SLO's ratios.
struct Recorded {
    series: BTreeSet<(String, String, String)>,
    windows: BTreeMap<(String, String), BTreeSet<String>>,
    /// The group labels (`group_by`) of each SLO.
    groups: BTreeMap<(String, String), Vec<String>>,
}

fn recorded(dir: &Path) -> Recorded {
    let b = sloforge::build(&[dir.to_path_buf()], false);
    let c = b.compilation.as_ref().unwrap();
    let mut series = BTreeSet::new();
    for (rel, text) in render::render_tree(c, &RenderOptions::default()) {
        if !rel.ends_with(".rules.yaml") {
            continue;
        }
        let doc: Json = serde_saphyr::from_str(&text).unwrap();
        for g in doc["groups"].as_array().unwrap() {
            for r in g["rules"].as_array().unwrap() {
                if let Some(name) = r["record"].as_str() {
                    let l = &r["labels"];
                    series.insert((
                        name.to_string(),
                        l[label::SERVICE].as_str().unwrap().to_string(),
                        l[label::SLO].as_str().unwrap().to_string(),
                    ));
                }
            }
        }
    }
    let slos: Vec<&sloforge::model::Slo> = b
        .fleet
        .as_ref()
        .unwrap()
        .services
        .iter()
        .flat_map(|s| &s.slos)
        .collect();
    let key = |o: &sloforge::model::Slo| (o.service.clone(), o.name.clone());
    let windows = slos
        .iter()
        .map(|o| {
            (
                key(o),
                o.ratio_windows()
                    .iter()
                    .map(ToString::to_string)
                    .chain(o.calendar.as_ref().map(|c| c.period.as_str().to_string()))
                    .collect(),
            )
        })
        .collect();
    let groups = slos
        .iter()
        .map(|o| (key(o), o.group_labels().to_vec()))
        .collect();
    Recorded {
        series,
        windows,
        groups,
    }
}

/// Why `s` does not read a series the rules record or the alerts of an SLO of the fleet
/// (none when it does). `service` is the dashboard's service, when it is a service's.
fn problems(s: &Selector, rec: &Recorded, service: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let name = s.name.clone().unwrap_or_default();
    let alerts = name == names::ALERTS;
    let slos: Vec<&(String, String)> = rec
        .windows
        .keys()
        .filter(|(sv, slo)| {
            let matches = |l: &str, v: &str| {
                s.matchers.iter().all(|(ml, op, mv)| {
                    ml != l
                        || match *op {
                            "=" => mv == v,
                            "=~" => regex::Regex::new(&format!("^(?:{mv})$"))
                                .unwrap()
                                .is_match(v),
                            _ => false,
                        }
                })
            };
            matches(label::SERVICE, sv) && matches(label::SLO, slo)
        })
        .filter(|(sv, slo)| {
            alerts
                || rec
                    .series
                    .contains(&(name.clone(), sv.clone(), slo.clone()))
        })
        .collect();
    if slos.is_empty() {
        out.push(format!("no SLO the rules record {name} for matches"));
    }
    if let (Some(want), Some(got)) = (service, s.eq(label::SERVICE))
        && want != got
    {
        out.push(format!("reads service {got} on the dashboard of {want}"));
    }
    for (l, op, v) in &s.matchers {
        let ok = match (l.as_str(), *op) {
            (label::SERVICE | label::SLO, "=") => true,
            // A variable with `All` selected.
            (label::SERVICE | label::SLO, "=~") => v == ".+",
            (label::WINDOW, "=") => {
                [names::ERROR_RATIO, names::BURN_RATE].contains(&name.as_str())
                    && slos.iter().any(|k| rec.windows[*k].contains(v))
            }
            // A group variable with `All` selected, which also matches the series of SLOs
            // without the label: a group label of some SLO the selector reads.
            (l, "=~") if v == ".*" => slos.iter().any(|k| rec.groups[*k].iter().any(|g| g == l)),
            (sloforge::names::alert_label::ALERTSTATE, "=") => alerts,
            (label::SEVERITY, "!=") => alerts,
            _ => false,
        };
        if !ok {
            out.push(format!("matcher {l}{op}{v:?} of {name}"));
        }
    }
    out
}

/// Every problem of the panel queries of `dashboards`, with `$window` set to each window the
/// fleet records.
fn check_queries(dashboards: &BTreeMap<String, Json>, rec: &Recorded) -> (usize, Vec<String>) {
    let windows: BTreeSet<&String> = rec.windows.values().flatten().collect();
    let mut checked = 0;
    let mut errors = Vec::new();
    for (file, d) in dashboards {
        let stem = Path::new(file).file_stem().unwrap().to_string_lossy();
        let service = (stem != names::OVERVIEW).then_some(stem.as_ref());
        for q in queries(d) {
            for w in &windows {
                let mut values = all_values(d);
                values.insert("window".into(), (*w).clone());
                let expr = interpolate(&q.expr, &values);
                checked += 1;
                match selectors(&expr) {
                    Err(e) => errors.push(format!("{file}: {}: {expr}: {e}", q.panel)),
                    Ok(sels) => {
                        for s in &sels {
                            for p in problems(s, rec, service) {
                                errors.push(format!("{file}: {}: {expr}: {p}", q.panel));
                            }
                        }
                    }
                }
                if !q.expr.contains("$window") {
                    break;
                }
            }
        }
    }
    (checked, errors)
}

#[test]
fn every_panel_query_reads_only_what_the_rules_record() {
    let mut total = 0;
    for dir in ["slo-specs", "tests/e2e"] {
        let dir = root().join(dir);
        let rec = recorded(&dir);
        let dashboards = dashboards_of(&dir);
        let (checked, errors) = check_queries(&dashboards, &rec);
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            dir.display(),
            errors.join("\n")
        );
        assert!(checked > dashboards.len() * 3);
        total += checked;
    }
    eprintln!("panel queries checked against the recorded series: {total}");
}

#[test]
fn a_query_of_a_series_nobody_records_is_caught() {
    let dir = root().join("slo-specs");
    let rec = recorded(&dir);
    let good = dashboards_of(&dir);
    let cart = good["dashboards/cart.json"].clone();
    let first = cart["panels"][0]["targets"][0]["expr"]
        .as_str()
        .unwrap()
        .to_string();
    let with = |expr: String| {
        let mut d = cart.clone();
        d["panels"][0]["targets"][0]["expr"] = expr.into();
        BTreeMap::from([("cart.json".to_string(), d)])
    };
    for (what, expr) in [
        (
            "misspelt metric",
            first.replace("budget_remaining", "budget_remaining_"),
        ),
        (
            "unknown SLO",
            first.replace("=~\"$slo\"", "=\"checkout-latency\""),
        ),
        ("another service", first.replace("\"cart\"", "\"checkout\"")),
        (
            "unrecorded window",
            format!(
                "{}{{service=\"cart\",slo=\"availability\",window=\"7m\"}}",
                names::BURN_RATE
            ),
        ),
        (
            "raw series",
            "http_requests_total{job=\"cart\"}".to_string(),
        ),
        ("does not parse", format!("{first} +")),
    ] {
        let (_, errors) = check_queries(&with(expr.clone()), &rec);
        assert!(!errors.is_empty(), "{what}: {expr} passed");
        eprintln!("{what}: {}", errors[0]);
    }
}
