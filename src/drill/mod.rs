//! `sloforge drill SCENARIO [SPECS…]`: a tabletop exercise without a live system. The scenario
//! (an outage, a share of errors or of slow requests, for a while) is played through the
//! service's generated rules by the real `promtool test rules`, on the series the generated
//! unit tests are built from; the timeline tells when each alert goes pending, fires and
//! resolves, which receivers the generated Alertmanager routing tree notifies (inhibitions
//! applied among the alerts firing together), and how much error budget the incident spent.
//!
//! One file per step: [`scenario`] reads the scenario and finds the SLOs it strikes,
//! [`input`] writes promtool's test file, [`promtool`] runs it and reads back what it got,
//! [`timeline`] turns that into events and [`render`] into text.

mod input;
mod promtool;
mod render;
mod scenario;
mod timeline;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::compile::Compilation;
use crate::driver::Specs;
use crate::driver::out::Report;
use crate::model::{Duration, Fleet};
use crate::verify::amconfig::AmConfig;
use scenario::{Kind, Scenario};
use timeline::Timeline;

/// What `drill` is told besides the scenario and the specs.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The promtool binary.
    pub(crate) promtool: PathBuf,
    /// Clean traffic before the scenario (default: the longest page tier's long window).
    pub(crate) before: Option<Duration>,
    /// Clean traffic after it (default: until every burn-rate alert can have resolved).
    pub(crate) after: Option<Duration>,
}

/// What was played.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Played {
    /// The scenario as given.
    pub(crate) scenario: String,
    pub(crate) kind: Kind,
    /// The scenario in words.
    pub(crate) description: String,
    pub(crate) service: String,
    /// The SLOs it strikes.
    pub(crate) slos: Vec<String>,
    /// The share of bad events during the scenario, in percent.
    pub(crate) bad_percent: f64,
    pub(crate) duration: String,
    pub(crate) before: String,
    pub(crate) after: String,
    pub(crate) evaluation_interval: String,
}

/// A drill's answer: what was played, and its timeline.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Drill {
    #[serde(flatten)]
    pub(crate) scenario: Played,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) notes: Vec<String>,
    #[serde(flatten)]
    pub(crate) timeline: Timeline,
    /// The SLO window of each struck SLO (for the text).
    #[serde(skip)]
    pub(crate) windows: BTreeMap<String, String>,
    /// Whether receivers were simulated (the specs have routing).
    #[serde(skip)]
    pub(crate) routed: bool,
    /// Width of the alert names in the text.
    #[serde(skip)]
    pub(crate) width: usize,
}

/// `sloforge drill`: plays `scenario` through the generated rules and prints the timeline;
/// 1 when the scenario or the specs are wrong or promtool cannot run it.
pub(crate) fn drill(specs: &Specs, scenario: &str, opts: &Options, output: Report) -> i32 {
    let sc = match Scenario::parse(scenario) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let b = specs.build();
    b.report();
    let Some((fleet, c)) = b.compiled() else {
        return 1;
    };
    match play(fleet, c, &sc, scenario, opts) {
        Ok(d) => {
            output.print(&d, || render::text(&d));
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn play(
    fleet: &Fleet,
    c: &Compilation,
    sc: &Scenario,
    text: &str,
    opts: &Options,
) -> Result<Drill, String> {
    let (service, struck) = sc.targets(fleet)?;
    let settings = &fleet.settings;
    let step = settings.evaluation_interval;
    let round = |d: Duration| {
        let s = step.as_millis().max(1);
        Duration::from_millis(d.as_millis().div_ceil(s) * s)
    };
    let mut plan = input::Plan {
        step,
        warm_up: Duration::ZERO,
        before: match opts.before {
            Some(d) => input::whole("--before", d, step)?,
            None => round(input::default_before(&struck)),
        },
        during: input::whole("the scenario's duration", sc.duration, step)?,
        after: match opts.after {
            Some(d) => input::whole("--after", d, step)?,
            None => input::default_after(&struck, settings),
        },
    };
    let arc = fleet
        .services
        .iter()
        .find(|s| s.name == service.name)
        .ok_or("the service is not in the fleet")?;
    let rules = crate::render::service_files(
        arc,
        settings,
        &crate::render::RenderOptions {
            no_runbooks: true,
            ..Default::default()
        },
        None,
        None,
    )
    .into_iter()
    .next()
    .map(|(_, text)| text)
    .ok_or("the service has no rule file")?;
    let (file, mut notes) = input::test_file(
        service,
        &struck,
        sc.ratio(),
        settings,
        &mut plan,
        "rules.yaml",
    )?;
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    let write = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text)
            .map_err(|e| format!("cannot write {name} in a temporary directory: {e}"))
    };
    write("rules.yaml", &rules)?;
    write(
        "drill.test.yaml",
        &crate::render::yaml::test_file("", &file),
    )?;
    let output = promtool::run(&opts.promtool, dir.path(), "drill.test.yaml")?;
    let results = promtool::results(&output)?;
    let cfg = match c.alertmanager.as_ref() {
        Some(am) => Some(AmConfig::parse(&am.text).map_err(|e| e.to_string())?),
        None => {
            notes.push(
                "the specs have no `kind: AlertRouting` document: receivers are not simulated"
                    .into(),
            );
            None
        }
    };
    let slos: Vec<String> = struck.iter().map(|s| s.name.clone()).collect();
    let timeline = timeline::build(service, &slos, &plan, &results, cfg.as_ref());
    let width = timeline
        .moments
        .iter()
        .flat_map(|m| m.events.iter())
        .filter_map(|e| e.alert.as_ref().map(|a| a.chars().count()))
        .max()
        .unwrap_or(0)
        + 2;
    Ok(Drill {
        scenario: Played {
            scenario: text.to_string(),
            kind: sc.kind,
            description: format!(
                "{} on {}",
                sc.describe(),
                slos.iter()
                    .map(|s| format!("{}/{s}", service.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            service: service.name.clone(),
            slos,
            bad_percent: sc.percent.to_f64(),
            duration: sc.duration.to_string(),
            before: plan.before.to_string(),
            after: plan.after.to_string(),
            evaluation_interval: step.to_string(),
        },
        notes,
        timeline,
        windows: struck
            .iter()
            .map(|s| (s.name.clone(), s.window_label()))
            .collect(),
        routed: cfg.is_some(),
        width,
    })
}
