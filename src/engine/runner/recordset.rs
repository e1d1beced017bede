//! How an input slot gathers the records of one batch for the jets: as a JSON array (or
//! strings of bytes, for raw records), or as columns for models that read DataFrames
//! (`columns.rs`). Each form is one implementation of `RecordSet`.

use super::protocol::Format;
use serde_json::Value;

pub trait RecordSet: Send {
    /// Add one record: its value (checked against the schemas) and its JSON text.
    fn push(&mut self, value: &Value, json: &[u8]);
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
