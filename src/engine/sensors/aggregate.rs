//! What a sensor does with its readings between reports: a filter that lets some through
//! and an aggregate that folds them (spec/engine.md §9.5).

use crate::stream::descriptor::field;
use serde_json::{Number, Value};

/// Readings an `accumulate` keeps per report when the descriptor sets no `SampleSize`, so
/// that a flood of rejections cannot fill the engine's memory.
const DEFAULT_SAMPLE: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Above { than: f64, or_equal: bool },
    Below { than: f64, or_equal: bool },
    Within { min: f64, max: f64 },
    Outside { min: f64, max: f64 },
}

/// `1024`, `"1.5K"`, `"1G"` (= 1073741824), `"2MB"`: binary multiples.
pub fn amount(v: &Value) -> Option<f64> {
    if let Some(n) = v.as_f64() {
        return Some(n);
    }
    let s = v.as_str()?.trim();
    let s = s
        .strip_suffix(['b', 'B'])
        .filter(|r| !r.is_empty())
        .unwrap_or(s);
    let (digits, scale) = match s.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => {
            let power = "KMGTP".find(c.to_ascii_uppercase())? as i32 + 1;
            (&s[..i], 1024f64.powi(power))
        }
        _ => (s, 1.0),
    };
    digits.trim().parse::<f64>().ok().map(|n| n * scale)
}

/// The number a filter compares: a number as it is, a text by its length in bytes, a
/// list or an object by its number of elements.
fn magnitude(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => Some(s.len() as f64),
        Value::Array(a) => Some(a.len() as f64),
        Value::Object(o) => Some(o.len() as f64),
        _ => None,
    }
}

impl Filter {
    pub fn parse(v: Option<&Value>) -> Result<Option<Filter>, String> {
        let obj = match v {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(o)) => o,
            Some(other) => {
                return Err(format!(
                    "Filter must be null or an object with Type, not {other}"
                ))
            }
        };
        let limit = |name: &str| -> Result<f64, String> {
            let v = field(obj, name).ok_or_else(|| format!("the filter needs {name}"))?;
            amount(v).ok_or_else(|| {
                format!("Filter.{name} must be a number or an amount like \"1G\", not {v}")
            })
        };
        let kind = field(obj, "Type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(Some(match kind {
            ">" => Filter::Above {
                than: limit("Threshold")?,
                or_equal: false,
            },
            ">=" => Filter::Above {
                than: limit("Threshold")?,
                or_equal: true,
            },
            "<" => Filter::Below {
                than: limit("Threshold")?,
                or_equal: false,
            },
            "<=" => Filter::Below {
                than: limit("Threshold")?,
                or_equal: true,
            },
            "within-range" => Filter::Within {
                min: limit("MinValue")?,
                max: limit("MaxValue")?,
            },
            "outside-range" => Filter::Outside {
                min: limit("MinValue")?,
                max: limit("MaxValue")?,
            },
            other => {
                return Err(format!(
                    "Filter.Type must be >, >=, <, <=, within-range or outside-range, not {other:?}"
                ))
            }
        }))
    }

    pub fn passes(&self, reading: &Value) -> bool {
        let Some(x) = magnitude(reading) else {
            return false;
        };
        match *self {
            Filter::Above { than, or_equal } => x > than || (or_equal && x == than),
            Filter::Below { than, or_equal } => x < than || (or_equal && x == than),
            Filter::Within { min, max } => (min..=max).contains(&x),
            Filter::Outside { min, max } => !(min..=max).contains(&x),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Aggregate {
    /// The list of readings, the first `sample` of them.
    Accumulate {
        sample: usize,
    },
    Sum,
    Count,
    /// Each reading reported as it is.
    Each,
}

impl Aggregate {
    /// `v` is `None` when the descriptor has no `Aggregate` (accumulate), `Some(null)` for
    /// each reading as it is.
    pub fn parse(v: Option<&Value>) -> Result<Aggregate, String> {
        let (kind, sample) = match v {
            None => {
                return Ok(Aggregate::Accumulate {
                    sample: DEFAULT_SAMPLE,
                })
            }
            Some(Value::Null) => return Ok(Aggregate::Each),
            Some(Value::String(s)) => (s.as_str(), None),
            Some(Value::Object(o)) => (
                field(o, "Type")
                    .and_then(Value::as_str)
                    .unwrap_or("accumulate"),
                field(o, "SampleSize"),
            ),
            Some(other) => {
                return Err(format!(
                    "Aggregate must be accumulate, sum, count, an object or null, not {other}"
                ))
            }
        };
        let sample = match sample {
            None | Some(Value::Null) => DEFAULT_SAMPLE,
            Some(n) => n.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                format!("Aggregate.SampleSize must be a positive integer, not {n}")
            })? as usize,
        };
        match kind.to_ascii_lowercase().as_str() {
            "accumulate" => Ok(Aggregate::Accumulate { sample }),
            "sum" => Ok(Aggregate::Sum),
            "count" => Ok(Aggregate::Count),
            _ => Err(format!(
                "Aggregate must be accumulate, sum or count, not {kind:?}"
            )),
        }
    }
}

