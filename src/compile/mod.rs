//! Stage 4, compile: the validated model → typed output (rule files per service).

pub mod alertmanager;
pub mod promql;
pub mod routes;
pub mod rules;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::model::Fleet;
use rules::RuleFile;

/// Everything produced from one fleet, before rendering.
#[derive(Debug, Clone)]
pub struct Compilation {
    /// Rule file of each service, by service name.
    pub rule_files: BTreeMap<String, CompiledService>,
    /// Alertmanager configuration, when the fleet has an `AlertRouting` document.
    pub alertmanager: Option<alertmanager::Compiled>,
}

#[derive(Debug, Clone)]
pub struct CompiledService {
    pub source: PathBuf,
    pub rules: RuleFile,
}

pub fn compile(fleet: &Fleet) -> Compilation {
    let mut rule_files = BTreeMap::new();
    for s in &fleet.services {
        let groups = s.slos.iter().map(|slo| rules::slo_group(slo, &fleet.settings)).collect();
        rule_files.insert(s.name.clone(), CompiledService { source: s.file.clone(), rules: RuleFile { groups } });
    }
    let alertmanager = fleet.routing.as_ref().map(|r| alertmanager::compile(fleet, r));
    Compilation { rule_files, alertmanager }
}
