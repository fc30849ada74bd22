//! Tests of the reader: documents in every style it reads agree with the full parser, values
//! and locations; what it leaves to the full parser; its limits.

use super::{parse, read};
use crate::load::node::Node;
use crate::load::{
    assert_fast_path_agrees, native::ServiceSpec, sloth::SlothSpec, split_documents, yaml_options,
};

/// Reads `doc` as a generic located tree through this reader; when it reads it, the full
/// parser must read it too, to the same values at the same locations. Returns whether it read.
/// (A plain scalar the tree would read as a number, boolean or null makes this reader give
/// up here, so these documents hold strings.)
pub(super) fn agrees_as_tree(doc: &str) -> bool {
    let Some(fast) = read::<Node>(doc) else {
        return false;
    };
    let full: Node = match serde_saphyr::from_str_with_options(doc, yaml_options()) {
        Ok(n) => n,
        Err(e) => panic!("read a document the full parser refuses ({e}):\n{doc}"),
    };
    assert_eq!(format!("{fast:?}"), format!("{full:?}"), "differs:\n{doc}");
    true
}

const SERVICE: &str = r#"# leading comment
apiVersion: sloforge.dev/v1
kind: Service
name: api   # trailing comment
team: 'core'
description: "Payments \"API\" \\ v2"
labels:
  app.kubernetes.io/name: api-v2
  domain: 'it''s'
slos:
- name: availability
  description: Zahlungen — ohne Fehler
  objective: 99.9
  window: 30d

  sli:
    ratio:
      errors: http_requests_total{job="api",code=~"5.."}
      total: http_requests_total{job="api"}
  alerting:
    tiers:
      ticket-slow: { enabled: false }
      page-fast: {for: 5m}
    annotations:
      runbook_url: "https://runbooks.example.com/[[ service ]]/[[ slo ]]"
-   name: latency
    objective: 99
    sli:
      latency:
        metric: http_request_duration_seconds
        selector: '{job="api"}'
        threshold: 200ms
        buckets: [0.1, 0.2, 1]
"#;

const SLOTH: &str = r#"version: prometheus/v1
service: api
labels:
  owner: team-a
slos:
  - name: requests
    objective: 99.5
    description: 'Requests: without server errors'
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="api"}[{{.window}}]))
    alerting:
      name: ApiRequestsBurn
      labels:
        category: availability
      page_alert:
        labels:
          severity: critical
      ticket_alert:
        disable: true
"#;

/// A native spec in the styles people write YAML in: every construct this reader reads.
const SERVICE_MIXED: &str = r#"# The checkout service.
---
apiVersion: "sloforge.dev/v1"
kind: 'Service'   # one service
name: checkout
team: &team "core"
description: >-
  Checkout API,
  folded over two lines.
labels: &labels {domain: "shop", tier: 'gold', quote: "it's"}
alerting: &alerting
  annotations:
    runbook_url: 'https://runbooks.example.com/[[ service ]]#top'
    summary: "Checkout \"[[ slo ]]\" \u00e9 \x41 \U0001F600 \N\_ \/"
slos:
  # availability first
  - name: availability
    description: |
      Requests without server errors.
      # not a comment: a line of the text

        indented line
    objective: 99.9   # percent
    labels:
      <<: *labels
      tier: platinum
    sli: {ratio: {errors: 'http_requests_total{job="checkout",code=~"5.."}',
                  total: "http_requests_total{job=\"checkout\"}"}}
    alerting: *alerting
  -
    name: latency
    description: 'a: b # not a comment'
    objective: 99
    labels: {<<: [*labels]} # a merge in a flow mapping is left alone below
    sli:
      latency:
        metric: http_request_duration_seconds
        selector: '{job="checkout"}'
        threshold: 200ms
        buckets: [
          0.1, 0.2,
          1
        ]
  - {name: probe, objective: 99.5, sli: {probe: {metric: "probe_success{job=\"blackbox\"}"}}}
...
"#;

/// A Sloth spec in the same styles.
const SLOTH_MIXED: &str = r#"version: "prometheus/v1"
service: 'checkout'
labels: {owner: 'team-a', domain: shop}
slos:
  # requests
  - name: "requests"
    objective: 99.5   # percent
    description: >-
      Requests without
      server errors
    sli:
      events:
        error_query: 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))'
        total_query: "sum(rate(http_requests_total{job=\"checkout\"}[{{.window}}]))"
    alerting:
      name: CheckoutRequestsBurn
      page_alert: &page
        labels: {severity: critical}
      ticket_alert: &ticket
        labels:
          severity: warning   # business hours
  - {name: orders, objective: 99.9, sli: {raw: {error_ratio_query: 'x{job="orders"}'}},
     alerting: {name: CheckoutOrdersBurn, page_alert: *page, ticket_alert: *ticket}}
