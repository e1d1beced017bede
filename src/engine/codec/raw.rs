//! No encoding (`"Encoding": null`): records are raw bytes, handed to the model as `bytes`;
//! `0xFA` + `stscore.end` and friends are control records.

use super::{Codec, Control, Decoded, Encoding};
use crate::schema::Avro;
use serde_json::Value;

#[derive(Debug)]
pub struct Raw;

impl Encoding for Raw {
    fn name(&self) -> &'static str {
        "null"
    }

    fn internal(&self) -> Value {
        Value::Null
    }

    fn check_schema(&self, schema: &Value) -> Result<(), String> {
        super::require_primitive(schema, "bytes", "records without an encoding are bytes")
    }

    fn codec(&self, _: Option<&Avro>) -> Result<Box<dyn Codec>, String> {
        Ok(Box::new(Raw))
    }
}

impl Codec for Raw {
    fn encode_control(&self, control: Control) -> Option<Vec<u8>> {
        let mut bytes = vec![0xFA];
        bytes.extend_from_slice(format!("stscore.{}", control.name()).as_bytes());
        Some(bytes)
    }

    fn decode(&self, raw: &[u8]) -> Result<Decoded, String> {
        if raw.len() >= 12 && raw[0] == 0xfa && &raw[1..9] == b"stscore." {
            if let Some(c) = std::str::from_utf8(&raw[9..12])
                .ok()
                .and_then(Control::named)
            {
                return Ok(Decoded::Control(c));
            }
        }
        // Avro's JSON form of bytes: a string of the code points 0–255
        Ok(Decoded::value(Value::String(
            raw.iter().map(|b| *b as char).collect(),
        )))
    }

    fn encode(&self, _: &[u8], value: &Value) -> Result<Vec<u8>, String> {
        value
            .as_str()
            .filter(|s| s.chars().all(|c| (c as u32) < 256))
            .map(|s| s.chars().map(|c| c as u8).collect())
            .ok_or_else(|| "a raw (null-encoded) output must be bytes".to_string())
    }

    fn raw_bytes(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_control_records() {
        assert!(matches!(
            Raw.decode(b"\xfastscore.end"),
            Ok(Decoded::Control(Control::End))
        ));
        let Decoded::Data { value, .. } = Raw.decode(b"\x01\xff").unwrap() else {
            panic!()
        };
        assert_eq!(Raw.encode(b"", &value).unwrap(), b"\x01\xff");
    }
}
