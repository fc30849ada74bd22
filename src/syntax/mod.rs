//! The languages sloforge reads and writes, each in one home: YAML scalars, PromQL, Prometheus
//! durations and exact decimals, Alertmanager matchers (and example strings their regular
//! expressions match) and Go-template text. Nothing here knows about SLOs: every other stage
//! builds on these.

pub(crate) mod decimal;
pub(crate) mod duration;
pub(crate) mod gotmpl;
pub mod matchers;
pub mod promql;
pub(crate) mod regex_examples;
pub mod yaml;
