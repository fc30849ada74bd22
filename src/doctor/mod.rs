//! `sloforge doctor`: the specs checked against a live Prometheus (and Alertmanager). Each SLO's
//! selectors must return series of the right shape at the interval the settings assume, the
//! server must keep data as long as the rules read back, the generated rule groups must be
//! loaded and writing, and Alertmanager must run the generated routes. Every finding has a
//! stable code (`D001`…, [`report::Code`]), what was found and how to fix it.
//!
//! Modules: [`api`] (HTTP, the servers' JSON), [`sli`] (the series of each SLI), [`interval`]
//! (their scrape interval), [`rules`] (retention, rule groups, recorded series),
//! [`alertmanager`] (the running routing), [`report`] (findings, text and JSON). Doctor reads
//! the model and the compiled output; nothing in them depends on it.

pub(crate) mod alertmanager;
pub(crate) mod api;
pub(crate) mod interval;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod sli;

use std::cell::OnceCell;
use std::collections::BTreeMap;

use api::{ApiError, Client};
use report::{Code, Report, Section, SloSection};

use crate::compile::Compilation;
use crate::model::Fleet;

/// Where the servers are.
#[derive(Debug, Clone)]
pub struct Options {
    pub prometheus: String,
    pub alertmanager: Option<String>,
}

/// The Prometheus being checked, with what several checks read once.
pub struct Server {
    pub prometheus: Client,
    names: OnceCell<Vec<String>>,
    targets: OnceCell<Vec<(BTreeMap<String, String>, String)>>,
}

impl Server {
    pub fn new(url: &str) -> Server {
        Server {
            prometheus: Client::new(url),
            names: OnceCell::new(),
            targets: OnceCell::new(),
        }
    }

    /// Every metric name the server has (empty when it cannot say).
    pub fn metric_names(&self) -> &[String] {
        self.names.get_or_init(|| {
            self.prometheus
                .prometheus_data("/api/v1/label/__name__/values", &[])
                .map(|d| {
                    d.as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(ToString::to_string))
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// The configured scrape interval of the active target whose `job` and `instance` labels
    /// are the series'.
    pub fn target_interval(&self, series: &BTreeMap<String, String>) -> Option<String> {
        let targets = self.targets.get_or_init(|| {
            self.prometheus
                .prometheus_data("/api/v1/targets", &[("state", "active")])
                .map(|d| {
                    d["activeTargets"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|t| {
                            let labels = t["labels"]
                                .as_object()?
                                .iter()
                                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                                .collect();
                            Some((labels, t["scrapeInterval"].as_str()?.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default()
        });
        let same = |t: &BTreeMap<String, String>, k: &str| {
            series.get(k).is_some_and(|v| t.get(k) == Some(v))
        };
        targets
            .iter()
            .find(|(t, _)| same(t, "job") && same(t, "instance"))
            .map(|(_, i)| i.clone())
    }
}

/// Why doctor could not run at all (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable(pub String);

fn reach(what: &str, url: &str, e: &ApiError) -> Unreachable {
    match e {
        ApiError::Unreachable(why) => {
            Unreachable(format!("{what} at {url} could not be reached: {why}"))
        }
        ApiError::Bad(why) => Unreachable(format!(
            "{what} at {url} does not answer like {what}: {why}"
        )),
    }
}

/// Checks the fleet against the servers of `opts`.
pub fn run(
    fleet: &Fleet,
    compilation: &Compilation,
    opts: &Options,
) -> Result<Report, Unreachable> {
    let server = Server::new(&opts.prometheus);
    server
        .prometheus
        .prometheus_data("/api/v1/status/buildinfo", &[])
        .map_err(|e| reach("Prometheus", server.prometheus.base(), &e))?;
    let am_status = match &opts.alertmanager {
        Some(url) => {
            let am = Client::new(url);
            Some(
                am.get("/api/v2/status", &[])
                    .map_err(|e| reach("Alertmanager", am.base(), &e))?,
            )
        }
        None => None,
    };
    let mut servers = Section::default();
    let retention = match server
        .prometheus
        .prometheus_data("/api/v1/status/flags", &[])
        .map_err(|e| e.to_string())
        .and_then(|f| rules::retention_of(&f))
    {
        Ok(r) => {
            rules::check_retention_size(&r, &mut servers);
            Some(r)
        }
        Err(e) => {
            servers.error(
                Code::ApiFailed,
                format!("retention could not be read from /api/v1/status/flags: {e}"),
                "check the retention flags yourself (`--storage.tsdb.retention.time`)".into(),
            );
            None
        }
    };
    let loaded = match server
        .prometheus
        .prometheus_data("/api/v1/rules", &[])
        .map_err(|e| e.to_string())
        .and_then(|d| rules::loaded_groups(&d))
    {
        Ok(l) => Some(l),
        Err(e) => {
            servers.error(
                Code::ApiFailed,
                format!("the loaded rule groups could not be read from /api/v1/rules: {e}"),
                "check that the URL is Prometheus' own (the rules API is not proxied)".into(),
            );
            None
        }
    };
    let settings = &compilation.settings;
    let mut slos = Vec::new();
    for service in &fleet.services {
        for slo in &service.slos {
            let mut sec = Section::default();
            sli::check(&server, slo, settings, &mut sec);
            if let Some(r) = &retention {
                rules::check_retention(r, slo, settings, &mut sec);
            }
            if let Some(l) = &loaded {
                let groups = crate::compile::rules::slo_groups(slo, settings);
                let records = rules::check_groups(l, &groups, &mut sec);
                rules::check_records(&server, slo, settings, &records, &mut sec);
            }
            slos.push(SloSection {
                service: slo.service.clone(),
                slo: slo.name.clone(),
                section: sec,
            });
        }
    }
    if let Some(status) = &am_status {
        alertmanager::check(
            status,
            fleet,
            compilation.alertmanager.as_ref(),
            &mut servers,
        );
    }
    if let Some(why) = server.prometheus.lost() {
        return Err(Unreachable(format!(
            "Prometheus at {} stopped answering during the checks: {why}",
            server.prometheus.base()
        )));
    }
    Ok(Report::new(
        server.prometheus.base().to_string(),
        opts.alertmanager
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string()),
        slos,
        servers,
    ))
}
