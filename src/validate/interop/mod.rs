//! OpenSLO input (`openslo/v1` with references between documents, `openslo/v1alpha` as Sloth
//! reads it) → services of the model, through the same checks as native specs; and the Sloth
//! keys and plugins the Sloth reader shares. This module gathers the SLOs of each service.

mod index;
mod metadata;
mod policies;
mod sli;
mod sloth;
mod v1;
mod v1alpha;

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::labels::check_service_name;
use super::{Ctx, Defaults};
use crate::diag::{Code, Diagnostic, Diagnostics, Loc};
use crate::load::openslo::V1Doc;
use crate::load::spanned::Sp;
use crate::load::{Loaded, RawDoc};
use crate::model::{Service, SourceFormat};

pub(super) use sloth::{sloth_alert, sloth_either, sloth_plugin_chain, without_for};

/// A service assembled from OpenSLO SLO documents, with where it was first named.
pub(super) struct OpenSloService {
    pub service: Service,
    pub file: PathBuf,
    pub loc: Loc,
}

/// The SLOs of one service gathered so far, with its team and where it was first named.
struct Pending {
    team: String,
    file: PathBuf,
    loc: Loc,
    slos: Vec<crate::model::Slo>,
    /// Where each SLO (by name) was defined first.
    defined: BTreeMap<String, (PathBuf, Loc)>,
}

impl Pending {
    /// Adds the SLOs of one document (named at `loc`); one whose name the service already has,
    /// from this file or another, is an error naming both places.
    fn add(&mut self, cx: &mut Ctx, built: Vec<crate::model::Slo>, loc: Loc) {
        for s in built {
            if let Some((f, l)) = self.defined.get(&s.name) {
                cx.err(
                    Code::DuplicateSlo,
                    loc,
                    "metadata.name",
                    format!(
                        "SLO `{}` of service `{}` is already defined at {}:{}:{}",
                        s.name,
                        s.service,
                        f.display(),
                        l.line,
                        l.col
                    ),
                );
                continue;
            }
            self.defined
                .insert(s.name.clone(), (cx.file.to_path_buf(), loc));
            self.slos.push(s);
        }
    }
}

/// Every service defined by OpenSLO documents.
pub(super) fn openslo_services(
    loaded: &Loaded,
    d: &Defaults,
    diags: &mut Diagnostics,
) -> Vec<OpenSloService> {
    let ix = index::index(loaded, diags);
    let mut by_service: BTreeMap<String, Pending> = BTreeMap::new();
    for doc in &loaded.docs {
        let mut cx = Ctx {
            file: &doc.file,
            diags,
        };
        match &doc.doc {
            RawDoc::OpenSlo(v1) => {
                let V1Doc::Slo(slo) = v1.as_ref() else {
                    continue;
                };
                v1::v1_slo(&mut cx, d, &ix, slo, &mut by_service);
            }
            RawDoc::OpenSloAlpha(a) => v1alpha::v1alpha_slo(&mut cx, d, a, &mut by_service),
            _ => {}
        }
    }
    for (name, p) in &by_service {
        report_group_clashes(diags, d, name, p);
    }
    by_service
        .into_iter()
        .map(|(name, p)| OpenSloService {
            service: Service {
                name,
                team: p.team,
                tier: None,
                file: p.file.clone(),
                format: SourceFormat::OpenSlo,
                slos: p.slos,
            },
            file: p.file,
            loc: p.loc,
        })
        .collect()
}

/// An error for each SLO of a service whose rule group would take the name of another SLO's
/// group of coarse rates.
fn report_group_clashes(diags: &mut Diagnostics, d: &Defaults, name: &str, p: &Pending) {
    for (slo, group, owner) in super::group_clashes(name, &p.slos, &d.settings) {
        let (Some((file, loc)), Some((first_file, first))) =
            (p.defined.get(slo), p.defined.get(owner))
        else {
            continue;
        };
        diags.push(
            Diagnostic::error(
                Code::DuplicateSlo,
                file,
                *loc,
                "metadata.name",
                format!(
                    "the rule group of SLO `{slo}` would be `{group}`, the name of the group SLO `{owner}` (at {}:{}:{}) records its coarse rates in",
                    first_file.display(),
                    first.line,
                    first.col
                ),
            )
            .with_help("rename one of the SLOs: a rule file may not hold two groups of the same name"),
        );
    }
}

/// The service `service` names (created with `team` when new), if the name is valid.
fn pending<'a>(
    cx: &mut Ctx,
    by_service: &'a mut BTreeMap<String, Pending>,
    service: &Sp<String>,
    team: String,
) -> Option<&'a mut Pending> {
    if !check_service_name(cx, service, "spec.service") {
        return None;
    }
    let file = cx.file.to_path_buf();
    Some(
        by_service
            .entry(service.value.clone())
            .or_insert_with(|| Pending {
                team,
                file,
                loc: service.loc,
                slos: Vec::new(),
                defined: BTreeMap::new(),
            }),
    )
}
