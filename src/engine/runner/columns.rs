//! Record sets as columns, both ways between the engine and a jet (design.md: "flat records
//! as columns for DataFrame models"). A columns payload is one JSON header line and a body:
//!
//! ```text
//! {"n": <rows>, "shape": "record" | "value" | "array", "width": <w>,
//!  "columns": [[<name>, <type>, <offset in body>, <length in bytes>], …]}\n<body>
//! ```
//!
//! Types: `f8`, `f4`, `i8` (little endian), `b1` (one byte, 0 or 1) — raw buffers that numpy
//! views without parsing — and `json`, a JSON array of the column's values for everything
//! else (strings, nulls, nested values). `record` rows are objects with one field per
//! column; `value` rows are the one column's values; `array` rows are `width` consecutive
//! values of the one column (a 2-D array, row by row).
//!
//! The engine sends records of a flat record schema this way to models that read
//! DataFrames; a model's DataFrame, Series or ndarray outputs come back this way and are
//! turned into one JSON text per row here, for the output slot's checks and codec.

use super::protocol::Format;
use super::recordset::RecordSet;
use apache_avro::Schema;
use serde_json::Value;
use std::io::Write;

/// Buffers in the body start at multiples of this, so that numpy's views are aligned.
const ALIGN: usize = 8;

enum Data {
    F8(Vec<f64>),
    I8(Vec<i64>),
    B1(Vec<u8>),
    /// Values as JSON texts separated by commas.
    Json(Vec<u8>),
}

struct Column {
    name: String,
    data: Data,
}

/// An input record set being gathered column by column.
pub struct Columns {
    n: usize,
    columns: Vec<Column>,
}

impl Columns {
    /// Empty columns for records of these fields, typed after their schemas.
    pub fn for_fields(fields: &[(String, &Schema)]) -> Columns {
        let columns = fields
            .iter()
            .map(|(name, schema)| Column {
                name: name.clone(),
                data: match schema {
                    Schema::Double | Schema::Float => Data::F8(Vec::new()),
                    Schema::Int | Schema::Long => Data::I8(Vec::new()),
                    Schema::Boolean => Data::B1(Vec::new()),
                    _ => Data::Json(Vec::new()),
                },
            })
            .collect();
        Columns { n: 0, columns }
    }

    /// An empty copy with the same columns (each as its schema first made it).
    fn fresh(&self) -> Columns {
        let columns = self
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                data: match c.data {
                    Data::F8(_) => Data::F8(Vec::new()),
                    Data::I8(_) => Data::I8(Vec::new()),
                    Data::B1(_) => Data::B1(Vec::new()),
                    Data::Json(_) => Data::Json(Vec::new()),
                },
            })
            .collect();
        Columns { n: 0, columns }
    }
}

impl Column {
    /// Add one value; a value the column's type cannot hold turns it into a JSON column.
    fn push(&mut self, v: Option<&Value>, first: bool) {
        let fits = match (&mut self.data, v) {
            (Data::F8(d), Some(v)) => v.as_f64().map(|x| d.push(x)).is_some(),
            (Data::I8(d), Some(v)) => v.as_i64().map(|x| d.push(x)).is_some(),
            (Data::B1(d), Some(v)) => v.as_bool().map(|x| d.push(u8::from(x))).is_some(),
            (Data::Json(_), _) => false,
            (_, None) => false,
        };
        if fits {
            return;
        }
        let text = self.json_text();
        if !first {
            text.push(b',');
        }
        match v {
            // a field left out (it has a default) reaches the model as null
            None => text.extend_from_slice(b"null"),
            Some(v) => {
                let _ = serde_json::to_writer(&mut *text, v);
            }
        }
    }

    /// The column as JSON texts (typed values written out the first time).
    fn json_text(&mut self) -> &mut Vec<u8> {
        let mut text = Vec::new();
        let sep = |t: &mut Vec<u8>| {
            if !t.is_empty() {
                t.push(b',');
            }
        };
        match &self.data {
            Data::Json(_) => {}
            Data::F8(d) => d.iter().for_each(|x| {
                sep(&mut text);
                write_f64(&mut text, *x);
            }),
            Data::I8(d) => d.iter().for_each(|x| {
                sep(&mut text);
                let _ = write!(text, "{x}");
            }),
            Data::B1(d) => d.iter().for_each(|x| {
                sep(&mut text);
                text.extend_from_slice(if *x != 0 { b"true" } else { b"false" });
            }),
        }
        if !matches!(self.data, Data::Json(_)) {
            self.data = Data::Json(text);
        }
        match &mut self.data {
            Data::Json(t) => t,
            _ => unreachable!("the column was just made a JSON column"),
        }
    }

