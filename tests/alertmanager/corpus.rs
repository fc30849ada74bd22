//! Users' Alertmanager configurations (`tests/alertmanager/configs/`, written for these tests):
//! sloforge's check of a configuration agrees with `amtool check-config` of every shipped
//! release on every configuration under `tests/`; each corpus file gets its expected verdict
//! (with the problem's location) and splice outcome; splicing keeps every byte outside the
//! marked blocks; and a chart-style `cluster` inhibition is a note, not an error, and mutes no
//! generated alert on a real Alertmanager.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sloforge::verify::amcheck::{self, AmVersion};

use serde_json::{Value as Json, json};
use sloforge::verify::alerts::alert_instances;

use super::{build, check_config, http, out, start_alertmanager, yaml};
use crate::common::{self, root, sloforge};

fn configs() -> PathBuf {
    root().join("tests/alertmanager/configs")
}

/// Every Alertmanager configuration under `tests/` (a YAML mapping with a `route` or
/// `receivers` and no `kind`), and the example's existing one.
fn every_configuration() -> Vec<PathBuf> {
    let mut out = vec![root().join("examples/team-onboarding/existing-alertmanager.conf")];
    for e in walkdir::WalkDir::new(root().join("tests"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        let p = e.path();
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
        if !e.file_type().is_file() || !matches!(ext, "yml" | "yaml" | "conf") {
            continue;
        }
        let Ok(text) = fs::read_to_string(p) else {
            continue;
        };
        let Ok(doc) = serde_saphyr::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if doc.get("kind").is_none()
            && doc.get("apiVersion").is_none()
            && (doc.get("route").is_some() || doc.get("receivers").is_some())
        {
            out.push(p.to_path_buf());
        }
    }
    out
}

/// Whether `amtool check-config` accepts `config`, and what it said.
pub(crate) fn amtool_accepts(amtool: &Path, config: &Path) -> (bool, String) {
    let o = Command::new(amtool)
        .arg("check-config")
        .arg(config)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success() && text.contains("SUCCESS"), text)
}

#[test]
fn sloforge_and_amtool_agree_on_every_configuration_under_tests() {
    let amtools = common::tool_matrix("amtool");
    if amtools.is_empty() {
        return;
    }
    let files = every_configuration();
    assert!(files.len() >= 10, "{files:?}");
    let mut compared = 0;
    for (_, amtool) in &amtools {
        let release = common::amtool_release(amtool);
        for f in &files {
            let (theirs, text) = amtool_accepts(amtool, f);
            let ours = amcheck::check(&fs::read_to_string(f).unwrap(), release);
            assert_eq!(
                ours.is_empty(),
                theirs,
                "{} with Alertmanager {release}: sloforge says {ours:?}, amtool says:\n{text}",
                f.display()
            );
            compared += 1;
        }
    }
    eprintln!(
        "{} configurations × {} releases: sloforge's check and amtool check-config agree on all {compared}",
        files.len(),
        amtools.len()
    );
}

