//! Stage 2, validate: raw located specs → the typed model, collecting every problem of every
//! file as a diagnostic before failing. This module holds the stage's entry points and the
//! context every check reports through; the checks are in its submodules, by concern.

mod alerts;
mod budget;
mod burn;
mod calendar_window;
mod clashes;
mod defaults;
mod fleet;
pub(crate) mod grouping;
pub(crate) mod interop;
mod labels;
mod native;
mod no_data;
pub(crate) mod routing;
pub(crate) mod runbooks;
mod sli;
mod slo;
mod sloth;
pub(crate) mod templates;

use std::path::Path;
use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Diagnostics, Loc};
use crate::load::spanned::Sp;
use crate::load::{Loaded, RawDoc};
use crate::model::{Duration, Fleet, Service, Settings};

// The checks the OpenSLO input and the routing share with native and Sloth specs.
use burn::scale_window;
use clashes::group_clashes;
use defaults::{Defaults, window_value};
use labels::{check_labels, check_name, is_label_name, is_name};
use sli::{check_ratio_sources, parse_selector_expr, windowed_events};
use slo::{SloInput, build_slo};

/// Where the checks of one file report: its path and the diagnostics of the run. Every
/// submodule of the stage builds and uses it.
pub(crate) struct Ctx<'a> {
    file: &'a Path,
    diags: &'a mut Diagnostics,
}

impl Ctx<'_> {
    fn err(&mut self, code: Code, loc: Loc, path: impl Into<String>, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::error(code, self.file, loc, path, msg));
    }
    fn err_help(
        &mut self,
        code: Code,
        loc: Loc,
        path: impl Into<String>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::error(code, self.file, loc, path, msg).with_help(help));
    }
    fn warn(&mut self, code: Code, loc: Loc, path: impl Into<String>, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::warning(code, self.file, loc, path, msg));
    }
    fn warn_help(
        &mut self,
        code: Code,
        loc: Loc,
        path: impl Into<String>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::warning(code, self.file, loc, path, msg).with_help(help));
    }

    fn duration(&mut self, s: &Sp<String>, path: &str) -> Option<Duration> {
        match Duration::parse(&s.value) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(Code::DurationSyntax, s.loc, path, e.to_string());
                None
            }
        }
    }
}

/// Validates everything loaded; returns the fleet when there is no error.
pub fn validate(loaded: &Loaded) -> (Option<Fleet>, Diagnostics) {
    fleet::validate_inner::<()>(loaded, usize::MAX, None, &mut |_| true)
}

/// Whether [`validate_streaming`] can validate these documents: the fleet-wide parts (OpenSLO
/// references between documents, Alertmanager routing) need every service at once.
pub fn can_stream(loaded: &Loaded) -> bool {
    !loaded.docs.iter().any(|d| {
        matches!(
            d.doc,
            RawDoc::Routing(_) | RawDoc::OpenSlo(_) | RawDoc::OpenSloAlpha(_)
        )
    })
}

/// Validates the documents side by side and hands each valid service to `each` on the core
/// that validated it, then frees it there (nothing of a service outlives its turn, and memory
/// is freed by the thread that allocated it); `done` gets the results of `chunk` documents at a
/// time, in document order, and says whether to go on. The returned fleet has no services. Only
/// for documents [`can_stream`] accepts. A service whose name an earlier document already
/// took is not handed over (the diagnostics hold the duplicate error).
pub fn validate_streaming<W: Send>(
    loaded: &Loaded,
    chunk: usize,
    each: &(dyn Fn(&Arc<Service>, &Settings) -> W + Sync),
    done: &mut dyn FnMut(Vec<W>) -> bool,
) -> (Option<Fleet>, Diagnostics) {
    fleet::validate_inner(loaded, chunk, Some(each), done)
}
