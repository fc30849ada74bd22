//! sloforge compiles declarative SLO specs into Prometheus multi-window multi-burn-rate rules.
//!
//! The pipeline, one module per stage: [`load`] (raw specs with locations) → [`validate`]
//! (every diagnostic at once) → [`model`] (typed) → [`compile`] (rules) → [`render`] (YAML,
//! Kubernetes). [`names`] owns every metric, label and group name. [`doctor`] checks the specs
//! against live servers; it reads the model and the compiled output, which never depend on it.
//! [`driver`] runs the stages for each command and hands the output to stdout, a new output
//! tree or a comparison with the current one; [`cli`] parses the command line and dispatches.

pub mod cli;
pub mod compile;
pub mod diag;
pub(crate) mod doctor;
pub(crate) mod driver;
pub mod explain;
pub mod fuzzing;
pub mod load;
pub mod model;
pub mod names;
pub mod render;
pub mod syntax;
pub mod testrun;
pub(crate) mod validate;
pub mod verify;

pub use driver::{Build, build, build_loaded, quiet_parser_panics};
