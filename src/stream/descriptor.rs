//! Stream descriptors (spec/engine.md §5): shortcuts and defaults resolved, restrictions
//! checked, and the internal form `stream verify` shows. The transport, envelope and
//! encoding are parsed by the engine's registries of each, so that a new one is known here
//! as soon as it is registered there.

use crate::engine::codec::{self, Encoding};
use crate::engine::envelope::{self, Envelope};
use crate::engine::transport::{self, Direction, Transport};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;

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
    pub gather: Gather,
}

/// How batches waiting for a record-set model are gathered into one record set when a jet
/// takes them (concurrent round trips and REST inputs): at most `records` records, and a
/// free jet waits at most `wait` for more (`GatherRecords`, `GatherTime`; ours).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gather {
    pub records: usize,
    pub wait: Duration,
}

const GATHER: Gather = Gather {
    records: 64,
    wait: Duration::ZERO,
};

const NORMAL: Batching = Batching {
    watermark: Some(1000),
    nagle: Some(Duration::from_millis(500)),
    gather: GATHER,
};

#[derive(Debug, Clone)]
pub struct Descriptor {
    pub transport: Arc<dyn Transport>,
    /// `None`: no framing, each piece the transport delivers is one record.
    pub envelope: Option<Arc<dyn Envelope>>,
    pub encoding: Arc<dyn Encoding>,
    pub schema: SchemaSpec,
    pub batching: Batching,
    pub linger: Option<Duration>,
    pub looping: bool,
    /// `SkipTo`: bytes of the stream to pass over before the first record.
    pub skip_bytes: u64,
    /// `EndMarker`: a record equal to it ends the stream (soft EOF).
    pub end_marker: Option<Vec<u8>>,
}

/// A member by name in any letter case (descriptors from the field write `"type"` and
/// `"Type"` alike).
pub fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The fields of a part of a descriptor given as an object.
pub type Params<'a> = Option<&'a Map<String, Value>>;

/// A part of a descriptor given by name (`"REST"`) or as an object with a `Type`: its
/// lower-case name and the object's fields. `nullable` parts may also be null (handled by
/// the caller before).
pub fn named_part<'a>(
    v: &'a Value,
    part: &str,
    nullable: bool,
) -> Result<(String, Params<'a>), String> {
    match v {
        Value::String(s) => Ok((s.to_ascii_lowercase(), None)),
        Value::Object(m) => {
            let kind = field(m, "Type")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{part} needs a Type"))?;
            Ok((kind.to_ascii_lowercase(), Some(m)))
        }
        _ if nullable => Err(format!("{part} must be a string, an object or null")),
        _ => Err(format!("{part} must be a string or an object")),
    }
}

/// Makes one part of a descriptor from its fields.
pub type Parser<T> = fn(Params) -> Result<T, String>;

/// The implementations of one part of a descriptor (transports, envelopes, encodings): the
/// names each answers to, in lower case, with its parser; and FastScore's names for those
/// this engine does not have yet.
pub struct Registry<T: 'static> {
    /// `"Transport"`, as the descriptor's member is called.
    pub part: &'static str,
    pub known: &'static [(&'static [&'static str], Parser<T>)],
    pub not_yet: &'static [&'static str],
}

impl<T> Registry<T> {
    /// The implementation a descriptor's part names (`"REST"`, `{"Type": "file", …}`).
    pub fn parse(&self, v: &Value, nullable: bool) -> Result<T, String> {
        let (kind, params) = named_part(v, self.part, nullable)?;
        let what = self.part.to_ascii_lowercase();
        if let Some((_, parse)) = self
            .known
            .iter()
            .find(|(names, _)| names.contains(&kind.as_str()))
        {
            return parse(params);
        }
        if self.not_yet.contains(&kind.as_str()) {
            let known: Vec<&str> = self.known.iter().map(|(names, _)| names[0]).collect();
            return Err(format!(
                "the {kind} {what} is not supported by this engine (use {})",
                known.join(", ")
            ));
        }
        Err(format!("unknown {what} '{kind}'"))
    }
}

impl<T> Registry<T> {
    /// Every name of FastScore's for this part, whether this engine has it or not yet.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.known
            .iter()
            .flat_map(|(names, _)| names.iter().copied())
            .chain(self.not_yet.iter().copied())
    }
}

