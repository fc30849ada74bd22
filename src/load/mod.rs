//! Stage 1, load: find spec files, split them into documents, read each document into a
//! located tree, check it against the format's schema (every problem at once), then into the
//! raw typed structures of its format.

pub mod lite;
pub mod native;
pub mod node;
pub mod openslo;
pub mod routing;
pub mod schema_check;
pub mod sloth;
pub mod spanned;
pub mod strict;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use walkdir::WalkDir;

use crate::diag::{Code, Diagnostic, Diagnostics, Loc, Sources};
use node::{Node, Value};

/// One document of a spec file, in the format it was written in.
#[derive(Debug, Clone)]
pub enum RawDoc {
    Service(Box<native::ServiceSpec>),
    Defaults(Box<native::DefaultsSpec>),
    Routing(Box<routing::RoutingSpec>),
    Sloth(Box<sloth::SlothSpec>),
    OpenSlo(Box<openslo::V1Doc>),
    OpenSloAlpha(Box<openslo::V1AlphaSlo>),
}

#[derive(Debug, Clone)]
pub struct LoadedDoc {
    pub file: PathBuf,
    pub loc: Loc,
    pub doc: RawDoc,
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub docs: Vec<LoadedDoc>,
    pub sources: Sources,
    pub diags: Diagnostics,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Unknown keys in foreign formats (Sloth) are errors rather than warnings.
    pub strict: bool,
}

/// Largest spec file read (bytes); anything larger is refused with a located error.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads every spec under `paths` (files, or directories searched for `*.yaml`/`*.yml`).
pub fn load_paths(paths: &[PathBuf], opts: LoadOptions) -> Loaded {
    let mut out = Loaded::default();
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = files.len();
            collect_dir(p, &mut files, &mut out.diags);
            if files.len() == before {
                out.diags.push(Diagnostic::error(
                    Code::NoSpecs,
                    p,
                    Loc::default(),
                    "",
                    "no spec files (*.yaml, *.yml) in this directory",
                ));
            }
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            out.diags.push(Diagnostic::error(
                Code::Io,
                p,
                Loc::default(),
                "",
                "no such file or directory",
            ));
        }
    }
    files.sort();
    files.dedup();
    // Files are read and parsed side by side, then merged in path order (deterministic).
    for part in crate::par::map(&files, |f| {
        let mut one = Loaded::default();
        load_file(f, opts, &mut one);
        one
    }) {
        out.docs.extend(part.docs);
        out.sources.merge(part.sources);
        out.diags.extend(part.diags);
    }
    out
}

/// Appends the spec files under `dir` in path order, hidden entries (`.name`) left out. A link
/// to a directory is searched as the directory; a directory that cannot be read is reported, an
/// entry that cannot be read is skipped.
fn collect_dir(dir: &Path, files: &mut Vec<PathBuf>, diags: &mut Diagnostics) {
    let hidden = |name: &std::ffi::OsStr| name.to_str().is_some_and(|n| n.starts_with('.'));
    let walk = WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !hidden(e.file_name()));
    for entry in walk {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) if e.path_is_symlink() && e.path().is_dir() => {
                collect_dir(e.path(), files, diags)
            }
            Ok(e) => {
                if matches!(
                    e.path().extension().and_then(|x| x.to_str()),
                    Some("yaml" | "yml")
                ) {
                    files.push(e.into_path());
                }
            }
            Err(e) => {
                if let (Some(p), Some(io)) = (e.path(), e.io_error()) {
                    diags.push(Diagnostic::error(
                        Code::Io,
                        p,
                        Loc::default(),
                        "",
                        format!("cannot read directory: {io}"),
                    ));
                }
            }
        }
    }
}

