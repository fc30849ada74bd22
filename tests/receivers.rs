//! Receivers against the real tools: Microsoft Teams and HTTP clients (`http_config`) through
//! `amtool check-config` of every shipped Alertmanager release (a release that cannot load a
//! setting is skipped, with the reason, after proving that it indeed refuses it), receivers of
//! the user's own configuration (`existing: true`) spliced into it and routed by `amtool config
//! routes test`, and the located diagnostics of each (file, line, column, field).

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;
use sloforge::verify::alerts::alert_instances;
use sloforge::verify::amcheck::AmVersion;
use sloforge::verify::proof::expected_receivers;

use common::routing::{fixture, fleet, fleet_in, fleet_of, out, routes_test, site, yaml};
use common::{root, sloforge};

/// Whether `amtool check-config` accepts `config`, and what it said.
fn amtool_accepts(amtool: &Path, config: &Path) -> (bool, String) {
    let o = Command::new(amtool)
        .arg("check-config")
        .arg(config)
        .output()
        .unwrap();
    let text = out(&o);
    (o.status.success() && text.contains("SUCCESS"), text)
}

/// `amtool check-config` of every release on `config`: accepted by each release that loads what
/// the routing needs; a release that cannot is skipped with the reason, once amtool has shown
/// that it refuses the configuration for exactly those fields. Returns (accepted, skipped).
fn check_every_release(config: &Path, fleet: &sloforge::model::Fleet) -> (usize, usize) {
    let routing = fleet.routing.as_ref().unwrap();
    let (mut accepted, mut skipped) = (0, 0);
    for (_, amtool) in common::tool_matrix("amtool") {
        let release = common::amtool_release(&amtool);
        let (ok, text) = amtool_accepts(&amtool, config);
        let needs: Vec<_> = routing
            .requirements()
            .filter(|r| r.version > release)
            .collect();
        if needs.is_empty() {
            assert!(
                ok,
                "amtool {release} check-config {}:\n{text}",
                config.display()
            );
            accepted += 1;
            continue;
        }
        assert!(
            !ok,
            "amtool {release} loads {}, yet the routing says it needs a later release",
            config.display()
        );
        for r in &needs {
            let field = r.what.split('`').nth(1).unwrap();
            let field = field.rsplit('.').next().unwrap();
            assert!(
                text.contains(&format!("field {field} not found")),
                "amtool {release} refuses {} but not for {field}:\n{text}",
                config.display()
            );
        }
        let why: Vec<String> = needs
            .iter()
            .map(|r| format!("{} ({}) needs Alertmanager {}", r.what, r.path, r.version))
            .collect();
        eprintln!(
            "skipping amtool {release} on {}: {}",
            config.display(),
            why.join("; ")
        );
        skipped += 1;
    }
    (accepted, skipped)
}

#[test]
fn teams_and_http_clients_load_in_every_release_that_takes_them() {
    if common::tool_matrix("amtool").is_empty() {
        return;
    }
    let mut total = (0, 0);
    for name in ["routing-teams.yaml", "routing-http.yaml"] {
        let dir = fleet_of(name);
        let o = sloforge(&["generate", "-o", "out"], dir.path());
        assert_eq!(o.status.code(), Some(0), "{name}: {}", out(&o));
        assert!(!out(&o).contains("warning["), "{name}: {}", out(&o));
        let routing = fleet_in(dir.path());
        let (a, s) = check_every_release(&dir.path().join("out/alertmanager.yml"), &routing);
        total = (total.0 + a, total.1 + s);

        // Spliced into a configuration of the user's, for the newest release.
        let target = dir.path().join("alertmanager.yml");
        fs::copy(
            root().join("tests/alertmanager/user-alertmanager.yml"),
            &target,
        )
        .unwrap();
        let o = sloforge(&["splice", "--config", "alertmanager.yml"], dir.path());
        assert_eq!(o.status.code(), Some(0), "{name}: {}", out(&o));
        let (a, s) = check_every_release(&target, &routing);
        total = (total.0 + a, total.1 + s);
    }
    eprintln!(
        "Teams and http_config: amtool check-config accepted {} configurations, skipped {} (a release that cannot load them)",
        total.0, total.1
    );
    assert!(total.0 >= 6);
}

