//! The CI snippets of examples/quickstart that gate a deploy on the error budget (GitHub
//! Actions, GitLab CI): valid YAML of the right shape, and command lines sloforge accepts.

mod common;

use std::process::Command;

use serde_json::Value as Json;

/// The command lines of a CI snippet that start with `sloforge `, with the snippet's
/// variables and expressions replaced: Prometheus by a port where nothing listens.
fn sloforge_lines(script: &str) -> Vec<Vec<String>> {
    script
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("sloforge "))
        .map(|l| {
            let l = l
                .replace("\"$PROMETHEUS_URL\"", "http://127.0.0.1:9")
                .replace(
                    "${{ inputs.hotfix && '--allow-hotfix' || '' }}",
                    "--allow-hotfix",
                )
                .replace("$HOTFIX_FLAG", "--allow-hotfix");
            let l = l.split(">>").next().unwrap().split("||").next().unwrap();
            l.split_whitespace().map(str::to_string).collect()
        })
        .collect()
}

/// The GitHub Actions and GitLab CI snippets of examples/quickstart are valid YAML of the
/// right shape (the deploy waits for the gate, whose failure is not ignored), and every
/// `sloforge` command line in them is accepted as written: run against a port where nothing
/// listens, each fails with exit 2 for the unreachable server, not for its arguments.
#[test]
fn ci_snippets_gate_the_deploy() {
    let root = common::root();
    let dir = root.join("examples/quickstart");
    let github = std::fs::read_to_string(dir.join(".github/workflows/deploy.yml")).unwrap();
    let gitlab = std::fs::read_to_string(dir.join(".gitlab-ci.yml")).unwrap();
    let gh: Json = serde_saphyr::from_str(&github).unwrap();
    let gl: Json = serde_saphyr::from_str(&gitlab).unwrap();

    assert_eq!(gh["jobs"]["deploy"]["needs"], "error-budget", "{gh}");
    let steps = gh["jobs"]["error-budget"]["steps"].as_array().unwrap();
    let gate = steps
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("sloforge gate"))
        })
        .expect("a gate step");
    assert!(gate.get("continue-on-error").is_none(), "{gate}");
    assert_eq!(gl["stages"], serde_json::json!(["gate", "deploy"]));
    assert_eq!(gl["error-budget"]["stage"], "gate");
    assert_eq!(gl["deploy"]["needs"], serde_json::json!(["error-budget"]));

    let gl_script: Vec<&str> = gl["error-budget"]["script"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Json::as_str)
        .collect();
    let gh_runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    let mut commands = 0;
    for script in gh_runs.iter().chain(&gl_script) {
        for args in sloforge_lines(script) {
            commands += 1;
            let o = Command::new(env!("CARGO_BIN_EXE_sloforge"))
                .args(&args)
                .current_dir(&root)
                .output()
                .unwrap();
            let (out, err) = (
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr),
            );
            assert_eq!(o.status.code(), Some(2), "{args:?}: {out}{err}");
            assert!(err.contains("could not be reached"), "{args:?}: {err}");
            assert!(!out.contains("allowed"), "{args:?}: {out}");
        }
    }
    assert_eq!(commands, 4, "two status and two gate commands");
}