/// A corpus file's expected verdict: accepted, or refused with this message at this place
/// (for the releases from `from` on; an older release refuses it for the field it lacks).
struct Expect {
    file: &'static str,
    refused: Option<(&'static str, u64, u64)>,
    from: AmVersion,
}

const EXPECTED: &[Expect] = &[
    Expect {
        file: "valid-user-routes.yml",
        refused: None,
        from: AmVersion::V0_25,
    },
    Expect {
        file: "chart-style.yml",
        refused: None,
        from: AmVersion::V0_25,
    },
    Expect {
        file: "undefined-receiver.yml",
        refused: Some(("undefined receiver \"search-oncall\" used in route", 6, 17)),
        from: AmVersion::V0_25,
    },
    Expect {
        file: "email-subject.yml",
        refused: Some(("unknown field `subject`", 12, 9)),
        from: AmVersion::V0_25,
    },
    Expect {
        file: "invalid-matcher.yml",
        refused: Some(("bad matcher format: `severity critical`", 5, 18)),
        from: AmVersion::V0_25,
    },
    Expect {
        file: "route-field-typo.yml",
        refused: Some(("unknown field `group_wiat`", 4, 3)),
        from: AmVersion::V0_25,
    },
    Expect {
        file: "duplicate-receiver.yml",
        refused: Some(("notification config name \"default\" is not unique", 6, 11)),
        from: AmVersion::V0_25,
    },
    Expect {
        file: "invalid-duration.yml",
        refused: Some(("not a valid duration string: \"4hours\"", 4, 20)),
        from: AmVersion::V0_25,
    },
    Expect {
        file: "msteamsv2.yml",
        refused: None,
        from: AmVersion::V0_28,
    },
];

#[test]
fn each_corpus_file_gets_its_verdict_and_splice_refuses_the_invalid_ones() {
    let listed: Vec<&str> = EXPECTED.iter().map(|e| e.file).collect();
    for e in fs::read_dir(configs()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        assert!(
            listed.contains(&name.as_str()),
            "{name} has no expected verdict"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let specs = root().join("slo-specs").to_string_lossy().to_string();
    for e in EXPECTED {
        let text = fs::read_to_string(configs().join(e.file)).unwrap();
        for v in AmVersion::ALL {
            let problems = amcheck::check(&text, v);
            match (e.refused, v >= e.from) {
                (None, true) => assert!(problems.is_empty(), "{} ({v}): {problems:?}", e.file),
                (Some((msg, line, col)), true) => assert!(
                    problems.len() == 1
                        && problems[0].message.contains(msg)
                        && (problems[0].loc.line, problems[0].loc.col) == (line, col),
                    "{} ({v}): {problems:?}",
                    e.file
                ),
                (_, false) => assert!(
                    problems.iter().any(|p| p
                        .message
                        .contains(&format!("Alertmanager {v} does not know it"))),
                    "{} ({v}): {problems:?}",
                    e.file
                ),
            }
        }
        // The command: a refused file is left as it was, the problem located in it.
        let target = tmp.path().join(e.file);
        fs::write(&target, &text).unwrap();
        let t = target.to_string_lossy().to_string();
        let o = sloforge(&["splice", &specs, "--config", &t], tmp.path());
        match e.refused {
            None => assert_eq!(o.status.code(), Some(0), "{}: {}", e.file, out(&o)),
            Some((msg, line, col)) => {
                assert_eq!(o.status.code(), Some(1), "{}: {}", e.file, out(&o));
                let text_out = out(&o);
                assert!(
                    text_out.contains("error[E123]")
                        && text_out.contains(msg)
                        && text_out.contains(&format!("{t}:{line}:{col}")),
                    "{}: {text_out}",
                    e.file
                );
                assert_eq!(fs::read_to_string(&target).unwrap(), text, "{}", e.file);
            }
        }
    }
    // An older release is asked for: a field it lacks stops the splice.
    let target = tmp.path().join("teams.yml");
    fs::copy(configs().join("msteamsv2.yml"), &target).unwrap();
    let t = target.to_string_lossy().to_string();
    let o = sloforge(
        &[
            "splice",
            &specs,
            "--config",
            &t,
            "--alertmanager-version",
            "0.25",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("unknown field `msteamsv2_configs` in a receiver: Alertmanager 0.25 does not know it (added in 0.28)"),
        "{}",
        out(&o)
    );
}

/// The file without sloforge's marked blocks, as the README describes them: each block is its
/// lines from `# BEGIN sloforge` to `# END sloforge`; when the file ends with a block and no
/// newline, the newline before that block is the block's too.
fn outside_blocks(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with("# BEGIN sloforge") {
            assert!(!inside, "nested block:\n{text}");
            inside = true;
        } else if t == "# END sloforge" {
            assert!(inside, "end without begin:\n{text}");
            inside = false;
        } else if !inside {
            out.push_str(line);
        }
    }
    assert!(!inside, "unterminated block:\n{text}");
    if !text.ends_with('\n') && text.trim_end().ends_with("# END sloforge") {
        assert_eq!(out.pop(), Some('\n'));
    }
    out
}

#[test]
fn splice_keeps_every_byte_outside_its_blocks() {
    let amtool = common::tool("amtool");
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = EXPECTED
        .iter()
        .filter(|e| e.refused.is_none())
        .map(|e| configs().join(e.file))
        .collect();
    files.push(root().join("tests/alertmanager/user-alertmanager.yml"));
    files.push(root().join("examples/team-onboarding/existing-alertmanager.conf"));
    // The same without a final newline, and with no section but the route and receivers.
    let bare = tmp.path().join("bare.yml");
    fs::write(
        &bare,
        "route:\n  receiver: default\nreceivers:\n  - name: default",
    )
    .unwrap();
    files.push(bare);
    for set in [
        root().join("slo-specs"),
        root().join("examples/team-onboarding"),
    ] {
        let b = build(&set);
        let am = b
            .compilation
            .as_ref()
            .unwrap()
            .alertmanager
            .as_ref()
            .unwrap();
        for f in &files {
            let user = fs::read_to_string(f).unwrap();
            let spliced = sloforge::render::splice::splice(&user, am).unwrap();
            assert!(spliced.contains("# BEGIN sloforge"), "{}", f.display());
            assert_eq!(
                outside_blocks(&spliced),
                user,
                "{} spliced with {}: bytes outside the blocks changed",
                f.display(),
                set.display()
            );
            assert_eq!(
                user.ends_with('\n'),
                spliced.ends_with('\n'),
                "{}: final newline",
                f.display()
            );
            let again = sloforge::render::splice::splice(&spliced, am).unwrap();
            assert_eq!(again, spliced, "{}: not idempotent", f.display());
            if let Some(amtool) = &amtool {
                let out = tmp.path().join("spliced.yml");
                fs::write(&out, &spliced).unwrap();
                fs::write(
                    tmp.path().join("sloforge.tmpl"),
                    am.template.clone().unwrap_or_default(),
                )
                .unwrap();
                check_config(amtool, &out);
            }
        }
    }
}

#[test]
fn chart_style_cluster_inhibitions_are_notes_and_a_severity_one_is_located() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("alertmanager.yml");
    let chart = fs::read_to_string(configs().join("chart-style.yml")).unwrap();
    fs::write(&target, &chart).unwrap();
    let t = target.to_string_lossy().to_string();
    let demo = root().join("slo-specs").to_string_lossy().to_string();
    let o = sloforge(&["splice", &demo, "--config", &t], tmp.path());
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(!text.contains("error"), "{text}");
    for rule in [4, 5] {
        assert!(
            text.contains(&format!("inhibit_rules[{rule}] cannot mute generated alerts"))
                && text.contains(
                    "a source must have `cluster` (source matcher cluster=~\".+\") and `equal` names `cluster`, which they lack"
                ),
            "{text}"
        );
    }
    // The example's alerts are `critical` and `warning`: the chart's severity rule (equal on
    // `namespace` and `alertname`, which a source can share) can mute its warnings; the
    // cluster rules still cannot.
    fs::write(&target, &chart).unwrap();
    let example = root()
        .join("examples/team-onboarding")
        .to_string_lossy()
        .to_string();
    let o = sloforge(&["splice", &example, "--config", &t], tmp.path());
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("error[E120]").count(), 1, "{text}");
    assert!(
        text.contains(&format!("{t}:9:5: inhibit_rules[0] can mute 10 generated alert(s)"))
            && text.contains("any alert matching {severity=\"critical\"} with the same `namespace`, `alertname` mutes them; its `equal` lacks `service`, `slo`"),
        "{text}"
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), chart);
}

