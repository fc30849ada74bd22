//! Entry points for the fuzz targets in `fuzz/` and for the property tests: each runs a whole
//! stage on arbitrary input and panics only when an invariant is broken.

use std::path::Path;

use crate::model::Duration;
use crate::syntax::promql;

/// Loads arbitrary bytes as a spec file and runs every later stage on it. Invariants: no
/// panic; a failed build has at least one located error; a successful one renders.
pub fn spec_bytes(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crate::load::assert_fast_path_agrees(text);
    let mut loaded = crate::load::Loaded::default();
    crate::load::load_str(
        Path::new("fuzz.yaml"),
        text,
        crate::load::LoadOptions::default(),
        &mut loaded,
    );
    let (fleet, diags) = crate::validate::validate(&loaded);
    match fleet {
        Some(f) if !diags.has_errors() => {
            let c = crate::compile::compile(&f);
            let _ = crate::render::render_tree(&c, &crate::render::RenderOptions::default());
        }
        _ => {
            assert!(diags.has_errors(), "failed without an error");
            let _ = diags.render(&loaded.sources);
        }
    }
}

/// Parses `text` as PromQL; when it parses, every rewrite sloforge makes must parse again.
pub fn promql_rewrite(text: &str) {
    promql::assert_plain_selector_agrees(text);
    let Ok(expr) = promql::parse(text) else {
        return;
    };
    let w = Duration::from_mins(5);
    if promql::check_selector_expr(&expr).is_ok() {
        let out = promql::rate_of(&expr, w);
        assert!(
            promql::parse(&out).is_ok(),
            "rate rewrite does not parse: {text} -> {out}"
        );
    }
    let out = promql::with_window(&expr, w);
    assert!(
        promql::parse(&out).is_ok(),
        "window rewrite does not parse: {text} -> {out}"
    );
    if let Ok(windowed) = promql::parse_windowed(&format!("sum(rate(({text})[$window:]))")) {
        let out = promql::with_window(&windowed, w);
        assert!(
            promql::parse(&out).is_ok(),
            "placeholder rewrite does not parse: {out}"
        );
    }
}

#[cfg(test)]
mod tests {
    /// Inputs the fuzzers found crashes with, kept as regression tests.
    #[test]
    fn fuzz_regressions() {
        super::promql_rewrite("-a offset 0");
        super::promql_rewrite("x[0:1m]");
        super::promql_rewrite(
            "-_1otal{code=~\"8J|J-rate(x_8[====-=====`}\\\\\u{36b}\\\\-=======+5m$)tt",
        );
        super::promql_rewrite("x{a=~`\\\u{36b}`}");
        super::promql_rewrite("a1m251[51111111111111111111111111111111111]");
        assert!(crate::syntax::promql::parse("x[51111111111111111111111111111111111]").is_err());
        let found = include_bytes!("../fuzz/seeds/promql_rewrite/regression-unquote");
        super::promql_rewrite(&String::from_utf8_lossy(found));
        super::promql_rewrite("sum_over_time(x[0:])");
        super::spec_bytes(b"apiVersion: sloforge.dev/v1\nkind: Service\nname: a\nteam: t\nslos:\n  - name: s\n    objective: 99\n    sli: {ratio: {errors: 'x{c=\"5\"} offset 0', total: x offset 0}}\n");
    }
}
