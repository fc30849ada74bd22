//! Command line: parses the arguments and dispatches to the command's driver, whose exit code
//! it returns (0 success, 1 invalid specs or drift, 2 usage error).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::compile::target::{RulerLimits, Target, TargetOptions};
use crate::driver::generate::{self, GenerateOptions};
use crate::driver::{commands, routing};
use crate::render::{Format, RenderOptions};
use crate::testrun::RunOptions;

#[derive(Parser, Debug)]
#[command(
    name = "sloforge",
    version,
    about = "Compile SLO specs into Prometheus multi-window multi-burn-rate rules"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate rule files from the specs (default: slo-specs → generated).
    Generate(GenerateArgs),
    /// Generate in memory and compare with the output directory; exit 1 on any drift.
    Check(GenerateArgs),
    /// Validate the specs and report every problem; write nothing.
    Validate(SpecArgs),
    /// Print the JSON Schema of the native spec format.
    Schema,
    /// Run the generated promtool unit tests (`tests/*.test.yaml`) with the real `promtool test
    /// rules` and summarise; exit 1 when any fails.
    Test(TestArgs),
    /// Per SLO: error budget, and per alert tier its windows, factor, threshold, budget spent
    /// when it fires, detection times and time to exhaustion.
    Explain(ExplainArgs),
    /// Write the specs (Sloth, OpenSLO or native) in the native format, one file per service.
    Convert(ConvertArgs),
    /// List every alert the rules can produce and the Alertmanager receivers it reaches; exit 1
    /// when an alert misses its team's receivers or a route is unreachable.
    Routes(RoutesArgs),
    /// Insert sloforge's routes, receivers, inhibition rules and time intervals into an existing
    /// alertmanager.yml, keeping the rest of it (running it again changes nothing).
    Splice(SpliceArgs),
    /// Check the specs against a live Prometheus (and Alertmanager): series, buckets, scrape
    /// interval, retention, loaded rule groups, routes; exit 1 on any error finding, 2 when a
    /// server cannot be reached.
    Doctor(DoctorArgs),
}

#[derive(Args, Debug)]
struct DoctorArgs {
    #[command(flatten)]
    spec: SpecArgs,
    /// Base URL of the Prometheus that scrapes the SLI series and runs the rules
    /// (`http://prometheus:9090`).
    #[arg(long, value_name = "URL", required = true)]
    prometheus: String,
    /// Base URL of the Alertmanager that should run the generated routes.
    #[arg(long, value_name = "URL")]
    alertmanager: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    output: ExplainFormat,
}

#[derive(Args, Debug)]
struct ConvertArgs {
    #[command(flatten)]
    spec: SpecArgs,
    /// Output directory for `<service>.yaml` files, or `-` for one stream on stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
}

#[derive(Args, Debug)]
struct RoutesArgs {
    #[command(flatten)]
    spec: SpecArgs,
    /// Prove this Alertmanager configuration (a spliced one, say) instead of the generated one.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print the routed alerts (every label) as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct SpliceArgs {
    #[command(flatten)]
    spec: SpecArgs,
    /// The Alertmanager configuration to splice into (rewritten in place unless `-o` is given).
    #[arg(long, required = true)]
    config: PathBuf,
    /// Write the result here instead (`-` for stdout).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Write nothing; exit 1 when the file is not up to date.
    #[arg(long)]
    check: bool,
    /// The Alertmanager release the configuration is checked against (0.25, 0.28 or 0.33): a
    /// field added in a later release is an unknown field.
    #[arg(long, value_name = "VERSION", default_value = "0.33", value_parser = parse_am_version)]
    alertmanager_version: crate::verify::amcheck::AmVersion,
}

#[derive(Args, Debug)]
struct TestArgs {
    /// Output directories (searched for `*.test.yaml`) or test files.
    #[arg(default_value = "generated")]
    paths: Vec<PathBuf>,
    /// The promtool binary.
    #[arg(long, default_value = "promtool")]
    promtool: PathBuf,
    /// promtool processes to run side by side (default: one per CPU).
    #[arg(long)]
    jobs: Option<usize>,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    #[command(flatten)]
    spec: SpecArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    output: ExplainFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ExplainFormat {
    Text,
    Json,
}

impl ExplainFormat {
    fn is_json(self) -> bool {
        matches!(self, ExplainFormat::Json)
    }
}

#[derive(Args, Debug)]
struct SpecArgs {
    /// Spec files or directories.
    #[arg(default_value = "slo-specs")]
    specs: Vec<PathBuf>,
    /// Treat warnings (such as unknown keys in Sloth specs) as errors.
    #[arg(long)]
    strict: bool,
}

#[derive(Args, Debug)]
struct GenerateArgs {
    #[command(flatten)]
    spec: SpecArgs,
    /// Output directory, or `-` for one YAML stream on stdout.
    #[arg(short, long, default_value = "generated")]
    output: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Yaml)]
    format: FormatArg,
    /// Namespace of Kubernetes resources.
    #[arg(long)]
    namespace: Option<String>,
    /// Metadata label of Kubernetes resources, `key=value` (repeatable).
    #[arg(long = "label", value_parser = parse_label)]
    labels: Vec<(String, String)>,
    /// Do not write the promtool unit tests (`tests/<service>.test.yaml`) next to the rules.
    #[arg(long)]
    no_tests: bool,
    /// History cap of generated test scenarios whose ticket windows do not fit (default 2h):
    /// those are exercised partially. Page tiers are exercised over their full windows either way,
    /// up to promtool's limit of 10,000 samples per query (9,900 evaluations).
    #[arg(long, value_parser = parse_duration)]
    test_history: Option<crate::model::Duration>,
    /// The ruler that loads the rules: `mimir` and `cortex` rule files name their namespace (one
    /// per service) for `mimirtool`/`cortextool rules load`, `thanos` groups set
    /// `partial_response_strategy: abort`, `victoriametrics` resources are `VMRule`s. Unit tests
    /// are written for `prometheus` and `victoriametrics` only (promtool reads their files).
    #[arg(long, value_enum, default_value_t = TargetArg::Prometheus)]
    target: TargetArg,
    /// Most rules in one rule group the ruler takes, 0 for no limit (default: 20 for `mimir`,
    /// else no limit); a group with more is an error (E121).
    #[arg(long, value_name = "N")]
    max_rules_per_group: Option<usize>,
    /// Most rule groups of all services together the ruler takes per tenant, 0 for no limit
    /// (default: 70 for `mimir`, else no limit); more is an error (E122).
    #[arg(long, value_name = "N")]
    max_groups: Option<usize>,
    /// Rules of up to N SLOs of a service in one rule group (groups of the same interval only).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    slos_per_group: u16,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum FormatArg {
    Yaml,
    Kubernetes,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum TargetArg {
    Prometheus,
    Mimir,
    Cortex,
    Thanos,
    #[value(name = "victoriametrics")]
    VictoriaMetrics,
}

