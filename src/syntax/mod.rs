//! The languages sloforge reads and writes, each in one home: YAML scalars, PromQL, Prometheus
//! durations and exact decimals, Alertmanager matchers and Go-template text. Nothing here knows
//! about SLOs: every other stage builds on these.

pub mod decimal;
pub mod duration;
pub mod gotmpl;
pub mod matchers;
pub mod promql;
pub mod yaml;
