//! Calendar SLO windows and planned-maintenance exclusions: the periods a budget resets at and
//! the UTC offsets of their time zone, read from the time-zone database the build bundles (so
//! the rules are the same on every machine).

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};

use super::Duration;

/// The first and last year whose UTC-offset changes the rules carry. Rules must be the same
/// for the same spec whatever the day they are generated, so the range is fixed; `sloforge
/// doctor` and the README say when it ends.
pub const OFFSET_YEARS: (i16, i16) = (2025, 2045);

/// Weekday names from Sunday, as PromQL's `day_of_week` and Alertmanager number them.
pub const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// The length of a calendar budget period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CalendarPeriod {
    /// Monday 00:00 to the next Monday 00:00.
    Week,
    /// The 1st of the month 00:00 to the 1st of the next.
    Month,
    /// 1 January, 1 April, 1 July or 1 October 00:00 to the next of them.
    Quarter,
}

impl CalendarPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarPeriod::Week => "week",
            CalendarPeriod::Month => "month",
            CalendarPeriod::Quarter => "quarter",
        }
    }

    /// The nominal length the burn-rate tiers are scaled to: 7d, 30d, 90d.
    pub fn nominal(self) -> Duration {
        let days = match self {
            CalendarPeriod::Week => 7,
            CalendarPeriod::Month => 30,
            CalendarPeriod::Quarter => 90,
        };
        Duration::from_millis(days * 86_400_000)
    }

    /// The longest period, for the range the period's hourly sums are read over.
    pub fn longest(self) -> Duration {
        let days = match self {
            CalendarPeriod::Week => 7,
            CalendarPeriod::Month => 31,
            CalendarPeriod::Quarter => 92,
        };
        Duration::from_millis(days * 86_400_000)
    }
}

/// A budget that resets at the start of each calendar period in a time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub period: CalendarPeriod,
    /// IANA name (`Europe/Berlin`, `UTC`), checked by validation.
    pub timezone: String,
}

/// A change of a zone's UTC offset: from `at` (Unix seconds) on, the offset is `offset` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetChange {
    pub at: i64,
    pub offset: i64,
}

/// The zone of an IANA name in the bundled database.
pub fn zone(name: &str) -> Option<TimeZone> {
    TimeZone::get(name).ok()
}

/// A zone's UTC offset at the start of [`OFFSET_YEARS`] and its changes until their end.
pub fn offsets(name: &str) -> Option<(i64, Vec<OffsetChange>)> {
    let tz = zone(name)?;
    let start = jiff::civil::date(OFFSET_YEARS.0, 1, 1)
        .to_zoned(TimeZone::UTC)
        .ok()?
        .timestamp();
    let end = jiff::civil::date(OFFSET_YEARS.1 + 1, 1, 1)
        .to_zoned(TimeZone::UTC)
        .ok()?
        .timestamp();
    let first = i64::from(tz.to_offset(start).seconds());
    let mut last = first;
    let mut changes = Vec::new();
    for t in tz.following(start) {
        if t.timestamp() >= end {
            break;
        }
        let offset = i64::from(t.offset().seconds());
        if offset != last {
            changes.push(OffsetChange {
                at: t.timestamp().as_second(),
                offset,
            });
            last = offset;
        }
    }
    Some((first, changes))
}

impl Calendar {
    /// The period holding `unix` (seconds): its start and end as Unix seconds.
    pub fn bounds_at(&self, unix: i64) -> Option<(i64, i64)> {
        let tz = zone(&self.timezone)?;
        let now = Timestamp::from_second(unix).ok()?.to_zoned(tz);
        let start = self.start_of(&now)?;
        let end = match self.period {
            CalendarPeriod::Week => start.checked_add(1.week()).ok()?,
            CalendarPeriod::Month => start.checked_add(1.month()).ok()?,
            CalendarPeriod::Quarter => start.checked_add(3.months()).ok()?,
        };
        Some((start.timestamp().as_second(), end.timestamp().as_second()))
    }