#[test]
fn the_generated_teams_and_http_settings_are_alertmanagers() {
    let dir = fleet_of("routing-teams.yaml");
    assert_eq!(
        sloforge(&["generate", "-o", "out"], dir.path())
            .status
            .code(),
        Some(0)
    );
    let cfg = yaml(&fs::read_to_string(dir.path().join("out/alertmanager.yml")).unwrap());
    let receiver = |name: &str| {
        cfg["receivers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no receiver {name}"))
            .clone()
    };
    let v2 = &receiver("sloforge-teams-payments")["msteamsv2_configs"][0];
    assert_eq!(
        v2["webhook_url_file"],
        "/etc/alertmanager/secrets/teams-payments/workflow-url"
    );
    assert_eq!(v2["send_resolved"], true);
    assert_eq!(v2["title"], "{{ template \"sloforge.title\" . }}");
    let v1 = &receiver("sloforge-teams-storefront")["msteams_configs"][0];
    assert_eq!(v1["send_resolved"], false);
    assert_eq!(
        v1["http_config"]["proxy_url"],
        "https://proxy.example.com:3129"
    );
    let pager = &receiver("sloforge-pager-payments")["webhook_configs"][0]["http_config"];
    assert_eq!(
        pager["basic_auth"]["username_file"],
        "/etc/alertmanager/secrets/pager-payments/username"
    );
    assert_eq!(pager["tls_config"]["min_version"], "TLS12");
    assert_eq!(pager["follow_redirects"], false);
    assert_eq!(pager["enable_http2"], false);
    let audit = &receiver("sloforge-audit-log")["webhook_configs"][0]["http_config"]["oauth2"];
    assert_eq!(
        audit["scopes"],
        serde_json::json!(["alerts.write", "audit"])
    );
    assert_eq!(audit["endpoint_params"]["audience"], "audit-log");
    // The webhook's own `credentials_file` is the Authorization header, as it always was.
    let ml = &receiver("sloforge-ml-platform-hook")["webhook_configs"][0]["http_config"];
    assert_eq!(
        ml["authorization"],
        serde_json::json!({"type": "Bearer", "credentials_file": "/etc/alertmanager/secrets/ml-platform/token"})
    );
    assert_eq!(ml["follow_redirects"], true);
}

/// Routes every alert of the fleet through `amtool config routes test --verify.receivers` on
/// `config`; returns how many matched.
fn amtool_routes_every_alert(
    amtool: &Path,
    config: &Path,
    fleet: &sloforge::model::Fleet,
) -> usize {
    let routing = fleet.routing.as_ref().unwrap();
    let alerts = alert_instances(fleet);
    let mut matched = 0;
    for chunk in alerts.chunks(8) {
        let children: Vec<_> = chunk
            .iter()
            .map(|a| {
                let expected = expected_receivers(routing, a).join(",");
                let o = routes_test(amtool, config, a, &expected).output().unwrap();
                (o, a, expected)
            })
            .collect();
        for (o, a, expected) in children {
            assert!(
                o.status.success(),
                "{}: {:?} does not reach {expected}: {}",
                config.display(),
                a.labels,
                out(&o)
            );
            matched += 1;
        }
    }
    matched
}

#[test]
fn existing_receivers_are_routed_to_by_splice_and_declared_by_generate() {
    let dir = fleet_of("routing-existing.yaml");
    let d = dir.path();
    // `generate`: each receiver of the user's declared by its name only, so the file loads.
    let o = sloforge(&["generate", "-o", "out"], d);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = fs::read_to_string(d.join("out/alertmanager.yml")).unwrap();
    assert!(
        text.contains("# Receivers `Payments Chat`, `ops-pager` are defined in the configuration `sloforge splice` writes into"),
        "{text}"
    );
    let cfg = yaml(&text);
    let names: Vec<&Json> = cfg["receivers"].as_array().unwrap().iter().collect();
    for n in ["ops-pager", "Payments Chat"] {
        assert!(
            names.contains(&&serde_json::json!({ "name": n })),
            "{n} is not declared by name only"
        );
        assert!(!text.contains(&format!("sloforge-{n}")), "{text}");
    }
    let routing = fleet_in(d);
    check_every_release(&d.join("out/alertmanager.yml"), &routing);

    // `splice`: routes to the user's receivers, writes no copy of them.
    let user = fs::read_to_string(fixture("user-alertmanager.yml")).unwrap();
    fs::write(d.join("alertmanager.yml"), &user).unwrap();
    let o = sloforge(&["splice", "--config", "alertmanager.yml"], d);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let spliced = fs::read_to_string(d.join("alertmanager.yml")).unwrap();
    let cfg = yaml(&spliced);
    let receivers = cfg["receivers"].as_array().unwrap();
    for n in ["ops-pager", "Payments Chat"] {
        let same: Vec<_> = receivers.iter().filter(|r| r["name"] == n).collect();
        assert_eq!(same.len(), 1, "{n} in the spliced file:\n{spliced}");
        assert!(
            same[0].as_object().unwrap().len() > 1,
            "{n} lost its integration"
        );
        assert!(!spliced.contains(&format!("sloforge-{n}")));
    }
    let sub = &cfg["route"]["routes"][0];
    let leaves = serde_json::to_string(sub).unwrap();
    assert!(
        leaves.contains("\"receiver\":\"ops-pager\"")
            && leaves.contains("\"receiver\":\"Payments Chat\"")
    );
    check_every_release(&d.join("alertmanager.yml"), &routing);
    if let Some(amtool) = common::tool("amtool") {
        let b = sloforge::build(&[d.join("slo-specs")], false);
        let fleet = b.fleet.as_ref().unwrap();
        let n = amtool_routes_every_alert(&amtool, &d.join("alertmanager.yml"), fleet);
        eprintln!(
            "existing receivers, spliced: {n} alerts matched amtool config routes test --verify.receivers"
        );
        assert_eq!(n, alert_instances(fleet).len());
    }
    let o = sloforge(&["routes", "--config", "alertmanager.yml"], d);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("ops-pager, Payments Chat"), "{}", out(&o));
    let o = sloforge(&["splice", "--config", "alertmanager.yml"], d);
    assert!(out(&o).contains("unchanged"), "{}", out(&o));
}

