//! sloforge compiles declarative SLO specs into Prometheus multi-window multi-burn-rate rules.
//!
//! The pipeline, one module per stage: [`load`] (raw specs with locations) → [`validate`]
//! (every diagnostic at once) → [`model`] (typed) → [`compile`] (rules, Alertmanager
//! configuration, promtool tests) → [`verify`] (routing proof, ruler limits) → [`render`] (YAML,
//! Kubernetes). Under them, [`syntax`] is the one home of each language sloforge reads or writes
//! (YAML scalars, PromQL, durations and decimals, Alertmanager matchers, Go-template text),
//! [`names`] of every metric, label and group name and [`diag`] of every diagnostic.
//! [`driver`] runs the stages for each command and hands the output to stdout, a new output
//! tree or a comparison with the current one; [`doctor`] checks the specs against live servers;
//! [`drill`] plays an incident through the generated rules with promtool; [`report`] writes an
//! HTML page of each SLO's budget, burn rates and alerts from a live Prometheus;
//! [`cli`] parses the command line and dispatches. Imports only go down this order
//! (`tests/layering.rs`; the layers are drawn in `docs/architecture.md`).

pub(crate) mod budget;
pub mod cli;
pub mod compile;
pub mod diag;
pub(crate) mod doctor;
pub(crate) mod drill;
pub(crate) mod driver;
pub mod explain;
pub mod fuzzing;
pub mod load;
pub mod model;
pub mod names;
pub mod render;
pub(crate) mod report;
pub mod syntax;
pub mod testrun;
pub(crate) mod validate;
pub mod verify;

pub use driver::{Build, build, build_loaded, quiet_parser_panics};
