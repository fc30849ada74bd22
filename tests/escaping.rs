//! Hostile values reach the output intact: the YAML reads back to the same strings (also for a
//! YAML 1.1 reader such as kubectl), annotation text from specs cannot start a Go template
//! action, and the rule file loads in promtool.

mod common;

use sloforge::render::{self, RenderOptions};

use common::File;

fn compile() -> String {
    let b = sloforge::build(
        &[common::root().join("tests/cases/hostile_values.yaml")],
        false,
    );
    let c = b.compilation.unwrap_or_else(|| panic!("{}", b.diagnostics));
    render::render_tree(&c, &RenderOptions::default())
        .remove("rules/api.rules.yaml")
        .unwrap()
}

#[test]
fn values_round_trip_through_the_yaml() {
    let text = compile();
    let file: File = serde_saphyr::from_str(&text).unwrap();
    let rules = &file.groups[0].rules;
    let l = &rules[0].labels;
    assert_eq!(l["quote"], "say \"hi\"");
    assert_eq!(l["backslash"], "C:\\temp\\new");
    assert_eq!(l["newline"], "line one\nline two");
    assert_eq!(l["braces"], "{{ not a template }}");
    assert_eq!(l["unicode"], "café ☕ 日本");
    assert_eq!(l["yaml_no"], "no");
    assert_eq!(l["yaml_null"], "~");
    assert_eq!(l["colon"], "key: value");
    assert_eq!(l["hash"], "# not a comment");
    // YAML 1.1 booleans and null stay strings for every reader.
    for v in ["no", "yes", "off", "~"] {
        assert!(
            !text.contains(&format!(": {v}\n")),
            "unquoted `{v}` in:\n{text}"
        );
    }
    // The user's selector keeps its matchers, escapes included.
    assert!(
        rules[0].expr.contains(r#"path="/a\"b""#),
        "{}",
        rules[0].expr
    );
    assert!(
        rules[0].expr.contains(r#"code=~"5..|4\\d\\d""#),
        "{}",
        rules[0].expr
    );
}

#[test]
fn spec_text_cannot_start_a_template_action() {
    let text = compile();
    let file: File = serde_saphyr::from_str(&text).unwrap();
    let alert = file.groups[0]
        .rules
        .iter()
        .find(|r| !r.annotations.is_empty())
        .unwrap();
    let desc = &alert.annotations["description"];
    assert!(desc.contains(r#"{{ "{{" }} .Oops"#), "{desc}");
    let summary = &alert.annotations["summary"];
    // The spec's own label value is escaped; the spec author's `{{ $labels.service }}` is kept.
    assert_eq!(
        summary,
        r#"api {{ "{{" }} not a template }} {{ $labels.service }}"#
    );
}

#[test]
fn hostile_rule_file_loads_in_promtool() {
    let Some(promtool) = common::tool("promtool") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("api.rules.yaml");
    std::fs::write(&f, compile()).unwrap();
    common::run_ok(
        std::process::Command::new(promtool)
            .args(["check", "rules", "--lint=all", "--lint-fatal"])
            .arg(&f),
    );
}
