//! The driver: runs the stages for each command (load → validate → compile → verify → render),
//! hands the output to where it goes and reports diagnostics to the terminal. Each command
//! returns the process exit code (0 success, 1 invalid specs, a failed check or drift, 2 usage).

pub(crate) mod commands;
pub(crate) mod generate;
pub(crate) mod init;
pub mod out;
pub(crate) mod routing;
mod sink;
mod stream;

use std::io::Write;
use std::path::PathBuf;

use crate::diag::{Diagnostics, Sources};
use crate::{compile, load, model, validate, verify};

/// The result of loading, validating and compiling a set of spec paths.
pub struct Build {
    pub fleet: Option<model::Fleet>,
    pub compilation: Option<compile::Compilation>,
    pub diagnostics: Diagnostics,
    pub sources: Sources,
}

impl Build {
    pub fn failed(&self) -> bool {
        self.compilation.is_none() || self.diagnostics.has_errors()
    }

    /// The fleet and its compilation, when the build did not fail.
    pub(crate) fn compiled(&self) -> Option<(&model::Fleet, &compile::Compilation)> {
        match (&self.fleet, &self.compilation) {
            (Some(f), Some(c)) if !self.failed() => Some((f, c)),
            _ => None,
        }
    }

    /// Prints the diagnostics to stderr.
    pub(crate) fn report(&self) {
        report(&self.diagnostics, &self.sources);
    }
}

/// The specs a command reads: paths, how strictly, and what directory walks leave out.
#[derive(Debug, Clone, Default)]
pub struct Specs {
    /// Spec files or directories.
    pub paths: Vec<PathBuf>,
    /// Warnings are errors.
    pub strict: bool,
    /// Files directory walks leave out (`--exclude`).
    pub exclude: load::Exclude,
}

impl Specs {
    /// Loads the specs; what was left out is noted on stderr.
    pub(crate) fn load(&self) -> load::Loaded {
        let opts = load::LoadOptions {
            strict: self.strict,
            exclude: (!self.exclude.is_empty()).then_some(&self.exclude),
        };
        let loaded = load::load_paths(&self.paths, opts);
        let mut err = std::io::stderr().lock();
        for n in &loaded.notes {
            let _ = writeln!(err, "note: {n}");
        }
        loaded
    }

    /// Runs every stage up to compile.
    pub(crate) fn build(&self) -> Build {
        build_loaded(self.load(), self.strict)
    }
}

/// Runs every stage up to compile.
pub fn build(paths: &[PathBuf], strict: bool) -> Build {
    build_loaded(
        load::load_paths(
            paths,
            load::LoadOptions {
                strict,
                exclude: None,
            },
        ),
        strict,
    )
}

/// [`build`] on specs already loaded.
pub fn build_loaded(loaded: load::Loaded, strict: bool) -> Build {
    let (fleet, mut diagnostics) = validate::validate(&loaded);
    if strict {
        diagnostics.escalate_warnings();
    }
    let compilation = match &fleet {
        Some(f) if !diagnostics.has_errors() => Some(compile::compile(f)),
        _ => None,
    };
    // The routing proof: every generated alert reaches exactly its team's receivers.
    if let (Some(f), Some(am)) = (
        &fleet,
        compilation.as_ref().and_then(|c| c.alertmanager.as_ref()),
    ) {
        diagnostics.extend(verify::proof::verify(f, am));
    }
    Build {
        fleet,
        compilation,
        diagnostics,
        sources: loaded.sources,
    }
}

/// Prints `diagnostics` (rendered with their sources) to stderr, if there are any.
pub(crate) fn report(diagnostics: &Diagnostics, sources: &Sources) {
    if !diagnostics.is_empty() {
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "{}",
            diagnostics.render_in(sources, out::stderr_color())
        );
    }
}

/// A process-wide panic hook, as [`std::panic::take_hook`] gives it and
/// [`std::panic::set_hook`] takes it.
pub type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// `previous`, except that it stays silent for the panics of the PromQL parser that become parse
/// errors. The library never installs a hook itself; a binary does, once:
/// `std::panic::set_hook(sloforge::quiet_parser_panics(std::panic::take_hook()))`.
pub fn quiet_parser_panics(previous: PanicHook) -> PanicHook {
    Box::new(move |info| {
        if !crate::syntax::promql::parser_panic_expected() {
            previous(info);
        }
    })
}
