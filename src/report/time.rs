//! Instants and durations as people read them, in the SLO's time zone; spans of time from the
//! samples of a series; the ticks of a time axis.

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};

use super::Span;

fn zoned(unix: i64, zone: &str) -> Option<Zoned> {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    Some(Timestamp::from_second(unix).ok()?.to_zoned(tz))
}

/// `2026-12-05 18:00 CET`: an instant in `zone`, to the minute.
pub fn date_time(unix: i64, zone: &str) -> String {
    zoned(unix, zone).map_or_else(
        || unix.to_string(),
        |z| z.strftime("%Y-%m-%d %H:%M %Z").to_string(),
    )
}

/// The instant in RFC 3339 (UTC), for `<time datetime>`.
pub fn rfc3339(unix: i64) -> String {
    Timestamp::from_second(unix).map_or_else(|_| unix.to_string(), |t| t.to_string())
}

/// `43 min 12 s`, `2 d 4 h`, `3 h 5 min`: two units at most, rounded down.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "—".into();
    }
    let neg = secs < 0.0;
    let s = secs.abs().round() as u64;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let text = if d > 0 {
        if h > 0 {
            format!("{d} d {h} h")
        } else {
            format!("{d} d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h} h {m} min")
        } else {
            format!("{h} h")
        }
    } else if m > 0 {
        if sec > 0 {
            format!("{m} min {sec} s")
        } else {
            format!("{m} min")
        }
    } else {
        format!("{sec} s")
    };
    if neg { format!("−{text}") } else { text }
}

/// The spans of time covered by `times` (seconds, any order): samples at most `gap` × 1.5
/// apart belong to one span. A span is `open` when its last sample is within that of `at`.
pub fn spans(times: &[f64], gap: f64, at: i64) -> Vec<Span> {
    let mut ts: Vec<i64> = times
        .iter()
        .filter(|t| t.is_finite())
        .map(|t| t.round() as i64)
        .collect();
    ts.sort_unstable();
    ts.dedup();
    let limit = (gap * 1.5).max(1.0);
    let mut out: Vec<Span> = Vec::new();
    for t in ts {
        match out.last_mut() {
            Some(s) if (t - s.end) as f64 <= limit => s.end = t,
            _ => out.push(Span {
                start: t,
                end: t,
                open: false,
            }),
        }
    }
    if let Some(last) = out.last_mut() {
        last.open = (at - last.end) as f64 <= limit;
    }
    out
}

/// The smallest positive gap between the samples `times`, or `fallback`.
pub fn min_gap(times: &[f64], fallback: f64) -> f64 {
    let mut ts: Vec<f64> = times.iter().copied().filter(|t| t.is_finite()).collect();
    ts.sort_by(f64::total_cmp);
    ts.windows(2)
        .map(|w| w[1] - w[0])
        .filter(|g| *g > 0.0)
        .fold(None, |m: Option<f64>, g| Some(m.map_or(g, |m| m.min(g))))
        .unwrap_or(fallback)
}

/// The ticks of a time axis from `from` to `to` in `zone`: at most about eight, at whole hours
/// or local midnights, each with its label; and the axis' title.
pub fn ticks(from: i64, to: i64, zone: &str) -> (Vec<(i64, String)>, String) {
    const HOUR: i64 = 3600;
    let span = (to - from).max(1);
    let steps_h: [i64; 9] = [1, 3, 6, 12, 24, 48, 168, 336, 672];
    let step_h = *steps_h
        .iter()
        .find(|h| span / (*h * HOUR) <= 8)
        .unwrap_or(&672);
    let daily = step_h >= 24;
    let mut out = Vec::new();
    let Some(start) = zoned(from, zone) else {
        return (out, String::new());
    };
    let Ok(mut t) = start.start_of_day() else {
        return (out, String::new());
    };
    let fmt = if daily { "%a %-d %b" } else { "%-d %b %H:%M" };
    let mut guard = 0;
    while t.timestamp().as_second() <= to && guard < 10_000 {
        guard += 1;
        let s = t.timestamp().as_second();
        if s >= from {
            out.push((s, t.strftime(fmt).to_string()));
        }
        let next = if daily {
            t.checked_add((step_h / 24).days())
        } else {
            t.checked_add(step_h.hours())
        };
        match next {
            Ok(n) => t = n,
            Err(_) => break,
        }
    }
    let title = if daily {
        format!("Date ({zone})")
    } else {
        format!("Date and time ({zone})")
    };
    (out, title)
}

