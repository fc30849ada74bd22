//! Every metric, label, group and file name sloforge writes. Nothing else in the crate spells
//! one of these out, so a rename happens here and nowhere else.

/// Recorded per-second event rates read from the raw series (the only raw read), with
/// `event="errors"` and `event="total"`.
pub const EVENTS_RECORD_PREFIX: &str = "slo:sli_events:rate";
/// Local time in a zone (`timezone`) as Unix-like seconds, for the date functions of a
/// calendar SLO's or an exclusion's rules: that of the base window the next evaluation records.
pub const LOCAL_TIME: &str = "slo:local_time:seconds";
/// Traffic-weighted error ratio, one series per `window`.
pub const ERROR_RATIO: &str = "slo:sli_error:ratio";
/// Error ratio divided by the error budget, one series per `window`.
pub const BURN_RATE: &str = "slo:burn_rate:ratio";
/// The objective as a ratio (0.999).
pub const OBJECTIVE: &str = "slo:objective:ratio";
/// The error budget as a ratio (0.001).
pub const ERROR_BUDGET: &str = "slo:error_budget:ratio";
/// Fraction of the error budget left over the full SLO window (1 = untouched, < 0 = overspent).
pub const BUDGET_REMAINING: &str = "slo:error_budget_remaining:ratio";

/// The name of the recording rule holding the raw event rates for a base window.
pub fn events_record(base_window: &str) -> String {
    format!("{EVENTS_RECORD_PREFIX}{base_window}")
}

/// The name of the coarse rates: the mean of the recorded base-window rates over `step`
/// (`slo:sli_events:rate1h`), read by windows longer than the fine limit. Never the base
/// record's name, even where the base window is as long as the coarse step.
pub fn coarse_record(step: &str, base_window: &str) -> String {
    if step == base_window {
        format!("{EVENTS_RECORD_PREFIX}{step}_coarse")
    } else {
        format!("{EVENTS_RECORD_PREFIX}{step}")
    }
}

/// The share of each coarse step in which the SLO's rules recorded their event rates
/// (`slo:sli_coverage:ratio1h`: 1 once they ran through the whole step), written by the coarse
/// group beside the coarse rates: how much of the SLO window the budget has seen.
pub fn coverage_record(step: &str) -> String {
    format!("slo:sli_coverage:ratio{step}")
}

pub mod label {
    pub const SERVICE: &str = "service";
    pub const SLO: &str = "slo";
    pub const TEAM: &str = "team";
    /// The Kubernetes namespace of an alert, which the Prometheus Operator's Alertmanager
    /// matches the routes of an `AlertmanagerConfig` on.
    pub const NAMESPACE: &str = "namespace";
    pub const SERVICE_TIER: &str = "service_tier";
    pub const SEVERITY: &str = "severity";
    /// Name of the alert tier (`page-fast`, …): stable whatever the SLO window.
    pub const TIER: &str = "alert_tier";
    /// The window of a recorded ratio; on a burn alert, its long window.
    pub const WINDOW: &str = "window";
    pub const SHORT_WINDOW: &str = "short_window";
    /// `errors` or `total` on the recorded event rates.
    pub const EVENT: &str = "event";
    /// The calendar period of a calendar SLO's recorded event rates (`202612` for December
    /// 2026, `20264` for its quarter, the number of Monday weeks since 1970 for a week).
    pub const PERIOD: &str = "period";
    /// The zone of `slo:local_time:seconds`.
    pub const TIMEZONE: &str = "timezone";
    /// Budget-policy stage on budget alerts (`25`, `10`, `exhausted`).
    pub const BUDGET_STAGE: &str = "budget_stage";
    /// What a no-data alert finds missing ([`NO_DATA_EVENTS`], [`NO_DATA_BUCKET`]).
    pub const NO_DATA: &str = "no_data";
    /// `no_data` value: the SLI's events (its total, `_count` or probe series) are absent.
    pub const NO_DATA_EVENTS: &str = "events";
    /// `no_data` value: the latency threshold's bucket is absent while `_count` is present.
    pub const NO_DATA_BUCKET: &str = "threshold_bucket";
    /// On the too-many-groups alert of a grouped SLO: [`GUARD_MAX_GROUPS`].
    pub const GUARD: &str = "guard";
    pub const GUARD_MAX_GROUPS: &str = "max_groups";
    pub const EVENT_ERRORS: &str = "errors";
    pub const EVENT_TOTAL: &str = "total";