fn load_file(path: &Path, opts: LoadOptions, out: &mut Loaded) {
    let meta = std::fs::metadata(path);
    if let Ok(m) = &meta
        && m.len() > MAX_FILE_BYTES
    {
        out.diags.push(Diagnostic::error(
            Code::Io,
            path,
            Loc { line: 1, col: 1 },
            "",
            format!(
                "file is {} bytes; spec files are limited to {MAX_FILE_BYTES} bytes",
                m.len()
            ),
        ));
        return;
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            out.diags.push(Diagnostic::error(
                Code::Io,
                path,
                Loc::default(),
                "",
                format!("cannot read file: {e}"),
            ));
            return;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            let col =
                String::from_utf8_lossy(valid.rsplit(|b| *b == b'\n').next().unwrap_or_default())
                    .chars()
                    .count() as u64
                    + 1;
            out.diags.push(Diagnostic::error(
                Code::Io,
                path,
                Loc { line, col },
                "",
                "file is not valid UTF-8",
            ));
            return;
        }
    };
    load_str(path, &text, opts, out);
}

/// Reads the spec text of one file (already in memory).
pub fn load_str(path: &Path, text: &str, opts: LoadOptions, out: &mut Loaded) {
    out.sources.add(path, text);
    let docs = split_documents(text);
    let mut any = false;
    for doc_text in &docs {
        if load_document(path, doc_text, opts, out) {
            any = true;
        }
    }
    if !any
        && !out
            .diags
            .sorted()
            .iter()
            .any(|d| d.file == path && d.is_error())
    {
        out.diags.push(Diagnostic::error(
            Code::NoSpecs,
            path,
            Loc { line: 1, col: 1 },
            "",
            "file holds no spec document",
        ));
    }
}

/// Splits a multi-document stream at `---`/`...` lines. Each document keeps its line numbers:
/// the lines before it are replaced by empty lines.
pub fn split_documents(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut has_content = false;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        let is_start =
            trimmed == "---" || trimmed.starts_with("--- ") || trimmed.starts_with("---\t");
        let is_end = trimmed == "..." || trimmed.starts_with("... ");
        if is_start || is_end {
            if has_content {
                docs.push(std::mem::take(&mut current));
            }
            current = "\n".repeat(i + 1);
            has_content = false;
            if is_start && trimmed.len() > 3 {
                current.truncate(i);
                current.push_str(&" ".repeat(4));
                current.push_str(&trimmed[4..]);
                current.push('\n');
                has_content = true;
            }
            continue;
        }
        if !trimmed.trim().is_empty()
            && !trimmed.trim_start().starts_with('#')
            && !trimmed.starts_with('%')
        {
            has_content = true;
        }
        if trimmed.starts_with('%') {
            current.push('\n');
        } else {
            current.push_str(line);
        }
    }
    if has_content {
        docs.push(current);
    }
    docs
}

fn yaml_options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.with_snippet = false;
    o
}

fn yaml_error(path: &Path, e: &serde_saphyr::Error) -> Diagnostic {
    let loc = e.location().map_or(Loc { line: 1, col: 1 }, |l| Loc {
        line: l.line(),
        col: l.column(),
    });
    let msg = e.without_snippet().to_string();
    let mut msg = msg
        .lines()
        .next()
        .unwrap_or("invalid YAML")
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "");
    if let Some(i) = msg.rfind(" at line ")
        && msg[i..].contains(", column ")
    {
        msg.truncate(i);
    }
    Diagnostic::error(Code::YamlSyntax, path, loc, "", msg)
}

enum Format {
    Service,
    Defaults,
    Routing,
    Sloth,
    SlothCrd,
    OpenSlo(OpenSloKind),
    OpenSloAlpha,
}

#[derive(Clone, Copy)]
enum OpenSloKind {
    Slo,
    Sli,
    AlertPolicy,
    AlertCondition,
    AlertNotificationTarget,
    Service,
    DataSource,
}

fn openslo_kind(kind: Option<&str>) -> Option<OpenSloKind> {
    Some(match kind? {
        "SLO" => OpenSloKind::Slo,
        "SLI" => OpenSloKind::Sli,
        "AlertPolicy" => OpenSloKind::AlertPolicy,
        "AlertCondition" => OpenSloKind::AlertCondition,
        "AlertNotificationTarget" => OpenSloKind::AlertNotificationTarget,
        "Service" => OpenSloKind::Service,
        "DataSource" => OpenSloKind::DataSource,
        _ => return None,
    })
}

