//! `schema infer`: an Avro schema that fits sample records. The original's algorithm
//! (spec/cli.md §10.4) with deterministic names (`rec` + a hash of the field names, as in
//! the guide) and JSON numbers typed as the guide shows them: `double`, or `int`/`long`
//! when every value is an integer.

use serde_json::{json, Map, Value};
use std::collections::HashSet;

const MAX_RECORD_FIELDS: usize = 100;

fn uuid_like(name: &str) -> bool {
    (name.len() == 32 || name.len() == 40)
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The member names of an object that looks like a record (not a map).
fn field_set(members: &Map<String, Value>) -> Option<Vec<String>> {
    let n = members.len();
    if n == 0 || n > MAX_RECORD_FIELDS || members.keys().any(|k| uuid_like(k)) {
        return None;
    }
    Some(members.keys().cloned().collect())
}

fn emit_field_sets(v: &Value, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(members) => {
            if let Some(set) = field_set(members) {
                out.push(set);
            }
            for item in members.values() {
                emit_field_sets(item, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| emit_field_sets(i, out)),
        _ => {}
    }
}

fn subset(a: &[String], b: &[String]) -> bool {
    a.iter().all(|x| b.contains(x))
}

/// A value after step 4: objects matched to a record type become references to it.
#[derive(Clone)]
enum Sample {
    Plain(Value),
    Record(usize),
}

struct RecordType {
    name: String,
    fields: Vec<String>,
    optional: HashSet<String>,
    /// Per field, the values seen.
    values: Vec<Vec<Sample>>,
    /// Per field, how many values have been matched against the record types.
    scanned: Vec<usize>,
}

struct Inference {
    records: Vec<RecordType>,
    used_names: HashSet<String>,
}

/// FNV-1a, 32 bits: a short name that is the same for the same data on every run.
fn short_hash(text: &str) -> String {
    let mut h: u32 = 0x811c9dc5;
    for b in text.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x01000193);
    }
    format!("{h:08x}")
}

impl Inference {
    fn unique_name(&mut self, prefix: &str, basis: &str) -> String {
        let mut name = format!("{prefix}{}", short_hash(basis));
        let mut n = 0;
        while self.used_names.contains(&name) {
            n += 1;
            name = format!("{prefix}{}", short_hash(&format!("{basis}#{n}")));
        }
        self.used_names.insert(name.clone());
        name
    }

    fn new(samples: &[Value]) -> Inference {
        let mut sets = Vec::new();
        samples.iter().for_each(|s| emit_field_sets(s, &mut sets));
        let mut maximal: Vec<Vec<String>> = Vec::new();
        for set in &sets {
            if maximal.iter().any(|m| subset(set, m)) {
                continue;
            }
            maximal.retain(|m| !subset(m, set));
            maximal.push(set.clone());
        }
        let mut inf = Inference {
            records: Vec::new(),
            used_names: HashSet::new(),
        };
        for fields in maximal {
            let name = inf.unique_name("rec", &fields.join(","));
            let mut optional = HashSet::new();
            for set in sets.iter().filter(|s| subset(s, &fields)) {
                optional.extend(fields.iter().filter(|f| !set.contains(f)).cloned());
            }
            inf.records.push(RecordType {
                name,
                values: vec![Vec::new(); fields.len()],
                scanned: vec![0; fields.len()],
                fields,
                optional,
            });
        }
        inf
    }

    fn matching_record(&self, members: &Map<String, Value>) -> Option<usize> {
        self.records
            .iter()
            .position(|r| members.keys().all(|k| r.fields.contains(k)))
    }

    /// Replace objects by record references, spreading their members into the records.
    fn resolve(&mut self, values: &mut [Sample]) {
        let mut pending = Vec::new();
        self.replace_objects(values, &mut pending);
        while let Some(r) = pending.pop() {
            for f in 0..self.records[r].fields.len() {
                let start = self.records[r].scanned[f];
                let mut fresh: Vec<Sample> = self.records[r].values[f][start..].to_vec();
                self.replace_objects(&mut fresh, &mut pending);
                let rec = &mut self.records[r];
                rec.values[f].truncate(start);
                rec.values[f].extend(fresh);
                rec.scanned[f] = rec.values[f].len();
            }
        }
    }

    fn replace_objects(&mut self, values: &mut [Sample], pending: &mut Vec<usize>) {
        for sample in values.iter_mut() {
            let Sample::Plain(Value::Object(members)) = sample else {
                continue;
            };
            let Some(r) = self.matching_record(members) else {
                continue;
            };
            let members = std::mem::take(members);
            let rec = &mut self.records[r];
            for (key, value) in members {
                if let Some(f) = rec.fields.iter().position(|x| *x == key) {
                    rec.values[f].push(Sample::Plain(value));
                }
            }
            *sample = Sample::Record(r);
            if !pending.contains(&r) {
                pending.push(r);
            }
        }
    }

