//! The OpenSLO documents other than SLOs (SLIs, alert policies and conditions, notification
//! targets, data sources), indexed by name for the references SLOs make to them.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::load::openslo::{self as os, V1Doc};
use crate::load::{Loaded, RawDoc};

/// A document and the file it is in.
pub(super) struct Named<'a, T> {
    pub(super) file: &'a Path,
    pub(super) doc: &'a os::Doc<T>,
}

/// The documents SLOs refer to, by kind and name.
pub(super) struct Index<'a> {
    pub(super) slis: BTreeMap<&'a str, Named<'a, os::SliSpec>>,
    pub(super) policies: BTreeMap<&'a str, Named<'a, os::AlertPolicySpec>>,
    pub(super) conditions: BTreeMap<&'a str, Named<'a, os::AlertConditionSpec>>,
    pub(super) targets: BTreeMap<&'a str, Named<'a, os::NotificationTargetSpec>>,
    pub(super) sources: BTreeMap<&'a str, Named<'a, os::DataSourceSpec>>,
}

/// Indexes the documents of `loaded`; a name defined twice for one kind is an error.
pub(super) fn index<'a>(loaded: &'a Loaded, diags: &mut Diagnostics) -> Index<'a> {
    let mut ix = Index {
        slis: BTreeMap::new(),
        policies: BTreeMap::new(),
        conditions: BTreeMap::new(),
        targets: BTreeMap::new(),
        sources: BTreeMap::new(),
    };
    fn put<'a, T>(
        map: &mut BTreeMap<&'a str, Named<'a, T>>,
        file: &'a Path,
        doc: &'a os::Doc<T>,
        diags: &mut Diagnostics,
    ) {
        let name = doc.metadata.name.value.as_str();
        if let Some(first) = map.get(name) {
            diags.push(Diagnostic::error(
                Code::DuplicateSlo,
                file,
                doc.metadata.name.loc,
                "metadata.name",
                format!(
                    "{} `{name}` is defined twice (first in {})",
                    doc.kind.value,
                    first.file.display()
                ),
            ));
            return;
        }
        map.insert(name, Named { file, doc });
    }
    for d in &loaded.docs {
        let RawDoc::OpenSlo(doc) = &d.doc else {
            continue;
        };
        match doc.as_ref() {
            V1Doc::Sli(x) => put(&mut ix.slis, &d.file, x, diags),
            V1Doc::AlertPolicy(x) => put(&mut ix.policies, &d.file, x, diags),
            V1Doc::AlertCondition(x) => put(&mut ix.conditions, &d.file, x, diags),
            V1Doc::AlertNotificationTarget(x) => put(&mut ix.targets, &d.file, x, diags),
            V1Doc::DataSource(x) => put(&mut ix.sources, &d.file, x, diags),
            V1Doc::Slo(_) | V1Doc::Service(_) => {}
        }
    }
    ix
}
