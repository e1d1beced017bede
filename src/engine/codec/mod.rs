//! Encodings: how a record's bytes become a value and back (spec/engine.md §5.5, §6). Each
//! encoding is one file implementing `Encoding`, registered by name in `ENCODINGS`; given
//! the slot's schema it makes the `Codec` that decodes input records (into JSON for the
//! schema check and the model) and encodes the model's outputs.

mod avro_binary;
mod csv;
mod json;
mod raw;
mod utf8;

use super::envelope::{Delimited, Envelope};
use crate::schema::Avro;
use crate::stream::descriptor::Registry;
use serde_json::Value;
use std::sync::Arc;

/// An encoding as a descriptor configures it.
pub trait Encoding: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &'static str;
    /// The encoding part of the internal descriptor (`stream verify`).
    fn internal(&self) -> Value;
    /// Refuse a stream schema this encoding cannot carry (raw bytes need `"bytes"`, …).
    fn check_schema(&self, _schema: &Value) -> Result<(), String> {
        Ok(())
    }
    /// Records delimit themselves, so byte streams need no envelope.
    fn self_delimiting(&self) -> bool {
        false
    }
    /// The envelope a byte stream of this encoding gets when its descriptor names none.
    fn default_envelope(&self) -> Arc<dyn Envelope> {
        Arc::new(Delimited::new(b"\n".to_vec()))
    }
    /// The codec for a slot whose records follow `schema` (the stream's, else the model's).
    fn codec(&self, schema: Option<&Avro>) -> Result<Box<dyn Codec>, String>;
}

/// Decodes and encodes the records of one slot.
pub trait Codec: Send + Sync {
    fn decode(&self, raw: &[u8]) -> Result<Decoded, String>;
    /// `decode`, for a slot whose values nothing looks at (no schema checks them, no column
    /// takes them apart): a codec that can tell a good record from its text gives it with
    /// a `Null` value, without building one.
    fn decode_unchecked(&self, raw: &[u8]) -> Result<Decoded, String> {
        self.decode(raw)
    }
    /// The bytes of one output record, from the model's JSON text and its value.
    fn encode(&self, json: &[u8], value: &Value) -> Result<Vec<u8>, String>;
    /// The bytes of one output record no schema checks, from its text alone, where this
    /// encoding needs no value for them (`None`: decode it and `encode`).
    fn encode_unchecked(&self, _json: &[u8]) -> Option<Result<Vec<u8>, String>> {
        None
    }
    /// Records reach the model as bytes rather than JSON values.
    fn raw_bytes(&self) -> bool {
        false
    }
    /// For records that delimit themselves: a framer that finds them in a byte stream.
    fn framer(&self) -> Option<Box<dyn super::envelope::Framer>> {
        None
    }
    /// A control record as this encoding writes it (spec/engine.md §7.2); `None` when the
    /// encoding has none (csv, avro-binary), and the marker is left out.
    fn encode_control(&self, _control: Control) -> Option<Vec<u8>> {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    End,
    Set,
    Pig,
}

impl Control {
    pub fn name(self) -> &'static str {
        match self {
            Control::End => "end",
            Control::Set => "set",
            Control::Pig => "pig",
        }
    }

    /// The control record a model's output line stands for (`{"$fastscore": "set"}`).
    pub fn in_output(line: &[u8]) -> Option<Control> {
        if !line.starts_with(b"{\"$fastscore\"") {
            return None;
        }
        let v: Value = serde_json::from_slice(line).ok()?;
        Control::named(v.get("$fastscore")?.as_str()?)
    }

    fn named(kind: &str) -> Option<Control> {
        match kind {
            "end" => Some(Control::End),
            "set" => Some(Control::Set),
            "pig" => Some(Control::Pig),
            _ => None,
        }
    }
}

/// One decoded input record.
#[derive(Debug)]
pub enum Decoded {
    /// The value (for schema checks) and its JSON text for the model.
    Data {
        value: Value,
        json: Vec<u8>,
    },
    Control(Control),
}

impl Decoded {
    /// A value whose JSON text is written here.
    fn value(value: Value) -> Decoded {
        Decoded::Data {
            json: crate::json::compact(&value).into_bytes(),
            value,
        }
    }
}

const ENCODINGS: Registry<Arc<dyn Encoding>> = Registry {
    part: "Encoding",
    known: &[
        (&["json"], json::parse),
        (&["utf-8", "utf8"], utf8::parse),
        (&["csv"], csv::parse),
        (&["avro-binary"], avro_binary::parse),
    ],
    not_yet: &["msgpack", "soap-rpc", "bert"],
};

/// A descriptor's `Encoding`: null (raw bytes), a name, or an object with a `Type`.
pub fn parse(v: Option<&Value>) -> Result<Arc<dyn Encoding>, String> {
    match v {
        None | Some(Value::Null) => Ok(Arc::new(raw::Raw)),
        Some(v) => ENCODINGS.parse(v, true),
    }
}

/// A schema that must be one primitive type: `"bytes"` or `{"type": "bytes"}`.
fn require_primitive(schema: &Value, needed: &str, what: &str) -> Result<(), String> {
    if schema.as_str() == Some(needed) || schema.get("type").and_then(Value::as_str) == Some(needed)
    {
        Ok(())
    } else {
        Err(format!(
            "{what}: the schema must be \"{needed}\", not {}",
            crate::json::compact(schema)
        ))
    }
}