/// A document that reads as its typed structure in one pass: a native `Service`, or a Sloth
/// `prometheus/v1` spec without a key its types do not name (read through [`strict::Strict`]).
/// The JSON schema the located tree is checked against is derived from the same types, so such
/// a document has nothing for that check to report ([`assert_fast_path_agrees`] holds this up in
/// tests and fuzzing); the tree is only built for documents this does not read. Plain block
/// YAML is read by [`lite`]; the full parser reads the rest.
fn fast_read(text: &str) -> Option<RawDoc> {
    fast_read_with(text, true)
}

/// [`fast_read`], optionally without the plain block reader ([`lite`]) in front of the full parser.
fn fast_read_with(text: &str, use_lite: bool) -> Option<RawDoc> {
    // A tag, anchor or directive before the content moves the root's location off the first
    // content line (which is what [`content_start`] gives): the located tree is read instead.
    let first = text
        .lines()
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    if first.is_some_and(|l| l.starts_with(['!', '&', '%'])) {
        return None;
    }
    // So does a carriage return on its own, a line break to YAML but not to `str::lines`.
    if text
        .match_indices('\r')
        .any(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'\n'))
    {
        return None;
    }
    let top = |want: &str| text.lines().any(|l| l.trim_end() == want);
    if top("kind: Service") && top(&format!("apiVersion: {}", native::API_VERSION)) {
        if let Some(s) = use_lite
            .then(|| lite::read::<native::ServiceSpec>(text))
            .flatten()
        {
            return Some(RawDoc::Service(Box::new(s)));
        }
        return serde_saphyr::from_str_with_options::<native::ServiceSpec>(text, yaml_options())
            .ok()
            .map(|s| RawDoc::Service(Box::new(s)));
    }
    if top(&format!("version: {}", sloth::VERSION)) {
        let s = match use_lite
            .then(|| lite::read::<sloth::SlothSpec>(text))
            .flatten()
        {
            Some(s) => s,
            None => {
                serde_saphyr::from_str_with_options::<strict::StrictDoc<sloth::SlothSpec>>(
                    text,
                    yaml_options(),
                )
                .ok()?
                .0
            }
        };
        return (s.version.value == sloth::VERSION).then(|| RawDoc::Sloth(Box::new(s)));
    }
    None
}

/// Where the document's content starts (the location the located tree gives its root).
fn content_start(text: &str) -> Loc {
    for (i, line) in text.lines().enumerate() {
        let body = line.trim_start();
        if !body.is_empty() && !body.starts_with('#') {
            return Loc {
                line: i as u64 + 1,
                col: (line.len() - body.len()) as u64 + 1,
            };
        }
    }
    Loc { line: 1, col: 1 }
}

/// Invariant for tests and fuzzing: a document [`fast_read`] reads is one the located tree
/// and its schema check accept without an issue, at the same root location. Returns how many
/// documents of `text` the fast path read.
pub fn assert_fast_path_agrees(text: &str) -> usize {
    let mut fast = 0;
    for doc in split_documents(text) {
        let Some(read) = fast_read(&doc) else {
            continue;
        };
        // The plain block reader gives exactly what the full parser gives, or nothing.
        match fast_read_with(&doc, false) {
            Some(full) => assert_eq!(
                format!("{read:?}"),
                format!("{full:?}"),
                "the plain block reader differs from the full parser:\n{doc}"
            ),
            None => {
                panic!("the plain block reader reads a document the full parser refuses:\n{doc}")
            }
        }
        let schema = match read {
            RawDoc::Service(_) => service_schema(),
            _ => sloth_schema(),
        };
        fast += 1;
        let tree: Node = match serde_saphyr::from_str_with_options(&doc, yaml_options()) {
            Ok(n) => n,
            Err(e) => {
                panic!("the typed read accepts a document the located tree refuses ({e}):\n{doc}")
            }
        };
        let issues = schema_check::check(&tree, schema);
        assert!(
            issues.is_empty(),
            "the typed read accepts a document the schema check refuses ({}):\n{doc}",
            issues[0].message
        );
        assert_eq!(
            tree.loc,
            content_start(&doc),
            "root location differs:\n{doc}"
        );
    }
    fast
}

