//! What flows through a slot: input records decoded, checked against the schemas and
//! gathered into batches; output records checked and encoded. Rejected records are counted
//! with their reason and never reach the model or the output stream.

use super::codec::{Control, Decoded, Decoder, Encoder};
use super::descriptor::{Batching, Envelope};
use super::dispatch::{Batch, Dispatch};
use crate::schema::Avro;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many recent rejections a slot remembers, for `engine inspect -v`.
const REMEMBERED_REJECTIONS: usize = 5;

/// Counters of one slot.
#[derive(Default)]
pub struct SlotStats {
    pub records: AtomicU64,
    pub bytes: AtomicU64,
    pub rejected_encoding: AtomicU64,
    pub rejected_schema: AtomicU64,
    recent: Mutex<VecDeque<String>>,
}

impl SlotStats {
    fn reject(&self, by_schema: bool, raw: &[u8], reason: &str) {
        let counter = if by_schema {
            &self.rejected_schema
        } else {
            &self.rejected_encoding
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let mut shown = String::from_utf8_lossy(raw).into_owned();
        if shown.chars().count() > 80 {
            shown = shown.chars().take(77).collect::<String>() + "...";
        }
        let what = if by_schema { "schema" } else { "encoding" };
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.len() == REMEMBERED_REJECTIONS {
            recent.pop_front();
        }
        recent.push_back(format!("rejected by {what}: {shown}: {reason}"));
    }

    pub fn report(&self, slot: u32) -> Value {
        let recent: Vec<String> = self
            .recent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect();
        json!({
            "slot": slot,
            "records": self.records.load(Ordering::Relaxed),
            "bytes": self.bytes.load(Ordering::Relaxed),
            "rejected_by_encoding": self.rejected_encoding.load(Ordering::Relaxed),
            "rejected_by_schema": self.rejected_schema.load(Ordering::Relaxed),
            "recent_rejections": recent,
        })
    }
}

/// Check a value against every schema that applies (stream's and model's).
fn check(schemas: &[Arc<Avro>], value: &Value) -> Result<(), String> {
    for s in schemas {
        s.check(value).map_err(|m| m.to_string())?;
    }
    Ok(())
}

struct Open {
    payload: Vec<u8>,
    count: usize,
    first_at: Option<Instant>,
    next_seqno: u64,
    first_seqno: u64,
    /// No record is taken after the end of the input.
    ended: bool,
}

/// What became of a record given to an input slot.
pub enum Pushed {
    Accepted,
    Rejected(String),
    Control(Control),
}

pub struct InputSlot {
    pub slot: u32,
    decoder: Decoder,
    schemas: Vec<Arc<Avro>>,
    batching: Batching,
    bytes_records: bool,
    open: Mutex<Open>,
    dispatch: Arc<Dispatch>,
    pub stats: Arc<SlotStats>,
}

impl InputSlot {
    pub fn new(
        slot: u32,
        decoder: Decoder,
        schemas: Vec<Arc<Avro>>,
        batching: Batching,
        bytes_records: bool,
        dispatch: Arc<Dispatch>,
        stats: Arc<SlotStats>,
    ) -> InputSlot {
        InputSlot {
            slot,
            decoder,
            schemas,
            batching,
            bytes_records,
            open: Mutex::new(Open {
                payload: Vec::new(),
                count: 0,
                first_at: None,
                next_seqno: 1,
                first_seqno: 1,
                ended: false,
            }),
            dispatch,
            stats,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Take one record.
    pub fn push(&self, raw: &[u8]) -> Pushed {
        self.stats
            .bytes
            .fetch_add(raw.len() as u64, Ordering::Relaxed);
        let (value, json) = match self.decoder.decode(raw) {
            Err(reason) => {
                self.stats.reject(false, raw, &reason);
                return Pushed::Rejected(reason);
            }
            Ok(Decoded::Control(c)) => {
                match c {
                    Control::End => self.end(),
                    Control::Set | Control::Pig => self.close(&mut self.lock()),
                }
                return Pushed::Control(c);
            }
            Ok(Decoded::Data { value, json }) => (value, json),
        };
        if let Err(reason) = check(&self.schemas, &value) {
            self.stats.reject(true, raw, &reason);
            return Pushed::Rejected(reason);
        }
        let mut open = self.lock();
        if open.ended {
            let reason = "the input has already ended".to_string();
            self.stats.reject(false, raw, &reason);
            return Pushed::Rejected(reason);
        }
        self.stats.records.fetch_add(1, Ordering::Relaxed);
        if open.count == 0 {
            open.payload.clear();
            open.payload.push(b'[');
            open.first_at = Some(Instant::now());
            open.first_seqno = open.next_seqno;
        } else {
            open.payload.push(b',');
        }
        open.payload.extend_from_slice(&json);
        open.count += 1;
        open.next_seqno += 1;
        if self.batching.watermark.is_some_and(|w| open.count >= w) {
            self.close(&mut open);
        }
        Pushed::Accepted
    }

    /// Send the open batch now, whatever the batching says (round trips).
    pub fn flush_now(&self) {
        self.close(&mut self.lock());
    }

    fn close(&self, open: &mut Open) {
        if open.count == 0 {
            return;
        }
        let mut payload = std::mem::take(&mut open.payload);
        payload.push(b']');
        self.dispatch.push(Batch {
            slot: self.slot,
            seqno: open.first_seqno,
            count: open.count,
            bytes: self.bytes_records,
            payload,
        });
        open.count = 0;
        open.first_at = None;
    }

    /// After a chunk of input: send the open batch now if the Nagle time is zero or over.
    /// Returns when it must be sent at the latest, if it is still open.
    pub fn settle(&self) -> Option<Instant> {
        let mut open = self.lock();
        let first = open.first_at?;
        match self.batching.nagle {
            Some(n) if n.is_zero() || first + n <= Instant::now() => {
                self.close(&mut open);
                None
            }
            Some(n) => Some(first + n),
            None => None,
        }
    }

    /// The input has ended: send what is open, and tell the jets.
    pub fn end(&self) {
        let mut open = self.lock();
        self.close(&mut open);
        open.ended = true;
        self.dispatch.end(self.slot);
    }

    pub fn ended(&self) -> bool {
        self.dispatch.ended(self.slot)
    }
}

/// Splits a byte stream into records by the envelope.
pub struct Framer {
    envelope: Envelope,
    buffer: Vec<u8>,
    /// A CSV header line is still to be skipped (columns map to the schema's fields).
    header_pending: bool,
}

impl Framer {
    pub fn new(envelope: Envelope) -> Framer {
        let header_pending = matches!(
            envelope,
            Envelope::DelimitedCsv {
                skip_header: true,
                ..
            }
        );
        Framer {
            envelope,
            buffer: Vec::new(),
            header_pending,
        }
    }

    /// Feed bytes; complete records go to `emit`.
    pub fn feed(&mut self, bytes: &[u8], emit: &mut dyn FnMut(&[u8])) {
        if let Envelope::None = self.envelope {
            emit(bytes);
            return;
        }
        self.buffer.extend_from_slice(bytes);
        let mut start = 0;
        while let Some((stop, next)) = record_end(&self.envelope, &self.buffer, start) {
            deliver(
                &self.envelope,
                &mut self.header_pending,
                &self.buffer[start..stop],
                emit,
            );
            start = next;
        }
        self.buffer.drain(..start);
    }

    /// The end of input: what is left is the last record (unless it is empty).
    pub fn finish(&mut self, emit: &mut dyn FnMut(&[u8])) {
        let rest = std::mem::take(&mut self.buffer);
        if !rest.is_empty() {
            deliver(&self.envelope, &mut self.header_pending, &rest, emit);
        }
    }
}

fn deliver(
    envelope: &Envelope,
    header_pending: &mut bool,
    record: &[u8],
    emit: &mut dyn FnMut(&[u8]),
) {
    if let Envelope::DelimitedCsv {
        skip_blank_lines, ..
    } = envelope
    {
        let record = record.strip_suffix(b"\r").unwrap_or(record);
        if *header_pending {
            *header_pending = false;
        } else if !(*skip_blank_lines && record.iter().all(u8::is_ascii_whitespace)) {
            emit(record);
        }
    } else {
        emit(record);
    }
}

/// Where the record starting at `start` ends, and where the next one starts.
fn record_end(envelope: &Envelope, buffer: &[u8], start: usize) -> Option<(usize, usize)> {
    let (sep, quoted) = match envelope {
        Envelope::None => return None,
        Envelope::Delimited(s) => (s.as_slice(), false),
        Envelope::DelimitedCsv { separator, .. } => (separator.as_slice(), true),
    };
    let data = &buffer[start..];
    if !quoted && sep.len() == 1 {
        return data
            .iter()
            .position(|b| *b == sep[0])
            .map(|i| (start + i, start + i + 1));
    }
    let mut in_quotes = false;
    let mut i = 0;
    while !sep.is_empty() && i + sep.len() <= data.len() {
        if quoted && data[i] == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && data[i..].starts_with(sep) {
            return Some((start + i, start + i + sep.len()));
        }
        i += 1;
    }
    None
}

/// Where outputs of a slot go.
pub enum Sink {
    Rest(Arc<RestQueue>),
    File(Mutex<std::io::BufWriter<std::fs::File>>),
    Exec(Mutex<Option<std::process::ChildStdin>>),
    Discard,
}

/// Output records of a REST slot, waiting to be read.
#[derive(Default)]
pub struct RestQueue {
    state: Mutex<QueueState>,
    changed: std::sync::Condvar,
}

#[derive(Default)]
struct QueueState {
    records: VecDeque<Vec<u8>>,
    ended: bool,
    /// A round trip waiting for the next record of this slot.
    catcher: Option<std::sync::mpsc::Sender<Vec<u8>>>,
}

pub enum Read {
    Record(Vec<u8>),
    Empty,
    Ended,
}

impl RestQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn push(&self, record: Vec<u8>) {
        let mut st = self.lock();
        let record = match st.catcher.take() {
            Some(tx) => match tx.send(record) {
                Ok(()) => return,
                Err(e) => e.0,
            },
            None => record,
        };
        st.records.push_back(record);
        drop(st);
        self.changed.notify_all();
    }

    pub fn end(&self) {
        self.lock().ended = true;
        self.changed.notify_all();
    }

    /// The oldest record, waiting up to `wait` for one.
    pub fn pop(&self, wait: Duration) -> Read {
        let deadline = Instant::now() + wait;
        let mut st = self.lock();
        loop {
            if let Some(r) = st.records.pop_front() {
                return Read::Record(r);
            }
            if st.ended {
                return Read::Ended;
            }
            let now = Instant::now();
            if now >= deadline {
                return Read::Empty;
            }
            st = self
                .changed
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Have the next record pushed delivered to the returned receiver instead.
    pub fn catch_next(&self) -> std::sync::mpsc::Receiver<Vec<u8>> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.lock().catcher = Some(tx);
        rx
    }

    pub fn release_catch(&self) {
        self.lock().catcher = None;
    }

    pub fn wake(&self) {
        self.changed.notify_all();
    }
}

pub struct OutputSlot {
    pub slot: u32,
    encoder: Encoder,
    schemas: Vec<Arc<Avro>>,
    separator: Option<Vec<u8>>,
    pub sink: Sink,
    pub stats: Arc<SlotStats>,
}

impl OutputSlot {
    pub fn new(
        slot: u32,
        encoder: Encoder,
        schemas: Vec<Arc<Avro>>,
        separator: Option<Vec<u8>>,
        sink: Sink,
        stats: Arc<SlotStats>,
    ) -> OutputSlot {
        OutputSlot {
            slot,
            encoder,
            schemas,
            separator,
            sink,
            stats,
        }
    }

    /// Model outputs, one JSON text per line: checked, encoded and written.
    pub fn write(&self, lines: &[u8]) -> std::io::Result<()> {
        let mut out = Vec::with_capacity(lines.len() + 64);
        let mut records = Vec::new();
        for text in lines.split(|b| *b == b'\n') {
            let value: Value = match serde_json::from_slice(text) {
                Ok(v) => v,
                Err(e) => {
                    self.stats.reject(
                        false,
                        text,
                        &format!("not JSON: {}", crate::error::json_error_text(&e)),
                    );
                    continue;
                }
            };
            if let Err(reason) = check(&self.schemas, &value) {
                self.stats.reject(true, text, &reason);
                continue;
            }
            let bytes = match self.encoder.encode(text, &value) {
                Ok(b) => b,
                Err(reason) => {
                    self.stats.reject(false, text, &reason);
                    continue;
                }
            };
            self.stats.records.fetch_add(1, Ordering::Relaxed);
            self.stats
                .bytes
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            match &self.sink {
                Sink::Rest(_) => records.push(bytes),
                _ => {
                    out.extend_from_slice(&bytes);
                    if let Some(sep) = &self.separator {
                        out.extend_from_slice(sep);
                    }
                }
            }
        }
        use std::io::Write;
        match &self.sink {
            Sink::Rest(queue) => records.into_iter().for_each(|r| queue.push(r)),
            Sink::File(file) => file
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .write_all(&out)?,
            Sink::Exec(stdin) => {
                if let Some(stdin) = stdin.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
                    stdin.write_all(&out)?;
                }
            }
            Sink::Discard => {}
        }
        Ok(())
    }

    /// Flush and close: files are complete, REST readers see the end.
    pub fn finish(&self) -> std::io::Result<()> {
        use std::io::Write;
        match &self.sink {
            Sink::Rest(queue) => queue.end(),
            Sink::File(file) => {
                let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
                f.flush()?;
                f.get_ref().sync_all()?;
            }
            Sink::Exec(stdin) => {
                stdin.lock().unwrap_or_else(|p| p.into_inner()).take();
            }
            Sink::Discard => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(envelope: Envelope, chunks: &[&[u8]]) -> Vec<String> {
        let mut f = Framer::new(envelope);
        let mut out = Vec::new();
        for c in chunks {
            f.feed(c, &mut |r| {
                out.push(String::from_utf8_lossy(r).into_owned())
            });
        }
        f.finish(&mut |r| out.push(String::from_utf8_lossy(r).into_owned()));
        out
    }

    #[test]
    fn delimited_records_span_chunks_and_a_trailing_newline_makes_no_record() {
        let out = frames(Envelope::Delimited(b"\n".to_vec()), &[b"1\n2", b"2\n3\n"]);
        assert_eq!(out, ["1", "22", "3"]);
        let out = frames(Envelope::Delimited(b"\r\n".to_vec()), &[b"a\r", b"\nb"]);
        assert_eq!(out, ["a", "b"]);
    }

    #[test]
    fn csv_keeps_quoted_separators_and_skips_the_header() {
        let env = Envelope::DelimitedCsv {
            separator: b"\n".to_vec(),
            skip_header: true,
            skip_blank_lines: true,
        };
        let mut f = Framer::new(env);
        let mut out = Vec::new();
        f.feed(b"id,name\r\n1,\"a\nb\"\n\n2,c", &mut |r| {
            out.push(r.to_vec())
        });
        f.finish(&mut |r| out.push(r.to_vec()));
        assert_eq!(out, [b"1,\"a\nb\"".to_vec(), b"2,c".to_vec()]);
    }
}
