//! Stage 4, compile: the validated model → typed output (rule files per service).

pub(crate) mod alertmanager;
pub mod facts;
pub mod rules;
pub mod scenarios;
pub mod target;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

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

/// One service of a compilation. Its rules are built when asked for ([`CompiledService::rules`]),
/// so rendering a large fleet holds the rules of a few services at a time, never all of them.
#[derive(Debug, Clone)]
pub struct CompiledService {
    pub source: PathBuf,
    /// The service model (shared with the fleet).
    pub service: Arc<Service>,
}

impl CompiledService {
    /// The service's rule file: one group per SLO.
    pub fn rules(&self, settings: &Settings) -> RuleFile {
        self.rules_labelled(settings, None)
    }

    /// [`CompiledService::rules`], with the label `(name, value)` on every alerting rule whose
    /// alerts do not carry `name` already (from their SLO's labels or the rule's own).
    pub fn rules_labelled(&self, settings: &Settings, label: Option<(&str, &str)>) -> RuleFile {
        RuleFile {
            groups: self
                .service
                .slos
                .iter()
                .flat_map(|slo| {
                    let mut groups = rules::slo_groups(slo, settings);
                    if let Some((name, value)) = label
                        && !slo.labels.contains_key(name)
                    {
                        for g in &mut groups {
                            rules::label_alerts(g, name, value);
                        }
                    }
                    groups
                })
                .collect(),
        }
    }
}

pub fn compile(fleet: &Fleet) -> Compilation {
    let rule_files: BTreeMap<String, CompiledService> = fleet
        .services
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                CompiledService {
                    source: s.file.clone(),
                    service: Arc::clone(s),
                },
            )
        })
        .collect();
    let alertmanager = fleet
        .routing
        .as_ref()
        .map(|r| alertmanager::compile(fleet, r));
    Compilation {
        rule_files,
        alertmanager,
        settings: fleet.settings.clone(),
    }
}
