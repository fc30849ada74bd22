//! The command line's arguments: one struct per command, the flags they share, and the
//! value parsers.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::driver::Specs;
use crate::driver::out::{Color, Report};
use crate::load::Exclude;

#[derive(Args, Debug)]
pub(super) struct DoctorArgs {
    #[command(flatten)]
    pub(super) spec: SpecArgs,
    /// Base URL of the Prometheus that scrapes the SLI series and runs the rules
    /// (`http://prometheus:9090`).
    #[arg(long, value_name = "URL", required = true)]
    pub(super) prometheus: String,
    /// Base URL of the Alertmanager that should run the generated routes.
    #[arg(long, value_name = "URL")]
    pub(super) alertmanager: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t)]
    pub(super) output: OutputArg,
}

#[derive(Args, Debug)]
pub(super) struct StatusArgs {
    #[command(flatten)]
    pub(super) spec: SpecArgs,
    /// Base URL of the Prometheus that runs the generated rules (`http://prometheus:9090`).
    #[arg(long, value_name = "URL", required = true)]
    pub(super) prometheus: String,
    /// Evaluate at this instant instead of now: RFC 3339 (`2026-11-11T10:00:00Z`) or Unix
    /// seconds (a post-mortem's "where were we when it started").
    #[arg(long, value_name = "TIME", value_parser = crate::budget::command::parse_at)]
    pub(super) at: Option<f64>,
    /// Report format: a table (coloured on a terminal unless NO_COLOR is set), JSON, or
    /// Markdown for a pull request or a chat message.
    #[arg(long, value_enum, default_value_t)]
    pub(super) output: StatusOutputArg,
}

/// `status --output`.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub(super) enum StatusOutputArg {
    #[default]
    Table,
    Json,
    Markdown,
}

impl From<StatusOutputArg> for crate::budget::command::Format {
    fn from(o: StatusOutputArg) -> Self {
        match o {
            StatusOutputArg::Table => Self::Table,
            StatusOutputArg::Json => Self::Json,
            StatusOutputArg::Markdown => Self::Markdown,
        }
    }
}

#[derive(Args, Debug)]
pub(super) struct GateArgs {
    #[command(flatten)]
    pub(super) spec: SpecArgs,
    /// Base URL of the Prometheus that runs the generated rules (`http://prometheus:9090`).
    #[arg(long, value_name = "URL", required = true)]
    pub(super) prometheus: String,
    /// The service about to deploy.
    #[arg(long, value_name = "NAME", required = true)]
    pub(super) service: String,
    /// Only this SLO of the service (default: every SLO of it; any frozen one freezes).
    #[arg(long, value_name = "NAME")]
    pub(super) slo: Option<String>,
    /// The first policy stage that freezes deploys. Stages by the budget left: normal ≥ 75 %,
    /// caution 50–75 %, alert 25–50 %, critical 10–25 %, lockdown < 10 %. The default is the
    /// seeds' policy: CI/CD deployments pause below 25 %.
    #[arg(long, value_enum, value_name = "STAGE", default_value_t = StageArg::Critical)]
    pub(super) min_stage: StageArg,
    /// This deploy is a hotfix: it goes through in every stage but lockdown (< 10 % left), as
    /// the policy pauses deployments "except hotfixes" until the budget is nearly gone.
    #[arg(long)]
    pub(super) allow_hotfix: bool,
    /// Decide as at this instant instead of now: RFC 3339 or Unix seconds.
    #[arg(long, value_name = "TIME", value_parser = crate::budget::command::parse_at)]
    pub(super) at: Option<f64>,
}

/// `gate --min-stage`.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub(super) enum StageArg {
    Caution,
    Alert,
    Critical,
    Lockdown,
}

impl From<StageArg> for crate::budget::policy::Stage {
    fn from(s: StageArg) -> Self {
        match s {
            StageArg::Caution => Self::Caution,
            StageArg::Alert => Self::Alert,
            StageArg::Critical => Self::Critical,
            StageArg::Lockdown => Self::Lockdown,
        }
    }
}

