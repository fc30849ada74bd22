//! VictoriaMetrics for real, side by side with Prometheus.
//!
//! sloforge compiles tests/victoriametrics/ (one ratio SLO, 99.9 % over 30 days, the four tiers
//! of the SRE Workbook). The test synthesises three and a half days of raw request counters at
//! 15-second resolution (a diurnal shape, two traffic steps, three hours of 4 % errors, a counter
//! reset and a total outage in the last 20 minutes) and loads the same samples into
//! VictoriaMetrics (its import API) and into Prometheus 3 (`promtool tsdb create-blocks-from
//! openmetrics`). The generated recording rules are then backfilled on both: by `promtool tsdb
//! create-blocks-from rules` and by `vmalert -replay.*`. Neither chains rules in one pass (promtool
//! evaluates every rule against the data it started with; vmalert's replay reads what it wrote
//! only after the remote write flushed), so the rules are split into levels by the recorded
//! series each one reads, whatever their shape, and backfilled level by level, each level at the
//! evaluation times of its group in Prometheus.
//!
//! At more than 50 evaluation times over the last three days, among them minutes after every
//! traffic step and inside the error period, every `slo:sli_error:ratio` window and
//! `slo:error_budget_remaining:ratio` are read from both engines and compared with each other and
//! with the exact share of errors over the same window, counted from the synthetic samples. The
//! 1-minute rates are compared point by point: MetricsQL's `rate` takes the last sample before the
//! range and does not extrapolate, so VictoriaMetrics' rate over the rules' range (a minute and a
//! scrape interval) is the mean over 75 seconds of 15-second samples where Prometheus' is the
//! mean over the 60 seconds that the samples inside the range span. Where that moves a window by
//! more than the tolerance, the test fails and names the series, the time and the difference.
//!
//! Live: vmalert evaluates the same rules against VictoriaMetrics, which keeps receiving fresh
//! samples of the ongoing outage, restores the page's pending state from the replayed
//! `ALERTS_FOR_STATE` and sends the page to Alertmanager running the generated `alertmanager.yml`,
//! which delivers it to the team's webhook, served by this test.
//!
//! Every wait is bounded; every process is killed by its pid when its guard drops. The tables
//! and timings go to stderr (`cargo test --test victoriametrics -- --nocapture`).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use promql_parser::parser::{self, Expr, Offset};
use promql_parser::util::{ExprVisitor, walk_expr};
use serde_json::{Value as Json, json};

use common::loopback::{
    Delivery, Proc, Server, deliveries_of, describe, get_json, http, query_at, run_bounded,
    samples_at, spawn_alertmanager, spawn_ready,
};
use common::{rfc3339, since, utc};

// Times are Unix milliseconds.
const SEC: i64 = 1000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// Raw samples every 15 seconds.
const STEP: i64 = 15 * SEC;
/// The recording rules are backfilled over the last three and a half days of the data (from the
/// start of a 2-hour block: promtool evaluates the rules block by block and gives up on a rule
/// at the first block without an evaluation of its group, such as a partial first block of an
/// hourly group), ...
const HISTORY: i64 = 84 * HOUR;
const BLOCK: i64 = 2 * HOUR;
/// ... which starts ten minutes earlier, so that the first rates read whole windows.
const LEAD: i64 = 10 * MIN;
/// The windows are compared over the last three days.
const COMPARED: i64 = 72 * HOUR;
/// Evenly spread comparison times, besides those right after each event of the scenario.
const SPREAD: i64 = 50;
/// Largest relative difference allowed between the engines and between each and the exact ratio.
const TOLERANCE: f64 = 0.01;
/// Longest run of one backfill or replay command.
const COMMAND: Duration = Duration::from_secs(240);

const SLO: &str = r#"service="checkout",slo="availability""#;
/// The SLO's objective (tests/victoriametrics/checkout.yaml) and its default window.
const BUDGET: f64 = 0.001;
const SLO_WINDOW: &str = "30d";
/// The raw series: requests that succeeded, requests that failed.
const OK_SERIES: &str = r#"http_requests_total{job="checkout",code="200"}"#;
const ERROR_SERIES: &str = r#"http_requests_total{job="checkout",code="500"}"#;

// ---------------------------------------------------------------------------------------------
// The scenario, in time before the end of the data.

/// Requests per second before the diurnal factor (0.4 at night to 1.6 at noon UTC) and the steps.
const BASE_RATE: f64 = 200.0;
/// Share of failed requests outside the error period and the outage.
const BASELINE_ERRORS: f64 = 0.001;
/// Traffic x2.5 from 60 to 52 hours before the end.
const STEP_UP: (i64, i64, f64) = (60 * HOUR, 52 * HOUR, 2.5);
/// Traffic x0.3 from 30 to 27 hours before the end.
const DROP: (i64, i64, f64) = (30 * HOUR, 27 * HOUR, 0.3);
/// 4 % of requests fail from 40 to 37 hours before the end.
const ERRORS: (i64, i64, f64) = (40 * HOUR, 37 * HOUR, 0.04);
/// The service restarts 20 hours before the end: both counters start again from zero.
const RESET: i64 = 20 * HOUR;
/// Every request fails in the last 20 minutes, and on through the live part.
const OUTAGE: i64 = 20 * MIN;

/// What happens when, for the comparison times right after each change.
const EVENTS: [(&str, i64); 8] = [
    ("traffic x2.5", STEP_UP.0),
    ("traffic back", STEP_UP.1),
    ("errors 4%", ERRORS.0),
    ("errors over", ERRORS.1),
    ("traffic x0.3", DROP.0),
    ("traffic back", DROP.1),
    ("counter reset", RESET),
    ("outage", OUTAGE),
];

#[derive(Clone, Copy)]
struct Scenario {
    /// The end of the history, on a minute.
    end: i64,
}

impl Scenario {
    /// Where the backfill starts.
    fn from(self) -> i64 {
        let from = self.end - HISTORY;
        from - from.rem_euclid(BLOCK)
    }

    fn begin(self) -> i64 {
        self.from() - LEAD
    }

    /// Requests per second at `t`.
    fn rate(self, t: i64) -> f64 {
        let before = self.end - t;
        let day = t.rem_euclid(DAY) as f64 / DAY as f64;
        let diurnal = 1.0 + 0.6 * (2.0 * std::f64::consts::PI * (day - 0.25)).sin();
        let step = [STEP_UP, DROP]
            .iter()
            .find(|(from, to, _)| (*to..*from).contains(&before))
            .map_or(1.0, |s| s.2);
        BASE_RATE * diurnal * step
    }

