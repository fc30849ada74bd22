//! Annotation templates: minijinja with `[[ … ]]` / `[% … %]` delimiters, so that Prometheus'
//! and Alertmanager's own `{{ $value }}` / `{{ $labels.x }}` pass through untouched. Only
//! annotations are templated, never PromQL.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as FastMap;
use std::cell::RefCell;

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior, Value};

pub fn environment() -> Environment<'static> {
    environment_trimmed(false)
}

/// [`environment`], with `trim_blocks` and `lstrip_blocks` when `trim` (a block tag alone on
/// its line then leaves no blank line behind, as in the runbook templates).
pub fn environment_trimmed(trim: bool) -> Environment<'static> {
    let mut env = Environment::new();
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(trim)
        .lstrip_blocks(trim)
        .block_delimiters("[%", "%]")
        .variable_delimiters("[[", "]]")
        .comment_delimiters("[#", "#]")
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Name the undefined variable in errors in release builds too (minijinja turns this on for
    // debug builds only).
    env.set_debug(true);
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
    names: FastMap<String, Result<String, String>>,
    simple: FastMap<String, Option<Vec<Piece>>>,
}

thread_local! {
    // One cache per thread: validation runs on every core, and a shared cache would make the
    // threads wait for each other on every annotation.
    static CACHE: RefCell<Cache> = RefCell::new(Cache { env: environment(), names: FastMap::default(), simple: FastMap::default() });
}

/// The variables of one annotation: text values by name (`extra` before `base`), and the
/// SLO's labels (already escaped for Go templates) as `labels`.
pub struct Context<'a> {
    pub base: &'a [(&'static str, String)],
    pub extra: Vec<(&'static str, String)>,
    pub labels: &'a BTreeMap<String, String>,
}

impl Context<'_> {
    fn text(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .chain(self.base)
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The minijinja value of the context.
    pub fn to_value(&self) -> Value {
        let mut m: BTreeMap<Value, Value> = BTreeMap::new();
        for (k, v) in self.base.iter().chain(&self.extra) {
            m.insert(Value::from(*k), Value::from(v.as_str()));
        }
        let labels: BTreeMap<Value, Value> = self
            .labels
            .iter()
            .map(|(k, v)| (Value::from(k.as_str()), Value::from(v.as_str())))
            .collect();
        m.insert(Value::from("labels"), Value::from_object(labels));
        Value::from_object(m)
    }
}

/// A template of plain text and `[[ name ]]` references only (most annotations): rendered
/// without the template engine, which gives the same text.
enum Piece {
    Text(String),
    Var(String),
}

/// `None` when the template uses anything beyond plain text and `[[ name ]]`.
fn simple_pieces(src: &str) -> Option<Vec<Piece>> {
    if src.contains("[%") || src.contains("[#") {
        return None;
    }
    let mut pieces = Vec::new();
    let mut rest = src;
    while let Some(start) = rest.find("[[") {
        if start > 0 {
            pieces.push(Piece::Text(rest[..start].to_string()));
        }
        let after = &rest[start + 2..];
        let end = after.find("]]")?;
        let inner = &after[..end];
        let name = inner.trim_matches([' ', '\t']);
        let ident = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        // Keywords and literals are the engine's business.
        if !ident
            || inner.starts_with(['-', '+'])
            || inner.ends_with(['-', '+'])
            || matches!(name, "true" | "false" | "none" | "True" | "False" | "None")
        {
            return None;
        }
        pieces.push(Piece::Var(name.to_string()));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Some(pieces)
}

/// Renders one template string against `ctx`.
pub fn render(src: &str, ctx: &Context) -> Result<String, TemplateError> {
    if !src.contains('[') {
        return Ok(src.to_string());
    }
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        let pieces = match cache.simple.get(src) {
            Some(p) => p,
            None => cache
                .simple
                .entry(src.to_string())
                .or_insert_with(|| simple_pieces(src)),
        };
        if let Some(pieces) = pieces {
            let mut out = String::with_capacity(src.len() + 64);
            let mut complete = true;
            for p in pieces {
                match p {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Var(v) => match ctx.text(v) {
                        Some(t) => out.push_str(t),
                        // `labels` (a map) or an undefined name: the engine renders or reports it.
                        None => {
                            complete = false;
                            break;
                        }
                    },
                }
            }
            if complete {
                return Ok(out);
            }
        }
        render_cached(&mut cache, src, &ctx.to_value())
    })
}