"#;

#[test]
fn reads_what_the_full_parser_reads_with_the_same_locations() {
    assert!(read::<ServiceSpec>(SERVICE).is_some());
    assert!(read::<SlothSpec>(SLOTH).is_some());
    // Compares the typed results, locations included, with the full parser's.
    assert_eq!(assert_fast_path_agrees(SERVICE), 1);
    assert_eq!(assert_fast_path_agrees(SLOTH), 1);
}

#[test]
fn reads_quoted_flow_anchored_folded_and_commented_yaml() {
    // The flow merge of the second SLO is left to the full parser; without it, this reader
    // reads the document.
    let docs = split_documents(SERVICE_MIXED);
    assert_eq!(docs.len(), 1);
    assert!(read::<ServiceSpec>(&docs[0]).is_none());
    // (Its quoted `apiVersion` then sends it to the located tree.)
    assert_eq!(assert_fast_path_agrees(SERVICE_MIXED), 0);
    let without = SERVICE_MIXED.replace("labels: {<<: [*labels]}", "labels: *labels");
    let docs = split_documents(&without);
    assert!(read::<ServiceSpec>(&docs[0]).is_some());
    assert_eq!(assert_fast_path_agrees(&without), 1);
    // The same document twice in one stream, then a Sloth one.
    assert!(read::<SlothSpec>(SLOTH_MIXED).is_some());
    let stream = format!("{without}---\n{without}...\n---\n{SLOTH_MIXED}");
    assert_eq!(assert_fast_path_agrees(&stream), 3);
}

#[test]
fn tricky_scalars_flow_collections_and_aliases_agree_with_the_full_parser() {
    let cases = [
        "a: 'it''s'\n",
        "a: \"a\\\"b\"\n",
        "a: \"\\u00e9\"\n",
        "a: \"\\t\\n\\r\\\\ \\x41 \\u00e9 \\U0001F600 \\N \\_ \\L \\P \\e \\a \\b \\v \\f \\0 \\/ \\ \"\n",
        "a: 'a: b'\n",
        "a: 'b' # c\n",
        "a: \"# in quotes\"\n",
        "a: '# in quotes' # and a comment\n",
        "a: b#c\n",
        "a: b # c # d\n",
        "a: http_requests_total{job=\"x\",code=~\"5..\"}\n",
        "a: {b: [x1, x2], c: \"x,y\"}\n",
        "a: [x, \"b,c\", 'd]e', {f: g}, [h]]\n",
        "a: {}\nb: []\n",
        "a: {b: c,\n  d: e}\n",
        "a: [\n  x1,\n  x2\n]\n",
        "a:\n  b: [\n    x1, # comment\n    x2\n  ]\n",
        "a: [\n  {b: c},\n  {d: 'e'}\n]\n",
        "a: &x val\nb: *x\n",
        "a: &m\n  k: v\n  k2: [x1, x2]\nb: *m\nc: [*m, *m]\n",
        "a: &x val\nb: &x other\nc: *x\n",
        "s: &s\n  - one\n  - two\nt: *s\nu:\n  - &it one\n  - *it\n",
        "a: &b {x: '1', w: '2'}\nm:\n  a: '0'\n  <<: *b\n  c: '5'\n",
        "b: &b {x: '1', w: '2'}\no: &o {w: '3', z: '4'}\nm:\n  <<: [*b, *o]\n  x: '9'\n",
        "b: &b {x: '1'}\no: &o {z: '4'}\nm:\n  <<: *b\n  <<: *o\n",
        "b: &b {x: '1'}\nm: &m\n  <<: *b\n  v: '2'\np: *m\nk:\n  <<: *m\n",
        "a: |\n  lit\n",
        "a: |-\n  lit\n  eral\n",
        "a: >\n  fold\n  ed\n\n  para\nb: c\n",
        "a: >- # comment\n  x\n\n\n  y\n",
        "a: |\n  t1\n   t2\n\n  t3\n\n\nb: c\n",
        "a: |\n  # text\n  - text\nb: c\n",
        "a:\n  - |\n    x\n  - >-\n    y\n    z\n",
        "a: &l |\n  x\nb: *l\n",
        "a:\n- b: c\n  e: f\n- d\n",
        "a:\n-   d\n-\n  b: c\n",
        "a:\n- &x d\n- *x\n",
        "a:\n  -   b: c\n      d: e\n",
        "a: b\nc: d\n# trailing comment\n",
    ];
    for doc in cases {
        assert!(agrees_as_tree(doc), "not read:\n{doc}");
    }
    // Left to the full parser, whatever it makes of them.
    let left = [
        "a: |+\n  keep\n\nb: c\n",
        "a: |2\n   x\n",
        "a: |\n\n  leading empty line\n",
        "a: |\n  trailing space \n",
        "a: |\n      \n  x\n",
        "a: >\n  x\n   more indented\n",
        "a: |\n  no final line break",
        "a: |\n",
        "a: two\n  lines\n",
        "a: \"two\n  lines\"\n",
        "a:\n  value\n",
        "? a\n: b\n",
        "a: [x,]\n",
        "a: {x, y}\n",
        "a: [x: y]\n",
        "a: {x: }\n",
        "a: [\n  x\n  y\n]\n",
        "a: [\nx]\n",
        "a: !!str x\n",
        "&a a: b\n",
        "a: *nope\n",
        "a: &x [*x]\n",
        "a: &x x\nb: &x [*x]\n",
        "a: \"x\"# c\n",
        "a: [x #c\n]\n",
        "a: {\"b\": c}\n",
        "a: \"\\ud83d\\ude00\"\n",
        "a: \"\\q\"\n",
        "a: \"line \\\n  break\"\n",
        "a: b\n...\n",
        "a: b\n---\nc: d\n",
        "%YAML 1.2\n---\na: b\n",
        "a: {<<: *b}\n",
        "m:\n  <<: {x: y}\n",
        "b: &b [x]\nm:\n  <<: *b\n",
        "a: b\na: c\n",
        "a:\n-\n  b: c\n",
        "a:\n- # c\n  b: c\n",
        "'a': b\n",
        "a:\tb\n",
        "a: b\r\n",
    ];
    for doc in left {
        assert!(read::<Node>(doc).is_none(), "read:\n{doc}");
    }
}

