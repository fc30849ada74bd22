//! Annotation templates: minijinja with `[[ … ]]` / `[% … %]` delimiters, so that Prometheus'
//! and Alertmanager's own `{{ $value }}` / `{{ $labels.x }}` pass through untouched. Only
//! annotations are templated, never PromQL.

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

/// Renders one template string against `ctx`.
pub fn render(env: &Environment<'static>, src: &str, ctx: &Value) -> Result<String, TemplateError> {
    let tmpl = env.template_from_str(src).map_err(|e| TemplateError::Syntax(describe(&e)))?;
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
