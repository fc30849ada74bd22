//! What `doctor` found, and its two renderings: text grouped by SLO, and JSON.
//!
//! The JSON fields are stable (documented in the README): `prometheus`, `alertmanager`,
//! `errors`, `warnings`, `slos` (one entry per SLO: `service`, `slo`, `findings`, `passed`) and
//! `server` (findings about the servers rather than one SLO: `findings`, `passed`); a finding is
//! `code`, `severity` (`error` or `warning`), `check`, `message` and `fix`.

use serde::Serialize;

/// How bad a finding is: an error fails the run (exit 1), a warning does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Stable finding codes (`D001`…), documented in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// A selector of the SLI returns no series.
    NoSeries,
    /// The errors (or good) series are not among the total's series.
    NotSubset,
    /// No bucket of the histogram has the latency threshold as its `le`.
    ThresholdBucket,
    /// `_count` series without `_bucket` series (a native histogram, or classic buckets dropped).
    ClassicBuckets,
    /// The SLI's series are scraped at another interval than the settings' `scrape_interval`.
    ScrapeInterval,
    /// Retention shorter than what the rules read back.
    Retention,
    /// Size-based retention: data may go before the time retention says.
    RetentionSize,
    /// A generated rule group is not loaded.
    GroupMissing,
    /// A loaded rule group is unhealthy, or differs from the generated one.
    GroupUnhealthy,
    /// A recording rule's series is missing.
    RecordMissing,
    /// Alertmanager routes generated alerts differently from the routing spec.
    Routing,
    /// A generated receiver is not in Alertmanager's configuration.
    ReceiverMissing,
    /// A generated inhibition rule is not in Alertmanager's configuration.
    InhibitionMissing,
    /// A query or API the check needs failed.
    ApiFailed,
    /// A grouped SLO's live groups: more than `max_groups`, or series without a group label.
    Groups,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NoSeries => "D001",
            Code::NotSubset => "D002",
            Code::ThresholdBucket => "D003",
            Code::ClassicBuckets => "D004",
            Code::ScrapeInterval => "D005",
            Code::Retention => "D006",
            Code::RetentionSize => "D007",
            Code::GroupMissing => "D008",
            Code::GroupUnhealthy => "D009",
            Code::RecordMissing => "D010",
            Code::Routing => "D011",
            Code::ReceiverMissing => "D012",
            Code::InhibitionMissing => "D013",
            Code::ApiFailed => "D014",
            Code::Groups => "D015",
        }
    }

    /// The check a code belongs to (the `check` field of the JSON).
    pub fn check(self) -> &'static str {
        match self {
            Code::NoSeries => "series",
            Code::NotSubset => "subset",
            Code::ThresholdBucket => "threshold_bucket",
            Code::ClassicBuckets => "classic_buckets",
            Code::ScrapeInterval => "scrape_interval",
            Code::Retention | Code::RetentionSize => "retention",
            Code::GroupMissing | Code::GroupUnhealthy => "rule_groups",
            Code::RecordMissing => "recorded_series",
            Code::Routing | Code::ReceiverMissing | Code::InhibitionMissing => "alertmanager",
            Code::ApiFailed => "api",
            Code::Groups => "groups",
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub check: &'static str,
    /// What was found.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl Finding {
    pub fn new(code: Code, severity: Severity, message: String, fix: String) -> Finding {
        Finding {
            code,
            severity,
            check: code.check(),
            message,
            fix,
        }
    }
}

/// Findings of one subject (an SLO, or the servers), and the checks it passed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Section {
    pub findings: Vec<Finding>,
    /// One line per check passed (`selectors return series`, …).
    pub passed: Vec<String>,
}

impl Section {
    pub fn error(&mut self, code: Code, message: String, fix: String) {
        self.findings
            .push(Finding::new(code, Severity::Error, message, fix));
    }

    pub fn warn(&mut self, code: Code, message: String, fix: String) {
        self.findings
            .push(Finding::new(code, Severity::Warning, message, fix));
    }

    pub fn pass(&mut self, what: String) {
        self.passed.push(what);
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SloSection {
    pub service: String,
    pub slo: String,
    #[serde(flatten)]
    pub section: Section,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub prometheus: String,
    pub alertmanager: Option<String>,
    pub errors: usize,
    pub warnings: usize,
    pub slos: Vec<SloSection>,
    pub server: Section,
}

impl Report {
    pub fn new(
        prometheus: String,
        alertmanager: Option<String>,
        slos: Vec<SloSection>,
        server: Section,
    ) -> Report {
        let all = || {
            slos.iter()
                .flat_map(|s| &s.section.findings)
                .chain(&server.findings)
        };
        let errors = all().filter(|f| f.severity == Severity::Error).count();
        let warnings = all().filter(|f| f.severity == Severity::Warning).count();
        Report {
            prometheus,
            alertmanager,
            errors,
            warnings,
            slos,
            server,
        }
    }

    /// The exit code: 1 on any error finding, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.errors > 0)
    }
}

fn push_section(out: &mut String, title: &str, s: &Section) {
    out.push_str(title);
    out.push('\n');
    for f in &s.findings {
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("  {sev}[{}]: {}\n", f.code.as_str(), f.message));
        out.push_str(&format!("    fix: {}\n", f.fix));
    }
    if !s.passed.is_empty() {
        out.push_str(&format!("  ok: {}\n", s.passed.join("; ")));
    }
    out.push('\n');
}

/// The report as text: one block per SLO, then the servers, then a summary line.
pub fn render_text(r: &Report) -> String {
    let mut out = format!("Prometheus {}", r.prometheus);
    if let Some(am) = &r.alertmanager {
        out.push_str(&format!(", Alertmanager {am}"));
    }
    out.push_str("\n\n");
    for s in &r.slos {
        push_section(&mut out, &format!("{}/{}", s.service, s.slo), &s.section);
    }
    if !r.server.findings.is_empty() || !r.server.passed.is_empty() {
        push_section(&mut out, "servers", &r.server);
    }
    let clean = r
        .slos
        .iter()
        .filter(|s| s.section.findings.is_empty())
        .count();
    out.push_str(&format!(
        "{} error(s), {} warning(s); {clean} of {} SLO(s) without findings\n",
        r.errors,
        r.warnings,
        r.slos.len()
    ));
    out
}

/// Reports a failed query of the Prometheus API.
pub(super) fn api_failed(sec: &mut Section, what: &str, e: &dyn std::fmt::Display) {
    sec.error(
        Code::ApiFailed,
        format!("{what}: {e}"),
        "check that the URL is Prometheus' (not a proxy's login page) and that the query runs there".into(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_exit_code() {
        let mut a = Section::default();
        a.warn(Code::ScrapeInterval, "w".into(), "f".into());
        let slos = vec![SloSection {
            service: "s".into(),
            slo: "x".into(),
            section: a,
        }];
        let r = Report::new("p".into(), None, slos.clone(), Section::default());
        assert_eq!((r.errors, r.warnings, r.exit_code()), (0, 1, 0));
        let mut server = Section::default();
        server.error(Code::GroupMissing, "e".into(), "f".into());
        let r = Report::new("p".into(), None, slos, server);
        assert_eq!(r.exit_code(), 1);
        let j: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(j["slos"][0]["findings"][0]["code"], "D005");
        assert_eq!(j["slos"][0]["findings"][0]["check"], "scrape_interval");
        assert_eq!(j["server"]["findings"][0]["severity"], "error");
        assert!(render_text(&r).contains("warning[D005]: w\n    fix: f"));
    }
}