fn render_cached(cache: &mut Cache, src: &str, ctx: &Value) -> Result<String, TemplateError> {
    if !cache.names.contains_key(src) {
        let name = format!("t{}", cache.names.len());
        let compiled = cache
            .env
            .add_template_owned(name.clone(), src.to_string())
            .map(|()| name)
            .map_err(|e| describe(&e));
        cache.names.insert(src.to_string(), compiled);
    }
    let name = match cache.names.get(src) {
        Some(Ok(n)) => n.clone(),
        Some(Err(m)) => return Err(TemplateError::Syntax(m.clone())),
        None => return Err(TemplateError::Syntax("template cache".into())),
    };
    let tmpl = cache
        .env
        .get_template(&name)
        .map_err(|e| TemplateError::Syntax(describe(&e)))?;
    tmpl.render(ctx).map_err(|e| match e.kind() {
        minijinja::ErrorKind::UndefinedError => TemplateError::Undefined(describe(&e)),
        _ => TemplateError::Syntax(describe(&e)),
    })
}

fn describe(e: &minijinja::Error) -> String {
    let mut s = e
        .detail()
        .map_or_else(|| e.kind().to_string(), str::to_string);
    if let Some(line) = e.line() {
        s.push_str(&format!(" (template line {line})"));
    }
    s
}

/// Names a template may use, documented in the README.
pub const CONTEXT_KEYS: &[&str] = &[
    "service",
    "team",
    "service_tier",
    "slo",
    "group",
    "slo_description",
    "objective",
    "objective_ratio",
    "window",
    "error_budget",
    "budget_minutes",
    "alert_name",
    "dashboard_path",
    "labels",
    "tier",
    "severity",
    "long_window",
    "short_window",
    "burn_rate",
    "threshold",
    "budget_spent_percent",
    "exhaustion",
    "stage",
    "remaining_below_percent",
    "no_data_for",
    "no_data_series",
    "group_by",
    "max_groups",
];

#[cfg(test)]
mod fast_path_tests {
    use super::*;

    #[test]
    fn plain_references_render_as_the_engine_does() {
        let base = vec![
            ("service", "api".to_string()),
            ("slo", "avail {{ x }}".to_string()),
            ("window", "30d".to_string()),
        ];
        let labels: BTreeMap<String, String> = [("env".to_string(), "prod".to_string())]
            .into_iter()
            .collect();
        let ctx = Context {
            base: &base,
            extra: vec![
                ("tier", "page-fast".to_string()),
                ("window", "7d".to_string()),
            ],
            labels: &labels,
        };
        let sources = [
            "[[ service ]]/[[slo]]: [[  tier\t]] over [[ window ]]",
            "a ]] b [ [[ service ]] [x] ]]\n",
            "{{ $value }} [[ service ]]\n\n",
            "[[ labels ]]",
            "[[ labels.env ]] [[ service | upper ]]",
            "[[- service -]] x",
            "[% if tier %][[ tier ]][% endif %]",
        ];
        for src in sources {
            let engine = CACHE
                .with(|c| render_cached(&mut c.borrow_mut(), src, &ctx.to_value()))
                .map_err(|_| ())
                .expect(src);
            assert_eq!(render(src, &ctx).map_err(|_| ()), Ok(engine), "{src}");
        }
        assert!(simple_pieces("[[ service ]] [[ tier ]]").is_some());
        assert!(simple_pieces("[[ true ]]").is_none());
        assert!(simple_pieces("[[ service | upper ]]").is_none());
        assert!(simple_pieces("[[ service").is_none());
        // An undefined name is reported by the engine, with its name.
        match render("[[ servce ]]", &ctx) {
            Err(TemplateError::Undefined(m)) => assert!(m.contains("servce"), "{m}"),
            _ => panic!("undefined name not reported"),
        }
    }
}
