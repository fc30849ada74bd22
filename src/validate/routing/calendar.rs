//! The pieces of an Alertmanager time interval, read the way Alertmanager reads them: times of
//! day, weekday and month names and ranges, days of the month, years and time zone names.

use std::path::Path;

use crate::diag::Code;
use crate::load::spanned::Sp;
use crate::validate::Ctx;

pub(in crate::validate) use crate::model::{WEEKDAYS, clock};
pub(super) const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Minutes since midnight of `HH:MM` (00:00–23:59, or 24:00), as Alertmanager parses it.
pub(in crate::validate) fn parse_clock(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 5
        || b[2] != b':'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
    {
        return None;
    }
    let h = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    let m = u32::from(b[3] - b'0') * 10 + u32::from(b[4] - b'0');
    if (h < 24 && m < 60) || (h == 24 && m == 0) {
        Some(h * 60 + m)
    } else {
        None
    }
}

/// A set of indices (weekdays 0–6 from Sunday, months 0–11) from names or ranges `a:b`. A range
/// that wraps (`friday:monday`) is accepted and becomes the days it covers.
pub(in crate::validate) fn parse_named_set(
    cx: &mut Ctx,
    items: &[Sp<String>],
    names: &[&str],
    numeric: bool,
    path: &str,
    what: &str,
    example: &str,
) -> Option<Vec<bool>> {
    let mut set = vec![false; names.len()];
    let mut ok = true;
    let one = |s: &str| -> Option<usize> {
        let s = s.trim().to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == s) {
            return Some(i);
        }
        if numeric
            && let Ok(n) = s.parse::<usize>()
            && (1..=names.len()).contains(&n)
        {
            return Some(n - 1);
        }
        None
    };
    for (i, item) in items.iter().enumerate() {
        let parts: Vec<&str> = item.value.split(':').collect();
        let parsed: Vec<Option<usize>> = parts.iter().map(|p| one(p)).collect();
        match (parts.len(), parsed.as_slice()) {
            (1, [Some(a)]) => set[*a] = true,
            (2, [Some(a), Some(b)]) => {
                let mut d = *a;
                loop {
                    set[d] = true;
                    if d == *b {
                        break;
                    }
                    d = (d + 1) % names.len();
                }
            }
            _ => {
                ok = false;
                cx.err_help(
                    Code::TimeInterval,
                    item.loc,
                    format!("{path}[{i}]"),
                    format!(
                        "`{}` is not a {what} or a range of them",
                        item.value.escape_debug()
                    ),
                    format!("write e.g. {example}"),
                );
            }
        }
    }
    ok.then_some(set)
}

