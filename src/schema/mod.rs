//! Avro schemas: parsed by apache-avro; JSON records checked by our own walk so that a
//! rejection says which field, what was expected and what came (apache-avro only says no).

pub mod infer;

use apache_avro::schema::{InnerDecimalSchema, Name, UuidSchema};
use apache_avro::Schema;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// A parsed schema with its named types, ready to check records.
#[derive(Debug)]
pub struct Avro {
    schema: Schema,
    named: HashMap<String, Schema>,
}

/// Why a record does not match: where, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "field '{}': {}", self.path, self.message)
        }
    }
}

/// Parse an Avro schema document; the error says what is wrong with it.
pub fn parse(doc: &Value) -> Result<Avro, String> {
    let schema = Schema::parse(doc).map_err(|e| e.to_string())?;
    let mut named = HashMap::new();
    collect_named(&schema, &mut named);
    Ok(Avro { schema, named })
}

fn collect_named(schema: &Schema, named: &mut HashMap<String, Schema>) {
    let mut add = |name: &Name| {
        named.insert(name.fullname(None), schema.clone());
    };
    match schema {
        Schema::Record(r) => {
            add(&r.name);
            for field in &r.fields {
                collect_named(&field.schema, named);
            }
        }
        Schema::Enum(e) => add(&e.name),
        Schema::Fixed(f) | Schema::Duration(f) => add(&f.name),
        Schema::Decimal(d) => {
            if let InnerDecimalSchema::Fixed(f) = &d.inner {
                named.insert(f.name.fullname(None), Schema::Fixed(f.clone()));
            }
        }
        Schema::Uuid(UuidSchema::Fixed(f)) => {
            named.insert(f.name.fullname(None), Schema::Fixed(f.clone()));
        }
        Schema::Array(a) => collect_named(&a.items, named),
        Schema::Map(m) => collect_named(&m.types, named),
        Schema::Union(u) => {
            for v in u.variants() {
                collect_named(v, named);
            }
        }
        _ => {}
    }
}