    /// Labels sloforge sets itself: a spec may not set them.
    pub const RESERVED: &[&str] = &[
        SERVICE,
        SLO,
        TEAM,
        SERVICE_TIER,
        SEVERITY,
        TIER,
        WINDOW,
        SHORT_WINDOW,
        EVENT,
        BUDGET_STAGE,
        NO_DATA,
        "alertname",
        "le",
    ];
}

/// The value of a group label on the example alerts of a grouped SLO (routing proof, amtool
/// route tests): routes do not depend on it unless the routing spec matches group labels.
pub const GROUP_EXAMPLE: &str = "example";

/// Rule group of one SLO.
pub fn group(service: &str, slo: &str) -> String {
    format!("{}{slo}", group_prefix(service))
}

/// What every rule group name of a service starts with.
fn group_prefix(service: &str) -> String {
    format!("sloforge-{service}-")
}

/// Rule group holding the rules of several groups of one service (`--slos-per-group`): the
/// first group's name, `..`, and the last one's after the prefix they share
/// (`sloforge-checkout-availability..latency`). No service or SLO name holds a `.`, so a packed
/// name never equals the name of a group of one SLO.
pub fn packed_group(service: &str, first: &str, last: &str) -> String {
    let prefix = group_prefix(service);
    format!(
        "{first}..{}",
        last.strip_prefix(prefix.as_str()).unwrap_or(last)
    )
}

/// The namespace of a service's rule groups in a Mimir or Cortex ruler (`namespace:` of its
/// rule file, as `mimirtool rules load` reads it).
pub fn ruler_namespace(service: &str) -> String {
    service.to_string()
}

/// The slower rule group of one SLO that records its coarse rates (`sloforge-cart-availability-1h`).
pub fn coarse_group(service: &str, slo: &str, step: &str) -> String {
    format!("sloforge-{service}-{slo}-{step}")
}

/// Rule file of one service, relative to the output directory.
pub fn rule_file(service: &str) -> String {
    format!("rules/{service}.rules.yaml")
}

/// promtool unit-test file of one service, relative to the output directory (next to the
/// rules, run by `sloforge test`).
pub fn test_file(service: &str) -> String {
    format!("{TESTS_DIR}/{service}{TEST_FILE_SUFFIX}")
}

/// Runbook of one SLO, relative to the output directory; also its path under a runbook base
/// URL (`<base_url>/<service>/<slo>.md`).
pub fn runbook_file(service: &str, slo: &str) -> String {
    format!("{RUNBOOKS_DIR}/{}", runbook_path(service, slo))
}

/// The runbook of one SLO below the runbooks directory (and below a runbook base URL).
pub fn runbook_path(service: &str, slo: &str) -> String {
    format!("{service}/{slo}.md")
}

/// Directory of the generated runbooks, relative to the output directory.
pub const RUNBOOKS_DIR: &str = "runbooks";

/// The annotation that links an alert to its runbook.
pub const RUNBOOK_ANNOTATION: &str = "runbook_url";
/// The annotation that links an alert to its dashboard.
pub const DASHBOARD_ANNOTATION: &str = "dashboard_url";

/// Directory of the generated promtool unit tests, relative to the output directory.
pub const TESTS_DIR: &str = "tests";
pub const TEST_FILE_SUFFIX: &str = ".test.yaml";

/// Joins the names of the scenarios that share one promtool test group; each name starts with
/// its SLO's name and `: `.
pub const TEST_GROUP_JOINER: &str = " | ";

/// The rule file of a service as a test file names it: relative to the test file, which is
/// how promtool resolves `rule_files`, so the test runs from any working directory.
pub fn rule_file_from_test(service: &str) -> String {
    format!("../{}", rule_file(service))
}