/// The occurrences of a weekly window inside `from`..`to`: on `weekdays` (0 = Sunday; every day
/// when empty), at the `times` of day (minutes since midnight, end exclusive; all day when
/// empty), in `zone`. At most 500.
pub fn weekly(
    weekdays: &[u8],
    times: &[(u32, u32)],
    zone: &str,
    from: i64,
    to: i64,
) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let Some(start) = zoned(from, zone) else {
        return out;
    };
    let Ok(mut day) = start.start_of_day() else {
        return out;
    };
    let all_day = [(0u32, 24 * 60)];
    let times = if times.is_empty() {
        &all_day[..]
    } else {
        times
    };
    while day.timestamp().as_second() < to && out.len() < 500 {
        let wd = day.weekday().to_sunday_zero_offset();
        if weekdays.is_empty() || weekdays.contains(&(wd as u8)) {
            for (a, b) in times {
                let at = |m: u32| {
                    day.checked_add(i64::from(m).minutes())
                        .map(|z| z.timestamp().as_second())
                };
                if let (Ok(s), Ok(e)) = (at(*a), at(*b)) {
                    let (s, e) = (s.max(from), e.min(to));
                    if s < e {
                        out.push((s, e));
                    }
                }
            }
        }
        match day.checked_add(1.day()).and_then(|d| d.start_of_day()) {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_second()
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(2592.0), "43 min 12 s");
        assert_eq!(duration(86_400.0 * 2.0 + 3600.0 * 4.0 + 5.0), "2 d 4 h");
        assert_eq!(duration(3600.0), "1 h");
        assert_eq!(duration(-90.0), "−1 min 30 s");
        assert_eq!(duration(f64::NAN), "—");
    }

    #[test]
    fn samples_make_spans_split_at_gaps() {
        let t = [60.0, 120.0, 180.0, 600.0, 660.0];
        let s = spans(&t, 60.0, 1000);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].start, s[0].end, s[0].open), (60, 180, false));
        assert_eq!((s[1].start, s[1].end, s[1].open), (600, 660, false));
        assert!(spans(&t, 60.0, 700)[1].open);
        assert!(spans(&[], 60.0, 0).is_empty());
        assert_eq!(min_gap(&t, 15.0), 60.0);
        assert_eq!(min_gap(&[5.0], 15.0), 15.0);
    }

    #[test]
    fn dates_in_the_zone_and_ticks_at_local_midnight() {
        let t = ts("2026-12-01T00:00:00Z");
        assert_eq!(date_time(t, "Europe/Berlin"), "2026-12-01 01:00 CET");
        assert_eq!(date_time(t, "UTC"), "2026-12-01 00:00 UTC");
        let (ticks, title) = ticks(t, t + 30 * 86_400, "UTC");
        assert_eq!(title, "Date (UTC)");
        assert!(ticks.len() <= 9 && ticks.len() >= 4, "{ticks:?}");
        assert_eq!(ticks[0], (t, "Tue 1 Dec".to_string()));
        let (hours, title) = ticks_of_a_day(t);
        assert_eq!(title, "Date and time (UTC)");
        assert!(hours.iter().all(|(s, _)| s % 3600 == 0));
    }

    fn ticks_of_a_day(t: i64) -> (Vec<(i64, String)>, String) {
        ticks(t + 1800, t + 86_400, "UTC")
    }

    #[test]
    fn weekly_windows_in_their_zone() {
        // Sundays 02:00–04:00 Berlin in December 2026 (CET, UTC+1): 6th, 13th, 20th, 27th.
        let from = ts("2026-12-01T00:00:00Z");
        let w = weekly(
            &[0],
            &[(120, 240)],
            "Europe/Berlin",
            from,
            from + 31 * 86_400,
        );
        assert_eq!(w.len(), 4);
        assert_eq!(
            w[0],
            (ts("2026-12-06T01:00:00Z"), ts("2026-12-06T03:00:00Z"))
        );
    }
}