/// The readings of one report period.
#[derive(Debug)]
pub struct Pending {
    how: Aggregate,
    /// The most readings held (accumulate, each).
    cap: usize,
    /// Readings taken (after the filter) since the last report.
    taken: u64,
    /// accumulate: the list; sum: the running sum; each: the readings.
    held: Vec<Value>,
    sum: Value,
}

/// `a + b` for numbers (integers stay integers), texts (joined by lines) and objects (by
/// key: a profile's timings).
fn add(a: Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Null, b) => b.clone(),
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x
                .checked_add(y)
                .map_or_else(|| float(x as f64 + y as f64), Value::from),
            _ => float(x.as_f64().unwrap_or(0.0) + y.as_f64().unwrap_or(0.0)),
        },
        (Value::String(x), Value::String(y)) => Value::String(x + "\n" + y),
        (Value::Object(mut x), Value::Object(y)) => {
            for (k, v) in y {
                let old = x.remove(k).unwrap_or(Value::Null);
                x.insert(k.clone(), add(old, v));
            }
            Value::Object(x)
        }
        // what cannot be added: the latest reading
        (_, b) => b.clone(),
    }
}

fn float(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

impl Pending {
    pub fn new(how: Aggregate) -> Pending {
        let cap = match how {
            Aggregate::Accumulate { sample } => sample,
            _ => DEFAULT_SAMPLE,
        };
        Pending {
            how,
            cap,
            taken: 0,
            held: Vec::new(),
            sum: Value::Null,
        }
    }

    pub fn push(&mut self, reading: Value) {
        self.taken += 1;
        match self.how {
            Aggregate::Accumulate { .. } | Aggregate::Each => {
                if self.held.len() < self.cap {
                    self.held.push(reading)
                }
            }
            Aggregate::Sum => self.sum = add(std::mem::take(&mut self.sum), &reading),
            Aggregate::Count => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.taken == 0
    }

    /// The data of the reports for the period (one, or one per reading for `Each`), and a
    /// fresh period.
    pub fn take(&mut self) -> Vec<Value> {
        if self.taken == 0 {
            return Vec::new();
        }
        let taken = std::mem::replace(&mut self.taken, 0);
        let held = std::mem::take(&mut self.held);
        match self.how {
            Aggregate::Accumulate { .. } => vec![Value::Array(held)],
            Aggregate::Each => held,
            Aggregate::Sum => vec![std::mem::take(&mut self.sum)],
            Aggregate::Count => vec![Value::from(taken)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts() {
        assert_eq!(amount(&json!("1G")), Some(1073741824.0));
        assert_eq!(amount(&json!("1.5K")), Some(1536.0));
        assert_eq!(amount(&json!("2MB")), Some(2097152.0));
        assert_eq!(amount(&json!(12)), Some(12.0));
        assert_eq!(amount(&json!("12")), Some(12.0));
        assert_eq!(amount(&json!("lots")), None);
    }

    #[test]
    fn filters() {
        let f = |d| Filter::parse(Some(&d)).unwrap().unwrap();
        let above = f(json!({"Type": ">", "Threshold": "1K"}));
        assert!(above.passes(&json!(1025)) && !above.passes(&json!(1024)));
        assert!(f(json!({"Type": ">=", "Threshold": 3})).passes(&json!(3)));
        assert!(f(json!({"Type": "<", "Threshold": 3})).passes(&json!(2.5)));
        assert!(!f(json!({"Type": "<=", "Threshold": 3})).passes(&json!(4)));
        let within = f(json!({"Type": "within-range", "MinValue": 2, "MaxValue": 4}));
        assert!(within.passes(&json!(2)) && within.passes(&json!(4)) && !within.passes(&json!(5)));
        let outside = f(json!({"Type": "outside-range", "MinValue": 2, "MaxValue": 4}));
        assert!(outside.passes(&json!(1)) && !outside.passes(&json!(3)));
        // a text by its length
        assert!(above.passes(&json!("x".repeat(2000))));
        assert!(Filter::parse(Some(&json!({"Type": "~"}))).is_err());
    }

    #[test]
    fn aggregates() {
        let run = |how: Value, readings: &[Value]| {
            let mut p = Pending::new(Aggregate::parse(Some(&how)).unwrap());
            for r in readings {
                p.push(r.clone());
            }
            p.take()
        };
        let r = [json!(1), json!(2), json!(3)];
        assert_eq!(run(json!("sum"), &r), vec![json!(6)]);
        assert_eq!(run(json!("count"), &r), vec![json!(3)]);
        assert_eq!(run(json!("accumulate"), &r), vec![json!([1, 2, 3])]);
        assert_eq!(
            run(json!({"Type": "accumulate", "SampleSize": 2}), &r),
            vec![json!([1, 2])]
        );
        assert_eq!(run(json!(null), &r), r.to_vec());
        assert_eq!(run(json!("sum"), &[json!(0.5), json!(1)]), vec![json!(1.5)]);
        assert_eq!(
            run(
                json!("sum"),
                &[json!({"a": 1, "a_n": 1}), json!({"a": 2, "a_n": 1})]
            ),
            vec![json!({"a": 3, "a_n": 2})]
        );
        assert!(run(json!("sum"), &[]).is_empty());
    }
}