    /// Share of the requests at `t` that fail.
    fn error_share(self, t: i64) -> f64 {
        let before = self.end - t;
        if before < OUTAGE {
            1.0
        } else if (ERRORS.1..ERRORS.0).contains(&before) {
            ERRORS.2
        } else {
            BASELINE_ERRORS
        }
    }
}

/// One scrape of the two counters.
struct Sample {
    t: i64,
    /// The counters as exposed (they start again from zero at the reset).
    ok: u64,
    errors: u64,
}

/// The counters of the scenario, sample after sample. Each count grows on its own (a count
/// derived by subtraction can step back by one, which reads as a counter reset).
struct Traffic {
    scenario: Scenario,
    t: i64,
    ok: f64,
    errors: f64,
    /// What the exposed counters add to the counts since the data began.
    ok_offset: i64,
    errors_offset: i64,
    last: (u64, u64),
}

impl Traffic {
    fn new(scenario: Scenario) -> Traffic {
        // The service has been up for a while when the data begins.
        Traffic {
            scenario,
            t: scenario.begin() - STEP,
            ok: 0.0,
            errors: 0.0,
            ok_offset: 4_000_000,
            errors_offset: 3_000,
            last: (0, 0),
        }
    }

    fn next(&mut self) -> Sample {
        self.t += STEP;
        let mid = self.t - STEP / 2;
        let (rate, share) = (self.scenario.rate(mid), self.scenario.error_share(mid));
        let seconds = (STEP / SEC) as f64;
        if self.t > self.scenario.begin() {
            self.ok += rate * (1.0 - share) * seconds;
            self.errors += rate * share * seconds;
        }
        let (ok, errors) = (self.ok.floor() as u64, self.errors.floor() as u64);
        if self.t == self.scenario.end - RESET {
            // Restarted right after the previous scrape: this one shows only what came since.
            self.ok_offset = -(self.last.0 as i64);
            self.errors_offset = -(self.last.1 as i64);
        }
        self.last = (ok, errors);
        let exposed = |count: u64, offset: i64| u64::try_from(count as i64 + offset).unwrap();
        Sample {
            t: self.t,
            ok: exposed(ok, self.ok_offset),
            errors: exposed(errors, self.errors_offset),
        }
    }
}

/// The exact counts of the synthetic data, to measure the engines against.
struct Truth {
    begin: i64,
    errors: Vec<u64>,
    total: Vec<u64>,
}

impl Truth {
    /// The last sample at or before `t`.
    fn index(&self, t: i64) -> usize {
        usize::try_from((t - self.begin).div_euclid(STEP))
            .unwrap_or(0)
            .min(self.total.len() - 1)
    }

    /// Errors / requests between the last samples at or before `from` and `to`.
    fn ratio(&self, from: i64, to: i64) -> f64 {
        let (a, b) = (self.index(from), self.index(to));
        (self.errors[b] - self.errors[a]) as f64 / (self.total[b] - self.total[a]) as f64
    }

    /// Events between the last samples at or before `from` and `to`.
    fn increase(&self, errors: bool, from: i64, to: i64) -> f64 {
        let (a, b) = (self.index(from), self.index(to));
        let counts = if errors { &self.errors } else { &self.total };
        (counts[b] - counts[a]) as f64
    }
}

/// The history up to the scenario's end: Prometheus' text format with millisecond timestamps
/// (VictoriaMetrics' import), OpenMetrics with second timestamps (promtool), and the truth.
fn synthesise(traffic: &mut Traffic) -> (String, String, Truth) {
    let end = traffic.scenario.end;
    let mut samples = Vec::new();
    while traffic.t < end {
        samples.push(traffic.next());
    }
    // What the counters show: between two samples their increase, or after a reset the value
    // since it (the requests between the last sample before a reset and the reset are in no
    // sample, for any engine).
    let observed = |value: fn(&Sample) -> u64| -> Vec<u64> {
        let mut sum = 0;
        let mut out = Vec::with_capacity(samples.len());
        for (i, s) in samples.iter().enumerate() {
            if i > 0 {
                let (a, b) = (value(&samples[i - 1]), value(s));
                sum += if b >= a { b - a } else { b };
            }
            out.push(sum);
        }
        out
    };
    let (errors, ok) = (observed(|s| s.errors), observed(|s| s.ok));
    let truth = Truth {
        begin: samples[0].t,
        total: errors.iter().zip(&ok).map(|(e, o)| e + o).collect(),
        errors,
    };
    let mut openmetrics = String::from("# TYPE http_requests_total gauge\n");
    for (series, value) in [
        (OK_SERIES, (|s: &Sample| s.ok) as fn(&Sample) -> u64),
        (ERROR_SERIES, |s: &Sample| s.errors),
    ] {
        for s in &samples {
            let _ = writeln!(openmetrics, "{series} {} {}", value(s), s.t / SEC);
        }
    }
    openmetrics.push_str("# EOF\n");
    (import_text(&samples), openmetrics, truth)
}

/// Samples in Prometheus' text format with timestamps, for VictoriaMetrics' import.
fn import_text(samples: &[Sample]) -> String {
    let mut out = String::new();
    for s in samples {
        let _ = writeln!(out, "{OK_SERIES} {} {}", s.ok, s.t);
        let _ = writeln!(out, "{ERROR_SERIES} {} {}", s.errors, s.t);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The generated rules, levelled by what they read.

struct GroupInfo {
    name: String,
    interval: i64,
    /// The group as written, its rules left out.
    json: Json,
}

struct RuleInfo {
    group: usize,
    json: Json,
    record: Option<String>,
    expr: Expr,
    selectors: Vec<Sel>,
    level: usize,
}

struct Rules {
    groups: Vec<GroupInfo>,
    rules: Vec<RuleInfo>,
}

fn duration_ms(s: &str) -> i64 {
    i64::try_from(
        sloforge::model::Duration::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e:?}"))
            .as_millis(),
    )
    .unwrap()
}

/// A selector of an expression: the metric it reads, its offset and its range (0 for an
/// instant selector), in ms.
#[derive(Clone, Debug, PartialEq)]
struct Sel {
    name: String,
    offset: i64,
    range: i64,
}

/// Every selector of an expression.
struct Selectors(Vec<Sel>);

impl ExprVisitor for Selectors {
    type Error = ();

    fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
        let (vs, range) = match e {
            Expr::VectorSelector(vs) => (vs, 0),
            Expr::MatrixSelector(ms) => (&ms.vs, ms.range.as_millis() as i64),
            _ => return Ok(true),
        };
        let name = vs.name.clone().or_else(|| {
            vs.matchers
                .matchers
                .iter()
                .find(|m| m.name == "__name__")
                .map(|m| m.value.clone())
        });
        let offset = match &vs.offset {
            Some(Offset::Pos(d)) => d.as_millis() as i64,
            Some(Offset::Neg(d)) => -(d.as_millis() as i64),
            None => 0,
        };
        self.0.push(Sel {
            name: name.unwrap_or_default(),
            offset,
            range,
        });
        Ok(true)
    }
}

