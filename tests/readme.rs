//! Every YAML block of the README works as written: the first-SLO example on its own, the
//! other blocks that are whole documents (`apiVersion: …`) together as one fleet, without
//! errors, and each fragment (an SLO's `alerting:` settings, a routing setting) inside the SLO
//! of the first-SLO example, the README's AlertRouting document or its Defaults document.

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

/// The keys a YAML text sets at its top level.
fn top_level_keys(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.starts_with([' ', '#', '-']) && !l.trim().is_empty())
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim().to_string()))
        .collect()
}

/// `doc` without the top-level entries of `keys` (each key's line and the lines indented under
/// it), so that a fragment can take their place.
fn without_top_level_keys(doc: &str, keys: &[String]) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in doc.lines() {
        if !line.starts_with([' ', '#']) && !line.trim().is_empty() {
            skipping = line
                .split_once(':')
                .is_some_and(|(k, _)| keys.iter().any(|x| x == k.trim()));
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
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

    // A fragment goes into the first SLO example's SLO (at the indentation of its keys), or
    // at the top of the README's AlertRouting or Defaults document among the reference
    // documents.
    let first = &documents[0].1;
    assert!(first.contains("name: checkout") && first.contains("  - name: availability"));
    let routing = documents
        .iter()
        .position(|(_, t)| t.contains("kind: AlertRouting"))
        .expect("the README shows an AlertRouting document");
    let defaults = documents
        .iter()
        .skip(1)
        .position(|(_, t)| t.contains("kind: Defaults"))
        .map(|i| i + 1)
        .expect("the README shows a Defaults document");
    for (line, fragment) in blocks.iter().filter(|(_, t)| !is_document(t)) {
        let indented: String = fragment.lines().map(|l| format!("    {l}\n")).collect();
        let in_slo = format!("{first}{indented}");
        let (ok, slo_report) = validate(&[("fragment.yaml".into(), in_slo)]);
        if ok {
            continue;
        }
        let in_document = |at: usize| {
            let mut reference = documents[1..].to_vec();
            let doc = &mut reference[at - 1].1;
            *doc = without_top_level_keys(doc, &top_level_keys(fragment));
            doc.push_str(fragment);
            validate(&reference)
        };
        let (ok, routing_report) = in_document(routing);
        if ok {
            continue;
        }
        let (ok, defaults_report) = in_document(defaults);
        assert!(
            ok,
            "README line {line}: the fragment validates neither inside an SLO:\n{slo_report}\nnor in the AlertRouting document:\n{routing_report}\nnor in the Defaults document:\n{defaults_report}"
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
