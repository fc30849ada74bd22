//! The `routes` and `splice` commands: the routing proof as a table, and sloforge's Alertmanager
//! parts spliced into a configuration of the user's. Both return the process exit code (0
//! success, 1 invalid specs, failed proof or drift, 2 usage).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Specs;
use super::out::Report;
use crate::diag::{Code, Diagnostic, Diagnostics, Sources};
use crate::model::Fleet;
use crate::model::routing::Routing;
use crate::names;
use crate::render::routes_table;
use crate::render::splice;
use crate::verify::amcheck::{self, AmVersion};
use crate::verify::amconfig::AmConfig;
use crate::verify::proof;

/// `sloforge routes`: every alert the rules can produce and the receivers it reaches in the
/// generated configuration (or in `config`), proved against the routing spec.
///
/// A `config` of the user's is first checked as Alertmanager `version` would load it: what it
/// would refuse fails the command, whatever the proof says.
pub(crate) fn routes(
    specs: &Specs,
    config: Option<&Path>,
    version: AmVersion,
    output: Report,
) -> i32 {
    let b = specs.build();
    b.report();
    let (Some(fleet), Some(c)) = (&b.fleet, &b.compilation) else {
        return 1;
    };
    let (Some(routing), Some(am)) = (&fleet.routing, &c.alertmanager) else {
        eprintln!(
            "error: the specs have no `kind: AlertRouting` document, so there is no routing to show"
        );
        return 1;
    };
    let (text, name) = match config {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) if !loads(p, &t, version) => {
                eprintln!(
                    "{}: Alertmanager {version} would not load this configuration",
                    p.display()
                );
                return 1;
            }
            Ok(t) => (t, p.display().to_string()),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", p.display());
                return 1;
            }
        },
        None => (
            am.text.clone(),
            "the generated alertmanager.yml".to_string(),
        ),
    };
    let proof = match proof::prove(fleet, routing, &text) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {name}: {e}");
            return 1;
        }
    };
    output.print(&proof.routed, || routes_table::table(&proof));
    let mut err = std::io::stderr().lock();
    for f in &proof.findings {
        let _ = writeln!(err, "error[E120]: {name}: {}", f.message);
    }
    for n in &proof.notes {
        let _ = writeln!(err, "note: {name}: {n}");
    }
    let matched = proof
        .routed
        .iter()
        .filter(|r| r.receivers == r.expected)
        .count();
    let _ = writeln!(
        err,
        "{name}: {} alerts, {matched} reach exactly their team's receivers; {} of {} routes reached (besides the catch-all); {} inhibition rules checked; {} problem(s)",
        proof.routed.len(),
        proof.reached_routes,
        proof.routes,
        proof.inhibit_rules,
        proof.findings.len()
    );
    i32::from(!proof.ok() || b.failed())
}

/// `sloforge splice`: sloforge's routes, receivers, inhibition rules and intervals written into
/// `config` (in place, or to `output`; `-` is stdout), the rest of it kept. With `check`,
/// nothing is written and the exit code says whether the file is up to date.
pub(crate) fn splice(
    specs: &Specs,
    config: &Path,
    output: Option<&Path>,
    check: bool,
    version: AmVersion,
) -> i32 {
    let b = specs.build();
    b.report();
    let Some((fleet, c)) = b.compiled() else {
        return 1;
    };
    let (Some(routing), Some(am)) = (&fleet.routing, &c.alertmanager) else {
        eprintln!(
            "error: the specs have no `kind: AlertRouting` document: there is nothing to splice"
        );
        return 1;
    };
    let user = match std::fs::read_to_string(config) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", config.display());
            return 1;
        }
    };
    if !user_config_loads(config, &user, version) {
        return 1;
    }
    let misfits = routing_misfits(routing, config, &user, version);
    if misfits.has_errors() {
        eprint!(
            "{}",
            misfits.render_in(&b.sources, super::out::stderr_color())
        );
        eprintln!("{}: nothing was spliced", config.display());
        return 1;
    }
    let spliced = match splice::splice(&user, am) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}: {e}", config.display());
            return 1;
        }
    };
    if !spliced_proves(fleet, routing, config, &user, &spliced) {
        return 1;
    }
    if let Some(p) = amcheck::check(&spliced, version).first() {
        eprintln!(
            "error: internal: {} after splicing would not load in Alertmanager {version}: line {}, column {}: {}",
            config.display(),
            p.loc.line,
            p.loc.col,
            p.message
        );
        return 1;
    }
    write_spliced(
        output.unwrap_or(config),
        &spliced,
        am.template.as_deref(),
        check,
    )
}

