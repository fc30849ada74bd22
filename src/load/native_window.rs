//! The native spec's SLO window (rolling `30d`, or a calendar period in a time zone) and its
//! planned-maintenance exclusions, as read from YAML.

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::routing::TimeRangeSpec;
use super::spanned::Sp;

/// `window: 30d`, or `window: {calendar: month, timezone: Europe/Berlin}`.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub enum WindowSpec {
    /// Rolling window (`7d`, `28d`, `30d`; whole minutes).
    Rolling(String),
    /// A budget that resets at the start of each calendar period.
    Calendar(CalendarWindowSpec),
}

/// A calendar window: the budget resets at the start of each period in `timezone`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarWindowSpec {
    /// `month` (from the 1st), `quarter` (January, April, July, October) or `week` (from
    /// Monday), each from 00:00 in `timezone`.
    pub calendar: Sp<String>,
    /// IANA time zone (`Europe/Berlin`); default `UTC`. Daylight-saving changes are followed.
    #[serde(default)]
    pub timezone: Option<Sp<String>>,
}

impl<'de> Deserialize<'de> for WindowSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WindowSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a rolling window (`30d`) or a calendar window (`{calendar: month}`)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<WindowSpec, E> {
                Ok(WindowSpec::Rolling(v.to_string()))
            }
            // A number is a duration without a unit, which validation explains.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WindowSpec, E> {
                Ok(WindowSpec::Rolling(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WindowSpec, E> {
                Ok(WindowSpec::Rolling(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<WindowSpec, E> {
                Ok(WindowSpec::Rolling(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<WindowSpec, A::Error> {
                CalendarWindowSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(WindowSpec::Calendar)
            }
        }
        d.deserialize_any(V)
    }
}

/// Planned maintenance whose events count neither as errors nor as traffic, in any window or
/// budget: recurring (`weekdays` and `times` in `timezone`, like an Alertmanager time
/// interval) or one-off (`start` to `end`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExclusionSpec {
    /// Name, unique within the SLO (`sunday-maintenance`).
    pub name: Sp<String>,
    /// Recurring: days of the week or ranges (`monday:friday`); every day when absent.
    #[serde(default)]
    pub weekdays: Vec<Sp<String>>,
    /// Recurring: time-of-day ranges, `HH:MM` (end exclusive, `24:00` allowed); all day when
    /// absent.
    #[serde(default)]
    pub times: Vec<TimeRangeSpec>,
    /// Recurring: IANA time zone of `weekdays` and `times`; default `UTC`.
    #[serde(default)]
    pub timezone: Option<Sp<String>>,
    /// One-off: start, RFC 3339 (`2026-11-03T22:00:00Z`).
    #[serde(default)]
    pub start: Option<Sp<String>>,
    /// One-off: end, RFC 3339, exclusive.
    #[serde(default)]
    pub end: Option<Sp<String>>,
    /// Also mute the SLO's alerts in Alertmanager while the exclusion holds: the generated
    /// routes of its alerts get the exclusion as a time interval in `mute_time_intervals`
    /// (the audit receivers still get a copy). Default `false`.
    #[serde(default)]
    pub mute_alerts: Option<Sp<bool>>,
}
