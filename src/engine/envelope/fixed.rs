//! `fixed`: records of exactly `Size` bytes; on output a record is cut or padded with zero
//! bytes to that size (spec/engine.md §5.4).

use super::{Envelope, Framer, MAX_RECORD};
use serde_json::{json, Map, Value};
use std::sync::Arc;

#[derive(Debug)]
struct Fixed {
    size: usize,
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Envelope>, String> {
    let size = params
        .and_then(|m| crate::stream::descriptor::field(m, "Size"))
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| (1..=MAX_RECORD).contains(n))
        .ok_or_else(|| format!("the fixed envelope needs a Size from 1 to {MAX_RECORD} bytes"))?;
    Ok(Arc::new(Fixed { size }))
}

impl Envelope for Fixed {
    fn name(&self) -> &'static str {
        "fixed"
    }

    fn internal(&self) -> Value {
        json!({"type": "fixed", "size": self.size})
    }

    fn framer(&self) -> Box<dyn Framer> {
        Box::new(Cutter {
            size: self.size,
            buffer: Vec::new(),
        })
    }

    fn frame(&self, record: &[u8], out: &mut Vec<u8>) {
        let kept = record.len().min(self.size);
        out.extend_from_slice(&record[..kept]);
        out.resize(out.len() + self.size - kept, 0);
    }
}

struct Cutter {
    size: usize,
    buffer: Vec<u8>,
}

impl Framer for Cutter {
    fn feed(&mut self, bytes: &[u8], emit: &mut dyn FnMut(&[u8])) {
        self.buffer.extend_from_slice(bytes);
        let whole = self.buffer.len() / self.size * self.size;
        for record in self.buffer[..whole].chunks(self.size) {
            emit(record);
        }
        self.buffer.drain(..whole);
    }

    /// A short last record is a record too (its decoding will say what is wrong with it).
    fn finish(&mut self, emit: &mut dyn FnMut(&[u8])) {
        if !self.buffer.is_empty() {
            emit(&std::mem::take(&mut self.buffer));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_and_pads() {
        let e = parse(Some(json!({"Size": 3}).as_object().unwrap())).unwrap();
        assert_eq!(
            super::super::frames(&*e, &[b"abcd", b"efghi", b"jk"]),
            ["abc", "def", "ghi", "jk"]
        );
        let mut out = Vec::new();
        e.frame(b"abcdef", &mut out);
        e.frame(b"x", &mut out);
        assert_eq!(out, b"abcx\0\0");
        assert!(parse(Some(json!({"Size": 0}).as_object().unwrap())).is_err());
    }
}
