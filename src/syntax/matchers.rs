//! Alertmanager label matchers: how they are written (quoted values, regex literals) and read
//! back (`name="value"`, `name=~"regex"`, lists in braces), and how they match a label value.

/// Escapes a label value for a matcher in double quotes (backslash, quote, newline).
pub fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Escapes a literal for a Go (RE2) regular expression.
pub fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Why a matcher does not read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MatcherError {
    #[error("bad regular expression `{pattern}`: {error}")]
    Regex {
        pattern: String,
        error: Box<regex::Error>,
    },
    #[error("`{0}`: expected a label name")]
    NoName(String),
    #[error("`{text}`: expected =, !=, =~ or !~ after `{name}`")]
    NoOperator { text: String, name: String },
    #[error("`{0}`: unterminated quoted value")]
    Unterminated(String),
    #[error("`{0}`: dangling escape")]
    DanglingEscape(String),
    #[error("`{0}`: unescaped quote in the value")]
    UnescapedQuote(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    NotEq,
    Re,
    NotRe,
}

/// One Alertmanager label matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: Op,
    pub value: String,
    re: Option<regex::Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, o: &Matcher) -> bool {
        self.name == o.name && self.op == o.op && self.value == o.value
    }
}

impl Matcher {
    /// `name="value"`.
    pub fn equal(name: &str, value: &str) -> Matcher {
        Matcher {
            name: name.to_string(),
            op: Op::Eq,
            value: value.to_string(),
            re: None,
        }
    }

    /// `name=~".+"`: the label is present (non-empty).
    pub fn present(name: &str) -> Matcher {
        Matcher::regex_of(name, ".+".to_string())
    }

    /// `name=~"a|b"`: the label is one of `values`, matched literally.
    pub fn any_of(name: &str, values: &[&str]) -> Matcher {
        let alternation = values
            .iter()
            .map(|v| regex_escape(v))
            .collect::<Vec<_>>()
            .join("|");
        Matcher::regex_of(name, alternation)
    }

    /// A regex matcher on a pattern built here from escaped literals, which always compiles.
    fn regex_of(name: &str, pattern: String) -> Matcher {
        Matcher {
            name: name.to_string(),
            op: Op::Re,
            re: regex::Regex::new(&format!("^(?:{pattern})$")).ok(),
            value: pattern,
        }
    }

    pub fn new(name: &str, op: Op, value: &str) -> Result<Matcher, MatcherError> {
        let re = match op {
            Op::Re | Op::NotRe => {
                Some(regex::Regex::new(&format!("^(?:{value})$")).map_err(|e| {
                    MatcherError::Regex {
                        pattern: value.to_string(),
                        error: Box::new(e),
                    }
                })?)
            }
            _ => None,
        };
        Ok(Matcher {
            name: name.to_string(),
            op,
            value: value.to_string(),
            re,
        })
    }

    /// Whether a label value matches (a missing label is the empty string, as in Alertmanager).
    pub fn matches(&self, v: &str) -> bool {
        match self.op {
            Op::Eq => v == self.value,
            Op::NotEq => v != self.value,
            Op::Re => self.re.as_ref().is_some_and(|r| r.is_match(v)),
            Op::NotRe => !self.re.as_ref().is_some_and(|r| r.is_match(v)),
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            Op::Eq => "=",
            Op::NotEq => "!=",
            Op::Re => "=~",
            Op::NotRe => "!~",
        };
        write!(f, "{}{op}{}", self.name, quote(&self.value))
    }
}

/// A matcher is written to YAML as its text (`name="value"`), as Alertmanager reads it.
impl serde::Serialize for Matcher {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Parses one matcher (`name="value"`, `name=~"regex"`, `name!=value`).
pub fn parse_matcher(s: &str) -> Result<Matcher, MatcherError> {
    let s = s.trim();
    let name_end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(s.len());
    let name = &s[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(MatcherError::NoName(s.to_string()));
    }
    let rest = s[name_end..].trim_start();
    let (op, rest) = if let Some(r) = rest.strip_prefix("=~") {
        (Op::Re, r)
    } else if let Some(r) = rest.strip_prefix("!~") {
        (Op::NotRe, r)
    } else if let Some(r) = rest.strip_prefix("!=") {
        (Op::NotEq, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (Op::Eq, r)
    } else {
        return Err(MatcherError::NoOperator {
            text: s.to_string(),
            name: name.to_string(),
        });
    };
    let rest = rest.trim();
    let value = if let Some(q) = rest.strip_prefix('"') {
        let Some(body) = q.strip_suffix('"') else {
            return Err(MatcherError::Unterminated(s.to_string()));
        };
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(c @ ('\\' | '"')) => out.push(c),
                    Some(c) => {
                        out.push('\\');
                        out.push(c);
                    }
                    None => return Err(MatcherError::DanglingEscape(s.to_string())),
                }
            } else if c == '"' {
                return Err(MatcherError::UnescapedQuote(s.to_string()));
            } else {
                out.push(c);
            }
        }
        out
    } else {
        rest.to_string()
    };
    Matcher::new(name, op, &value)
}

/// Parses a matcher list as Alertmanager reads one item of `matchers`: comma-separated,
/// optionally in braces.
pub fn parse_matchers(s: &str) -> Result<Vec<Matcher>, MatcherError> {
    let t = s.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in t.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quoted {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == ',' && !quoted {
            if !cur.trim().is_empty() {
                out.push(parse_matcher(&cur)?);
            }
            cur.clear();
            continue;
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(parse_matcher(&cur)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{Matcher, parse_matcher, parse_matchers, regex_escape};

    #[test]
    fn matchers_parse_like_alertmanager() {
        let m = parse_matchers(r#"{team="pay,ments", severity=~"page|ticket"}"#).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].value, "pay,ments");
        assert!(
            m[1].matches("page") && !m[1].matches("pages"),
            "regexes are anchored"
        );
        let m = parse_matcher(r#"x="a\"b\\c\nd""#).unwrap();
        assert_eq!(m.value, "a\"b\\c\nd");
        assert_eq!(m.to_string(), r#"x="a\"b\\c\nd""#);
        assert!(
            parse_matcher("env!=prod").unwrap().matches(""),
            "a negative matcher matches a missing label"
        );
        assert!(parse_matcher("x=").unwrap().matches(""));
        assert!(
            parse_matcher("=x").is_err()
                && parse_matcher("x~y").is_err()
                && parse_matcher(r#"x="y"#).is_err()
        );
    }

    #[test]
    fn matcher_values_are_escaped() {
        assert_eq!(
            Matcher::equal("team", "a\"b\\c\nd").to_string(),
            r#"team="a\"b\\c\nd""#
        );
        assert_eq!(Matcher::present("slo").to_string(), r#"slo=~".+""#);
        let any = Matcher::any_of("team", &["a.b", "c"]);
        assert_eq!(any.to_string(), r#"team=~"a\\.b|c""#);
        assert!(any.matches("a.b") && any.matches("c") && !any.matches("axb"));
        assert_eq!(regex_escape("a.b|c"), r"a\.b\|c");
    }
}
