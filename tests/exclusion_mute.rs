//! Exclusions with `mute_alerts: true` on real Alertmanagers (0.25, 0.28 and 0.33, as `make
//! tools` installs them). One service, five SLOs, one page alert each (and a budget-stage alert
//! of two of them), all firing at once: the alerts of the SLOs whose exclusion holds now (a
//! one-off window around now; this hour of today in Tokyo) reach the audit receiver only, while
//! those whose exclusion does not hold now (a window that starts tomorrow; the same weekday and
//! hours in UTC) and the SLO without one are notified everywhere. The routing proof of
//! `sloforge routes` passes on the generated configuration and fails when one route loses the
//! mute.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};
use sloforge::verify::alerts::alert_instances;

use common::loopback::{Delivery, Server, deliveries_of, describe, http_json, spawn_alertmanager};

/// The SLOs of the test service: (name, whether its alerts are muted now).
const SLOS: [(&str, bool); 5] = [
    ("moved", true),
    ("tokyo", true),
    ("later", false),
    ("utc-clock", false),
    ("plain", false),
];

fn rfc3339(t: i64) -> String {
    jiff::Timestamp::from_second(t).unwrap().to_string()
}

/// The specs: service `shop` of team `web`, receivers posting to `webhook` (`http://…/`) at
/// the receiver's name.
fn specs(now: jiff::Timestamp, webhook: &str) -> String {
    let tokyo = now.to_zoned(jiff::tz::TimeZone::get("Asia/Tokyo").unwrap());
    let weekday = format!("{:?}", tokyo.weekday()).to_lowercase();
    let hour = i32::from(tokyo.hour());
    let (from, to) = ((hour - 1).max(0), (hour + 2).min(24));
    let recurring = |zone: &str| {
        format!(
            "weekdays: [{weekday}]\n        times: [{{start_time: \"{from:02}:00\", end_time: \"{to:02}:00\"}}]\n        timezone: {zone}"
        )
    };
    let s = now.as_second();
    let one_off =
        |a: i64, b: i64| format!("start: \"{}\"\n        end: \"{}\"", rfc3339(a), rfc3339(b));
    let slo = |name: &str, exclusion: Option<String>| {
        let exclusions = exclusion.map_or_else(String::new, |e| {
            format!("    exclusions:\n      - name: maintenance\n        {e}\n        mute_alerts: true\n")
        });
        format!(
            "  - name: {name}\n    objective: 99.9\n{exclusions}    sli:\n      ratio:\n        errors: http_requests_total{{job=\"{name}\",code=~\"5..\"}}\n        total: http_requests_total{{job=\"{name}\"}}\n    alerting:\n      budget_alerts: true\n"
        )
    };
    let mut out = String::from(
        "apiVersion: sloforge.dev/v1\nkind: Defaults\nbudget_policy:\n  - {name: \"25\", remaining_below: 25, severity: ticket}\n---\napiVersion: sloforge.dev/v1\nkind: Service\nname: shop\nteam: web\nslos:\n",
    );
    out += &slo("moved", Some(one_off(s - 3600, s + 3600)));
    out += &slo("tokyo", Some(recurring("Asia/Tokyo")));
    out += &slo("later", Some(one_off(s + 86_400, s + 90_000)));
    out += &slo("utc-clock", Some(recurring("UTC")));
    out += &slo("plain", None);
    let receiver = |name: &str| format!("  {name}: {{webhook: {{url: \"{webhook}{name}\"}}}}\n");
    out += "---\napiVersion: sloforge.dev/v1\nkind: AlertRouting\ndefault_receiver: unrouted\naudit_receivers: [audit]\ndefaults:\n  group_by: [alertname, service, slo, severity]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nseverities:\n  page: {group_wait: 1s}\n  ticket: {group_wait: 1s}\nreceivers:\n";
    for r in ["unrouted", "audit", "pager", "chat", "leadership"] {
        out += &receiver(r);
    }
    out += "budget_stages:\n  \"25\": {receivers: [leadership]}\nteams:\n  web:\n    routes:\n      page: {receivers: [pager]}\n      ticket: {receivers: [chat]}\n";
    out
}