fn selectors_of(e: &Expr) -> Vec<Sel> {
    let mut v = Selectors(Vec::new());
    let _ = walk_expr(&mut v, e);
    v.0
}

impl Rules {
    /// Reads a rule file and gives every rule its level: 0 for a rule that reads only raw series,
    /// one more than the highest level of the rules recording what it reads otherwise. A rule
    /// that reads its own output, directly or through others, has none: such rules cannot be
    /// backfilled, and the error names them.
    fn parse(text: &str) -> Result<Rules, String> {
        let file: Json = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        let mut groups = Vec::new();
        let mut rules = Vec::new();
        for (g, group) in file["groups"]
            .as_array()
            .ok_or("no groups")?
            .iter()
            .enumerate()
        {
            let mut bare = group.clone();
            bare.as_object_mut()
                .ok_or("a group is not a mapping")?
                .remove("rules");
            let interval = group["interval"].as_str().map_or(MIN, duration_ms);
            groups.push(GroupInfo {
                name: group["name"].as_str().unwrap_or_default().to_string(),
                interval,
                json: bare,
            });
            for rule in group["rules"].as_array().ok_or("a group without rules")? {
                let text = rule["expr"].as_str().ok_or("a rule without expr")?;
                let expr = parser::parse(text).map_err(|e| format!("{text}: {e}"))?;
                let selectors = selectors_of(&expr);
                rules.push(RuleInfo {
                    group: g,
                    json: rule.clone(),
                    record: rule["record"].as_str().map(str::to_string),
                    expr,
                    selectors,
                    level: usize::MAX,
                });
            }
        }
        let mut producers: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, r) in rules.iter().enumerate() {
            if let Some(name) = &r.record {
                producers.entry(name.clone()).or_default().push(i);
            }
        }
        fn level(
            i: usize,
            rules: &[RuleInfo],
            producers: &BTreeMap<String, Vec<usize>>,
            memo: &mut Vec<Option<usize>>,
            path: &mut Vec<usize>,
        ) -> Result<usize, String> {
            if let Some(l) = memo[i] {
                return Ok(l);
            }
            if let Some(at) = path.iter().position(|&j| j == i) {
                let names: Vec<String> = path[at..]
                    .iter()
                    .chain([&i])
                    .map(|&j| rules[j].record.clone().unwrap_or_else(|| "an alert".into()))
                    .collect();
                return Err(format!(
                    "rules read their own output ({}): they cannot be backfilled",
                    names.join(" reads ")
                ));
            }
            path.push(i);
            let mut l = 0;
            for sel in &rules[i].selectors {
                for &j in producers.get(&sel.name).into_iter().flatten() {
                    l = l.max(level(j, rules, producers, memo, path)? + 1);
                }
            }
            path.pop();
            memo[i] = Some(l);
            Ok(l)
        }
        let mut memo = vec![None; rules.len()];
        for i in 0..rules.len() {
            let l = level(i, &rules, &producers, &mut memo, &mut Vec::new())?;
            rules[i].level = l;
        }
        Ok(Rules { groups, rules })
    }

    fn levels(&self) -> usize {
        self.rules.iter().map(|r| r.level + 1).max().unwrap_or(0)
    }

    /// A rule file of the rules of `level` (of group `group` only, when given), in their groups;
    /// with or without the alerting rules. `None` when there is no such rule.
    fn level_file(&self, level: usize, group: Option<usize>, alerts: bool) -> Option<String> {
        let mut groups = Vec::new();
        for (g, info) in self.groups.iter().enumerate() {
            if group.is_some_and(|x| x != g) {
                continue;
            }
            let rules: Vec<Json> = self
                .rules
                .iter()
                .filter(|r| r.group == g && r.level == level && (alerts || r.record.is_some()))
                .map(|r| r.json.clone())
                .collect();
            if !rules.is_empty() {
                let mut group = info.json.clone();
                group["rules"] = Json::Array(rules);
                groups.push(group);
            }
        }
        (!groups.is_empty())
            .then(|| serde_json::to_string_pretty(&json!({ "groups": groups })).unwrap())
    }

    /// The rules recording `name`.
    fn producers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a RuleInfo> + 'a {
        self.rules
            .iter()
            .filter(move |r| r.record.as_deref() == Some(name))
    }

    fn group_of(&self, name: &str) -> Option<usize> {
        self.producers(name).next().map(|r| r.group)
    }
}

/// One window of `slo:sli_error:ratio` as the rules compute it: its length, and the selectors of
/// its part of the expression.
struct Window {
    label: String,
    length: i64,
    selectors: Vec<Sel>,
}

/// The windows of the rules recording `slo:sli_error:ratio`: the `window` label that
/// `label_replace` gives a part of the expression, or the one the rule sets.
fn windows(rules: &Rules) -> Vec<Window> {
    struct Find(Vec<Window>);
    impl ExprVisitor for Find {
        type Error = ();
        fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
            if let Expr::Call(c) = e {
                let arg = |i: usize| match c.args.args.get(i).map(|a| a.as_ref()) {
                    Some(Expr::StringLiteral(s)) => Some(s.val.clone()),
                    _ => None,
                };
                if c.func.name == "label_replace" && arg(1).as_deref() == Some("window") {
                    let label = arg(2).unwrap_or_default();
                    self.0.push(Window {
                        length: duration_ms(&label),
                        label,
                        selectors: selectors_of(&c.args.args[0]),
                    });
                }
            }
            Ok(true)
        }
    }
    let mut found = Vec::new();
    for r in rules.producers("slo:sli_error:ratio") {
        if let Some(label) = r.json["labels"]["window"].as_str() {
            found.push(Window {
                label: label.to_string(),
                length: duration_ms(label),
                selectors: r.selectors.clone(),
            });
        } else {
            let mut f = Find(Vec::new());
            let _ = walk_expr(&mut f, &r.expr);
            found.extend(f.0);
        }
    }
    found.sort_by_key(|w| w.length);
    found
}

/// When each group is evaluated: every `interval` from `phase`, the first time at `first`.
struct Grids {
    phase: Vec<i64>,
    interval: Vec<i64>,
    first: Vec<i64>,
}

