//! One document: read into a located tree, classified by format (`apiVersion`, `kind`,
//! `version`), checked against the format's schema, then read into its typed structure.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{
    self, Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, SeqAccess,
    Visitor,
};

use super::fast::{content_start, fast_read};
use super::node::{Node, Value};
use super::schemas::{defaults_schema, routing_schema, schema_of, service_schema, sloth_schema};
use super::{
    LoadOptions, Loaded, LoadedDoc, RawDoc, native, openslo, routing, schema_check, sloth,
    yaml_error, yaml_options,
};
use crate::diag::{Code, Diagnostic};

/// The formats a spec document is read in.
#[derive(Clone, Copy)]
enum Format {
    Service,
    Defaults,
    Routing,
    Sloth,
    SlothCrd,
    OpenSlo(OpenSloKind),
    OpenSloAlpha,
}

/// The OpenSLO v1 kinds read.
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

/// Returns true when the document was a spec (valid or not), false when it was empty.
pub(super) fn load_document(path: &Path, text: &str, opts: LoadOptions, out: &mut Loaded) -> bool {
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
            out.diags
                .push(super::yaml_hints::with_hint(yaml_error(path, &e), text));
            return true;
        }
    };
    if tree.value == Value::Null {
        return false;
    }
    match &tree.value {
        Value::Map(_) => load_mapping(path, text, &tree, None, opts, out),
        // A list of documents, as the OpenSLO SDK reads them: each entry is one document.
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                if matches!(item.value, Value::Map(_)) {
                    load_mapping(path, text, item, Some(i), opts, out);
                } else {
                    out.diags.push(Diagnostic::error(
                        Code::Schema,
                        path,
                        item.loc,
                        format!("[{i}]"),
                        format!(
                            "an entry of a top-level list must be a document (a mapping), found {}",
                            item.value.kind_name()
                        ),
                    ));
                }
            }
        }
        other => out.diags.push(Diagnostic::error(
            Code::Schema,
            path,
            tree.loc,
            "",
            format!(
                "a spec document must be a mapping (or a list of them), found {}",
                other.kind_name()
            ),
        )),
    }
    true
}

/// One mapping document: the whole text's, or entry `index` of a top-level list.
fn load_mapping(
    path: &Path,
    text: &str,
    tree: &Node,
    index: Option<usize>,
    opts: LoadOptions,
    out: &mut Loaded,
) {
    let Some(format) = classify(path, tree, out) else {
        return;
    };
    if check_schema(path, tree, format, opts, out) {
        return;
    }
    match read_typed(path, Source { text, index }, format) {
        Ok(doc) => out.docs.push(LoadedDoc {
            file: path.to_path_buf(),
            loc: tree.loc,
            doc,
        }),
        Err(d) => out.diags.push(d),
    }
}

/// The format of a mapping document, from its `apiVersion`, `kind` and `version`; `None`, with
/// the error reported, for a document sloforge does not read.
fn classify(path: &Path, tree: &Node, out: &mut Loaded) -> Option<Format> {
    let loc = tree.loc;
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
            return None;
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
            return None;
        }
        (Some(sloth::CRD_API_VERSION), kind, _) => {
            let at = tree.value.get("kind").map_or(loc, |n| n.loc);
            out.diags.push(
                Diagnostic::error(Code::UnknownKind, path, at, "kind", format!("unknown kind `{}`", kind.unwrap_or("(missing)")))
                    .with_help("sloth.slok.dev/v1 kinds read here are `PrometheusServiceLevel` and `ManagedPrometheusServiceLevel`"),
            );
            return None;
        }
        (Some(openslo::V1ALPHA), Some("SLO"), _) => Format::OpenSloAlpha,
        (Some(openslo::V1), kind, _) if openslo_kind(kind).is_some() => {
            Format::OpenSlo(openslo_kind(kind).unwrap_or(OpenSloKind::Slo))
        }
        // A Kubernetes resource or another tool's file beside the specs (a
        // `kustomization.yaml`): not a spec, so left out with a note. An apiVersion that
        // names one of the formats read here, or one kind of them without Kubernetes
        // `metadata`, is a typo, and an error below.
        (Some(api), kind, None) if !names_a_spec_format(api) && !looks_like_a_spec(tree, kind) => {
            let what = kind.map_or_else(|| "a document".to_string(), |k| format!("a `{k}`"));
            out.notes.push(format!(
                "skipped {}:{}: {what} of `{api}` is not a spec (sloforge reads sloforge.dev, Sloth and OpenSLO documents)",
                path.display(),
                loc.line,
            ));
            return None;
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
            return None;
        }
    };
    Some(format)
}

