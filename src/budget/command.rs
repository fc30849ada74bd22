//! The commands: `status` prints the budgets, `gate` decides whether a service may deploy.
//! Exit codes: `status` 0, 1 when some SLO has no data; `gate` 0 allowed, 1 frozen; both 2 on
//! usage errors, a Prometheus that cannot be read, and (`gate`) missing data.

use super::policy::Gate;
use super::{Failure, render};
use crate::doctor::api::Client;
use crate::driver::Specs;
use crate::driver::out::{print, stdout_color};
use crate::model::{Fleet, Slo};

/// The format of `status` on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Markdown,
}

/// Reads `--at`: RFC 3339 (`2026-11-11T10:00:00Z`, any offset) or Unix seconds.
pub fn parse_at(s: &str) -> Result<f64, String> {
    if let Ok(x) = s.parse::<f64>()
        && x.is_finite()
        && x >= 0.0
    {
        return Ok(x);
    }
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond() as f64 / 1000.0)
        .map_err(|_| {
            format!("`{s}`: expected an RFC 3339 time (2026-11-11T10:00:00Z) or Unix seconds")
        })
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn fleet_of(specs: &Specs) -> Option<Fleet> {
    let b = specs.build();
    b.report();
    b.compiled().map(|(f, _)| f.clone())
}

/// `sloforge status`.
pub fn status(specs: &Specs, prometheus: &str, at: Option<f64>, format: Format) -> i32 {
    let Some(fleet) = fleet_of(specs) else {
        return 1;
    };
    let slos: Vec<&Slo> = fleet.services.iter().flat_map(|s| s.slos.iter()).collect();
    let client = Client::new(prometheus);
    match super::status(&fleet, &slos, &client, at.unwrap_or_else(now)) {
        Ok(st) => {
            match format {
                Format::Table => print(&render::table(&st, stdout_color())),
                Format::Markdown => print(&render::markdown(&st)),
                Format::Json => {
                    print(&(serde_json::to_string_pretty(&st).unwrap_or_default() + "\n"));
                }
            }
            if st.slos.iter().any(|s| s.stage.is_none()) {
                eprintln!("error: some SLOs have no data (see the table)");
                1
            } else {
                0
            }
        }
        Err(Failure(e)) => {
            eprintln!("error: {e}");
            2
        }
    }
}

/// `sloforge gate`.
pub fn gate(
    specs: &Specs,
    prometheus: &str,
    service: &str,
    slo: Option<&str>,
    at: Option<f64>,
    policy: Gate,
) -> i32 {
    let Some(fleet) = fleet_of(specs) else {
        return 2;
    };
    let Some(svc) = fleet.services.iter().find(|s| s.name == service) else {
        let names: Vec<&str> = fleet.services.iter().map(|s| s.name.as_str()).collect();
        eprintln!(
            "error: no service `{service}` in the specs (services: {})",
            names.join(", ")
        );
        return 2;
    };
    let slos: Vec<&Slo> = svc
        .slos
        .iter()
        .filter(|s| slo.is_none_or(|n| s.name == n))
        .collect();
    if slos.is_empty() {
        let names: Vec<&str> = svc.slos.iter().map(|s| s.name.as_str()).collect();
        eprintln!(
            "error: service `{service}` has no SLO `{}` (its SLOs: {})",
            slo.unwrap_or_default(),
            names.join(", ")
        );
        return 2;
    }
    let at = at.unwrap_or_else(now);
    let client = Client::new(prometheus);
    match super::gate(&fleet, &slos, &client, at, policy) {
        Ok(verdicts) => {
            print(&render::gate_text(
                service,
                &verdicts,
                at,
                policy,
                stdout_color(),
            ));
            i32::from(verdicts.iter().any(|v| v.frozen))
        }
        Err(Failure(e)) => {
            eprintln!("error: {e}");
            2
        }
    }
}
