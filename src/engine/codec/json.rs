//! `json`: one JSON text per record; `{"$fastscore": "end"}` and friends are control records.

use super::{Codec, Control, Decoded, Encoding};
use crate::schema::Avro;
use serde_json::{Map, Value};
use std::sync::Arc;

#[derive(Debug)]
struct Json;

pub fn parse(_: Option<&Map<String, Value>>) -> Result<Arc<dyn Encoding>, String> {
    Ok(Arc::new(Json))
}

impl Encoding for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    fn internal(&self) -> Value {
        Value::from("json")
    }

    fn codec(&self, _: Option<&Avro>) -> Result<Box<dyn Codec>, String> {
        Ok(Box::new(Json))
    }
}

impl Codec for Json {
    fn encode_control(&self, control: Control) -> Option<Vec<u8>> {
        Some(format!("{{\"$fastscore\": \"{}\"}}", control.name()).into_bytes())
    }

    fn decode(&self, raw: &[u8]) -> Result<Decoded, String> {
        let value: Value = serde_json::from_slice(raw)
            .map_err(|e| format!("not JSON: {}", crate::error::json_error_text(&e)))?;
        if let Some(c) = value
            .get("$fastscore")
            .and_then(Value::as_str)
            .and_then(Control::named)
        {
            return Ok(Decoded::Control(c));
        }
        // the model gets the text as it came, so numbers keep every digit
        Ok(Decoded::Data {
            value,
            json: raw.to_vec(),
        })
    }

    fn encode(&self, json: &[u8], _: &Value) -> Result<Vec<u8>, String> {
        Ok(json.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_control_records() {
        assert!(matches!(
            Json.decode(br#"{"$fastscore": "end"}"#),
            Ok(Decoded::Control(Control::End))
        ));
        match Json.decode(b"{\"a\": 1}").unwrap() {
            Decoded::Data { value, json } => {
                assert_eq!(value, serde_json::json!({"a": 1}));
                assert_eq!(json, b"{\"a\": 1}");
            }
            other => panic!("{other:?}"),
        }
        assert!(Json.decode(b"foobar").unwrap_err().starts_with("not JSON"));
    }
}
