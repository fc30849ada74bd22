//! Budget-stage alerts: one per stage of the error-budget policy, for SLOs that ask for them.

use std::collections::BTreeMap;

use super::Ctx;
use super::alerts::SloAlerts;
use super::defaults::Stage;
use crate::diag::Loc;
use crate::load::spanned::Sp;
use crate::model::{BudgetAlert, Decimal, Settings};
use crate::names;

/// One alert per stage: it fires while the budget left is below the stage and at or above the
/// next one.
pub(super) fn budget_alerts(
    cx: &mut Ctx,
    settings: &Settings,
    stages: &[Stage],
    slo: &SloAlerts,
) -> Vec<BudgetAlert> {
    let mut out = Vec::new();
    for (i, st) in stages.iter().enumerate() {
        let below = st
            .below
            .checked_div(Decimal::from_int(100))
            .unwrap_or(Decimal::ZERO);
        let floor = stages
            .get(i + 1)
            .and_then(|n| n.below.checked_div(Decimal::from_int(100)));
        let severity = settings.severity(st.severity).to_string();
        let vars = vec![
            ("stage", st.name.clone()),
            ("severity", severity.clone()),
            ("remaining_below_percent", st.below.to_string()),
        ];
        let defaults = default_annotations(st);
        let annotations = slo.annotations(cx, vars, &[&defaults, &slo.shared_annotations]);
        let mut labels = slo.labels.clone();
        labels.insert(names::label::SEVERITY.into(), severity.clone());
        labels.insert(names::label::BUDGET_STAGE.into(), st.name.clone());
        out.push(BudgetAlert {
            alert_name: slo.name_with("ErrorBudget"),
            stage: st.name.clone(),
            below,
            floor,
            severity_kind: st.severity,
            severity,
            labels: labels.into(),
            annotations: annotations.into(),
        });
    }
    out
}

/// The summary and description of a stage's alert.
fn default_annotations(st: &Stage) -> BTreeMap<Sp<String>, Sp<String>> {
    let s = |v: &str| Sp::new(v.to_string(), Loc::default());
    let mut defaults = BTreeMap::new();
    let text = if st.below.is_zero() {
        "[[ service ]]/[[ slo ]][[ group ]]: error budget exhausted over [[ window ]]"
    } else {
        "[[ service ]]/[[ slo ]][[ group ]]: less than [[ remaining_below_percent ]]% of the [[ window ]] error budget left"
    };
    defaults.insert(s("summary"), s(text));
    defaults.insert(
        s("description"),
        s("[[ slo_description ]]Error budget remaining over [[ window ]]: {{ $value | humanizePercentage }} (objective [[ objective ]]%). Apply the error-budget policy for stage [[ stage ]]."),
    );
    defaults
}