/// The series Prometheus writes for every pending or firing alert (`alertstate` label).
pub const ALERTS: &str = "ALERTS";
/// Labels Prometheus adds to alerts.
pub mod alert_label {
    pub const ALERTNAME: &str = "alertname";
    pub const ALERTSTATE: &str = "alertstate";
    pub const FIRING: &str = "firing";
}

/// Name of the rule resource (`PrometheusRule` or `VMRule`) of one service.
pub fn rule_resource(service: &str) -> String {
    format!("sloforge-{service}")
}

/// The file of the rule resource of one service, by its kind (`PrometheusRule`, `VMRule`),
/// relative to the output directory.
pub fn rule_resource_file(service: &str, kind: &str) -> String {
    format!("kubernetes/{service}.{}.yaml", kind.to_ascii_lowercase())
}

/// File written into every output tree sloforge owns; `generate` refuses to replace a
/// non-empty directory without it.
pub const MARKER_FILE: &str = ".sloforge";
pub const MARKER_TEXT: &str =
    "# This directory is generated by sloforge from SLO specs. Do not edit by hand.\n";

/// Alertmanager configuration, relative to the output directory.
pub const ALERTMANAGER_CONFIG: &str = "alertmanager.yml";
/// Notification templates, relative to the output directory. `alertmanager.yml` names it by
/// this same relative path, which Alertmanager resolves against the config file's directory.
pub const ALERTMANAGER_TEMPLATE: &str = "alertmanager/sloforge.tmpl";
/// Prefix of every receiver and time interval name sloforge writes into an Alertmanager
/// configuration; splice mode owns (replaces) everything with this prefix.
pub const ALERTMANAGER_PREFIX: &str = "sloforge-";

/// The Alertmanager name of a receiver or time interval of the routing spec.
pub fn alertmanager_name(spec_name: &str) -> String {
    format!("{ALERTMANAGER_PREFIX}{spec_name}")
}

/// The time interval (a spec name, for [`alertmanager_name`]) of an exclusion that mutes its
/// SLO's alerts: `exclusion-<service>-<name>` when the service declares it for every SLO,
/// `exclusion-<service>-<slo>-<name>` when one SLO does.
pub fn exclusion_interval(service: &str, slo: Option<&str>, exclusion: &str) -> String {
    match slo {
        None => format!("exclusion-{service}-{exclusion}"),
        Some(slo) => format!("exclusion-{service}-{slo}-{exclusion}"),
    }
}

/// Names of the notification templates defined in the template file.
pub mod template {
    pub const TITLE: &str = "sloforge.title";
    pub const TEXT: &str = "sloforge.text";
    pub const HTML: &str = "sloforge.html";
}

/// `AlertmanagerConfig` resource of one team, and its file in the output tree.
pub fn alertmanager_config_resource(team: &str) -> String {
    format!("sloforge-{team}")
}

pub fn alertmanager_config_file(team: &str) -> String {
    format!("kubernetes/{team}.alertmanagerconfig.yaml")
}

/// Grafana's longest dashboard uid.
const DASHBOARD_UID_MAX: usize = 40;

/// The uid of a service's Grafana dashboard: `sloforge-<service>`, or for a long service name
/// its first characters and a hash of the whole name, within Grafana's 40 characters. Never
/// [`OVERVIEW_UID`] (a service name is not empty).
pub fn dashboard_uid(service: &str) -> String {
    let uid = format!("sloforge-{service}");
    if uid.len() <= DASHBOARD_UID_MAX {
        return uid;
    }
    let hash = format!("-{:08x}", fnv1a(service.as_bytes()));
    let keep = DASHBOARD_UID_MAX - hash.len();
    // Names are ASCII: any byte index is a character boundary.
    format!("{}{hash}", uid.get(..keep).unwrap_or(&uid))
}

/// The title of a service's dashboard.
pub fn dashboard_title(service: &str) -> String {
    format!("{service} SLOs")
}

