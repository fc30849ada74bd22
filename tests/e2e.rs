//! End to end on loopback: Debian's `prometheus` loads the rules sloforge generates from the
//! test profile in tests/e2e/, scrapes a synthetic exporter run by this test every second, and
//! sends its alerts to Debian's `prometheus-alertmanager` running the generated
//! `alertmanager.yml`, whose receivers are webhooks served by this test. The scenarios (healthy
//! traffic, a total outage of one service, its recovery, an outage during a team's maintenance
//! window) assert what every receiver gets; a second test misspells the team label in the
//! generated rules and shows that the outage assertion then fails. The first runs on
//! Prometheus 3.5.3 with Alertmanager 0.33.1 and again on Prometheus 2.42.0 with Alertmanager
//! 0.25 (`make tools` installs both).
//!
//! Native histograms (Prometheus 3.5.3 only): the SLOs of tests/e2e-native/ read a native
//! histogram and a classic one converted to custom buckets, scraped in protobuf from an exporter
//! of the test; their recorded error ratios are the exporter's split, and an outage pages the
//! team through the generated Alertmanager configuration. The same Prometheus (and a 2.42.0 one)
//! scrapes classic buckets whose bounds are spelt in every way exporters write them: sloforge's
//! selector of each threshold picks exactly its bucket as the engine stores it.
//!
//! Every wait is bounded; every process is killed by its pid when its guard drops, on failure
//! too. Timings go to stderr (`make e2e` shows them).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::loopback::{
    Delivery, Proc, Server, deliveries_of, describe, get_json, instant_query, spawn_alertmanager,
    spawn_ready, stage_of,
};
use common::{rfc3339, since};
use serde_json::Value as Json;

/// Scrape interval of the test's Prometheus.
const SCRAPE: Duration = Duration::from_secs(1);
/// Longest wait for any one expected event (a notification, an alert state): the exhausted
/// budget pages once a record of the coarse group (every minute here) holds more than the
/// budget's 7.2 s of outage, which can take two of its evaluations, plus a loaded machine.
const WAIT: Duration = Duration::from_secs(150);
/// How long healthy traffic is watched for notifications and pending alerts.
const HEALTHY: Duration = Duration::from_secs(15);
/// Requests per second of every synthetic service.
const RATE: f64 = 50.0;
/// Receiver URLs in tests/e2e/routing.yaml point at this address (the discard port); the test
/// replaces it with its webhook listener's address before compiling the specs.
const PLACEHOLDER: &str = common::WEBHOOK_PLACEHOLDER;

const PAYMENTS_PAGE: [&str; 3] = ["audit-log", "pagerduty-payments", "slack-payments"];
/// Where the payments team's tickets and notifications (budget stages) go.
const PAYMENTS_NOTIFY: [&str; 2] = ["audit-log", "slack-payments"];
const RECEIVERS: [&str; 8] = [
    "unrouted",
    "audit-log",
    "pagerduty-payments",
    "slack-payments",
    "pagerduty-storefront",
    "slack-storefront",
    "pagerduty-inventory",
    "email-inventory",
];

// ---------------------------------------------------------------------------------------------
// The synthetic exporter: request counters and a latency histogram per service; the test sets
// each service's error and slow shares, the counters grow continuously at RATE requests/s.

#[derive(Clone, Copy, Debug)]
struct Health {
    /// Share of requests answered with a 503.
    error: f64,
    /// Share of requests slower than every latency bucket but +Inf (2 s).
    slow: f64,
}

/// Healthy traffic still fails a little: half of checkout's and stock's 0.1 % budget, a fifth
/// of catalog's 0.5 % and of checkout's 0.1 % latency budget. No tier fires on that.
fn healthy(job: &str) -> Health {
    match job {
        "catalog" => Health {
            error: 0.001,
            slow: 0.002,
        },
        _ => Health {
            error: 0.0005,
            slow: 0.0002,
        },
    }
}

const OUTAGE: Health = Health {
    error: 1.0,
    slow: 1.0,
};
/// Bucket bounds as Go's client library writes them: `1`, not `1.0`.
const BUCKETS: [&str; 5] = ["0.05", "0.1", "0.25", "0.5", "1"];

/// Cumulative request counts of one service. Each count grows on its own: a count derived by
/// subtraction (requests − errors) can step back by a rounding error, which Prometheus reads as
/// a counter reset.
struct Traffic {
    job: &'static str,
    health: Health,
    ok: f64,
    errors: f64,
    fast: f64,
    slow: f64,
}

struct Exporter {
    last: Instant,
    services: Vec<Traffic>,
}

impl Exporter {
    fn new() -> Exporter {
        let services = ["checkout", "catalog", "stock"]
            .into_iter()
            .map(|job| Traffic {
                job,
                health: healthy(job),
                ok: 0.0,
                errors: 0.0,
                fast: 0.0,
                slow: 0.0,
            })
            .collect();
        Exporter {
            last: Instant::now(),
            services,
        }
    }

    fn advance(&mut self) {
        let now = Instant::now();
        let n = RATE * now.duration_since(self.last).as_secs_f64();
        self.last = now;
        for t in &mut self.services {
            t.ok += n * (1.0 - t.health.error);
            t.errors += n * t.health.error;
            t.fast += n * (1.0 - t.health.slow);
            t.slow += n * t.health.slow;
        }
    }

    fn set(&mut self, job: &str, health: Health) {
        self.advance();
        self.services
            .iter_mut()
            .find(|t| t.job == job)
            .expect("a service of the exporter")
            .health = health;
    }

    fn exposition(&mut self) -> String {
        self.advance();
        let mut out = String::from("# TYPE http_requests_total counter\n");
        for t in &self.services {
            out += &format!(
                "http_requests_total{{job=\"{}\",code=\"200\"}} {}\n",
                t.job, t.ok
            );
            out += &format!(
                "http_requests_total{{job=\"{}\",code=\"503\"}} {}\n",
                t.job, t.errors
            );
        }
        out += "# TYPE http_request_duration_seconds histogram\n";
        for t in &self.services {
            for le in BUCKETS {
                out += &format!(
                    "http_request_duration_seconds_bucket{{job=\"{}\",le=\"{le}\"}} {}\n",
                    t.job, t.fast
                );
            }
            let count = t.fast + t.slow;
            out += &format!(
                "http_request_duration_seconds_bucket{{job=\"{}\",le=\"+Inf\"}} {count}\n",
                t.job
            );
            out += &format!(
                "http_request_duration_seconds_sum{{job=\"{}\"}} {}\n",
                t.job,
                t.fast * 0.03 + t.slow * 2.0
            );
            out += &format!(
                "http_request_duration_seconds_count{{job=\"{}\"}} {count}\n",
                t.job
            );
        }
        out
    }
}

