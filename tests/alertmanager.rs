//! The generated Alertmanager side against the real thing: `amtool check-config` on every
//! generated configuration (demo fleet, examples, splice results), every alert the rules can
//! produce routed by `amtool config routes test --verify.receivers` and by sloforge's own
//! proof, inhibition on a real `prometheus-alertmanager` on loopback, splice mode, the
//! Kubernetes resources, and the located errors of the routing spec; users' configurations in
//! `corpus` (`tests/alertmanager/corpus.rs`).

mod common;
#[path = "alertmanager/corpus.rs"]
mod corpus;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};
use sloforge::render::{self, Format, RenderOptions};
use sloforge::verify::alerts::{AlertInstance, alert_instances};
use sloforge::verify::amconfig::AmConfig;
use sloforge::verify::proof::expected_receivers;

use common::routing::routes_test;
use common::{root, sloforge};

/// Spec sets that have an AlertRouting document.
fn routed_sets() -> Vec<PathBuf> {
    vec![
        root().join("slo-specs"),
        root().join("examples/team-onboarding"),
    ]
}

fn build(set: &Path) -> sloforge::Build {
    let b = sloforge::build(&[set.to_path_buf()], false);
    assert!(
        !b.failed(),
        "{} does not build:\n{}",
        set.display(),
        b.diagnostics
    );
    b
}

