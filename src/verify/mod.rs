//! Stage 5, verify: checks of the compiled output that need the whole of it — the routing
//! proof (every generated alert reaches exactly its team's receivers) and the ruler's limits.

pub mod alerts;
pub mod amcheck;
pub mod amconfig;
mod inhibit;
pub(crate) mod limits;
pub mod proof;
mod simulate;