/// The exporter's `/metrics`, served on loopback.
fn serve_metrics(exporter: Arc<Mutex<Exporter>>) -> Server {
    Server::start(Arc::new(move |method: &str, path: &str, _: &[u8]| {
        if method != "GET" || path != "/metrics" {
            return (404, "text/plain", String::new());
        }
        (
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            exporter.lock().unwrap().exposition(),
        )
    }))
}

// ---------------------------------------------------------------------------------------------
// The stack.

struct Tools {
    prometheus: PathBuf,
    alertmanager: PathBuf,
}

fn tools_of(version: &str) -> Option<Tools> {
    Some(Tools {
        prometheus: common::tool_of(version, "prometheus")?,
        alertmanager: common::tool_of(version, "prometheus-alertmanager")?,
    })
}

fn tools() -> Option<Tools> {
    tools_of(common::LTS)
}

/// A change to a generated rule file before Prometheus loads it.
struct Mutation {
    file: &'static str,
    from: &'static str,
    to: &'static str,
}

/// Timings of the generated configuration, read from the files Alertmanager and the rules use.
struct Profile {
    group_wait: Duration,
    longest_group_wait: Duration,
    group_interval: Duration,
    evaluation: Duration,
    /// checkout/availability page-fast, from `sloforge explain`.
    page_fast: sloforge::explain::TierExplanation,
}

impl Profile {
    /// Long enough for any notification that is still to come to arrive: a group's first
    /// notification (the longest group_wait) and two group intervals, plus a second.
    fn quiet(&self) -> Duration {
        self.longest_group_wait + self.group_interval * 2 + Duration::from_secs(1)
    }
}

fn seconds(s: &str) -> Duration {
    Duration::from_millis(
        sloforge::model::Duration::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e:?}"))
            .as_millis(),
    )
}

// Field order matters: processes stop before the servers they talk to.
struct Stack {
    _procs: Vec<Proc>,
    prometheus: u16,
    alertmanager: u16,
    exporter: Arc<Mutex<Exporter>>,
    inbox: Arc<Mutex<Vec<Delivery>>>,
    profile: Profile,
    _servers: Vec<Server>,
    _dir: tempfile::TempDir,
}

