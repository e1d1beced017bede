//! `avro-binary`: each record is one Avro datum in the binary encoding of the slot's schema
//! (spec/engine.md §5.5). Datums delimit themselves, so a byte stream needs no envelope: the
//! codec's framer finds where each ends by reading it.

use super::{Codec, Decoded, Encoding};
use crate::engine::envelope::{Framer, MAX_RECORD};
use crate::schema::Avro;
use apache_avro::types::Value as AvroValue;
use apache_avro::Schema;
use serde_json::{Map, Value};
use std::sync::Arc;

#[derive(Debug)]
struct AvroBinary;

pub fn parse(_: Option<&Map<String, Value>>) -> Result<Arc<dyn Encoding>, String> {
    Ok(Arc::new(AvroBinary))
}

impl Encoding for AvroBinary {
    fn name(&self) -> &'static str {
        "avro-binary"
    }

    fn internal(&self) -> Value {
        Value::from("avro-binary")
    }

    fn self_delimiting(&self) -> bool {
        true
    }

    fn codec(&self, schema: Option<&Avro>) -> Result<Box<dyn Codec>, String> {
        let schema =
            schema.ok_or("avro-binary records need a schema (the stream's or the model's)")?;
        Ok(Box::new(AvroCodec {
            schema: schema.schema().clone(),
        }))
    }
}

struct AvroCodec {
    schema: Schema,
}

/// One datum from the start of `bytes`, and how many bytes it took.
fn read_datum(schema: &Schema, bytes: &[u8]) -> Result<(AvroValue, usize), String> {
    let mut rest = bytes;
    let value = apache_avro::reader::datum::GenericDatumReader::builder(schema)
        .build()
        .and_then(|reader| reader.read_value(&mut rest))
        .map_err(|e| e.to_string())?;
    Ok((value, bytes.len() - rest.len()))
}

impl Codec for AvroCodec {
    fn decode(&self, raw: &[u8]) -> Result<Decoded, String> {
        let (value, used) = read_datum(&self.schema, raw).map_err(|e| format!("not Avro: {e}"))?;
        if used != raw.len() {
            return Err(format!("{} bytes after the Avro datum", raw.len() - used));
        }
        let json = Value::try_from(value).map_err(|e| format!("not representable as JSON: {e}"))?;
        Ok(Decoded::value(json))
    }

    fn encode(&self, _: &[u8], value: &Value) -> Result<Vec<u8>, String> {
        let datum = AvroValue::try_from(value.clone())
            .and_then(|v| v.resolve(&self.schema))
            .map_err(|e| format!("does not fit the schema: {e}"))?;
        apache_avro::writer::datum::GenericDatumWriter::builder(&self.schema)
            .build()
            .and_then(|writer| writer.write_value_to_vec(datum))
            .map_err(|e| e.to_string())
    }

    fn framer(&self) -> Option<Box<dyn Framer>> {
        Some(Box::new(DatumFramer {
            schema: self.schema.clone(),
            buffer: Vec::new(),
            dropped: 0,
        }))
    }
}

/// Splits a byte stream of datums: a datum that cannot be read yet waits for more bytes.
struct DatumFramer {
    schema: Schema,
    buffer: Vec<u8>,
    dropped: usize,
}

impl Framer for DatumFramer {
    fn feed(&mut self, bytes: &[u8], emit: &mut dyn FnMut(&[u8])) {
        self.buffer.extend_from_slice(bytes);
        let mut start = 0;
        while start < self.buffer.len() {
            match read_datum(&self.schema, &self.buffer[start..]) {
                Ok((_, used)) if used > 0 => {
                    emit(&self.buffer[start..start + used]);
                    start += used;
                }
                _ => break,
            }
        }
        self.buffer.drain(..start);
        if self.buffer.len() > MAX_RECORD {
            // nothing readable in all that: not Avro of this schema
            self.buffer.clear();
            self.dropped += 1;
        }
    }

    fn finish(&mut self, emit: &mut dyn FnMut(&[u8])) {
        // what is left cannot be read: it is rejected as one record
        if !self.buffer.is_empty() {
            emit(&std::mem::take(&mut self.buffer));
        }
    }

    fn dropped(&mut self) -> usize {
        std::mem::take(&mut self.dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codec(schema: Value) -> Box<dyn Codec> {
        AvroBinary
            .codec(Some(&crate::schema::parse(&schema).unwrap()))
            .unwrap()
    }

    #[test]
    fn the_spec_example_and_back() {
        let c = codec(json!({"type": "array", "items": "int"}));
        let Ok(Decoded::Data { value, .. }) = c.decode(&[0x08, 0x02, 0x04, 0x06, 0x08, 0x00])
        else {
            panic!("not decoded");
        };
        assert_eq!(value, json!([1, 2, 3, 4]));
        assert_eq!(
            c.encode(b"", &value).unwrap(),
            [0x08, 0x02, 0x04, 0x06, 0x08, 0x00]
        );
    }

    #[test]
    fn records_unions_and_a_byte_stream_of_them() {
        let c = codec(json!({"type": "record", "name": "r", "fields": [
            {"name": "x", "type": "double"}, {"name": "tag", "type": ["null", "string"]}]}));
        let one = c.encode(b"", &json!({"x": 1.5, "tag": "a"})).unwrap();
        let two = c.encode(b"", &json!({"x": 2.0, "tag": null})).unwrap();
        let mut stream = one.clone();
        stream.extend_from_slice(&two);
        let mut framer = c.framer().unwrap();
        let mut records = Vec::new();
        // fed in pieces that cut datums in two
        for piece in stream.chunks(3) {
            framer.feed(piece, &mut |r| records.push(r.to_vec()));
        }
        framer.finish(&mut |r| records.push(r.to_vec()));
        assert_eq!(records, [one, two]);
        assert!(c.decode(b"\xff\xff").is_err());
    }
}