    fn bytes(&self) -> (&'static str, Vec<u8>) {
        match &self.data {
            Data::F8(d) => ("f8", d.iter().flat_map(|x| x.to_le_bytes()).collect()),
            Data::I8(d) => ("i8", d.iter().flat_map(|x| x.to_le_bytes()).collect()),
            Data::B1(d) => ("b1", d.clone()),
            Data::Json(t) => {
                let mut out = Vec::with_capacity(t.len() + 2);
                out.push(b'[');
                out.extend_from_slice(t);
                out.push(b']');
                ("json", out)
            }
        }
    }

    fn size(&self) -> usize {
        match &self.data {
            Data::F8(d) => d.len() * 8,
            Data::I8(d) => d.len() * 8,
            Data::B1(d) => d.len(),
            Data::Json(t) => t.len(),
        }
    }
}

impl RecordSet for Columns {
    fn push(&mut self, value: &Value, _json: &[u8]) {
        let first = self.n == 0;
        for c in &mut self.columns {
            let field = value.get(&c.name);
            c.push(field, first);
        }
        self.n += 1;
    }

    fn takes_values(&self) -> bool {
        true
    }

    fn count(&self) -> usize {
        self.n
    }

    fn size(&self) -> usize {
        self.columns.iter().map(Column::size).sum()
    }

    fn take(&mut self) -> Vec<u8> {
        let taken = std::mem::replace(self, self.fresh());
        let columns = taken.columns.iter().map(|c| {
            let (kind, bytes) = c.bytes();
            (c.name.clone(), kind, bytes)
        });
        encode(taken.n, columns)
    }

    fn empty(&self) -> Box<dyn RecordSet> {
        Box::new(self.fresh())
    }

    fn format(&self) -> Format {
        Format::Columns
    }
}

/// A payload of records: their number and each column's name, type and buffer.
fn encode(n: usize, columns: impl Iterator<Item = (String, &'static str, Vec<u8>)>) -> Vec<u8> {
    let mut body = Vec::new();
    let mut list = Vec::new();
    for (name, kind, bytes) in columns {
        body.resize(body.len().next_multiple_of(ALIGN), 0);
        list.push(serde_json::json!([name, kind, body.len(), bytes.len()]));
        body.extend_from_slice(&bytes);
    }
    let head = serde_json::json!({"n": n, "shape": "record", "columns": list});
    let mut out = serde_json::to_vec(&head).unwrap_or_default();
    out.push(b'\n');
    out.extend_from_slice(&body);
    out
}

/// Record payloads of the same columns as one (batches gathered into one record set): a
/// column typed alike in all of them stays typed, otherwise it becomes JSON.
pub fn concat(payloads: &[&[u8]]) -> Result<Vec<u8>, String> {
    let parts = payloads
        .iter()
        .map(|p| parse(p))
        .collect::<Result<Vec<_>, _>>()?;
    let first = parts.first().ok_or("no payload")?;
    if parts
        .iter()
        .any(|p| p.shape != "record" || p.columns.len() != first.columns.len())
    {
        return Err("payloads of different columns".into());
    }
    let n = parts.iter().map(|p| p.n).sum();
    let mut columns = Vec::new();
    for (i, (name, read)) in first.columns.iter().enumerate() {
        let name: String = serde_json::from_str(name).unwrap_or_default();
        let typed = match read {
            Read::Typed { kind, .. } => Some(*kind),
            Read::Json(_) => None,
        };
        let same = |p: &Parsed| matches!(&p.columns[i].1, Read::Typed { kind, .. } if Some(*kind) == typed);
        if typed.is_some() && parts.iter().all(same) {
            let mut bytes = Vec::new();
            for p in &parts {
                if let Read::Typed { bytes: b, .. } = &p.columns[i].1 {
                    bytes.extend_from_slice(b);
                }
            }
            columns.push((name, typed.unwrap_or("json"), bytes));
        } else {
            let mut text = vec![b'['];
            for p in &parts {
                for row in 0..p.n {
                    if text.len() > 1 {
                        text.push(b',');
                    }
                    p.columns[i].1.write(row, &mut text);
                }
            }
            text.push(b']');
            columns.push((name, "json", text));
        }
    }
    Ok(encode(n, columns.into_iter()))
}

/// A number as Python's json module writes it (non-finite ones too: the output check then
/// refuses them as it refuses the model's own `NaN`).
fn write_f64(out: &mut Vec<u8>, x: f64) {
    if x.is_finite() {
        // ryu's text is Python's except in exponent form and between 1e-5 and 1e-4
        let mut buffer = ryu::Buffer::new();
        let text = buffer.format_finite(x);
        if !text.contains('e') && !text.trim_start_matches('-').starts_with("0.0000") {
            out.extend_from_slice(text.as_bytes());
            return;
        }
    }
    out.extend_from_slice(crate::json::python_float(x).as_bytes());
}

/// One column of a payload being read.
enum Read<'a> {
    Typed { kind: &'static str, bytes: &'a [u8] },
    Json(Vec<Value>),
}