#[test]
fn an_existing_receiver_is_located_where_it_cannot_be_routed_to() {
    let dir = fleet_of("routing-existing.yaml");
    let d = dir.path();
    let user = fs::read_to_string(fixture("user-alertmanager.yml")).unwrap();
    // A configuration without one of them: located at the spec's receiver, nothing written.
    let lacking = user.replace("  - name: Payments Chat", "  - name: Payments-Chat");
    fs::write(d.join("other.yml"), &lacking).unwrap();
    let o = sloforge(&["splice", "--config", "other.yml"], d);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let spec = fs::read_to_string(d.join("slo-specs/routing.yaml")).unwrap();
    let at = site(
        "slo-specs/routing.yaml",
        &spec,
        "Payments Chat: {existing",
        None,
    );
    assert!(
        out(&o).contains(&format!(
            "error[E113]: receivers.Payments Chat: receiver `Payments Chat` is `existing`, but other.yml has no receiver of that name\n  --> {at}"
        )) && out(&o).contains("its receivers are `default`, `ops-pager`, `Payments-Chat`"),
        "{}",
        out(&o)
    );
    assert_eq!(fs::read_to_string(d.join("other.yml")).unwrap(), lacking);

    // An AlertmanagerConfig cannot name them: located at each, nothing written.
    let o = sloforge(&["generate", "--format", "kubernetes", "-o", "k8s"], d);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    for (needle, name) in [
        ("ops-pager: {existing", "ops-pager"),
        ("Payments Chat: {existing", "Payments Chat"),
    ] {
        let at = site("slo-specs/routing.yaml", &spec, needle, Some("true"));
        assert!(
            out(&o).contains(&format!(
                "error[E125]: receivers.{name}.existing: receiver `{name}` exists only in your Alertmanager configuration"
            )) && out(&o).contains(&at),
            "{at}: {}",
            out(&o)
        );
    }
    assert!(!d.join("k8s").exists());
}

