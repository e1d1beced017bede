//! `sys.test.int`, `sys.test.float`, `sys.test.bytes`, `sys.test.tagged.<tag>`: known
//! readings (the n-th reading is n, n/2, n KiB, `{"tag", "value": n}`) to try sensors on.

use super::{Family, Gauges, Sampler, Tap};
use serde_json::{json, Value};

pub struct Test;

struct Sequence {
    n: u64,
    make: fn(u64, &str) -> Value,
    tag: String,
}

impl Sampler for Sequence {
    fn read(&mut self, _g: &dyn Gauges) -> Option<Value> {
        self.n += 1;
        Some((self.make)(self.n, &self.tag))
    }
}

impl Family for Test {
    fn points(&self, _g: &dyn Gauges) -> Vec<String> {
        [
            "sys.test.int",
            "sys.test.float",
            "sys.test.bytes",
            "sys.test.tagged.<tag>",
        ]
        .map(String::from)
        .to_vec()
    }

    fn open(&self, point: &str) -> Option<Tap> {
        let rest = point.strip_prefix("sys.test.")?;
        let (make, tag): (fn(u64, &str) -> Value, &str) = match rest {
            "int" => (|n, _| json!(n), ""),
            "float" => (|n, _| json!(n as f64 / 2.0), ""),
            "bytes" => (|n, _| json!(n * 1024), ""),
            _ => {
                let tag = rest.strip_prefix("tagged.").filter(|t| !t.is_empty())?;
                (|n, tag| json!({"tag": tag, "value": n}), tag)
            }
        };
        Some(Tap::sampled(Sequence {
            n: 0,
            make,
            tag: tag.to_string(),
        }))
    }
}
