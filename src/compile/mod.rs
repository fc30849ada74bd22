//! Stage 4, compile: the validated model → typed output (rule files per service).

pub mod alertmanager;
pub mod promql;
pub mod routes;
pub mod rules;
pub mod scenarios;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::model::{Fleet, Service, Settings};
use rules::RuleFile;

/// Everything produced from one fleet, before rendering.
#[derive(Debug, Clone)]
pub struct Compilation {
    /// Rule file of each service, by service name.
    pub rule_files: BTreeMap<String, CompiledService>,
    /// Alertmanager configuration, when the fleet has an `AlertRouting` document.
    pub alertmanager: Option<alertmanager::Compiled>,
    /// Fleet settings (evaluation interval, base window) the generated tests run with.
    pub settings: Settings,
}

#[derive(Debug, Clone)]
pub struct CompiledService {
    pub source: PathBuf,
    pub rules: RuleFile,
    /// The service model, for its generated unit tests.
    pub service: Service,
}

pub fn compile(fleet: &Fleet) -> Compilation {
    let compiled = crate::par::map(&fleet.services, |s| {
        let groups = s.slos.iter().map(|slo| rules::slo_group(slo, &fleet.settings)).collect();
        (s.name.clone(), CompiledService { source: s.file.clone(), rules: RuleFile { groups }, service: s.clone() })
    });
    let rule_files: BTreeMap<String, CompiledService> = compiled.into_iter().collect();
    let alertmanager = fleet.routing.as_ref().map(|r| alertmanager::compile(fleet, r));
    Compilation { rule_files, alertmanager, settings: fleet.settings.clone() }
}
