//! The budgets as a table (colour on a terminal), as Markdown, and the gate's verdict as
//! sentences; times in RFC 3339, durations as `2d 4h`.

use anstyle::{AnsiColor, Style};

use super::policy::{Gate, Stage};
use super::{SloStatus, Status, Verdict, Window};

/// Unix seconds as RFC 3339 in UTC (`2026-11-11T10:00:00Z`).
pub fn rfc3339(unix: f64) -> String {
    jiff::Timestamp::from_second(unix.floor() as i64)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| format!("{unix}"))
}

/// Unix seconds as RFC 3339 with the offset of the zone `tz` (`2026-11-01T00:00:00+01:00`).
pub fn local_rfc3339(unix: i64, tz: &str) -> String {
    match (
        jiff::Timestamp::from_second(unix),
        jiff::tz::TimeZone::get(tz),
    ) {
        (Ok(t), Ok(z)) => t.to_zoned(z).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        _ => rfc3339(unix as f64),
    }
}

/// `2026-11-01 00:00` of an RFC 3339 time.
fn short_time(rfc: &str) -> String {
    rfc.get(..16).unwrap_or(rfc).replace('T', " ")
}

/// A duration in the two largest units: `3d 4h`, `5h 12m`, `40m`, `< 1m`.
pub fn human(secs: f64) -> String {
    if !secs.is_finite() {
        return "never".into();
    }
    let m = (secs / 60.0).floor() as i64;
    let (d, h, m) = (m / 1440, m % 1440 / 60, m % 60);
    match (d, h, m) {
        (0, 0, 0) => "< 1m".into(),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

fn pct(x: f64, digits: usize) -> String {
    format!("{:.*}%", digits, x * 100.0)
}

fn window_text(w: &Window) -> String {
    match w {
        Window::Rolling { length, .. } => format!("{length} rolling"),
        Window::Calendar {
            period,
            timezone,
            start,
            end,
            ..
        } => format!(
            "{period} {} → {} {timezone}",
            short_time(start),
            short_time(end)
        ),
    }
}

fn stage_style(stage: Option<Stage>) -> Style {
    let c = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    match stage {
        Some(Stage::Normal) => c(AnsiColor::Green),
        Some(Stage::Caution | Stage::Alert) => c(AnsiColor::Yellow),
        Some(Stage::Critical) => c(AnsiColor::Red),
        Some(Stage::Lockdown) | None => c(AnsiColor::Red).bold(),
    }
}

/// The cells of one SLO's row, read at `at`.
fn cells(s: &SloStatus, at: f64) -> Vec<String> {
    let budget = match (s.budget_remaining, s.budget_remaining_minutes) {
        (Some(r), Some(m)) => format!("{} ({m:.1} of {:.1} min)", pct(r, 1), s.budget_minutes),
        _ => "no data".into(),
    };
    let exhaustion = match (&s.stage, s.exhaustion_seconds) {
        (None, _) => "—".to_string(),
        (_, Some(x)) if x <= 0.0 => "exhausted".into(),
        (_, Some(x)) => match &s.window {
            Window::Calendar { end_unix, .. } if at + x > *end_unix as f64 => {
                format!("{} (resets first)", human(x))
            }
            _ => human(x),
        },
        (_, None) if s.burn_rate_1h.is_some() => "never".into(),
        (_, None) => "—".into(),
    };
    vec![
        s.name(),
        format!("{}%", s.objective),
        window_text(&s.window),
        s.sli.map_or("no data".into(), |v| pct(v, 4)),
        budget,
        s.burn_rate_1h.map_or("—".into(), |b| format!("{b:.2}x")),
        exhaustion,
        s.stage.map_or("NO DATA".into(), |x| x.as_str().to_string()),
    ]
}

const HEAD: [&str; 8] = [
    "SLO",
    "OBJECTIVE",
    "WINDOW",
    "SLI",
    "BUDGET LEFT",
    "1H BURN",
    "EXHAUSTED IN",
    "STAGE",
];
const BURN_HEAD: [&str; 5] = ["SLO", "TIER", "LONG WINDOW", "SHORT WINDOW", "FIRES ABOVE"];

fn burn_rows(st: &Status) -> Vec<(Vec<String>, bool)> {
    let mut rows = Vec::new();
    for s in &st.slos {
        for b in &s.burn_rates {
            let v = |w: &str, x: Option<f64>| {
                x.map_or(format!("{w} no data"), |x| format!("{w} {x:.2}x"))
            };
            rows.push((
                vec![
                    s.name(),
                    b.tier.clone(),
                    v(&b.long_window, b.long),
                    v(&b.short_window, b.short),
                    format!("{}x", b.factor),
                ],
                b.over,
            ));
        }
    }
    rows
}

/// Left-aligned columns, two spaces apart; `style(row)` colours a row's last cell.
fn columns(head: &[&str], rows: &[(Vec<String>, Style)], color: bool) -> String {
    let mut width: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for (r, _) in rows {
        for (i, c) in r.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let line = |cells: &[String], style: Option<Style>| {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            let last = i + 1 == cells.len();
            let pad = if last {
                String::new()
            } else {
                " ".repeat(width[i] - c.chars().count() + 2)
            };
            match style {
                Some(s) if last && color => out += &format!("{s}{c}{s:#}"),
                _ => out += c,
            }
            out += &pad;
        }
        out.trim_end().to_string() + "\n"
    };
    let bold = Style::new().bold();
    let head: Vec<String> = head.iter().map(ToString::to_string).collect();
    let mut out = if color {
        let h = line(&head, None);
        format!("{bold}{}{bold:#}\n", h.trim_end())
    } else {
        line(&head, None)
    };
    for (r, s) in rows {
        out += &line(r, Some(*s));
    }
    out
}

/// The status as two tables (budgets, then each tier's burn rates).
pub fn table(st: &Status, color: bool) -> String {
    let mut out = format!("Error budgets at {} from {}\n\n", st.at, st.prometheus);
    let rows: Vec<(Vec<String>, Style)> = st
        .slos
        .iter()
        .map(|s| (cells(s, st.at_unix), stage_style(s.stage)))
        .collect();
    out += &columns(&HEAD, &rows, color);
    out += &footnotes(st);
    let burns: Vec<(Vec<String>, Style)> = burn_rows(st)
        .into_iter()
        .map(|(mut r, over)| {
            r.push(if over { "burning" } else { "" }.into());
            let s = if over {
                stage_style(Some(Stage::Critical))
            } else {
                Style::new()
            };
            (r, s)
        })
        .collect();
    if !burns.is_empty() {
        out += "\nBurn rates (× the budget's rate; a tier fires when both its windows burn faster)\n\n";
        let mut head = BURN_HEAD.to_vec();
        head.push("");
        out += &columns(&head, &burns, color);
    }
    out
}

fn footnotes(st: &Status) -> String {
    let mut out = String::new();
    for s in st.slos.iter().filter(|s| !s.missing.is_empty()) {
        out += &format!(
            "\n{}: no value at {} of {}",
            s.name(),
            st.at,
            s.missing.join(", ")
        );
    }
    if !out.is_empty() {
        out += "\n(are the generated rules loaded, and is the instant within the server's data?)\n";
    }
    out += "\nBudget left counts the errors against the events expected over the whole window \
            (scaled from the time seen while the window is young); minutes are of total outage.\n";
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The status as Markdown tables (for a pull request or a chat message).
pub fn markdown(st: &Status) -> String {
    let mut out = format!("### Error budgets at {}\n\n", st.at);
    let row = |cells: &[String]| {
        format!(
            "| {} |\n",
            cells
                .iter()
                .map(|c| md_escape(c))
                .collect::<Vec<_>>()
                .join(" | ")
        )
    };
    let head: Vec<String> = HEAD.iter().map(|h| h.to_lowercase()).collect();
    out += &row(&head);
    out += &format!("|{}\n", "---|".repeat(head.len()));
    for s in &st.slos {
        let mut c = cells(s, st.at_unix);
        if s.stage.is_none_or(|x| x >= Stage::Critical) {
            let last = c.len() - 1;
            c[last] = format!("**{}**", c[last]);
        }
        out += &row(&c);
    }
    out += &footnotes(st);
    let burns = burn_rows(st);
    if !burns.is_empty() {
        out += "\n#### Burn rates\n\n";
        let mut head: Vec<String> = BURN_HEAD.iter().map(|h| h.to_lowercase()).collect();
        head.push("burning".into());
        out += &row(&head);
        out += &format!("|{}\n", "---|".repeat(head.len()));
        for (mut r, over) in burns {
            r.push(if over { "**yes**" } else { "no" }.into());
            out += &row(&r);
        }
    }
    out
}

/// The gate's verdict: one line per SLO, then the decision.
pub fn gate_text(
    service: &str,
    verdicts: &[Verdict],
    at: f64,
    policy: Gate,
    color: bool,
) -> String {
    let paint = |s: Style, t: &str| {
        if color {
            format!("{s}{t}{s:#}")
        } else {
            t.to_string()
        }
    };
    let line_pct = pct(policy.reopens_at(), 0);
    let mut out = String::new();
    for v in verdicts {
        let s = &v.status;
        let stage = s.stage.unwrap_or(Stage::Lockdown);
        let left = s.budget_remaining.map_or("no data".into(), |r| pct(r, 1));
        let window = match &s.window {
            Window::Rolling { length, .. } => format!("its {length}"),
            Window::Calendar { period, .. } => format!("this {period}'s"),
        };
        if v.frozen {
            out += &format!(
                "{} {}: stage {} ({}), {left} of {window} error budget left, below {line_pct}\n",
                paint(stage_style(Some(stage)), "frozen "),
                s.name(),
                stage.as_str(),
                stage.action()
            );
            let when = match (v.recovers_at, &s.window) {
                (Some(t), Window::Calendar { .. }) => format!(
                    "the budget resets when the next period starts, {} (in {})",
                    rfc3339(t),
                    human(t - at)
                ),
                (Some(t), _) => format!(
                    "at zero errors, enough errors age out of the window to be back above {line_pct} by {} (in {})",
                    rfc3339(t),
                    human(t - at)
                ),
                (None, _) => "no traffic recorded over the window to tell when it recovers".into(),
            };
            out += &format!("        {when}\n");
        } else {
            out += &format!(
                "{} {}: stage {}, {left} of {window} error budget left\n",
                paint(stage_style(Some(Stage::Normal)), "allowed"),
                s.name(),
                stage.as_str()
            );
        }
    }
    let frozen = verdicts.iter().filter(|v| v.frozen).count();
    let rule = if policy.allow_hotfix {
        "a hotfix is let through in every stage but lockdown (below 10%)".to_string()
    } else {
        format!(
            "deploys freeze from stage {} on (below {line_pct} of the budget)",
            policy.freezes_from().as_str()
        )
    };
    if frozen == 0 {
        out += &format!("deploys of {service} are allowed: {rule}\n");
    } else {
        out += &format!(
            "deploys of {service} are frozen by {frozen} SLO{}: {rule}\n",
            if frozen == 1 { "" } else { "s" }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_two_units() {
        assert_eq!(human(30.0), "< 1m");
        assert_eq!(human(40.0 * 60.0), "40m");
        assert_eq!(human(5.0 * 3600.0 + 12.0 * 60.0), "5h 12m");
        assert_eq!(human(3.0 * 86400.0 + 4.0 * 3600.0 + 60.0), "3d 4h");
        assert_eq!(human(f64::INFINITY), "never");
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00Z");
    }
}
