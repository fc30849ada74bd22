//! A small generator of documents in the shapes the reader reads (and some it does not):
//! whatever it reads must agree with the full parser.

use super::tests::agrees_as_tree;

/// A small generator of documents in the shapes this reader reads (and some it does not):
/// whatever it reads must agree with the full parser.
#[test]
fn generated_documents_agree_with_the_full_parser() {
    let mut g = Gen {
        state: 0x9e37_79b9_7f4a_7c15,
        anchors: Vec::new(),
    };
    let mut read_count = 0;
    for _ in 0..10_000 {
        let mut doc = String::new();
        if g.next(8) == 0 {
            doc.push_str("---\n");
        }
        g.anchors.clear();
        g.map(&mut doc, 0, 0);
        if agrees_as_tree(&doc) {
            read_count += 1;
        }
    }
    // Many of them are read (the others hold something it leaves to the full parser).
    assert!(read_count > 800, "{read_count}");
}

struct Gen {
    state: u64,
    anchors: Vec<String>,
}

/// Scalars on their own (block values, sequence items, flow entries).
const SCALARS: &[&str] = &[
    "x",
    "two words",
    "'it''s'",
    "\"a\\\"b\"",
    "\"\\u00e9\"",
    "\"\\t\\x85\\\\\"",
    "'a: b'",
    "\"# in quotes\"",
    "a#b",
    "x #c",
    "\"x\" #c",
    "'x'#c",
    "http_requests_total{job=\"x\"}",
    "'{a: b}'",
    "\"x,y\"",
    "'[x]'",
    "sum(rate(x[5m]))",
    "-x",
    "a,b",
    "a: b",
    "'multi",
    "\"\\x41\"",
    "\"\\ud83d\"",
    "on",
    "x  ",
    "é",
];

impl Gen {
    fn next(&mut self, n: usize) -> usize {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        (self.state % n as u64) as usize
    }