/// Renders a set as ranges in Alertmanager's form (never wrapping).
pub(super) fn render_set(set: &[bool], names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < set.len() {
        if !set[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < set.len() && set[i + 1] {
            i += 1;
        }
        out.push(if start == i {
            names[start].to_string()
        } else {
            format!("{}:{}", names[start], names[i])
        });
        i += 1;
    }
    out
}

pub(super) fn parse_day_of_month(s: &str) -> Result<String, String> {
    let parts: Vec<&str> = s.split(':').map(str::trim).collect();
    let nums: Vec<Option<i32>> = parts.iter().map(|p| p.parse::<i32>().ok()).collect();
    let (b, e) = match nums.as_slice() {
        [Some(a)] => (*a, *a),
        [Some(a), Some(b)] if parts.len() == 2 => (*a, *b),
        _ => {
            return Err(format!(
                "`{s}` is not a day of the month or a range of them (`1`, `1:7`, `-1`)"
            ));
        }
    };
    for d in [b, e] {
        if d == 0 || !(-31..=31).contains(&d) {
            return Err(format!("{d} is not a valid day of the month: out of range"));
        }
    }
    if b < 0 && e > 0 {
        return Err("end day must be negative if start day is negative".into());
    }
    let (cb, ce) = (
        if b < 0 { 28 + b } else { b },
        if e < 0 { 28 + e } else { e },
    );
    if cb > ce {
        return Err(format!("end day {e} is before start day {b}"));
    }
    Ok(if b == e {
        b.to_string()
    } else {
        format!("{b}:{e}")
    })
}

pub(super) fn parse_year(s: &str) -> Result<String, String> {
    let parts: Vec<&str> = s.split(':').map(str::trim).collect();
    let year = |p: &str| {
        (p.len() == 4 && p.bytes().all(|c| c.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    match parts.as_slice() {
        [a] => year(a)
            .map(|y| y.to_string())
            .ok_or_else(|| format!("`{s}` is not a year (`2026`) or a range (`2026:2027`)")),
        [a, b] => match (year(a), year(b)) {
            (Some(x), Some(y)) if x <= y => Ok(if x == y {
                x.to_string()
            } else {
                format!("{x}:{y}")
            }),
            (Some(_), Some(_)) => Err(format!("end year {b} is before start year {a}")),
            _ => Err(format!(
                "`{s}` is not a year (`2026`) or a range (`2026:2027`)"
            )),
        },
        _ => Err(format!(
            "`{s}` is not a year (`2026`) or a range (`2026:2027`)"
        )),
    }
}

/// The names of the IANA time zone database without a `/`: its legacy and alias zones.
const SINGLE_NAME_ZONES: &[&str] = &[
    "CET",
    "CST6CDT",
    "Cuba",
    "EET",
    "EST",
    "EST5EDT",
    "Egypt",
    "Eire",
    "GB",
    "GB-Eire",
    "GMT",
    "GMT+0",
    "GMT-0",
    "GMT0",
    "Greenwich",
    "HST",
    "Hongkong",
    "Iceland",
    "Iran",
    "Israel",
    "Jamaica",
    "Japan",
    "Kwajalein",
    "Libya",
    "MET",
    "MST",
    "MST7MDT",
    "NZ",
    "NZ-CHAT",
    "Navajo",
    "PRC",
    "PST8PDT",
    "Poland",
    "Portugal",
    "ROC",
    "ROK",
    "Singapore",
    "Turkey",
    "UCT",
    "UTC",
    "Universal",
    "W-SU",
    "WET",
    "Zulu",
];

/// An IANA zone name (`UTC`, `EST`, `Europe/Berlin`, `America/Argentina/Buenos_Aires`,
/// `Etc/GMT+2`): an `Area/Location` name, or one of the database's names without an area.
pub(super) fn is_zone_name(s: &str) -> bool {
    if SINGLE_NAME_ZONES.contains(&s) {
        return true;
    }
    !s.is_empty()
        && s.split('/').count() >= 2
        && s.split('/').all(|p| {
            matches!(p.chars().next(), Some(c) if c.is_ascii_uppercase())
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '+')
        })
}

/// Whether the zone is in this machine's time zone database; a machine without one (no
/// /usr/share/zoneinfo) accepts every well-formed name.
pub(super) fn zone_known(name: &str) -> bool {
    let db = Path::new("/usr/share/zoneinfo");
    name == "UTC" || !db.is_dir() || db.join(name).is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_parsing_matches_alertmanager() {
        assert_eq!(parse_clock("09:00"), Some(540));
        assert_eq!(parse_clock("24:00"), Some(1440));
        assert_eq!(parse_clock("00:00"), Some(0));
        for bad in ["9:00", "24:01", "25:00", "12:60", "12-00", "12:0", " 12:00"] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_of_month_follow_alertmanager_rules() {
        assert_eq!(parse_day_of_month("1:7").unwrap(), "1:7");
        assert_eq!(parse_day_of_month("-3:-1").unwrap(), "-3:-1");
        assert_eq!(parse_day_of_month("5").unwrap(), "5");
        assert!(parse_day_of_month("0").is_err());
        assert!(parse_day_of_month("32").is_err());
        assert!(parse_day_of_month("-1:5").is_err());
        assert!(parse_day_of_month("10:2").is_err());
        assert!(parse_year("2027:2026").is_err());
        assert_eq!(parse_year("2026:2027").unwrap(), "2026:2027");
    }

    #[test]
    fn sets_render_without_wrapping() {
        let mut set = vec![false; 7];
        for d in [5, 6, 0, 1] {
            set[d] = true;
        }
        assert_eq!(
            render_set(&set, &WEEKDAYS),
            vec!["sunday:monday", "friday:saturday"]
        );
        assert!(
            is_zone_name("Europe/Berlin")
                && is_zone_name("UTC")
                && is_zone_name("America/Argentina/Buenos_Aires")
                && is_zone_name("EST")
                && is_zone_name("PST8PDT")
        );
        assert!(
            !is_zone_name("Berlin") && !is_zone_name("europe/berlin") && !is_zone_name("Local")
        );
    }

    #[test]
    fn zones_are_looked_up_where_a_database_exists() {
        assert!(zone_known("UTC"));
        if Path::new("/usr/share/zoneinfo/Europe/Berlin").is_file() {
            assert!(zone_known("Europe/Berlin"));
            assert!(!zone_known("Europe/Berln"));
        }
    }
}
