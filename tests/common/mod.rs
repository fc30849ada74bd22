//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod chromium;
pub mod configmap;
pub mod dashboards;
pub mod live;
pub mod loopback;
pub mod routing;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate root (stable in snapshots).
pub fn rel(p: &Path) -> PathBuf {
    p.strip_prefix(root())
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

/// The receivers' URL in the end-to-end specs, pointed at a test's webhook listener by
/// [`copy_specs`].
pub const WEBHOOK_PLACEHOLDER: &str = "http://127.0.0.1:9/";

/// Copies the `.yaml` specs of `from` (relative to the repository) into `to`, with the
/// receivers' placeholder URL replaced by `webhook` (`http://host:port/`).
pub fn copy_specs(from: &str, to: &Path, webhook: &str) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(root().join(from)).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            let text = std::fs::read_to_string(&p)
                .unwrap()
                .replace(WEBHOOK_PLACEHOLDER, webhook);
            std::fs::write(to.join(p.file_name().unwrap()), text).unwrap();
        }
    }
}

pub fn sloforge(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sloforge"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run sloforge")
}

/// The engine versions `make tools` installs (scripts/tools.sh), oldest first; the last is
/// the Prometheus 3 LTS, which single-version tests use.
pub const PROMETHEUS_VERSIONS: [&str; 3] = ["2.42.0", "2.53.3", "3.5.3"];
/// The Prometheus release the single-version tests run: the 3.x LTS.
pub const LTS: &str = "3.5.3";

/// Where `make tools` installs the engines (`SLOFORGE_TOOLS`, default `.tools/`).
pub fn tools_dir() -> PathBuf {
    std::env::var_os("SLOFORGE_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools"))
}

fn missing(what: &str) -> Option<PathBuf> {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is not installed (run `make tools`); CI must run it");
    }
    eprintln!("skipping: {what} not installed (run `make tools`)");
    None
}

/// A tool of Debian's prometheus packages (`promtool`, `prometheus`, `amtool`,
/// `prometheus-alertmanager`) of `version`, as `make tools` installs it. Under `CI` a missing
/// tool fails the test; elsewhere the test is skipped with a note.
pub fn tool_of(version: &str, name: &str) -> Option<PathBuf> {
    let p = tools_dir().join("prometheus").join(version).join(name);
    if p.is_file() {
        Some(p)
    } else {
        missing(&format!("{name} {version}"))
    }
}

/// A tool of the Prometheus 3 LTS ([`LTS`]).
pub fn tool(name: &str) -> Option<PathBuf> {
    tool_of(LTS, name)
}

/// `name` of every version in [`PROMETHEUS_VERSIONS`], with its version; empty when one is
/// missing outside CI (the test is then skipped with a note).
pub fn tool_matrix(name: &str) -> Vec<(&'static str, PathBuf)> {
    let found: Option<Vec<_>> = PROMETHEUS_VERSIONS
        .iter()
        .map(|v| tool_of(v, name).map(|p| (*v, p)))
        .collect();
    found.unwrap_or_default()
}

/// The release an amtool binary is (`amtool, version 0.28.1+ds (...)`).
pub fn amtool_release(amtool: &Path) -> sloforge::verify::amcheck::AmVersion {
    let o = Command::new(amtool).arg("--version").output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let v = text
        .split_whitespace()
        .skip_while(|w| *w != "version")
        .nth(1)
        .unwrap_or_default()
        .split('+')
        .next()
        .unwrap_or_default()
        .to_string();
    sloforge::verify::amcheck::AmVersion::parse(&v)
        .unwrap_or_else(|| panic!("unknown amtool release: {text}"))
}

/// A Go-built engine of `make tools` (`victoria-metrics`, `vmalert`, `sloth`).
pub fn go_tool(name: &str) -> Option<PathBuf> {
    let p = tools_dir().join("bin").join(name);
    if p.is_file() { Some(p) } else { missing(name) }
}

pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("spawn");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// Rule files compiled from `paths`, without the header line that names the source file.
pub fn rules_of(paths: &[PathBuf]) -> Vec<String> {
    use sloforge::render::{self, RenderOptions};
    let b = sloforge::build(paths, false);
    let c = b
        .compilation
        .unwrap_or_else(|| panic!("{paths:?}: {}", b.diagnostics.render(&b.sources)));
    render::render_tree(&c, &RenderOptions::default())
        .into_iter()
        .filter(|(k, _)| k.ends_with(".rules.yaml"))
        .map(|(_, v)| v.lines().skip(1).collect::<Vec<_>>().join("\n"))
        .collect()
}

/// A generated rule file as read back from its YAML.
#[derive(serde::Deserialize)]
pub struct File {
    pub groups: Vec<Group>,
}

#[derive(serde::Deserialize)]
pub struct Group {
    pub rules: Vec<Rule>,
}

#[derive(serde::Deserialize)]
pub struct Rule {
    #[serde(default)]
    pub expr: String,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// An RFC 3339 timestamp as Prometheus and Alertmanager write it.
pub fn rfc3339(s: &str) -> SystemTime {
    fn bad(s: &str) -> ! {
        panic!("not an RFC 3339 time: {s}")
    }
    fn num(s: &str, x: &str) -> i64 {
        x.parse().unwrap_or_else(|_| bad(s))
    }
    let (date, rest) = s.split_once('T').unwrap_or_else(|| bad(s));
    let d: Vec<i64> = date.split('-').map(|x| num(s, x)).collect();
    let (clock, offset) = rest.split_at(rest.find(['Z', '+', '-']).unwrap_or_else(|| bad(s)));
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, "0"));
    let t: Vec<i64> = hms.split(':').map(|x| num(s, x)).collect();
    if d.len() != 3 || t.len() != 3 {
        bad(s);
    }
    let nanos = u64::try_from(num(s, &format!("{frac:0<9}")[..9])).unwrap_or_else(|_| bad(s));
    let offset_secs = match offset {
        "Z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (h, m) = o[1..].split_once(':').unwrap_or_else(|| bad(s));
            sign * (num(s, h) * 3600 + num(s, m) * 60)
        }
    };
    // Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    let (y, m, day) = (d[0] - i64::from(d[1] <= 2), d[1], d[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let secs = days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2] - offset_secs;
    UNIX_EPOCH
        + Duration::from_secs(u64::try_from(secs).unwrap_or_else(|_| bad(s)))
        + Duration::from_nanos(nanos)
}

/// Seconds from `start` to `t`, negative when `t` is earlier.
pub fn since(t: SystemTime, start: SystemTime) -> f64 {
    t.duration_since(start)
        .map_or_else(|e| -e.duration().as_secs_f64(), |d| d.as_secs_f64())
}

/// Unix seconds as an RFC 3339 UTC time (Howard Hinnant's civil_from_days).
pub fn utc(secs: i64) -> String {
    let (days, s) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// `tsc` of the TypeScript compiler `make tools` installs with Grafana's `@grafana/schema`
/// (`.tools/node/`). Under `CI` a missing one fails the test; elsewhere it is skipped with a note.
pub fn tsc() -> Option<PathBuf> {
    let p = tools_dir().join("node/node_modules/.bin/tsc");
    let schema = tools_dir().join("node/node_modules/@grafana/schema/package.json");
    if p.is_file() && schema.is_file() {
        Some(p)
    } else {
        missing("tsc with @grafana/schema")
    }
}