    fn infer(&mut self, values: &[Sample]) -> Value {
        let mut groups: Vec<(String, Vec<&Sample>)> = Vec::new();
        for v in values {
            let tag = match v {
                Sample::Record(r) => self.records[*r].name.clone(),
                Sample::Plain(p) => match p {
                    Value::Null => "null",
                    Value::Object(_) => "map",
                    Value::Array(_) => "array",
                    Value::Bool(_) => "boolean",
                    Value::Number(n) if n.is_f64() => "number",
                    Value::Number(_) => "int",
                    Value::String(_) => "str",
                }
                .to_string(),
            };
            match groups.iter_mut().find(|(t, _)| *t == tag) {
                Some((_, list)) => list.push(v),
                None => groups.push((tag, vec![v])),
            }
        }
        // integers next to fractional numbers make one `double` group
        if let Some(i) = groups.iter().position(|(t, _)| t == "int") {
            if let Some(n) = groups.iter().position(|(t, _)| t == "number") {
                let ints = groups.remove(i).1;
                let n = if i < n { n - 1 } else { n };
                groups[n].1.extend(ints);
            }
        }
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        let mut schemas: Vec<Value> = groups
            .iter()
            .map(|(tag, list)| self.infer_group(tag, list))
            .collect();
        if schemas.len() == 1 {
            schemas.remove(0)
        } else {
            Value::Array(schemas)
        }
    }

    fn infer_group(&mut self, tag: &str, values: &[&Sample]) -> Value {
        let plain = || {
            values.iter().filter_map(|s| match s {
                Sample::Plain(p) => Some(p),
                Sample::Record(_) => None,
            })
        };
        match tag {
            "null" => json!("null"),
            "boolean" => json!("boolean"),
            "number" => json!("double"),
            "int" => {
                let fits = plain().all(|v| v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()));
                json!(if fits { "int" } else { "long" })
            }
            "str" => {
                let strings: Vec<&str> = plain().filter_map(Value::as_str).collect();
                self.infer_strings(&strings)
            }
            "array" => {
                let items: Vec<Sample> = plain()
                    .filter_map(Value::as_array)
                    .flatten()
                    .cloned()
                    .map(Sample::Plain)
                    .collect();
                json!({"type": "array", "items": self.infer(&items)})
            }
            "map" => {
                let items: Vec<Sample> = plain()
                    .filter_map(Value::as_object)
                    .flat_map(|m| m.values())
                    .cloned()
                    .map(Sample::Plain)
                    .collect();
                json!({"type": "map", "values": self.infer(&items)})
            }
            record => json!(record),
        }
    }

    fn infer_strings(&mut self, strings: &[&str]) -> Value {
        let mut distinct: Vec<&str> = Vec::new();
        for s in strings {
            if !distinct.contains(s) {
                distinct.push(s);
            }
        }
        let n = strings.len();
        let avro_name = |s: &str| {
            s.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let enum_like = distinct.len() > 1
            && distinct.len() <= 10
            && (distinct.len() as f64) <= 0.1 * n as f64
            && distinct.iter().all(|s| avro_name(s) && !uuid_like(s));
        if enum_like {
            let name = self.unique_name("enum", &distinct.join(","));
            return json!({"type": "enum", "name": name, "symbols": distinct});
        }
        let len = strings.first().map(|s| s.chars().count()).unwrap_or(0);
        if n >= 10 && len >= 10 && strings.iter().all(|s| s.chars().count() == len) {
            let name = self.unique_name("fixed", &format!("{len}"));
            return json!({"type": "fixed", "name": name, "size": len});
        }
        json!("string")
    }

    /// Step 6 and 7: expand the first reference to each record, depth first.
    fn expand(&self, schema: Value, defs: &[Value], done: &mut HashSet<String>) -> Value {
        match schema {
            Value::String(name) => match self.records.iter().position(|r| r.name == name) {
                Some(r) if done.insert(name.clone()) => {
                    let mut def = defs[r].clone();
                    if let Some(Value::Array(fields)) = def.get_mut("fields") {
                        for field in fields.iter_mut() {
                            if let Some(t) = field.get_mut("type") {
                                *t = self.expand(t.take(), defs, done);
                            }
                        }
                    }
                    def
                }
                _ => Value::String(name),
            },
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|i| self.expand(i, defs, done))
                    .collect(),
            ),
            Value::Object(mut m) => {
                for key in ["items", "values"] {
                    if let Some(inner) = m.get_mut(key) {
                        *inner = self.expand(inner.take(), defs, done);
                    }
                }
                Value::Object(m)
            }
            other => other,
        }
    }
}