/// Returns true when the document was a spec (valid or not), false when it was empty.
fn load_document(path: &Path, text: &str, opts: LoadOptions, out: &mut Loaded) -> bool {
    if let Some(doc) = fast_read(text) {
        out.docs.push(LoadedDoc {
            file: path.to_path_buf(),
            loc: content_start(text),
            doc,
        });
        return true;
    }
    let tree: Node = match serde_saphyr::from_str_with_options(text, yaml_options()) {
        Ok(n) => n,
        Err(e) => {
            out.diags.push(yaml_error(path, &e));
            return true;
        }
    };
    let loc = tree.loc;
    if tree.value == Value::Null {
        return false;
    }
    if !matches!(tree.value, Value::Map(_)) {
        out.diags.push(Diagnostic::error(
            Code::Schema,
            path,
            loc,
            "",
            format!(
                "a spec document must be a mapping, found {}",
                tree.value.kind_name()
            ),
        ));
        return true;
    }
    let field = |k: &str| {
        tree.value
            .get(k)
            .and_then(|n| n.value.as_str().map(str::to_string))
    };
    let format = match (
        field("apiVersion").as_deref(),
        field("kind").as_deref(),
        field("version").as_deref(),
    ) {
        (Some(native::API_VERSION), Some("Service"), _) => Format::Service,
        (Some(native::API_VERSION), Some("Defaults"), _) => Format::Defaults,
        (Some(native::API_VERSION), Some(routing::KIND), _) => Format::Routing,
        (Some(native::API_VERSION), kind, _) => {
            let at = tree.value.get("kind").map_or(loc, |n| n.loc);
            out.diags.push(
                Diagnostic::error(
                    Code::UnknownKind,
                    path,
                    at,
                    "kind",
                    format!("unknown kind `{}`", kind.unwrap_or("(missing)")),
                )
                .with_help("sloforge.dev/v1 kinds are `Service`, `Defaults` and `AlertRouting`"),
            );
            return true;
        }
        (_, _, Some(sloth::VERSION)) => Format::Sloth,
        (Some(sloth::CRD_API_VERSION), Some(kind), _) if sloth::CRD_KINDS.contains(&kind) => {
            Format::SlothCrd
        }
        (Some(sloth::CRD_API_VERSION), Some(sloth::ALERT_WINDOWS_KIND), _)
        | (None, _, Some(sloth::ALERT_WINDOWS_VERSION)) => {
            let at = tree
                .value
                .get("kind")
                .or_else(|| tree.value.get("version"))
                .map_or(loc, |n| n.loc);
            out.diags.push(
                Diagnostic::error(Code::UnknownKind, path, at, "", "Sloth alert windows (`AlertWindows`) are not read: sloforge takes alert windows from a Defaults document")
                    .with_help("give each window pair as an entry of `alert_tiers` in a `kind: Defaults` document (its burn rate is errorBudgetPercent / 100 × sloPeriod / longWindow)"),
            );
            return true;
        }
        (Some(sloth::CRD_API_VERSION), kind, _) => {
            let at = tree.value.get("kind").map_or(loc, |n| n.loc);
            out.diags.push(
                Diagnostic::error(Code::UnknownKind, path, at, "kind", format!("unknown kind `{}`", kind.unwrap_or("(missing)")))
                    .with_help("sloth.slok.dev/v1 kinds read here are `PrometheusServiceLevel` and `ManagedPrometheusServiceLevel`"),
            );
            return true;
        }
        (Some(openslo::V1ALPHA), Some("SLO"), _) => Format::OpenSloAlpha,
        (Some(openslo::V1), kind, _) if openslo_kind(kind).is_some() => {
            Format::OpenSlo(openslo_kind(kind).unwrap_or(OpenSloKind::Slo))
        }
        (api, _, version) => {
            let what = match (api, version) {
                (Some(a), _) => format!("unsupported apiVersion `{a}`"),
                (None, Some(v)) => format!("unsupported version `{v}`"),
                (None, None) => "document has neither `apiVersion` nor `version`".to_string(),
            };
            let at = tree
                .value
                .get("apiVersion")
                .or_else(|| tree.value.get("version"))
                .map_or(loc, |n| n.loc);
            out.diags.push(
                Diagnostic::error(Code::UnknownKind, path, at, "", what)
                    .with_help("expected `apiVersion: sloforge.dev/v1`, Sloth's `version: prometheus/v1` or `apiVersion: sloth.slok.dev/v1`, or OpenSLO's `apiVersion: openslo/v1` / `openslo/v1alpha`"),
            );
            return true;
        }
    };
    let (schema, lenient) = match format {
        Format::Service => (service_schema(), false),
        Format::Defaults => (defaults_schema(), false),
        Format::Routing => (routing_schema(), false),
        Format::Sloth => (sloth_schema(), !opts.strict),
        Format::SlothCrd => (schema_of::<sloth::SlothCrd>(), !opts.strict),
        Format::OpenSloAlpha => (schema_of::<openslo::V1AlphaSlo>(), !opts.strict),
        Format::OpenSlo(k) => (openslo_schema(k), !opts.strict),
    };
    let mut blocking = false;
    let secrets = if matches!(format, Format::Routing) {
        routing::inline_secrets(&tree)
    } else {
        Vec::new()
    };
    for s in &secrets {
        blocking = true;
        out.diags.push(
            Diagnostic::error(
                Code::InlineSecret,
                path,
                s.loc,
                s.path.clone(),
                format!("`{}` would put a secret into alertmanager.yml", s.key),
            )
            .with_help(format!(
                "give `{}`: the path of a file that holds it",
                s.instead
            )),
        );
    }
    for issue in schema_check::check(&tree, schema) {
        if routing::explained_by_secret(&secrets, &issue.path, issue.loc) {
            continue;
        }
        let d = if issue.unknown_field && lenient {
            Diagnostic::warning(
                Code::UnknownFieldWarning,
                path,
                issue.loc,
                issue.path,
                format!("{} (ignored)", issue.message),
            )
        } else {
            blocking = true;
            let code = if issue.unknown_field {
                Code::UnknownField
            } else {
                Code::Schema
            };
            Diagnostic::error(code, path, issue.loc, issue.path, issue.message)
        };
        out.diags.push(match issue.help {
            Some(h) => d.with_help(h),
            None => d,
        });
    }
    if blocking {
        return true;
    }
    let doc = match format {
        Format::Service => typed(path, text).map(|s| RawDoc::Service(Box::new(s))),
        Format::Defaults => typed(path, text).map(|s| RawDoc::Defaults(Box::new(s))),
        Format::Routing => typed(path, text).map(|s| RawDoc::Routing(Box::new(s))),
        Format::Sloth => typed(path, text).map(|s| RawDoc::Sloth(Box::new(s))),
        Format::SlothCrd => {
            typed::<sloth::SlothCrd>(path, text).map(|s| RawDoc::Sloth(Box::new(s.into_spec())))
        }
        Format::OpenSloAlpha => typed(path, text).map(|s| RawDoc::OpenSloAlpha(Box::new(s))),
        Format::OpenSlo(k) => typed_openslo(path, text, k).map(|d| RawDoc::OpenSlo(Box::new(d))),
    };
    match doc {
        Ok(doc) => out.docs.push(LoadedDoc {
            file: path.to_path_buf(),
            loc,
            doc,
        }),
        Err(d) => out.diags.push(d),
    }
    true
}