/// What `stream add` checks of a descriptor: a JSON object whose `Transport` is one of
/// FastScore's (a fleet's engines may have transports this one has not).
pub fn check_transport(doc: &Value) -> Result<(), String> {
    let obj = doc
        .as_object()
        .ok_or("a descriptor must be a JSON object")?;
    let transport = field(obj, "Transport").ok_or("the descriptor has no Transport")?;
    let (kind, _) = named_part(transport, "Transport", false)?;
    let registry = crate::engine::transport::registry();
    if registry.names().any(|n| n == kind) {
        return Ok(());
    }
    let names: Vec<&str> = registry.names().filter(|n| *n != "debug").collect();
    Err(format!(
        "unknown transport '{kind}' (FastScore's transports are {})",
        names.join(", ")
    ))
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

/// A record equal to this ends a stream unless its descriptor says otherwise (`EndMarker`,
/// spec/engine.md §5.2).
const DEFAULT_END_MARKER: &str = "$end-of-stream";

/// Parse and check a descriptor; with a slot, also that it fits that slot's direction.
pub fn parse(doc: &Value, slot: Option<u32>) -> Result<Descriptor, String> {
    let obj = doc
        .as_object()
        .ok_or("a stream descriptor must be a JSON object")?;
    let mut transport_doc = field(obj, "Transport")
        .ok_or("Transport is missing")?
        .clone();
    // where to start reading is a transport's business (Kafka's)
    if let (Some(skip), Value::Object(t)) = (field(obj, "SkipToRecord"), &mut transport_doc) {
        t.entry("SkipToRecord").or_insert_with(|| skip.clone());
    }
    let transport = transport::parse(&transport_doc)?;
    if let Some(slot) = slot {
        let input = slot.is_multiple_of(2);
        match (transport.direction(), input) {
            (Direction::Output, true) => {
                return Err(format!(
                    "the {} transport can only be attached to an output slot (odd number)",
                    transport.name()
                ))
            }
            (Direction::Input, false) => {
                return Err(format!(
                    "the {} transport can only be attached to an input slot (even number)",
                    transport.name()
                ))
            }
            _ => {}
        }
    }
    let encoding = codec::parse(field(obj, "Encoding"))?;
    let envelope = match field(obj, "Envelope") {
        Some(v) => envelope::parse(v)?,
        None if transport.preserves_boundaries() || encoding.self_delimiting() => None,
        None => Some(encoding.default_envelope()),
    };
    // REST in simple mode may split a request on an explicit `delimited` (spec §5.4)
    let tolerated =
        transport.served_by_engine() && envelope.as_ref().is_some_and(|e| e.name() == "delimited");
    if transport.preserves_boundaries() && envelope.is_some() && !tolerated {
        return Err("a transport that preserves record boundaries cannot have an envelope".into());
    }
    if encoding.self_delimiting()
        && envelope
            .as_ref()
            .is_some_and(|e| e.name().starts_with("delimited"))
    {
        return Err(format!(
            "{} records delimit themselves: they cannot have a delimited envelope",
            encoding.name()
        ));
    }
    if let Some(needed) = envelope.as_ref().and_then(|e| e.requires_encoding()) {
        if encoding.name() != needed {
            return Err(format!(
                "the {} envelope requires the {needed} encoding",
                envelope.as_ref().map_or("", |e| e.name())
            ));
        }
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
        None => NORMAL,
        Some(Value::Null) => Batching {
            watermark: Some(1),
            nagle: None,
            gather: GATHER,
        },
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "normal" => NORMAL,
            "explicit" => Batching {
                watermark: None,
                nagle: None,
                gather: GATHER,
            },
            other => {
                return Err(format!(
                    "unknown Batching '{other}' (use normal, explicit or an object)"
                ))
            }
        },
        Some(Value::Object(b)) => {
            let watermark = match field(b, "Watermark") {
                None => NORMAL.watermark,
                Some(Value::Null) => None,
                Some(w) => Some(
                    w.as_u64()
                        .filter(|n| *n > 0)
                        .ok_or("Watermark must be a positive number or null")?
                        as usize,
                ),
            };
            let nagle = match field(b, "NagleTime") {
                None => NORMAL.nagle,
                Some(n) => duration_ms(n, "NagleTime")?,
            };
            let records = match field(b, "GatherRecords") {
                None => GATHER.records,
                Some(n) => n
                    .as_u64()
                    .filter(|n| *n > 0)
                    .ok_or("GatherRecords must be a positive number")?
                    as usize,
            };
            let wait = match field(b, "GatherTime") {
                None => GATHER.wait,
                Some(n) => duration_ms(n, "GatherTime")?.unwrap_or_default(),
            };
            Batching {
                watermark,
                nagle,
                gather: Gather { records, wait },
            }
        }
        Some(_) => return Err("Batching must be a string or an object".into()),
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
    if looping && !transport.seekable() {
        return Err(format!(
            "Loop needs a seekable transport (file), not {}",
            transport.name()
        ));
    }
    let skip_bytes = match field(obj, "SkipTo") {
        None | Some(Value::Null) => 0,
        Some(v) => {
            let n = v
                .as_u64()
                .ok_or("SkipTo must be a byte offset (a non-negative integer) or null")?;
            if !transport.seekable() || transport.preserves_boundaries() {
                return Err(format!(
                    "SkipTo needs a seekable transport without record boundaries (file), not {}",
                    transport.name()
                ));
            }
            n
        }
    };
    if field(obj, "SkipToRecord").is_some_and(|v| !v.is_null())
        && !(transport.seekable() && transport.preserves_boundaries())
    {
        return Err(format!(
            "SkipToRecord needs a seekable transport with record boundaries (Kafka), not {}",
            transport.name()
        ));
    }
    let end_marker = match field(obj, "EndMarker") {
        // the archived default: for every encoding but avro-binary
        None if encoding.name() == "avro-binary" => None,
        None => Some(DEFAULT_END_MARKER.as_bytes().to_vec()),
        Some(Value::Null) => None,
        Some(Value::String(m)) => Some(m.as_bytes().to_vec()),
        Some(_) => return Err("EndMarker must be a string or null".into()),
    };
    Ok(Descriptor {
        transport,
        envelope,
        encoding,
        schema,
        batching,
        linger,
        looping,
        skip_bytes,
        end_marker,
    })
}

impl Descriptor {
    /// The interpreted descriptor in the engine's internal (snake_case) form; `schema` is
    /// the one its records are checked against, when known.
    pub fn internal(&self, schema: Option<&Value>) -> Value {
        let ms = |d: Option<Duration>| d.map(|d| d.as_millis() as u64);
        json!({
            "transport": self.transport.internal(),
            "loop": self.looping,
            "envelope": self.envelope.as_ref().map_or(Value::Null, |e| e.internal()),
            "encoding": self.encoding.internal(),
            "schema": match (&self.schema, schema) {
                (SchemaSpec::Untyped, _) => Value::Null,
                (_, Some(s)) => s.clone(),
                _ => json!("undefined"),
            },
            "batching": self.batching.internal(),
            "linger_time": ms(self.linger),
        })
    }
}

impl Batching {
    /// The internal form; the gathering settings only where they are not the defaults, so
    /// that descriptors print as the original's do.
    fn internal(&self) -> Value {
        let mut b = json!({"watermark": self.watermark,
                           "nagle_time": self.nagle.map(|d| d.as_millis() as u64)});
        if self.gather.records != GATHER.records {
            b["gather_records"] = json!(self.gather.records);
        }
        if self.gather.wait != GATHER.wait {
            b["gather_time"] = json!(self.gather.wait.as_millis() as u64);
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(doc: Value, slot: u32) -> String {
        parse(&doc, Some(slot)).unwrap_err()
    }

    #[test]
    fn rest_defaults() {
        let d = parse(&json!({"Transport": "REST", "Encoding": "json"}), Some(0)).unwrap();
        assert!(d.envelope.is_none());
        assert_eq!(d.schema, SchemaSpec::Inherit);
        assert_eq!(
            crate::json::compact(&d.internal(None)),
            r#"{"transport": {"type": "rest", "mode": "simple"}, "loop": false, "envelope": null, "encoding": "json", "schema": "undefined", "batching": {"watermark": 1000, "nagle_time": 500}, "linger_time": 3000}"#
        );
        let trip = parse(&json!({"Transport": {"Type": "rest"}, "Encoding": "JSON", "Batching": {"NagleTime": 0, "Watermark": null}}), Some(0)).unwrap();
        assert_eq!(
            trip.batching,
            Batching {
                watermark: None,
                nagle: Some(Duration::ZERO),
                gather: GATHER,
            }
        );
        let gathered = parse(&json!({"Transport": {"Type": "rest"}, "Encoding": "json", "Batching": {"NagleTime": 0, "Watermark": null, "GatherRecords": 16, "GatherTime": 2}}), Some(0)).unwrap();
        assert_eq!(
            gathered.batching.gather,
            Gather {
                records: 16,
                wait: Duration::from_millis(2)
            }
        );
        assert_eq!(
            gathered.internal(None)["batching"],
            json!({"watermark": null, "nagle_time": 0, "gather_records": 16, "gather_time": 2})
        );
        assert_eq!(
            trip.internal(None)["batching"],
            json!({"watermark": null, "nagle_time": 0})
        );
        assert!(parse(
            &json!({"Transport": {"Type": "rest"}, "Batching": {"GatherRecords": 0}}),
            Some(0)
        )
        .is_err());
    }

    #[test]
    fn byte_streams_are_delimited_and_schemas_resolve() {
        let d = parse(&json!({"Transport": {"Type": "file", "Path": "/tmp/x"}, "Encoding": "json", "Schema": {"$ref": "in"}}), Some(0)).unwrap();
        assert_eq!(
            d.envelope.map(|e| e.internal()),
            Some(json!({"type": "delimited", "separator": "\n"}))
        );
        assert_eq!(d.schema, SchemaSpec::Ref("in".into()));
        let csv = parse(
            &json!({"Transport": {"Type": "file", "Path": "/tmp/x"}, "Encoding": "csv"}),
            Some(0),
        )
        .unwrap();
        assert_eq!(csv.envelope.map(|e| e.name()), Some("delimited-csv"));
        let inline = parse(
            &json!({"Transport": {"Type": "inline", "Data": ["1", "2"]}, "Schema": "int"}),
            Some(2),
        )
        .unwrap();
        assert_eq!(
            inline.transport.internal(),
            json!({"type": "inline", "data": ["1", "2"]})
        );
        assert!(inline.envelope.is_none());
        assert_eq!(inline.schema, SchemaSpec::Inline(json!("int")));
    }

    #[test]
    fn restrictions() {
        assert!(err(json!({"Transport": "discard"}), 0).contains("output slot"));
        assert!(
            err(json!({"Transport": {"Type": "inline", "Data": ["1"]}}), 1).contains("input slot")
        );
        assert!(err(json!({"Transport": {"Type": "S3"}}), 0).contains("not supported"));
        assert!(err(json!({"Transport": {"Type": "Kafka"}}), 0).contains("BootstrapServers"));
        assert!(err(
            json!({"Transport": "REST", "Encoding": "avro-binary", "Envelope": "delimited"}),
            0
        )
        .contains("delimit themselves"));
        assert!(err(json!({"Transport": {"Type": "file", "Path": "rel"}}), 0).contains("absolute"));
        assert!(err(json!({"Encoding": "json"}), 0).contains("Transport is missing"));
        assert!(err(json!({"Transport": "REST", "Schema": "intt"}), 0).contains("invalid Schema"));
        assert!(err(json!({"Transport": "REST", "Loop": true}), 0).contains("seekable"));
        assert!(err(
            json!({"Transport": {"Type": "inline", "Data": ["1"]}, "Envelope": "delimited"}),
            0
        )
        .contains("preserves record boundaries"));
        assert!(parse(
            &json!({"Transport": "REST", "Envelope": "delimited"}),
            Some(0)
        )
        .is_ok());
        assert!(err(
            json!({"Transport": {"Type": "file", "Path": "/x"}, "Envelope": "delimited-csv"}),
            0
        )
        .contains("requires the csv encoding"));
        assert!(parse(&json!([1]), None).is_err());
        let csv = json!({"Transport": {"Type": "file", "Path": "/x"}, "Encoding": "csv",
                         "Envelope": {"Type": "delimited-csv", "Separator": ""}});
        assert_eq!(err(csv, 0), "the Separator cannot be empty");
    }
}
