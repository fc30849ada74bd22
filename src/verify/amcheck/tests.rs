//! The checker on small configurations: each problem with its location and Alertmanager's
//! wording, and fields gated by release.

use super::{AmVersion, check};

fn problems(text: &str, v: AmVersion) -> Vec<String> {
    check(text, v)
        .into_iter()
        .map(|p| format!("{}:{}: {}", p.loc.line, p.loc.col, p.message))
        .collect()
}

const BASE: &str = "route:\n  receiver: a\nreceivers:\n  - name: a\n";

#[test]
fn a_valid_configuration_has_no_problem() {
    for v in AmVersion::ALL {
        assert!(problems(BASE, v).is_empty(), "{:?}", problems(BASE, v));
    }
}

#[test]
fn unknown_fields_are_located() {
    let email = "global:\n  smtp_smarthost: smtp.example:25\n  smtp_from: a@example\nroute:\n  receiver: a\nreceivers:\n  - name: a\n    email_configs:\n      - to: x@example\n        subject: hi\n";
    let p = problems(email, AmVersion::NEWEST);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("10:9: unknown field `subject`"), "{p:?}");
    let typo = "route:\n  receiver: a\n  group_wiat: 30s\nreceivers:\n  - name: a\n";
    assert!(problems(typo, AmVersion::NEWEST)[0].starts_with("3:3: unknown field `group_wiat`"));
}

#[test]
fn later_fields_are_unknown_to_earlier_releases() {
    let teams =
        format!("{BASE}    msteamsv2_configs:\n      - webhook_url: https://example.com/x\n");
    assert_eq!(
        problems(&teams, AmVersion::V0_25),
        [
            "5:5: unknown field `msteamsv2_configs` in a receiver: Alertmanager 0.25 does not know it (added in 0.28)"
        ]
    );
    assert!(problems(&teams, AmVersion::V0_28).is_empty());
    assert!(problems(&teams, AmVersion::V0_33).is_empty());
}

#[test]
fn references_names_and_values_are_checked() {
    let text = "route:\n  receiver: a\n  group_wait: 30x\n  routes:\n    - receiver: nobody\n      matchers: ['severity critical']\n      mute_time_intervals: [never]\nreceivers:\n  - name: a\n  - name: a\n";
    let p = problems(text, AmVersion::NEWEST);
    assert_eq!(
        p,
        [
            "3:15: not a valid duration string: \"30x\"",
            "5:17: undefined receiver \"nobody\" used in route",
            "6:18: bad matcher format: `severity critical`: expected =, !=, =~ or !~ after `severity`",
            "7:29: undefined time interval \"never\" used in route",
            "10:11: notification config name \"a\" is not unique",
        ],
    );
    let root = "route:\n  receiver: a\n  matchers: ['x=\"y\"']\nreceivers:\n  - name: a\n";
    assert_eq!(
        problems(root, AmVersion::NEWEST),
        ["2:3: root route must not have any matchers"]
    );
}

#[test]
fn versions_read_by_minor_release() {
    assert_eq!(AmVersion::parse("0.28.1"), Some(AmVersion::V0_28));
    assert_eq!(AmVersion::parse("v0.33"), Some(AmVersion::V0_33));
    assert_eq!(AmVersion::parse("0.26"), None);
    assert_eq!(AmVersion::parse("1.0"), None);
}
