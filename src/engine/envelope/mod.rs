//! Envelopes: how records are framed in a byte stream (spec/engine.md §5.4). Each envelope
//! is one file implementing `Envelope`, registered by name in `ENVELOPES`. A stream with no
//! envelope takes each piece its transport delivers as one record.

mod delimited;
mod delimited_csv;
mod fixed;
mod ocf_block;

use crate::stream::descriptor::Registry;
pub use delimited::Delimited;
pub use delimited_csv::DelimitedCsv;
use serde_json::{Map, Value};
use std::sync::Arc;

/// An envelope as a descriptor configures it.
pub trait Envelope: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &'static str;
    /// The envelope part of the internal descriptor (`stream verify`).
    fn internal(&self) -> Value;
    /// The one encoding this envelope works with, if it needs a particular one.
    fn requires_encoding(&self) -> Option<&'static str> {
        None
    }
    /// A splitter of input bytes into records.
    fn framer(&self) -> Box<dyn Framer>;
    /// Append one output record and its framing to `out`.
    fn frame(&self, record: &[u8], out: &mut Vec<u8>);
    /// What an output stream starts with (a container's header), given the slot's schema.
    fn output_header(&self, _schema: Option<&crate::schema::Avro>) -> Result<Vec<u8>, String> {
        Ok(Vec::new())
    }
}

/// Splits a byte stream into records.
pub trait Framer: Send {
    /// Feed bytes; complete records go to `emit`.
    fn feed(&mut self, bytes: &[u8], emit: &mut dyn FnMut(&[u8]));
    /// The end of the input: what is left is the last record (unless it is empty).
    fn finish(&mut self, emit: &mut dyn FnMut(&[u8]));
    /// How many records longer than `MAX_RECORD` were dropped since the last call.
    fn dropped(&mut self) -> usize {
        0
    }
}

/// The longest record a framer keeps; a longer one is dropped (and counted) up to its
/// end, so that a stream without separators cannot fill the memory.
pub const MAX_RECORD: usize = 64 << 20;

/// A record being framed, which may grow past `MAX_RECORD` and then be dropped up to the
/// next separator.
#[derive(Default)]
struct Pending {
    buffer: Vec<u8>,
    skipping: bool,
    dropped: usize,
}

impl Pending {
    /// After a feed: a record still unfinished past the limit is given up.
    fn check_length(&mut self, separator: &[u8]) {
        if self.buffer.len() > MAX_RECORD {
            self.dropped += 1;
            self.skipping = true;
            self.keep_tail(separator);
        }
    }

    /// While skipping, only what could be the start of a separator is kept.
    fn keep_tail(&mut self, separator: &[u8]) {
        let keep = separator.len().saturating_sub(1).min(self.buffer.len());
        self.buffer.drain(..self.buffer.len() - keep);
    }

    /// While skipping: drop bytes up to the end of the overlong record; what follows it.
    fn skip(&mut self, bytes: &[u8], separator: &[u8]) -> Option<Vec<u8>> {
        self.buffer.extend_from_slice(bytes);
        match self
            .buffer
            .windows(separator.len())
            .position(|w| w == separator)
        {
            Some(i) => {
                let rest = self.buffer.split_off(i + separator.len());
                self.buffer.clear();
                self.skipping = false;
                Some(rest)
            }
            None => {
                self.keep_tail(separator);
                None
            }
        }
    }
}

/// No envelope: every piece is one record.
struct Unframed;

impl Framer for Unframed {
    fn feed(&mut self, bytes: &[u8], emit: &mut dyn FnMut(&[u8])) {
        emit(bytes)
    }
    fn finish(&mut self, _emit: &mut dyn FnMut(&[u8])) {}
}

/// The framer of a stream's envelope (or of none).
pub fn framer(envelope: Option<&Arc<dyn Envelope>>) -> Box<dyn Framer> {
    envelope.map_or_else(|| Box::new(Unframed) as Box<dyn Framer>, |e| e.framer())
}

/// Encoded output records in one buffer, framed, with where each ends.
#[derive(Default, Debug)]
pub struct Framed {
    pub bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Framed {
    /// Append one record, framed by `envelope` (or as it is).
    pub fn push(&mut self, envelope: Option<&Arc<dyn Envelope>>, record: &[u8]) {
        match envelope {
            Some(e) => e.frame(record, &mut self.bytes),
            None => self.bytes.extend_from_slice(record),
        }
        self.ends.push(self.bytes.len());
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Each record with its framing.
    pub fn records(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter())
            .map(|(s, e)| &self.bytes[s..*e])
    }
}

const ENVELOPES: Registry<Arc<dyn Envelope>> = Registry {
    part: "Envelope",
    known: &[
        (&["delimited"], delimited::parse),
        (&["delimited-csv"], delimited_csv::parse),
        (&["fixed"], fixed::parse),
        (&["ocf-block"], ocf_block::parse),
    ],
    not_yet: &[],
};

/// A descriptor's `Envelope`: null, a name, or an object with a `Type`.
pub fn parse(v: &Value) -> Result<Option<Arc<dyn Envelope>>, String> {
    if v.is_null() {
        return Ok(None);
    }
    ENVELOPES.parse(v, true).map(Some)
}

/// A `Separator` field: a non-empty string, or `default`.
fn separator(params: Option<&Map<String, Value>>, default: &str) -> Result<Vec<u8>, String> {
    let sep = params
        .and_then(|m| crate::stream::descriptor::field(m, "Separator"))
        .and_then(Value::as_str)
        .unwrap_or(default);
    if sep.is_empty() {
        return Err("the Separator cannot be empty".into());
    }
    Ok(sep.as_bytes().to_vec())
}

#[cfg(test)]
pub fn frames(envelope: &dyn Envelope, chunks: &[&[u8]]) -> Vec<String> {
    let mut f = envelope.framer();
    let mut out = Vec::new();
    for c in chunks {
        f.feed(c, &mut |r| {
            out.push(String::from_utf8_lossy(r).into_owned())
        });
    }
    f.finish(&mut |r| out.push(String::from_utf8_lossy(r).into_owned()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framed_records_keep_their_bounds() {
        let d: Arc<dyn Envelope> = Arc::new(Delimited::new(b"\n".to_vec()));
        let mut f = Framed::default();
        f.push(Some(&d), b"a");
        f.push(Some(&d), b"");
        f.push(None, b"bc");
        assert_eq!(f.bytes, b"a\n\nbc");
        assert_eq!(f.records().collect::<Vec<_>>(), [&b"a\n"[..], b"\n", b"bc"]);
    }

    #[test]
    fn unknown_and_planned_envelopes() {
        assert!(parse(&Value::Null).unwrap().is_none());
        assert_eq!(
            parse(&"Delimited".into()).unwrap().unwrap().name(),
            "delimited"
        );
        assert!(parse(&"fixed".into()).unwrap_err().contains("Size"));
        assert_eq!(parse(&"x".into()).unwrap_err(), "unknown envelope 'x'");
    }
}