impl Grids {
    fn at_or_before(&self, g: usize, t: i64) -> i64 {
        t - (t - self.phase[g]).rem_euclid(self.interval[g])
    }

    fn at_or_after(&self, g: usize, t: i64) -> i64 {
        let before = self.at_or_before(g, t);
        if before == t {
            t
        } else {
            before + self.interval[g]
        }
    }
}

/// The raw samples that an expression's selectors cover when it is evaluated at `t`, through the
/// recorded series they read: (the sample before the first one counted, the last one counted),
/// as times. A rate over raw counters counts from the first sample in its range; a range over a
/// recorded series reads its evaluations inside it (none before the first), an instant selector
/// the last one at or before its time.
fn coverage(rules: &Rules, grids: &Grids, selectors: &[Sel], t: i64, depth: usize) -> (i64, i64) {
    assert!(depth < 16, "the rules nest too deep");
    let mut span = (i64::MAX, i64::MIN);
    for sel in selectors {
        let at = t - sel.offset;
        let (from, to) = match rules.producers(&sel.name).next() {
            // A range over raw counters counts from the first sample in it; an instant raw
            // selector covers up to its last sample at or before its time.
            None if sel.range > 0 => (at - sel.range + STEP, at),
            None => (at, at),
            Some(rule) => {
                let g = rule.group;
                let last = grids.at_or_before(g, at);
                let first = if sel.range > 0 {
                    grids.at_or_after(g, at - sel.range + 1).max(grids.first[g])
                } else {
                    last
                };
                (
                    coverage(rules, grids, &rule.selectors, first, depth + 1).0,
                    coverage(rules, grids, &rule.selectors, last, depth + 1).1,
                )
            }
        };
        span = (span.0.min(from), span.1.max(to));
    }
    span
}

/// The exact value of a window of `slo:sli_error:ratio` evaluated at `t`: the share of errors
/// among the requests between the samples the window's rates cover.
fn exact(rules: &Rules, grids: &Grids, truth: &Truth, w: &Window, t: i64) -> f64 {
    let (from, to) = coverage(rules, grids, &w.selectors, t, 0);
    truth.ratio(from, to)
}

// ---------------------------------------------------------------------------------------------
// Engines.

struct Tools {
    victoria_metrics: PathBuf,
    vmalert: PathBuf,
    promtool: PathBuf,
    prometheus: PathBuf,
    alertmanager: PathBuf,
}

fn tools() -> Option<Tools> {
    Some(Tools {
        victoria_metrics: common::go_tool("victoria-metrics")?,
        vmalert: common::go_tool("vmalert")?,
        promtool: common::tool("promtool")?,
        prometheus: common::tool("prometheus")?,
        alertmanager: common::tool("prometheus-alertmanager")?,
    })
}

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn secs(t: i64) -> f64 {
    t as f64 / SEC as f64
}

/// VictoriaMetrics single-node on loopback: no response cache and no alignment of query ranges
/// (`-search.disableCache`), data visible one second after it arrived, samples of one series
/// with the same timestamp kept once (vmalert's replay writes the boundary of its query ranges
/// twice).
fn start_victoria_metrics(tools: &Tools, dir: &Path) -> (Proc, u16) {
    let data = dir.join("victoria-metrics-data");
    spawn_ready("victoria-metrics", &tools.victoria_metrics, dir, &|port| {
        vec![
            format!("-httpListenAddr=127.0.0.1:{port}"),
            format!("-storageDataPath={}", data.display()),
            "-retentionPeriod=100y".into(),
            "-search.disableCache".into(),
            "-search.latencyOffset=1s".into(),
            "-dedup.minScrapeInterval=1ms".into(),
        ]
    })
}

fn vm_import(port: u16, text: &str) {
    let (status, body) = http(port, "POST", "/api/v1/import/prometheus", Some(text))
        .expect("victoria-metrics answers");
    assert!(status == 204 || status == 200, "import: {status} {body}");
    vm_flush(port);
}

/// Makes everything VictoriaMetrics received visible to queries.
fn vm_flush(port: u16) {
    let (status, body) =
        http(port, "GET", "/internal/force_flush", None).expect("victoria-metrics answers");
    assert_eq!(status, 200, "force_flush: {body}");
}

fn start_prometheus(tools: &Tools, dir: &Path, data: &Path, run: usize) -> (Proc, u16) {
    let config = dir.join("prometheus.yml");
    fs::write(&config, "global:\n  evaluation_interval: 1m\n").unwrap();
    let logs = dir.join(format!("prometheus-{run}"));
    fs::create_dir_all(&logs).unwrap();
    spawn_ready("prometheus", &tools.prometheus, &logs, &|port| {
        vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", data.display()),
            "--storage.tsdb.retention.time=100y".into(),
            format!("--web.listen-address=127.0.0.1:{port}"),
        ]
    })
}

// ---------------------------------------------------------------------------------------------
// Comparison.

/// |a - b| relative to |b|, with `floor` as the least |b| (an absolute tolerance near 0).
fn relative(a: f64, b: f64, floor: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs().max(floor)
    }
}

/// The ratio tolerance is relative; for the budget remaining (1 - ratio/budget, near 0 when
/// the budget is nearly spent) it is relative to at least 1, i.e. 1 % of the budget.
fn floor_of(series: &str) -> f64 {
    if series == "budget remaining" {
        1.0
    } else {
        1e-9
    }
}

struct Point {
    series: String,
    label: String,
    t: i64,
    prometheus: f64,
    victoria: f64,
    exact: f64,
}

#[derive(Default)]
struct Worst {
    value: f64,
    at: String,
}

impl Worst {
    fn add(&mut self, value: f64, at: &str) {
        if value > self.value || self.at.is_empty() {
            *self = Worst {
                value,
                at: at.to_string(),
            };
        }
    }
}

fn percent(x: f64) -> String {
    format!("{:.4}%", x * 100.0)
}

/// The comparison times: `SPREAD` evaluations spread evenly over the last three days and the
/// evaluations 1, 2, 3, 5, 10, 30 and 60 minutes after each event, with a name each.
fn comparison_times(grids: &Grids, g: usize, end: i64) -> BTreeMap<i64, String> {
    let mut times = BTreeMap::new();
    for (name, before) in EVENTS {
        for after in [1, 2, 3, 5, 10, 30, 60] {
            let t = grids.at_or_after(g, end - before + after * MIN);
            if t <= end && t >= end - COMPARED {
                times
                    .entry(t)
                    .or_insert_with(|| format!("{name} +{after}m"));
            }
        }
    }
    for k in 0..SPREAD {
        let t = grids.at_or_before(g, end - COMPARED + COMPARED * k / (SPREAD - 1));
        times
            .entry(t)
            .or_insert_with(|| format!("end -{:.1}h", (end - t) as f64 / HOUR as f64));
    }
    times
}

