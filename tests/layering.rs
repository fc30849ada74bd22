//! Imports flow one way. Every `use` and every `crate::`/`super::` path in `src/` is resolved
//! to the module it names, and a module may only name modules of its own layer or of a lower
//! one:
//!
//! ```text
//! diag, names  ←  syntax  ←  model  ←  load  ←  validate  ←  compile  ←  verify
//!   ←  render  ←  driver (the crate root, driver, doctor, budget, explain, testrun, fuzzing, drill, report)  ←  cli  ←  main
//! ```
//!
//! Within a layer, the modules that import each other form no cycle (sibling modules of one
//! parent included; a parent and its own children may share items both ways). Unit-test modules
//! (`mod tests`) are held to the layers too, but may use their module's siblings to build input.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer of each top-level module; lower layers never import higher ones.
const LAYERS: &[(&str, u8)] = &[
    ("diag", 0),
    ("names", 0),
    ("syntax", 1),
    ("model", 2),
    ("load", 3),
    ("validate", 4),
    ("compile", 5),
    ("verify", 6),
    ("render", 7),
    ("", 8),
    ("budget", 8),
    ("doctor", 8),
    ("explain", 8),
    ("testrun", 8),
    ("fuzzing", 8),
    ("drill", 8),
    ("report", 8),
    ("driver", 8),
    ("cli", 9),
    ("main", 10),
];

type Module = Vec<String>;

fn rank(m: &Module) -> u8 {
    let top = m.first().map_or("", String::as_str);
    LAYERS
        .iter()
        .find(|(name, _)| *name == top)
        .map(|(_, r)| *r)
        .unwrap_or_else(|| panic!("top-level module `{top}` has no layer in tests/layering.rs"))
}

/// Every `.rs` file under `src/` with the module it defines.
fn modules(src: &Path) -> Vec<(PathBuf, Module)> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap().with_extension("");
                let mut m: Module = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if m.last().is_some_and(|l| l == "mod" || l == "lib") {
                    m.pop();
                }
                out.push((path, m));
            }
        }
    }
    out.sort();
    out
}

/// The source without comments (doc links name modules too) and without string literals.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'r' && (b[i + 1..].starts_with(b"\"") || b[i + 1..].starts_with(b"#")) {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while j < b.len() && b[j] == b'#' {
                hashes += 1;
                j += 1;
            }
            if j < b.len() && b[j] == b'"' && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                j += 1;
                while j < b.len() && !b[j..].starts_with(&close) {
                    j += 1;
                }
                i = j + close.len();
                out.push_str("\"\"");
            } else {
                out.push('r');
                i += 1;
            }
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && i + 2 < b.len() && (b[i + 2] == b'\'' || b[i + 1] == b'\\') {
            // A char literal ('"', '\'', '\n'); lifetimes are left alone.
            let mut j = i + 1;
            if b[j] == b'\\' {
                j += 1;
            }
            while j < b.len() && b[j] != b'\'' {
                j += 1;
            }
            i = j + 1;
            out.push_str("' '");
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Expands a use tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap()];
        let mut p = prefix.to_vec();
        p.extend(head);
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &p, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &p, out);
    } else if !tree.is_empty() {
        let mut p = prefix.to_vec();
        let tree = tree.split(" as ").next().unwrap();
        p.extend(tree.split("::").map(|s| s.trim().to_string()));
        out.push(p);
    }
}

/// The inline modules of a file (`mod tests { … }`): name and byte range of the body.
fn inline_modules(code: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("mod ") {
        let at = from + i;
        from = at + 4;
        if code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            continue;
        }
        let rest = &code[at + 4..];
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let after = rest[name_end..].trim_start();
        if !after.starts_with('{') {
            continue;
        }
        let open = at + 4 + name_end + (rest[name_end..].len() - after.len());
        let mut depth = 0;
        let mut end = code.len();
        for (j, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + j;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push((rest[..name_end].to_string(), open..end));
    }
    out
}

/// The paths a file names, with where: its `use` declarations and every `crate::…`/`super::…`
/// path.
fn paths_at(code: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + 4..];
        rest = after;
        if before.is_some_and(is_ident) {
            continue;
        }
        let Some(end) = after.find(';') else { break };
        let tree = &after[..end];
        if tree.starts_with("crate") || tree.starts_with("super") || tree.starts_with("self") {
            let mut found = Vec::new();
            expand(tree, &[], &mut found);
            let at = code.len() - after.len();
            out.extend(found.into_iter().map(|p| (at, p)));
        }
    }
    for root in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(root) {
            let at = from + i;
            from = at + root.len();
            if code[..at].chars().next_back().is_some_and(is_ident) {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(is_ident(c) || c == ':'))
                .map_or(code.len(), |e| at + e);
            let p: Vec<String> = code[at..end]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            // `crate::{…}` is a use tree, read above.
            if p.len() > 1 {
                out.push((at, p));
            }
        }
    }
    out
}

