//! Where `generate` and `check` put what they render: one YAML stream on stdout, a new output
//! tree staged beside the old one, or a comparison with the tree on disk.

use std::path::{Path, PathBuf};

use crate::compile::Compilation;
use crate::render::tree::{Checker, Staging, WriteError};
use crate::render::{self, Format, RenderOptions};

/// The destination of one `generate` or `check` run.
pub(crate) enum Sink {
    /// `generate -o -`: the rule files as one YAML stream on stdout.
    Stdout,
    /// `check -o -`: there is no tree to compare with; refused once the specs are valid.
    NothingToCheck,
    /// `generate`: a new tree written beside `dir`, which takes its place at the end; or why
    /// `dir` may not be replaced, reported after the diagnostics of the specs.
    Staging {
        dir: PathBuf,
        staging: Result<Staging, WriteError>,
    },
    /// `check`: every file compared with the tree in `dir`.
    Checker { dir: PathBuf, checker: Checker },
}

impl Sink {
    /// The sink of `output` (`-` is stdout) for `generate`, or for `check` when `check`.
    pub(crate) fn open(output: &Path, check: bool) -> Sink {
        match (output == Path::new("-"), check) {
            (true, false) => Sink::Stdout,
            (true, true) => Sink::NothingToCheck,
            (false, false) => Sink::Staging {
                dir: output.to_path_buf(),
                staging: Staging::new(output),
            },
            (false, true) => Sink::Checker {
                dir: output.to_path_buf(),
                checker: Checker::new(output),
            },
        }
    }

    /// Whether the sink takes output files one at a time (a directory), so that a large fleet
    /// can be handed over a chunk of services at a time.
    pub(crate) fn takes_files(&self) -> bool {
        matches!(self, Sink::Staging { .. } | Sink::Checker { .. })
    }

    /// Takes one file of the output tree (`rel` is its path in the tree); safe to call from
    /// several threads.
    pub(crate) fn file(&self, rel: &str, text: &str) -> Result<(), WriteError> {
        match self {
            Sink::Staging {
                staging: Ok(st), ..
            } => st.write(rel, text),
            Sink::Checker { checker, .. } => {
                checker.file(rel, text);
                Ok(())
            }
            Sink::Staging {
                staging: Err(_), ..
            }
            | Sink::Stdout
            | Sink::NothingToCheck => Ok(()),
        }
    }

    /// Takes the whole output of a compilation.
    pub(crate) fn compilation(
        &self,
        c: &Compilation,
        opts: &RenderOptions,
    ) -> Result<(), WriteError> {
        match self {
            Sink::Stdout => {
                let text = render::render_stream(c, opts);
                if opts.format == Format::Yaml {
                    left_out_of_stream(c, opts);
                }
                super::out::print(&text);
                Ok(())
            }
            // A directory that may not be replaced gets nothing.
            Sink::NothingToCheck
            | Sink::Staging {
                staging: Err(_), ..
            } => Ok(()),
            Sink::Staging { .. } | Sink::Checker { .. } => {
                render::visit_tree(c, opts, |rel, text| self.file(&rel, &text))
            }
        }
    }

    /// Completes the run once everything is handed over: the new tree takes the old one's
    /// place, or the differences are printed. Returns the process exit code.
    pub(crate) fn finish(self) -> i32 {
        match self {
            Sink::Stdout => 0,
            Sink::NothingToCheck => {
                eprintln!("check needs an output directory, not `-`");
                2
            }
            Sink::Staging { dir, staging } => {
                let written = staging.and_then(|st| {
                    let n = st.files_written();
                    st.finish(None).map(|()| n)
                });
                match written {
                    Ok(n) => {
                        println!("wrote {n} files to {}", dir.display());
                        0
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        1
                    }
                }
            }
            Sink::Checker { dir, checker } => finish_check(&dir, checker),
        }
    }
}

/// Prints the differences between the checked files and the tree in `dir`; 1 when there are any.
fn finish_check(dir: &Path, checker: Checker) -> i32 {
    let (diff, count) = match checker.finish() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", dir.display());
            return 1;
        }
    };
    if diff.is_empty() {
        println!("{}: up to date ({count} files)", dir.display());
        return 0;
    }
    print!("{diff}");
    eprintln!("{} is out of date: run `sloforge generate`", dir.display());
    1
}

/// Says on stderr what `generate -o -` leaves out of its YAML stream (the files of the output
/// tree that are not rule files, named without rendering them) and how to check the stream,
/// which holds one document per service.
fn left_out_of_stream(c: &Compilation, opts: &RenderOptions) {
    use crate::names;
    let parts = render::service_parts(&c.settings, opts);
    let mut left_out = Vec::new();
    if parts.dashboard && !c.rule_files.is_empty() {
        left_out.push(names::dashboard_file(names::OVERVIEW));
    }
    let mut runbooks = 0;
    for (name, cs) in &c.rule_files {
        if parts.dashboard {
            left_out.push(names::dashboard_file(name));
        }
        if parts.tests {
            left_out.push(names::test_file(name));
        }
        if parts.runbooks {
            runbooks += cs.service.slos.len();
        }
    }
    if let Some(am) = &c.alertmanager {
        left_out.push(names::ALERTMANAGER_CONFIG.to_string());
        if am.template.is_some() {
            left_out.push(names::ALERTMANAGER_TEMPLATE.to_string());
        }
    }
    if runbooks > 0 {
        left_out.push(format!(
            "{} runbook(s) under {}/",
            runbooks,
            crate::names::RUNBOOKS_DIR
        ));
    }
    let services = c.rule_files.len();
    let mut note = format!(
        "note: -o - writes the rule files only: {services} YAML document(s), one per service, separated by `---` (`promtool check rules` reads only the first document of a file; check a directory written with -o DIR instead)"
    );
    if !left_out.is_empty() {
        note.push_str(&format!("; left out: {}", left_out.join(", ")));
    }
    eprintln!("{note}");
}