/// `query` on an engine at `t`: the value per `window` label (or the one value under "").
fn by_window(port: u16, q: &str, t: i64) -> BTreeMap<String, f64> {
    query_at(port, q, secs(t))
        .into_iter()
        .map(|(m, v)| (m["window"].as_str().unwrap_or_default().to_string(), v))
        .collect()
}

/// The timestamp of the sample an instant query at `t` reads from an engine.
fn sample_time(port: u16, q: &str, t: i64) -> i64 {
    let v = query_at(port, &format!("max(timestamp({q}))"), secs(t));
    assert_eq!(v.len(), 1, "timestamp({q}) at {t}: {v:?}");
    (v[0].1 * SEC as f64).round() as i64
}

// ---------------------------------------------------------------------------------------------
// The live part: fresh samples, vmalert, Alertmanager and the team's webhook.

/// Keeps writing the scenario's samples up to now into VictoriaMetrics, every second, until
/// stopped (at most 15 minutes).
fn feed(port: u16, mut traffic: Traffic, stop: Arc<AtomicBool>) -> JoinHandle<usize> {
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(900);
        let mut written = 0;
        while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
            let now = now_ms();
            let mut batch = Vec::new();
            while traffic.t + STEP <= now {
                batch.push(traffic.next());
            }
            if !batch.is_empty() {
                vm_import(port, &import_text(&batch));
                written += batch.len();
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        written
    })
}

/// Stops the live part's threads when dropped, on failure too.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------------------------------------