/// Writes the spliced configuration to `target` (`-`: stdout) and the template file next to
/// it, or with `check` only says whether they are up to date; returns the exit code.
fn write_spliced(target: &Path, spliced: &str, template: Option<&str>, check: bool) -> i32 {
    if target == Path::new("-") {
        print!("{spliced}");
        return 0;
    }
    let template_path = target.parent().map_or_else(
        || PathBuf::from(splice::TEMPLATE_FILE),
        |d| d.join(splice::TEMPLATE_FILE),
    );
    let current = std::fs::read_to_string(target).ok();
    let current_template = std::fs::read_to_string(&template_path).ok();
    let unchanged = current.as_deref() == Some(spliced)
        && (template.is_none() || current_template.as_deref() == template);
    if check {
        if unchanged {
            println!("{}: up to date", target.display());
            return 0;
        }
        let diff = similar::TextDiff::from_lines(current.as_deref().unwrap_or(""), spliced)
            .unified_diff()
            .header("current", "spliced")
            .to_string();
        print!("{diff}");
        eprintln!("{} is out of date: run `sloforge splice`", target.display());
        return 1;
    }
    if unchanged {
        println!("{}: unchanged", target.display());
        return 0;
    }
    if let Some(t) = template
        && let Err(e) = write_atomic(&template_path, t)
    {
        eprintln!("error: {}: {e}", template_path.display());
        return 1;
    }
    if let Err(e) = write_atomic(target, spliced) {
        eprintln!("error: {}: {e}", target.display());
        return 1;
    }
    println!("{}: updated", target.display());
    0
}

/// Whether Alertmanager `version` would load the user's configuration as it is; if not, every
/// problem is printed at its line and column (nothing is spliced into a file Alertmanager
/// refuses: the result would be refused too, and blamed on the splice).
fn user_config_loads(config: &Path, text: &str, version: AmVersion) -> bool {
    if loads(config, text, version) {
        return true;
    }
    eprintln!(
        "{}: Alertmanager {version} would not load this configuration; nothing was spliced",
        config.display()
    );
    false
}

/// Whether Alertmanager `version` would load `text`; if not, every problem is printed at its
/// line and column.
fn loads(config: &Path, text: &str, version: AmVersion) -> bool {
    let problems = amcheck::check(text, version);
    if problems.is_empty() {
        return true;
    }
    let mut diags = Diagnostics::default();
    for p in problems {
        diags.push(Diagnostic::error(
            Code::AlertmanagerConfig,
            config,
            p.loc,
            "",
            p.message,
        ));
    }
    let mut sources = Sources::default();
    sources.add(config, text);
    eprint!("{}", diags.render(&sources));
    false
}

/// What of the routing spec does not fit the user's configuration, at its place in the spec:
/// a receiver setting Alertmanager `version` cannot load (E124), and an `existing` receiver the
/// configuration lacks (E113).
fn routing_misfits(
    routing: &Routing,
    config: &Path,
    user: &str,
    version: AmVersion,
) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for r in routing.requirements().filter(|r| r.version > version) {
        diags.push(
            Diagnostic::error(
                Code::AlertmanagerRelease,
                &routing.file,
                r.loc,
                r.path.clone(),
                format!(
                    "{} needs Alertmanager {} or later, and splice is for {version} (--alertmanager-version)",
                    r.what, r.version
                ),
            )
            .with_help(format!(
                "Alertmanager {version} would refuse the spliced configuration: give the release you run with --alertmanager-version, or use another integration"
            )),
        );
    }
    // The user's configuration loads (checked before), so its receivers read.
    let theirs = AmConfig::parse(user)
        .map(|c| c.receivers)
        .unwrap_or_default();
    for r in routing.existing_receivers() {
        if theirs.contains(&r.name) {
            continue;
        }
        let listed: Vec<String> = theirs
            .iter()
            .filter(|n| !n.starts_with(names::ALERTMANAGER_PREFIX))
            .map(|n| format!("`{n}`"))
            .collect();
        let help = if listed.is_empty() {
            "it has no receivers of its own: declare the receiver here without `existing`"
                .to_string()
        } else {
            format!("its receivers are {}", listed.join(", "))
        };
        diags.push(
            Diagnostic::error(
                Code::UnknownReference,
                &routing.file,
                r.loc,
                format!("receivers.{}", r.name),
                format!(
                    "receiver `{}` is `existing`, but {} has no receiver of that name",
                    r.name,
                    config.display()
                ),
            )
            .with_help(help),
        );
    }
    diags
}

/// Whether the proof holds on the spliced configuration. Its notes are printed, and its
/// findings, each about a rule of the user's at that rule's line and column.
fn spliced_proves(
    fleet: &Fleet,
    routing: &Routing,
    config: &Path,
    user: &str,
    spliced: &str,
) -> bool {
    let p = match proof::prove(fleet, routing, spliced) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {} after splicing: {e}", config.display());
            return false;
        }
    };
    for n in &p.notes {
        eprintln!("note: {} after splicing: {n}", config.display());
    }
    let rules = splice::user_inhibit_rule_locs(user);
    for f in &p.findings {
        match f.inhibit_rule.and_then(|i| rules.get(i)) {
            Some(at) => eprintln!(
                "error[E120]: {}:{}:{}: {}",
                config.display(),
                at.line,
                at.col,
                f.message
            ),
            None => eprintln!(
                "error[E120]: {} after splicing: {}",
                config.display(),
                f.message
            ),
        }
    }
    p.ok()
}

/// Writes a file through a temporary sibling and a rename, so a reader never sees half of it.
fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    tmp.write_all(text.as_bytes())?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