#[test]
fn counts_aliases_anchors_and_expanded_nodes() {
    let mut doc = String::from("a: &a x\nb: [");
    for i in 0..super::MAX_ALIASES {
        doc.push_str(if i == 0 { "*a" } else { ", *a" });
    }
    doc.push_str("]\n");
    assert!(agrees_as_tree(&doc));
    let more = doc.replace("[*a", "[*a, *a");
    assert!(parse(&more).is_none());
    let mut anchors = String::new();
    for i in 0..=super::MAX_ANCHORS {
        anchors.push_str(&format!("k{i}: &a{i} x\n"));
    }
    assert!(parse(&anchors).is_none());
    // Aliases of aliases grow the expanded document quickly: it is bounded.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..8 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    assert!(parse(&bomb).is_none());
}

#[test]
fn gives_up_outside_what_it_reads() {
    let cases = [
        ("keep chomping", "description: |+\n    two\n"),
        ("continued plain scalar", "description: two\n    lines\n"),
        ("alias of no anchor", "<<: *base\n"),
        ("tag", "description: !!str text\n"),
        ("quoted key", "\"description\": text\n"),
        ("number as a string", "description: 0x1f\n"),
        ("boolean as a string", "description: yes\n"),
        ("null as a string", "description: ~\n"),
        ("string as a number", "objective: '99.9'\n"),
        ("exponent", "objective: 1e2\n"),
        ("leading zero", "objective: 099\n"),
        ("unknown escape", "description: \"a\\q\"\n"),
        ("tab", "description:\ttext\n"),
        ("carriage return", "description: text\r\n"),
        ("control character", "description: te\u{7f}xt\n"),
        ("duplicate key", "team: a\nteam: b\n"),
        ("sequence for a string", "labels: { a: [b] }\n"),
        ("unclosed flow", "labels: { a: b\n"),
        ("trailing comma", "labels: { a: b, }\n"),
        ("colon in a value", "description: a: b\n"),
        ("comment without a space", "description: \"a\"# no\n"),
        ("document end", "description: a\n...\n"),
        ("unknown key", "colour: blue\n"),
    ];
    for (what, extra) in cases {
        let doc = format!(
            "apiVersion: sloforge.dev/v1\nkind: Service\nname: api\nteam: core\n{extra}slos: []\n"
        );
        assert!(read::<ServiceSpec>(&doc).is_none(), "{what}: read\n{doc}");
        // The loader still reads it, through the full parser.
        let _ = assert_fast_path_agrees(&doc);
    }
}