impl Read<'_> {
    fn write(&self, i: usize, out: &mut Vec<u8>) {
        match self {
            Read::Typed { kind, bytes } => {
                let at = |size: usize| &bytes[i * size..(i + 1) * size];
                match *kind {
                    "f8" => write_f64(out, f64::from_le_bytes(fixed(at(8)))),
                    "f4" => write_f64(out, f64::from(f32::from_le_bytes(fixed(at(4))))),
                    "i8" => {
                        let _ = write!(out, "{}", i64::from_le_bytes(fixed(at(8))));
                    }
                    _ => out.extend_from_slice(if at(1)[0] != 0 { b"true" } else { b"false" }),
                }
            }
            Read::Json(values) => {
                out.extend_from_slice(crate::json::compact(&values[i]).as_bytes())
            }
        }
    }
}

fn fixed<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(b);
    a
}

/// A buffer type's name as this file writes it, and the size of its items.
fn buffer_type(kind: &str) -> Option<(&'static str, usize)> {
    match kind {
        "f8" => Some(("f8", 8)),
        "i8" => Some(("i8", 8)),
        "f4" => Some(("f4", 4)),
        "b1" => Some(("b1", 1)),
        _ => None,
    }
}

/// A columns payload, read.
struct Parsed<'a> {
    n: usize,
    shape: &'static str,
    width: usize,
    /// Each column's name as a JSON string, and its values.
    columns: Vec<(String, Read<'a>)>,
}

fn parse(payload: &[u8]) -> Result<Parsed<'_>, String> {
    let split = payload
        .iter()
        .position(|b| *b == b'\n')
        .ok_or("columns without a header")?;
    let head: Value =
        serde_json::from_slice(&payload[..split]).map_err(|_| "a columns header is not JSON")?;
    let body = &payload[split + 1..];
    let n = head
        .get("n")
        .and_then(Value::as_u64)
        .ok_or("columns without n")? as usize;
    let shape = match head
        .get("shape")
        .and_then(Value::as_str)
        .unwrap_or("record")
    {
        "record" => "record",
        "value" => "value",
        "array" => "array",
        other => return Err(format!("an unknown shape '{other}'")),
    };
    let width = match shape {
        "array" => head
            .get("width")
            .and_then(Value::as_u64)
            .ok_or("an array without width")? as usize,
        _ => 1,
    };
    let mut columns = Vec::new();
    for c in head
        .get("columns")
        .and_then(Value::as_array)
        .ok_or("columns without a list")?
    {
        let (Some(name), Some(kind), Some(offset), Some(len)) = (
            c.get(0).and_then(Value::as_str),
            c.get(1).and_then(Value::as_str),
            c.get(2).and_then(Value::as_u64),
            c.get(3).and_then(Value::as_u64),
        ) else {
            return Err(format!("a bad column {c}"));
        };
        let bytes = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(len).ok())
            .and_then(|(o, l)| body.get(o..o.checked_add(l)?))
            .ok_or_else(|| format!("column '{name}' lies outside the payload"))?;
        let values = n * width;
        let read = match buffer_type(kind) {
            Some((kind, size)) if bytes.len() == values * size => Read::Typed { kind, bytes },
            Some(_) => return Err(format!("column '{name}' does not hold {values} values")),
            None if kind == "json" => {
                let list: Vec<Value> =
                    serde_json::from_slice(bytes).map_err(|e| format!("column '{name}': {e}"))?;
                if list.len() != values {
                    return Err(format!("column '{name}' does not hold {values} values"));
                }
                Read::Json(list)
            }
            None => return Err(format!("column '{name}' has an unknown type '{kind}'")),
        };
        columns.push((crate::json::compact(&Value::from(name)), read));
    }
    if shape != "record" && columns.len() != 1 {
        return Err(format!("a {shape} with {} columns", columns.len()));
    }
    Ok(Parsed {
        n,
        shape,
        width,
        columns,
    })
}

