//! YAML the way the original CLI (PyYAML) reads and writes it: every scalar read as a string
//! (`BaseLoader`), and block-style dumps with sorted keys and quoting only where needed.

use serde_json::Value;
use std::sync::LazyLock;
use yaml_rust2::parser::{Event, EventReceiver, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// A YAML document with all scalars kept as text.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
    /// The scalar's text and whether it was written plain (unquoted).
    Scalar(String, bool),
}

impl Node {
    /// The value of a plain `null`, `~` or empty scalar is null; everything else is a string.
    pub fn as_nullable_str(&self) -> Option<Option<&str>> {
        match self {
            Node::Scalar(s, true) if matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL") => {
                Some(None)
            }
            Node::Scalar(s, _) => Some(Some(s)),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Strings all the way down, as PyYAML's `BaseLoader` gives them.
    pub fn to_json(&self) -> Value {
        match self {
            Node::Map(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
            Node::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Node::Scalar(s, _) => Value::String(s.clone()),
        }
    }
}

/// Parse the first document of `text`; `None` for an empty stream.
pub fn parse(text: &str) -> Result<Option<Node>, String> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut builder, false)
        .map_err(|e| e.to_string())?;
    if let Some(error) = builder.error {
        return Err(error);
    }
    Ok(builder.root)
}

enum Frame {
    Seq(Vec<Node>, usize),
    Map(Vec<(String, Node)>, Option<String>, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    root: Option<Node>,
    error: Option<String>,
}

impl Builder {
    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq(items, _)) => items.push(node),
            Some(Frame::Map(members, key, _)) => match key.take() {
                None => match node {
                    Node::Scalar(k, _) => *key = Some(k),
                    _ => self.error = Some("mapping keys must be plain values".into()),
                },
                Some(k) => members.push((k, node)),
            },
        }
    }
}

impl EventReceiver for Builder {
    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Scalar(text, style, anchor, _) => {
                self.finish(Node::Scalar(text, style == TScalarStyle::Plain), anchor)
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq(Vec::new(), anchor)),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map(Vec::new(), None, anchor)),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq(items, anchor)) => self.finish(Node::Seq(items), anchor),
                Some(Frame::Map(members, _, anchor)) => self.finish(Node::Map(members), anchor),
                None => {}
            },
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone());
                match node {
                    Some(n) => self.finish(n, 0),
                    None => self.error = Some("unknown alias".into()),
                }
            }
            _ => {}
        }
    }
}

/// Options of a PyYAML dump that matter to us.
#[derive(Clone, Copy)]
pub struct Style {
    /// `allow_unicode=True`: non-ASCII text is written as is instead of escaped.
    pub allow_unicode: bool,
}

/// `yaml.dump(value, default_flow_style=False)`: block style, keys sorted.
pub fn dump(value: &Value, style: Style) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0, style),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0, style),
        Value::Object(_) => out.push_str("{}\n"),
        Value::Array(_) => out.push_str("[]\n"),
        scalar => {
            let text = scalar_text(scalar, style);
            out.push_str(&text);
            out.push('\n');
            if !text.starts_with(['\'', '"']) {
                out.push_str("...\n");
            }
        }
    }
    out
}

fn write_map(out: &mut String, m: &serde_json::Map<String, Value>, indent: usize, style: Style) {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    for key in keys {
        let value = &m[key.as_str()];
        out.extend(std::iter::repeat_n(' ', indent));
        out.push_str(&string_text(key, style));
        out.push(':');
        write_nested(out, value, indent, indent + 2, style);
    }
}

/// The value after `key:` or `- `: inline when it is a scalar or empty, else on the next lines.
fn write_nested(out: &mut String, value: &Value, indent: usize, map_indent: usize, style: Style) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, map_indent, style);
        }
        // PyYAML writes a sequence inside a mapping at the mapping's own indentation.
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(out, a, indent, style);
        }
        other => {
            out.push(' ');
            out.push_str(&flow_text(other, style));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize, style: Style) {
    for item in items {
        out.extend(std::iter::repeat_n(' ', indent));
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first key goes on the dash line, the rest line up under it.
                let mut first = String::new();
                write_map(&mut first, m, indent + 2, style);
                out.push(' ');
                out.push_str(&first[indent + 2..]);
            }
            Value::Array(a) if !a.is_empty() => {
                let mut inner = String::new();
                write_seq(&mut inner, a, indent + 2, style);
                out.push(' ');
                out.push_str(&inner[indent + 2..]);
            }
            other => {
                out.push(' ');
                out.push_str(&flow_text(other, style));
                out.push('\n');
            }
        }
    }
}

fn flow_text(value: &Value, style: Style) -> String {
    match value {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        scalar => scalar_text(scalar, style),
    }
}

fn scalar_text(value: &Value, style: Style) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_f64() => yaml_float(n.as_f64().unwrap_or(0.0)),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_text(s, style),
        _ => String::new(),
    }
}

fn yaml_float(x: f64) -> String {
    if x.is_nan() {
        return ".nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let text = crate::json::python_float(x);
    match text.split_once('e') {
        Some((m, e)) if !m.contains('.') => format!("{m}.0e{e}"),
        _ => text,
    }
}

static RESOLVES_AS_OTHER: LazyLock<regex_lite::Regex> = LazyLock::new(|| {
    let patterns = [
        // bool, null, merge, value
        r"yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
        r"~|null|Null|NULL|<<|=",
        // int
        r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
        // float
        r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        // timestamp
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?",
    ];
    let alternatives: Vec<String> = patterns.iter().map(|p| format!("^(?:{p})$")).collect();
    regex_lite::Regex::new(&alternatives.join("|")).expect("static YAML resolver pattern")
});

/// A string scalar: plain when PyYAML would write it plain, else quoted.
fn string_text(s: &str, style: Style) -> String {
    if s.chars().any(|c| special(c, style)) || s.contains('\n') {
        return double_quoted(s, style);
    }
    if plain_allowed(s) && !RESOLVES_AS_OTHER.is_match(s) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "''"))
}

