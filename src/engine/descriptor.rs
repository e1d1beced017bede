//! Stream descriptors as the engine understands them (spec/engine.md §5): shortcuts and
//! defaults resolved, restrictions checked, and the internal form `stream verify` shows.

use serde_json::{json, Map, Value};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Transport {
    Rest {
        chunked: bool,
    },
    File {
        path: String,
    },
    /// Records given one by one (`Data` as an array) …
    InlineRecords(Vec<Vec<u8>>),
    /// … or as one chunk framed by the envelope (`Data` as a string).
    InlineChunk(Vec<u8>),
    Exec {
        run: String,
        args: Vec<String>,
    },
    Discard,
}

impl Transport {
    /// Record boundaries come from the transport itself.
    fn preserves_boundaries(&self) -> bool {
        matches!(
            self,
            Transport::Rest { chunked: false } | Transport::InlineRecords(_)
        )
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Transport::Rest { .. } => "rest",
            Transport::File { .. } => "file",
            Transport::InlineRecords(_) | Transport::InlineChunk(_) => "inline",
            Transport::Exec { .. } => "exec",
            Transport::Discard => "discard",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Envelope {
    None,
    Delimited(Vec<u8>),
    DelimitedCsv {
        separator: Vec<u8>,
        skip_header: bool,
        skip_blank_lines: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Encoding {
    /// Raw bytes.
    Null,
    Utf8,
    Json,
    Csv {
        quote: u8,
        delimiter: u8,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum SchemaSpec {
    /// The model's schema for the slot (the default).
    Inherit,
    /// No stream-side schema.
    Untyped,
    Inline(Value),
    Ref(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Batching {
    /// Most records per batch; `None` = unlimited.
    pub watermark: Option<usize>,
    /// Longest wait for more records; `None` = no timer.
    pub nagle: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Descriptor {
    pub transport: Transport,
    pub envelope: Envelope,
    pub encoding: Encoding,
    pub schema: SchemaSpec,
    pub batching: Batching,
    pub linger: Option<Duration>,
    pub looping: bool,
}

fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn text_of(v: &Value) -> Option<String> {
    v.as_str().map(|s| s.to_ascii_lowercase())
}

fn duration_ms(v: &Value, what: &str) -> Result<Option<Duration>, String> {
    match v {
        Value::Null => Ok(None),
        v => v
            .as_u64()
            .map(|ms| Some(Duration::from_millis(ms)))
            .ok_or_else(|| format!("{what} must be a number of milliseconds or null")),
    }
}

/// Parse and check a descriptor for the given slot.
pub fn parse(doc: &Value, slot: u32) -> Result<Descriptor, String> {
    let obj = doc
        .as_object()
        .ok_or("a stream descriptor must be a JSON object")?;
    let transport = parse_transport(field(obj, "Transport").ok_or("Transport is missing")?)?;
    let input = slot.is_multiple_of(2);
    match (&transport, input) {
        (Transport::Discard, true) => {
            return Err(
                "the discard transport can only be attached to an output slot (odd number)".into(),
            )
        }
        (Transport::InlineRecords(_) | Transport::InlineChunk(_), false) => {
            return Err(
                "the inline transport can only be attached to an input slot (even number)".into(),
            )
        }
        _ => {}
    }
    let encoding = match field(obj, "Encoding") {
        None | Some(Value::Null) => Encoding::Null,
        Some(v) => parse_encoding(v)?,
    };
    let envelope = match field(obj, "Envelope") {
        None => default_envelope(&transport, &encoding),
        Some(v) => parse_envelope(v)?,
    };
    if transport.preserves_boundaries()
        && envelope != Envelope::None
        && !matches!(
            (&transport, &envelope),
            (Transport::Rest { .. }, Envelope::Delimited(_))
        )
    {
        return Err("a transport that preserves record boundaries cannot have an envelope".into());
    }
    if matches!(envelope, Envelope::DelimitedCsv { .. })
        && !matches!(encoding, Encoding::Csv { .. })
    {
        return Err("the delimited-csv envelope requires the csv encoding".into());
    }
    let schema = match field(obj, "Schema") {
        None => SchemaSpec::Inherit,
        Some(Value::Null) => SchemaSpec::Untyped,
        Some(Value::String(s)) if s == "$inherit" => SchemaSpec::Inherit,
        Some(Value::Object(m)) if m.len() == 1 && m.contains_key("$ref") => match &m["$ref"] {
            Value::String(name) => SchemaSpec::Ref(name.clone()),
            _ => return Err("$ref must name a schema".into()),
        },
        Some(inline) => {
            crate::schema::parse(inline).map_err(|e| format!("invalid Schema: {e}"))?;
            SchemaSpec::Inline(inline.clone())
        }
    };
    let batching = match field(obj, "Batching") {
        None => Batching {
            watermark: Some(1000),
            nagle: Some(Duration::from_millis(500)),
        },
        Some(Value::Null) => Batching {
            watermark: Some(1),
            nagle: None,
        },
        Some(v) => match text_of(v).as_deref() {
            Some("normal") => Batching {
                watermark: Some(1000),
                nagle: Some(Duration::from_millis(500)),
            },
            Some("explicit") => Batching {
                watermark: None,
                nagle: None,
            },
            Some(other) => {
                return Err(format!(
                    "unknown Batching '{other}' (use normal, explicit or an object)"
                ))
            }
            None => {
                let b = v
                    .as_object()
                    .ok_or("Batching must be a string or an object")?;
                let watermark = match field(b, "Watermark") {
                    None => Some(1000),
                    Some(Value::Null) => None,
                    Some(w) => Some(
                        w.as_u64()
                            .filter(|n| *n > 0)
                            .ok_or("Watermark must be a positive number or null")?
                            as usize,
                    ),
                };
                let nagle = match field(b, "NagleTime") {
                    None => Some(Duration::from_millis(500)),
                    Some(n) => duration_ms(n, "NagleTime")?,
                };
                Batching { watermark, nagle }
            }
        },
    };
    let linger = match field(obj, "LingerTime") {
        None => Some(Duration::from_millis(3000)),
        Some(v) => duration_ms(v, "LingerTime")?,
    };
    let looping = match field(obj, "Loop") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("Loop must be true or false".into()),
    };
    if looping && !matches!(transport, Transport::File { .. }) {
        return Err("Loop needs a seekable transport (file)".into());
    }
    Ok(Descriptor {
        transport,
        envelope,
        encoding,
        schema,
        batching,
        linger,
        looping,
    })
}

fn parse_transport(v: &Value) -> Result<Transport, String> {
    let (kind, obj) = match v {
        Value::String(s) => (s.to_ascii_lowercase(), None),
        Value::Object(m) => (
            field(m, "Type")
                .and_then(text_of)
                .ok_or("Transport needs a Type")?,
            Some(m),
        ),
        _ => return Err("Transport must be a string or an object".into()),
    };
    let get = |name: &str| obj.and_then(|m| field(m, name));
    match kind.as_str() {
        "rest" => {
            let chunked = match get("Mode").and_then(text_of).as_deref() {
                None | Some("simple") => false,
                Some("chunked") => true,
                Some(other) => return Err(format!("unknown REST Mode '{other}' (use simple or chunked)")),
            };
            Ok(Transport::Rest { chunked })
        }
        "file" => {
            let path = get("Path").and_then(Value::as_str).ok_or("the file transport needs a Path")?;
            if !path.starts_with('/') {
                return Err(format!("the file Path must be absolute, not '{path}'"));
            }
            Ok(Transport::File { path: path.to_string() })
        }
        "inline" | "debug" => {
            use base64::Engine as _;
            let b64 = |s: &str| {
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|e| format!("DataBinary is not base64: {e}"))
            };
            match (get("Data"), get("DataBinary")) {
                (Some(Value::Array(items)), None) => items
                    .iter()
                    .map(|i| i.as_str().map(|s| s.as_bytes().to_vec()).ok_or_else(|| "Data items must be strings".to_string()))
                    .collect::<Result<_, _>>()
                    .map(Transport::InlineRecords),
                (Some(Value::String(s)), None) => Ok(Transport::InlineChunk(s.as_bytes().to_vec())),
                (None, Some(Value::Array(items))) => items
                    .iter()
                    .map(|i| i.as_str().ok_or_else(|| "DataBinary items must be strings".to_string()).and_then(b64))
                    .collect::<Result<_, _>>()
                    .map(Transport::InlineRecords),
                (None, Some(Value::String(s))) => Ok(Transport::InlineChunk(b64(s)?)),
                _ => Err("the inline transport needs Data or DataBinary (a string or an array of strings)".into()),
            }
        }
        "exec" => {
            let run = get("Run").and_then(Value::as_str).ok_or("the exec transport needs Run")?;
            let args = match get("Args") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|x| x.as_str().map(str::to_string).ok_or_else(|| "Args must be strings".to_string()))
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err("Args must be an array of strings".into()),
            };
            Ok(Transport::Exec { run: run.to_string(), args })
        }
        "discard" => Ok(Transport::Discard),
        "http" | "kafka" | "kafka-offset" | "s3" | "hdfs" | "odbc" | "tcp" | "udp" | "console" | "time" => {
            Err(format!("the {kind} transport is not supported by this engine (use REST, file, inline, exec or discard)"))
        }
        other => Err(format!("unknown transport '{other}'")),
    }
}

fn parse_encoding(v: &Value) -> Result<Encoding, String> {
    let (kind, obj) = match v {
        Value::String(s) => (s.to_ascii_lowercase(), None),
        Value::Object(m) => (
            field(m, "Type")
                .and_then(text_of)
                .ok_or("Encoding needs a Type")?,
            Some(m),
        ),
        _ => return Err("Encoding must be a string, an object or null".into()),
    };
    let byte = |name: &str, default: u8| -> Result<u8, String> {
        match obj.and_then(|m| field(m, name)) {
            None => Ok(default),
            Some(Value::String(s)) if s.len() == 1 => Ok(s.as_bytes()[0]),
            Some(_) => Err(format!("{name} must be a single character")),
        }
    };
    match kind.as_str() {
        "json" => Ok(Encoding::Json),
        "utf-8" | "utf8" => Ok(Encoding::Utf8),
        "csv" => Ok(Encoding::Csv {
            quote: byte("QuoteCharacter", b'"')?,
            delimiter: byte("Delimiter", b',')?,
        }),
        "avro-binary" | "msgpack" | "soap-rpc" | "bert" => Err(format!(
            "the {kind} encoding is not supported by this engine (use json, utf-8, csv or null)"
        )),
        other => Err(format!("unknown encoding '{other}'")),
    }
}

fn parse_envelope(v: &Value) -> Result<Envelope, String> {
    let (kind, obj) = match v {
        Value::Null => return Ok(Envelope::None),
        Value::String(s) => (s.to_ascii_lowercase(), None),
        Value::Object(m) => (
            field(m, "Type")
                .and_then(text_of)
                .ok_or("Envelope needs a Type")?,
            Some(m),
        ),
        _ => return Err("Envelope must be a string, an object or null".into()),
    };
    let sep = |default: &str| {
        obj.and_then(|m| field(m, "Separator"))
            .and_then(Value::as_str)
            .map(|s| s.as_bytes().to_vec())
            .unwrap_or_else(|| default.as_bytes().to_vec())
    };
    let flag = |name: &str| {
        obj.and_then(|m| field(m, name))
            .and_then(Value::as_bool)
            .unwrap_or(true)
    };
    match kind.as_str() {
        "delimited" => {
            let s = sep("\n");
            if s.is_empty() {
                return Err("the Separator cannot be empty".into());
            }
            Ok(Envelope::Delimited(s))
        }
        "delimited-csv" => Ok(Envelope::DelimitedCsv {
            separator: Some(sep("\r\n"))
                .filter(|s| !s.is_empty())
                .ok_or("the Separator cannot be empty")?,
            skip_header: flag("SkipHeader"),
            skip_blank_lines: flag("SkipBlankLines"),
        }),
        "fixed" | "ocf-block" => Err(format!(
            "the {kind} envelope is not supported by this engine"
        )),
        other => Err(format!("unknown envelope '{other}'")),
    }
}

fn default_envelope(transport: &Transport, encoding: &Encoding) -> Envelope {
    if transport.preserves_boundaries() {
        Envelope::None
    } else if matches!(encoding, Encoding::Csv { .. }) {
        // files written on Unix end lines with \n; a trailing \r is stripped when reading
        Envelope::DelimitedCsv {
            separator: b"\n".to_vec(),
            skip_header: true,
            skip_blank_lines: true,
        }
    } else {
        Envelope::Delimited(b"\n".to_vec())
    }
}

impl Descriptor {
    /// The interpreted descriptor, in the engine's internal (snake_case) form.
    pub fn internal(&self, schema: Option<&Value>) -> Value {
        let transport = match &self.transport {
            Transport::Rest { chunked } => {
                json!({"type": "rest", "mode": if *chunked { "chunked" } else { "simple" }})
            }
            Transport::File { path } => json!({"type": "file", "path": path}),
            Transport::InlineRecords(items) => {
                json!({"type": "inline", "data": items.iter().map(|i| String::from_utf8_lossy(i)).collect::<Vec<_>>()})
            }
            Transport::InlineChunk(data) => {
                json!({"type": "inline", "data": String::from_utf8_lossy(data)})
            }
            Transport::Exec { run, args } => json!({"type": "exec", "run": run, "args": args}),
            Transport::Discard => json!({"type": "discard"}),
        };
        let envelope = match &self.envelope {
            Envelope::None => Value::Null,
            Envelope::Delimited(s) => {
                json!({"type": "delimited", "separator": String::from_utf8_lossy(s)})
            }
            Envelope::DelimitedCsv {
                separator,
                skip_header,
                skip_blank_lines,
            } => json!({
                "type": "delimited-csv", "separator": String::from_utf8_lossy(separator),
                "skip_header": skip_header, "skip_blank_lines": skip_blank_lines}),
        };
        let encoding = match &self.encoding {
            Encoding::Null => Value::Null,
            Encoding::Utf8 => json!("utf-8"),
            Encoding::Json => json!("json"),
            Encoding::Csv { quote, delimiter } => {
                json!({"type": "csv", "quote_character": (*quote as char).to_string(), "delimiter": (*delimiter as char).to_string()})
            }
        };
        let ms = |d: Option<Duration>| d.map(|d| d.as_millis() as u64);
        json!({
            "transport": transport,
            "loop": self.looping,
            "envelope": envelope,
            "encoding": encoding,
            "schema": match (&self.schema, schema) {
                (SchemaSpec::Untyped, _) => Value::Null,
                (_, Some(s)) => s.clone(),
                _ => json!("undefined"),
            },
            "batching": {"watermark": self.batching.watermark, "nagle_time": ms(self.batching.nagle)},
            "linger_time": ms(self.linger),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_defaults() {
        let d = parse(&json!({"Transport": "REST", "Encoding": "json"}), 0).unwrap();
        assert_eq!(d.transport, Transport::Rest { chunked: false });
        assert_eq!(d.envelope, Envelope::None);
        assert_eq!(d.schema, SchemaSpec::Inherit);
        assert_eq!(
            crate::json::compact(&d.internal(None)),
            r#"{"transport": {"type": "rest", "mode": "simple"}, "loop": false, "envelope": null, "encoding": "json", "schema": "undefined", "batching": {"watermark": 1000, "nagle_time": 500}, "linger_time": 3000}"#
        );
        let trip = parse(&json!({"Transport": {"Type": "rest"}, "Encoding": "JSON", "Batching": {"NagleTime": 0, "Watermark": null}}), 0).unwrap();
        assert_eq!(
            trip.batching,
            Batching {
                watermark: None,
                nagle: Some(Duration::ZERO)
            }
        );
    }

    #[test]
    fn files_are_newline_delimited_and_schemas_resolve() {
        let d = parse(&json!({"Transport": {"Type": "file", "Path": "/tmp/x"}, "Encoding": "json", "Schema": {"$ref": "in"}}), 0).unwrap();
        assert_eq!(d.envelope, Envelope::Delimited(b"\n".to_vec()));
        assert_eq!(d.schema, SchemaSpec::Ref("in".into()));
        let inline = parse(
            &json!({"Transport": {"Type": "inline", "Data": ["1", "2"]}, "Schema": "int"}),
            2,
        )
        .unwrap();
        assert_eq!(
            inline.transport,
            Transport::InlineRecords(vec![b"1".to_vec(), b"2".to_vec()])
        );
        assert_eq!(inline.schema, SchemaSpec::Inline(json!("int")));
    }

    #[test]
    fn restrictions() {
        assert!(parse(&json!({"Transport": "discard"}), 0)
            .unwrap_err()
            .contains("output slot"));
        assert!(
            parse(&json!({"Transport": {"Type": "inline", "Data": ["1"]}}), 1)
                .unwrap_err()
                .contains("input slot")
        );
        assert!(parse(&json!({"Transport": {"Type": "Kafka"}}), 0)
            .unwrap_err()
            .contains("not supported"));
        assert!(
            parse(&json!({"Transport": {"Type": "file", "Path": "rel"}}), 0)
                .unwrap_err()
                .contains("absolute")
        );
        assert!(parse(&json!({"Encoding": "json"}), 0)
            .unwrap_err()
            .contains("Transport is missing"));
        assert!(parse(&json!({"Transport": "REST", "Schema": "intt"}), 0)
            .unwrap_err()
            .contains("invalid Schema"));
        assert!(parse(&json!([1]), 0).is_err());
        let csv = json!({"Transport": {"Type": "file", "Path": "/x"}, "Encoding": "csv",
                         "Envelope": {"Type": "delimited-csv", "Separator": ""}});
        assert_eq!(parse(&csv, 0).unwrap_err(), "the Separator cannot be empty");
    }
}
