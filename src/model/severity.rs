//! How an alert reaches people.

use schemars::JsonSchema;
use serde::Deserialize;

/// How an alert reaches people: `page` (now), `ticket` (within working hours) or `notify` (a
/// state that lasts days, such as a budget stage: sent when it begins and again at a long
/// repeat interval, never a page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeverityKind {
    Page,
    Ticket,
    Notify,
}

impl SeverityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SeverityKind::Page => "page",
            SeverityKind::Ticket => "ticket",
            SeverityKind::Notify => "notify",
        }
    }
}
