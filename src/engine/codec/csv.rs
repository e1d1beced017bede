//! `csv`: one line of comma-separated values per record, mapped by position to the fields
//! of the slot's record schema and converted to the fields' types.

use super::{Codec, Decoded, Encoding};
use crate::engine::envelope::{DelimitedCsv, Envelope};
use crate::schema::Avro;
use crate::stream::descriptor::field;
use crate::sync::lock;
use apache_avro::Schema;
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
struct Csv {
    quote: u8,
    delimiter: u8,
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Encoding>, String> {
    let byte = |name: &str, default: u8| -> Result<u8, String> {
        match params.and_then(|m| field(m, name)) {
            None => Ok(default),
            Some(Value::String(s)) if s.len() == 1 => Ok(s.as_bytes()[0]),
            Some(_) => Err(format!("{name} must be a single character")),
        }
    };
    Ok(Arc::new(Csv {
        quote: byte("QuoteCharacter", b'"')?,
        delimiter: byte("Delimiter", b',')?,
    }))
}

impl Encoding for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn internal(&self) -> Value {
        json!({"type": "csv", "quote_character": (self.quote as char).to_string(),
               "delimiter": (self.delimiter as char).to_string()})
    }

    fn default_envelope(&self) -> Arc<dyn Envelope> {
        Arc::new(DelimitedCsv::standard())
    }

    fn codec(&self, schema: Option<&Avro>) -> Result<Box<dyn Codec>, String> {
        let fields = schema
            .and_then(Avro::record_fields)
            .ok_or("a csv stream needs a record schema")?;
        Ok(Box::new(CsvCodec {
            format: self.clone(),
            names: fields.iter().map(|(n, _)| n.clone()).collect(),
            types: fields.iter().map(|(_, s)| (*s).clone()).collect(),
            splitter: Mutex::new(
                csv_core::ReaderBuilder::new()
                    .quote(self.quote)
                    .delimiter(self.delimiter)
                    .build(),
            ),
        }))
    }
}

struct CsvCodec {
    format: Csv,
    /// Field names and schemas the columns map to, by position.
    names: Vec<String>,
    types: Vec<Schema>,
    /// Splits one line into fields; made once, reset for every record.
    splitter: Mutex<csv_core::Reader>,
}

impl CsvCodec {
    /// The unquoted fields of one CSV line, and where each ends in the returned buffer.
    fn fields(&self, raw: &[u8]) -> Result<(Vec<u8>, Vec<usize>), String> {
        use csv_core::ReadRecordResult as R;
        let mut splitter = lock(&self.splitter);
        splitter.reset();
        let mut out = vec![0u8; raw.len() + 1];
        let mut ends = vec![0usize; self.names.len() + 1];
        let (mut nin, mut nout, mut nends) = (0, 0, 0);
        loop {
            let (result, i, o, e) =
                splitter.read_record(&raw[nin..], &mut out[nout..], &mut ends[nends..]);
            (nin, nout, nends) = (nin + i, nout + o, nends + e);
            match result {
                // the line has no terminator: an empty input ends the record
                R::InputEmpty => continue,
                R::Record | R::End => break,
                R::OutputFull | R::OutputEndsFull => {
                    return Err(format!(
                        "more than {} CSV fields, {} expected",
                        self.names.len() + 1,
                        self.names.len()
                    ))
                }
            }
        }
        if nends == 0 {
            return Err("an empty CSV line".into());
        }
        out.truncate(nout);
        ends.truncate(nends);
        Ok((out, ends))
    }
}

impl Codec for CsvCodec {
    fn decode(&self, raw: &[u8]) -> Result<Decoded, String> {
        let (bytes, ends) = self.fields(raw)?;
        if ends.len() != self.names.len() {
            return Err(format!(
                "{} CSV fields, {} expected",
                ends.len(),
                self.names.len()
            ));
        }
        let mut object = Map::new();
        let mut start = 0;
        for ((end, name), schema) in ends.iter().zip(&self.names).zip(&self.types) {
            let cell = std::str::from_utf8(&bytes[start..*end])
                .map_err(|_| format!("field '{name}': not UTF-8 text"))?;
            start = *end;
            let value = cell_value(cell, schema).map_err(|e| format!("field '{name}': {e}"))?;
            object.insert(name.clone(), value);
        }
        Ok(Decoded::value(Value::Object(object)))
    }

    fn encode(&self, _: &[u8], value: &Value) -> Result<Vec<u8>, String> {
        let object = value.as_object().ok_or("a csv output must be a record")?;
        let cells: Vec<String> = self
            .names
            .iter()
            .map(|n| match object.get(n) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => crate::json::compact(other),
            })
            .collect();
        let mut writer = csv::WriterBuilder::new()
            .quote(self.format.quote)
            .delimiter(self.format.delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        writer.write_record(&cells).map_err(|e| e.to_string())?;
        let mut bytes = writer.into_inner().map_err(|e| e.to_string())?;
        bytes.pop(); // the envelope adds the separator
        Ok(bytes)
    }
}

/// A CSV cell converted to the type its schema field asks for.
fn cell_value(cell: &str, schema: &Schema) -> Result<Value, String> {
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
                .find_map(|v| cell_value(cell, v).ok())
                .ok_or_else(|| format!("'{cell}' fits none of the union's types"))
        }
        _ => Ok(Value::String(cell.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_by_schema_position() {
        let avro = crate::schema::parse(&json!({"type": "record", "name": "r", "fields": [
            {"name": "id", "type": "int"}, {"name": "name", "type": "string"},
            {"name": "age", "type": ["null", "double"]}]}))
        .unwrap();
        let codec = Csv {
            quote: b'"',
            delimiter: b',',
        }
        .codec(Some(&avro))
        .unwrap();
        match codec.decode(b"1,\"Joe, Jr\",30").unwrap() {
            Decoded::Data { value, .. } => {
                assert_eq!(value, json!({"id": 1, "name": "Joe, Jr", "age": 30.0}))
            }
            other => panic!("{other:?}"),
        }
        assert!(codec.decode(b"x,Joe,1").unwrap_err().contains("field 'id'"));
        assert_eq!(
            codec.decode(b"1,Joe").unwrap_err(),
            "2 CSV fields, 3 expected"
        );
        assert_eq!(
            codec.decode(b"1,Joe,3,4").unwrap_err(),
            "4 CSV fields, 3 expected"
        );
        assert_eq!(
            codec.decode(b"1,Joe,3,4,5").unwrap_err(),
            "more than 4 CSV fields, 3 expected"
        );
        assert_eq!(codec.decode(b"").unwrap_err(), "an empty CSV line");
        match codec.decode(b"2,\"say \"\"hi\"\"\",").unwrap() {
            Decoded::Data { value, .. } => {
                assert_eq!(value, json!({"id": 2, "name": "say \"hi\"", "age": null}))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            codec
                .encode(b"", &json!({"name": "a,b", "id": 2, "age": null}))
                .unwrap(),
            b"2,\"a,b\","
        );
        assert!(Csv {
            quote: b'"',
            delimiter: b','
        }
        .codec(None)
        .is_err());
    }
}