fn typed<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, Diagnostic> {
    serde_saphyr::from_str_with_options::<T>(text, yaml_options()).map_err(|e| {
        let mut d = yaml_error(path, &e);
        d.code = Code::Schema;
        d
    })
}

fn schema_json<T: schemars::JsonSchema>() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or(serde_json::Value::Bool(true))
}

fn service_schema() -> &'static serde_json::Value {
    static S: OnceLock<serde_json::Value> = OnceLock::new();
    S.get_or_init(schema_json::<native::ServiceSpec>)
}

fn defaults_schema() -> &'static serde_json::Value {
    static S: OnceLock<serde_json::Value> = OnceLock::new();
    S.get_or_init(schema_json::<native::DefaultsSpec>)
}

fn routing_schema() -> &'static serde_json::Value {
    static S: OnceLock<serde_json::Value> = OnceLock::new();
    S.get_or_init(schema_json::<routing::RoutingSpec>)
}

fn sloth_schema() -> &'static serde_json::Value {
    static S: OnceLock<serde_json::Value> = OnceLock::new();
    S.get_or_init(schema_json::<sloth::SlothSpec>)
}

/// The JSON Schema of the native format: a `Service`, `Defaults` or `AlertRouting` document.
pub fn json_schema() -> serde_json::Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let service = generator.subschema_for::<native::ServiceSpec>();
    let defaults = generator.subschema_for::<native::DefaultsSpec>();
    let routing = generator.subschema_for::<routing::RoutingSpec>();
    let defs = generator.take_definitions(true);
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sloforge spec (apiVersion sloforge.dev/v1)",
        "description": "One YAML document: a Service with its SLOs, the fleet's Defaults, or its AlertRouting.",
        "oneOf": [service, defaults, routing],
        "$defs": defs,
    })
}

