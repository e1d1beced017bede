//! Literal stream descriptors: an argument with a `:` is a descriptor written inline
//! (spec/cli.md §10.3), e.g. `rest:`, `file:/data/in.jsons`, `inline:1,2,3`, `discard:`.

use crate::error::{Error, Result};
use base64::Engine as _;
use serde_json::{json, Value};

const EXAMPLES: &[(&str, &str)] = &[
    ("http", "https://myhost.com/mydata.json"),
    ("https", "https://myhost.com/mydata.json"),
    ("kafka", "kafka:mybroker:9092/topic.json"),
    ("rest", "rest:"),
    ("rest-chunked", "rest-chunked:"),
    ("file", "file:/path/to/mydata.json"),
    ("tcp", "tcp:myhost.com:1234"),
    ("udp", "udp:10.0.0.1:124"),
    ("exec", "exec:myscript.sh"),
    ("inline", "inline:1,2,3"),
    ("inline-chunked", "inline-chunked:%06abc"),
    ("discard", "discard:"),
];

pub fn is_literal(arg: &str) -> bool {
    arg.contains(':')
}

/// The descriptor a literal stands for.
pub fn expand(arg: &str) -> Result<Value> {
    let (tag, rest) = arg.split_once(':').unwrap_or((arg, ""));
    let example = EXAMPLES
        .iter()
        .find(|(t, _)| *t == tag)
        .map(|(_, e)| *e)
        .ok_or_else(|| Error::new(format!("transport tag unknown: {tag}")))?;
    let parse_error = || {
        Error::new(format!(
            "literal descriptor parse error (a valid {tag} literal example: {example})"
        ))
    };
    let (transport, guess) = match tag {
        "http" | "https" => (json!({"Type": "HTTP", "Url": arg}), Some(rest)),
        "kafka" => {
            let (broker, topic) = rest.split_once('/').ok_or_else(parse_error)?;
            if topic.contains('/') {
                return Err(parse_error());
            }
            let (host, port) = match broker.split_once(':') {
                Some((h, p)) => (h, p.parse::<u16>().map_err(|_| parse_error())?),
                None => (broker, 9092),
            };
            let topic = topic.rsplit_once('.').map_or(topic, |(t, _)| t);
            (
                json!({"Type": "Kafka", "BootstrapServers": [format!("{host}:{port}")], "Topic": topic}),
                Some(rest),
            )
        }
        "rest" | "discard" | "rest-chunked" if !rest.is_empty() => return Err(parse_error()),
        "rest" => (json!("REST"), None),
        "rest-chunked" => (json!({"Type": "REST", "Mode": "chunked"}), None),
        "discard" => (json!("discard"), None),
        "file" if !rest.starts_with('/') => return Err(parse_error()),
        "file" => (json!({"Type": "file", "Path": rest}), Some(rest)),
        "tcp" | "udp" => {
            let (host, port) = rest.split_once(':').ok_or_else(parse_error)?;
            let port: u16 = port.parse().map_err(|_| parse_error())?;
            let transport = match (tag, host) {
                ("tcp", "") => json!({"Type": "TCP", "Host": "0.0.0.0", "Port": port}),
                ("tcp", h) => json!({"Type": "TCP", "Host": h, "Port": port}),
                (_, "") => json!({"Type": "UDP", "Port": port}),
                (_, h) => json!({"Type": "UDP", "Port": port, "Host": h}),
            };
            (transport, None)
        }
        "exec" => (json!({"Type": "exec", "Run": rest}), None),
        "inline" if rest.contains('%') => {
            let items: Vec<String> = crate::fleet::http::percent_decode_bytes(rest)
                .split(|b| *b == b',')
                .map(|item| base64::engine::general_purpose::STANDARD.encode(item))
                .collect();
            (json!({"Type": "inline", "DataBinary": items}), None)
        }
        "inline" => (
            json!({"Type": "inline", "Data": rest.split(',').collect::<Vec<_>>()}),
            None,
        ),
        "inline-chunked" if rest.contains('%') => {
            let bytes = crate::fleet::http::percent_decode_bytes(rest);
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            (json!({"Type": "inline", "DataBinary": data}), None)
        }
        _ => (json!({"Type": "inline", "Data": rest}), None),
    };
    let encoding = match guess {
        Some(s) if s.ends_with(".avro") => json!("avro-binary"),
        Some(s) if s.ends_with(".utf8") => json!("utf8"),
        Some(s) if s.ends_with(".bin") => Value::Null,
        _ => json!("json"),
    };
    Ok(json!({"Transport": transport, "Encoding": encoding}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(arg: &str) -> String {
        crate::json::compact(&expand(arg).unwrap())
    }

    #[test]
    fn spec_examples() {
        assert_eq!(
            compact("rest:"),
            r#"{"Transport": "REST", "Encoding": "json"}"#
        );
        assert_eq!(
            compact("inline:1,2,3"),
            r#"{"Transport": {"Type": "inline", "Data": ["1", "2", "3"]}, "Encoding": "json"}"#
        );
        assert_eq!(
            compact("kafka:mybroker:9093/topic.avro"),
            r#"{"Transport": {"Type": "Kafka", "BootstrapServers": ["mybroker:9093"], "Topic": "topic"}, "Encoding": "avro-binary"}"#
        );
        assert_eq!(
            compact("kafka:mybroker/t1.x.bin"),
            r#"{"Transport": {"Type": "Kafka", "BootstrapServers": ["mybroker:9092"], "Topic": "t1.x"}, "Encoding": null}"#
        );
        assert_eq!(
            compact("file:/path/to/data.utf8"),
            r#"{"Transport": {"Type": "file", "Path": "/path/to/data.utf8"}, "Encoding": "utf8"}"#
        );
        assert_eq!(
            compact("tcp::1234"),
            r#"{"Transport": {"Type": "TCP", "Host": "0.0.0.0", "Port": 1234}, "Encoding": "json"}"#
        );
        assert_eq!(
            compact("udp:10.0.0.1:124"),
            r#"{"Transport": {"Type": "UDP", "Port": 124, "Host": "10.0.0.1"}, "Encoding": "json"}"#
        );
        assert_eq!(
            compact("https://h/x.avro"),
            r#"{"Transport": {"Type": "HTTP", "Url": "https://h/x.avro"}, "Encoding": "avro-binary"}"#
        );
        assert_eq!(
            compact("discard:"),
            r#"{"Transport": "discard", "Encoding": "json"}"#
        );
        assert_eq!(
            compact("inline:%31,2"),
            r#"{"Transport": {"Type": "inline", "DataBinary": ["MQ==", "Mg=="]}, "Encoding": "json"}"#
        );
        assert_eq!(
            compact("inline-chunked:%06%02%04%06"),
            r#"{"Transport": {"Type": "inline", "DataBinary": "BgIEBg=="}, "Encoding": "json"}"#
        );
    }

    #[test]
    fn parse_errors() {
        for bad in [
            "file:rel",
            "rest:x",
            "tcp:1234",
            "kafka:a/t/u",
            "kafka:a:b:c/t",
            "kafka:a:x/t",
        ] {
            let e = expand(bad).unwrap_err().to_string();
            assert!(e.contains("literal descriptor parse error"), "{bad}: {e}");
        }
        assert_eq!(
            expand("foo:bar").unwrap_err().to_string(),
            "Error: transport tag unknown: foo"
        );
    }
}