    fn start_of(&self, now: &Zoned) -> Option<Zoned> {
        let day = now.start_of_day().ok()?;
        match self.period {
            CalendarPeriod::Week => {
                let back = i64::from(now.weekday().to_monday_zero_offset());
                day.checked_sub(back.days()).ok()?.start_of_day().ok()
            }
            CalendarPeriod::Month => now.first_of_month().ok()?.start_of_day().ok(),
            CalendarPeriod::Quarter => {
                let month = (now.month() - 1) / 3 * 3 + 1;
                jiff::civil::date(now.year(), month, 1)
                    .to_zoned(now.time_zone().clone())
                    .ok()
            }
        }
    }

    /// The label of the period holding `unix`, as the rules write it on the period's series
    /// (`period="202612"` for December 2026, `"20264"` for its quarter, the number of Monday
    /// weeks since 1970 for a week).
    pub fn period_id_at(&self, unix: i64) -> Option<String> {
        let tz = zone(&self.timezone)?;
        let now = Timestamp::from_second(unix).ok()?.to_zoned(tz);
        Some(match self.period {
            CalendarPeriod::Month => {
                (i64::from(now.year()) * 100 + i64::from(now.month())).to_string()
            }
            CalendarPeriod::Quarter => {
                (i64::from(now.year()) * 10 + (i64::from(now.month()) - 1) / 3 + 1).to_string()
            }
            CalendarPeriod::Week => {
                let local = unix + i64::from(now.offset().seconds());
                (local + 3 * 86_400).div_euclid(7 * 86_400).to_string()
            }
        })
    }
}

/// Minutes since midnight as `HH:MM`, as Alertmanager and the specs write a time of day
/// (`24:00` for 1440).
pub fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A declared window whose events count neither as errors nor as traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub name: String,
    pub when: ExclusionWhen,
    /// Alertmanager also mutes the SLO's alerts while the exclusion holds.
    pub mute_alerts: bool,
    /// Declared on the service (for every SLO), not on one SLO.
    pub service_wide: bool,
    /// Where its `name` is, in the service's file.
    pub loc: crate::diag::Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExclusionWhen {
    /// Every week: on these weekdays (0 = Sunday, as PromQL's `day_of_week`; all when empty),
    /// during these times of day (minutes since midnight, end exclusive; all day when empty),
    /// in `timezone`.
    Recurring {
        weekdays: Vec<u8>,
        times: Vec<(u32, u32)>,
        timezone: String,
    },
    /// Once: from `start` to `end` (Unix seconds, end exclusive).
    OneOff { start: i64, end: i64 },
}

impl Exclusion {
    /// Whether the exclusion holds at `unix` (seconds).
    pub fn holds_at(&self, unix: i64) -> bool {
        match &self.when {
            ExclusionWhen::OneOff { start, end } => (*start..*end).contains(&unix),
            ExclusionWhen::Recurring {
                weekdays,
                times,
                timezone,
            } => {
                let Some(now) = zone(timezone)
                    .and_then(|tz| Timestamp::from_second(unix).ok().map(|t| t.to_zoned(tz)))
                else {
                    return false;
                };
                let day = u8::try_from(now.weekday().to_sunday_zero_offset()).unwrap_or(0);
                let minute = u32::try_from(i32::from(now.hour()) * 60 + i32::from(now.minute()))
                    .unwrap_or(0);
                (weekdays.is_empty() || weekdays.contains(&day))
                    && (times.is_empty() || times.iter().any(|(s, e)| (*s..*e).contains(&minute)))
            }
        }
    }

