//! The whole validation: every document on its own (side by side), then in document order the
//! services merged and checked across files, the OpenSLO services and the routing added.

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::defaults::{Defaults, defaults};
use super::native::service_from_native;
use super::sloth::service_from_sloth;
use super::{Ctx, interop, routing};
use crate::diag::{Code, Diagnostic, Diagnostics, Loc};
use crate::load::{Loaded, LoadedDoc, RawDoc};
use crate::model::{Fleet, Service, Settings};

/// What `validate_inner` does with each valid service as soon as it is built.
type EachService<'a, W> = &'a (dyn Fn(&Arc<Service>, &Settings) -> W + Sync);

/// Where each service name was first defined.
type FirstSeen = BTreeMap<String, (PathBuf, Loc)>;

/// One document validated on its own.
struct Validated<W> {
    /// The service, unless invalid or handed over.
    service: Option<Arc<Service>>,
    /// The name of the valid service.
    name: Option<String>,
    name_loc: Loc,
    diags: Diagnostics,
    /// What `each` made of the service.
    handed: Option<W>,
}

/// Without `each`, every valid service is kept in the returned fleet.
pub(super) fn validate_inner<W: Send>(
    loaded: &Loaded,
    chunk: usize,
    each: Option<EachService<'_, W>>,
    done: &mut dyn FnMut(Vec<W>) -> bool,
) -> (Option<Fleet>, Diagnostics) {
    let mut diags = loaded.diags.clone();
    let d = defaults(loaded, &mut diags);
    let mut services: Vec<Arc<Service>> = Vec::new();
    let mut first_seen = FirstSeen::new();
    // Documents whose declared service name an earlier one declares: a worker does not hand
    // them over. (Whether one is an error is decided below, in document order, among the valid
    // services; a name first declared by an invalid document fails the run anyway.)
    let mut declared = std::collections::HashSet::new();
    let repeated: Vec<bool> = loaded
        .docs
        .iter()
        .map(|doc| declared_name(&doc.doc).is_some_and(|n| !declared.insert(n)))
        .collect();
    // Each document is validated on its own (side by side); the results are merged in
    // document order, so diagnostics and duplicate checks stay deterministic.
    let indexed: Vec<(usize, &LoadedDoc)> = loaded.docs.iter().enumerate().collect();
    for docs in indexed.chunks(chunk.max(1)) {
        let per_doc = docs
            .par_iter()
            .map(|&(i, doc)| validate_doc(&d, doc, repeated[i], each))
            .collect::<Vec<_>>();
        let mut handed_over = Vec::new();
        for (&(_, doc), v) in docs.iter().zip(per_doc) {
            diags.extend(v.diags);
            handed_over.extend(v.handed);
            let Some(name) = v.name else { continue };
            let mut cx = Ctx {
                file: &doc.file,
                diags: &mut diags,
            };
            if let Some((f, l)) = first_seen.get(&name) {
                cx.err(
                    Code::DuplicateSlo,
                    v.name_loc,
                    "name",
                    format!("service `{name}` is already defined at {}:{}:{}; SLO ids (service/slo) must be unique across files", f.display(), l.line, l.col),
                );
                continue;
            }
            first_seen.insert(name, (doc.file.clone(), v.name_loc));
            services.extend(v.service);
        }
        if !done(handed_over) {
            break;
        }
    }
    add_openslo_services(loaded, &d, &mut first_seen, &mut services, &mut diags);
    check_some_specs(loaded, &mut diags);
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let routing = routing::validate(loaded, &services, &d.settings, &mut diags);
    if diags.has_errors() {
        return (None, diags);
    }
    (
        Some(Fleet {
            settings: d.settings,
            services,
            routing,
        }),
        diags,
    )
}

/// The service name a document declares, before validation.
fn declared_name(doc: &RawDoc) -> Option<&str> {
    match doc {
        RawDoc::Service(s) => Some(&s.name.value),
        RawDoc::Sloth(s) => Some(&s.service.value),
        RawDoc::Defaults(_) | RawDoc::Routing(_) | RawDoc::OpenSlo(_) | RawDoc::OpenSloAlpha(_) => {
            None
        }
    }
}

/// Validates one native or Sloth document; its service goes to `each` unless its name is
/// `repeated`.
fn validate_doc<W>(
    d: &Defaults,
    doc: &LoadedDoc,
    repeated: bool,
    each: Option<EachService<'_, W>>,
) -> Validated<W> {
    let mut diags = Diagnostics::default();
    let mut cx = Ctx {
        file: &doc.file,
        diags: &mut diags,
    };
    let (service, name_loc) = match &doc.doc {
        RawDoc::Service(s) => (service_from_native(&mut cx, d, s), s.name.loc),
        RawDoc::Sloth(s) => (service_from_sloth(&mut cx, d, s), s.service.loc),
        RawDoc::Defaults(_) | RawDoc::Routing(_) | RawDoc::OpenSlo(_) | RawDoc::OpenSloAlpha(_) => {
            (None, Loc::default())
        }
    };
    let service = service.map(Arc::new);
    let (service, name, handed) = match (service, each) {
        (Some(s), Some(each)) => {
            let handed = (!repeated).then(|| each(&s, &d.settings));
            (None, Some(s.name.clone()), handed)
        }
        (s, _) => {
            let name = s.as_ref().map(|s| s.name.clone());
            (s, name, None)
        }
    };
    Validated {
        service,
        name,
        name_loc,
        diags,
        handed,
    }
}

/// Adds the services of the OpenSLO documents, reporting those whose name is taken.
fn add_openslo_services(
    loaded: &Loaded,
    d: &Defaults,
    first_seen: &mut FirstSeen,
    services: &mut Vec<Arc<Service>>,
    diags: &mut Diagnostics,
) {
    for o in interop::openslo_services(loaded, d, diags) {
        if let Some((f, l)) = first_seen.get(&o.service.name) {
            diags.push(Diagnostic::error(
                Code::DuplicateSlo,
                &o.file,
                o.loc,
                "spec.service",
                format!(
                    "service `{}` is already defined at {}:{}:{}",
                    o.service.name,
                    f.display(),
                    l.line,
                    l.col
                ),
            ));
            continue;
        }
        first_seen.insert(o.service.name.clone(), (o.file.clone(), o.loc));
        services.push(Arc::new(o.service));
    }
}

/// Reports a run with settings only (no service or OpenSLO SLO), unless it has errors already.
fn check_some_specs(loaded: &Loaded, diags: &mut Diagnostics) {
    let only_settings = loaded.docs.iter().all(|d| match &d.doc {
        RawDoc::Defaults(_) | RawDoc::Routing(_) => true,
        RawDoc::OpenSlo(v1) => !matches!(v1.as_ref(), crate::load::openslo::V1Doc::Slo(_)),
        _ => false,
    });
    if only_settings && !diags.has_errors() {
        let file = loaded
            .docs
            .first()
            .map_or_else(PathBuf::new, |d| d.file.clone());
        diags.push(Diagnostic::error(
            Code::NoSpecs,
            &file,
            Loc::default(),
            "",
            "no service specs found",
        ));
    }
}
