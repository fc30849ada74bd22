//! `generate` and `check`: the specs loaded, validated, compiled and rendered into a [`Sink`].
//! A fleet whose specs can be taken a service at a time goes to a directory one chunk of
//! services at a time; otherwise the whole fleet is built first.

use std::path::PathBuf;

use super::sink::Sink;
use super::stream::{Streamed, stream};
use super::{Build, Specs, build_loaded, report};
use crate::compile::alertmanager::KubernetesError;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::routing::MatcherStrategy;
use crate::render::{Format, RenderOptions, kubernetes};
use crate::verify;
use crate::verify::cluster::{Cluster, verify_cluster};

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
    match kubernetes_proof(&b, &o.render) {
        Ok(diagnostics) => b.diagnostics.extend(diagnostics),
        Err(KubernetesFailure::Usage(e)) => {
            b.report();
            eprintln!("error: {e}");
            return 2;
        }
        Err(KubernetesFailure::Resources(KubernetesError::Unsupported(gaps))) => {
            let file = b
                .fleet
                .as_ref()
                .and_then(|f| f.routing.as_ref())
                .map(|r| r.file.clone());
            for g in gaps {
                b.diagnostics.push(
                    Diagnostic::error(
                        Code::NotInAlertmanagerConfig,
                        file.as_deref().unwrap_or(std::path::Path::new("")),
                        g.loc,
                        g.path,
                        g.message,
                    )
                    .with_help(g.help),
                );
            }
            b.report();
            return 1;
        }
        Err(KubernetesFailure::Resources(e)) => {
            b.report();
            eprintln!("error: {e}");
            return 1;
        }
    }
    b.report();
    let Some(c) = &b.compilation else { return 1 };
    if b.failed() {
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

/// Why the Kubernetes resources of valid specs cannot be written.
enum KubernetesFailure {
    /// The command line names an Alertmanager the resources cannot be proved for.
    Usage(String),
    /// What `AlertmanagerConfig` cannot express.
    Resources(KubernetesError),
}

/// With `--format kubernetes` and valid specs that have routing: the routing proof on the
/// configuration the Prometheus Operator's Alertmanager (as the routing spec and the command
/// line describe it) builds from the `AlertmanagerConfig` resources; no findings otherwise.
fn kubernetes_proof(b: &Build, render: &RenderOptions) -> Result<Diagnostics, KubernetesFailure> {
    let (Some(fleet), Some(c)) = (&b.fleet, &b.compilation) else {
        return Ok(Diagnostics::default());
    };
    let Some(am) = c
        .alertmanager
        .as_ref()
        .filter(|_| render.format == Format::Kubernetes && !b.diagnostics.has_errors())
    else {
        return Ok(Diagnostics::default());
    };
    let resources: Vec<String> = am
        .kubernetes(&render.labels)
        .map_err(KubernetesFailure::Resources)?
        .into_values()
        .collect();
    let operator = kubernetes::operator(c, render);
    if operator.matcher_strategy == MatcherStrategy::OnNamespaceExceptForAlertmanagerNamespace
        && operator.alertmanager_namespace.is_none()
    {
        return Err(KubernetesFailure::Usage(
            "the matcher strategy OnNamespaceExceptForAlertmanagerNamespace needs the Alertmanager's namespace: --alertmanager-namespace NS (or `kubernetes.alertmanager_namespace` in the routing spec)".into(),
        ));
    }
    let alert_namespaces = am.alert_namespaces(&operator);
    let cluster = Cluster {
        operator: &operator,
        resources: &resources,
        alert_namespaces: &alert_namespaces,
    };
    Ok(verify_cluster(fleet, &cluster))
}
