//! Stage 5, verify: checks of the compiled output that need the whole of it — the routing
//! proof (every generated alert reaches exactly its team's receivers), the same proof on the
//! configuration the Prometheus Operator builds from the `AlertmanagerConfig`s, and the ruler's
//! limits.

pub mod alerts;
pub mod amcheck;
pub mod amconfig;
pub mod cluster;
mod inhibit;
pub(crate) mod limits;
pub(crate) mod operator;
pub mod proof;
mod simulate;
