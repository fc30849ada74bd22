//! The commands that read the specs and print one answer: `validate`, `convert`, `explain`,
//! `doctor`, `schema`, and `test`, which runs promtool on generated unit tests.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::build;
use crate::{doctor, explain, load, render, testrun};

/// `sloforge validate`: every diagnostic, and the size of a valid fleet.
pub(crate) fn validate(specs: &[PathBuf], strict: bool) -> i32 {
    let b = build(specs, strict);
    b.report();
    if b.failed() {
        return 1;
    }
    let (services, slos) = b.fleet.as_ref().map_or((0, 0), |f| {
        (
            f.services.len(),
            f.services.iter().map(|s| s.slos.len()).sum(),
        )
    });
    println!("{services} services, {slos} SLOs: valid");
    0
}

/// `sloforge convert`: the specs in the native format, one `<service>.yaml` each in `output`
/// (`-` is one stream on stdout).
pub(crate) fn convert(specs: &[PathBuf], strict: bool, output: &Path) -> i32 {
    let b = build(specs, strict);
    b.report();
    let Some(fleet) = b.fleet.as_ref().filter(|_| !b.failed()) else {
        return 1;
    };
    let docs: Vec<(String, String)> = fleet
        .services
        .iter()
        .map(|s| (format!("{}.yaml", s.name), render::native::service_yaml(s)))
        .collect();
    if output == Path::new("-") {
        let mut out = std::io::stdout().lock();
        for (_, text) in &docs {
            let _ = write!(out, "---\n{text}");
        }
        return 0;
    }
    for (name, text) in &docs {
        let path = output.join(name);
        if let Err(e) = std::fs::create_dir_all(output).and_then(|()| std::fs::write(&path, text)) {
            eprintln!("error: {}: {e}", path.display());
            return 1;
        }
    }
    println!("wrote {} files to {}", docs.len(), output.display());
    0
}

/// `sloforge explain`: budgets, windows and detection times per SLO, as text or JSON.
pub(crate) fn explain(specs: &[PathBuf], strict: bool, json: bool) -> i32 {
    let b = build(specs, strict);
    b.report();
    let Some(fleet) = b.fleet.as_ref().filter(|_| !b.failed()) else {
        return 1;
    };
    let slos = explain::explain(fleet);
    if json {
        print!("{}", explain::render_json(&slos));
    } else {
        print!("{}", explain::render_text(&slos));
    }
    0
}

/// `sloforge doctor`: the specs checked against live servers, as text or JSON; 2 when a
/// server cannot be reached.
pub(crate) fn doctor(specs: &[PathBuf], strict: bool, opts: &doctor::Options, json: bool) -> i32 {
    let b = build(specs, strict);
    b.report();
    let (Some(fleet), Some(c)) = (&b.fleet, &b.compilation) else {
        return 1;
    };
    if b.failed() {
        return 1;
    }
    match doctor::run(fleet, c, opts) {
        Ok(r) => {
            if json {
                print!("{}", doctor::report::render_json(&r));
            } else {
                print!("{}", doctor::report::render_text(&r));
            }
            r.exit_code()
        }
        Err(e) => {
            eprintln!("error: {}", e.0);
            2
        }
    }
}

/// `sloforge schema`: the JSON Schema of the native format.
pub(crate) fn schema() -> i32 {
    let text = serde_json::to_string_pretty(&load::json_schema()).unwrap_or_default();
    println!("{text}");
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
            print!("{}", testrun::render(&summary));
            if summary.passed() { 0 } else { 1 }
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
