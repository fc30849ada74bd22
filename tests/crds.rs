//! Every Kubernetes resource sloforge writes, checked against the `openAPIV3Schema` of the
//! CustomResourceDefinition version it names, taken from the operators' own published CRD
//! files (`make tools` copies them from the operators' Go modules into `.tools/crds/`): the
//! `PrometheusRule`s and `AlertmanagerConfig`s of the Prometheus Operator and the `VMRule`s of
//! the VictoriaMetrics operator, of the demo fleet for every ruler target and matcher strategy
//! and of a routing with every part of an `AlertmanagerConfig` sloforge writes
//! (`tests/kubernetes/routing.yaml`).
//!
//! The check is stricter than the API server's validation, in the way that matters: a field
//! the schema does not know is an error (`additionalProperties: false` wherever a schema lists
//! `properties` and does not say `x-kubernetes-preserve-unknown-fields`), since the API server
//! prunes such a field without a word. `metadata` is checked as the API server checks it (name,
//! namespace, label keys and values).
//!
//! The dashboard `ConfigMap`s are core `v1` resources, which no CRD describes: they are checked
//! against a schema written here after the API server's own validation of a `ConfigMap`
//! (`metadata` as above, `data` a map of string values under keys of `-`, `_`, `.` and
//! alphanumerics, at most 1 MiB in all), and each must carry the label Grafana's dashboard
//! sidecar finds it by and hold one dashboard.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use common::{configmap, root, sloforge, tools_dir};
use serde_json::{Map, Value, json};

/// One served version of a CRD: where it comes from and its schema, made strict.
struct CrdVersion {
    /// `<module>@<version>/<file>`.
    source: String,
    validator: jsonschema::Validator,
}

/// Every served CRD version of the CRD files under `.tools/crds/`, by (`apiVersion`, `kind`).
/// None, with a note, when `make tools` has not fetched them (a failure under `CI`).
fn crds() -> Option<BTreeMap<(String, String), CrdVersion>> {
    let dir = tools_dir().join("crds");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flat_map(|m| fs::read_dir(m.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    if files.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the operators' CRDs are not in {} (run `make tools`); CI must run it",
            dir.display()
        );
        eprintln!("skipping: the operators' CRDs are not installed (run `make tools`)");
        return None;
    }
    let mut out = BTreeMap::new();
    for path in files {
        let text = fs::read_to_string(&path).unwrap();
        let source = path.strip_prefix(&dir).unwrap().display().to_string();
        for doc in serde_saphyr::from_multiple::<Value>(&text).unwrap() {
            if doc["kind"] != "CustomResourceDefinition" {
                continue;
            }
            let group = doc["spec"]["group"].as_str().unwrap();
            let kind = doc["spec"]["names"]["kind"].as_str().unwrap();
            for v in doc["spec"]["versions"].as_array().unwrap() {
                if v["served"] != true {
                    continue;
                }
                let api_version = format!("{group}/{}", v["name"].as_str().unwrap());
                let schema = resource_schema(&api_version, kind, &v["schema"]["openAPIV3Schema"]);
                let validator = validator(&schema)
                    .unwrap_or_else(|e| panic!("{source}: {api_version} {kind}: {e}"));
                out.insert(
                    (api_version, kind.to_string()),
                    CrdVersion {
                        source: source.clone(),
                        validator,
                    },
                );
            }
        }
    }
    out.insert(
        ("v1".to_string(), "ConfigMap".to_string()),
        CrdVersion {
            source: "core/v1 ConfigMap (written after the API server's validation)".into(),
            validator: validator(&configmap::schema(object_meta())).unwrap(),
        },
    );
    Some(out)
}

/// A validator of `schema` (draft 7, of which OpenAPI v3.0's schemas are a subset as far as
/// CRDs use them), with the API server's readings of two keywords: `pattern` (here
/// `x-go-pattern`) in Go's regular-expression syntax, which the `regex` crate shares, and
/// `x-kubernetes-list-map-keys`, the keys that must be unique among the items of a list.
fn validator(
    schema: &Value,
) -> Result<jsonschema::Validator, jsonschema::ValidationError<'static>> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .with_keyword("x-go-pattern", |_, value, _| {
            let pattern = value.as_str().unwrap_or_default().to_string();
            let re = regex::Regex::new(&pattern).map_err(|e| {
                jsonschema::ValidationError::custom(format!("pattern {pattern}: {e}"))
            })?;
            Ok(Box::new(GoPattern { pattern, re }))
        })
        .with_keyword("x-kubernetes-list-map-keys", |_, value, _| {
            let keys = value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k.as_str().map(ToString::to_string))
                .collect();
            Ok(Box::new(ListMapKeys(keys)))
        })
        .build(schema)
}

