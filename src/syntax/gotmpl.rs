//! Go-template text, as Prometheus and Alertmanager expand it in alert labels and annotations.

/// Text from a spec that ends up in an annotation, where Prometheus and Alertmanager expand
/// Go templates: `{{` is written as `{{ "{{" }}` so it prints literally instead of starting an
/// action.
pub fn literal(s: &str) -> String {
    s.replace("{{", "{{ \"{{\" }}")
}

/// Every `{{` of a Go template has its `}}`.
pub fn actions_balanced(s: &str) -> bool {
    // Searched for a single byte first (a fast scan; most text has no `{` at all).
    let find = |s: &str, pair: &str| {
        let b = pair.as_bytes()[0];
        let mut from = 0;
        while let Some(i) = s[from..].find(b as char) {
            if s[from + i..].starts_with(pair) {
                return Some(from + i);
            }
            from += i + 1;
        }
        None
    };
    let mut rest = s;
    while let Some(i) = find(rest, "{{") {
        match find(&rest[i + 2..], "}}") {
            Some(j) => rest = &rest[i + 2 + j + 2..],
            None => return false,
        }
    }
    true
}

/// The value Prometheus gives an alert label whose rule text is `v`: alert labels are Go
/// templates, and sloforge writes spec text into them with every `{{` escaped.
pub fn expand_literal(v: &str) -> String {
    v.replace("{{ \"{{\" }}", "{{")
}

#[cfg(test)]
mod tests {
    use super::{actions_balanced, expand_literal};

    #[test]
    fn go_actions_are_balanced_when_every_opening_pair_is_closed() {
        for ok in [
            "",
            "plain {text} }",
            "{{ $value }}",
            "a {{ x }} b {{ y }} c",
            "{ {{x}} }",
            "{{ {x} }}",
            "}} then {{x}}",
        ] {
            assert!(actions_balanced(ok), "{ok}");
        }
        for bad in ["{{", "a {{ x } }", "{{x}} {{ y", "{{{", "{ {{ }"] {
            assert!(!actions_balanced(bad), "{bad}");
        }
    }

    #[test]
    fn escaped_rule_labels_render_to_the_spec_text() {
        assert_eq!(expand_literal("a {{ \"{{\" }} b }}"), "a {{ b }}");
        assert_eq!(expand_literal("page"), "page");
    }
}