#[test]
fn victoriametrics_and_prometheus_agree_with_the_exact_ratios_and_vmalert_pages_through_alertmanager()
 {
    let Some(tools) = tools() else { return };
    let wall = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();

    // 1. The specs, their receivers pointed at the test's webhook listener, compiled by the binary.
    let inbox: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let sink = inbox.clone();
    let hooks = Server::start(Arc::new(move |method: &str, path: &str, body: &[u8]| {
        if method != "POST" {
            return (404, "text/plain", String::new());
        }
        sink.lock().unwrap().extend(deliveries_of(
            path.trim_start_matches('/'),
            Instant::now(),
            body,
        ));
        (200, "text/plain", String::new())
    }));
    let specs = root.join("specs");
    common::copy_specs(
        "tests/victoriametrics",
        &specs,
        &format!("http://{}/", hooks.addr),
    );
    let out = common::sloforge(
        &["generate", "specs", "-o", "generated", "--no-tests"],
        root,
    );
    assert!(
        out.status.success(),
        "sloforge generate failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let rules_path = root.join("generated/rules/checkout.rules.yaml");
    let rules = Rules::parse(&fs::read_to_string(&rules_path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", rules_path.display()));
    let windows = windows(&rules);
    assert!(
        windows.iter().any(|w| w.label == SLO_WINDOW),
        "no {SLO_WINDOW} window among {:?}",
        windows.iter().map(|w| &w.label).collect::<Vec<_>>()
    );
    let ratio_group = rules
        .group_of("slo:sli_error:ratio")
        .expect("a rule records slo:sli_error:ratio");
    let rate_group = rules
        .group_of("slo:sli_events:rate1m")
        .expect("a rule records slo:sli_events:rate1m");

    // 2. The data, up to the last whole minute.
    let now = now_ms();
    let scenario = Scenario {
        end: now - now.rem_euclid(MIN),
    };
    let (end, from) = (scenario.end, scenario.from());
    let mut traffic = Traffic::new(scenario);
    let (import, openmetrics, truth) = synthesise(&mut traffic);
    let t_data = wall.elapsed();

    let (vm, vm_port) = start_victoria_metrics(&tools, root);
    vm_import(vm_port, &import);
    let prom_data = root.join("prometheus-data");
    let om = root.join("history.om");
    fs::write(&om, &openmetrics).unwrap();
    run_bounded(
        "promtool",
        Command::new(&tools.promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&om)
            .arg(&prom_data),
        COMMAND,
        &root.join("promtool-openmetrics.log"),
    );
    let t_loaded = wall.elapsed();

    // 3. Prometheus: promtool evaluates each level against what Prometheus holds; its blocks are
    // moved into Prometheus' data and Prometheus restarted for the next level. The rule file
    // keeps one relative path, so that every level is evaluated at its group's times.
    let levels_dir = root.join("levels");
    fs::create_dir_all(&levels_dir).unwrap();
    // A group slower than the raw rates' starts as many blocks later as its interval spans, so
    // that its first evaluation reads a whole interval of what it summarises.
    let starts: Vec<i64> = rules
        .groups
        .iter()
        .map(|g| {
            if g.interval <= rules.groups[rate_group].interval {
                from
            } else {
                from + (g.interval + BLOCK - 1) / BLOCK * BLOCK
            }
        })
        .collect();
    let (mut prom, mut prom_port) = start_prometheus(&tools, root, &prom_data, 0);
    for level in 0..rules.levels() {
        let mut written = false;
        for (g, group) in rules.groups.iter().enumerate() {
            let Some(text) = rules.level_file(level, Some(g), false) else {
                continue;
            };
            fs::write(levels_dir.join("prometheus.rules.json"), text).unwrap();
            let blocks = root.join(format!("blocks-{level}-{g}"));
            let log = run_bounded(
                "promtool",
                Command::new(&tools.promtool)
                    .current_dir(root)
                    .args([
                        "tsdb",
                        "create-blocks-from",
                        "rules",
                        "--start",
                        &(starts[g] / SEC).to_string(),
                        "--end",
                        &(end / SEC).to_string(),
                    ])
                    .arg(format!("--url=http://127.0.0.1:{prom_port}"))
                    .arg(format!("--output-dir={}", blocks.display()))
                    .arg("levels/prometheus.rules.json"),
                COMMAND,
                &root.join(format!("promtool-rules-{level}-{}.log", group.name)),
            );
            for b in fs::read_dir(&blocks).unwrap_or_else(|e| {
                panic!(
                    "promtool wrote no blocks for level {level} of {} ({e}):\n{log}",
                    group.name
                )
            }) {
                let b = b.unwrap().path();
                fs::rename(&b, prom_data.join(b.file_name().unwrap())).unwrap();
            }
            written = true;
        }
        if written {
            drop(prom);
            (prom, prom_port) = start_prometheus(&tools, root, &prom_data, level + 1);
        }
    }
    let t_prometheus = wall.elapsed();

    // Each group's evaluation times in Prometheus (an offset within its interval, from a hash of
    // its name and file), read from the first series it records.
    let mut grids = Grids {
        phase: vec![0; rules.groups.len()],
        interval: rules.groups.iter().map(|g| g.interval).collect(),
        first: starts.clone(),
    };
    for (g, group) in rules.groups.iter().enumerate() {
        let Some(name) = rules
            .rules
            .iter()
            .filter(|r| r.group == g && r.record.is_some())
            .min_by_key(|r| r.level)
            .and_then(|r| r.record.clone())
        else {
            continue;
        };
        let q = format!("{name}[{}s]", (end - starts[g] + group.interval) / SEC);
        let series = samples_at(prom_port, &q, secs(end));
        let times: BTreeSet<i64> = series
            .iter()
            .flat_map(|(_, points)| points.iter().map(|p| p.0.rem_euclid(group.interval)))
            .collect();
        assert_eq!(
            times.len(),
            1,
            "{name}: evaluated at more than one offset within {}ms: {times:?}",
            group.interval
        );
        grids.phase[g] = *times.first().unwrap();
        grids.first[g] = grids.at_or_after(g, starts[g]);
        let expected = (end - grids.first[g]) / group.interval + 1;
        for (labels, points) in &series {
            assert_eq!(
                points.len() as i64,
                expected,
                "{name}{labels}: promtool wrote {} evaluations, not {expected}",
                points.len()
            );
        }
    }

    // 4. VictoriaMetrics: vmalert replays each level of each group from that group's first
    // evaluation time in Prometheus (to the second: vmalert's range queries start on whole
    // seconds), so that both engines record the same evaluations.
    for level in 0..rules.levels() {
        for (g, group) in rules.groups.iter().enumerate() {
            let Some(text) = rules.level_file(level, Some(g), true) else {
                continue;
            };
            let file = levels_dir.join(format!("vmalert-{level}-{g}.rules.json"));
            fs::write(&file, text).unwrap();
            let first = grids.first[g];
            run_bounded(
                "vmalert replay",
                Command::new(&tools.vmalert)
                    .arg(format!("-rule={}", file.display()))
                    .arg(format!("-datasource.url=http://127.0.0.1:{vm_port}"))
                    .arg(format!("-remoteWrite.url=http://127.0.0.1:{vm_port}"))
                    .arg(format!("-replay.timeFrom={}", utc(first.div_euclid(SEC))))
                    .arg(format!("-replay.timeTo={}", utc(end / SEC)))
                    // The rules of one level do not read each other.
                    .args([
                        "-replay.rulesDelay=0s",
                        "-replay.disableProgressBar",
                        "-loggerLevel=WARN",
                    ]),
                COMMAND,
                &root.join(format!("vmalert-replay-{level}-{}.log", group.name)),
            );
            vm_flush(vm_port);
        }
    }
    let t_victoria = wall.elapsed();

    // 5. The live part starts now and runs while the histories are compared.
    let am_config = root.join("generated/alertmanager.yml");
    let (am, am_port) = spawn_alertmanager(&tools.alertmanager, root, &am_config);
    let stop = Arc::new(AtomicBool::new(false));
    let _stop = StopOnDrop(stop.clone());
    let feeder = feed(vm_port, traffic, stop.clone());
    let live_start = Instant::now();
    let live_wall = SystemTime::now();
    let (vmalert, vmalert_port) = spawn_ready("vmalert", &tools.vmalert, root, &|port| {
        vec![
            format!("-rule={}", rules_path.display()),
            format!("-datasource.url=http://127.0.0.1:{vm_port}"),
            format!("-remoteWrite.url=http://127.0.0.1:{vm_port}"),
            format!("-remoteRead.url=http://127.0.0.1:{vm_port}"),
            format!("-notifier.url=http://127.0.0.1:{am_port}"),
            format!("-httpListenAddr=127.0.0.1:{port}"),
            // First evaluations within a second of the start; queries one second behind, as
            // VictoriaMetrics' -search.latencyOffset.
            "-group.maxStartDelay=1s".into(),
            "-rule.evalDelay=1s".into(),
        ]
    });

    // 6. The 1-minute rates, point by point.
    let mut report = String::new();
    // (series, comparison) -> (times over the tolerance, the worst of them).
    let mut failures: BTreeMap<(String, &str), (usize, Worst)> = BTreeMap::new();
    let first_rate = grids.first[rate_group];
    let interval = grids.interval[rate_group];
    let rate_range = format!(
        "slo:sli_events:rate1m{{{SLO}}}[{}s]",
        (end - from + interval) / SEC
    );
    let prom_rates = samples_at(prom_port, &rate_range, secs(end));
    let vm_rates = samples_at(vm_port, &rate_range, secs(end));
    let _ = writeln!(
        report,
        "\n1-minute rates (slo:sli_events:rate1m, {} evaluations each; exact: the events between the samples at or before t - window and t, per second between those samples):",
        (end - first_rate) / interval + 1
    );
    let _ = writeln!(
        report,
        "  {:<8} {:>14} {:>14} {:>18} {:>16} {:>16}",
        "event", "max |vm-prom|", "points > 1%", "mean |vm-prom|", "prom vs exact", "vm vs exact"
    );
    for event in ["errors", "total"] {
        let pick = |v: &[(Json, Vec<(i64, f64)>)]| -> BTreeMap<i64, f64> {
            v.iter()
                .filter(|(m, _)| m["event"] == event)
                .flat_map(|(_, p)| p.iter().map(|&(t, x)| (t.div_euclid(SEC), x)))
                .collect()
        };
        let (p, v) = (pick(&prom_rates), pick(&vm_rates));
        assert_eq!(
            p.len(),
            v.len(),
            "{event}: {} evaluations in Prometheus, {} in VictoriaMetrics",
            p.len(),
            v.len()
        );
        let (mut worst, mut worst_60, mut worst_75, mut over, mut sum) =
            (Worst::default(), Worst::default(), Worst::default(), 0, 0.0);
        for (&t, &prom) in &p {
            let vm = *v
                .get(&t)
                .unwrap_or_else(|| panic!("{event}: no VictoriaMetrics evaluation at {}", utc(t)));
            let at = utc(t);
            let d = relative(vm, prom, 1e-9);
            worst.add(d, &at);
            sum += d;
            over += usize::from(d > TOLERANCE);
            // Both engines: the difference of the last samples at or before t - 1m and t, per
            // second of the base window.
            let tms = t * SEC + (grids.phase[rate_group] % SEC);
            let want = truth.increase(event == "errors", tms - 60 * SEC, tms) / 60.0;
            worst_60.add(relative(prom, want, 1e-9), &at);
            worst_75.add(relative(vm, want, 1e-9), &at);
        }
        let _ = writeln!(
            report,
            "  {:<8} {:>14} {:>14} {:>18} {:>16} {:>16}",
            event,
            percent(worst.value),
            format!("{over}/{}", p.len()),
            percent(sum / p.len() as f64),
            percent(worst_60.value),
            percent(worst_75.value)
        );
        let _ = writeln!(
            report,
            "           (largest vm-prom difference at {})",
            worst.at
        );
    }

    // 7. The windows and the budget at the comparison times.
    let times = comparison_times(&grids, ratio_group, end);
    let mut points = Vec::new();
    for (&t, label) in &times {
        let ratio_q = format!("slo:sli_error:ratio{{{SLO}}}");
        let budget_q = format!("slo:error_budget_remaining:ratio{{{SLO}}}");
        // Both engines read the evaluation at t (Prometheus' to the millisecond, vmalert's to the
        // second before it).
        for (engine, port, slack) in [
            ("prometheus", prom_port, 0),
            ("victoria-metrics", vm_port, SEC - 1),
        ] {
            let at = sample_time(port, &ratio_q, t);
            assert!(
                at <= t && t - at <= slack,
                "{engine}: an instant query at {t} reads the evaluation at {at}"
            );
        }
        let (p, v) = (
            by_window(prom_port, &ratio_q, t),
            by_window(vm_port, &ratio_q, t),
        );
        for w in &windows {
            let value = |m: &BTreeMap<String, f64>, engine: &str| {
                *m.get(&w.label).unwrap_or_else(|| {
                    panic!("{engine} has no {} window at {label}: {m:?}", w.label)
                })
            };
            let e = exact(&rules, &grids, &truth, w, t);
            points.push(Point {
                series: w.label.clone(),
                label: label.clone(),
                t,
                prometheus: value(&p, "prometheus"),
                victoria: value(&v, "victoria-metrics"),
                exact: e,
            });
        }
        let slo_window = windows.iter().find(|w| w.label == SLO_WINDOW).unwrap();
        let one = |port: u16| {
            by_window(port, &budget_q, t)
                .into_values()
                .next()
                .unwrap_or(f64::NAN)
        };
        // The budget counts against the whole window: while the data covers less of it, the
        // window's ratio is scaled by the share covered (the span of the samples it counts).
        let (from, to) = coverage(&rules, &grids, &slo_window.selectors, t, 0);
        let covered = ((to - from) as f64 / slo_window.length as f64).min(1.0);
        let e = 1.0 - exact(&rules, &grids, &truth, slo_window, t) * covered / BUDGET;
        points.push(Point {
            series: "budget remaining".into(),
            label: label.clone(),
            t,
            prometheus: one(prom_port),
            victoria: one(vm_port),
            exact: e,
        });
    }
    let _ = writeln!(
        report,
        "\nslo:sli_error:ratio and slo:error_budget_remaining:ratio at {} evaluation times over the last {}h (relative differences; the budget remaining relative to at least 1, i.e. 1% of the budget):",
        times.len(),
        COMPARED / HOUR
    );
    let _ = writeln!(
        report,
        "  {:<17} {:>14} {:>14} {:>14}   worst vm vs exact at",
        "series", "vm vs prom", "prom vs exact", "vm vs exact"
    );
    let mut series: Vec<String> = windows.iter().map(|w| w.label.clone()).collect();
    series.push("budget remaining".into());
    // The two samples a 1-minute rate reads cannot see the requests between the last sample
    // before a counter reset and the reset: a window holding the reset minute is compared with
    // the exact ratio in the report, but only the engines' agreement is asserted there.
    let mut after_reset = Worst::default();
    for s in &series {
        let (mut vp, mut pe, mut ve) = (Worst::default(), Worst::default(), Worst::default());
        let length = windows
            .iter()
            .find(|w| &w.label == s)
            .map_or(duration_ms(SLO_WINDOW), |w| w.length);
        for p in points.iter().filter(|p| &p.series == s) {
            // The window read at t holds the minutes up to t - 1m, each read from the sample a
            // minute before it: the reset minute until the window plus a minute has passed.
            let holds_reset = p
                .label
                .strip_prefix("counter reset +")
                .is_some_and(|since| duration_ms(since) < length + 60 * SEC);
            let floor = floor_of(s);
            let at = format!("{} ({})", p.label, utc(p.t / SEC));
            let d = [
                relative(p.victoria, p.prometheus, floor),
                relative(p.prometheus, p.exact, floor),
                relative(p.victoria, p.exact, floor),
            ];
            vp.add(d[0], &at);
            pe.add(d[1], &at);
            ve.add(d[2], &at);
            if holds_reset {
                after_reset.add(d[1], &format!("{s} at {at}"));
            }
            for (d, what) in d.iter().zip([
                "victoria-metrics vs prometheus",
                "prometheus vs exact",
                "victoria-metrics vs exact",
            ]) {
                if d.is_nan() || (*d > TOLERANCE && !(holds_reset && what.ends_with("vs exact"))) {
                    let f = failures.entry((s.clone(), what)).or_default();
                    f.0 += 1;
                    let values = format!(
                        "prometheus {:.6}, victoria-metrics {:.6}, exact {:.6}",
                        p.prometheus, p.victoria, p.exact
                    );
                    f.1.add(*d, &format!("{at}: {values}"));
                }
            }
        }
        let _ = writeln!(
            report,
            "  {:<17} {:>14} {:>14} {:>14}   {}",
            s,
            percent(vp.value),
            percent(pe.value),
            percent(ve.value),
            ve.at
        );
    }
    let t_compared = wall.elapsed();

    // 8. The live page.
    let page = vec!["pagerduty-payments"];
    let page_fast = rules
        .rules
        .iter()
        .find(|r| r.json["labels"]["alert_tier"] == "page-fast")
        .expect("a page-fast alert");
    let page_for = page_fast.json["for"].as_str().map_or(0, duration_ms);
    let live_bound = Duration::from_millis(
        u64::try_from(2 * grids.interval[page_fast.group] + page_for + 30 * SEC).unwrap(),
    );
    let deadline = live_start + live_bound;
    let delivered = loop {
        let ds = inbox.lock().unwrap().clone();
        if let Some(d) = ds.iter().find(|d| {
            page.contains(&d.receiver.as_str()) && d.stage == "page-fast" && d.status == "firing"
        }) {
            break d.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no page-fast notification at {page:?} within {live_bound:?} of vmalert's start\nnotifications:\n{}\nvmalert's alerts: {}",
            describe(&ds, live_start),
            get_json(vmalert_port, "/api/v1/alerts")
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    stop.store(true, Ordering::SeqCst);
    let written = feeder.join().unwrap();
    let ds = inbox.lock().unwrap().clone();
    let wrong: Vec<&Delivery> = ds
        .iter()
        .filter(|d| d.status == "firing" && d.stage == "page-fast" && d.team != "payments")
        .collect();
    assert!(
        wrong.is_empty(),
        "page-fast reached other receivers:\n{}",
        describe(&ds, live_start)
    );
    // The evaluation that fired: the rule's last one (the next is an interval away).
    let groups = get_json(vmalert_port, "/api/v1/rules");
    let rule = groups["data"]["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
        .find(|r| r["labels"]["alert_tier"] == "page-fast")
        .unwrap_or_else(|| panic!("vmalert has no page-fast rule: {groups}"));
    let alert = &rule["alerts"][0];
    assert_eq!(alert["state"], "firing", "{rule}");
    let evaluated = rfc3339(rule["lastEvaluation"].as_str().unwrap());
    let delivered_wall = live_wall + delivered.at.duration_since(live_start);
    let _ = writeln!(
        report,
        "\nlive (vmalert every {}s against victoria-metrics, {written} fresh samples written meanwhile):",
        grids.interval[page_fast.group] / SEC
    );
    let _ = writeln!(
        report,
        "  vmalert start -> page-fast firing: {:.2}s (its evaluation at {}; activeAt {}, restored from the replayed ALERTS_FOR_STATE: {}; for {}s)",
        since(evaluated, live_wall),
        rule["lastEvaluation"].as_str().unwrap(),
        alert["activeAt"].as_str().unwrap_or("?"),
        alert["restored"],
        page_for / SEC
    );
    let _ = writeln!(
        report,
        "  firing -> delivered to {} by Alertmanager: {:.2}s (the alert is older than group_wait, so Alertmanager does not wait)",
        delivered.receiver,
        since(delivered_wall, evaluated)
    );
    let _ = writeln!(
        report,
        "  vmalert start -> delivered: {:.2}s (bound {:.0}s: two evaluation intervals, for, 30s)",
        since(delivered_wall, live_wall),
        live_bound.as_secs_f64()
    );
    let _ = writeln!(report, "  notifications:\n{}", describe(&ds, live_start));
    let _ = writeln!(
        report,
        "windows holding the counter reset (the engines are asserted equal there, not exact): worst prometheus vs exact {} ({})",
        percent(after_reset.value),
        after_reset.at
    );
    let _ = writeln!(
        report,
        "\ntimings: data {:.1}s, loaded {:.1}s, prometheus backfill ({} levels) {:.1}s, vmalert replay {:.1}s, comparisons {:.1}s, total {:.1}s",
        t_data.as_secs_f64(),
        t_loaded.as_secs_f64(),
        rules.levels(),
        (t_prometheus - t_loaded).as_secs_f64(),
        (t_victoria - t_prometheus).as_secs_f64(),
        (t_compared - t_victoria).as_secs_f64(),
        wall.elapsed().as_secs_f64()
    );
    eprintln!("{report}");
    drop((vmalert, am, prom, vm, hooks));
    let n = times.len();
    let lines: Vec<String> = failures
        .iter()
        .map(|((s, what), (count, w))| {
            format!(
                "  {s}: {what}: {count} of {n} times over, worst {} at {}",
                percent(w.value),
                w.at
            )
        })
        .collect();
    let prometheus_exact = failures
        .keys()
        .all(|(_, what)| !what.starts_with("prometheus"));
    assert!(
        failures.is_empty(),
        "{} of the {} series differ by more than {} somewhere:\n{}\n{}",
        failures.keys().map(|k| &k.0).collect::<BTreeSet<_>>().len(),
        series.len(),
        percent(TOLERANCE),
        lines.join("\n"),
        if prometheus_exact {
            "Prometheus is within the tolerance of the exact ratios at every time; VictoriaMetrics' windows sum 1-minute rates that MetricsQL takes \
             from the last sample before the rate's range, without extrapolation (75 s of 15-second samples), where Prometheus' span the 60 s of \
             the samples inside it (see the table of 1-minute rates)"
        } else {
            ""
        }
    );
}

#[test]
fn times_format_as_rfc3339_and_parse_back() {
    assert_eq!(utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(utc(951_868_800), "2000-03-01T00:00:00Z");
    assert_eq!(utc(1_709_251_199), "2024-02-29T23:59:59Z");
    for secs in [0, 951_868_800, 1_709_251_199, 4_102_444_800] {
        assert_eq!(
            rfc3339(&utc(secs)),
            UNIX_EPOCH + Duration::from_secs(secs as u64)
        );
    }
}

#[test]
fn rules_are_levelled_by_the_series_they_read() {
    let text = r#"
groups:
  - name: a
    interval: 1m
    rules:
      - record: b:x
        expr: sum(a:x) / on() group_left c:x
      - record: a:x
        expr: rate(raw_total[1m])
      - alert: High
        expr: '{__name__="b:x"} > 1'
  - name: b
    interval: 1h
    rules:
      - record: c:x
        expr: avg_over_time(a:x[1h] offset 1m)
"#;
    let r = Rules::parse(text).unwrap();
    let levels: Vec<usize> = r.rules.iter().map(|r| r.level).collect();
    assert_eq!(levels, [2, 0, 3, 1]);
    assert_eq!(
        r.rules[3].selectors,
        [Sel {
            name: "a:x".into(),
            offset: MIN,
            range: HOUR
        }]
    );
    assert_eq!(r.levels(), 4);
    let l2: Json = serde_json::from_str(&r.level_file(2, None, false).unwrap()).unwrap();
    assert_eq!(l2["groups"][0]["name"], "a");
    assert_eq!(l2["groups"][0]["rules"].as_array().unwrap().len(), 1);
    assert!(
        r.level_file(3, None, false).is_none(),
        "alerting rules are left out"
    );

    let cycle = "groups:\n  - name: a\n    rules:\n      - record: t\n        expr: t + rate(raw_total[1m])\n";
    let e = Rules::parse(cycle).err().unwrap();
    assert!(
        e.contains("t reads t") && e.contains("cannot be backfilled"),
        "{e}"
    );
}