struct GoPattern {
    pattern: String,
    re: regex::Regex,
}

impl<'i> jsonschema::Keyword<'i> for GoPattern {
    fn validate(&self, instance: &'i Value) -> Result<(), jsonschema::ValidationError<'i>> {
        match instance.as_str() {
            Some(s) if !self.re.is_match(s) => Err(jsonschema::ValidationError::custom(format!(
                "{instance} does not match the pattern {}",
                self.pattern
            ))),
            _ => Ok(()),
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        instance.as_str().is_none_or(|s| self.re.is_match(s))
    }
}

struct ListMapKeys(Vec<String>);

impl ListMapKeys {
    fn duplicate(&self, instance: &Value) -> Option<Vec<Value>> {
        let mut seen = std::collections::BTreeSet::new();
        for item in instance.as_array()? {
            let key: Vec<Value> = self.0.iter().map(|k| item[k].clone()).collect();
            if !seen.insert(serde_json::to_string(&key).unwrap()) {
                return Some(key);
            }
        }
        None
    }
}

impl<'i> jsonschema::Keyword<'i> for ListMapKeys {
    fn validate(&self, instance: &'i Value) -> Result<(), jsonschema::ValidationError<'i>> {
        match self.duplicate(instance) {
            Some(key) => Err(jsonschema::ValidationError::custom(format!(
                "two items have the same {:?}: {key:?}",
                self.0
            ))),
            None => Ok(()),
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        self.duplicate(instance).is_none()
    }
}

/// The schema of a whole resource: the CRD's, strict, with `apiVersion` and `kind` fixed and
/// `metadata` as the API server checks it.
fn resource_schema(api_version: &str, kind: &str, crd: &Value) -> Value {
    let mut schema = strict(crd, true);
    let props = schema["properties"].as_object_mut().unwrap();
    props.insert("apiVersion".into(), json!({"enum": [api_version]}));
    props.insert("kind".into(), json!({"enum": [kind]}));
    props.insert("metadata".into(), object_meta());
    // An AlertmanagerConfig's child routes are free-form JSON to the API server, but the
    // operator decodes each as a route and refuses a field a route does not have (its
    // `Route.ChildRoutes`): they are checked against the route's own schema.
    if kind == "AlertmanagerConfig" {
        schema["properties"]["spec"]["properties"]["route"]["properties"]["routes"]["items"] =
            json!({"$ref": "#/properties/spec/properties/route"});
    }
    let required = schema
        .as_object_mut()
        .unwrap()
        .entry("required")
        .or_insert_with(|| json!([]));
    for key in ["apiVersion", "kind", "metadata"] {
        required.as_array_mut().unwrap().push(json!(key));
    }
    schema
}

/// The parts of `ObjectMeta` sloforge writes, with the API server's own checks: a DNS-1123
/// subdomain name, a DNS-1123 label namespace, qualified label names, label values of at most
/// 63 characters; anything else in `metadata` is an error here.
fn object_meta() -> Value {
    let dns_label = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    let subdomain = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    let label_name = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
    let label_value = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
    json!({
        "type": "object",
        "required": ["name"],
        "additionalProperties": false,
        "properties": {
            "name": {"type": "string", "maxLength": 253, "x-go-pattern": subdomain},
            "namespace": {"type": "string", "maxLength": 63, "x-go-pattern": dns_label},
            "labels": {
                "type": "object",
                "propertyNames": {"maxLength": 316, "x-go-pattern": label_name},
                "additionalProperties": {"type": "string", "maxLength": 63, "x-go-pattern": label_value},
            },
            "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    })
}

/// A CRD schema as JSON Schema, strict about unknown fields where the schema is structural
/// (not inside `anyOf`, `allOf`, `oneOf`, `not`, which only validate): `nullable` allows null,
/// `x-kubernetes-int-or-string` an integer or a string, `format: int32`/`int64` bound the
/// integer, `x-kubernetes-list-type: set` makes the items unique, and `pattern` is read as Go
/// reads it.
fn strict(s: &Value, structural: bool) -> Value {
    let Some(m) = s.as_object() else {
        return s.clone();
    };
    let mut out = Map::new();
    for (k, v) in m {
        let v = match k.as_str() {
            "properties" | "patternProperties" => Value::Object(
                v.as_object()
                    .unwrap()
                    .iter()
                    .map(|(name, sub)| (name.clone(), strict(sub, structural)))
                    .collect(),
            ),
            "items" | "additionalProperties" if v.is_object() => strict(v, structural),
            "anyOf" | "allOf" | "oneOf" => Value::Array(
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|sub| strict(sub, false))
                    .collect(),
            ),
            "not" => strict(v, false),
            "description" | "default" | "example" | "nullable" | "format" => continue,
            "pattern" => {
                out.insert("x-go-pattern".into(), v.clone());
                continue;
            }
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    if m.get("x-kubernetes-list-type").and_then(Value::as_str) == Some("set") {
        out.insert("uniqueItems".into(), Value::Bool(true));
    }
    let preserve = m.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    if structural && m.contains_key("properties") && !preserve {
        out.entry("additionalProperties")
            .or_insert(Value::Bool(false));
    }
    if m.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) && !m.contains_key("anyOf") {
        out.remove("type");
        out.insert(
            "anyOf".into(),
            json!([{"type": "integer"}, {"type": "string"}]),
        );
    }
    if m.get("nullable") == Some(&Value::Bool(true))
        && let Some(t) = out.get("type").cloned()
    {
        out.insert("type".into(), json!([t, "null"]));
    }
    let bounds = match m.get("format").and_then(Value::as_str) {
        Some("int32") => Some((i64::from(i32::MIN), i64::from(i32::MAX))),
        Some("int64") => Some((i64::MIN, i64::MAX)),
        _ => None,
    };
    if let Some((lo, hi)) = bounds {
        out.entry("minimum").or_insert(json!(lo));
        out.entry("maximum").or_insert(json!(hi));
    }
    Value::Object(out)
}

/// The documents of a `-o -` stream.
fn documents(stream: &str) -> Vec<Value> {
    serde_saphyr::from_multiple::<Value>(stream)
        .unwrap()
        .into_iter()
        .filter(|d| !d.is_null())
        .collect()
}

/// Why `doc` does not validate against the CRD version it names (empty when it does).
fn check(crds: &BTreeMap<(String, String), CrdVersion>, doc: &Value) -> Vec<String> {
    let key = (
        doc["apiVersion"].as_str().unwrap_or_default().to_string(),
        doc["kind"].as_str().unwrap_or_default().to_string(),
    );
    let Some(crd) = crds.get(&key) else {
        return vec![format!("no served CRD version for {} {}", key.0, key.1)];
    };
    let mut sidecar = if key.1 == "ConfigMap" {
        configmap::sidecar_problems(doc)
    } else {
        Vec::new()
    };
    let name = format!(
        "{} {}/{}",
        key.1,
        doc["metadata"]["namespace"].as_str().unwrap_or("-"),
        doc["metadata"]["name"].as_str().unwrap_or("-")
    );
    sidecar.extend(crd.validator.iter_errors(doc).map(|e| {
        format!(
            "{name} ({key0}, {}): {} at {}",
            crd.source,
            e,
            e.instance_path(),
            key0 = key.0
        )
    }));
    sidecar
}

/// The demo fleet in a temporary directory, its routing replaced by `routing` when given.
fn fleet(routing: Option<&Path>) -> tempfile::TempDir {
    let tmp = common::routing::demo_fleet();
    if let Some(r) = routing {
        fs::copy(r, tmp.path().join("slo-specs/routing.yaml")).unwrap();
    }
    tmp
}

/// `generate --format kubernetes -o -` with `args`, as documents.
fn stream(dir: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["generate", "--format", "kubernetes", "-o", "-"];
    all.extend(args);
    let o = sloforge(&all, dir);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{all:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    documents(&String::from_utf8(o.stdout).unwrap())
}

#[test]
fn every_generated_resource_validates_against_its_crd() {
    let Some(crds) = crds() else { return };
    let demo = fleet(None);
    let full = fleet(Some(&root().join("tests/kubernetes/routing.yaml")));
    let mut runs: Vec<(&Path, Vec<&str>)> = Vec::new();
    for target in ["prometheus", "mimir", "cortex", "thanos", "victoriametrics"] {
        runs.push((demo.path(), vec!["--target", target]));
        runs.push((
            demo.path(),
            vec![
                "--target",
                target,
                "--namespace",
                "monitoring",
                "--label",
                "prometheus=main",
                "--slos-per-group",
                "3",
                "--max-rules-per-group",
                "0",
            ],
        ));
    }
    for strategy in ["None", "OnNamespace"] {
        runs.push((demo.path(), vec!["--matcher-strategy", strategy]));
        runs.push((full.path(), vec!["--matcher-strategy", strategy]));
    }
    runs.push((full.path(), vec!["--namespace", "monitoring"]));
    runs.push((
        full.path(),
        vec![
            "--target",
            "victoriametrics",
            "--label",
            "app.kubernetes.io/part-of=slo",
        ],
    ));
    let mut counts: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut errors = Vec::new();
    for (dir, args) in &runs {
        for doc in stream(dir, args) {
            let found = check(&crds, &doc);
            let (api_version, kind) = (
                doc["apiVersion"].as_str().unwrap().to_string(),
                doc["kind"].as_str().unwrap().to_string(),
            );
            let source = crds
                .get(&(api_version.clone(), kind.clone()))
                .map_or(String::new(), |c| c.source.clone());
            *counts.entry((kind, api_version, source)).or_default() += 1;
            errors.extend(found.into_iter().map(|e| format!("{args:?}: {e}")));
        }
    }
    // The report goes to the terminal whatever the harness captures.
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "\nCRD schema check of the generated Kubernetes resources ({} runs of `generate --format kubernetes -o -`):",
        runs.len()
    );
    for ((kind, api_version, source), n) in &counts {
        let _ = writeln!(
            err,
            "  {kind:<20} {api_version:<38} {n:>4} resources   ({source})"
        );
    }
    assert!(
        errors.is_empty(),
        "{} schema errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
    for (kind, api_version) in [
        ("PrometheusRule", "monitoring.coreos.com/v1"),
        ("AlertmanagerConfig", "monitoring.coreos.com/v1alpha1"),
        ("VMRule", "operator.victoriametrics.com/v1beta1"),
        ("ConfigMap", "v1"),
    ] {
        assert!(
            counts.keys().any(|(k, v, _)| k == kind && v == api_version),
            "no {kind} {api_version} was checked"
        );
    }
}

/// The check fails on what the API server would prune or refuse: a field the CRD does not
/// know (at the top of `spec` and deep in a route), a value of the wrong type, a metadata name
/// Kubernetes refuses, and a kind in an API version its CRD does not serve.
#[test]
fn a_provoked_schema_failure_is_caught() {
    let Some(crds) = crds() else { return };
    let demo = fleet(None);
    let docs = stream(demo.path(), &["--namespace", "monitoring"]);
    let amc = docs
        .iter()
        .find(|d| d["kind"] == "AlertmanagerConfig")
        .unwrap()
        .clone();
    let rule = docs
        .iter()
        .find(|d| d["kind"] == "PrometheusRule")
        .unwrap()
        .clone();
    let dashboard = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap")
        .unwrap()
        .clone();
    assert!(
        check(&crds, &amc).is_empty()
            && check(&crds, &rule).is_empty()
            && check(&crds, &dashboard).is_empty()
    );
    let mutate = |doc: &Value, f: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        f(&mut d);
        d
    };
    let cases = [
        (
            "unknown field in spec",
            mutate(&amc, &|d| d["spec"]["routes"] = json!([])),
        ),
        (
            "unknown field in a nested route",
            mutate(&amc, &|d| {
                d["spec"]["route"]["routes"][0]["continueOnMatch"] = json!(true)
            }),
        ),
        (
            "wrong type",
            mutate(&amc, &|d| d["spec"]["route"]["groupWait"] = json!(30)),
        ),
        (
            "wrong type in a rule",
            mutate(&rule, &|d| {
                d["spec"]["groups"][0]["rules"][0]["labels"]["slo"] = json!(1)
            }),
        ),
        (
            "invalid name",
            mutate(&rule, &|d| d["metadata"]["name"] = json!("Sloforge_Cart")),
        ),
        (
            "ConfigMap data key with a slash",
            mutate(&dashboard, &|d| d["data"]["a/b.json"] = json!("{}")),
        ),
        (
            "ConfigMap data value not a string",
            mutate(&dashboard, &|d| d["data"] = json!({"x.json": 1})),
        ),
        (
            "ConfigMap field of another kind",
            mutate(&dashboard, &|d| d["spec"] = json!({})),
        ),
        (
            "ConfigMap name with an underscore",
            mutate(&dashboard, &|d| d["metadata"]["name"] = json!("a_b")),
        ),
        (
            "ConfigMap without the sidecar's label",
            mutate(&dashboard, &|d| {
                d["metadata"]["labels"] = json!({"grafana_dashboard": "0"})
            }),
        ),
        (
            "ConfigMap over 1 MiB",
            mutate(&dashboard, &|d| {
                let key = d["data"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .next()
                    .unwrap()
                    .clone();
                d["data"][key.as_str()] = json!(format!(
                    "{{\"uid\": \"{}\"}}",
                    "x".repeat(configmap::MAX_BYTES)
                ));
            }),
        ),
        (
            "unserved version",
            mutate(&amc, &|d| {
                d["apiVersion"] = json!("monitoring.coreos.com/v1")
            }),
        ),
    ];
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "\nProvoked CRD schema failures (each must be rejected):"
    );
    for (what, doc) in &cases {
        let found = check(&crds, doc);
        assert!(!found.is_empty(), "{what}: the schema check accepted {doc}");
        for e in &found {
            let _ = writeln!(err, "  {what}: {e}");
        }
    }
}
