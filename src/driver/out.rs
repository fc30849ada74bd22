//! What the commands print: answers to stdout, where a closed pipe (`sloforge routes | head`)
//! ends the process quietly with exit 0, and reports in one of the formats every reporting
//! command takes (`--output text|json|yaml`).

use std::io::{ErrorKind, IsTerminal, Write};
use std::sync::OnceLock;

use serde::Serialize;

/// Writes `text` to stdout. When the reader has gone (a closed pipe), there is no one left to
/// tell: the process ends at once with exit 0, as `head` expects of the command before it.
pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => std::process::exit(0),
        _ => {}
    }
}

/// The format of a command's report on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Report {
    /// For people: tables and sentences.
    #[default]
    Text,
    /// For programs: pretty-printed JSON.
    Json,
    /// For programs and people who prefer it: YAML.
    Yaml,
}

impl Report {
    /// Prints `value` as JSON or YAML, or `text()` for [`Report::Text`].
    pub(crate) fn print<T: Serialize>(self, value: &T, text: impl FnOnce() -> String) {
        match self {
            Report::Text => print(&text()),
            Report::Json => {
                print(&(serde_json::to_string_pretty(value).unwrap_or_default() + "\n"));
            }
            Report::Yaml => print(&crate::syntax::yaml::to_yaml(value)),
        }
    }
}

/// Whether diagnostics on stderr are coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Color {
    /// On a terminal, unless `NO_COLOR` is set (to anything but the empty string).
    #[default]
    Auto,
    Always,
    Never,
}

static COLOR: OnceLock<Color> = OnceLock::new();

/// Sets the colour choice of this process (the command line's `--color`); the first call wins.
pub fn set_color(c: Color) {
    let _ = COLOR.set(c);
}

/// Whether stderr gets colour now.
pub(crate) fn stderr_color() -> bool {
    match COLOR.get().copied().unwrap_or_default() {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

/// Whether a report on stdout gets colour now: as stderr, for stdout's terminal.
pub(crate) fn stdout_color() -> bool {
    match COLOR.get().copied().unwrap_or_default() {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}
