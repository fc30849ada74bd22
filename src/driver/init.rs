//! `sloforge init`: a starter spec for one service (and, if asked, a routing document), checked
//! by the same stages as any spec before anything is written, next to the JSON Schema that
//! editors read through the spec's `yaml-language-server` modeline.

use std::path::{Path, PathBuf};

use super::{build_loaded, out, report};
use crate::load;

/// What `init` writes.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The specs directory (created when missing).
    pub dir: PathBuf,
    pub service: String,
    pub team: String,
    /// Percent, as written in the spec (`99.9`).
    pub objective: String,
    /// The counter of all requests; errors are those with a 5xx `code`.
    pub metric: String,
    /// Also write `routing.yaml`: the team's alerts to a Slack channel and a PagerDuty service.
    pub routing: bool,
}

/// The file the JSON Schema is written to, beside the specs.
pub const SCHEMA_FILE: &str = "sloforge.schema.json";

fn spec_text(o: &InitOptions) -> String {
    let (service, team, objective, metric) = (&o.service, &o.team, &o.objective, &o.metric);
    format!(
        r##"# yaml-language-server: $schema={SCHEMA_FILE}
# A starter SLO: {objective} % of `{service}`'s requests answered without a server error over 30
# days, alerting with the SRE Workbook's four burn-rate tiers. Change the selectors to the
# series your service exports, then run `sloforge validate`, `sloforge explain` and
# `sloforge generate`.
apiVersion: sloforge.dev/v1
kind: Service
name: {service}
team: {team}
description: The {service} service
slos:
  - name: availability
    description: Requests answered without a server error
    objective: {objective}
    window: 30d
    sli:
      ratio:
        # Counters: sloforge takes their increase over each window itself.
        errors: {metric}{{job="{service}",code=~"5.."}}
        total: {metric}{{job="{service}"}}
"##
    )
}

fn routing_text(o: &InitOptions) -> String {
    let team = &o.team;
    format!(
        r##"# yaml-language-server: $schema={SCHEMA_FILE}
# Where the alerts go: `sloforge generate` writes alertmanager.yml from this document, and
# `sloforge routes` lists every alert and the receivers it reaches. Secrets are read from
# files on the Alertmanager host, never written into the configuration.
apiVersion: sloforge.dev/v1
kind: AlertRouting
default_receiver: unrouted
receivers:
  unrouted:
    slack:
      api_url_file: /etc/alertmanager/secrets/slack-webhook
      channel: "#alerts-unrouted"
  {team}-pager:
    pagerduty:
      routing_key_file: /etc/alertmanager/secrets/{team}-pagerduty-key
  {team}-chat:
    slack:
      api_url_file: /etc/alertmanager/secrets/slack-webhook
      channel: "#{team}-alerts"
teams:
  {team}:
    routes:
      page: {{ receivers: [{team}-pager, {team}-chat] }}
      ticket: {{ receivers: [{team}-chat] }}
"##
    )
}

/// `sloforge init`: writes the starter files unless one of them exists or they do not
/// validate; prints what was written and what to run next.
pub(crate) fn init(o: &InitOptions) -> i32 {
    let mut files = vec![(o.dir.join(format!("{}.yaml", o.service)), spec_text(o))];
    if o.routing {
        files.push((o.dir.join("routing.yaml"), routing_text(o)));
    }
    if let Some((p, _)) = files.iter().find(|(p, _)| p.exists()) {
        eprintln!(
            "error: {} exists; sloforge init writes new files only",
            p.display()
        );
        return 1;
    }
    // The starter files with the specs already in the directory: a team or service clash
    // shows before anything is written.
    let mut loaded = if o.dir.is_dir() {
        load::load_paths(std::slice::from_ref(&o.dir), load::LoadOptions::default())
    } else {
        load::Loaded::default()
    };
    for (p, text) in &files {
        load::load_str(p, text, load::LoadOptions::default(), &mut loaded);
    }
    let b = build_loaded(loaded, false);
    if b.failed() {
        report(&b.diagnostics, &b.sources);
        eprintln!(
            "error: nothing written: the starter files would not validate with these options"
        );
        return 1;
    }
    let schema = o.dir.join(SCHEMA_FILE);
    let schema_text = serde_json::to_string_pretty(&load::json_schema()).unwrap_or_default() + "\n";
    let write =
        |p: &Path, t: &str| std::fs::create_dir_all(&o.dir).and_then(|()| std::fs::write(p, t));
    for (p, text) in files.iter().chain([(schema.clone(), schema_text)].iter()) {
        if let Err(e) = write(p, text) {
            eprintln!("error: {}: {e}", p.display());
            return 1;
        }
        out::print(&format!("wrote {}\n", p.display()));
    }
    let dir = o.dir.display();
    out::print(&format!(
        "next: edit the selectors in {}, then\n  sloforge validate {dir}\n  sloforge explain {dir}\n  sloforge generate {dir} -o generated\n",
        files[0].0.display()
    ));
    0
}