/// A columns payload as one JSON text per row, separated by newlines, written as Python's
/// `json.dumps` writes the rows (so that outputs read the same whichever way they came).
pub fn to_lines(payload: &[u8]) -> Result<Vec<u8>, String> {
    let Parsed {
        n,
        shape,
        width,
        columns,
    } = parse(payload)?;
    let mut out = Vec::with_capacity(n * (columns.len() * 24 + 2));
    for row in 0..n {
        if row > 0 {
            out.push(b'\n');
        }
        match shape {
            "record" => {
                out.push(b'{');
                for (k, (name, c)) in columns.iter().enumerate() {
                    if k > 0 {
                        out.extend_from_slice(b", ");
                    }
                    out.extend_from_slice(name.as_bytes());
                    out.extend_from_slice(b": ");
                    c.write(row, &mut out);
                }
                out.push(b'}');
            }
            "value" => columns[0].1.write(row, &mut out),
            "array" => {
                out.push(b'[');
                for k in 0..width {
                    if k > 0 {
                        out.extend_from_slice(b", ");
                    }
                    columns[0].1.write(row * width + k, &mut out);
                }
                out.push(b']');
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The rows of a columns payload as values (to show the records a model failed on).
pub fn rows(payload: &[u8]) -> Vec<Value> {
    to_lines(payload)
        .unwrap_or_default()
        .split(|b| *b == b'\n')
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> crate::schema::Avro {
        crate::schema::parse(&json!({"type": "record", "name": "r", "fields": [
            {"name": "x", "type": "double"}, {"name": "n", "type": "long"},
            {"name": "ok", "type": "boolean"}, {"name": "s", "type": "string"}]}))
        .unwrap()
    }

    #[test]
    fn records_cross_as_columns_and_back_as_rows() {
        let avro = schema();
        let mut cols = Columns::for_fields(&avro.record_fields().unwrap());
        let records = [
            json!({"x": 1.5, "n": 3, "ok": true, "s": "a"}),
            json!({"x": 2, "n": -4, "ok": false, "s": "b\"c"}),
        ];
        for r in &records {
            cols.push(r, b"");
        }
        assert_eq!(cols.count(), 2);
        let payload = cols.take();
        assert_eq!(
            cols.count(),
            0,
            "taking leaves empty columns of the same kinds"
        );
        let head =
            std::str::from_utf8(&payload[..payload.iter().position(|b| *b == b'\n').unwrap()])
                .unwrap();
        assert_eq!(
            head,
            r#"{"n":2,"shape":"record","columns":[["x","f8",0,16],["n","i8",16,16],["ok","b1",32,2],["s","json",40,12]]}"#
        );
        assert_eq!(
            rows(&payload),
            [
                json!({"x": 1.5, "n": 3, "ok": true, "s": "a"}),
                json!({"x": 2.0, "n": -4, "ok": false, "s": "b\"c"})
            ]
        );
    }

    #[test]
    fn a_value_that_does_not_fit_makes_a_json_column() {
        let avro = schema();
        let mut cols = Columns::for_fields(&avro.record_fields().unwrap());
        cols.push(&json!({"x": 1.0, "n": 1, "ok": true, "s": "a"}), b"");
        cols.push(
            &json!({"x": null, "n": 18446744073709551615u64, "s": "b"}),
            b"",
        );
        let payload = cols.take();
        assert_eq!(
            rows(&payload),
            [
                json!({"x": 1.0, "n": 1, "ok": true, "s": "a"}),
                json!({"x": null, "n": 18446744073709551615u64, "ok": null, "s": "b"})
            ]
        );
    }

    #[test]
    fn outputs_of_every_shape_become_lines() {
        let mut body = Vec::new();
        body.extend(0.25f32.to_le_bytes());
        body.extend(0.1f32.to_le_bytes());
        let head = r#"{"n":2,"shape":"record","columns":[["A","f4",0,8],["B","json",8,9]]}"#;
        let mut payload = format!("{head}\n").into_bytes();
        payload.extend(&body);
        payload.extend(b"[\"x\",[1]]");
        assert_eq!(
            String::from_utf8(to_lines(&payload).unwrap()).unwrap(),
            "{\"A\": 0.25, \"B\": \"x\"}\n{\"A\": 0.10000000149011612, \"B\": [1]}"
        );
        let mut arr = br#"{"n":2,"shape":"array","width":2,"columns":[["","i8",0,32]]}"#.to_vec();
        arr.push(b'\n');
        for i in [1i64, 2, 3, 4] {
            arr.extend(i.to_le_bytes());
        }
        assert_eq!(to_lines(&arr).unwrap(), b"[1, 2]\n[3, 4]");
        let mut val = br#"{"n":3,"shape":"value","columns":[["","b1",0,3]]}"#.to_vec();
        val.extend(b"\n\x01\x00\x01");
        assert_eq!(to_lines(&val).unwrap(), b"true\nfalse\ntrue");
        let mut nan = br#"{"n":1,"shape":"value","columns":[["","f8",0,8]]}"#.to_vec();
        nan.push(b'\n');
        nan.extend(f64::NAN.to_le_bytes());
        assert_eq!(to_lines(&nan).unwrap(), b"NaN");
        let mut small = br#"{"n":3,"shape":"value","columns":[["","f8",0,24]]}"#.to_vec();
        small.push(b'\n');
        for x in [1.5e-5, -0.001, 1e16] {
            small.extend(f64::to_le_bytes(x));
        }
        assert_eq!(to_lines(&small).unwrap(), b"1.5e-05\n-0.001\n1e+16");
    }

    #[test]
    fn gathered_batches_keep_their_columns() {
        let avro = schema();
        let fields = avro.record_fields().unwrap();
        let mut a = Columns::for_fields(&fields);
        a.push(&json!({"x": 1.5, "n": 3, "ok": true, "s": "a"}), b"");
        let mut b = Columns::for_fields(&fields);
        b.push(&json!({"x": 2.5, "n": null, "ok": false, "s": "b"}), b"");
        b.push(&json!({"x": 3.5, "n": 5, "ok": true, "s": "c"}), b"");
        let (a, b) = (a.take(), b.take());
        let both = concat(&[&a, &b]).unwrap();
        let head = std::str::from_utf8(&both[..both.iter().position(|c| *c == b'\n').unwrap()])
            .unwrap()
            .to_string();
        assert!(head.contains(r#"["x","f8",0,24]"#), "{head}");
        assert!(head.contains(r#""n","json""#), "{head}");
        assert_eq!(
            rows(&both),
            [
                json!({"x": 1.5, "n": 3, "ok": true, "s": "a"}),
                json!({"x": 2.5, "n": null, "ok": false, "s": "b"}),
                json!({"x": 3.5, "n": 5, "ok": true, "s": "c"})
            ]
        );
    }

    #[test]
    fn broken_columns_are_an_error() {
        let short = b"{\"n\":2,\"shape\":\"value\",\"columns\":[[\"\",\"f8\",0,16]]}\n12345678";
        assert!(to_lines(short).unwrap_err().contains("outside"));
        let wrong =
            b"{\"n\":3,\"shape\":\"value\",\"columns\":[[\"\",\"f8\",0,16]]}\n1234567812345678";
        assert!(to_lines(wrong).unwrap_err().contains("3 values"));
        assert!(to_lines(b"{\"n\":1,\"columns\":[[\"a\",\"q9\",0,0]]}\n").is_err());
        assert!(to_lines(b"no header").is_err());
    }
}
