//! The commands that read the specs and print one answer: `validate`, `convert`, `explain`,
//! `doctor`, `report` (an HTML page from a live Prometheus), `schema`, and `test`, which runs
//! promtool on generated unit tests.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::out::{self, Report};
use super::{Specs, build_loaded};
use crate::diag::{Diagnostic, Severity};
use crate::{doctor, explain, load, render, testrun};

/// The answer of `validate --output json|yaml`.
#[derive(Serialize)]
struct Validation {
    valid: bool,
    services: usize,
    slos: usize,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<DiagnosticReport>,
}

/// One diagnostic, located, for programs.
#[derive(Serialize)]
struct DiagnosticReport {
    severity: &'static str,
    code: &'static str,
    file: String,
    line: u64,
    column: u64,
    /// The spec field, as `slos[0].sli.ratio.errors`; empty when the whole document is meant.
    field: String,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
}

impl DiagnosticReport {
    fn of(d: &Diagnostic) -> DiagnosticReport {
        DiagnosticReport {
            severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            code: d.code.as_str(),
            file: d.file.display().to_string(),
            line: d.loc.line,
            column: d.loc.col,
            field: d.path.clone(),
            message: d.message.clone(),
            help: d.help.clone(),
        }
    }
}

/// `sloforge validate`: every diagnostic, and the size of a valid fleet; as text (diagnostics
/// on stderr), or as one JSON or YAML document on stdout.
pub(crate) fn validate(specs: &Specs, output: Report) -> i32 {
    let b = specs.build();
    if output == Report::Text {
        b.report();
    }
    let (services, slos) = b.fleet.as_ref().map_or((0, 0), |f| {
        (
            f.services.len(),
            f.services.iter().map(|s| s.slos.len()).sum(),
        )
    });
    let failed = b.failed();
    let report = Validation {
        valid: !failed,
        services,
        slos,
        errors: b.diagnostics.error_count(),
        warnings: b.diagnostics.warning_count(),
        diagnostics: b
            .diagnostics
            .sorted()
            .into_iter()
            .map(|d| DiagnosticReport::of(&d))
            .collect(),
    };
    if failed && output == Report::Text {
        return 1;
    }
    output.print(&report, || {
        format!("{services} services, {slos} SLOs: valid\n")
    });
    i32::from(failed)
}

/// `sloforge convert`: the specs in the native format, one `<service>.yaml` each in `output`
/// (`-` is one stream on stdout).
pub(crate) fn convert(specs: &Specs, output: &Path) -> i32 {
    let loaded = specs.load();
    let (kept, mut notes) = kept_documents(&loaded);
    let b = build_loaded(loaded, specs.strict);
    b.report();
    let Some(fleet) = b.fleet.as_ref().filter(|_| !b.failed()) else {
        return 1;
    };
    let mut docs: Vec<(String, String)> = fleet
        .services
        .iter()
        .map(|s| (format!("{}.yaml", s.name), render::native::service_yaml(s)))
        .collect();
    for (stem, texts) in kept {
        if texts.is_empty() {
            continue;
        }
        let mut name = format!("{stem}.yaml");
        while docs.iter().any(|(n, _)| *n == name) {
            name.insert(0, '_');
        }
        docs.push((name, texts.join("---\n")));
    }
    notes.iter_mut().for_each(|n| n.insert_str(0, "note: "));
    for n in &notes {
        eprintln!("{n}");
    }
    if output == Path::new("-") {
        let stream: String = docs
            .iter()
            .map(|(_, text)| format!("---\n{text}"))
            .collect();
        out::print(&stream);
        return 0;
    }
    for (name, text) in &docs {
        let path = output.join(name);
        if let Err(e) = std::fs::create_dir_all(output).and_then(|()| std::fs::write(&path, text)) {
            eprintln!("error: {}: {e}", path.display());
            return 1;
        }
    }
    out::print(&format!(
        "wrote {} files to {}\n",
        docs.len(),
        output.display()
    ));
    0
}

/// The Defaults and AlertRouting documents of the specs as written (they are native already),
/// for `convert` to write beside the services: the stem of the file for each kind, and its
/// documents; with notes on those it cannot write out alone.
fn kept_documents(loaded: &load::Loaded) -> ([(&'static str, Vec<String>); 2], Vec<String>) {
    let mut defaults = Vec::new();
    let mut routing = Vec::new();
    let mut notes = Vec::new();
    for d in &loaded.docs {
        let into = match d.doc {
            load::RawDoc::Defaults(_) => &mut defaults,
            load::RawDoc::Routing(_) => &mut routing,
            _ => continue,
        };
        let text = loaded
            .sources
            .text(&d.file)
            .and_then(|t| load::document_text(t, d.loc.line, d.loc.col));
        match text {
            Some(t) => into.push(t),
            None => notes.push(format!(
                "{}:{}: this document is an entry of a list; convert writes it only as a document of its own",
                d.file.display(),
                d.loc.line
            )),
        }
    }
    ([("defaults", defaults), ("routing", routing)], notes)
}

/// `sloforge explain`: budgets, windows and detection times per SLO, as text, JSON or YAML.
pub(crate) fn explain(specs: &Specs, output: Report) -> i32 {
    let b = specs.build();
    b.report();
    let Some(fleet) = b.fleet.as_ref().filter(|_| !b.failed()) else {
        return 1;
    };
    let slos = explain::explain(fleet);
    output.print(&slos, || explain::render_text(&slos));
    0
}

/// `sloforge doctor`: the specs checked against live servers, as text, JSON or YAML; 2 when a
/// server cannot be reached.
pub(crate) fn doctor(specs: &Specs, opts: &doctor::Options, output: Report) -> i32 {
    let b = specs.build();
    b.report();
    let Some((fleet, c)) = b.compiled() else {
        return 1;
    };
    match doctor::run(fleet, c, opts) {
        Ok(r) => {
            output.print(&r, || doctor::report::render_text(&r));
            r.exit_code()
        }
        Err(e) => {
            eprintln!("error: {}", e.0);
            2
        }
    }
}

/// `sloforge report`: the HTML page of every SLO, read from a live Prometheus, written to
/// `output` (`-` for stdout); 2 when Prometheus cannot be read or the file not written.
pub(crate) fn report(specs: &Specs, opts: &crate::report::Options, output: &Path) -> i32 {
    let b = specs.build();
    b.report();
    let Some(fleet) = b.fleet.as_ref().filter(|_| !b.failed()) else {
        return 1;
    };
    // Now, to the minute: the same minute's data gives the same page.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let page = match crate::report::run(fleet, opts, now - now.rem_euclid(60)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if output == Path::new("-") {
        out::print(&page);
        return 0;
    }
    match std::fs::write(output, page.as_bytes()) {
        Ok(()) => {
            eprintln!("wrote {} ({} bytes)", output.display(), page.len());
            0
        }
        Err(e) => {
            eprintln!("error: {}: {e}", output.display());
            2
        }
    }
}

/// `sloforge schema`: the JSON Schema of the native format.
pub(crate) fn schema() -> i32 {
    let text = serde_json::to_string_pretty(&load::json_schema()).unwrap_or_default();
    out::print(&format!("{text}\n"));
    0
}

/// `sloforge test`: promtool on the unit-test files under `paths`, summarised.
pub(crate) fn test(paths: &[PathBuf], opts: &testrun::RunOptions) -> i32 {
    let files = match testrun::find_test_files(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    match testrun::run(&files, opts) {
        Ok(summary) => {
            out::print(&testrun::render(&summary));
            if summary.passed() { 0 } else { 1 }
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