/// The path of a service's dashboard in Grafana, `/d/<uid>/<slug>` (the slug is the one Grafana
/// makes of the title; Grafana finds the dashboard by its uid alone).
pub fn dashboard_path(service: &str) -> String {
    format!(
        "/d/{}/{}",
        dashboard_uid(service),
        slug(&dashboard_title(service))
    )
}

/// The uid of the fleet's overview dashboard: no service's dashboard has it.
pub const OVERVIEW_UID: &str = "sloforge";
pub const OVERVIEW_TITLE: &str = "SLO overview";
/// The tag on every dashboard sloforge writes (their links to each other list it).
pub const DASHBOARD_TAG: &str = "sloforge";

/// The Grafana dashboard of a service, or with [`OVERVIEW`] the fleet's overview, relative to
/// the output directory.
pub fn dashboard_file(name: &str) -> String {
    format!("{DASHBOARDS_DIR}/{}", dashboard_key(name))
}

/// The file name of a dashboard, and its key in the dashboard's `ConfigMap`.
pub fn dashboard_key(name: &str) -> String {
    format!("{name}.json")
}

pub const DASHBOARDS_DIR: &str = "dashboards";
/// The name of the fleet's overview dashboard's file, where a service's dashboard has the
/// service's name: no service may have it ([`RESERVED_SERVICE_NAMES`]).
pub const OVERVIEW: &str = "overview";

/// Names no service may have: they name the fleet's own files.
pub const RESERVED_SERVICE_NAMES: &[&str] = &[OVERVIEW];

/// The label Grafana's dashboard sidecar (kube-prometheus-stack) finds dashboard `ConfigMap`s
/// by, and its value.
pub const GRAFANA_DASHBOARD_LABEL: (&str, &str) = ("grafana_dashboard", "1");

/// Name of the `ConfigMap` of a service's dashboard: a DNS label, so `_` of the service name
/// becomes `-`, and a hash of the name keeps two names apart that differ only there.
pub fn dashboard_configmap(service: &str) -> String {
    let dns = service.replace('_', "-");
    if dns == service {
        format!("sloforge-dashboard-{service}")
    } else {
        format!("sloforge-dashboard-{dns}-{:08x}", fnv1a(service.as_bytes()))
    }
}

/// Name of the `ConfigMap` of the overview dashboard (a service's is never this: it is
/// longer).
pub const OVERVIEW_CONFIGMAP: &str = "sloforge-dashboard";

/// The file of a dashboard `ConfigMap` (`name` is the dashboard's file stem), relative to the
/// output directory.
pub fn dashboard_configmap_file(name: &str) -> String {
    format!("kubernetes/{name}.dashboard.yaml")
}

/// Grafana's slug of a title: lower case, every run of other characters than letters and
/// digits one `-`, none at either end.
pub fn slug(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// 32-bit FNV-1a: a hash that is the same on every platform and release.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod dashboard_name_tests {
    use super::*;

    #[test]
    fn uids_fit_grafana_and_stay_apart() {
        assert_eq!(dashboard_uid("checkout"), "sloforge-checkout");
        let long = "a".repeat(63);
        let other = format!("{}b", "a".repeat(62));
        assert_eq!(dashboard_uid(&long).len(), 40);
        assert_ne!(dashboard_uid(&long), dashboard_uid(&other));
        assert_ne!(dashboard_uid("x"), OVERVIEW_UID);
        assert_eq!(
            dashboard_path("checkout"),
            "/d/sloforge-checkout/checkout-slos"
        );
        assert_eq!(slug("My  SLOs: a_b!"), "my-slos-a-b");
    }

    #[test]
    fn configmap_names_are_dns_labels() {
        assert_eq!(dashboard_configmap("cart"), "sloforge-dashboard-cart");
        let a = dashboard_configmap("a_b");
        assert!(a.starts_with("sloforge-dashboard-a-b-") && !a.contains('_'));
        assert_ne!(a, dashboard_configmap("a-b"));
        assert!(dashboard_configmap(&"a".repeat(63)).len() <= 253);
    }
}
