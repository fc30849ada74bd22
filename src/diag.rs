//! Diagnostics: every problem found in the specs, with a stable code, a location and a field
//! path, rendered with a source excerpt.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a spec file, 1-based. Line 0 means "the file as a whole".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub line: u64,
    pub col: u64,
}

/// Stable diagnostic codes: users search for them, tests assert them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// A file or directory could not be read, or is not UTF-8.
    Io,
    /// The YAML itself is malformed (syntax, duplicate key, bad indentation).
    YamlSyntax,
    /// A key the format does not know.
    UnknownField,
    /// A value of the wrong type, or a required key that is missing.
    Schema,
    /// A document that is neither a sloforge nor a Sloth/OpenSLO spec.
    UnknownKind,
    /// No spec found where specs were expected.
    NoSpecs,
    Objective,
    DurationSyntax,
    WindowTooShort,
    PromqlSyntax,
    PromqlType,
    SameSeries,
    LabelName,
    LabelValue,
    DuplicateSlo,
    Threshold,
    TemplateSyntax,
    TemplateUndefined,
    UnknownReference,
    Name,
    Sli,
    Reserved,
    Config,
    /// A secret written inline in the routing spec instead of a file path.
    InlineSecret,
    /// A time interval that Alertmanager would reject or misread.
    TimeInterval,
    /// Alertmanager routing that does not deliver generated alerts as the routing spec says.
    Routing,
    /// A rule group with more rules than the ruler takes (`--max-rules-per-group`).
    RulesPerGroup,
    /// More rule groups than the ruler takes per tenant (`--max-groups`).
    GroupsPerTenant,
    /// A user's Alertmanager configuration that Alertmanager would refuse to load.
    AlertmanagerConfig,
    /// A receiver setting that the Alertmanager release the configuration is for cannot load.
    AlertmanagerRelease,
    /// A routing part that the Prometheus Operator's `AlertmanagerConfig` cannot express.
    NotInAlertmanagerConfig,
    /// A calendar window or a planned-maintenance exclusion that cannot be compiled.
    Calendar,
    TierNeverFires,
    UnknownFieldWarning,
    /// A part of a foreign spec that has no equivalent here and is left out.
    NotMapped,
    /// An objective below 50 %: most likely a ratio (`0.999`) written where a percentage goes.
    ObjectiveBelowHalf,
    /// A ratio SLI whose errors (or good) and total queries read different metrics or jobs.
    RatioSourcesDiffer,
    /// A latency threshold that no `buckets:` list confirms is a bucket bound of the histogram.
    ThresholdBucketUnchecked,
    /// A routing document part that works but is likely a mistake (an unused receiver, say).
    RoutingWarning,
    /// A receiver setting that Alertmanager 0.25 cannot load, in a routing document that does
    /// not say which release loads the configuration.
    NeedsNewerAlertmanager,
}