#[derive(Args, Debug)]
pub(super) struct ReportArgs {
    #[command(flatten)]
    pub(super) spec: SpecArgs,
    /// Base URL of the Prometheus that runs the generated rules (`http://prometheus:9090`).
    #[arg(long, value_name = "URL", required = true)]
    pub(super) prometheus: String,
    /// Show the SLOs as at this instant instead of now: RFC 3339 (`2026-12-01T09:00:00Z`) or
    /// Unix seconds (a monthly review, a post-mortem).
    #[arg(long, value_name = "TIME", value_parser = crate::budget::command::parse_at)]
    pub(super) at: Option<f64>,
    /// The HTML file to write, or `-` for stdout.
    #[arg(short, long, default_value = "report.html")]
    pub(super) output: PathBuf,
}

#[derive(Args, Debug)]
pub(super) struct ConvertArgs {
    #[command(flatten)]
    pub(super) spec: SpecArgs,
    /// Output directory for `<service>.yaml` files, or `-` for one stream on stdout.
    #[arg(short, long, default_value = "-")]
    pub(super) output: PathBuf,
}

#[derive(Args, Debug)]
pub(super) struct RoutesArgs {
    #[command(flatten)]
    pub(super) spec: SpecArgs,
    /// Prove this Alertmanager configuration (a spliced one, say) instead of the generated one.
    #[arg(long)]
    pub(super) config: Option<PathBuf>,
    /// Report format: a table, or the routed alerts with every label as JSON or YAML.
    #[arg(long, value_enum, default_value_t)]
    pub(super) output: OutputArg,
    /// The same as `--output json` (kept for scripts that use it).
    #[arg(long, hide = true, conflicts_with = "output")]
    pub(super) json: bool,
    /// The Alertmanager release `--config` is checked against (0.25, 0.28 or 0.33): what it
    /// would refuse to load (an undefined receiver, an unknown field) is an error.
    #[arg(long, value_name = "VERSION", default_value = "0.33", value_parser = parse_am_version)]
    pub(super) alertmanager_version: crate::verify::amcheck::AmVersion,
}

#[derive(Args, Debug)]
pub(super) struct SpliceArgs {
    #[command(flatten)]
    pub(super) spec: SpecArgs,
    /// The Alertmanager configuration to splice into (rewritten in place unless `-o` is given).
    #[arg(long, required = true)]
    pub(super) config: PathBuf,
    /// Write the result here instead (`-` for stdout).
    #[arg(short, long)]
    pub(super) output: Option<PathBuf>,
    /// Write nothing; exit 1 when the file is not up to date.
    #[arg(long)]
    pub(super) check: bool,
    /// The Alertmanager release the configuration is checked against (0.25, 0.28 or 0.33): a
    /// field added in a later release is an unknown field.
    #[arg(long, value_name = "VERSION", default_value = "0.33", value_parser = parse_am_version)]
    pub(super) alertmanager_version: crate::verify::amcheck::AmVersion,
}

#[derive(Args, Debug)]
pub(super) struct TestArgs {
    /// Output directories (searched for `*.test.yaml`) or test files.
    #[arg(default_value = "generated")]
    pub(super) paths: Vec<PathBuf>,
    /// The promtool binary.
    #[arg(long, default_value = "promtool")]
    pub(super) promtool: PathBuf,
    /// promtool processes to run side by side (default: one per CPU).
    #[arg(long)]
    pub(super) jobs: Option<usize>,
}

#[derive(Args, Debug)]
pub(super) struct DrillArgs {
    /// What goes wrong: `outage:SERVICE/SLO@DURATION` (every request fails),
    /// `errors:SERVICE/SLO:PCT%@DURATION` (that share fails) or
    /// `latency:SERVICE[/SLO]:PCT%@DURATION` (that share is slower than the threshold; without
    /// `/SLO` every latency SLO of the service).
    #[arg(value_name = "SCENARIO")]
    pub(super) scenario: String,
    #[command(flatten)]
    pub(super) spec: SpecArgs,
    /// Clean traffic before the scenario (default: the longest long window of the SLO's page
    /// tiers, so that their windows hold history as on a running server).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_or_zero)]
    pub(super) before: Option<crate::model::Duration>,
    /// Clean traffic after the scenario (default: long enough for every burn-rate alert to
    /// resolve: the longest short window and `keep_firing_for`, the base window, the raw read's
    /// span and two evaluations).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_or_zero)]
    pub(super) after: Option<crate::model::Duration>,
    /// The promtool binary.
    #[arg(long, default_value = "promtool")]
    pub(super) promtool: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t)]
    pub(super) output: OutputArg,
}