fn plain_allowed(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with(' ') || s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return false;
    }
    let second = s[first.len_utf8()..].chars().next();
    if "-?:".contains(first) && matches!(second, None | Some(' ')) {
        return false;
    }
    !(s.contains(": ") || s.contains(" #"))
}

/// PyYAML's `write_double_quoted`: printable characters as they are, the rest escaped with
/// its names (`\N`, `\_`, `\e`, …), else `\xXX` up to U+00FF, `\uXXXX`, `\UXXXXXXXX`.
fn double_quoted(s: &str, style: Style) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        let printable = (' '..='~').contains(&c)
            || (style.allow_unicode
                && (('\u{a0}'..='\u{d7ff}').contains(&c)
                    || ('\u{e000}'..='\u{fffd}').contains(&c)));
        if printable && !matches!(c, '"' | '\\' | '\u{feff}') {
            out.push(c);
            continue;
        }
        let named = match c {
            '\0' => "0",
            '\u{7}' => "a",
            '\u{8}' => "b",
            '\t' => "t",
            '\n' => "n",
            '\u{b}' => "v",
            '\u{c}' => "f",
            '\r' => "r",
            '\u{1b}' => "e",
            '"' => "\"",
            '\\' => "\\",
            '\u{85}' => "N",
            '\u{a0}' => "_",
            '\u{2028}' => "L",
            '\u{2029}' => "P",
            _ => "",
        };
        let code = c as u32;
        match (named, code) {
            ("", 0..=0xff) => out.push_str(&format!("\\x{code:02X}")),
            ("", 0x100..=0xffff) => out.push_str(&format!("\\u{code:04X}")),
            ("", _) => out.push_str(&format!("\\U{code:08X}")),
            (name, _) => {
                out.push('\\');
                out.push_str(name);
            }
        }
    }
    out.push('"');
    out
}

/// PyYAML's `analyze_scalar`: characters that force the double-quoted style.
fn special(c: char, style: Style) -> bool {
    if c == '\n' || (' '..='~').contains(&c) {
        return false;
    }
    let unicode = (c == '\u{85}'
        || ('\u{a0}'..='\u{d7ff}').contains(&c)
        || ('\u{e000}'..='\u{fffd}').contains(&c)
        || c >= '\u{10000}')
        && c != '\u{feff}';
    !unicode || !style.allow_unicode
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STYLE: Style = Style {
        allow_unicode: true,
    };

    #[test]
    fn escapes_like_pyyaml() {
        // (text, allow_unicode=False, allow_unicode=True), as PyYAML 6 dumps {"k": text}
        let cases = [
            ("caf\u{e9}", "\"caf\\xE9\"", "caf\u{e9}"),
            ("\u{a0}x", "\"\\_x\"", "\u{a0}x"),
            ("\u{80}\u{ff}", "\"\\x80\\xFF\"", "\"\\x80\u{ff}\""),
            ("\u{100}", "\"\\u0100\"", "\u{100}"),
            ("\u{1f600}", "\"\\U0001F600\"", "\u{1f600}"),
            ("tab\there", "\"tab\\there\"", "\"tab\\there\""),
            ("\u{1b}", "\"\\e\"", "\"\\e\""),
            ("\u{feff}", "\"\\uFEFF\"", "\"\\uFEFF\""),
            ("a\u{85}b", "\"a\\Nb\"", ""),
        ];
        for (text, ascii, unicode) in cases {
            let doc = json!({ "k": text });
            let plain = Style {
                allow_unicode: false,
            };
            assert_eq!(dump(&doc, plain), format!("k: {ascii}\n"), "{text:?}");
            if !unicode.is_empty() {
                assert_eq!(dump(&doc, STYLE), format!("k: {unicode}\n"), "{text:?}");
            }
        }
    }

    #[test]
    fn dumps_like_pyyaml() {
        let doc = json!({"fastscore": {"fleet": [{"api": "model-manage", "port": "8002", "host": "model-manage"}],
                          "db": {"type": "mysql", "port": "3306", "host": "database"}}});
        assert_eq!(
            dump(&doc, STYLE),
            "fastscore:\n  db:\n    host: database\n    port: '3306'\n    type: mysql\n  fleet:\n  - api: model-manage\n    host: model-manage\n    port: '8002'\n"
        );
    }

    #[test]
    fn quotes_strings_that_would_read_back_as_something_else() {
        for (s, text) in [
            ("null", "'null'"),
            ("", "''"),
            ("true", "'true'"),
            ("1.5", "'1.5'"),
            ("2018-01-17", "'2018-01-17'"),
            ("https://localhost:8000", "https://localhost:8000"),
            ("Basic dXNlcjpwYXNz", "Basic dXNlcjpwYXNz"),
            ("a: b", "'a: b'"),
            ("it's", "it's"),
            ("- x", "'- x'"),
        ] {
            assert_eq!(string_text(s, STYLE), text, "{s}");
        }
    }

    #[test]
    fn reads_every_scalar_as_text() {
        let node = parse("a: 3306\nb: null\nc: 'null'\nd: [x, 1]\n")
            .unwrap()
            .unwrap();
        assert_eq!(node.get("a").unwrap().as_nullable_str(), Some(Some("3306")));
        assert_eq!(node.get("b").unwrap().as_nullable_str(), Some(None));
        assert_eq!(node.get("c").unwrap().as_nullable_str(), Some(Some("null")));
        assert_eq!(node.to_json()["d"], json!(["x", "1"]));
    }
}