/// [`paths_at`] without the positions.
fn paths(code: &str) -> Vec<Vec<String>> {
    paths_at(code).into_iter().map(|(_, p)| p).collect()
}

/// The module a path names, resolved from module `m` (the deepest known module on the path).
fn resolve(
    path: &[String],
    m: &Module,
    known: &BTreeSet<Module>,
    is_mod_rs: bool,
) -> Option<Module> {
    let mut base: Module = Vec::new();
    let mut segs = path.iter().peekable();
    match segs.peek().map(|s| s.as_str()) {
        Some("crate") => {
            segs.next();
        }
        Some("super") => {
            // In `a/b.rs` (module a::b) `super` is `a`; in `a/b/mod.rs` (also a::b) it is `a` too.
            base = m.clone();
            let _ = is_mod_rs;
            while segs.peek().is_some_and(|s| s.as_str() == "super") {
                segs.next();
                base.pop();
            }
        }
        Some("self") => {
            segs.next();
            base = m.clone();
        }
        _ => return None,
    }
    let mut found = base.clone();
    let mut cur = base;
    for s in segs {
        cur.push(s.clone());
        if known.contains(&cur) {
            found = cur.clone();
        } else {
            break;
        }
    }
    Some(found)
}

fn is_within(a: &Module, b: &Module) -> bool {
    a.len() >= b.len() && a[..b.len()] == b[..]
}

fn show(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

#[test]
fn imports_flow_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = modules(&src);
    let known: BTreeSet<Module> = files.iter().map(|(_, m)| m.clone()).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (path, m) in &files {
        let code = code_of(&std::fs::read_to_string(path).unwrap());
        let mod_rs = path.file_name().is_some_and(|f| f == "mod.rs");
        let inline = inline_modules(&code);
        for (at, p) in paths_at(&code) {
            // The module the path is written in: the file's, or an inline module inside it.
            let mut here = m.clone();
            here.extend(
                inline
                    .iter()
                    .filter(|(_, r)| r.contains(&at))
                    .map(|(name, _)| name.clone()),
            );
            let Some(to) = resolve(&p, &here, &known, mod_rs) else {
                continue;
            };
            // A module and its own parents or children share items freely; the crate root's
            // items (the driver's) are not shared.
            if to == *m || (!to.is_empty() && (is_within(&to, m) || is_within(m, &to))) {
                continue;
            }
            if rank(&to) > rank(m) {
                wrong.push(format!(
                    "{} (layer {}) imports {} (layer {}): `{}`",
                    show(m),
                    rank(m),
                    show(&to),
                    rank(&to),
                    p.join("::")
                ));
            }
            // A unit-test module may use its module's siblings to build input (no cycle check).
            if !here[m.len()..].iter().any(|n| n == "tests") {
                edges.entry(m.clone()).or_default().insert(to);
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );

    // No cycle between two modules that are not one inside the other: each module's imports
    // are lifted to the top-level modules and to the siblings they name.
    let mut cycles = Vec::new();
    for (a, tos) in edges.iter().filter(|(a, _)| !a.is_empty()) {
        for b in tos.iter().filter(|b| !b.is_empty()) {
            if let Some(back) = path_between(&edges, b, a) {
                let mut c = vec![show(a), show(b)];
                c.extend(back.iter().skip(1).map(show));
                cycles.push(c.join(" → "));
            }
        }
    }
    cycles.sort();
    cycles.dedup();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

/// A chain of imports from `from` back to `to` (or to a module inside it, or one `to` is
/// inside), ignoring parent/child links.
fn path_between(
    edges: &BTreeMap<Module, BTreeSet<Module>>,
    from: &Module,
    to: &Module,
) -> Option<Vec<Module>> {
    let mut seen = BTreeSet::new();
    let mut queue = std::collections::VecDeque::from([vec![from.clone()]]);
    while let Some(chain) = queue.pop_front() {
        let last = chain.last().unwrap().clone();
        if !seen.insert(last.clone()) {
            continue;
        }
        // The edges of `last` and of every module inside it.
        for (m, tos) in edges.range(last.clone()..) {
            if !is_within(m, &last) {
                break;
            }
            for t in tos {
                if t.is_empty() {
                    continue;
                }
                if is_within(t, to) || is_within(to, t) {
                    let mut c = chain.clone();
                    c.push(t.clone());
                    return Some(c);
                }
                let mut c = chain.clone();
                c.push(t.clone());
                queue.push_back(c);
            }
        }
    }
    None
}

#[test]
fn the_parser_of_this_test_reads_use_trees() {
    let code = code_of(
        "use crate::{a::{b, c::D}, e};\n// use crate::zz;\nlet s = \"crate::yy\";\nfn f() { crate::g::h(); super::k::l; }\n",
    );
    let mut p = paths(&code);
    p.sort();
    let joined: Vec<String> = p.iter().map(|x| x.join("::")).collect();
    assert_eq!(
        joined,
        [
            "crate::a::b",
            "crate::a::c::D",
            "crate::e",
            "crate::g::h",
            "super::k::l"
        ]
    );
}