/// Writes the generated tree of a spec set into `dir`; returns the path of alertmanager.yml.
fn generate_into(set: &Path, dir: &Path) -> PathBuf {
    let b = build(set);
    for (rel, text) in
        render::render_tree(b.compilation.as_ref().unwrap(), &RenderOptions::default())
    {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir.join("alertmanager.yml")
}

fn yaml(text: &str) -> Json {
    serde_saphyr::from_str(text).unwrap()
}

/// `amtool check-config`, and every template file the configuration names exists and defines
/// the templates its receivers use (a template glob that matches nothing passes check-config).
fn check_config(amtool: &Path, config: &Path) {
    let (accepted, text) = corpus::amtool_accepts(amtool, config);
    assert!(
        accepted,
        "amtool check-config {}:\n{text}",
        config.display()
    );
    let cfg = yaml(&fs::read_to_string(config).unwrap());
    for t in cfg["templates"].as_array().into_iter().flatten() {
        let t = t.as_str().unwrap();
        if t.contains('*') {
            continue;
        }
        let path = config.parent().unwrap().join(t);
        assert!(
            path.is_file(),
            "{} names template {t}, which is not at {}",
            config.display(),
            path.display()
        );
        let glob = format!("--template.glob={}", path.display());
        for name in ["sloforge.title", "sloforge.text", "sloforge.html"] {
            let out = Command::new(amtool)
                .args([
                    "template",
                    "render",
                    &glob,
                    &format!("--template.text={{{{ template \"{name}\" . }}}}"),
                ])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{name} does not render from {}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Routes every alert through `amtool config routes test --verify.receivers=<expected>` (in
/// parallel) and through sloforge's own matcher; returns (alerts, amtool matches).
fn cross_check(amtool: &Path, config: &Path, fleet: &sloforge::model::Fleet) -> (usize, usize) {
    let routing = fleet.routing.as_ref().unwrap();
    let alerts = alert_instances(fleet);
    let ours = AmConfig::parse(&fs::read_to_string(config).unwrap()).unwrap();
    let mut matched = 0;
    for chunk in alerts.chunks(8) {
        let children: Vec<(Child, &AlertInstance, String)> = chunk
            .iter()
            .map(|a| {
                let expected = expected_receivers(routing, a).join(",");
                (
                    routes_test(amtool, config, a, &expected)
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()
                        .unwrap(),
                    a,
                    expected,
                )
            })
            .collect();
        for (child, a, expected) in children {
            let out = child.wait_with_output().unwrap();
            let printed = String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            assert_eq!(
                printed,
                ours.receivers_of(a).join(","),
                "sloforge's matcher and amtool disagree on {:?}",
                a.labels
            );
            assert!(
                out.status.success(),
                "{}: {:?} reaches {printed}, expected {expected}",
                config.display(),
                a.labels
            );
            matched += 1;
        }
    }
    (alerts.len(), matched)
}

#[test]
fn generated_configs_pass_amtool_and_route_every_alert_as_specified() {
    let Some(amtool) = common::tool("amtool") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut total = (0, 0);
    for (i, set) in routed_sets().iter().enumerate() {
        let dir = tmp.path().join(i.to_string());
        let config = generate_into(set, &dir);
        check_config(&amtool, &config);
        let b = build(set);
        let (n, ok) = cross_check(&amtool, &config, b.fleet.as_ref().unwrap());
        assert!(n > 0);
        total = (total.0 + n, total.1 + ok);
    }
    eprintln!(
        "amtool config routes test --verify.receivers: {} of {} generated alerts matched",
        total.1, total.0
    );
    assert_eq!(total.0, total.1);
}

#[test]
fn generated_config_avoids_the_alertmanager_traps() {
    let b = build(&root().join("slo-specs"));
    let am = b
        .compilation
        .as_ref()
        .unwrap()
        .alertmanager
        .as_ref()
        .unwrap();
    let cfg = yaml(&am.text);
    // Only `matchers`, each `name="escaped value"`.
    fn walk(v: &Json, f: &mut impl FnMut(&str, &Json)) {
        match v {
            Json::Object(m) => {
                for (k, x) in m {
                    f(k, x);
                    walk(x, f);
                }
            }
            Json::Array(a) => a.iter().for_each(|x| walk(x, f)),
            _ => {}
        }
    }
    let mut keys = BTreeMap::new();
    walk(&cfg, &mut |k, v| {
        *keys.entry(k.to_string()).or_insert(0) += 1;
        if k.ends_with("matchers") {
            for m in v.as_array().unwrap() {
                let m = m.as_str().unwrap();
                let (name, rest) = m.split_at(m.find('=').unwrap());
                assert!(
                    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{m}"
                );
                let value = rest.trim_start_matches("=~").trim_start_matches('=');
                assert!(
                    value.starts_with('"') && value.ends_with('"') && value.len() >= 2,
                    "{m}"
                );
            }
        }
    });
    for deprecated in [
        "match",
        "match_re",
        "source_match",
        "target_match",
        "source_match_re",
        "target_match_re",
        "mute_time_intervals_top",
    ] {
        assert!(
            !keys.contains_key(deprecated),
            "{deprecated} in the generated config"
        );
    }
    // send_resolved on every integration, location in every period.
    for r in cfg["receivers"].as_array().unwrap() {
        for (k, configs) in r.as_object().unwrap() {
            if k.ends_with("_configs") {
                for c in configs.as_array().unwrap() {
                    assert!(
                        c.get("send_resolved").is_some_and(Json::is_boolean),
                        "{}: {k} without send_resolved",
                        r["name"]
                    );
                }
            }
        }
    }
    for t in cfg["time_intervals"].as_array().unwrap() {
        for p in t["time_intervals"].as_array().unwrap() {
            assert!(p["location"].is_string(), "{t}");
            for r in p["times"].as_array().into_iter().flatten() {
                assert!(
                    r["start_time"].as_str().unwrap() < r["end_time"].as_str().unwrap(),
                    "{t}"
                );
            }
        }
    }
    // Sunday 22:00–02:00 is split into Sunday 22:00–24:00 and Monday 00:00–02:00.
    let maint = cfg["time_intervals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "sloforge-platform-maintenance")
        .unwrap();
    assert_eq!(
        maint["time_intervals"],
        json!([
            {"times": [{"start_time": "22:00", "end_time": "24:00"}], "weekdays": ["sunday"], "location": "UTC"},
            {"times": [{"start_time": "00:00", "end_time": "02:00"}], "weekdays": ["monday"], "location": "UTC"},
        ])
    );
    // Continue routes exist, so the last child is an explicit catch-all to the default receiver.
    let routes = cfg["route"]["routes"].as_array().unwrap();
    assert_eq!(
        routes.last().unwrap(),
        &json!({"receiver": "sloforge-unrouted"})
    );
    assert!(routes[0]["continue"] == json!(true));
    // group_by: one group per SLO and severity.
    assert_eq!(
        cfg["route"]["group_by"],
        json!(["alertname", "team", "service", "slo", "severity"])
    );
    // Inhibitions: equal on the SLO identity and the fleet's group labels (inference-gateway's
    // availability is grouped by model), both sides require the identity, sides disjoint.
    for r in cfg["inhibit_rules"].as_array().unwrap() {
        assert_eq!(r["equal"], json!(["service", "slo", "model"]));
        for side in ["source_matchers", "target_matchers"] {
            let m: Vec<&str> = r[side]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect();
            assert!(
                m.contains(&"service=~\".+\"") && m.contains(&"slo=~\".+\""),
                "{r}"
            );
        }
        assert_ne!(r["source_matchers"][0], r["target_matchers"][0]);
    }
}

#[test]
fn the_proof_rejects_a_broken_configuration() {
    let b = build(&root().join("slo-specs"));
    let fleet = b.fleet.as_ref().unwrap();
    let routing = fleet.routing.as_ref().unwrap();
    let text = b
        .compilation
        .as_ref()
        .unwrap()
        .alertmanager
        .as_ref()
        .unwrap()
        .text
        .clone();
    let ok = sloforge::verify::proof::prove(fleet, routing, &text).unwrap();
    assert!(ok.ok(), "{:?}", ok.findings);
    assert_eq!(ok.routed.len(), 61);
    assert!(ok.routed.iter().all(|r| r.receivers == r.expected));
    let findings = |t: &str| {
        sloforge::verify::proof::prove(fleet, routing, t)
            .unwrap()
            .findings
            .into_iter()
            .map(|f| f.message)
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Without the catch-all, `continue` routes remain: the proof asks for it.
    let no_catch_all = text.replace(
        "  - receiver: sloforge-unrouted\ninhibit_rules:",
        "inhibit_rules:",
    );
    assert_ne!(no_catch_all, text);
    assert!(
        findings(&no_catch_all).contains("no catch-all"),
        "{}",
        findings(&no_catch_all)
    );
    // A misspelt team matcher: payments' alerts reach only the audit route and the catch-all.
    let misspelt = text.replace("team=\"payments\"", "team=\"payment\"");
    let f = findings(&misspelt);
    assert!(
        f.contains("team `payments` with severity `page`")
            && f.contains("reach only sloforge-audit-log, sloforge-unrouted"),
        "{f}"
    );
    assert!(f.contains("unreachable"), "{f}");
    // A broad sibling before the narrower routes shadows them.
    let shadow = text.replace(
        "  - receiver: sloforge-unrouted\n    matchers:\n    - team=\"discovery\"",
        "  - receiver: sloforge-slack-payments\n    matchers:\n    - severity=~\"page|ticket\"\n  - receiver: sloforge-unrouted\n    matchers:\n    - team=\"discovery\"",
    );
    assert_ne!(shadow, text);
    let f = findings(&shadow);
    assert!(
        f.contains(
            "route.routes[5] {team=\"discovery\"} (receiver sloforge-unrouted) is unreachable"
        ),
        "{f}"
    );
    // A route on a label no alert carries.
    let unknown = text.replace(
        "- team=\"storefront\"",
        "- team=\"storefront\"\n    - env=\"prod\"",
    );
    assert!(findings(&unknown).contains("`env`, a label no generated alert carries"));
    // An inhibition without `equal` mutes across SLOs.
    let no_equal = text.replace(
        "  equal:\n  - service\n  - slo\n  - model\n- source_matchers:\n  - alert_tier=\"page-fast\"",
        "- source_matchers:\n  - alert_tier=\"page-fast\"",
    );
    assert_ne!(no_equal, text);
    assert!(findings(&no_equal).contains("no `equal`"));
}

struct Alertmanager {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).ok()?;
    let status = resp.split_whitespace().nth(1)?.parse().ok()?;
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

fn start_alertmanager(bin: &Path, config: &str) -> Alertmanager {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("alertmanager.yml");
    fs::write(&cfg, config).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .arg(format!(
            "--storage.path={}",
            dir.path().join("data").display()
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let am = Alertmanager {
        child,
        port,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while http(port, "GET", "/-/ready", None).map(|r| r.0) != Some(200) {
        assert!(
            Instant::now() < deadline,
            "alertmanager did not become ready on 127.0.0.1:{port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    am
}

#[test]
fn inhibitions_suppress_the_same_slo_on_a_real_alertmanager() {
    let Some(bin) = common::tool("prometheus-alertmanager") else {
        return;
    };
    let b = build(&root().join("slo-specs"));
    let fleet = b.fleet.as_ref().unwrap();
    let am = b
        .compilation
        .as_ref()
        .unwrap()
        .alertmanager
        .as_ref()
        .unwrap();
    // The generated routes and inhibitions, with receivers that notify nobody (no network).
    let mut cfg = yaml(&am.text);
    let obj = cfg.as_object_mut().unwrap();
    obj.remove("templates");
    for r in obj["receivers"].as_array_mut().unwrap() {
        let name = r["name"].clone();
        *r = json!({ "name": name });
    }
    let server = start_alertmanager(&bin, &serde_json::to_string(&cfg).unwrap());

    let alerts = alert_instances(fleet);
    let find = |slo: &str, stage: &str| {
        alerts
            .iter()
            .find(|a| format!("{}/{}", a.get("service"), a.get("slo")) == slo && a.stage() == stage)
            .unwrap()
            .clone()
    };
    // inference-gateway/availability is grouped by model: a page of one model mutes that
    // model's ticket only.
    let of_model = |mut a: sloforge::verify::alerts::AlertInstance, m: &str| {
        a.labels.insert("model".into(), m.into());
        a
    };
    let firing = [
        find("checkout/availability", "page-fast"),
        find("checkout/availability", "page-slow"),
        find("checkout/availability", "ticket-fast"),
        find("payment/availability", "ticket-fast"),
        find("cart/availability", "ticket-fast"),
        find("catalog/availability", "ticket-fast"),
        find("catalog/availability", "ticket-slow"),
        of_model(find("inference-gateway/availability", "page-fast"), "a"),
        of_model(find("inference-gateway/availability", "ticket-fast"), "a"),
        of_model(find("inference-gateway/availability", "ticket-fast"), "b"),
    ];
    let body: Vec<Json> = firing
        .iter()
        .map(|a| json!({ "labels": a.labels, "annotations": {"summary": "test"} }))
        .collect();
    let (status, text) = http(
        server.port,
        "POST",
        "/api/v2/alerts",
        Some(&serde_json::to_string(&body).unwrap()),
    )
    .unwrap();
    assert_eq!(status, 200, "{text}");

    let expected = [
        ("checkout/availability", "page-fast", "", "active"),
        ("checkout/availability", "page-slow", "", "suppressed"),
        ("checkout/availability", "ticket-fast", "", "suppressed"),
        ("payment/availability", "ticket-fast", "", "active"),
        ("cart/availability", "ticket-fast", "", "active"),
        ("catalog/availability", "ticket-fast", "", "active"),
        ("catalog/availability", "ticket-slow", "", "suppressed"),
        ("inference-gateway/availability", "page-fast", "a", "active"),
        (
            "inference-gateway/availability",
            "ticket-fast",
            "a",
            "suppressed",
        ),
        (
            "inference-gateway/availability",
            "ticket-fast",
            "b",
            "active",
        ),
    ];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, text) = http(server.port, "GET", "/api/v2/alerts", None).unwrap();
        assert_eq!(status, 200);
        let got: Vec<Json> = serde_json::from_str(&text).unwrap();
        let state = |slo: &str, stage: &str, model: &str| {
            got.iter()
                .find(|a| {
                    format!(
                        "{}/{}",
                        a["labels"]["service"].as_str().unwrap_or(""),
                        a["labels"]["slo"].as_str().unwrap_or("")
                    ) == slo
                        && a["labels"]["alert_tier"] == stage
                        && a["labels"]["model"].as_str().unwrap_or("") == model
                })
                .map(|a| {
                    (
                        a["status"]["state"].as_str().unwrap_or("").to_string(),
                        a["status"]["inhibitedBy"].as_array().map_or(0, Vec::len),
                    )
                })
        };
        let now: Vec<_> = expected
            .iter()
            .map(|(slo, stage, model, _)| state(slo, stage, model))
            .collect();
        let done = expected.iter().zip(&now).all(|((_, _, _, want), got)| {
            got.as_ref()
                .is_some_and(|(s, n)| s == want && ((*want == "suppressed") == (*n > 0)))
        });
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "inhibition did not settle: {now:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn splice_keeps_the_users_config_and_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("slo-specs"), &tmp.path().join("slo-specs"));
    let user_text =
        fs::read_to_string(root().join("tests/alertmanager/user-alertmanager.yml")).unwrap();
    let target = tmp.path().join("am/alertmanager.yml");
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    fs::write(&target, &user_text).unwrap();
    let t = target.to_string_lossy().to_string();

    let o = sloforge(&["splice", "--config", &t], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("updated"));
    let once = fs::read_to_string(&target).unwrap();
    assert!(tmp.path().join("am/sloforge.tmpl").is_file());
    let o = sloforge(&["splice", "--config", &t], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("unchanged"));
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        once,
        "a second run changed the file"
    );
    assert_eq!(
        sloforge(&["splice", "--check", "--config", &t], tmp.path())
            .status
            .code(),
        Some(0)
    );

    // Every byte of the user's file is kept, comments included: sloforge's parts are marked
    // blocks, and without them the file is what it was.
    let mut unmarked = String::new();
    let mut inside = false;
    for line in once.split_inclusive('\n') {
        if line.trim_start().starts_with("# BEGIN sloforge") {
            inside = true;
        } else if line.trim_start().starts_with("# END sloforge") {
            inside = false;
        } else if !inside {
            unmarked.push_str(line);
        }
    }
    assert_eq!(unmarked, user_text);
    assert!(once.contains("# A hand-written configuration"));

    // The user's own parts are all there, unchanged and in their places.
    let (user, spliced) = (yaml(&user_text), yaml(&once));
    for (k, v) in user.as_object().unwrap() {
        match k.as_str() {
            "route" => {
                for (rk, rv) in v.as_object().unwrap() {
                    if rk == "routes" {
                        let routes = spliced["route"]["routes"].as_array().unwrap();
                        assert_eq!(
                            &routes[1..],
                            rv.as_array().unwrap().as_slice(),
                            "the user's routes changed"
                        );
                        assert!(
                            routes[0]["receiver"]
                                .as_str()
                                .unwrap()
                                .starts_with("sloforge-")
                        );
                    } else {
                        assert_eq!(&spliced["route"][rk], rv, "route.{rk}");
                    }
                }
            }
            "receivers" | "inhibit_rules" | "time_intervals" | "templates" => {
                let have = spliced[k].as_array().unwrap();
                let want = v.as_array().unwrap();
                assert_eq!(
                    &have[..want.len()],
                    want.as_slice(),
                    "{k}: the user's entries changed"
                );
                assert!(have.len() > want.len(), "{k}: nothing spliced in");
            }
            _ => assert_eq!(&spliced[k], v, "{k}"),
        }
    }

    // A changed spec replaces sloforge's part instead of adding a second one.
    let routing = tmp.path().join("slo-specs/routing.yaml");
    let spec = fs::read_to_string(&routing).unwrap();
    fs::write(
        &routing,
        spec.replace(
            "channel: \"#payments-oncall\"",
            "channel: \"#payments-incidents\"",
        ),
    )
    .unwrap();
    assert_eq!(
        sloforge(&["splice", "--check", "--config", &t], tmp.path())
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        sloforge(&["splice", "--config", &t], tmp.path())
            .status
            .code(),
        Some(0)
    );
    let twice = fs::read_to_string(&target).unwrap();
    assert!(twice.contains("#payments-incidents") && !twice.contains("#payments-oncall"));
    let cfg = yaml(&twice);
    let ours = |k: &str, f: &str| {
        cfg[k]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x[f].as_str().is_some_and(|s| s.starts_with("sloforge-")))
            .count()
    };
    assert_eq!(
        cfg["route"]["routes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["receiver"].as_str().unwrap().starts_with("sloforge-"))
            .count(),
        1
    );
    assert_eq!(ours("receivers", "name"), 12);
    // The routing spec's two and payment/availability's muting exclusion.
    assert_eq!(ours("time_intervals", "name"), 3);
    // The user's rule, one per page source (page-fast, page-slow) over tickets, page-fast over
    // page-slow and ticket-fast over ticket-slow; budget stages inhibit nothing.
    assert_eq!(cfg["inhibit_rules"].as_array().unwrap().len(), 1 + 4);
    assert_eq!(
        cfg["templates"],
        json!(["templates/*.tmpl", "sloforge.tmpl"])
    );

    // The spliced file passes amtool and routes every alert as the spec says.
    if let Some(amtool) = common::tool("amtool") {
        check_config(&amtool, &target);
        let b = sloforge::build(&[tmp.path().join("slo-specs")], false);
        let (n, ok) = cross_check(&amtool, &target, b.fleet.as_ref().unwrap());
        eprintln!("spliced config: {ok} of {n} alerts matched amtool --verify.receivers");
        assert_eq!(n, ok);
    }
    let o = sloforge(&["routes", "--config", &t], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn splice_refuses_what_would_misroute_generated_alerts() {
    let tmp = tempfile::tempdir().unwrap();
    let example = root().join("examples/team-onboarding");
    let e = example.to_string_lossy().to_string();
    // The user's severity inhibition (critical ⊃ warning, equal on alertname and service) would
    // also mute this fleet's `warning` alerts without regard to the SLO.
    let target = tmp.path().join("alertmanager.yml");
    fs::copy(
        root().join("tests/alertmanager/user-alertmanager.yml"),
        &target,
    )
    .unwrap();
    let before = fs::read_to_string(&target).unwrap();
    let o = sloforge(
        &["splice", &e, "--config", &target.to_string_lossy()],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    // Located at the rule, naming the mechanism: which targets, which source, which `equal`.
    assert!(
        out(&o).contains("alertmanager.yml:32:5: inhibit_rules[0] can mute 10 generated alert(s)")
            && out(&o).contains("any alert matching {severity=\"critical\"} with the same `alertname`, `service` mutes them; its `equal` lacks `slo`"),
        "{}",
        out(&o)
    );
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        before,
        "a refused splice wrote the file"
    );
    // Into the example's own configuration it works, and the result passes amtool.
    fs::copy(example.join("existing-alertmanager.conf"), &target).unwrap();
    let o = sloforge(
        &["splice", &e, "--config", &target.to_string_lossy()],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    if let Some(amtool) = common::tool("amtool") {
        check_config(&amtool, &target);
        let b = build(&example);
        let (n, ok) = cross_check(&amtool, &target, b.fleet.as_ref().unwrap());
        eprintln!(
            "example spliced into its config: {ok} of {n} alerts matched amtool --verify.receivers"
        );
        assert_eq!(n, ok);
    }
    // A generated configuration is not a place to splice into.
    let generated = tmp.path().join("generated.yml");
    fs::write(
        &generated,
        build(&example)
            .compilation
            .unwrap()
            .alertmanager
            .unwrap()
            .text,
    )
    .unwrap();
    let o = sloforge(
        &["splice", &e, "--config", &generated.to_string_lossy()],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("generated configuration"), "{}", out(&o));
}

#[test]
fn snapshots_of_generated_alertmanager_configs() {
    let example = root().join("examples/team-onboarding");
    let b = build(&example);
    let am = b
        .compilation
        .as_ref()
        .unwrap()
        .alertmanager
        .as_ref()
        .unwrap();
    insta::assert_snapshot!("team_onboarding_alertmanager_yml", am.text);
    insta::assert_snapshot!("team_onboarding_template", am.template.clone().unwrap());
    let user = fs::read_to_string(example.join("existing-alertmanager.conf")).unwrap();
    insta::assert_snapshot!(
        "team_onboarding_spliced",
        sloforge::render::splice::splice(&user, am).unwrap()
    );
    let demo = build(&root().join("slo-specs"));
    let opts = RenderOptions {
        format: Format::Kubernetes,
        ..RenderOptions::default()
    };
    let k = demo
        .compilation
        .as_ref()
        .unwrap()
        .alertmanager
        .as_ref()
        .unwrap()
        .kubernetes(&opts.labels)
        .unwrap();
    insta::assert_snapshot!(
        "demo_payments_alertmanagerconfig",
        k["kubernetes/payments.alertmanagerconfig.yaml"]
    );
}

#[test]
fn kubernetes_format_writes_one_alertmanagerconfig_per_team() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("slo-specs"), &tmp.path().join("slo-specs"));
    let o = sloforge(
        &[
            "generate",
            "--format",
            "kubernetes",
            "-o",
            "k8s",
            "--label",
            "release=main",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    for team in ["payments", "storefront", "discovery", "ml-platform"] {
        let text = fs::read_to_string(
            tmp.path()
                .join(format!("k8s/kubernetes/{team}.alertmanagerconfig.yaml")),
        )
        .unwrap();
        let r = yaml(&text);
        assert_eq!(r["apiVersion"], "monitoring.coreos.com/v1alpha1");
        assert_eq!(r["kind"], "AlertmanagerConfig");
        assert_eq!(r["metadata"]["namespace"], team);
        assert_eq!(r["metadata"]["labels"]["release"], "main");
        let route = &r["spec"]["route"];
        assert_eq!(
            route["matchers"],
            json!([{"name": "team", "value": team, "matchType": "="}])
        );
        assert!(
            route["groupBy"].is_array()
                && route["groupWait"].is_string()
                && route.get("group_by").is_none()
        );
        assert!(r["spec"]["inhibitRules"][0]["sourceMatch"].is_array());
        assert!(
            !text.contains("_file"),
            "secrets must be SecretKeySelectors:\n{text}"
        );
    }
    let pay = yaml(
        &fs::read_to_string(
            tmp.path()
                .join("k8s/kubernetes/payments.alertmanagerconfig.yaml"),
        )
        .unwrap(),
    );
    let pd = pay["spec"]["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "sloforge-pagerduty-payments")
        .unwrap();
    assert_eq!(
        pd["pagerdutyConfigs"][0]["routingKey"],
        json!({"name": "pagerduty-payments", "key": "routing-key"})
    );
    // A zone other than UTC cannot be expressed in AlertmanagerConfig v1alpha1.
    let e = root()
        .join("examples/team-onboarding")
        .to_string_lossy()
        .to_string();
    let o = sloforge(
        &["generate", &e, "--format", "kubernetes", "-o", "k8s2"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("Europe/Berlin"), "{}", out(&o));
    assert!(!tmp.path().join("k8s2").exists());
}

#[test]
fn routes_refuses_a_config_alertmanager_would_not_load() {
    let tmp = tempfile::tempdir().unwrap();
    let generated = fs::read_to_string(root().join("generated/alertmanager.yml")).unwrap();
    // A route to a receiver the file does not define: amtool refuses it; the proof alone would
    // route every generated alert as specified.
    let bad = generated.replacen(
        "  routes:\n",
        "  routes:\n  - receiver: nobody\n    matchers:\n    - team=\"elsewhere\"\n",
        1,
    );
    assert_ne!(bad, generated);
    let path = tmp.path().join("alertmanager.yml");
    fs::write(&path, &bad).unwrap();
    let o = sloforge(&["routes", "--config", path.to_str().unwrap()], &root());
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("error[E123]"), "{}", out(&o));
    assert!(out(&o).contains("nobody"), "{}", out(&o));
    assert!(
        out(&o).contains("Alertmanager 0.33 would not load this configuration"),
        "{}",
        out(&o)
    );
}

#[test]
fn routes_prints_every_alert_and_its_receivers() {
    let o = sloforge(&["routes"], &root());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    assert_eq!(table.lines().count(), 1 + 61);
    assert!(table.contains("recommendations/freshness       ticket-fast               ticket    discovery    audit-log, email-discovery (only during business-hours)"), "{table}");
    let o = sloforge(&["routes", "--json"], &root());
    let rows: Vec<Json> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows.len(), 61);
    assert!(
        rows.iter()
            .all(|r| r["receivers"] == r["expected"] && r["labels"]["alertname"].is_string())
    );
    // Specs without an AlertRouting document: nothing to route.
    let q = root()
        .join("examples/quickstart")
        .to_string_lossy()
        .to_string();
    let o = sloforge(&["routes", &q], &root());
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("no `kind: AlertRouting`"));
}

#[test]
fn readme_shows_the_current_demo_routing_table() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("The demo fleet (`sloforge routes`")
        .expect("routing table section in README.md");
    let block = &readme[start..];
    let body_start = block.find("```\n").unwrap() + 4;
    let body = &block[body_start..body_start + block[body_start..].find("```").unwrap()];
    let o = sloforge(&["routes"], &root());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        body,
        String::from_utf8_lossy(&o.stdout),
        "README.md's routing table is stale: paste `sloforge routes`"
    );
}

#[test]
fn splice_rewrites_a_flow_style_config_structurally_and_stays_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("alertmanager.yml");
    let user = "route: {receiver: default, routes: [{receiver: ops, matchers: ['team=\"ops\"']}]}\nreceivers: [{name: default}, {name: ops}]\n";
    fs::write(&target, user).unwrap();
    let t = target.to_string_lossy().to_string();
    let specs = root().join("slo-specs").to_string_lossy().to_string();
    let o = sloforge(&["splice", &specs, "--config", &t], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let once = fs::read_to_string(&target).unwrap();
    assert!(
        !once.contains("# BEGIN sloforge"),
        "flow style cannot take text blocks:\n{once}"
    );
    let cfg = yaml(&once);
    assert_eq!(
        cfg["route"]["routes"][1],
        json!({"receiver": "ops", "matchers": ["team=\"ops\""]})
    );
    assert_eq!(cfg["receivers"][0], json!({"name": "default"}));
    assert_eq!(cfg["receivers"][1], json!({"name": "ops"}));
    let o = sloforge(&["splice", &specs, "--config", &t], tmp.path());
    assert!(out(&o).contains("unchanged"), "{}", out(&o));
    assert_eq!(fs::read_to_string(&target).unwrap(), once);
    if let Some(amtool) = common::tool("amtool") {
        check_config(&amtool, &target);
    }
}