#[derive(Args, Debug)]
pub(super) struct ExplainArgs {
    #[command(flatten)]
    pub(super) spec: SpecArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t)]
    pub(super) output: OutputArg,
}

/// The format of a report on stdout: the same `--output` on every reporting command.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub(super) enum OutputArg {
    /// Tables and sentences, for people.
    #[default]
    Text,
    /// Pretty-printed JSON.
    Json,
    /// YAML.
    Yaml,
}

impl From<OutputArg> for Report {
    fn from(o: OutputArg) -> Report {
        match o {
            OutputArg::Text => Report::Text,
            OutputArg::Json => Report::Json,
            OutputArg::Yaml => Report::Yaml,
        }
    }
}

#[derive(Args, Debug)]
pub(super) struct SpecArgs {
    /// Spec files or directories.
    #[arg(default_value = "slo-specs")]
    pub(super) specs: Vec<PathBuf>,
    /// Treat warnings (such as unknown keys in Sloth specs) as errors.
    #[arg(long)]
    pub(super) strict: bool,
    /// Leave out files of the searched directories whose path (under the directory) or name
    /// matches GLOB (`kustomization.yaml`, `drafts/**`); repeatable.
    #[arg(long, value_name = "GLOB", value_parser = parse_glob)]
    pub(super) exclude: Vec<globset::Glob>,
}

impl SpecArgs {
    /// The specs as the driver reads them.
    pub(super) fn specs(&self) -> Specs {
        Specs {
            paths: self.specs.clone(),
            strict: self.strict,
            // Each glob compiled on its own already: the set of them compiles too.
            exclude: Exclude::new(&self.exclude).unwrap_or_default(),
        }
    }
}