fn parse_duration(s: &str) -> Result<crate::model::Duration, String> {
    match crate::model::Duration::parse(s) {
        Ok(d) if d.as_millis() > 0 => Ok(d),
        Ok(_) => Err("must be positive".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_am_version(s: &str) -> Result<crate::verify::amcheck::AmVersion, String> {
    crate::verify::amcheck::AmVersion::parse(s)
        .ok_or_else(|| format!("`{s}`: expected an Alertmanager release: 0.25, 0.28 or 0.33"))
}

fn parse_label(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not key=value"))?;
    if k.is_empty() {
        return Err("empty label name".into());
    }
    Ok((k.to_string(), v.to_string()))
}

/// Runs the command line; returns the process exit code.
pub fn run<I: IntoIterator<Item = OsString>>(args: I) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Generate(a) => generate::generate(&generate_options(a, false)),
        Command::Check(a) => generate::generate(&generate_options(a, true)),
        Command::Validate(a) => commands::validate(&a.specs, a.strict),
        Command::Test(a) => {
            let mut opts = RunOptions {
                promtool: a.promtool,
                ..Default::default()
            };
            if let Some(j) = a.jobs {
                opts.jobs = j.max(1);
            }
            commands::test(&a.paths, &opts)
        }
        Command::Explain(a) => commands::explain(&a.spec.specs, a.spec.strict, a.output.is_json()),
        Command::Convert(a) => commands::convert(&a.spec.specs, a.spec.strict, &a.output),
        Command::Routes(a) => {
            routing::routes(&a.spec.specs, a.spec.strict, a.config.as_deref(), a.json)
        }
        Command::Splice(a) => routing::splice(
            &a.spec.specs,
            a.spec.strict,
            &a.config,
            a.output.as_deref(),
            a.check,
            a.alertmanager_version,
        ),
        Command::Doctor(a) => {
            let opts = crate::doctor::Options {
                prometheus: a.prometheus,
                alertmanager: a.alertmanager,
            };
            commands::doctor(&a.spec.specs, a.spec.strict, &opts, a.output.is_json())
        }
        Command::Schema => commands::schema(),
    }
}

fn generate_options(a: GenerateArgs, check: bool) -> GenerateOptions {
    GenerateOptions {
        render: render_options(&a),
        specs: a.spec.specs,
        strict: a.spec.strict,
        output: a.output,
        check,
    }
}

fn render_options(a: &GenerateArgs) -> RenderOptions {
    RenderOptions {
        format: match a.format {
            FormatArg::Yaml => Format::Yaml,
            FormatArg::Kubernetes => Format::Kubernetes,
        },
        namespace: a.namespace.clone(),
        labels: a.labels.iter().cloned().collect::<BTreeMap<_, _>>(),
        tests: (!a.no_tests).then(|| {
            let mut t = crate::compile::scenarios::ScenarioOptions::default();
            if let Some(h) = a.test_history {
                t.max_history = h;
            }
            t
        }),
        target: target_options(a),
    }
}

fn target_options(a: &GenerateArgs) -> TargetOptions {
    let target = match a.target {
        TargetArg::Prometheus => Target::Prometheus,
        TargetArg::Mimir => Target::Mimir,
        TargetArg::Cortex => Target::Cortex,
        TargetArg::Thanos => Target::Thanos,
        TargetArg::VictoriaMetrics => Target::VictoriaMetrics,
    };
    let defaults = target.default_limits();
    TargetOptions {
        target,
        limits: RulerLimits {
            rules_per_group: a.max_rules_per_group.unwrap_or(defaults.rules_per_group),
            groups: a.max_groups.unwrap_or(defaults.groups),
        },
        slos_per_group: usize::from(a.slos_per_group),
    }
}