    fn scalar(&mut self) -> &'static str {
        SCALARS[self.next(SCALARS.len())]
    }

    fn key(&mut self, k: usize) -> String {
        match self.next(40) {
            0 => "'q'".into(),
            1 => "y".into(),
            2 => "k0".into(),
            _ => format!("k{k}"),
        }
    }

    fn anchor(&mut self) -> Option<String> {
        (self.next(6) == 0).then(|| format!("a{}", self.next(4)))
    }

    fn alias(&mut self) -> Option<String> {
        let n = self.anchors.len();
        if n == 0 {
            return None;
        }
        let i = self.next(n);
        Some(self.anchors[i].clone())
    }

    fn map(&mut self, out: &mut String, indent: usize, depth: usize) {
        for k in 0..1 + self.next(4) {
            out.push_str(&" ".repeat(indent));
            let key = self.key(k);
            out.push_str(&key);
            out.push(':');
            self.value(out, indent, depth, true);
            if self.next(8) == 0 {
                let spaces = self.next(6);
                out.push_str(&" ".repeat(spaces));
                out.push_str("# comment\n");
            }
            if self.next(10) == 0 {
                out.push('\n');
            }
        }
        if self.next(6) == 0
            && let Some(a) = self.alias()
        {
            out.push_str(&" ".repeat(indent));
            if self.next(3) == 0 {
                let b = self.alias().unwrap_or_default();
                out.push_str(&format!("<<: [*{a}, *{b}]\n"));
            } else {
                out.push_str(&format!("<<: *{a}\n"));
            }
        }
    }

    /// A value after `key:` (or after `-`), with its line break.
    fn value(&mut self, out: &mut String, indent: usize, depth: usize, in_map: bool) {
        let anchor = self.anchor();
        let prefix = anchor.as_ref().map_or(String::new(), |a| format!(" &{a}"));
        let choice = if depth > 3 {
            self.next(5)
        } else {
            self.next(11)
        };
        match choice {
            0 | 1 => {
                let s = self.scalar();
                let comment = if self.next(4) == 0 { " # c" } else { "" };
                out.push_str(&format!("{prefix} {s}{comment}\n"));
            }
            2 if anchor.is_none() && !self.anchors.is_empty() => {
                let a = self.alias().unwrap_or_default();
                out.push_str(&format!(" *{a}\n"));
            }
            2 | 3 => {
                let style = ["|", "|-", ">", ">-", "|+", "|- # c", ">2"][self.next(7)];
                out.push_str(&format!("{prefix} {style}\n"));
                let extra = self.next(3);
                for l in 0..1 + self.next(4) {
                    match self.next(6) {
                        0 if l > 0 => out.push('\n'),
                        1 if l > 0 => out.push_str(&" ".repeat(indent + self.next(5))),
                        _ => {}
                    }
                    if l > 0 && self.next(4) == 0 {
                        out.push('\n');
                    }
                    let more = if l > 0 { self.next(2) * extra } else { 0 };
                    out.push_str(&" ".repeat(indent + 2 + more));
                    let line = ["text", "# hash", "a: b", "'q'", "- item"][self.next(5)];
                    out.push_str(line);
                    out.push('\n');
                }
            }
            4 => {
                out.push_str(&prefix);
                out.push(' ');
                self.flow(out, indent, 0);
                if self.next(5) == 0 {
                    out.push_str(" # c");
                }
                out.push('\n');
            }
            5 | 6 => {
                out.push_str(&prefix);
                out.push('\n');
                self.map(out, indent + 2, depth + 1);
            }
            7 if in_map => {
                // A sequence at the key's own indentation.
                out.push_str(&prefix);
                out.push('\n');
                self.seq(out, indent, depth + 1);
            }
            _ => {
                out.push_str(&prefix);
                out.push('\n');
                let inner = indent + 2 + 2 * self.next(2);
                self.seq(out, inner, depth + 1);
            }
        }
        if let Some(a) = anchor {
            self.anchors.push(a);
        }
    }

    fn seq(&mut self, out: &mut String, indent: usize, depth: usize) {
        for _ in 0..1 + self.next(3) {
            out.push_str(&" ".repeat(indent));
            out.push('-');
            match self.next(4) {
                0 => {
                    // A mapping that starts on the item's line.
                    out.push_str(&" ".repeat(1 + self.next(3) * self.next(2)));
                    let at = out.len();
                    self.map(out, indent + 2, depth + 1);
                    let first = out[at..].trim_start().to_string();
                    out.truncate(at);
                    out.push_str(&first);
                }
                _ => self.value(out, indent, depth, false),
            }
        }
    }

    fn flow(&mut self, out: &mut String, indent: usize, depth: usize) {
        let map = self.next(2) == 0;
        if depth > 0
            && let Some(a) = self.anchor()
        {
            out.push_str(&format!("&{a} "));
        }
        out.push(if map { '{' } else { '[' });
        let n = self.next(4);
        for i in 0..n {
            if i > 0 {
                out.push(',');
                if self.next(8) == 0 {
                    out.push_str(" # c");
                }
            }
            if self.next(5) == 0 {
                out.push('\n');
                let spaces = indent + self.next(5);
                out.push_str(&" ".repeat(spaces));
            } else {
                out.push(' ');
            }
            if map {
                let key = self.key(i);
                out.push_str(&key);
                out.push_str(": ");
            }
            match self.next(if depth > 2 { 2 } else { 4 }) {
                0 => {
                    let s = self.scalar();
                    out.push_str(s);
                }
                1 if !self.anchors.is_empty() => {
                    let a = self.alias().unwrap_or_default();
                    out.push('*');
                    out.push_str(&a);
                }
                _ => self.flow(out, indent, depth + 1),
            }
        }
        if self.next(6) == 0 {
            out.push('\n');
            let spaces = indent + self.next(3);
            out.push_str(&" ".repeat(spaces));
        }
        out.push(if map { '}' } else { ']' });
    }
}