#[derive(Args, Debug)]
pub(super) struct GenerateArgs {
    #[command(flatten)]
    pub(super) spec: SpecArgs,
    /// Output directory, or `-` for one YAML stream on stdout.
    #[arg(short, long, default_value = "generated")]
    pub(super) output: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Yaml)]
    pub(super) format: FormatArg,
    /// Namespace of Kubernetes resources.
    #[arg(long)]
    pub(super) namespace: Option<String>,
    /// Metadata label of Kubernetes resources, `key=value` (repeatable).
    #[arg(long = "label", value_parser = parse_label)]
    pub(super) labels: Vec<(String, String)>,
    /// Do not write the promtool unit tests (`tests/<service>.test.yaml`) next to the rules.
    #[arg(long)]
    pub(super) no_tests: bool,
    /// Do not write the runbooks (`runbooks/<service>/<slo>.md`) next to the rules.
    #[arg(long)]
    pub(super) no_runbooks: bool,
    /// Do not write the Grafana dashboards (`dashboards/<service>.json`, `dashboards/overview.json`,
    /// or their `ConfigMap`s with `--format kubernetes`).
    #[arg(long)]
    pub(super) no_dashboards: bool,
    /// History cap of generated test scenarios whose ticket windows do not fit (default 2h):
    /// those are exercised partially. Page tiers are exercised over their full windows either way,
    /// up to promtool's limit of 10,000 samples per query (9,900 evaluations).
    #[arg(long, value_parser = parse_duration)]
    pub(super) test_history: Option<crate::model::Duration>,
    /// The ruler that loads the rules: `mimir` and `cortex` rule files name their namespace (one
    /// per service) for `mimirtool`/`cortextool rules load`, `thanos` groups set
    /// `partial_response_strategy: abort`, `victoriametrics` resources are `VMRule`s. Unit tests
    /// are written for `prometheus` and `victoriametrics` only (promtool reads their files).
    #[arg(long, value_enum, default_value_t = TargetArg::Prometheus)]
    pub(super) target: TargetArg,
    /// Most rules in one rule group the ruler takes, 0 for no limit (default: 20 for `mimir`,
    /// else no limit); a group with more is an error (E121).
    #[arg(long, value_name = "N")]
    pub(super) max_rules_per_group: Option<usize>,
    /// Most rule groups of all services together the ruler takes per tenant, 0 for no limit
    /// (default: 70 for `mimir`, else no limit); more is an error (E122).
    #[arg(long, value_name = "N")]
    pub(super) max_groups: Option<usize>,
    /// Rules of up to N SLOs of a service in one rule group (groups of the same interval only).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub(super) slos_per_group: u16,
    /// With `--format kubernetes`: the `spec.alertmanagerConfigMatcherStrategy.type` of the
    /// Prometheus Operator's Alertmanager that reads the `AlertmanagerConfig`s (default: the
    /// routing spec's `kubernetes.matcher_strategy`, else `OnNamespace`, the operator's default).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub(super) matcher_strategy: Option<StrategyArg>,
    /// With `--format kubernetes`: the namespace of that Alertmanager (default: the routing
    /// spec's `kubernetes.alertmanager_namespace`).
    #[arg(long, value_name = "NS", value_parser = parse_namespace)]
    pub(super) alertmanager_namespace: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub(super) enum StrategyArg {
    #[value(name = "OnNamespace")]
    OnNamespace,
    #[value(name = "OnNamespaceExceptForAlertmanagerNamespace")]
    OnNamespaceExceptForAlertmanagerNamespace,
    #[value(name = "None")]
    None,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub(super) enum FormatArg {
    Yaml,
    Kubernetes,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub(super) enum TargetArg {
    Prometheus,
    Mimir,
    Cortex,
    Thanos,
    #[value(name = "victoriametrics")]
    VictoriaMetrics,
}

#[derive(Args, Debug)]
pub(super) struct ValidateArgs {
    #[command(flatten)]
    pub(super) spec: SpecArgs,
    /// Report format: diagnostics on stderr (text), or every diagnostic and the fleet's size on
    /// stdout as JSON or YAML.
    #[arg(long, value_enum, default_value_t)]
    pub(super) output: OutputArg,
}

#[derive(Args, Debug)]
pub(super) struct InitArgs {
    /// The specs directory to write into (created when missing).
    #[arg(default_value = "slo-specs")]
    pub(super) dir: PathBuf,
    /// Name of the service (lower-case letters, digits, `-`, `_`).
    #[arg(long, default_value = "api")]
    pub(super) service: String,
    /// The team that owns it (its alerts carry `team=<TEAM>`).
    #[arg(long, default_value = "my-team")]
    pub(super) team: String,
    /// Objective in percent.
    #[arg(long, default_value = "99.9")]
    pub(super) objective: String,
    /// The request counter the SLI reads (errors: its series with a 5xx `code`).
    #[arg(long, default_value = "http_requests_total")]
    pub(super) metric: String,
    /// Also write `routing.yaml`: the team's pages to PagerDuty and chat, tickets to chat.
    #[arg(long)]
    pub(super) routing: bool,
}

#[derive(Args, Debug)]
pub(super) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(super) shell: clap_complete::Shell,
}

/// `--color`: colour in diagnostics.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub(super) enum ColorArg {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    Always,
    Never,
}

impl From<ColorArg> for Color {
    fn from(c: ColorArg) -> Color {
        match c {
            ColorArg::Auto => Color::Auto,
            ColorArg::Always => Color::Always,
            ColorArg::Never => Color::Never,
        }
    }
}

pub(super) fn parse_duration(s: &str) -> Result<crate::model::Duration, String> {
    match crate::model::Duration::parse(s) {
        Ok(d) if d.as_millis() > 0 => Ok(d),
        Ok(_) => Err("must be positive".into()),
        Err(e) => Err(e.to_string()),
    }
}

pub(super) fn parse_duration_or_zero(s: &str) -> Result<crate::model::Duration, String> {
    crate::model::Duration::parse(s).map_err(|e| e.to_string())
}

pub(super) fn parse_namespace(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("`{s}` is not a Kubernetes namespace name"))
    }
}

pub(super) fn parse_am_version(s: &str) -> Result<crate::verify::amcheck::AmVersion, String> {
    crate::verify::amcheck::AmVersion::parse(s)
        .ok_or_else(|| format!("`{s}`: expected an Alertmanager release: 0.25, 0.28 or 0.33"))
}

pub(super) fn parse_label(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not key=value"))?;
    if k.is_empty() {
        return Err("empty label name".into());
    }
    Ok((k.to_string(), v.to_string()))
}

pub(super) fn parse_glob(s: &str) -> Result<globset::Glob, String> {
    globset::Glob::new(s).map_err(|e| e.to_string())
}