#[test]
fn a_root_placed_off_its_first_line_is_left_to_the_located_tree() {
    for head in ["!\n", "&root\n", "# c\n  !!map\n", "\r\r# c\n"] {
        let doc = format!(
            "{head}apiVersion: sloforge.dev/v1\nkind: Service\nname: api\nteam: core\nslos: []\n"
        );
        assert_eq!(assert_fast_path_agrees(&doc), 0, "{doc}");
    }
}

#[test]
fn deep_nesting_is_left_to_the_full_parser() {
    let mut doc = String::from(
        "apiVersion: sloforge.dev/v1\nkind: Service\nname: api\nteam: core\nslos: []\nlabels:\n",
    );
    for depth in 1..=5000 {
        doc.push_str(&" ".repeat(depth));
        doc.push_str("a:\n");
    }
    assert!(parse(&doc).is_none());
    assert!(read::<ServiceSpec>(&doc).is_none());
    let flow = format!("a: {}{}\n", "[".repeat(5000), "]".repeat(5000));
    assert!(parse(&flow).is_none());
}

#[test]
fn durations_and_words_are_strings() {
    for s in [
        "30d",
        "5m",
        "1h30m",
        "api",
        "no-op",
        "nullable",
        "yesterday",
        "on-call",
    ] {
        assert!(!super::scalars::special(s), "{s}");
    }
    for s in [
        "1",
        "-1",
        "1.5",
        "1e3",
        "1_000",
        "1:30",
        "2001-12-14",
        ".inf",
        "-.Inf",
        ".NaN",
        "0x1F",
        "0o17",
        "~",
        "Null",
        "TRUE",
        "off",
        "Y",
        "=",
        "<<",
    ] {
        assert!(super::scalars::special(s), "{s}");
    }
}

/// What the loader makes of `text` (one file): its documents and diagnostics, as text.
fn loaded(text: &str) -> String {
    let mut out = crate::load::Loaded::default();
    let path = std::path::Path::new("specs/api.yaml");
    crate::load::load_str(path, text, crate::load::LoadOptions::default(), &mut out);
    format!("{:?}\n{:?}", out.docs, out.diags.sorted())
}

/// Documents in the mixed styles, with and without mistakes, load exactly as they load when
/// this reader stays out of the way (a tab in a trailing comment, nothing to YAML, keeps it
/// out): the same documents at the same locations, the same diagnostics.
#[test]
fn mixed_styles_load_as_without_this_reader() {
    let service = "apiVersion: \"sloforge.dev/v1\"\nkind: 'Service'\nname: api\nteam: &t core\n";
    let sloth = "version: 'prometheus/v1'\nservice: api\n";
    let cases = [
        SERVICE.to_string(),
        SLOTH.to_string(),
        SERVICE_MIXED.replace("labels: {<<: [*labels]}", "labels: *labels"),
        SERVICE_MIXED.to_string(),
        SLOTH_MIXED.to_string(),
        format!(
            "{service}slos: [{{name: a, objective: 99.9, sli: {{ratio: {{errors: x, totl: y}}}}}}]\n"
        ),
        format!(
            "{service}slos:\n  - {{name: a, objective: \"99.9\", sli: {{ratio: {{errors: x, total: y}}}}}}\n"
        ),
        format!("{service}labels: {{a: b, a: c}}\nslos: []\n"),
        format!("{service}labels: *nope\nslos: []\n"),
        format!("{service}description: \"a \\q b\"\nslos: []\n"),
        format!(
            "{service}description: |\n  text\nslos:\n  - name: a\n    objective: |\n      99.9\n"
        ),
        format!("{service}owner: *t\nslos: []\n"),
        format!(
            "{sloth}slos:\n  - name: a\n    objective: 99\n    sli: {{raw: {{error_ratio_query: x}}}}\n    alerting: {{name: A, extra: 1}}\n"
        ),
        format!(
            "{sloth}labels: &l {{a: b}}\nslos:\n  - name: a\n    objective: 99\n    labels: {{<<: *l}}\n    sli: {{raw: {{error_ratio_query: x}}}}\n    alerting: {{name: A}}\n"
        ),
        format!("{service}slos: []\n---\n{sloth}slos: [\n...\n"),
    ];
    for text in cases {
        let without = format!("{text}#\tend\n");
        assert!(super::parse(&without).is_none());
        assert_eq!(loaded(&text), loaded(&without), "{text}");
    }
}
