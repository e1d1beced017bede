//! Record encodings (spec/engine.md §5.5, §6): decoding input records into JSON values for
//! the schema check and the Python runner, control records, and encoding model outputs.

use super::descriptor::Encoding;
use crate::schema::Avro;
use apache_avro::Schema;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    End,
    Set,
    Pig,
}

/// One decoded input record.
#[derive(Debug)]
pub enum Decoded {
    /// The value (for schema checks) and its JSON text for the runner.
    Data {
        value: Value,
        json: Vec<u8>,
    },
    Control(Control),
}

fn control_of(kind: &str) -> Option<Control> {
    match kind {
        "end" => Some(Control::End),
        "set" => Some(Control::Set),
        "pig" => Some(Control::Pig),
        _ => None,
    }
}

/// Field names and schemas that CSV columns map to, by position.
#[derive(Clone)]
pub struct CsvLayout {
    pub names: Vec<String>,
    /// Field schemas, when a record schema gives them (else every value is a string).
    pub types: Option<Vec<Schema>>,
}

impl CsvLayout {
    pub fn from_schema(avro: &Avro) -> Option<CsvLayout> {
        let fields = avro.record_fields()?;
        Some(CsvLayout {
            names: fields.iter().map(|(n, _)| n.clone()).collect(),
            types: Some(fields.iter().map(|(_, s)| (*s).clone()).collect()),
        })
    }
}

pub struct Decoder {
    encoding: Encoding,
    pub csv: Option<CsvLayout>,
}

/// Bytes as the string of code points 0–255 that Avro's JSON form uses for `bytes`.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| *b as char).collect()
}

impl Decoder {
    pub fn new(encoding: Encoding, csv: Option<CsvLayout>) -> Decoder {
        Decoder { encoding, csv }
    }

    pub fn decode(&self, raw: &[u8]) -> Result<Decoded, String> {
        match &self.encoding {
            Encoding::Json => {
                let value: Value = serde_json::from_slice(raw)
                    .map_err(|e| format!("not JSON: {}", crate::error::json_error_text(&e)))?;
                if let Some(kind) = value.get("$fastscore").and_then(Value::as_str) {
                    if let Some(c) = control_of(kind) {
                        return Ok(Decoded::Control(c));
                    }
                }
                Ok(Decoded::Data {
                    value,
                    json: raw.to_vec(),
                })
            }
            Encoding::Utf8 => {
                let text = std::str::from_utf8(raw).map_err(|_| "not UTF-8 text".to_string())?;
                if let Some(rest) = text.strip_prefix("\u{262e}fastscore.") {
                    let kind = rest.split('|').next().unwrap_or("");
                    if let Some(c) = control_of(kind) {
                        return Ok(Decoded::Control(c));
                    }
                }
                let value = Value::String(text.to_string());
                Ok(Decoded::Data {
                    json: crate::json::compact(&value).into_bytes(),
                    value,
                })
            }
            Encoding::Null => {
                if raw.len() >= 12 && raw[0] == 0xfa && &raw[1..9] == b"stscore." {
                    if let Some(c) = control_of(std::str::from_utf8(&raw[9..12]).unwrap_or("")) {
                        return Ok(Decoded::Control(c));
                    }
                }
                let value = Value::String(latin1(raw));
                Ok(Decoded::Data {
                    json: crate::json::compact(&value).into_bytes(),
                    value,
                })
            }
            Encoding::Csv { quote, delimiter } => {
                let layout = self
                    .csv
                    .as_ref()
                    .ok_or("no CSV field names (add a record schema or a header line)")?;
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .quote(*quote)
                    .delimiter(*delimiter)
                    .from_reader(raw);
                let row = reader
                    .records()
                    .next()
                    .ok_or("an empty CSV line")?
                    .map_err(|e| format!("not CSV: {e}"))?;
                if row.len() != layout.names.len() {
                    return Err(format!(
                        "{} CSV fields, {} expected",
                        row.len(),
                        layout.names.len()
                    ));
                }
                let mut object = Map::new();
                for (i, cell) in row.iter().enumerate() {
                    let value = match &layout.types {
                        Some(types) => csv_value(cell, &types[i])
                            .map_err(|e| format!("field '{}': {e}", layout.names[i]))?,
                        None => Value::String(cell.to_string()),
                    };
                    object.insert(layout.names[i].clone(), value);
                }
                let value = Value::Object(object);
                Ok(Decoded::Data {
                    json: crate::json::compact(&value).into_bytes(),
                    value,
                })
            }
        }
    }
}