#[test]
fn a_setting_alertmanager_0_25_cannot_load_is_a_warning_without_a_release() {
    let teams = fs::read_to_string(fixture("routing-teams.yaml")).unwrap();
    let f = "slo-specs/routing.yaml";
    let sites = [
        (
            "receivers.pager-payments.webhook.http_config.basic_auth.username_file",
            ("username_file: /etc", "/etc"),
            "`basic_auth.username_file`",
        ),
        (
            "receivers.teams-payments.msteamsv2",
            ("teams-payments/workflow-url", "webhook_url_file"),
            "`msteamsv2_configs`",
        ),
        (
            "receivers.teams-storefront.msteams",
            ("teams-storefront/webhook-url", "webhook_url_file"),
            "`msteams_configs` with `webhook_url_file`",
        ),
    ];
    // Without `alertmanager_version`: a warning at each setting 0.25 cannot load (an error
    // under --strict).
    let unsaid = teams.replace("alertmanager_version: \"0.28\"\n", "");
    let dir = fleet(&unsaid);
    let o = sloforge(&["generate", "-o", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    for (path, (needle, col), what) in sites {
        let at = site(f, &unsaid, needle, Some(col));
        assert!(
            out(&o).contains(&format!("warning[W208]: {path}: {what}"))
                && out(&o).contains(&format!("--> {at}")),
            "{path} at {at}: {}",
            out(&o)
        );
    }
    assert!(out(&o).contains("`alertmanager_version: \"0.28\"` (or later)"));
    assert_eq!(
        sloforge(&["generate", "--strict", "-o", "out2"], dir.path())
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn a_release_that_cannot_load_a_setting_is_a_located_error() {
    let teams = fs::read_to_string(fixture("routing-teams.yaml")).unwrap();
    let f = "slo-specs/routing.yaml";
    let sites = [
        "receivers.pager-payments.webhook.http_config.basic_auth.username_file",
        "receivers.teams-payments.msteamsv2",
        "receivers.teams-storefront.msteams",
    ];
    // A release that cannot load them: an error at each.
    let old = teams.replace(
        "alertmanager_version: \"0.28\"",
        "alertmanager_version: \"0.27.0\"",
    );
    let dir = fleet(&old);
    let o = sloforge(&["validate"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    for path in sites {
        assert!(
            out(&o).contains(&format!("error[E124]: {path}: "))
                && out(&o).contains(
                    "needs Alertmanager 0.28 or later, and `alertmanager_version` is 0.27.0"
                ),
            "{}",
            out(&o)
        );
    }
    // Splice for an older release than the routing needs: nothing written.
    let dir = fleet(&teams);
    let target = dir.path().join("alertmanager.yml");
    fs::copy(
        root().join("tests/alertmanager/user-alertmanager.yml"),
        &target,
    )
    .unwrap();
    let before = fs::read_to_string(&target).unwrap();
    let o = sloforge(
        &[
            "splice",
            "--config",
            "alertmanager.yml",
            "--alertmanager-version",
            "0.25",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let at = site(
        f,
        &teams,
        "teams-payments/workflow-url",
        Some("webhook_url_file"),
    );
    assert!(
        out(&o).contains("error[E124]: receivers.teams-payments.msteamsv2: `msteamsv2_configs` needs Alertmanager 0.28 or later, and splice is for 0.25 (--alertmanager-version)")
            && out(&o).contains(&format!("--> {at}")),
        "{}",
        out(&o)
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), before);
    let o = sloforge(
        &[
            "splice",
            "--config",
            "alertmanager.yml",
            "--alertmanager-version",
            "0.28",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn what_an_alertmanagerconfig_cannot_express_is_located() {
    let http = fs::read_to_string(fixture("routing-http.yaml")).unwrap();
    let dir = fleet(&http);
    let o = sloforge(
        &["generate", "--format", "kubernetes", "-o", "k8s"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let f = "slo-specs/routing.yaml";
    for (path, at) in [
        (
            "receivers.storefront-hook.webhook.http_config.basic_auth.username",
            site(f, &http, "username: alertmanager", Some("alertmanager")),
        ),
        (
            "receivers.discovery-hook.webhook.http_config.oauth2",
            site(f, &http, "client_id: alertmanager", Some("client_id")),
        ),
        (
            "receivers.discovery-hook.webhook.http_config.enable_http2",
            site(f, &http, "enable_http2: false", Some("false")),
        ),
    ] {
        assert!(
            out(&o).contains(&format!("error[E125]: {path}: "))
                && out(&o).contains(&format!("--> {at}")),
            "{path} at {at}: {}",
            out(&o)
        );
    }
    assert!(!dir.path().join("k8s").exists());
}

/// The release an `alertmanager_version` names: a known one as it is, one in between as the
/// one before it.
#[test]
fn alertmanager_version_reads_as_the_release_whose_format_it_loads() {
    let teams = fs::read_to_string(fixture("routing-teams.yaml")).unwrap();
    for (v, ok) in [
        ("0.28", true),
        ("0.30.1", true),
        ("v0.33.1", true),
        ("0.27", false),
        ("0.24", false),
        ("1.0", false),
    ] {
        let dir = fleet(&teams.replace("\"0.28\"", &format!("\"{v}\"")));
        let b = sloforge::build(&[dir.path().join("slo-specs")], false);
        assert_eq!(!b.diagnostics.has_errors(), ok, "{v}: {}", b.diagnostics);
        if ok {
            let r = b.fleet.unwrap().routing.unwrap();
            assert!(r.alertmanager_version.unwrap() >= AmVersion::V0_28, "{v}");
        }
    }
}
