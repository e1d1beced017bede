//! How an input slot gathers the records of one batch for the jets: as a JSON array (or
//! strings of bytes, for raw records), or as columns for models that read DataFrames
//! (`columns.rs`). Each form is one implementation of `RecordSet`.

use super::protocol::{Batch, Format};
use serde_json::Value;
use std::sync::Arc;

pub trait RecordSet: Send {
    /// Add one record: its value (checked against the schemas) and its JSON text.
    fn push(&mut self, value: &Value, json: &[u8]);
    /// Whether `push` looks at the value (else it may be `Null`: nothing decoded it).
    fn takes_values(&self) -> bool {
        false
    }
    fn count(&self) -> usize;
    /// Bytes gathered so far (batches are closed at a size limit).
    fn size(&self) -> usize;
    /// The batch's payload; the record set is empty again afterwards.
    fn take(&mut self) -> Vec<u8>;
    /// A new, empty record set of the same form.
    fn empty(&self) -> Box<dyn RecordSet>;
    fn format(&self) -> Format;
}

/// Records as one JSON array: `[r1,r2,…]`.
pub struct JsonRows {
    text: Vec<u8>,
    count: usize,
    raw: bool,
}

impl JsonRows {
    /// `raw`: the records are bytes, sent as strings of code points 0–255.
    pub fn new(raw: bool) -> JsonRows {
        JsonRows {
            text: Vec::new(),
            count: 0,
            raw,
        }
    }
}

impl RecordSet for JsonRows {
    fn push(&mut self, _value: &Value, json: &[u8]) {
        self.text.push(if self.count == 0 { b'[' } else { b',' });
        self.text.extend_from_slice(json);
        self.count += 1;
    }

    fn count(&self) -> usize {
        self.count
    }

    fn size(&self) -> usize {
        self.text.len()
    }

    fn take(&mut self) -> Vec<u8> {
        let mut text = std::mem::take(&mut self.text);
        if self.count == 0 {
            text.push(b'[');
        }
        text.push(b']');
        self.count = 0;
        text
    }

    fn empty(&self) -> Box<dyn RecordSet> {
        Box::new(JsonRows::new(self.raw))
    }

    fn format(&self) -> Format {
        if self.raw {
            Format::Raw
        } else {
            Format::Json
        }
    }
}

/// Batches of one slot, in order, as the one batch `id` (concurrent round trips and REST
/// inputs gathered into one record set).
pub fn gathered(parts: &[Batch], id: u64) -> Result<Batch, String> {
    let first = parts.first().ok_or("nothing to gather")?;
    let payload = match first.format {
        Format::Columns => {
            let payloads: Vec<&[u8]> = parts.iter().map(|b| b.payload.as_slice()).collect();
            super::columns::concat(&payloads)?
        }
        Format::Json | Format::Raw => {
            let mut text = vec![b'['];
            for b in parts {
                let inner = b
                    .payload
                    .strip_prefix(b"[")
                    .and_then(|p| p.strip_suffix(b"]"))
                    .ok_or("a batch that is not a JSON array")?;
                if !inner.is_empty() {
                    if text.len() > 1 {
                        text.push(b',');
                    }
                    text.extend_from_slice(inner);
                }
            }
            text.push(b']');
            text
        }
    };
    Ok(Batch {
        id,
        slot: first.slot,
        seqno: first.seqno,
        count: parts.iter().map(|b| b.count).sum(),
        format: first.format,
        payload: Arc::new(payload),
        gather: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(id: u64, seqno: u64, payload: &[u8], count: usize) -> Batch {
        Batch {
            id,
            slot: 0,
            seqno,
            count,
            format: Format::Json,
            payload: Arc::new(payload.to_vec()),
            gather: true,
        }
    }

    #[test]
    fn batches_gather_into_one_array() {
        let g = gathered(
            &[batch(3, 1, b"[1]", 1), batch(4, 2, b"[2,{\"a\":3}]", 2)],
            9,
        )
        .unwrap();
        assert_eq!((g.id, g.seqno, g.count), (9, 1, 3));
        assert_eq!(g.payload.as_slice(), b"[1,2,{\"a\":3}]");
        let mut rows = JsonRows::new(false);
        rows.push(&Value::Null, b"7");
        assert_eq!(rows.take(), b"[7]");
        assert_eq!(rows.take(), b"[]", "an empty record set is an empty array");
    }
}
