//! JSON text exactly as Python's `json.dumps` writes it: `ensure_ascii`, `", "`/`": "`
//! separators when compact, 2-space indentation when pretty, floats in Python's repr.

use serde_json::Value;
use std::fmt::Write;

/// `json.dumps(value, indent=2)`.
pub fn pretty(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, Some(2), 0);
    out
}

/// `json.dumps(value)`: one line, `", "` and `": "` separators.
pub fn compact(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, None, 0);
    out
}

fn write_value(out: &mut String, value: &Value, indent: Option<usize>, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separator(out, i, indent, depth + 1);
                write_value(out, item, indent, depth + 1);
            }
            close(out, indent, depth, ']');
        }
        Value::Object(members) => {
            if members.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (key, item)) in members.iter().enumerate() {
                separator(out, i, indent, depth + 1);
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item, indent, depth + 1);
            }
            close(out, indent, depth, '}');
        }
    }
}

fn separator(out: &mut String, index: usize, indent: Option<usize>, depth: usize) {
    match indent {
        Some(width) => {
            if index > 0 {
                out.push(',');
            }
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', width * depth));
        }
        None if index > 0 => out.push_str(", "),
        None => {}
    }
}

fn close(out: &mut String, indent: Option<usize>, depth: usize, bracket: char) {
    if let Some(width) = indent {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', width * depth));
    }
    out.push(bracket);
}

fn write_number(out: &mut String, n: &serde_json::Number) {
    if n.is_f64() {
        out.push_str(&python_float(n.as_f64().unwrap_or(0.0)));
    } else {
        let _ = write!(out, "{n}");
    }
}

/// Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16.
pub fn python_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    // ryu's digits, as Python's, break ties to even (Rust's `{:e}` rounds them up):
    // "1.5e300", "0.001", "123.45"
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(x.abs());
    let (mantissa, exp) = text.split_once('e').unwrap_or((text, "0"));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int}{frac}");
    let digits = all.trim_start_matches('0');
    // the decimal exponent of the first significant digit
    let exp =
        exp.parse::<i32>().unwrap_or(0) + int.len() as i32 - 1 - (all.len() - digits.len()) as i32;
    let digits = digits.trim_end_matches('0');
    if (-4..16).contains(&exp) {
        let point = exp + 1; // position of the decimal point within `digits`
        let text = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        format!("{sign}{text}")
    } else {
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.to_string()
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{esign}{:02}", exp.abs())
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_follow_python_repr() {
        for (x, text) in [
            (3.0, "3.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (1e16, "1e+16"),
            (123456789.0, "123456789.0"),
            (0.0001, "0.0001"),
            (-2.5e-7, "-2.5e-07"),
            (1.5e300, "1.5e+300"),
            (0.0032884993124753237, "0.0032884993124753237"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (1e22, "1e+22"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1234567890123456.0, "1234567890123456.0"),
            (100.0, "100.0"),
            (0.00012, "0.00012"),
            // exactly halfway at the 17th digit: to the even digit, as in Python
            (233115890514796.0 + 0.125, "233115890514796.12"),
            (1658206780088562.0 + 0.25, "1658206780088562.2"),
        ] {
            assert_eq!(python_float(x), text, "{x}");
        }
    }

    #[test]
    fn pretty_matches_python_indent_2() {
        let v = json!({"a": [1, 2.5, {}], "b": "é\n", "c": []});
        assert_eq!(
            pretty(&v),
            "{\n  \"a\": [\n    1,\n    2.5,\n    {}\n  ],\n  \"b\": \"\\u00e9\\n\",\n  \"c\": []\n}"
        );
        assert_eq!(
            compact(&v),
            r#"{"a": [1, 2.5, {}], "b": "\u00e9\n", "c": []}"#
        );
    }

    #[test]
    fn astral_characters_become_surrogate_pairs() {
        assert_eq!(compact(&json!("😀")), r#""\ud83d\ude00""#);
    }
}
