//! `utf-8`: each record is a string; `☮fastscore.end` and friends are control records.

use super::{Codec, Control, Decoded, Encoding};
use crate::schema::Avro;
use serde_json::{Map, Value};
use std::sync::Arc;

#[derive(Debug)]
struct Utf8;

pub fn parse(_: Option<&Map<String, Value>>) -> Result<Arc<dyn Encoding>, String> {
    Ok(Arc::new(Utf8))
}

impl Encoding for Utf8 {
    fn name(&self) -> &'static str {
        "utf-8"
    }

    fn internal(&self) -> Value {
        Value::from("utf-8")
    }

    fn check_schema(&self, schema: &Value) -> Result<(), String> {
        super::require_primitive(schema, "string", "utf-8 records are text")
    }

    fn codec(&self, _: Option<&Avro>) -> Result<Box<dyn Codec>, String> {
        Ok(Box::new(Utf8))
    }
}

impl Codec for Utf8 {
    fn encode_control(&self, control: Control) -> Option<Vec<u8>> {
        Some(format!("\u{262e}fastscore.{}", control.name()).into_bytes())
    }

    fn decode(&self, raw: &[u8]) -> Result<Decoded, String> {
        let text = std::str::from_utf8(raw).map_err(|_| "not UTF-8 text".to_string())?;
        if let Some(rest) = text.strip_prefix("\u{262e}fastscore.") {
            if let Some(c) = Control::named(rest.split('|').next().unwrap_or("")) {
                return Ok(Decoded::Control(c));
            }
        }
        Ok(Decoded::value(Value::String(text.to_string())))
    }

    fn encode(&self, _: &[u8], value: &Value) -> Result<Vec<u8>, String> {
        value
            .as_str()
            .map(|s| s.as_bytes().to_vec())
            .ok_or_else(|| "a utf-8 output must be a string".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_control_records() {
        assert!(matches!(
            Utf8.decode("\u{262e}fastscore.set|1".as_bytes()),
            Ok(Decoded::Control(Control::Set))
        ));
        assert!(Utf8.decode(b"\xff").is_err());
        assert_eq!(Utf8.encode(b"", &"hi".into()).unwrap(), b"hi");
    }
}