/// Whether a document of another apiVersion still reads as a spec with a mistyped version:
/// one of the kinds read here, without the `metadata` of a Kubernetes resource.
fn looks_like_a_spec(tree: &Node, kind: Option<&str>) -> bool {
    const KINDS: &[&str] = &[
        "Service",
        "Defaults",
        routing::KIND,
        "SLO",
        "SLI",
        "AlertPolicy",
        "AlertCondition",
        "AlertNotificationTarget",
        "DataSource",
    ];
    kind.is_none_or(|k| KINDS.contains(&k) || sloth::CRD_KINDS.contains(&k))
        && tree.value.get("metadata").is_none()
}

/// Whether an apiVersion names (or misspells) a format sloforge reads.
fn names_a_spec_format(api: &str) -> bool {
    let api = api.to_ascii_lowercase();
    ["sloforge", "sloth", "openslo"]
        .iter()
        .any(|f| api.contains(f))
}

/// Reports the document's schema issues (and a routing document's inline secrets, which stand
/// in for the issues they explain); true when one of them keeps it from being read.
fn check_schema(
    path: &Path,
    tree: &Node,
    format: Format,
    opts: LoadOptions,
    out: &mut Loaded,
) -> bool {
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
        routing::inline_secrets(tree)
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
    for issue in schema_check::check(tree, schema) {
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
    blocking
}

/// The document read into the typed structure of its format.
fn read_typed(path: &Path, text: Source, format: Format) -> Result<RawDoc, Diagnostic> {
    match format {
        Format::Service => typed(path, text).map(|s| RawDoc::Service(Box::new(s))),
        Format::Defaults => typed(path, text).map(|s| RawDoc::Defaults(Box::new(s))),
        Format::Routing => typed(path, text).map(|s| RawDoc::Routing(Box::new(s))),
        Format::Sloth => typed(path, text).map(|s| RawDoc::Sloth(Box::new(s))),
        Format::SlothCrd => {
            typed::<sloth::SlothCrd>(path, text).map(|s| RawDoc::Sloth(Box::new(s.into_spec())))
        }
        Format::OpenSloAlpha => typed(path, text).map(|s| RawDoc::OpenSloAlpha(Box::new(s))),
        Format::OpenSlo(k) => typed_openslo(path, text, k).map(|d| RawDoc::OpenSlo(Box::new(d))),
    }
}

fn typed<T: DeserializeOwned>(path: &Path, src: Source) -> Result<T, Diagnostic> {
    let read = match src.index {
        None => serde_saphyr::from_str_with_options::<T>(src.text, yaml_options()),
        Some(index) => {
            serde_saphyr::with_deserializer_from_str_with_options(src.text, yaml_options(), |d| {
                Entry::<T>::new(index).deserialize(d)
            })
        }
    };
    read.map_err(|e| {
        let mut d = yaml_error(path, &e);
        d.code = Code::Schema;
        d
    })
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

fn typed_openslo(path: &Path, text: Source, k: OpenSloKind) -> Result<openslo::V1Doc, Diagnostic> {
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

/// The text a typed structure is read from: the whole document, or one entry of its top-level
/// list. Read from the text (not the tree) so that located fields keep their positions.
#[derive(Clone, Copy)]
struct Source<'a> {
    text: &'a str,
    index: Option<usize>,
}

/// Reads entry `index` of a sequence as `T`, skipping the others.
struct Entry<T> {
    index: usize,
    ty: PhantomData<T>,
}

impl<T> Entry<T> {
    fn new(index: usize) -> Self {
        Entry {
            index,
            ty: PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Entry<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Entry<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list with an entry {}", self.index)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        for _ in 0..self.index {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Err(de::Error::invalid_length(self.index, &self));
            }
        }
        let value = seq
            .next_element::<T>()?
            .ok_or_else(|| de::Error::invalid_length(self.index, &self))?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(value)
    }
}