fn default_for(schema: &Value) -> Value {
    match schema {
        Value::String(t) => match t.as_str() {
            "boolean" => json!(false),
            "int" | "long" => json!(0),
            "float" | "double" => json!(0.0),
            "string" | "bytes" => json!(""),
            _ => Value::Null,
        },
        Value::Array(branches) => branches.first().map(default_for).unwrap_or(Value::Null),
        Value::Object(m) => match m.get("type").and_then(Value::as_str) {
            Some("array") => json!([]),
            Some("map") => json!({}),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// The schema of `samples`.
pub fn infer(samples: &[Value]) -> Value {
    let mut inf = Inference::new(samples);
    let mut top: Vec<Sample> = samples.iter().cloned().map(Sample::Plain).collect();
    inf.resolve(&mut top);
    let schema = inf.infer(&top);
    let mut defs = Vec::new();
    for r in 0..inf.records.len() {
        let values = inf.records[r].values.clone();
        let mut fields = Vec::new();
        for (f, name) in inf.records[r].fields.clone().iter().enumerate() {
            let t = inf.infer(&values[f]);
            let mut field = json!({"name": name, "type": t});
            if inf.records[r].optional.contains(name) {
                field["default"] = default_for(&field["type"]);
            }
            fields.push(field);
        }
        defs.push(json!({"type": "record", "name": inf.records[r].name, "fields": fields}));
    }
    inf.expand(schema, &defs, &mut HashSet::new())
}

/// Samples from JSON lines; blank lines are skipped.
pub fn samples_from_json_lines(text: &str) -> Result<Vec<Value>, String> {
    let mut samples = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let v = serde_json::from_str(line)
            .map_err(|e| format!("line {}: {}", i + 1, crate::error::json_error_text(&e)))?;
        samples.push(v);
    }
    Ok(samples)
}

/// Samples from CSV with a header row; numeric cells become numbers, empty cells null.
pub fn samples_from_csv(text: &str) -> Result<Vec<Value>, String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let mut samples = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| e.to_string())?;
        let mut object = Map::new();
        for (name, cell) in headers.iter().zip(row.iter()) {
            object.insert(name.to_string(), csv_cell(cell));
        }
        samples.push(Value::Object(object));
    }
    Ok(samples)
}

fn csv_cell(cell: &str) -> Value {
    let t = cell.trim();
    if t.is_empty() {
        return Value::Null;
    }
    if let Ok(n) = t.parse::<i64>() {
        return json!(n);
    }
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() && t.chars().any(|c| c.is_ascii_digit()) => json!(x),
        _ => Value::String(cell.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iris_is_four_doubles_in_input_order() {
        let samples = samples_from_json_lines(
            "{\"sepal_length\": 6.9, \"sepal_width\": 3.1, \"petal_length\": 5.4, \"petal_width\": 2.1}\n\
             {\"sepal_length\": 4.6, \"sepal_width\": 3.1, \"petal_length\": 1.5, \"petal_width\": 1}\n\n",
        )
        .unwrap();
        let s = infer(&samples);
        let name = s["name"].as_str().unwrap();
        assert!(name.starts_with("rec") && name.len() == 11, "{name}");
        assert_eq!(
            s["fields"],
            json!([
                {"name": "sepal_length", "type": "double"},
                {"name": "sepal_width", "type": "double"},
                {"name": "petal_length", "type": "double"},
                {"name": "petal_width", "type": "double"}
            ])
        );
        assert_eq!(infer(&samples), s, "deterministic");
        crate::schema::parse(&s).unwrap();
    }

    #[test]
    fn nesting_unions_and_defaults() {
        let samples = vec![
            json!({"a": 1, "b": {"x": 1.5, "y": "s"}, "c": [1, 2]}),
            json!({"a": null, "b": {"x": 2}, "c": [], "d": true}),
            json!({"a": 3000000000u64, "b": {"x": 1, "y": "t"}, "c": [2.5]}),
        ];
        let s = infer(&samples);
        let fields = s["fields"].as_array().unwrap();
        assert_eq!(fields[0], json!({"name": "a", "type": ["long", "null"]}));
        assert_eq!(
            fields[1]["type"]["fields"][0],
            json!({"name": "x", "type": "double"})
        );
        assert_eq!(
            fields[1]["type"]["fields"][1],
            json!({"name": "y", "type": "string", "default": ""})
        );
        assert_eq!(
            fields[2]["type"],
            json!({"type": "array", "items": "double"})
        );
        assert_eq!(
            fields[3],
            json!({"name": "d", "type": "boolean", "default": false})
        );
        crate::schema::parse(&s).unwrap();
    }

    #[test]
    fn simple_values_and_enums() {
        assert_eq!(infer(&[json!(1), json!(2)]), json!("int"));
        let colours: Vec<Value> = (0..20)
            .map(|i| json!(if i % 2 == 0 { "RED" } else { "BLUE" }))
            .collect();
        let s = infer(&colours);
        assert_eq!(s["symbols"], json!(["RED", "BLUE"]));
    }

    #[test]
    fn csv_cells_are_typed() {
        let s = samples_from_csv("a,b,c\n1,2.5,x\n").unwrap();
        assert_eq!(s, vec![json!({"a": 1, "b": 2.5, "c": "x"})]);
        assert!(samples_from_json_lines("{}\nnope")
            .unwrap_err()
            .starts_with("line 2:"));
    }
}