impl Code {
    /// Every code. A new variant must be added here: the match in the uniqueness test below
    /// does not compile until it is.
    pub const ALL: &'static [Code] = &[
        Code::Io,
        Code::YamlSyntax,
        Code::UnknownField,
        Code::Schema,
        Code::UnknownKind,
        Code::NoSpecs,
        Code::Objective,
        Code::DurationSyntax,
        Code::WindowTooShort,
        Code::PromqlSyntax,
        Code::PromqlType,
        Code::SameSeries,
        Code::LabelName,
        Code::LabelValue,
        Code::DuplicateSlo,
        Code::Threshold,
        Code::TemplateSyntax,
        Code::TemplateUndefined,
        Code::UnknownReference,
        Code::Name,
        Code::Sli,
        Code::Reserved,
        Code::Config,
        Code::InlineSecret,
        Code::TimeInterval,
        Code::Routing,
        Code::RulesPerGroup,
        Code::GroupsPerTenant,
        Code::AlertmanagerConfig,
        Code::AlertmanagerRelease,
        Code::NotInAlertmanagerConfig,
        Code::Calendar,
        Code::TierNeverFires,
        Code::UnknownFieldWarning,
        Code::NotMapped,
        Code::ObjectiveBelowHalf,
        Code::RatioSourcesDiffer,
        Code::ThresholdBucketUnchecked,
        Code::RoutingWarning,
        Code::NeedsNewerAlertmanager,
    ];

    /// Whether the code is a warning's (`W…`).
    pub fn is_warning(self) -> bool {
        self.as_str().starts_with('W')
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Io => "E001",
            Code::YamlSyntax => "E002",
            Code::UnknownField => "E003",
            Code::Schema => "E004",
            Code::UnknownKind => "E005",
            Code::NoSpecs => "E006",
            Code::Objective => "E101",
            Code::DurationSyntax => "E102",
            Code::WindowTooShort => "E103",
            Code::PromqlSyntax => "E104",
            Code::PromqlType => "E105",
            Code::SameSeries => "E106",
            Code::LabelName => "E107",
            Code::LabelValue => "E108",
            Code::DuplicateSlo => "E109",
            Code::Threshold => "E110",
            Code::TemplateSyntax => "E111",
            Code::TemplateUndefined => "E112",
            Code::UnknownReference => "E113",
            Code::Name => "E114",
            Code::Sli => "E115",
            Code::Reserved => "E116",
            Code::Config => "E117",
            Code::InlineSecret => "E118",
            Code::TimeInterval => "E119",
            Code::Routing => "E120",
            Code::RulesPerGroup => "E121",
            Code::GroupsPerTenant => "E122",
            Code::AlertmanagerConfig => "E123",
            Code::AlertmanagerRelease => "E124",
            Code::NotInAlertmanagerConfig => "E125",
            Code::Calendar => "E126",
            Code::TierNeverFires => "W201",
            Code::UnknownFieldWarning => "W202",
            Code::NotMapped => "W203",
            Code::ObjectiveBelowHalf => "W204",
            Code::RatioSourcesDiffer => "W205",
            Code::ThresholdBucketUnchecked => "W206",
            Code::RoutingWarning => "W207",
            Code::NeedsNewerAlertmanager => "W208",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub file: PathBuf,
    pub loc: Loc,
    /// Field path inside the document (`slos[0].objective`), empty when not known.
    pub path: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(
        code: Code,
        file: &Path,
        loc: Loc,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            file: file.to_path_buf(),
            loc,
            path: path.into(),
            help: None,
        }
    }

    /// A warning: its code is a `W` code (a `--strict` run turns it into an error, code kept).
    pub fn warning(
        code: Code,
        file: &Path,
        loc: Loc,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        debug_assert!(
            code.is_warning(),
            "warning with error code {}",
            code.as_str()
        );
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, loc, path, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn sort_key(&self) -> (PathBuf, Loc, Code, String) {
        (self.file.clone(), self.loc, self.code, self.message.clone())
    }

    /// One line: `file:line:col: error[E101] slos[0].objective: message`.
    pub fn short(&self) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let path = if self.path.is_empty() {
            String::new()
        } else {
            format!(" {}:", self.path)
        };
        format!(
            "{}:{}:{}: {sev}[{}]{path} {}",
            self.file.display(),
            self.loc.line,
            self.loc.col,
            self.code.as_str(),
            self.message
        )
    }

    /// The diagnostic with a source excerpt, as printed to a terminal without colour.
    pub fn render(&self, sources: &Sources) -> String {
        self.render_in(sources, false)
    }

    /// The diagnostic with a source excerpt; with ANSI colours when `color`.
    pub fn render_in(&self, sources: &Sources, color: bool) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let title = if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.path, self.message)
        };
        let file = self.file.display().to_string();
        let line_text = sources.line(&self.file, self.loc.line);
        let mut groups: Vec<Group> = Vec::new();
        let head = level.primary_title(title.as_str()).id(self.code.as_str());
        let group = match &line_text {
            Some(text) if self.loc.line > 0 => {
                let (start, end) = token_span(text, self.loc.col);
                let label = if self.path.is_empty() {
                    "here"
                } else {
                    self.path.as_str()
                };
                head.element(
                    Snippet::source(text.as_str())
                        .line_start(usize::try_from(self.loc.line).unwrap_or(1))
                        .path(file.as_str())
                        .annotation(AnnotationKind::Primary.span(start..end).label(label)),
                )
            }
            _ if self.loc.line > 0 => head.element(
                Level::NOTE.message(format!("at {file}:{}:{}", self.loc.line, self.loc.col)),
            ),
            _ => head.element(Level::NOTE.message(format!("in {file}"))),
        };
        groups.push(group);
        if let Some(help) = &self.help {
            groups.push(Group::with_title(
                Level::HELP.secondary_title(help.as_str()),
            ));
        }
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.render(&groups).to_string()
    }
}

/// Byte range of the token starting at 1-based character column `col` (at least one char).
fn token_span(text: &str, col: u64) -> (usize, usize) {
    let col = usize::try_from(col.max(1) - 1).unwrap_or(0);
    let start = text.char_indices().nth(col).map_or(text.len(), |(i, _)| i);
    if start >= text.len() {
        return (text.len(), text.len());
    }
    let rest = &text[start..];
    let len = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => quoted_len(rest, q),
        _ => plain_len(rest, in_flow(&text[..start])),
    };
    let end = start + len.max(rest.chars().next().map_or(0, char::len_utf8));
    (start, end.min(text.len()))
}

/// Length of the quoted scalar `rest` starts with, quotes included (to the end of the line
/// when it does not close there): `\"` escapes a double quote, `''` a single one.
fn quoted_len(rest: &str, q: char) -> usize {
    let mut chars = rest.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if q == '"' && c == '\\' {
            chars.next();
        } else if c == q {
            if q == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') {
                chars.next();
            } else {
                return i + 1;
            }
        }
    }
    rest.len()
}

