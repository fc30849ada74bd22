//! Command line: parses the arguments and dispatches to the command's driver, whose exit code
//! it returns (0 success, 1 invalid specs or drift, 2 usage error). Reporting commands take
//! `--output text|json|yaml`; commands that write files take `-o PATH` (`-` for stdout).

mod args;
mod examples;
mod options;

use std::ffi::OsString;

use clap::{CommandFactory, Parser, Subcommand};

use crate::driver::init::InitOptions;
use crate::driver::out::{self, Report};
use crate::driver::{commands, generate, init, routing};
use crate::testrun::RunOptions;
use args::{
    ColorArg, CompletionsArgs, ConvertArgs, DoctorArgs, DrillArgs, ExplainArgs, GateArgs,
    GenerateArgs, InitArgs, ReportArgs, RoutesArgs, SpliceArgs, StatusArgs, TestArgs, ValidateArgs,
};

#[derive(Parser, Debug)]
#[command(
    name = "sloforge",
    version,
    about = "Compile SLO specs into Prometheus multi-window multi-burn-rate rules",
    after_help = "Start with `sloforge init`, then `sloforge validate`, `sloforge explain` and `sloforge generate`."
)]
struct Cli {
    /// Colour in diagnostics: on a terminal unless NO_COLOR is set (auto), always or never.
    #[arg(long, value_enum, global = true, default_value_t)]
    color: ColorArg,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a starter spec (and, with --routing, a routing document) to begin with.
    #[command(after_help = examples::INIT)]
    Init(InitArgs),
    /// Generate rule files from the specs (default: slo-specs → generated).
    #[command(after_help = examples::GENERATE)]
    Generate(GenerateArgs),
    /// Generate in memory and compare with the output directory; exit 1 on any drift.
    #[command(after_help = examples::CHECK)]
    Check(GenerateArgs),
    /// Validate the specs and report every problem; write nothing.
    #[command(after_help = examples::VALIDATE)]
    Validate(ValidateArgs),
    /// Print the JSON Schema of the native spec format.
    Schema,
    /// Run the generated promtool unit tests (`tests/*.test.yaml`) with the real `promtool test
    /// rules` and summarise; exit 1 when any fails.
    #[command(after_help = examples::TEST)]
    Test(TestArgs),
    /// Per SLO: error budget, and per alert tier its windows, factor, threshold, budget spent
    /// when it fires, detection times and time to exhaustion.
    #[command(after_help = examples::EXPLAIN)]
    Explain(ExplainArgs),
    /// Write the specs (Sloth, OpenSLO or native) in the native format, one file per service.
    #[command(after_help = examples::CONVERT)]
    Convert(ConvertArgs),
    /// List every alert the rules can produce and the Alertmanager receivers it reaches; exit 1
    /// when an alert misses its team's receivers or a route is unreachable.
    #[command(after_help = examples::ROUTES)]
    Routes(RoutesArgs),
    /// Insert sloforge's routes, receivers, inhibition rules and time intervals into an existing
    /// alertmanager.yml, keeping the rest of it (running it again changes nothing).
    #[command(after_help = examples::SPLICE)]
    Splice(SpliceArgs),
    /// Check the specs against a live Prometheus (and Alertmanager): series, buckets, scrape
    /// interval, retention, loaded rule groups, routes; exit 1 on any error finding, 2 when a
    /// server cannot be reached.
    #[command(after_help = examples::DOCTOR)]
    Doctor(DoctorArgs),
    /// Per SLO, from the series the rules record in a live Prometheus: objective, window,
    /// SLI, budget left (% and minutes), burn rate per tier, policy stage and time to
    /// exhaustion at the current 1h burn; exit 1 when an SLO has no data, 2 when Prometheus
    /// cannot be read.
    #[command(after_help = examples::STATUS)]
    Status(StatusArgs),
    /// Whether the error-budget policy lets SERVICE deploy now: exit 0 allowed, 1 frozen (which
    /// SLO, which stage, and when the budget is back at zero errors), 2 on usage errors, an
    /// unreadable Prometheus or missing data — never "allowed" for want of data.
    #[command(after_help = examples::GATE)]
    Gate(GateArgs),
    /// Write one self-contained HTML page of each SLO from a live Prometheus: the error budget
    /// over its window against a steady spend, burn rates per alert tier against their
    /// thresholds, and the alert history; exit 2 when Prometheus cannot be read.
    #[command(after_help = examples::REPORT)]
    Report(ReportArgs),
    /// Play a scenario (an outage, errors, slow requests) through the generated rules with the
    /// real promtool: a minute-by-minute timeline of alerts, the receivers Alertmanager notifies
    /// and the error budget spent.
    #[command(after_help = examples::DRILL)]
    Drill(DrillArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = examples::COMPLETIONS)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), made from this command line's definition.
    #[command(after_help = examples::MAN)]
    Man,
}

/// The command line's definition, as completions and the manual page read it.
pub fn command() -> clap::Command {
    Cli::command()
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
    out::set_color(cli.color.into());
    match cli.command {
        Command::Init(a) => init::init(&InitOptions {
            dir: a.dir,
            service: a.service,
            team: a.team,
            objective: a.objective,
            metric: a.metric,
            routing: a.routing,
        }),
        Command::Generate(a) => generate::generate(&options::generate_options(a, false)),
        Command::Check(a) => generate::generate(&options::generate_options(a, true)),
        Command::Validate(a) => commands::validate(&a.spec.specs(), a.output.into()),
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
        Command::Explain(a) => commands::explain(&a.spec.specs(), a.output.into()),
        Command::Convert(a) => commands::convert(&a.spec.specs(), &a.output),
        Command::Routes(a) => {
            let output = if a.json {
                Report::Json
            } else {
                a.output.into()
            };
            routing::routes(
                &a.spec.specs(),
                a.config.as_deref(),
                a.alertmanager_version,
                output,
            )
        }
        Command::Splice(a) => routing::splice(
            &a.spec.specs(),
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
            commands::doctor(&a.spec.specs(), &opts, a.output.into())
        }
        Command::Status(a) => {
            crate::budget::command::status(&a.spec.specs(), &a.prometheus, a.at, a.output.into())
        }
        Command::Gate(a) => crate::budget::command::gate(
            &a.spec.specs(),
            &a.prometheus,
            &a.service,
            a.slo.as_deref(),
            a.at,
            crate::budget::policy::Gate {
                min_stage: a.min_stage.into(),
                allow_hotfix: a.allow_hotfix,
            },
        ),
        Command::Report(a) => {
            let opts = crate::report::Options {
                prometheus: a.prometheus,
                at: a.at.map(|t| t.floor() as i64),
            };
            commands::report(&a.spec.specs(), &opts, &a.output)
        }
        Command::Drill(a) => {
            let opts = crate::drill::Options {
                promtool: a.promtool,
                before: a.before,
                after: a.after,
            };
            crate::drill::drill(&a.spec.specs(), &a.scenario, &opts, a.output.into())
        }
        Command::Schema => commands::schema(),
        Command::Completions(a) => {
            let mut buf = Vec::new();
            clap_complete::generate(a.shell, &mut command(), "sloforge", &mut buf);
            out::print(&String::from_utf8_lossy(&buf));
            0
        }
        Command::Man => {
            let mut buf = Vec::new();
            match clap_mangen::Man::new(command()).render(&mut buf) {
                Ok(()) => {
                    out::print(&String::from_utf8_lossy(&buf));
                    0
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    1
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::args::OutputArg;
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn reports_default_to_text() {
        assert!(matches!(OutputArg::default(), OutputArg::Text));
    }
}
