//! `json`: one JSON text per record; `{"$fastscore": "end"}` and friends are control records.

use super::{Codec, Control, Decoded, Encoding};
use crate::schema::Avro;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
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

    fn decode_unchecked(&self, raw: &[u8]) -> Result<Decoded, String> {
        match peek(raw)? {
            Some(c) => Ok(Decoded::Control(c)),
            None => Ok(Decoded::Data {
                value: Value::Null,
                json: raw.to_vec(),
            }),
        }
    }

    fn encode(&self, json: &[u8], _: &Value) -> Result<Vec<u8>, String> {
        Ok(json.to_vec())
    }

    fn encode_unchecked(&self, json: &[u8]) -> Option<Result<Vec<u8>, String>> {
        Some(peek(json).map(|_| json.to_vec()))
    }
}

/// Whether `raw` is one JSON text, and the control record it is, if one: what is known of
/// a record whose value nothing looks at, found without building the value (the text is
/// about 4 times faster to go through than to make into a value).
fn peek(raw: &[u8]) -> Result<Option<Control>, String> {
    // (strings that are passed over are not checked for UTF-8 by the parser)
    let text = std::str::from_utf8(raw).map_err(|e| format!("not JSON: {e}"))?;
    serde_json::from_str::<Peek>(text)
        .map(|p| p.0)
        .map_err(|e| format!("not JSON: {}", crate::error::json_error_text(&e)))
}

/// A JSON text gone through: the control it names, if it is an object with `$fastscore`.
struct Peek(Option<Control>);

impl<'de> Deserialize<'de> for Peek {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PeekVisitor)
    }
}

struct PeekVisitor;

impl<'de> Visitor<'de> for PeekVisitor {
    type Value = Peek;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Peek, E> {
        Ok(Peek(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Peek, E> {
        Ok(Peek(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Peek, E> {
        Ok(Peek(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Peek, E> {
        Ok(Peek(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<Peek, E> {
        Ok(Peek(None))
    }

    fn visit_unit<E>(self) -> Result<Peek, E> {
        Ok(Peek(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Peek, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Peek(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Peek, A::Error> {
        let mut control = None;
        while let Some(key) = map.next_key::<Key>()? {
            if key.0 {
                let named: Value = map.next_value()?;
                control = named.as_str().and_then(Control::named);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Peek(control))
    }
}

/// An object's key: whether it is `$fastscore`.
struct Key(bool);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, key: &str) -> Result<Key, E> {
                Ok(Key(key == "$fastscore"))
            }
        }
        d.deserialize_str(KeyVisitor)
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

    #[test]
    fn records_nothing_looks_at_are_only_gone_through() {
        for control in [
            r#"{"$fastscore": "end"}"#,
            r#"{"a": [1], "$fastscore": "end"}"#,
        ] {
            assert!(matches!(
                Json.decode_unchecked(control.as_bytes()),
                Ok(Decoded::Control(Control::End))
            ));
        }
        for good in [
            r#"{"a": [1, {"b": null}], "$fastscore": 3}"#,
            "[]",
            "\"é\"",
            "-1.5e3",
        ] {
            match Json.decode_unchecked(good.as_bytes()).unwrap() {
                Decoded::Data { value, json } => {
                    assert_eq!(value, Value::Null);
                    assert_eq!(json, good.as_bytes());
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(
                Json.encode_unchecked(good.as_bytes()).unwrap().unwrap(),
                good.as_bytes()
            );
        }
        for bad in [
            &b"foobar"[..],
            b"{\"a\": 1",
            b"[1] 2",
            b"\"\xff\"",
            b"{\"a\": \"\xc3\"}",
        ] {
            let decoded = Json.decode_unchecked(bad).unwrap_err();
            assert!(decoded.starts_with("not JSON"), "{decoded}");
            assert!(Json.encode_unchecked(bad).unwrap().is_err());
        }
    }
}
