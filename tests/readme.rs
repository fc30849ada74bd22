//! Every YAML block of the README works as written: the first-SLO example on its own, the
//! other blocks that are whole documents (`apiVersion: …`) together as one fleet, without
//! errors, and each fragment (an SLO's `alerting:` settings, say) inside the SLO of the
//! first-SLO example.

mod common;

use std::path::PathBuf;

/// The ```yaml blocks of the README, with the line each starts on.
fn yaml_blocks() -> Vec<(usize, String)> {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in readme.lines().enumerate() {
        match &mut current {
            None if line.trim_end() == "```yaml" => current = Some((i + 2, String::new())),
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

fn validate(files: &[(String, String)]) -> (bool, String) {
    let tmp = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (name, text) in files {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        paths.push(p);
    }
    let b = sloforge::build(&paths, false);
    let errors = b.diagnostics.has_errors() || b.compilation.is_none();
    (!errors, b.diagnostics.render(&b.sources))
}

#[test]
fn every_yaml_block_of_the_readme_validates() {
    let blocks = yaml_blocks();
    assert!(blocks.len() >= 5, "{} blocks", blocks.len());
    let is_document = |t: &str| {
        t.lines()
            .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .is_some_and(|l| l.starts_with("apiVersion:"))
    };
    let documents: Vec<(String, String)> = blocks
        .iter()
        .filter(|(_, t)| is_document(t))
        .map(|(line, t)| (format!("readme-line-{line}.yaml"), t.clone()))
        .collect();
    assert!(documents.len() >= 4);
    let (ok, report) = validate(&documents[..1]);
    assert!(ok, "the README's first SLO does not validate:\n{report}");
    let (ok, report) = validate(&documents[1..]);
    assert!(
        ok,
        "the README's reference documents do not validate together:\n{report}"
    );

    // Fragments go into the first SLO example's SLO, at the indentation of its keys.
    let first = &documents[0].1;
    assert!(first.contains("name: checkout") && first.contains("  - name: availability"));
    for (line, fragment) in blocks.iter().filter(|(_, t)| !is_document(t)) {
        let indented: String = fragment.lines().map(|l| format!("    {l}\n")).collect();
        let service = format!("{first}{indented}");
        let (ok, report) = validate(&[("fragment.yaml".into(), service.clone())]);
        assert!(
            ok,
            "README line {line}: the fragment does not validate inside an SLO:\n{service}\n{report}"
        );
    }
}

#[test]
fn the_first_slo_example_is_what_init_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let o = common::sloforge(
        &["init", "--service", "checkout", "--team", "payments"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    let written =
        std::fs::read_to_string(tmp.path().join(PathBuf::from("slo-specs/checkout.yaml"))).unwrap();
    let example = &yaml_blocks()[0].1;
    // The README leaves out the comment lines about what to do next.
    let significant = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with("# ") || l.starts_with("# yaml-language-server"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(significant(example), significant(&written));
}
