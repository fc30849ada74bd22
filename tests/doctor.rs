//! `sloforge doctor` against real servers on loopback: Debian's `prometheus` 3.5.3 scraping an
//! exporter served by this test, and `prometheus-alertmanager`. A healthy setup (the generated
//! rules and alertmanager.yml loaded, every selector matching) must pass with exit 0; a broken
//! one must report each problem it was given: a misspelt total selector, errors from another
//! job than the total, a threshold that is no bucket bound, `_count` without `_bucket`, a
//! scrape interval other than the settings', retention shorter than a 30-day window, a service
//! whose rules are not loaded, and an Alertmanager without the generated routes. Servers start
//! once per setup; every wait polls with a deadline.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::loopback::{Proc, Server, free_port, spawn_alertmanager, spawn_ready};
use serde_json::Value as Json;

/// Longest wait for doctor to see a setup settle (first scrapes, first rule evaluations).
const SETTLE: Duration = Duration::from_secs(60);

/// The exporter: request counters of jobs `app` and `other`, a latency histogram (bounds 0.1,
/// 0.25, 0.5 and 1, the last written `1` as Go's client library does), a summary with only
/// `_count` and `_sum`, and a probe gauge. Counters grow with the time since the start.
fn exposition(start: Instant) -> String {
    let t = start.elapsed().as_secs_f64();
    let n = 50.0 * t;
    let mut out = String::from("# TYPE http_requests_total counter\n");
    out += &format!("http_requests_total{{job=\"app\",code=\"200\"}} {}\n", n);
    out += &format!(
        "http_requests_total{{job=\"app\",code=\"503\"}} {}\n",
        n * 0.0001
    );
    out += &format!(
        "http_requests_total{{job=\"other\",code=\"503\"}} {}\n",
        n * 0.5
    );
    out += "# TYPE http_request_duration_seconds histogram\n";
    for (le, share) in [
        ("0.1", 0.5),
        ("0.25", 0.9),
        ("0.5", 0.99),
        ("1", 0.999),
        ("+Inf", 1.0),
    ] {
        out += &format!(
            "http_request_duration_seconds_bucket{{job=\"app\",le=\"{le}\"}} {}\n",
            n * share
        );
    }
    out += &format!(
        "http_request_duration_seconds_sum{{job=\"app\"}} {}\n",
        n * 0.1
    );
    out += &format!("http_request_duration_seconds_count{{job=\"app\"}} {n}\n");
    out += "# TYPE rpc_duration_seconds summary\n";
    out += &format!("rpc_duration_seconds_sum{{job=\"app\"}} {}\n", n * 0.1);
    out += &format!("rpc_duration_seconds_count{{job=\"app\"}} {n}\n");
    out += "# TYPE probe_success gauge\nprobe_success{job=\"app\"} 1\n";
    out
}

fn serve_metrics() -> Server {
    let start = Instant::now();
    Server::start(Arc::new(move |method: &str, path: &str, _: &[u8]| {
        if method != "GET" || path != "/metrics" {
            return (404, "text/plain", String::new());
        }
        (
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            exposition(start),
        )
    }))
}

struct Tools {
    prometheus: PathBuf,
    alertmanager: PathBuf,
}

fn tools() -> Option<Tools> {
    Some(Tools {
        prometheus: common::tool("prometheus")?,
        alertmanager: common::tool("prometheus-alertmanager")?,
    })
}

/// How a setup differs from the healthy one.
struct Setup {
    /// The service specs: tests/doctor/<specs>/ beside the shared defaults and routing.
    specs: &'static str,
    scrape: Duration,
    retention: Option<&'static str>,
    /// Rule files (services) Prometheus loads, or all of them.
    services: Option<&'static [&'static str]>,
    /// Alertmanager runs the generated configuration (else a minimal one of its own).
    generated_alertmanager: bool,
    /// A change to a generated rule file before Prometheus loads it: (file, from, to).
    stale_rules: Option<(&'static str, &'static str, &'static str)>,
}

// Field order matters: processes stop before the server they scrape.
struct Stack {
    _procs: Vec<Proc>,
    prometheus: u16,
    alertmanager: u16,
    _metrics: Server,
    dir: tempfile::TempDir,
}

