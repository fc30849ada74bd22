//! The routing table of a proof, as `sloforge routes` prints it.

use crate::names::{self, label};
use crate::verify::alerts::AlertInstance;
use crate::verify::proof::Proof;

/// The routing table: one line per alert with the receivers it reaches.
pub fn table(p: &Proof) -> String {
    let rows: Vec<[String; 5]> = p
        .routed
        .iter()
        .map(|r| {
            let g = |k: &str| r.labels.get(k).cloned().unwrap_or_default();
            let stage = AlertInstance {
                labels: r.labels.clone(),
            }
            .what();
            let mut recv = r
                .receivers
                .iter()
                .map(|s| {
                    s.strip_prefix(names::ALERTMANAGER_PREFIX)
                        .unwrap_or(s)
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join(", ");
            let mut notes = Vec::new();
            if !r.mute_time_intervals.is_empty() {
                notes.push(format!(
                    "muted during {}",
                    strip_all(&r.mute_time_intervals)
                ));
            }
            if !r.active_time_intervals.is_empty() {
                notes.push(format!(
                    "only during {}",
                    strip_all(&r.active_time_intervals)
                ));
            }
            if !notes.is_empty() {
                recv = format!("{recv} ({})", notes.join("; "));
            }
            [
                format!("{}/{}", g(label::SERVICE), g(label::SLO)),
                stage,
                g(label::SEVERITY),
                g(label::TEAM),
                recv,
            ]
        })
        .collect();
    let head = ["SLO", "ALERT", "SEVERITY", "TEAM", "RECEIVERS"].map(String::from);
    let mut width = [0usize; 5];
    for row in std::iter::once(&head).chain(&rows) {
        for (i, c) in row.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&head).chain(&rows) {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(c);
            } else {
                line.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn strip_all(v: &[String]) -> String {
    v.iter()
        .map(|s| s.strip_prefix(names::ALERTMANAGER_PREFIX).unwrap_or(s))
        .collect::<Vec<_>>()
        .join(", ")
}
