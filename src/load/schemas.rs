//! The JSON schemas documents are checked against, derived from the typed structures once
//! each, and the published schema of the native format.

use std::sync::OnceLock;

use super::{native, routing, sloth};

fn schema_json<T: schemars::JsonSchema>() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or(serde_json::Value::Bool(true))
}

pub(super) fn service_schema() -> &'static serde_json::Value {
    static S: OnceLock<serde_json::Value> = OnceLock::new();
    S.get_or_init(schema_json::<native::ServiceSpec>)
}

pub(super) fn defaults_schema() -> &'static serde_json::Value {
    static S: OnceLock<serde_json::Value> = OnceLock::new();
    S.get_or_init(schema_json::<native::DefaultsSpec>)
}

pub(super) fn routing_schema() -> &'static serde_json::Value {
    static S: OnceLock<serde_json::Value> = OnceLock::new();
    S.get_or_init(schema_json::<routing::RoutingSpec>)
}

pub(super) fn sloth_schema() -> &'static serde_json::Value {
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

/// The schema of `T`, derived once per type.
pub(super) fn schema_of<T: schemars::JsonSchema + 'static>() -> &'static serde_json::Value {
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