fn schema_of<T: schemars::JsonSchema + 'static>() -> &'static serde_json::Value {
    use std::any::TypeId;
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: OnceLock<Mutex<HashMap<TypeId, &'static serde_json::Value>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = match cache.lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    map.entry(TypeId::of::<T>())
        .or_insert_with(|| Box::leak(Box::new(schema_json::<T>())))
}

fn openslo_schema(k: OpenSloKind) -> &'static serde_json::Value {
    use openslo::Doc;
    match k {
        OpenSloKind::Slo => schema_of::<Doc<openslo::SloSpec>>(),
        OpenSloKind::Sli => schema_of::<Doc<openslo::SliSpec>>(),
        OpenSloKind::AlertPolicy => schema_of::<Doc<openslo::AlertPolicySpec>>(),
        OpenSloKind::AlertCondition => schema_of::<Doc<openslo::AlertConditionSpec>>(),
        OpenSloKind::AlertNotificationTarget => schema_of::<Doc<openslo::NotificationTargetSpec>>(),
        OpenSloKind::Service => schema_of::<Doc<openslo::ServiceSpec>>(),
        OpenSloKind::DataSource => schema_of::<Doc<openslo::DataSourceSpec>>(),
    }
}

fn typed_openslo(path: &Path, text: &str, k: OpenSloKind) -> Result<openslo::V1Doc, Diagnostic> {
    use openslo::V1Doc;
    Ok(match k {
        OpenSloKind::Slo => V1Doc::Slo(typed(path, text)?),
        OpenSloKind::Sli => V1Doc::Sli(typed(path, text)?),
        OpenSloKind::AlertPolicy => V1Doc::AlertPolicy(typed(path, text)?),
        OpenSloKind::AlertCondition => V1Doc::AlertCondition(typed(path, text)?),
        OpenSloKind::AlertNotificationTarget => V1Doc::AlertNotificationTarget(typed(path, text)?),
        OpenSloKind::Service => V1Doc::Service(typed(path, text)?),
        OpenSloKind::DataSource => V1Doc::DataSource(typed(path, text)?),
    })
}