/// Length of the plain scalar (or key) `rest` starts with: up to `: `, a ` #` comment or the
/// end of the line, and in a flow collection also up to `,`, `}` or `]`; trailing spaces left
/// out. A PromQL selector with `{…, …}` is one scalar in block context.
fn plain_len(rest: &str, flow: bool) -> usize {
    let bytes = rest.as_bytes();
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        let next = bytes.get(i + 1).copied();
        let stop = (c == ':' && matches!(next, None | Some(b' ' | b'\t')))
            || (c == '#' && i > 0 && matches!(bytes[i - 1], b' ' | b'\t'))
            || (flow && matches!(c, ',' | '}' | ']'));
        if stop {
            end = i;
            break;
        }
    }
    rest[..end].trim_end().len()
}

/// Whether `before` (a line up to a position) leaves a flow collection (`{`, `[`) open.
fn in_flow(before: &str) -> bool {
    let mut depth = 0i32;
    let mut quote = None;
    for c in before.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth -= 1,
            (None, '#') => break,
            _ => {}
        }
    }
    depth > 0
}

/// The text of every spec file read, for excerpts.
#[derive(Default, Debug)]
pub struct Sources {
    files: BTreeMap<PathBuf, String>,
}

impl Sources {
    pub fn add(&mut self, path: &Path, text: &str) {
        self.files.insert(path.to_path_buf(), text.to_string());
    }

    /// Takes every file of `other` (a later file replaces an earlier one of the same path).
    pub fn merge(&mut self, other: Sources) {
        self.files.extend(other.files);
    }

    /// The whole text of a file read.
    pub fn text(&self, path: &Path) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    pub fn line(&self, path: &Path, line: u64) -> Option<String> {
        let text = self.files.get(path)?;
        let idx = usize::try_from(line.checked_sub(1)?).ok()?;
        let l = text.lines().nth(idx)?;
        if l.len() > 400 {
            return Some(l.chars().take(400).collect());
        }
        Some(l.to_string())
    }
}

/// Every diagnostic of a run, errors and warnings, kept in a stable order.
#[derive(Default, Debug, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorted by file, position and code; exact duplicates dropped.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut v = self.items.clone();
        v.sort_by_key(Diagnostic::sort_key);
        v.dedup();
        v
    }

    /// Turns warnings into errors (`--strict`).
    pub fn escalate_warnings(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Error;
        }
    }

    pub fn render(&self, sources: &Sources) -> String {
        self.render_in(sources, false)
    }

    /// Every diagnostic in order and the counts; with ANSI colours when `color`.
    pub fn render_in(&self, sources: &Sources, color: bool) -> String {
        let mut out = String::new();
        for d in self.sorted() {
            out.push_str(&d.render_in(sources, color));
            out.push_str("\n\n");
        }
        let (e, w) = (self.error_count(), self.warning_count());
        if e + w > 0 {
            out.push_str(&format!("{e} error(s), {w} warning(s)\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.sorted() {
            writeln!(f, "{}", d.short())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod code_tests {
    use super::Code;

    /// Exhaustive: adding a variant breaks this match until it is listed in [`Code::ALL`] too.
    fn listed(c: Code) -> bool {
        match c {
            Code::Io
            | Code::YamlSyntax
            | Code::UnknownField
            | Code::Schema
            | Code::UnknownKind
            | Code::NoSpecs
            | Code::Objective
            | Code::DurationSyntax
            | Code::WindowTooShort
            | Code::PromqlSyntax
            | Code::PromqlType
            | Code::SameSeries
            | Code::LabelName
            | Code::LabelValue
            | Code::DuplicateSlo
            | Code::Threshold
            | Code::TemplateSyntax
            | Code::TemplateUndefined
            | Code::UnknownReference
            | Code::Name
            | Code::Sli
            | Code::Reserved
            | Code::Config
            | Code::InlineSecret
            | Code::TimeInterval
            | Code::Routing
            | Code::RulesPerGroup
            | Code::GroupsPerTenant
            | Code::AlertmanagerConfig
            | Code::AlertmanagerRelease
            | Code::NotInAlertmanagerConfig
            | Code::Calendar
            | Code::TierNeverFires
            | Code::UnknownFieldWarning
            | Code::NotMapped
            | Code::ObjectiveBelowHalf
            | Code::RatioSourcesDiffer
            | Code::ThresholdBucketUnchecked
            | Code::RoutingWarning
            | Code::NeedsNewerAlertmanager => Code::ALL.contains(&c),
        }
    }

    #[test]
    fn codes_are_unique_well_formed_and_documented() {
        let readme = include_str!("../README.md");
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(listed(*c));
            let s = c.as_str();
            assert!(seen.insert(s), "{s} is used twice");
            assert!(
                s.len() == 4
                    && (s.starts_with('E') || s.starts_with('W'))
                    && s[1..].bytes().all(|b| b.is_ascii_digit()),
                "{s}"
            );
            assert!(readme.contains(s), "{s} is not documented in README.md");
        }
    }
}