/// A CSV cell converted to the type its schema field asks for.
fn csv_value(cell: &str, schema: &Schema) -> Result<Value, String> {
    let t = cell.trim();
    let number = |v: Option<Value>| v.ok_or_else(|| format!("a number expected, not '{cell}'"));
    match schema {
        Schema::Null if t.is_empty() => Ok(Value::Null),
        Schema::Int | Schema::Long => number(t.parse::<i64>().ok().map(Value::from)),
        Schema::Float | Schema::Double => number(
            t.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
        ),
        Schema::Boolean => match t.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("true or false expected, not '{cell}'")),
        },
        Schema::Union(u) => {
            if t.is_empty() && u.variants().iter().any(|v| matches!(v, Schema::Null)) {
                return Ok(Value::Null);
            }
            u.variants()
                .iter()
                .filter(|v| !matches!(v, Schema::Null))
                .find_map(|v| csv_value(cell, v).ok())
                .ok_or_else(|| format!("'{cell}' fits none of the union's types"))
        }
        _ => Ok(Value::String(cell.to_string())),
    }
}

/// How model outputs are written.
pub struct Encoder {
    encoding: Encoding,
    csv: Option<CsvLayout>,
}

impl Encoder {
    pub fn new(encoding: Encoding, csv: Option<CsvLayout>) -> Encoder {
        Encoder { encoding, csv }
    }

    /// The bytes of one output record, from its JSON text and value.
    pub fn encode(&self, json: &[u8], value: &Value) -> Result<Vec<u8>, String> {
        match &self.encoding {
            Encoding::Json => Ok(json.to_vec()),
            Encoding::Utf8 => value
                .as_str()
                .map(|s| s.as_bytes().to_vec())
                .ok_or_else(|| "a utf-8 output must be a string".to_string()),
            Encoding::Null => value
                .as_str()
                .filter(|s| s.chars().all(|c| (c as u32) < 256))
                .map(|s| s.chars().map(|c| c as u8).collect())
                .ok_or_else(|| "a raw (null-encoded) output must be bytes".to_string()),
            Encoding::Csv { quote, delimiter } => {
                let object = value.as_object().ok_or("a csv output must be a record")?;
                let names: Vec<String> = match &self.csv {
                    Some(layout) => layout.names.clone(),
                    None => object.keys().cloned().collect(),
                };
                let mut writer = csv::WriterBuilder::new()
                    .quote(*quote)
                    .delimiter(*delimiter)
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_writer(Vec::new());
                let cells: Vec<String> = names
                    .iter()
                    .map(|n| match object.get(n) {
                        None | Some(Value::Null) => String::new(),
                        Some(Value::String(s)) => s.clone(),
                        Some(other) => crate::json::compact(other),
                    })
                    .collect();
                writer.write_record(&cells).map_err(|e| e.to_string())?;
                let mut bytes = writer.into_inner().map_err(|e| e.to_string())?;
                bytes.pop(); // the envelope adds the separator
                Ok(bytes)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_records_and_control_records() {
        let d = Decoder::new(Encoding::Json, None);
        assert!(matches!(
            d.decode(br#"{"$fastscore": "end"}"#),
            Ok(Decoded::Control(Control::End))
        ));
        match d.decode(b"{\"a\": 1}").unwrap() {
            Decoded::Data { value, json } => {
                assert_eq!(value, json!({"a": 1}));
                assert_eq!(json, b"{\"a\": 1}");
            }
            _ => panic!(),
        }
        assert!(d.decode(b"foobar").unwrap_err().starts_with("not JSON"));
        let u = Decoder::new(Encoding::Utf8, None);
        assert!(matches!(
            u.decode("\u{262e}fastscore.set|1".as_bytes()),
            Ok(Decoded::Control(Control::Set))
        ));
    }

    #[test]
    fn csv_by_schema_position() {
        let avro = crate::schema::parse(&json!({"type": "record", "name": "r", "fields": [
            {"name": "id", "type": "int"}, {"name": "name", "type": "string"}, {"name": "age", "type": ["null", "double"]}]})).unwrap();
        let d = Decoder::new(
            Encoding::Csv {
                quote: b'"',
                delimiter: b',',
            },
            CsvLayout::from_schema(&avro),
        );
        match d.decode(b"1,\"Joe, Jr\",30").unwrap() {
            Decoded::Data { value, .. } => {
                assert_eq!(value, json!({"id": 1, "name": "Joe, Jr", "age": 30.0}))
            }
            _ => panic!(),
        }
        assert!(d.decode(b"x,Joe,1").unwrap_err().contains("field 'id'"));
        let e = Encoder::new(
            Encoding::Csv {
                quote: b'"',
                delimiter: b',',
            },
            CsvLayout::from_schema(&avro),
        );
        assert_eq!(
            e.encode(b"", &json!({"name": "a,b", "id": 2, "age": null}))
                .unwrap(),
            b"2,\"a,b\","
        );
    }
}
