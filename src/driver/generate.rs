//! `generate` and `check`: the specs loaded, validated, compiled and rendered into a [`Sink`].
//! A fleet whose specs can be taken a service at a time goes to a directory one chunk of
//! services at a time; otherwise the whole fleet is built first.

use std::path::PathBuf;

use super::sink::Sink;
use super::stream::{Streamed, stream};
use super::{Specs, build_loaded, report};
use crate::render::{Format, RenderOptions};
use crate::verify;

/// What to generate, and where.
pub(crate) struct GenerateOptions {
    pub(crate) specs: Specs,
    /// The output directory, or `-` for stdout.
    pub(crate) output: PathBuf,
    /// Compare with the output directory instead of writing it.
    pub(crate) check: bool,
    pub(crate) render: RenderOptions,
}

/// `sloforge generate` (or `check`); returns the process exit code.
pub(crate) fn generate(o: &GenerateOptions) -> i32 {
    let loaded = o.specs.load();
    let sink = Sink::open(&o.output, o.check);
    let loaded = if sink.takes_files() {
        match stream(loaded, o.specs.strict, &o.render, &|rel, text| {
            sink.file(&rel, &text)
        }) {
            Ok(Ok(streamed)) => return finish_streamed(streamed, sink),
            // The specs need the whole fleet at once.
            Ok(Err(loaded)) => loaded,
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    } else {
        loaded
    };
    let mut b = build_loaded(loaded, o.specs.strict);
    // The ruler's limits, on the rules of valid specs.
    if let Some(c) = b
        .compilation
        .as_ref()
        .filter(|_| !b.diagnostics.has_errors())
    {
        let limits = verify::limits::check(c, &o.render.target);
        b.diagnostics.extend(limits);
    }
    b.report();
    let Some(c) = &b.compilation else { return 1 };
    if b.failed() {
        return 1;
    }
    if let (Format::Kubernetes, Some(am)) = (o.render.format, &c.alertmanager)
        && let Err(e) = am.kubernetes(&o.render.labels)
    {
        eprintln!("error: {e}");
        return 1;
    }
    if let Err(e) = sink.compilation(c, &o.render) {
        eprintln!("error: {e}");
        return 1;
    }
    // Everything left is freed by the process exit; dropping it would only cost time.
    std::mem::forget(b);
    sink.finish()
}

/// The end of a streamed run: its diagnostics, then the sink's outcome when the specs are valid
/// (the files the sink took are discarded when they are not).
fn finish_streamed(streamed: Streamed, sink: Sink) -> i32 {
    report(&streamed.diagnostics, &streamed.loaded.sources);
    if streamed.failed() {
        return 1;
    }
    // Freed by the process exit; dropping it would only cost time.
    std::mem::forget(streamed);
    sink.finish()
}