impl Stack {
    fn start(tools: &Tools, setup: &Setup) -> Stack {
        let dir = tempfile::tempdir().unwrap();
        let specs = dir.path().join("specs");
        fs::create_dir_all(&specs).unwrap();
        let src = common::root().join("tests/doctor");
        for d in [src.clone(), src.join(setup.specs)] {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "yaml") {
                    fs::copy(&p, specs.join(p.file_name().unwrap())).unwrap();
                }
            }
        }
        let out = common::sloforge(&["generate", "specs", "-o", "generated"], dir.path());
        assert!(
            out.status.success(),
            "sloforge generate failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let generated = dir.path().join("generated");
        if let Some((file, from, to)) = setup.stale_rules {
            let path = generated.join(file);
            let text = fs::read_to_string(&path).unwrap();
            let changed = text.replace(from, to);
            assert_ne!(changed, text, "{file} does not contain {from:?}");
            fs::write(&path, changed).unwrap();
        }

        let am_config = if setup.generated_alertmanager {
            generated.join("alertmanager.yml")
        } else {
            let p = dir.path().join("alertmanager.yml");
            fs::write(&p, "route:\n  receiver: ops\nreceivers:\n  - name: ops\n").unwrap();
            p
        };
        let (am, am_port) = spawn_alertmanager(&tools.alertmanager, dir.path(), &am_config);

        let metrics = serve_metrics();
        let rules = generated.join("rules");
        let rule_files: Vec<String> = match setup.services {
            Some(list) => list
                .iter()
                .map(|s| rules.join(format!("{s}.rules.yaml")).display().to_string())
                .collect(),
            None => vec![rules.join("*.rules.yaml").display().to_string()],
        };
        let prom_config = dir.path().join("prometheus.yml");
        fs::write(
            &prom_config,
            format!(
                "global:\n  scrape_interval: {s}s\n  scrape_timeout: {s}s\n  evaluation_interval: 1s\n\
                 rule_files:\n{files}\
                 scrape_configs:\n  - job_name: app\n    honor_labels: true\n    static_configs:\n      - targets: ['{metrics}']\n",
                s = setup.scrape.as_secs(),
                files = rule_files
                    .iter()
                    .map(|f| format!("  - {f}\n"))
                    .collect::<String>(),
                metrics = metrics.addr,
            ),
        )
        .unwrap();
        let tsdb = dir.path().join("prometheus-data");
        let (prom, prom_port) = spawn_ready("prometheus", &tools.prometheus, dir.path(), &|port| {
            let mut args = vec![
                format!("--config.file={}", prom_config.display()),
                format!("--storage.tsdb.path={}", tsdb.display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
            ];
            if let Some(r) = setup.retention {
                args.push(format!("--storage.tsdb.retention.time={r}"));
            }
            args
        });
        Stack {
            _procs: vec![prom, am],
            prometheus: prom_port,
            alertmanager: am_port,
            _metrics: metrics,
            dir,
        }
    }

    /// `sloforge doctor` on the setup's specs: (exit code, stdout, stderr).
    fn doctor(&self, extra: &[&str]) -> (Option<i32>, String, String) {
        let prom = format!("http://127.0.0.1:{}", self.prometheus);
        let am = format!("http://127.0.0.1:{}/", self.alertmanager);
        let mut args = vec![
            "doctor",
            "specs",
            "--prometheus",
            &prom,
            "--alertmanager",
            &am,
        ];
        args.extend_from_slice(extra);
        run(&args, self.dir.path())
    }

    /// Runs doctor until `done` holds for its text output, or fails after [`SETTLE`].
    fn doctor_until(
        &self,
        what: &str,
        done: impl Fn(Option<i32>, &str) -> bool,
    ) -> (Option<i32>, String) {
        let deadline = Instant::now() + SETTLE;
        loop {
            let (code, out, err) = self.doctor(&[]);
            if done(code, &out) {
                return (code, out);
            }
            assert!(
                Instant::now() < deadline,
                "doctor did not report {what} within {SETTLE:?}; last run (exit {code:?}):\n{out}{err}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

fn run(args: &[&str], cwd: &Path) -> (Option<i32>, String, String) {
    let o = common::sloforge(args, cwd);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The text block of one SLO (or of `servers`): its title line and the indented lines below.
fn block(out: &str, title: &str) -> String {
    let mut lines = out.lines().skip_while(|l| *l != title);
    let head = lines
        .next()
        .unwrap_or_else(|| panic!("no block {title} in:\n{out}"));
    let body: Vec<&str> = lines.take_while(|l| l.starts_with(' ')).collect();
    format!("{head}\n{}\n", body.join("\n"))
}

#[test]
fn a_healthy_setup_passes() {
    let Some(tools) = tools() else { return };
    let stack = Stack::start(
        &tools,
        &Setup {
            specs: "healthy",
            scrape: Duration::from_secs(1),
            retention: None,
            services: None,
            generated_alertmanager: true,
            stale_rules: None,
        },
    );
    let (_, out) = stack.doctor_until("no findings", |code, out| {
        code == Some(0)
            && out.contains("0 error(s), 0 warning(s)")
            && out.matches("recorded series present").count() == 3
    });
    eprintln!("{out}");
    for slo in ["app/availability", "app/latency", "app/probe"] {
        let b = block(&out, slo);
        assert!(b.contains("  ok: "), "{b}");
        assert!(b.contains("scraped every 1s"), "{b}");
        assert!(b.contains("rule group(s) loaded and healthy"), "{b}");
        assert!(b.contains("recorded series present"), "{b}");
    }
    assert!(block(&out, "app/latency").contains("bucket le=\"1.0\" exists"));
    assert!(block(&out, "app/availability").contains("errors series are among total's"));
    assert!(
        block(&out, "app/availability").contains("2 group(s) by code (max_groups 50)"),
        "{out}"
    );
    assert!(block(&out, "servers").contains("alerts reach exactly their team's receivers"));
}

#[test]
fn a_broken_setup_reports_every_problem() {
    let Some(tools) = tools() else { return };
    let stack = Stack::start(
        &tools,
        &Setup {
            specs: "broken",
            scrape: Duration::from_secs(2),
            retention: Some("1d"),
            services: Some(&["shop"]),
            generated_alertmanager: false,
            // The alert of one SLO renamed: a rule file older than the specs.
            stale_rules: Some((
                "rules/shop.rules.yaml",
                "alert: ShopTypoSLOBurn\n",
                "alert: ShopTypoSLOBurnOld\n",
            )),
        },
    );
    // Settled once every SLO with series has had its interval measured.
    let (code, out) = stack.doctor_until("the measured scrape interval", |_, out| {
        out.matches("is scraped every 2s").count() == 7 && out.contains("[D002]")
    });
    eprintln!("{out}");
    assert_eq!(code, Some(1));

    let typo = block(&out, "shop/typo");
    assert!(
        typo.contains("error[D001]: the total selector `http_requests_totl{job=\"app\"}` returns no series: there is no metric `http_requests_totl`; did you mean `http_requests_total`?"),
        "{typo}"
    );
    assert!(!typo.contains("[D002]"), "{typo}");

    let noerrors = block(&out, "shop/noerrors");
    assert!(
        noerrors.contains("warning[D001]: the errors selector `http_requests_total{code=~\"4..\",job=\"app\"}` returns no series: metric `http_requests_total` exists, but none of its series match the label matchers (no errors counted yet, or wrong matchers)"),
        "{noerrors}"
    );
    assert!(!noerrors.contains("error["), "{noerrors}");

    let subset = block(&out, "shop/subset");
    assert!(
        subset.contains(
            "error[D002]: 1 of 1 errors series have no total series with the same shared labels: {code=\"503\","
        ) && subset.contains("job=\"other\"}"),
        "{subset}"
    );

    let bucket = block(&out, "shop/bucket");
    assert!(
        bucket.contains("error[D003]: `http_request_duration_seconds_bucket{job=\"app\"}` has no bucket at the threshold le=\"0.3\"; the server has le \"0.1\", \"0.25\", \"0.5\", \"1.0\""),
        "{bucket}"
    );
    assert!(bucket.contains("(nearest: 0.25s)"), "{bucket}");

    let nobucket = block(&out, "shop/nobucket");
    assert!(
        nobucket.contains("error[D004]: `rpc_duration_seconds_count{job=\"app\"}` has series but `rpc_duration_seconds_bucket{job=\"app\"}` has none"),
        "{nobucket}"
    );

    for slo in [
        "shop/subset",
        "shop/bucket",
        "shop/nobucket",
        "shop/monthly",
        "shop/noerrors",
        "lost/availability",
    ] {
        let b = block(&out, slo);
        assert!(
            b.contains("warning[D005]: `") && b.contains("is scraped every 2s (its target's scrape_interval is 2s), but the settings' scrape_interval is 1s"),
            "{b}"
        );
    }

    let monthly = block(&out, "shop/monthly");
    assert!(
        monthly.contains("error[D006]: retention is 1d, shorter than the 30d window plus what the rules look back (30d1m in all)"),
        "{monthly}"
    );
    assert!(!block(&out, "shop/subset").contains("[D006]"));

    let lost = block(&out, "lost/availability");
    assert!(
        lost.contains("error[D008]: rule group `sloforge-lost-availability` is not loaded"),
        "{lost}"
    );
    assert!(!block(&out, "shop/typo").contains("[D008]"));
    assert!(
        typo.contains("error[D009]: rule group `sloforge-shop-typo` differs from the generated one (missing: [ShopTypoSLOBurn]; not generated: [ShopTypoSLOBurnOld])"),
        "{typo}"
    );

    let servers = block(&out, "servers");
    assert!(
        servers.contains(
            "error[D011]: running configuration: the configuration has no sloforge route"
        ),
        "{servers}"
    );
    assert!(
        servers.contains("error[D012]: 3 of 3 generated receivers are not in Alertmanager's configuration: sloforge-unrouted, sloforge-web-pager, sloforge-web-tickets"),
        "{servers}"
    );
    assert!(servers.contains("error[D013]: "), "{servers}");

    // The same findings as JSON, with the documented fields.
    let (code, json, _) = stack.doctor(&["--output", "json"]);
    assert_eq!(code, Some(1));
    let j: Json = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert!(j["errors"].as_u64().unwrap() >= 9, "{json}");
    let codes = |service: &str, slo: &str| -> Vec<String> {
        j["slos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service"] == service && s["slo"] == slo)
            .unwrap_or_else(|| panic!("{service}/{slo} in {json}"))["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                assert!(f["message"].is_string() && f["fix"].is_string(), "{f}");
                assert!(
                    matches!(f["severity"].as_str(), Some("error" | "warning")),
                    "{f}"
                );
                f["code"].as_str().unwrap().to_string()
            })
            .collect()
    };
    assert!(codes("shop", "typo").contains(&"D001".to_string()));
    assert!(codes("shop", "bucket").contains(&"D003".to_string()));
    assert!(codes("shop", "monthly").contains(&"D006".to_string()));
    assert!(codes("lost", "availability").contains(&"D008".to_string()));
    assert!(codes("shop", "grouped").contains(&"D015".to_string()));
    let grouped = block(&out, "shop/grouped");
    assert!(
        grouped.contains("error[D015]: `http_requests_total{job=\"app\"}` has 2 groups by code, route, more than max_groups (1)"),
        "{grouped}"
    );
    assert!(
        grouped.contains(
            "warning[D015]: 2 series of `http_requests_total{job=\"app\"}` have no label `route`"
        ),
        "{grouped}"
    );
    let first = &j["slos"][0]["findings"][0];
    assert!(first["check"].is_string(), "{first}");
}

#[test]
fn an_unreachable_server_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("specs");
    fs::create_dir_all(&specs).unwrap();
    for f in ["defaults.yaml", "healthy/app.yaml"] {
        let p = common::root().join("tests/doctor").join(f);
        fs::copy(&p, specs.join(p.file_name().unwrap())).unwrap();
    }
    let url = format!("http://127.0.0.1:{}", free_port());
    let (code, out, err) = run(&["doctor", "specs", "--prometheus", &url], dir.path());
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        err.contains(&format!(
            "error: Prometheus at {url} could not be reached: "
        )),
        "{err}"
    );
    let (code, _, err) = run(&["doctor", "specs"], dir.path());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--prometheus"), "{err}");
}

/// A server that is not Prometheus: doctor says so (exit 2). One that answers the build info but
/// nothing else sensibly (500s, bodies that are not JSON, JSON of the wrong shape) gives API
/// findings (exit 1), never a crash.
#[test]
fn servers_that_answer_nonsense_give_findings_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("specs");
    fs::create_dir_all(&specs).unwrap();
    for f in ["defaults.yaml", "routing.yaml", "healthy/app.yaml"] {
        let p = common::root().join("tests/doctor").join(f);
        fs::copy(&p, specs.join(p.file_name().unwrap())).unwrap();
    }
    let html = Server::start(Arc::new(|_: &str, _: &str, _: &[u8]| {
        (404, "text/html", "<html>login</html>".to_string())
    }));
    let url = format!("http://{}", html.addr);
    let (code, _, err) = run(&["doctor", "specs", "--prometheus", &url], dir.path());
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "error: Prometheus at {url} does not answer like Prometheus: "
        )),
        "{err}"
    );

    let odd = Server::start(Arc::new(|_: &str, path: &str, _: &[u8]| {
        if path.starts_with("/api/v1/status/buildinfo") {
            (
                200,
                "application/json",
                r#"{"status":"success","data":{}}"#.into(),
            )
        } else if path.starts_with("/api/v1/query") {
            (500, "text/plain", "internal error".into())
        } else if path.starts_with("/api/v1/rules") {
            (
                200,
                "application/json",
                r#"{"status":"success","data":[1,2]}"#.into(),
            )
        } else if path.starts_with("/api/v2/status") {
            (
                200,
                "application/json",
                r#"{"config":{"original":"route: ["}}"#.into(),
            )
        } else {
            (200, "application/json", "{not json".into())
        }
    }));
    let url = format!("http://{}", odd.addr);
    let (code, out, err) = run(
        &[
            "doctor",
            "specs",
            "--prometheus",
            &url,
            "--alertmanager",
            &url,
        ],
        dir.path(),
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("error[D014]: "), "{out}");
    assert!(out.contains("HTTP 500: internal error"), "{out}");
    assert!(
        out.contains("error[D014]: the loaded rule groups could not be read from /api/v1/rules: the answer has no `groups` list"),
        "{out}"
    );
    assert!(!out.contains("[D008]"), "{out}");
    assert!(
        out.contains("error[D011]: Alertmanager's configuration cannot be read"),
        "{out}"
    );
}