    /// The first stretch of whole minutes at or after `unix` (a minute boundary) in which the
    /// exclusion holds, looked for over `within` seconds: its start and end.
    pub fn first_after(&self, unix: i64, within: i64) -> Option<(i64, i64)> {
        let start = (0..within / 60)
            .map(|m| unix + m * 60)
            .find(|t| self.holds_at(*t))?;
        let end = (1..within / 60)
            .map(|m| start + m * 60)
            .find(|t| !self.holds_at(*t))?;
        Some((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_second()
    }

    #[test]
    fn month_in_berlin_starts_at_local_midnight_across_dst() {
        let c = Calendar {
            period: CalendarPeriod::Month,
            timezone: "Europe/Berlin".into(),
        };
        // 15 April 2026: CEST (+02:00) from 29 March.
        let (s, e) = c.bounds_at(ts("2026-04-15T12:00:00Z")).unwrap();
        assert_eq!(s, ts("2026-03-31T22:00:00Z"));
        assert_eq!(e, ts("2026-04-30T22:00:00Z"));
        // March 2026 starts in CET and ends in CEST: 31 days less one hour.
        let (s, e) = c.bounds_at(ts("2026-03-10T00:00:00Z")).unwrap();
        assert_eq!(s, ts("2026-02-28T23:00:00Z"));
        assert_eq!(e, ts("2026-03-31T22:00:00Z"));
        assert_eq!(
            c.period_id_at(ts("2026-03-31T21:59:59Z")).unwrap(),
            "202603"
        );
        assert_eq!(
            c.period_id_at(ts("2026-03-31T22:00:00Z")).unwrap(),
            "202604"
        );
    }

    #[test]
    fn quarters_and_weeks() {
        let q = Calendar {
            period: CalendarPeriod::Quarter,
            timezone: "UTC".into(),
        };
        assert_eq!(
            q.bounds_at(ts("2026-12-04T00:00:00Z")).unwrap(),
            (ts("2026-10-01T00:00:00Z"), ts("2027-01-01T00:00:00Z"))
        );
        assert_eq!(q.period_id_at(ts("2026-12-04T00:00:00Z")).unwrap(), "20264");
        let w = Calendar {
            period: CalendarPeriod::Week,
            timezone: "America/New_York".into(),
        };
        // Friday 4 December 2026; the week starts Monday 30 November 00:00 EST (-05:00).
        assert_eq!(
            w.bounds_at(ts("2026-12-04T12:00:00Z")).unwrap(),
            (ts("2026-11-30T05:00:00Z"), ts("2026-12-07T05:00:00Z"))
        );
        let a = w.period_id_at(ts("2026-11-30T04:59:59Z")).unwrap();
        let b = w.period_id_at(ts("2026-11-30T05:00:00Z")).unwrap();
        assert_eq!(b.parse::<i64>().unwrap(), a.parse::<i64>().unwrap() + 1);
    }

    #[test]
    fn recurring_exclusions_follow_their_zone() {
        let e = Exclusion {
            name: "m".into(),
            mute_alerts: false,
            service_wide: false,
            loc: crate::diag::Loc::default(),
            when: ExclusionWhen::Recurring {
                weekdays: vec![0],
                times: vec![(120, 240)],
                timezone: "America/New_York".into(),
            },
        };
        // Sunday 4 January 1970, 02:00–04:00 EST (-05:00).
        assert_eq!(
            e.first_after(0, 8 * 86_400),
            Some((ts("1970-01-04T07:00:00Z"), ts("1970-01-04T09:00:00Z")))
        );
        assert!(!e.holds_at(ts("1970-01-04T09:00:00Z")));
    }

    #[test]
    fn offsets_follow_daylight_saving() {
        let (first, changes) = offsets("Europe/Berlin").unwrap();
        assert_eq!(first, 3600);
        assert_eq!(changes[0].at, ts("2025-03-30T01:00:00Z"));
        assert_eq!(changes[0].offset, 7200);
        assert_eq!(changes.len(), 2 * 21);
        let (first, changes) = offsets("UTC").unwrap();
        assert_eq!((first, changes.len()), (0, 0));
        assert!(offsets("Mars/Olympus").is_none());
    }
}