impl Avro {
    /// The parsed schema, for the binary codec.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The fields of a record schema, in order, with their (resolved) schemas.
    pub fn record_fields(&self) -> Option<Vec<(String, &Schema)>> {
        match self.resolve(&self.schema) {
            Schema::Record(r) => Some(
                r.fields
                    .iter()
                    .map(|f| (f.name.clone(), self.resolve(&f.schema)))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The kind of values a record set of this schema holds, for the Python runner.
    pub fn shape(&self) -> &'static str {
        match self.resolve(&self.schema) {
            Schema::Record(_) | Schema::Map(_) => "record",
            Schema::Array(_) => "array",
            _ => "atomic",
        }
    }

    /// Whether two schemas describe the same data, ignoring names, namespaces, docs,
    /// aliases and field order (the relaxed matching of spec/engine.md §6.1); failing
    /// that, whether data written with `self` can be read as `reader` (Avro resolution).
    pub fn compatible_with(&self, reader: &Avro) -> bool {
        structure(self, &self.schema) == structure(reader, &reader.schema)
            || apache_avro::schema_compatibility::SchemaCompatibility::can_read(
                &self.schema,
                &reader.schema,
            )
            .is_ok()
    }

    /// Check one JSON record against the schema.
    pub fn check(&self, datum: &Value) -> Result<(), Mismatch> {
        self.check_at(&self.schema, datum, &mut String::new())
    }

    fn resolve<'a>(&'a self, schema: &'a Schema) -> &'a Schema {
        match schema {
            Schema::Ref { name } => self.named.get(&name.fullname(None)).unwrap_or(schema),
            _ => schema,
        }
    }

    fn check_at(&self, schema: &Schema, v: &Value, path: &mut String) -> Result<(), Mismatch> {
        let schema = self.resolve(schema);
        let fail = |message: String| Mismatch {
            path: path.clone(),
            message,
        };
        // `Int expected, not "fastscore"`: the original's words, type first and capitalised
        let expected =
            |what: &str| fail(format!("{} expected, not {}", capitalised(what), show(v)));
        match schema {
            Schema::Null => v.is_null().then_some(()).ok_or_else(|| expected("null")),
            Schema::Boolean => v
                .is_boolean()
                .then_some(())
                .ok_or_else(|| expected("boolean")),
            Schema::Int | Schema::Date | Schema::TimeMillis => {
                check_integer(v, i32::MIN.into(), i32::MAX.into())
                    .map_err(|range| expected(if range { "int (32-bit)" } else { "int" }))
            }
            Schema::Long
            | Schema::TimeMicros
            | Schema::TimestampMillis
            | Schema::TimestampMicros
            | Schema::TimestampNanos
            | Schema::LocalTimestampMillis
            | Schema::LocalTimestampMicros
            | Schema::LocalTimestampNanos => check_integer(v, i64::MIN, i64::MAX)
                .map_err(|range| expected(if range { "long (64-bit)" } else { "long" })),
            Schema::Float => match v.as_f64() {
                Some(x) if x.abs() <= f32::MAX as f64 => Ok(()),
                Some(_) => Err(fail(format!("{} is out of the float range", show(v)))),
                None => Err(expected("float")),
            },
            Schema::Double => v
                .is_number()
                .then_some(())
                .ok_or_else(|| expected("double")),
            Schema::String | Schema::Uuid(UuidSchema::String) => v
                .is_string()
                .then_some(())
                .ok_or_else(|| expected("string")),
            Schema::Bytes | Schema::BigDecimal | Schema::Uuid(UuidSchema::Bytes) => byte_string(v)
                .map(drop)
                .ok_or_else(|| expected("bytes (a string)")),
            Schema::Decimal(d) => match &d.inner {
                InnerDecimalSchema::Bytes => byte_string(v)
                    .map(drop)
                    .ok_or_else(|| expected("bytes (a string)")),
                InnerDecimalSchema::Fixed(f) => check_fixed(v, f.size, &f.name).map_err(fail),
            },
            Schema::Fixed(f) | Schema::Duration(f) | Schema::Uuid(UuidSchema::Fixed(f)) => {
                check_fixed(v, f.size, &f.name).map_err(fail)
            }
            Schema::Enum(e) => match v.as_str() {
                Some(s) if e.symbols.iter().any(|x| x == s) => Ok(()),
                _ => Err(expected(&format!("one of {}", e.symbols.join(", ")))),
            },
            Schema::Array(a) => {
                let items = v.as_array().ok_or_else(|| expected("array"))?;
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    self.check_at(&a.items, item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Schema::Map(m) => {
                let members = v.as_object().ok_or_else(|| expected("map (an object)"))?;
                for (key, item) in members {
                    let len = path.len();
                    path.push_str(&format!(
                        "[{}]",
                        crate::json::compact(&Value::String(key.clone()))
                    ));
                    self.check_at(&m.types, item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Schema::Record(r) => {
                let members = v
                    .as_object()
                    .ok_or_else(|| expected(&format!("record {}", r.name.name())))?;
                for field in &r.fields {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&field.name);
                    match members.get(&field.name) {
                        Some(item) => self.check_at(&field.schema, item, path)?,
                        None if field.default.is_some() => {}
                        None => {
                            return Err(Mismatch {
                                path: path.clone(),
                                message: format!(
                                    "missing ({} expected)",
                                    type_name(self.resolve(&field.schema))
                                ),
                            })
                        }
                    }
                    path.truncate(len);
                }
                Ok(())
            }
            Schema::Union(u) => {
                let variants = u.variants();
                if variants
                    .iter()
                    .any(|s| self.check_at(s, v, &mut path.clone()).is_ok())
                {
                    return Ok(());
                }
                // Avro's JSON encoding of a union value: {"<branch>": value}
                if let Some((branch, inner)) = v
                    .as_object()
                    .filter(|m| m.len() == 1)
                    .and_then(|m| m.iter().next())
                {
                    if let Some(s) = variants
                        .iter()
                        .find(|s| type_name(self.resolve(s)) == *branch)
                    {
                        return self.check_at(s, inner, path);
                    }
                }
                let names: Vec<String> = variants
                    .iter()
                    .map(|s| type_name(self.resolve(s)))
                    .collect();
                Err(expected(&format!(
                    "one of the union types ({})",
                    names.join(", ")
                )))
            }
            Schema::Ref { name } => {
                Err(fail(format!("type '{}' is undefined", name.fullname(None))))
            }
        }
    }
}

/// A name-free description of a schema, for structural comparison.
fn structure(avro: &Avro, schema: &Schema) -> Value {
    fn walk(avro: &Avro, schema: &Schema, seen: &mut Vec<String>) -> Value {
        let schema = avro.resolve(schema);
        match schema {
            Schema::Record(r) => {
                let full = r.name.fullname(None);
                if seen.contains(&full) {
                    return Value::String("(recursive)".into());
                }
                seen.push(full);
                let mut fields: Vec<(String, Value)> = r
                    .fields
                    .iter()
                    .map(|f| (f.name.clone(), walk(avro, &f.schema, seen)))
                    .collect();
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                seen.pop();
                serde_json::json!({"record": fields.into_iter().map(|(n, t)| serde_json::json!([n, t])).collect::<Vec<_>>()})
            }
            Schema::Enum(e) => serde_json::json!({"enum": e.symbols}),
            Schema::Fixed(f) => serde_json::json!({"fixed": f.size}),
            Schema::Array(a) => serde_json::json!({"array": walk(avro, &a.items, seen)}),
            Schema::Map(m) => serde_json::json!({"map": walk(avro, &m.types, seen)}),
            Schema::Union(u) => {
                Value::Array(u.variants().iter().map(|v| walk(avro, v, seen)).collect())
            }
            other => Value::String(type_name(other)),
        }
    }
    walk(avro, schema, &mut Vec::new())
}

/// An integer within [min, max]; `Err(true)` when it is an integer out of range.
fn check_integer(v: &Value, min: i64, max: i64) -> Result<(), bool> {
    match v.as_i64() {
        Some(n) if n >= min && n <= max => Ok(()),
        Some(_) => Err(true),
        None if v.is_u64() => Err(true),
        None => Err(false),
    }
}

/// A string of code points 0–255 (Avro's JSON form of bytes): its length in bytes.
fn byte_string(v: &Value) -> Option<usize> {
    let s = v.as_str()?;
    s.chars()
        .all(|c| (c as u32) < 256)
        .then(|| s.chars().count())
}

fn capitalised(what: &str) -> String {
    let mut chars = what.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn check_fixed(v: &Value, size: usize, name: &Name) -> Result<(), String> {
    match byte_string(v) {
        Some(n) if n == size => Ok(()),
        Some(n) => Err(format!(
            "Fixed {} of {size} bytes expected, not {n} bytes",
            name.name()
        )),
        None => Err(format!(
            "Fixed {} of {size} bytes expected, not {}",
            name.name(),
            show(v)
        )),
    }
}

/// The name a schema goes by: `int`, `array`, a record's name, …
pub fn type_name(schema: &Schema) -> String {
    match schema {
        Schema::Record(r) => r.name.name().to_string(),
        Schema::Enum(e) => e.name.name().to_string(),
        Schema::Fixed(f) | Schema::Duration(f) => f.name.name().to_string(),
        Schema::Ref { name } => name.name().to_string(),
        other => {
            let kind = apache_avro::schema::SchemaKind::from(other);
            let text = format!("{kind:?}");
            text.to_ascii_lowercase()
        }
    }
}

/// A record value for a message: compact JSON, cut short when long.
fn show(v: &Value) -> String {
    let text = crate::json::compact(v);
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(schema: Value, datum: Value) -> Result<(), String> {
        parse(&schema)
            .unwrap()
            .check(&datum)
            .map_err(|m| m.to_string())
    }

    #[test]
    fn primitives() {
        assert_eq!(
            check(json!("int"), json!("fastscore")),
            Err("Int expected, not \"fastscore\"".into())
        );
        assert!(check(json!("int"), json!(5)).is_ok());
        assert!(check(json!("int"), json!(5.0)).is_err());
        assert!(check(json!("int"), json!(3000000000u64)).is_err());
        assert!(check(json!("long"), json!(3000000000u64)).is_ok());
        assert!(check(json!("double"), json!(1)).is_ok());
        assert!(check(json!("float"), json!(1e39)).is_err());
        assert!(check(json!("bytes"), json!("\u{ff}")).is_ok());
        assert!(check(json!("bytes"), json!("\u{100}")).is_err());
    }

    #[test]
    fn records_name_the_field() {
        let s = json!({"type": "record", "name": "r", "fields": [
            {"name": "a", "type": "double"},
            {"name": "b", "type": {"type": "array", "items": "int"}},
            {"name": "c", "type": "string", "default": ""}]});
        assert!(check(s.clone(), json!({"a": 1.5, "b": [1], "extra": true})).is_ok());
        assert_eq!(
            check(s.clone(), json!({"a": "x", "b": []})),
            Err("field 'a': Double expected, not \"x\"".into())
        );
        assert_eq!(
            check(s.clone(), json!({"a": 1, "b": [1, "2"]})),
            Err("field 'b[1]': Int expected, not \"2\"".into())
        );
        assert_eq!(
            check(s.clone(), json!({"b": []})),
            Err("field 'a': missing (double expected)".into())
        );
        assert_eq!(
            check(s, json!([1])),
            Err("Record r expected, not [1]".into())
        );
    }

    #[test]
    fn unions_plain_or_tagged() {
        let s = json!(["null", "string", {"type": "record", "name": "p", "fields": [{"name": "x", "type": "int"}]}]);
        assert!(check(s.clone(), json!(null)).is_ok());
        assert!(check(s.clone(), json!("a")).is_ok());
        assert!(check(s.clone(), json!({"string": "a"})).is_ok());
        assert!(check(s.clone(), json!({"x": 1})).is_ok());
        assert!(check(s, json!(1))
            .unwrap_err()
            .contains("One of the union types (null, string, p)"));
    }

    #[test]
    fn named_references() {
        let s = json!({"type": "record", "name": "n", "namespace": "ns", "fields": [
            {"name": "e", "type": {"type": "enum", "name": "color", "symbols": ["RED", "GREEN"]}},
            {"name": "f", "type": "color"},
            {"name": "next", "type": ["null", "n"]}]});
        assert!(check(
            s.clone(),
            json!({"e": "RED", "f": "GREEN", "next": {"e": "RED", "f": "RED", "next": null}})
        )
        .is_ok());
        assert_eq!(
            check(s, json!({"e": "RED", "f": "BLUE", "next": null})),
            Err("field 'f': One of RED, GREEN expected, not \"BLUE\"".into())
        );
    }

    #[test]
    fn bad_schemas_say_why() {
        assert!(parse(&json!("foobar")).unwrap_err().contains("foobar"));
        assert!(parse(&json!({"type": "record", "fields": []})).is_err());
    }
}
