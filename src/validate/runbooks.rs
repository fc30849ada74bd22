//! `runbooks` of the `Defaults` document: the base URL the alerts link to and the templates
//! that replace sections of the generated runbooks, each checked where it is written.

use super::Ctx;
use super::templates;
use crate::diag::{Code, Loc};
use crate::load::native::{AlertingSpec, RunbooksSpec};
use crate::load::spanned::Sp;
use crate::model::RunbookSettings;
use crate::names;

/// The sections of a runbook, in the order they are written: (name, heading).
pub const SECTIONS: &[(&str, &str)] = &[
    ("overview", "What this SLO measures"),
    ("alerts", "Alerts"),
    ("first_five_minutes", "First five minutes"),
    ("investigation", "Investigation"),
    ("likely_causes", "Likely causes"),
    ("mitigation", "Mitigation"),
    ("communication", "Communication"),
    ("resolution", "Resolution criteria"),
    ("escalation", "Escalation"),
];

/// The variables a section template may use (documented in the README).
pub const KEYS: &[&str] = &[
    "service",
    "team",
    "service_tier",
    "slo",
    "slo_description",
    "objective",
    "window",
    "error_budget",
    "budget_minutes",
    "evaluation_interval",
    "runbook_url",
    "dashboard_url",
    "sli",
    "group_by",
    "windows",
    "breakdowns",
    "budget_remaining_query",
    "lowest_threshold",
    "tiers",
    "budget_stages",
    "no_data",
    "guard",
    "receivers",
    "routed",
    "default",
];

/// Functions the template engine defines itself.
const ENGINE_GLOBALS: &[&str] = &["range", "dict", "namespace", "debug"];

/// The runbook settings of `spec`; when a base URL is given and the fleet's alerting defaults
/// have no `runbook_url`, they get one that links each alert to its SLO's runbook.
pub(super) fn runbooks(
    cx: &mut Ctx,
    spec: &RunbooksSpec,
    out: &mut RunbookSettings,
    alerting: &mut AlertingSpec,
) {
    if let Some(e) = &spec.enabled {
        out.enabled = e.value;
    }
    if let Some(b) = &spec.base_url
        && let Some(base) = base_url(cx, b)
    {
        let key = Sp::new(names::RUNBOOK_ANNOTATION.to_string(), b.loc);
        alerting.annotations.entry(key).or_insert_with(|| {
            Sp::new(
                format!(
                    "{base}/{}",
                    names::runbook_path("[[ service ]]", "[[ slo ]]")
                ),
                b.loc,
            )
        });
        out.base_url = Some(base);
    }
    for (name, text) in &spec.sections {
        let path = format!("runbooks.sections.{}", name.value);
        if !SECTIONS.iter().any(|(n, _)| *n == name.value) {
            cx.err_help(
                Code::Config,
                name.loc,
                path,
                format!("unknown runbook section `{}`", name.value),
                format!(
                    "the sections are {}",
                    SECTIONS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        }
        if check_template(cx, &text.value, text.loc, &path) {
            out.sections.insert(name.value.clone(), text.value.clone());
        }
    }
}

/// The base URL without its trailing `/`, or None after reporting why it cannot be one.
fn base_url(cx: &mut Ctx, b: &Sp<String>) -> Option<String> {
    let v = b.value.trim_end_matches('/');
    let problem = if v.is_empty() {
        Some("an empty base URL")
    } else if ["[[", "[%", "[#", "{{"].iter().any(|d| v.contains(d)) {
        Some("a base URL with template delimiters")
    } else if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("a base URL with spaces or control characters")
    } else {
        None
    };
    match problem {
        Some(p) => {
            cx.err_help(
                Code::Config,
                b.loc,
                "runbooks.base_url",
                format!("{p}: {:?}", b.value),
                "give the URL the output directory's `runbooks/` is published at, e.g. https://git.example.com/sre/slos/blob/main/generated/runbooks",
            );
            None
        }
        None => Some(v.to_string()),
    }
}

/// Whether a section template compiles and names only known variables; reports why not.
fn check_template(cx: &mut Ctx, text: &str, loc: Loc, path: &str) -> bool {
    let mut env = templates::environment_trimmed(true);
    if let Err(e) = env.add_template_owned("section".to_string(), text.to_string()) {
        let at = e
            .line()
            .map_or_else(String::new, |l| format!(" (template line {l})"));
        let detail = e
            .detail()
            .map_or_else(|| e.kind().to_string(), str::to_string);
        cx.err(
            Code::TemplateSyntax,
            loc,
            path,
            format!("template error: {detail}{at}"),
        );
        return false;
    }
    let Ok(tmpl) = env.get_template("section") else {
        return false;
    };
    let mut unknown: Vec<String> = tmpl
        .undeclared_variables(false)
        .into_iter()
        .filter(|v| !KEYS.contains(&v.as_str()) && !ENGINE_GLOBALS.contains(&v.as_str()))
        .collect();
    unknown.sort();
    if unknown.is_empty() {
        return true;
    }
    cx.err_help(
        Code::TemplateUndefined,
        loc,
        path,
        format!("undefined template variable: {}", unknown.join(", ")),
        format!("available: {}", KEYS.join(", ")),
    );
    false
}
