//! An output slot: the model's outputs checked against the schemas, encoded by the stream's
//! codec, framed by its envelope and written to its sink — except a round trip's reply,
//! which goes to the request waiting for it.

use super::codec::Codec;
use super::codec::Control;
use super::envelope::{Envelope, Framed};
use super::input::check;
use super::roundtrip::{Offered, Replies};
use super::stats::{Op, SlotStats};
use super::transport::Sink;
use crate::schema::Avro;
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::Arc;

pub struct OutputSlot {
    pub slot: u32,
    codec: Box<dyn Codec>,
    schemas: Vec<Arc<Avro>>,
    envelope: Option<Arc<dyn Envelope>>,
    pub sink: Box<dyn Sink>,
    pub stats: Arc<SlotStats>,
}

impl OutputSlot {
    pub fn new(
        slot: u32,
        codec: Box<dyn Codec>,
        schemas: Vec<Arc<Avro>>,
        envelope: Option<Arc<dyn Envelope>>,
        sink: Box<dyn Sink>,
        stats: Arc<SlotStats>,
    ) -> OutputSlot {
        OutputSlot {
            slot,
            codec,
            schemas,
            envelope,
            sink,
            stats,
        }
    }

    /// A control record that travels the pipeline (a pig), in this slot's encoding; left
    /// out where the encoding has none.
    pub fn write_control(&self, control: Control) -> std::io::Result<()> {
        let Some(bytes) = self.codec.encode_control(control) else {
            return Ok(());
        };
        let mut framed = Framed::default();
        framed.push(self.envelope.as_ref(), &bytes);
        self.sink.write(&framed)
    }

    /// Check the model's output `text` against the schemas and encode it; the error says
    /// whether a schema refused it.
    fn encode(&self, text: &[u8]) -> Result<Vec<u8>, (bool, String)> {
        serde_json::from_slice::<Value>(text)
            .map_err(|e| {
                (
                    false,
                    format!("not JSON: {}", crate::error::json_error_text(&e)),
                )
            })
            .and_then(|value| {
                self.stats
                    .timed(Op::ValidateOutput, || check(&self.schemas, &value))
                    .map_err(|r| (true, r))?;
                self.codec.encode(text, &value).map_err(|r| (false, r))
            })
    }

    /// Outputs the model produced for batch `batch`, one JSON text per line.
    pub fn write(&self, lines: &[u8], batch: u64, replies: &Replies) -> std::io::Result<()> {
        let mut claim = replies.claim(batch, self.slot);
        let mut framed = Framed::default();
        for text in lines.split(|b| *b == b'\n') {
            // a control record the model wrote (the `set` after a record set): in this
            // encoding, not checked, not counted, not a round trip's reply
            if let Some(control) = Control::in_output(text) {
                if let Some(bytes) = self.codec.encode_control(control) {
                    framed.push(self.envelope.as_ref(), &bytes);
                }
                continue;
            }
            let unchecked = match self.schemas.is_empty() {
                true => self.codec.encode_unchecked(text),
                false => None,
            };
            let encoded = match unchecked {
                Some(encoded) => encoded.map_err(|r| (false, r)),
                None => self.encode(text),
            };
            let bytes = match encoded {
                Ok(bytes) => bytes,
                Err((by_schema, reason)) => {
                    self.stats.reject(by_schema, text, &reason);
                    if let Some(c) = &mut claim {
                        c.rejected(&reason);
                    }
                    continue;
                }
            };
            self.stats.records.fetch_add(1, Ordering::Relaxed);
            self.stats
                .bytes
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            // a round trip's reply goes to its request, other records to the stream
            let bytes = match &mut claim {
                Some(c) => match c.offer(bytes) {
                    Offered::Answered => continue,
                    Offered::Late => {
                        self.stats.late_reply();
                        continue;
                    }
                    Offered::Stream(bytes) => bytes,
                },
                None => bytes,
            };
            self.stats.timed(Op::WrapEnvelope, || {
                framed.push(self.envelope.as_ref(), &bytes)
            });
        }
        if let Some(c) = claim {
            replies.put_back(c);
        }
        if framed.is_empty() {
            return Ok(());
        }
        self.stats
            .debug(|| format!("{} records go to the stream", framed.records().count()));
        self.sink.write(&framed)
    }
}