#[test]
fn chart_style_cluster_inhibitions_mute_no_generated_alert_on_a_real_alertmanager() {
    let Some(bin) = common::tool("prometheus-alertmanager") else {
        return;
    };
    let b = build(&root().join("slo-specs"));
    let am = b
        .compilation
        .as_ref()
        .unwrap()
        .alertmanager
        .as_ref()
        .unwrap();
    let chart = fs::read_to_string(configs().join("chart-style.yml")).unwrap();
    let spliced = sloforge::render::splice::splice(&chart, am).unwrap();
    // The spliced routes and inhibitions, with receivers that notify nobody (no network).
    let mut cfg = yaml(&spliced);
    let obj = cfg.as_object_mut().unwrap();
    obj.remove("templates");
    for r in obj["receivers"].as_array_mut().unwrap() {
        let name = r["name"].clone();
        *r = json!({ "name": name });
    }
    let server = start_alertmanager(&bin, &serde_json::to_string(&cfg).unwrap());

    let alerts = alert_instances(b.fleet.as_ref().unwrap());
    // Two generated alerts of different SLOs (sloforge's own rules mute within an SLO only),
    // both targets of the chart's rules 4 (`severity=~"warning|info|ticket|page"`) and 5.
    let generated: Vec<Json> = [("checkout", "page-fast"), ("catalog", "ticket-fast")]
        .iter()
        .map(|(service, stage)| {
            let a = alerts
                .iter()
                .find(|a| {
                    a.get("service") == *service
                        && a.get("slo") == "availability"
                        && a.stage() == *stage
                })
                .unwrap();
            json!({ "labels": a.labels, "annotations": {"summary": "test"} })
        })
        .collect();
    // A source from outside sloforge, in a cluster, and a control target of that cluster that
    // rule 4 mutes. The control matches the source matchers too, and Alertmanager 0.33 keeps
    // one source per rule and `equal` values (the one that ends last): the source ends later.
    let later = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let source = json!({
        "labels": {"alertname": "ClusterUnhealthy", "cluster": "x", "severity": "critical"},
        "endsAt": common::utc(i64::try_from(later).unwrap()),
    });
    let control =
        json!({"labels": {"alertname": "DiskFilling", "cluster": "x", "severity": "warning"}});
    let mut body = vec![source, control];
    body.extend(generated.iter().cloned());
    let (status, text) = http(
        server.port,
        "POST",
        "/api/v2/alerts",
        Some(&serde_json::to_string(&body).unwrap()),
    )
    .unwrap();
    assert_eq!(status, 200, "{text}");

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, text) = http(server.port, "GET", "/api/v2/alerts", None).unwrap();
        assert_eq!(status, 200);
        let got: Vec<Json> = serde_json::from_str(&text).unwrap();
        let state = |name: &str, tier: Option<&str>| {
            got.iter()
                .find(|a| {
                    a["labels"]["alertname"] == name
                        && tier.is_none_or(|t| a["labels"]["alert_tier"] == t)
                })
                .map(|a| {
                    (
                        a["status"]["state"].as_str().unwrap_or("").to_string(),
                        a["status"]["inhibitedBy"].as_array().map_or(0, Vec::len),
                    )
                })
        };
        let name = |i: usize| generated[i]["labels"]["alertname"].as_str().unwrap();
        let now = [
            ("control", state("DiskFilling", None)),
            ("source", state("ClusterUnhealthy", None)),
            ("checkout page-fast", state(name(0), Some("page-fast"))),
            ("catalog ticket-fast", state(name(1), Some("ticket-fast"))),
        ];
        let is = |i: usize, want: &str, by: usize| {
            now[i]
                .1
                .as_ref()
                .is_some_and(|(s, n)| s == want && *n == by)
        };
        if is(0, "suppressed", 1) && is(1, "active", 0) && is(2, "active", 0) && is(3, "active", 0)
        {
            eprintln!("chart-style inhibitions on Alertmanager: {now:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "inhibition did not settle as expected: {now:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