#[test]
fn muted_slos_reach_only_the_audit_receiver_on_real_alertmanagers() {
    let versions = common::tool_matrix("prometheus-alertmanager");
    if versions.is_empty() {
        return;
    }
    // Not in the last two minutes of a Tokyo day: the hour window must still hold when
    // Alertmanager decides.
    let mut now = jiff::Timestamp::now();
    let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    let local = now.to_zoned(tz.clone());
    if local.hour() == 23 && local.minute() >= 58 {
        std::thread::sleep(Duration::from_secs(
            (60 - u64::try_from(local.minute()).unwrap()) * 60 + 5,
        ));
        now = jiff::Timestamp::now();
    }

    let got: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let sink = got.clone();
    let server = Server::start(Arc::new(move |_m: &str, path: &str, body: &[u8]| {
        let receiver = path.trim_start_matches('/');
        sink.lock()
            .unwrap()
            .extend(deliveries_of(receiver, Instant::now(), body));
        (200, "text/plain", String::new())
    }));
    let webhook = format!("http://{}/", server.addr);

    let dir = tempfile::tempdir().unwrap();
    let specs_dir = dir.path().join("specs");
    fs::create_dir_all(&specs_dir).unwrap();
    fs::write(specs_dir.join("shop.yaml"), specs(now, &webhook)).unwrap();
    let out = dir.path().join("out");
    let o = common::sloforge(
        &[
            "generate",
            "--no-tests",
            "--no-dashboards",
            "--no-runbooks",
            specs_dir.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let config = out.join("alertmanager.yml");
    let text = fs::read_to_string(&config).unwrap();
    for slo in ["moved", "tokyo", "later", "utc-clock"] {
        assert!(
            text.contains(&format!("name: sloforge-exclusion-shop-{slo}-maintenance")),
            "{slo}:\n{text}"
        );
    }
    proof_checks(&specs_dir, &config);

    let b = sloforge::build(std::slice::from_ref(&specs_dir), false);
    assert!(!b.failed(), "{}", b.diagnostics);
    let alerts: Vec<Json> = alert_instances(b.fleet.as_ref().unwrap())
        .into_iter()
        .filter(|a| {
            a.what() == "page-fast"
                || a.what() == "budget 25" && ["moved", "plain"].contains(&a.get("slo"))
        })
        .map(|a| json!({ "labels": a.labels, "annotations": {"summary": "test"} }))
        .collect();
    assert_eq!(alerts.len(), 7);

    // (receiver, SLO, stage) that must be notified, and that must not.
    let mut want: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    let mut muted: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    for (slo, is_muted) in SLOS {
        want.insert(("audit", slo, "page-fast"));
        let set = if is_muted { &mut muted } else { &mut want };
        set.insert(("pager", slo, "page-fast"));
    }
    for (slo, is_muted) in [("moved", true), ("plain", false)] {
        want.insert(("audit", slo, "budget 25"));
        let set = if is_muted { &mut muted } else { &mut want };
        set.insert(("leadership", slo, "budget 25"));
        set.insert(("chat", slo, "budget 25"));
    }

    for (version, bin) in versions {
        got.lock().unwrap().clear();
        let began = Instant::now();
        let (am, port) = spawn_alertmanager(&bin, dir.path(), &config);
        let (status, body) = http_json(port, "POST", "/api/v2/alerts", &Json::from(alerts.clone()));
        assert_eq!(status, 200, "{body}");
        let key = |d: &Delivery| {
            (
                d.receiver.clone(),
                d.slo.trim_start_matches("shop/").to_string(),
                d.stage.clone(),
            )
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let seen: BTreeSet<(String, String, String)> =
                got.lock().unwrap().iter().map(key).collect();
            let missing: Vec<_> = want
                .iter()
                .filter(|(r, s, t)| !seen.contains(&(r.to_string(), s.to_string(), t.to_string())))
                .collect();
            if missing.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "Alertmanager {version}: not notified: {missing:?}\n{}",
                describe(&got.lock().unwrap(), began)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // The muted notifications would have been sent with the others: give them three more
        // flushes of the group interval.
        std::thread::sleep(Duration::from_secs(3));
        let ds = got.lock().unwrap().clone();
        let leaked: Vec<&Delivery> = ds
            .iter()
            .filter(|d| {
                let (r, s, t) = key(d);
                muted.contains(&(r.as_str(), s.as_str(), t.as_str()))
            })
            .collect();
        assert!(
            leaked.is_empty(),
            "Alertmanager {version}: muted SLOs notified:\n{}",
            describe(&ds, began)
        );
        assert!(
            !ds.iter().any(|d| d.receiver == "unrouted"),
            "Alertmanager {version}: unrouted notifications:\n{}",
            describe(&ds, began)
        );
        eprintln!(
            "Alertmanager {version}: {} notifications, none of the {} muted ones:\n{}",
            ds.len(),
            muted.len(),
            describe(&ds, began)
        );
        drop(am);
    }
}

/// `sloforge routes` proves the generated configuration, and refuses it once the muted copy
/// of the pager route has lost its exclusion.
fn proof_checks(specs: &Path, config: &Path) {
    let cwd = specs.parent().unwrap();
    // `sloforge routes` proving `config`: (success, stdout and stderr).
    let routes = |config: &Path| {
        let o = common::sloforge(
            &[
                "routes",
                specs.to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
            ],
            cwd,
        );
        let text =
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        (o.status.success(), text)
    };
    let (ok, text) = routes(config);
    assert!(ok, "{text}");
    assert!(
        text.contains("pager (muted during exclusion-shop-moved-maintenance)"),
        "the routes table shows the mute:\n{text}"
    );

    let original = fs::read_to_string(config).unwrap();
    // Every route of `moved` mutes another SLO's exclusion instead of its own.
    let broken = original.replace(
        "- sloforge-exclusion-shop-moved-maintenance\n",
        "- sloforge-exclusion-shop-later-maintenance\n",
    );
    assert_ne!(broken, original, "no mute list to break:\n{original}");
    let bad = cwd.join("broken.yml");
    fs::write(&bad, &broken).unwrap();
    let (ok, text) = routes(&bad);
    assert!(!ok, "{text}");
    assert!(
        text.contains("shop/moved")
            && text.contains("without muting sloforge-exclusion-shop-moved-maintenance"),
        "{text}"
    );
}

/// The Kubernetes output (`AlertmanagerConfig` has no time zone) takes the one-off exclusion
/// and a recurring one in UTC, and refuses a recurring one in another zone by name.
#[test]
fn kubernetes_output_takes_utc_exclusions_and_refuses_zoned_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("specs");
    fs::create_dir_all(&specs).unwrap();
    let case =
        fs::read_to_string(common::root().join("tests/cases/exclusion_mute_alerts.yaml")).unwrap();
    let file = specs.join("shop.yaml");
    fs::write(&file, &case).unwrap();
    let generate = || {
        common::sloforge(
            &["generate", "--format", "kubernetes", "specs", "-o", "k8s"],
            tmp.path(),
        )
    };
    let o = generate();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("exclusion-shop-availability-backup") && err.contains("Europe/Berlin"),
        "{err}"
    );
    assert!(!tmp.path().join("k8s").exists(), "nothing is written");

    fs::write(
        &file,
        case.replace("timezone: Europe/Berlin", "timezone: UTC"),
    )
    .unwrap();
    let o = generate();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = fs::read_to_string(
        tmp.path()
            .join("k8s/kubernetes/web.alertmanagerconfig.yaml"),
    )
    .unwrap();
    let r: Json = serde_saphyr::from_str(&text).unwrap();
    let names: Vec<&str> = r["spec"]["muteTimeIntervals"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    for want in [
        "sloforge-exclusion-shop-availability-backup",
        "sloforge-exclusion-shop-datacenter-move",
        "sloforge-release-freeze",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    // The one-off window from 2027-01-30T22:00:30Z to 2027-02-01T01:30Z, by day in UTC.
    let moved = r["spec"]["muteTimeIntervals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "sloforge-exclusion-shop-datacenter-move")
        .unwrap();
    assert_eq!(
        moved["timeIntervals"],
        json!([
            {"times": [{"startTime": "22:00", "endTime": "24:00"}], "daysOfMonth": [{"start": 30, "end": 30}], "months": ["january"], "years": ["2027"]},
            {"daysOfMonth": [{"start": 31, "end": 31}], "months": ["january"], "years": ["2027"]},
            {"times": [{"startTime": "00:00", "endTime": "01:30"}], "daysOfMonth": [{"start": 1, "end": 1}], "months": ["february"], "years": ["2027"]},
        ])
    );
    // Below every route shop/availability's alerts reach, one of its own, muted by both of
    // its exclusions.
    fn walk<'a>(r: &'a Json, out: &mut Vec<&'a Json>) {
        out.push(r);
        for c in r["routes"].as_array().into_iter().flatten() {
            walk(c, out);
        }
    }
    let mut all = Vec::new();
    walk(&r["spec"]["route"], &mut all);
    let own: Vec<&&Json> = all
        .iter()
        .filter(|x| {
            let m = x["matchers"].as_array().cloned().unwrap_or_default();
            m.iter()
                .any(|m| m["name"] == "slo" && m["value"] == "availability")
                && m.iter()
                    .any(|m| m["name"] == "service" && m["value"] == "shop")
        })
        .collect();
    // The pager and chat page routes, the chat ticket route and the leadership stage route.
    assert_eq!(own.len(), 4, "{text}");
    for route in own {
        let mute: Vec<&str> = route["muteTimeIntervals"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Json::as_str)
            .collect();
        assert!(
            mute.contains(&"sloforge-exclusion-shop-datacenter-move")
                && mute.contains(&"sloforge-exclusion-shop-availability-backup"),
            "{route}"
        );
    }
}
