//! sloforge compiles declarative SLO specs into Prometheus multi-window multi-burn-rate rules.
//!
//! The pipeline, one module per stage: [`load`] (raw specs with locations) → [`validate`]
//! (every diagnostic at once) → [`model`] (typed) → [`compile`] (rules) → [`render`] (YAML,
//! Kubernetes). [`names`] owns every metric, label and group name.

pub mod cli;
pub mod compile;
pub mod diag;
pub mod explain;
pub mod fuzzing;
pub mod load;
pub mod model;
pub mod names;
pub mod par;
pub mod render;
pub mod routing_commands;
pub mod testrun;
pub mod validate;

use std::path::PathBuf;

use diag::{Diagnostics, Sources};

/// The result of loading, validating and compiling a set of spec paths.
pub struct Build {
    pub fleet: Option<model::Fleet>,
    pub compilation: Option<compile::Compilation>,
    pub diagnostics: Diagnostics,
    pub sources: Sources,
}

impl Build {
    pub fn failed(&self) -> bool {
        self.compilation.is_none() || self.diagnostics.has_errors()
    }
}

/// Runs every stage up to compile.
pub fn build(paths: &[PathBuf], strict: bool) -> Build {
    let loaded = load::load_paths(paths, load::LoadOptions { strict });
    let (fleet, mut diagnostics) = validate::validate(&loaded);
    if strict {
        diagnostics.escalate_warnings();
    }
    let compilation = match &fleet {
        Some(f) if !diagnostics.has_errors() => Some(compile::compile(f)),
        _ => None,
    };
    // The routing proof: every generated alert reaches exactly its team's receivers.
    if let (Some(f), Some(am)) = (&fleet, compilation.as_ref().and_then(|c| c.alertmanager.as_ref())) {
        diagnostics.extend(compile::routes::verify(f, am));
    }
    Build { fleet, compilation, diagnostics, sources: loaded.sources }
}
