//! What the generated alerts of the fleet carry (teams, severities, labels, budget stages), for
//! the checks of the `AlertRouting` document.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::load::native;
use crate::model::Service;
use crate::names;
use crate::syntax::gotmpl::expand_literal as rendered_label;

/// What every generated alert of the fleet carries.
pub(super) struct FleetFacts {
    /// Team → severity → SLOs (`service/slo`) with alerts of that severity.
    pub(super) team_severities: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Team → services.
    pub(super) team_services: BTreeMap<String, BTreeSet<String>>,
    /// Severity → kinds (page/ticket) of the alerts that carry it.
    pub(super) severity_kinds: BTreeMap<String, BTreeSet<native::SeverityKind>>,
    /// Every label name some generated alert carries.
    pub(super) labels: BTreeSet<String>,
    /// Budget stages some generated alert carries (`budget_stage` values).
    pub(super) stages: BTreeSet<String>,
}

/// The facts of the fleet's services, from their burn-rate, budget-stage and no-data alerts.
pub(super) fn fleet_facts(services: &[Arc<Service>]) -> FleetFacts {
    let mut f = FleetFacts {
        team_severities: BTreeMap::new(),
        team_services: BTreeMap::new(),
        severity_kinds: BTreeMap::new(),
        labels: BTreeSet::new(),
        stages: BTreeSet::new(),
    };
    for s in services {
        f.team_services
            .entry(s.team.clone())
            .or_default()
            .insert(s.name.clone());
        for slo in &s.slos {
            let id = format!("{}/{}", s.name, slo.name);
            let burn = slo
                .alerts
                .iter()
                .map(|a| (&a.severity, a.severity_kind, &a.labels));
            let budget = slo
                .budget_alerts
                .iter()
                .map(|a| (&a.severity, a.severity_kind, &a.labels));
            f.stages
                .extend(slo.budget_alerts.iter().map(|b| b.stage.clone()));
            let no_data = slo
                .no_data_alerts
                .iter()
                .map(|a| (&a.severity, a.severity_kind, &a.labels));
            for (sev, kind, labels) in burn.chain(budget).chain(no_data) {
                let sev = rendered_label(sev);
                f.team_severities
                    .entry(s.team.clone())
                    .or_default()
                    .entry(sev.clone())
                    .or_default()
                    .insert(id.clone());
                f.severity_kinds.entry(sev).or_default().insert(kind);
                f.labels.extend(labels.keys().cloned());
                f.labels.extend(slo.labels.keys().cloned());
                f.labels.insert("alertname".into());
                f.labels.insert(names::label::WINDOW.into());
            }
        }
    }
    f
}