impl Stack {
    fn start(tools: &Tools, mutation: Option<Mutation>) -> Stack {
        let dir = tempfile::tempdir().unwrap();

        let inbox: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let sink = inbox.clone();
        let hooks = Server::start(Arc::new(move |method: &str, path: &str, body: &[u8]| {
            let receiver = path.trim_start_matches('/');
            if method != "POST" || !RECEIVERS.contains(&receiver) {
                return (404, "text/plain", String::new());
            }
            sink.lock()
                .unwrap()
                .extend(deliveries_of(receiver, Instant::now(), body));
            (200, "text/plain", String::new())
        }));
        let exporter = Arc::new(Mutex::new(Exporter::new()));
        let metrics = serve_metrics(exporter.clone());

        // The test profile, with the receivers pointed at the webhook listener, compiled by
        // the sloforge binary (which also runs the routing proof).
        let specs = dir.path().join("specs");
        common::copy_specs("tests/e2e", &specs, &format!("http://{}/", hooks.addr));
        let out = common::sloforge(&["generate", "specs", "-o", "generated"], dir.path());
        assert!(
            out.status.success(),
            "sloforge generate failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let generated = dir.path().join("generated");
        if let Some(m) = &mutation {
            let path = generated.join(m.file);
            let text = fs::read_to_string(&path).unwrap();
            let changed = text.replace(m.from, m.to);
            assert_ne!(changed, text, "{} does not contain {:?}", m.file, m.from);
            fs::write(&path, changed).unwrap();
        }

        let am_config = generated.join("alertmanager.yml");
        let cfg: Json = serde_saphyr::from_str(&fs::read_to_string(&am_config).unwrap()).unwrap();
        let mut waits = Vec::new();
        fn collect(route: &Json, waits: &mut Vec<Duration>) {
            if let Some(w) = route["group_wait"].as_str() {
                waits.push(seconds(w));
            }
            for r in route["routes"].as_array().into_iter().flatten() {
                collect(r, waits);
            }
        }
        collect(&cfg["route"], &mut waits);
        let b = sloforge::build(std::slice::from_ref(&specs), false);
        assert!(!b.failed(), "{}", b.diagnostics);
        let fleet = b.fleet.as_ref().unwrap();
        let page_fast = sloforge::explain::explain(fleet)
            .into_iter()
            .find(|e| e.service == "checkout" && e.slo == "availability")
            .and_then(|e| e.tiers.into_iter().find(|t| t.tier == "page-fast"))
            .expect("checkout/availability has a page-fast tier");
        let profile = Profile {
            group_wait: seconds(cfg["route"]["group_wait"].as_str().unwrap()),
            longest_group_wait: waits.into_iter().max().unwrap(),
            group_interval: seconds(cfg["route"]["group_interval"].as_str().unwrap()),
            evaluation: Duration::from_millis(fleet.settings.evaluation_interval.as_millis()),
            page_fast,
        };

        let mut procs = Vec::new();
        let (am, am_port) = spawn_alertmanager(&tools.alertmanager, dir.path(), &am_config);
        procs.push(am);

        let prom_config = dir.path().join("prometheus.yml");
        fs::write(
            &prom_config,
            format!(
                "global:\n  scrape_interval: {s}s\n  scrape_timeout: {s}s\n  evaluation_interval: {e}s\n\
                 rule_files:\n  - {rules}/*.rules.yaml\n\
                 alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{am_port}']\n\
                 scrape_configs:\n  - job_name: exporter\n    honor_labels: true\n    static_configs:\n      - targets: ['{metrics}']\n",
                s = SCRAPE.as_secs(),
                e = profile.evaluation.as_secs(),
                rules = generated.join("rules").display(),
                metrics = metrics.addr,
            ),
        )
        .unwrap();
        let tsdb = dir.path().join("prometheus-data");
        let (prom, prom_port) = spawn_ready("prometheus", &tools.prometheus, dir.path(), &|port| {
            vec![
                format!("--config.file={}", prom_config.display()),
                format!("--storage.tsdb.path={}", tsdb.display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
            ]
        });
        procs.push(prom);

        let stack = Stack {
            _procs: procs,
            prometheus: prom_port,
            alertmanager: am_port,
            exporter,
            inbox,
            profile,
            _servers: vec![hooks, metrics],
            _dir: dir,
        };
        // Every SLO's events are being recorded.
        let slos = fleet.services.iter().map(|s| s.slos.len()).sum::<usize>();
        stack.wait_for(&format!("recorded traffic of all {slos} SLOs"), || {
            let v = stack.query(r#"count({__name__=~"slo:sli_events:rate.+", event="total"} > 0)"#);
            (v.first().map(|(_, x)| *x as usize) == Some(slos)).then_some(())
        });
        stack
    }

    fn set(&self, job: &str, health: Health) -> (Instant, SystemTime) {
        self.exporter.lock().unwrap().set(job, health);
        (Instant::now(), SystemTime::now())
    }

    fn deliveries(&self) -> Vec<Delivery> {
        self.inbox.lock().unwrap().clone()
    }

    /// An instant query: (labels, value) per series.
    fn query(&self, q: &str) -> Vec<(Json, f64)> {
        instant_query(self.prometheus, q)
    }

    /// Prometheus' pending and firing alerts.
    fn prometheus_alerts(&self) -> Vec<Json> {
        get_json(self.prometheus, "/api/v1/alerts")["data"]["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Alertmanager's alerts (active, suppressed), with their inhibition state.
    fn alertmanager_alerts(&self) -> Vec<Json> {
        get_json(self.alertmanager, "/api/v2/alerts")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Polls `f` every 100 ms until it gives a value; fails after WAIT.
    fn wait_for<T>(&self, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(v) = f() {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {}s waiting for {what}\nnotifications so far:\n{}\nprometheus alerts: {:?}",
                WAIT.as_secs(),
                describe(&self.deliveries(), Instant::now()),
                self.prometheus_alerts()
                    .iter()
                    .map(|a| format!(
                        "{}/{} {} {}",
                        a["labels"]["service"],
                        a["labels"]["slo"],
                        stage_of(&a["labels"]),
                        a["state"]
                    ))
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `receiver` got `stage` of `slo` with `status`; the first such delivery.
    fn wait_delivery(
        &self,
        receiver: &str,
        slo: &str,
        stage: &str,
        status: &str,
        since: Instant,
    ) -> Delivery {
        self.wait_for(&format!("{receiver} <- {slo} {stage} [{status}]"), || {
            self.deliveries().into_iter().find(|d| {
                d.at >= since
                    && d.receiver == receiver
                    && d.slo == slo
                    && d.stage == stage
                    && d.status == status
            })
        })
    }

    /// Waits until Alertmanager holds each (slo, stage) alert, suppressed by an inhibition when
    /// `inhibited`, active (not inhibited, not silenced) otherwise.
    fn wait_alertmanager_state(&self, slo: &str, stages: &[&str], inhibited: bool) {
        let want = if inhibited { "suppressed" } else { "active" };
        self.wait_for(&format!("{slo} {stages:?} {want} in alertmanager"), || {
            let alerts = self.alertmanager_alerts();
            stages
                .iter()
                .all(|stage| {
                    alerts.iter().any(|a| {
                        let l = &a["labels"];
                        format!(
                            "{}/{}",
                            l["service"].as_str().unwrap_or(""),
                            l["slo"].as_str().unwrap_or("")
                        ) == slo
                            && stage_of(l) == *stage
                            && a["status"]["state"] == want
                            && a["status"]["inhibitedBy"]
                                .as_array()
                                .is_some_and(|v| v.is_empty() != inhibited)
                            && a["status"]["silencedBy"]
                                .as_array()
                                .is_some_and(Vec::is_empty)
                    })
                })
                .then_some(())
        });
    }

    /// When Prometheus made `stage` of `slo` active, from the alerts API.
    fn fired_at(&self, slo: &str, stage: &str) -> SystemTime {
        self.wait_for(&format!("{slo} {stage} firing in prometheus"), || {
            self.prometheus_alerts().into_iter().find_map(|a| {
                let l = &a["labels"];
                let this = format!(
                    "{}/{}",
                    l["service"].as_str().unwrap_or(""),
                    l["slo"].as_str().unwrap_or("")
                ) == slo
                    && stage_of(l) == stage;
                (this && a["state"] == "firing").then(|| rfc3339(a["activeAt"].as_str().unwrap()))
            })
        })
    }

    /// Both engines' view of the alerts, for failure messages.
    fn states(&self) -> String {
        let mut out = String::from("prometheus alerts:\n");
        for a in self.prometheus_alerts() {
            let l = &a["labels"];
            out += &format!(
                "  {}/{} {} {} since {}\n",
                l["service"].as_str().unwrap_or(""),
                l["slo"].as_str().unwrap_or(""),
                stage_of(l),
                a["state"],
                a["activeAt"]
            );
        }
        out += "alertmanager alerts:\n";
        for a in self.alertmanager_alerts() {
            let l = &a["labels"];
            out += &format!(
                "  {}/{} {} {} inhibited by {} ends {} updated {}\n",
                l["service"].as_str().unwrap_or(""),
                l["slo"].as_str().unwrap_or(""),
                stage_of(l),
                a["status"]["state"],
                a["status"]["inhibitedBy"],
                a["endsAt"],
                a["updatedAt"]
            );
        }
        out
    }

    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios and their checks.

type Key = (String, String, String);

fn firing(ds: &[Delivery]) -> BTreeSet<Key> {
    ds.iter()
        .filter(|d| d.status == "firing")
        .map(|d| (d.receiver.clone(), d.slo.clone(), d.stage.clone()))
        .collect()
}

fn keys(receivers: &[&str], alerts: &[(&str, &str)]) -> BTreeSet<Key> {
    receivers
        .iter()
        .flat_map(|r| {
            alerts
                .iter()
                .map(move |(slo, stage)| (r.to_string(), slo.to_string(), stage.to_string()))
        })
        .collect()
}

/// The alerts a total outage of checkout must page with: the fast tier of both SLOs.
const CHECKOUT_PAGES: [(&str, &str); 2] = [
    ("checkout/availability", "page-fast"),
    ("checkout/latency", "page-fast"),
];
/// The notifications it must send: the exhausted budget stage of both SLOs (budget alerts are
/// on for checkout), to the team's ticket receivers, never a page.
const CHECKOUT_BUDGET: [(&str, &str); 2] = [
    ("checkout/availability", "budget exhausted"),
    ("checkout/latency", "budget exhausted"),
];

/// Every firing notification a checkout outage must deliver.
fn outage_expected() -> BTreeSet<Key> {
    let mut e = keys(&PAYMENTS_PAGE, &CHECKOUT_PAGES);
    e.extend(keys(&PAYMENTS_NOTIFY, &CHECKOUT_BUDGET));
    e
}

/// After the recovery the pages no longer inhibit the tickets, and a budget stage never does:
/// checkout's tickets may reach the team's ticket receivers while their short windows still
/// hold the outage.
fn allowed_after_recovery(k: &Key) -> bool {
    PAYMENTS_NOTIFY.contains(&k.0.as_str())
        && k.1.starts_with("checkout/")
        && ["ticket-fast", "ticket-slow"].contains(&k.2.as_str())
}

/// What a checkout outage must deliver, and nothing else: the payments page receivers and the
/// audit log get the fast tier of both SLOs, the team's ticket receivers the exhausted budget
/// (a notification), firing; nobody gets a ticket while the pages of the same SLO fire (then
/// inhibited; after the recovery, with `recovered`, they may come) or a slow page tier
/// (inhibited by the fast one); no other team's receiver and not the catch-all get anything.
fn check_outage(ds: &[Delivery], recovered: bool) -> Result<(), String> {
    let expected = outage_expected();
    let got = firing(ds);
    let mut problems = Vec::new();
    for (r, slo, stage) in expected.difference(&got) {
        problems.push(format!("{r} did not get {slo} {stage} firing"));
    }
    for k in got.difference(&expected) {
        if recovered && allowed_after_recovery(k) {
            continue;
        }
        let (r, slo, stage) = k;
        problems.push(format!("{r} got {slo} {stage} firing, which it must not"));
    }
    for d in ds {
        if !d.receiver.starts_with("audit")
            && !["pagerduty-payments", "slack-payments"].contains(&d.receiver.as_str())
        {
            problems.push(format!(
                "{} got a notification ({} {} {})",
                d.receiver, d.slo, d.stage, d.status
            ));
        }
        if d.payload_receiver != format!("sloforge-{}", d.receiver) {
            problems.push(format!(
                "a payload for {} posted to the webhook of {}",
                d.payload_receiver, d.receiver
            ));
        }
    }
    problems.sort();
    problems.dedup();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Healthy traffic for HEALTHY: the SLIs see the small healthy error share, no alert is pending
/// or firing at any time, nobody is notified. A no-data alert may still be pending from the
/// rules' first evaluation, before any total was recorded; it must be gone by the end.
fn run_healthy(s: &Stack, duration: Duration) {
    let start = Instant::now();
    let no_data_pending = |a: &Json| a["state"] == "pending" && a["labels"]["no_data"].is_string();
    while start.elapsed() < duration {
        let pending: Vec<Json> = s
            .prometheus_alerts()
            .into_iter()
            .filter(|a| !no_data_pending(a))
            .collect();
        assert!(pending.is_empty(), "alerts on healthy traffic: {pending:?}");
        let ds = s.deliveries();
        assert!(
            ds.is_empty(),
            "notifications on healthy traffic:\n{}",
            describe(&ds, start)
        );
        s.sleep(Duration::from_millis(500));
    }
    let left = s.prometheus_alerts();
    assert!(
        left.is_empty(),
        "alerts after {duration:?} of healthy traffic: {left:?}"
    );
    // Half the budget of checkout's availability is burning (0.05 % errors for 99.9 %), a fifth
    // of catalog's: visible in the burn rates, below every tier's factor.
    for (slo, want) in [
        ("checkout\",slo=\"availability", 0.5),
        ("catalog\",slo=\"availability", 0.2),
        ("checkout\",slo=\"latency", 0.2),
    ] {
        let q = format!(
            "slo:burn_rate:ratio{{service=\"{slo}\",window=\"{}\"}}",
            s.profile.page_fast.long_window
        );
        let v = s.query(&q);
        assert!(
            v.len() == 1 && (v[0].1 - want).abs() < want * 0.2,
            "{q} = {v:?}, expected about {want}"
        );
    }
}

struct OutageTimes {
    start: Instant,
    start_wall: SystemTime,
    fired: SystemTime,
    delivered: BTreeMap<String, Instant>,
}

/// A total outage of checkout, watched until its pages reached the audit log (routed before any
/// team route, so independent of the team label), the slow and ticket tiers of both SLOs are
/// held back by inhibitions, and the quiet time has passed. The routing is checked afterwards.
fn run_outage(s: &Stack) -> OutageTimes {
    let (start, start_wall) = s.set("checkout", OUTAGE);
    for (slo, stage) in CHECKOUT_PAGES.iter().chain(&CHECKOUT_BUDGET) {
        s.wait_delivery("audit-log", slo, stage, "firing", start);
    }
    let fired = s.fired_at("checkout/availability", "page-fast");
    for slo in ["checkout/availability", "checkout/latency"] {
        s.wait_alertmanager_state(slo, &["page-fast", "budget exhausted"], false);
        s.wait_alertmanager_state(slo, &["page-slow", "ticket-fast", "ticket-slow"], true);
    }
    s.sleep(s.profile.quiet());
    let delivered = s
        .deliveries()
        .into_iter()
        .filter(|d| {
            d.slo == "checkout/availability" && d.stage == "page-fast" && d.status == "firing"
        })
        .fold(BTreeMap::new(), |mut m, d| {
            m.entry(d.receiver).or_insert(d.at);
            m
        });
    OutageTimes {
        start,
        start_wall,
        fired,
        delivered,
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

#[test]
fn generated_rules_and_routes_deliver_exactly_the_right_notifications() {
    let Some(tools) = tools() else { return };
    deliver_exactly_the_right_notifications(&tools, "Prometheus 3.5.3, Alertmanager 0.33.1");
}

#[test]
fn generated_rules_and_routes_deliver_exactly_the_right_notifications_on_prometheus_2() {
    let Some(tools) = tools_of("2.42.0") else {
        return;
    };
    deliver_exactly_the_right_notifications(&tools, "Prometheus 2.42.0, Alertmanager 0.25");
}

fn deliver_exactly_the_right_notifications(tools: &Tools, engines: &str) {
    let wall = Instant::now();
    let s = Stack::start(tools, None);
    let p = &s.profile;
    let ready = wall.elapsed();

    // 1. Healthy traffic: nothing.
    run_healthy(&s, HEALTHY);

    // 2. A total outage of checkout (team payments).
    let o = run_outage(&s);
    let ds = s.deliveries();
    if let Err(e) = check_outage(&ds, false) {
        panic!(
            "outage of checkout:\n{e}\nnotifications:\n{}",
            describe(&ds, o.start)
        );
    }

    // The budget of the SLO window comes from the coarse group (once a minute here): the
    // exhausted-budget notification may come after the burn pages. Recover only once it is
    // there.
    s.wait_delivery(
        "slack-payments",
        "checkout/availability",
        "budget exhausted",
        "firing",
        o.start,
    );

    // 3. Recovery: the fast tier resolves, and the receivers that were paged hear of it.
    let (rec_start, rec_wall) = s.set("checkout", healthy("checkout"));
    let mut resolved = BTreeMap::new();
    for r in PAYMENTS_PAGE {
        for slo in ["checkout/availability", "checkout/latency"] {
            let d = s.wait_delivery(r, slo, "page-fast", "resolved", rec_start);
            if slo == "checkout/availability" {
                resolved.insert(r.to_string(), d);
            }
        }
    }
    s.sleep(p.quiet());
    let ds = s.deliveries();
    // Still exactly the same firing notifications: the slow tiers resolved while the fast one
    // (kept firing for keep_firing_for) still inhibited them. The tickets may come now: the
    // exhausted budget is a notification and inhibits nothing.
    if let Err(e) = check_outage(&ds, true) {
        panic!(
            "after recovery:\n{e}\nnotifications:\n{}\n{}",
            describe(&ds, o.start),
            s.states()
        );
    }

    // 4. Maintenance: the inventory team's mute interval is always active, so a total outage of
    // stock reaches the audit log (not a team route) but none of the team's receivers.
    let (m_start, _) = s.set("stock", OUTAGE);
    let audit = s.wait_delivery(
        "audit-log",
        "stock/availability",
        "page-fast",
        "firing",
        m_start,
    );
    s.wait_alertmanager_state("stock/availability", &["page-fast"], false);
    s.wait_alertmanager_state(
        "stock/availability",
        &["page-slow", "ticket-fast", "ticket-slow"],
        true,
    );
    s.sleep(p.quiet());
    let ds = s.deliveries();
    let during: Vec<Delivery> = ds.iter().filter(|d| d.at >= m_start).cloned().collect();
    let team: Vec<&Delivery> = during
        .iter()
        .filter(|d| d.team == "inventory" && d.receiver != "audit-log")
        .collect();
    assert!(
        team.is_empty(),
        "notifications during the inventory team's maintenance window:\n{}",
        describe(&during, m_start)
    );
    let mut expected = outage_expected();
    expected.insert((
        "audit-log".into(),
        "stock/availability".into(),
        "page-fast".into(),
    ));
    let got: BTreeSet<Key> = firing(&ds)
        .into_iter()
        .filter(|k| !allowed_after_recovery(k))
        .collect();
    assert_eq!(
        got,
        expected,
        "firing notifications of the whole run:\n{}",
        describe(&ds, o.start)
    );
    let muted_for = m_start.elapsed();

    // 5. Every panel of the generated dashboards shows data.
    let (queries, with_data, empty) =
        common::dashboards::run_against(s.prometheus, &s._dir.path().join("generated/dashboards"));
    eprintln!(
        "dashboards on {engines}: {queries} queries (panels and variables), {with_data} returning data"
    );
    assert!(
        empty.is_empty() && queries > 0,
        "dashboard queries without data:\n{}",
        empty.join("\n")
    );

    // Timings.
    let t = &p.page_fast;
    let detection = since(o.fired, o.start_wall);
    // explain's detection includes the evaluation the windows end before.
    let detection_bound = 2.0 * secs(SCRAPE)
        + secs(p.evaluation)
        + t.for_seconds as f64
        + t.detection_total_outage_seconds.unwrap_or(0.0);
    let delivery_bound = detection_bound + secs(p.group_wait);
    let first = o
        .delivered
        .values()
        .min()
        .map_or(f64::NAN, |at| secs(at.duration_since(o.start)));
    let resolved_in_prometheus = resolved
        .get("pagerduty-payments")
        .map_or(f64::NAN, |d| since(rfc3339(&d.ends_at), rec_wall));
    // `sloforge explain`: short window + base window + one evaluation + keep_firing_for; then one scrape and one evaluation.
    let reset_bound = t.reset_seconds as f64 + secs(SCRAPE) + secs(p.evaluation);
    let resolve_delivered = resolved
        .values()
        .map(|d| secs(d.at.duration_since(rec_start)))
        .fold(0.0, f64::max);
    eprintln!(
        "end-to-end timings on {engines} (Prometheus scrape {}s, rules every {}s; checkout/availability page-fast: windows {}/{}, for {}s, keep_firing_for {}s; Alertmanager group_wait {}s, group_interval {}s):",
        secs(SCRAPE),
        secs(p.evaluation),
        t.long_window,
        t.short_window,
        t.for_seconds,
        t.keep_firing_for_seconds,
        secs(p.group_wait),
        secs(p.group_interval)
    );
    eprintln!(
        "  stack ready (generate, start, first recorded traffic): {:.1}s",
        secs(ready)
    );
    eprintln!(
        "  outage -> page-fast firing in Prometheus: {detection:.2}s (bound {detection_bound:.2}s: 2 scrapes + 1 evaluation + for + {}s until the long window trips)",
        t.detection_total_outage_seconds.unwrap_or(0.0)
    );
    for (r, at) in &o.delivered {
        eprintln!(
            "  outage -> firing notification at {r}: {:.2}s (bound {delivery_bound:.2}s: detection + group_wait)",
            secs(at.duration_since(o.start))
        );
    }
    eprintln!(
        "  firing in Prometheus -> first notification: {:.2}s",
        first - detection
    );
    eprintln!(
        "  recovery -> page-fast resolved in Prometheus: {resolved_in_prometheus:.2}s (bound {reset_bound:.2}s: explain's reset (short window + base window + one evaluation + keep_firing_for) + scrape + evaluation)"
    );
    eprintln!(
        "  recovery -> resolved notification at every page receiver: {resolve_delivered:.2}s (bound {:.2}s: + group_interval)",
        reset_bound + secs(p.group_interval)
    );
    eprintln!(
        "  maintenance: audit-log paged after {:.2}s, the inventory team's receivers got nothing for {:.1}s",
        secs(audit.at.duration_since(m_start)),
        secs(muted_for)
    );
    eprintln!("  wall time: {:.1}s", secs(wall.elapsed()));

    // Generous margins (loaded machines), but far below what a wrong `for` or window would take.
    let margin = 10.0;
    assert!(
        detection <= detection_bound + margin,
        "detection took {detection:.2}s"
    );
    assert!(
        first <= delivery_bound + margin,
        "delivery took {first:.2}s"
    );
    assert!(
        resolve_delivered <= reset_bound + secs(p.group_interval) + margin,
        "resolve took {resolve_delivered:.2}s"
    );
}

#[test]
fn a_misspelt_team_label_in_the_generated_rules_fails_the_outage_check() {
    let Some(tools) = tools() else { return };
    // The payments team's label, misspelt in every rule of checkout's rule file.
    let s = Stack::start(
        &tools,
        Some(Mutation {
            file: "rules/checkout.rules.yaml",
            from: "team: payments\n",
            to: "team: paymnets\n",
        }),
    );
    run_healthy(&s, Duration::from_secs(3));
    let o = run_outage(&s);
    let ds = s.deliveries();
    let err = check_outage(&ds, false)
        .expect_err("the outage check passed although the rules carry a misspelt team label");
    for r in ["pagerduty-payments", "slack-payments"] {
        assert!(
            err.contains(&format!(
                "{r} did not get checkout/availability page-fast firing"
            )),
            "{err}"
        );
    }
    // The page went where Alertmanager sends what no team route takes.
    assert!(
        ds.iter().any(|d| d.receiver == "unrouted"
            && d.slo == "checkout/availability"
            && d.stage == "page-fast"
            && d.team == "paymnets"),
        "{}",
        describe(&ds, o.start)
    );
    eprintln!(
        "with team=\"paymnets\" in the rules, the outage check fails:\n{err}\nnotifications:\n{}",
        describe(&ds, o.start)
    );
}

#[test]
fn timestamps_parse_like_rfc3339() {
    let t = |s| rfc3339(s).duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
    assert_eq!(t("1970-01-02T00:00:01.5Z"), 86_401.5);
    assert_eq!(t("2000-03-01T00:00:00Z"), 951_868_800.0);
    assert_eq!(
        t("2024-02-29T23:59:59.123456789+01:00"),
        1_709_247_599.123_456_8
    );
    assert_eq!(t("2024-02-29T23:59:59-00:30"), 1_709_252_999.0);
}

#[test]
fn the_demo_routing_profile_routes_the_demo_fleet_like_its_own_routing_spec() {
    // scripts/demo/run.sh compiles slo-specs/ with scripts/demo/routing.yaml in place of the
    // fleet's routing spec: every receiver is a loopback webhook, and every alert reaches
    // receivers of the same names as with slo-specs/routing.yaml.
    let root = common::root();
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    fs::create_dir_all(&demo).unwrap();
    for e in fs::read_dir(root.join("slo-specs")).unwrap() {
        let p = e.unwrap().path();
        let text = fs::read_to_string(&p).unwrap();
        if !text.lines().any(|l| l == "kind: AlertRouting") {
            fs::write(demo.join(p.file_name().unwrap()), text).unwrap();
        }
    }
    let profile = fs::read_to_string(root.join("scripts/demo/routing.yaml")).unwrap();
    fs::write(demo.join("routing.yaml"), &profile).unwrap();
    let b = sloforge::build(std::slice::from_ref(&demo), false);
    assert!(!b.failed(), "{}", b.diagnostics);
    let am: Json =
        serde_saphyr::from_str(&b.compilation.unwrap().alertmanager.unwrap().text).unwrap();
    for r in am["receivers"].as_array().unwrap() {
        let keys: Vec<&String> = r
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| k.ends_with("_configs"))
            .collect();
        assert_eq!(keys, ["webhook_configs"], "{r}");
        let url = r["webhook_configs"][0]["url"].as_str().unwrap();
        assert_eq!(
            url,
            format!(
                "{PLACEHOLDER}{}",
                r["name"].as_str().unwrap().trim_start_matches("sloforge-")
            ),
            "{r}"
        );
    }
    let routes = |dir: &Path| {
        let o = common::sloforge(&["routes", &dir.to_string_lossy()], &root);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    assert_eq!(
        routes(&demo),
        routes(&root.join("slo-specs")),
        "scripts/demo/routing.yaml no longer routes like slo-specs/routing.yaml"
    );
}

// ---------------------------------------------------------------------------------------------
// Native histograms (Prometheus 3.5): an exporter serving protobuf, one histogram with
// exponential buckets and one classic histogram that Prometheus converts to custom buckets
// (NHCB); and the `le` spellings Prometheus 3 stores from the text format.

/// The few messages of `io.prometheus.client` (metrics.proto) a histogram exposition needs.
mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct LabelPair {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "2")]
        pub value: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Bucket {
        #[prost(uint64, tag = "1")]
        pub cumulative_count: u64,
        #[prost(double, tag = "2")]
        pub upper_bound: f64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct BucketSpan {
        #[prost(sint32, tag = "1")]
        pub offset: i32,
        #[prost(uint32, tag = "2")]
        pub length: u32,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Histogram {
        #[prost(uint64, tag = "1")]
        pub sample_count: u64,
        #[prost(double, tag = "2")]
        pub sample_sum: f64,
        #[prost(message, repeated, tag = "3")]
        pub bucket: Vec<Bucket>,
        #[prost(sint32, tag = "5")]
        pub schema: i32,
        #[prost(double, tag = "6")]
        pub zero_threshold: f64,
        #[prost(uint64, tag = "7")]
        pub zero_count: u64,
        #[prost(message, repeated, tag = "12")]
        pub positive_span: Vec<BucketSpan>,
        #[prost(sint64, repeated, packed = "false", tag = "13")]
        pub positive_delta: Vec<i64>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Metric {
        #[prost(message, repeated, tag = "1")]
        pub label: Vec<LabelPair>,
        #[prost(message, optional, tag = "7")]
        pub histogram: Option<Histogram>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct MetricFamily {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "2")]
        pub help: String,
        /// `HISTOGRAM` is 4.
        #[prost(int32, tag = "3")]
        pub r#type: i32,
        #[prost(message, repeated, tag = "4")]
        pub metric: Vec<Metric>,
    }
}

/// Requests per second of the native-histogram exporter.
const NATIVE_RATE: f64 = 100.0;
/// Requests come in blocks of 50 with a fixed number of slow ones, so that every interval's
/// error ratio is exactly the block's.
const BLOCK: u64 = 50;
/// Slow requests per block while healthy: 2 % (the SLOs' objective is 95 %: a burn of 0.4).
const HEALTHY_SLOW: u64 = 1;

/// Two histograms of one service's request durations: fast requests take 0.2 s (at or below
/// the 0.25 s threshold), slow ones 0.7 s.
struct NativeExporter {
    start: Instant,
    /// Blocks already counted, and the slow requests per block from then on.
    blocks: u64,
    slow_per_block: u64,
    fast: u64,
    slow: u64,
}

impl NativeExporter {
    fn advance(&mut self) {
        let due = (self.start.elapsed().as_secs_f64() * NATIVE_RATE / BLOCK as f64) as u64;
        let n = due.saturating_sub(self.blocks);
        self.blocks = due.max(self.blocks);
        self.fast += n * (BLOCK - self.slow_per_block);
        self.slow += n * self.slow_per_block;
    }

    fn set_slow(&mut self, per_block: u64) {
        self.advance();
        self.slow_per_block = per_block;
    }

    fn families(&mut self) -> Vec<proto::MetricFamily> {
        self.advance();
        let (fast, slow) = (self.fast, self.slow);
        let label = vec![proto::LabelPair {
            name: "job".into(),
            value: "search".into(),
        }];
        let sum = fast as f64 * 0.2 + slow as f64 * 0.7;
        // Schema 0: bucket i is (2^(i-1), 2^i]; 0.2 is in bucket -2 (0.125, 0.25], 0.7 in
        // bucket 0 (0.5, 1]. One span of three buckets, as deltas.
        let native = proto::Histogram {
            sample_count: fast + slow,
            sample_sum: sum,
            schema: 0,
            zero_threshold: 1e-128,
            positive_span: vec![proto::BucketSpan {
                offset: -2,
                length: 3,
            }],
            positive_delta: vec![fast as i64, -(fast as i64), slow as i64],
            ..Default::default()
        };
        // Classic buckets (cumulative), which Prometheus converts to custom buckets.
        let bounds = [0.1, 0.25, 0.5, 1.0];
        let classic = proto::Histogram {
            sample_count: fast + slow,
            sample_sum: sum,
            bucket: bounds
                .iter()
                .map(|&b| proto::Bucket {
                    cumulative_count: if b < 0.2 {
                        0
                    } else if b < 0.7 {
                        fast
                    } else {
                        fast + slow
                    },
                    upper_bound: b,
                })
                .collect(),
            ..Default::default()
        };
        [
            ("search_duration_seconds", native),
            ("backend_duration_seconds", classic),
        ]
        .into_iter()
        .map(|(name, h)| proto::MetricFamily {
            name: name.into(),
            help: "Request duration.".into(),
            r#type: 4,
            metric: vec![proto::Metric {
                label: label.clone(),
                histogram: Some(h),
            }],
        })
        .collect()
    }
}

/// Classic histograms whose bucket bounds are written as exporters write them: Go's client
/// (`1`, `1e-05`, `1e+06`), Python's and Prometheus 3's normal form (`1.0`), a plain decimal
/// (`0.00001`, `1000000`) and Java's (`1.0E-5`, `1000000.0`), one histogram per spelling.
const SPELLINGS: &[(&str, [&str; 6])] = &[
    ("go", ["1e-05", "0.1", "0.3", "1", "10", "1e+06"]),
    ("plain", ["0.00001", "0.1", "0.3", "1", "10", "1000000"]),
    ("dot", ["0.00001", "0.1", "0.3", "1.0", "10.0", "1000000.0"]),
    ("java", ["1.0E-5", "0.1", "0.3", "1.0", "10.0", "1000000.0"]),
];

fn spelling_exposition() -> String {
    let mut out = String::new();
    for (name, les) in SPELLINGS {
        let m = format!("le_{name}_seconds");
        out += &format!("# TYPE {m} histogram\n");
        for (i, le) in les.iter().enumerate() {
            out += &format!("{m}_bucket{{job=\"spelling\",le=\"{le}\"}} {}\n", i + 1);
        }
        out += &format!("{m}_bucket{{job=\"spelling\",le=\"+Inf\"}} 7\n");
        out += &format!("{m}_sum{{job=\"spelling\"}} 1\n{m}_count{{job=\"spelling\"}} 7\n");
    }
    out
}

fn wait_until<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn native_histogram_slos_record_the_exporters_split_and_page_on_prometheus_3_5() {
    let Some(tools) = tools() else {
        return;
    };
    let wall = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    // The team's receivers: webhooks of the test.
    let inbox: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let sink = inbox.clone();
    let hooks = Server::start(Arc::new(move |method: &str, path: &str, body: &[u8]| {
        if method != "POST" {
            return (404, "text/plain", String::new());
        }
        let receiver = path.trim_start_matches('/');
        sink.lock()
            .unwrap()
            .extend(deliveries_of(receiver, Instant::now(), body));
        (200, "text/plain", String::new())
    }));
    let specs = dir.path().join("specs");
    common::copy_specs(
        "tests/e2e-native",
        &specs,
        &format!("http://{}/", hooks.addr),
    );
    let out = common::sloforge(
        &["generate", "specs", "-o", "generated", "--no-tests"],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exporter = Arc::new(Mutex::new(NativeExporter {
        start: Instant::now(),
        blocks: 0,
        slow_per_block: HEALTHY_SLOW,
        fast: 0,
        slow: 0,
    }));
    let e = exporter.clone();
    let metrics = Server::start_bytes(Arc::new(move |method: &str, path: &str, _: &[u8]| {
        match (method, path) {
            ("GET", "/metrics") => {
                let mut body = Vec::new();
                for f in e.lock().unwrap().families() {
                    prost::Message::encode_length_delimited(&f, &mut body).unwrap();
                }
                (
                    200,
                    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
                    body,
                )
            }
            ("GET", "/spellings") => (
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                spelling_exposition().into_bytes(),
            ),
            _ => (404, "text/plain", Vec::new()),
        }
    }));
    let (_am, am_port) = spawn_alertmanager(
        &tools.alertmanager,
        dir.path(),
        &dir.path().join("generated/alertmanager.yml"),
    );
    let config = dir.path().join("prometheus.yml");
    fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n  - {rules}/*.rules.yaml\n\
             alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{am_port}']\n\
             scrape_configs:\n\
             \x20 - job_name: native\n    honor_labels: true\n    scrape_protocols: [PrometheusProto]\n\
             \x20   convert_classic_histograms_to_nhcb: true\n    static_configs:\n      - targets: ['{addr}']\n\
             \x20 - job_name: spellings\n    honor_labels: true\n    metrics_path: /spellings\n\
             \x20   scrape_protocols: [PrometheusText0.0.4]\n    static_configs:\n      - targets: ['{addr}']\n",
            rules = dir.path().join("generated/rules").display(),
            addr = metrics.addr,
        ),
    )
    .unwrap();
    let tsdb = dir.path().join("data");
    let (_prom, port) = spawn_ready("prometheus", &tools.prometheus, dir.path(), &|port| {
        vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", tsdb.display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--enable-feature=native-histograms".into(),
        ]
    });
    let query = |q: &str| instant_query(port, q);

    // Both histograms are stored as native histograms: no classic series of them.
    wait_until("both native histograms", WAIT, || {
        ["search_duration_seconds", "backend_duration_seconds"]
            .iter()
            .all(|m| query(&format!("histogram_count({m})")).len() == 1)
            .then_some(())
    });
    assert!(
        query(r#"{__name__=~"(search|backend)_duration_seconds_(bucket|count)"}"#).is_empty(),
        "classic series were stored"
    );

    // The recorded error ratio of every window is the exporter's split, 1 slow in 50.
    let ratio = |slo: &str, window: &str| {
        query(&format!(
            r#"slo:sli_error:ratio{{service="search",slo="{slo}",window="{window}"}}"#
        ))
        .first()
        .map(|v| v.1)
    };
    let expected = HEALTHY_SLOW as f64 / BLOCK as f64;
    let windows = ["5s", "10s"];
    let healthy = wait_until("15s of recorded ratios", WAIT, || {
        let r: Vec<(String, String, f64)> = ["latency", "backend-latency"]
            .iter()
            .flat_map(|slo| windows.iter().map(move |w| (*slo, *w)))
            .filter_map(|(slo, w)| ratio(slo, w).map(|v| (slo.to_string(), w.to_string(), v)))
            .collect();
        let covered = query(
            r#"count_over_time(slo:sli_events:rate5s{service="search",slo="backend-latency",event="total"}[15s])"#,
        )
        .first()
        .is_some_and(|v| v.1 >= 13.0);
        (covered && r.len() == 4).then_some(r)
    });
    for (slo, w, v) in &healthy {
        assert!(
            (v - expected).abs() < 1e-9,
            "{slo} window {w}: recorded error ratio {v}, the exporter's is {expected}"
        );
    }
    eprintln!(
        "native histograms, healthy: recorded error ratios {:?} (exporter: {expected}) after {:.1}s",
        healthy
            .iter()
            .map(|(s, w, v)| format!("{s}/{w}={v}"))
            .collect::<Vec<_>>(),
        secs(wall.elapsed())
    );
    assert!(
        query(r#"ALERTS{service="search"}"#).is_empty(),
        "an alert while healthy"
    );

    // An outage (every request slow): both SLOs page.
    let start = Instant::now();
    exporter.lock().unwrap().set_slow(BLOCK);
    let paged = wait_until("page-fast of both SLOs", WAIT, || {
        let firing = query(
            r#"ALERTS{service="search",alertstate="firing",severity="page",alert_tier="page-fast"}"#,
        );
        (firing.len() == 2).then(|| start.elapsed())
    });
    let outage = ["latency", "backend-latency"].map(|slo| ratio(slo, "5s").unwrap_or(f64::NAN));
    assert!(outage.iter().all(|v| (v - 1.0).abs() < 1e-9), "{outage:?}");
    // The team's pager gets both pages, through the generated Alertmanager configuration.
    let expected: BTreeSet<String> = ["search/latency", "search/backend-latency"]
        .map(String::from)
        .into();
    let delivered = wait_until("both pages at the team's pager", WAIT, || {
        let got: BTreeSet<String> = inbox
            .lock()
            .unwrap()
            .iter()
            .filter(|d| {
                d.receiver == "pager-discovery" && d.status == "firing" && d.stage == "page-fast"
            })
            .map(|d| d.slo.clone())
            .collect();
        (got == expected).then(|| start.elapsed())
    });
    let stray: Vec<String> = inbox
        .lock()
        .unwrap()
        .iter()
        .filter(|d| d.receiver != "pager-discovery" && d.receiver != "tickets-discovery")
        .map(|d| format!("{} {} {}", d.receiver, d.slo, d.stage))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    eprintln!(
        "native histograms, outage: page-fast firing for both SLOs after {:.1}s (explain: detect 100% in 8s), at the team's pager after {:.1}s; 5s error ratios {outage:?}",
        secs(paged),
        secs(delivered)
    );

    // Classic `le` spellings as Prometheus 3.5 stores them, and the bucket sloforge selects.
    let stored = check_le_spellings(port);
    eprintln!("le values stored by Prometheus 3.5 from the text format: {stored:?}");
    eprintln!("native histogram end to end: {:.1}s", secs(wall.elapsed()));
}

/// The `le` values Prometheus on `port` stores for each histogram of [`SPELLINGS`], after
/// checking that sloforge's selector of every bound picks exactly that bound's bucket of each
/// (the i-th bound's bucket has the value i + 1).
fn check_le_spellings(port: u16) -> BTreeMap<String, Vec<String>> {
    let query = |q: &str| instant_query(port, q);
    wait_until("the spelling histograms", WAIT, || {
        (query(r#"count({job="spelling"})"#).first().map(|v| v.1)
            == Some((SPELLINGS.len() * 9) as f64))
        .then_some(())
    });
    let stored: BTreeMap<String, Vec<String>> = SPELLINGS
        .iter()
        .map(|(name, _)| {
            let mut les: Vec<String> = query(&format!("le_{name}_seconds_bucket"))
                .iter()
                .map(|(l, _)| l["le"].as_str().unwrap().to_string())
                .collect();
            les.sort();
            (name.to_string(), les)
        })
        .collect();
    for (i, le) in ["0.00001", "0.1", "0.3", "1.0", "10.0", "1000000.0"]
        .iter()
        .enumerate()
    {
        for (name, _) in SPELLINGS {
            let (_, bucket) = sloforge::compile::rules::latency_series(
                &format!("le_{name}_seconds"),
                r#"{job="spelling"}"#,
                le,
            );
            let got: Vec<f64> = query(&bucket).iter().map(|v| v.1).collect();
            assert_eq!(got, [(i + 1) as f64], "{bucket} on {name}: {stored:?}");
        }
    }
    stored
}

/// Prometheus 2 stores `le` as the exporter wrote it: the selector matches every spelling.
#[test]
fn classic_bucket_bounds_match_as_prometheus_2_stores_them() {
    let Some(prometheus) = common::tool_of("2.42.0", "prometheus") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let metrics = Server::start(Arc::new(|method: &str, path: &str, _: &[u8]| {
        if (method, path) == ("GET", "/spellings") {
            (
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                spelling_exposition(),
            )
        } else {
            (404, "text/plain", String::new())
        }
    }));
    let config = dir.path().join("prometheus.yml");
    fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
             scrape_configs:\n  - job_name: spellings\n    honor_labels: true\n    metrics_path: /spellings\n\
             \x20   static_configs:\n      - targets: ['{}']\n",
            metrics.addr
        ),
    )
    .unwrap();
    let tsdb = dir.path().join("data");
    let (_prom, port) = spawn_ready("prometheus", &prometheus, dir.path(), &|port| {
        vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", tsdb.display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
        ]
    });
    let stored = check_le_spellings(port);
    eprintln!("le values stored by Prometheus 2.42 from the text format: {stored:?}");
    // As written: the spellings differ between the histograms.
    assert!(stored["java"].contains(&"1.0E-5".to_string()), "{stored:?}");
    assert!(stored["go"].contains(&"1".to_string()), "{stored:?}");
}
