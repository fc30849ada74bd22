//! Runs the drill's test file with the real `promtool test rules` and reads back what it got at
//! each evaluation. Every check expects nothing, so each one promtool finds anything for fails
//! and is printed with the samples it got — `expr: "…", time: 1h4m,` then `exp: nil` and
//! `got: {labels} value, {labels} value` (promtool 2.42, 2.53 and 3.5 alike); a check that
//! got nothing passes silently.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::model::Duration;
use crate::testrun::RunError;

/// The garbage collector's pace for promtool (`GOGC`) when the environment sets none.
const GOGC: &str = "400";

/// One sample of a check's result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) value: f64,
}

/// Runs promtool on `test_file` in `dir`; returns what it printed.
pub(crate) fn run(promtool: &Path, dir: &Path, test_file: &str) -> Result<String, String> {
    // promtool runs in `dir`: a relative path (not a bare name looked up on `PATH`) is taken
    // from here.
    let absolute;
    let promtool = if promtool.is_relative() && promtool.components().count() > 1 {
        absolute = std::env::current_dir()
            .map(|d| d.join(promtool))
            .unwrap_or_else(|_| promtool.to_path_buf());
        absolute.as_path()
    } else {
        promtool
    };
    let mut cmd = Command::new(promtool);
    if std::env::var_os("GOGC").is_none() {
        cmd.env("GOGC", GOGC);
    }
    let out = cmd
        .args(["test", "rules", test_file])
        .current_dir(dir)
        .output()
        .map_err(|e| RunError::Spawn(promtool.to_path_buf(), e).to_string())?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok(text)
}

/// The samples got at each evaluation time promtool reports on. An error when promtool
/// reports anything but failed checks (a rule that does not load or evaluate, a bad file).
pub(crate) fn results(output: &str) -> Result<BTreeMap<Duration, Vec<Sample>>, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<Duration> = None;
    let mut checks = 0;
    for line in output.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("expr: ") {
            let time = rest
                .rsplit_once(", time: ")
                .map(|(_, t)| t.trim_end_matches(',').trim())
                .and_then(|t| Duration::parse(t).ok())
                .ok_or_else(|| unexpected(output))?;
            current = Some(time);
            checks += 1;
        } else if let Some(got) = t.strip_prefix("got: ") {
            let time = current.take().ok_or_else(|| unexpected(output))?;
            out.insert(time, samples(got).ok_or_else(|| unexpected(output))?);
        } else if t.starts_with("exp:")
            || t.is_empty()
            || t == "FAILED:"
            || t.starts_with("Unit Testing:")
        {
        } else {
            return Err(unexpected(output));
        }
    }
    if checks == 0 {
        return Err(unexpected(output));
    }
    Ok(out)
}

fn unexpected(output: &str) -> String {
    format!("promtool did not run the drill:\n{}", output.trim_end())
}

/// The samples of a `got:` line: `{a="1", b="x\"y"} 1E+00, {…} 2.5E-01`.
pub(crate) fn samples(line: &str) -> Option<Vec<Sample>> {
    let mut out = Vec::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        rest = rest.strip_prefix('{')?;
        let mut labels = BTreeMap::new();
        loop {
            rest = rest.trim_start_matches([',', ' ']);
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            let (name, r) = rest.split_once("=\"")?;
            let (value, r) = quoted(r)?;
            labels.insert(name.trim().to_string(), value);
            rest = r;
        }
        let end = rest.find(',').unwrap_or(rest.len());
        let value: f64 = rest[..end].trim().parse().ok()?;
        out.push(Sample { labels, value });
        rest = rest[end..].trim_start_matches(',').trim_start();
    }
    Some(out)
}

/// A Go-quoted string's text up to its closing quote, and what follows it.
fn quoted(s: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &s[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                'r' => value.push('\r'),
                c => value.push(c),
            },
            c => value.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn got_lines_read_as_promtool_prints_them() {
        let s = samples(r#"{__name__="ALERTS", alertname="A", q="a\"b, c}"} 1E+00, {__name__="x:ratio", job="a"} -3.3333333333333337E-01"#).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].labels["q"], "a\"b, c}");
        assert_eq!(s[0].value, 1.0);
        assert_eq!(s[1].labels["job"], "a");
        assert!((s[1].value + 1.0 / 3.0).abs() < 1e-12);
        assert!(samples("{} NaN").unwrap()[0].value.is_nan());
        assert!(samples("{a=\"1\"").is_none());
    }

    #[test]
    fn output_of_every_promtool_release_reads() {
        let body = "  FAILED:\n    expr: \"ALERTS or x\", time: 1h4m0s,\n        exp: nil\n        got: {a=\"1\"} 1E+00\n\n    expr: \"ALERTS or x\", time: 2m,\n        exp: nil\n        got: {a=\"2\"} 5E-01\n";
        for text in [
            format!("Unit Testing:  d.test.yaml\n{body}"),
            body.to_string(),
        ] {
            let r = results(&text).unwrap();
            assert_eq!(r.len(), 2);
            assert_eq!(r[&Duration::from_mins(64)][0].labels["a"], "1");
            assert_eq!(r[&Duration::from_mins(2)][0].value, 0.5);
        }
        assert!(results("  FAILED:\n    rule: bad\n").is_err());
        assert!(results("Unit Testing:  d.test.yaml\n  SUCCESS\n").is_err());
    }
}
