//! Clashes between the SLOs of one service: an SLO name given twice, and a rule group named
//! like another SLO's coarse group.

use std::collections::BTreeMap;

use super::Ctx;
use crate::diag::{Code, Loc};
use crate::load::spanned::Sp;
use crate::model::{Settings, Slo};
use crate::names;

/// Reports an SLO name an earlier SLO of the same service (in `seen`) already has.
pub(super) fn check_slo_name_unique<'a>(
    cx: &mut Ctx,
    seen: &mut BTreeMap<&'a str, Loc>,
    name: &'a Sp<String>,
    path: &str,
) {
    // The first definition stays the one pointed at, however many follow.
    if let Some(&first) = seen.get(name.value.as_str()) {
        let here = cx.file.display();
        cx.err(
            Code::DuplicateSlo,
            name.loc,
            format!("{path}.name"),
            format!(
                "SLO `{}` is defined twice in this service (first at {here}:{}:{})",
                name.value, first.line, first.col
            ),
        );
    } else {
        seen.insert(name.value.as_str(), name.loc);
    }
}

/// SLOs of one service whose rule group would take the name of another one's coarse group
/// (`availability-1h` beside `availability`, whose coarse rates are recorded in
/// `sloforge-<service>-availability-1h`): a rule file with a group name twice, which Prometheus
/// refuses. Each as (the SLO, the group, the SLO whose coarse group it is).
pub(super) fn group_clashes<'a>(
    service: &str,
    slos: &'a [Slo],
    settings: &Settings,
) -> Vec<(&'a str, String, &'a str)> {
    let by_group: BTreeMap<String, &str> = slos
        .iter()
        .map(|s| (names::group(service, &s.name), s.name.as_str()))
        .collect();
    let step = settings.coarse_step().to_string();
    let mut out = Vec::new();
    for s in slos {
        let coarse = names::coarse_group(service, &s.name, &step);
        let Some(&other) = by_group.get(&coarse) else {
            continue;
        };
        if s.has_coarse_group(settings) {
            out.push((other, coarse, s.name.as_str()));
        }
    }
    out
}

/// Reports [`group_clashes`] of a service read from one file, at the name of the SLO whose
/// group clashes.
pub(super) fn check_group_clashes(
    cx: &mut Ctx,
    service: &str,
    slos: &[Slo],
    settings: &Settings,
    names: &[Sp<String>],
) {
    let at = |name: &str| {
        names
            .iter()
            .enumerate()
            .find(|(_, n)| n.value == name)
            .map(|(i, n)| (i, n.loc))
    };
    for (slo, group, owner) in group_clashes(service, slos, settings) {
        let (Some((i, loc)), Some((_, first))) = (at(slo), at(owner)) else {
            continue;
        };
        cx.err_help(
            Code::DuplicateSlo,
            loc,
            format!("slos[{i}].name"),
            format!(
                "the rule group of SLO `{slo}` would be `{group}`, the name of the group SLO `{owner}` (at {}:{}:{}) records its coarse rates in",
                cx.file.display(),
                first.line,
                first.col
            ),
            "rename one of the SLOs: a rule file may not hold two groups of the same name",
        );
    }
}
