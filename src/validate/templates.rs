//! Annotation templates: minijinja with `[[ … ]]` / `[% … %]` delimiters, so that Prometheus'
//! and Alertmanager's own `{{ $value }}` / `{{ $labels.x }}` pass through untouched. Only
//! annotations are templated, never PromQL.

use std::collections::HashMap;
use std::cell::RefCell;

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior, Value};

pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    if let Ok(syntax) = SyntaxConfig::builder()
        .block_delimiters("[%", "%]")
        .variable_delimiters("[[", "]]")
        .comment_delimiters("[#", "#]")
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

#[derive(Debug)]
pub enum TemplateError {
    Syntax(String),
    Undefined(String),
}

/// Compiled templates by source text: a fleet repeats the same few annotation templates
/// thousands of times, so each is compiled once.
struct Cache {
    env: Environment<'static>,
    names: HashMap<String, Result<String, String>>,
}

thread_local! {
    // One cache per thread: validation runs on every core, and a shared cache would make the
    // threads wait for each other on every annotation.
    static CACHE: RefCell<Cache> = RefCell::new(Cache { env: environment(), names: HashMap::new() });
}

/// Renders one template string against `ctx` (the environment of [`environment`]).
pub fn render(_env: &Environment<'static>, src: &str, ctx: &Value) -> Result<String, TemplateError> {
    if !src.contains('[') {
        return Ok(src.to_string());
    }
    CACHE.with(|c| render_cached(&mut c.borrow_mut(), src, ctx))
}

fn render_cached(cache: &mut Cache, src: &str, ctx: &Value) -> Result<String, TemplateError> {
    if !cache.names.contains_key(src) {
        let name = format!("t{}", cache.names.len());
        let compiled = cache.env.add_template_owned(name.clone(), src.to_string()).map(|()| name).map_err(|e| describe(&e));
        cache.names.insert(src.to_string(), compiled);
    }
    let name = match cache.names.get(src) {
        Some(Ok(n)) => n.clone(),
        Some(Err(m)) => return Err(TemplateError::Syntax(m.clone())),
        None => return Err(TemplateError::Syntax("template cache".into())),
    };
    let tmpl = cache.env.get_template(&name).map_err(|e| TemplateError::Syntax(describe(&e)))?;
    tmpl.render(ctx).map_err(|e| match e.kind() {
        minijinja::ErrorKind::UndefinedError => TemplateError::Undefined(describe(&e)),
        _ => TemplateError::Syntax(describe(&e)),
    })
}

fn describe(e: &minijinja::Error) -> String {
    let mut s = e.detail().map_or_else(|| e.kind().to_string(), str::to_string);
    if let Some(line) = e.line() {
        s.push_str(&format!(" (template line {line})"));
    }
    s
}

/// Names a template may use, documented in the README.
pub const CONTEXT_KEYS: &[&str] = &[
    "service", "team", "service_tier", "slo", "slo_description", "objective", "objective_ratio", "window",
    "error_budget", "budget_minutes", "alert_name", "labels", "tier", "severity", "long_window", "short_window",
    "burn_rate", "threshold", "budget_spent_percent", "exhaustion", "stage", "remaining_below_percent",
];
