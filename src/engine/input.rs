//! An input slot: each record decoded by the stream's codec, checked against the schemas,
//! and gathered into batches (watermark, Nagle time, control records) for the jets.
//! Rejected records are counted with their reason and never reach the model.

use super::codec::{Codec, Control, Decoded};
use super::dispatch::Dispatch;
use super::runner::protocol::Batch;
use super::runner::recordset::{JsonRows, RecordSet};
use super::stats::{Op, SlotStats};
use crate::schema::Avro;
use crate::stream::descriptor::{Batching, Descriptor};
use crate::sync::lock;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// What became of a record given to an input slot.
pub enum Pushed {
    /// Taken as the slot's record number …
    Accepted(u64),
    Rejected(String),
    Control(Control),
    /// Not taken: the jets' queue of this slot is full; give it again once there is room.
    Full,
}

/// A decoded record: its value (for the checks) and its JSON text (for the model).
type Record = (Value, Vec<u8>);

/// A batch is sent when its records reach this size, whatever the batching says.
const MAX_BATCH_BYTES: usize = 16 << 20;

struct Open {
    /// The records of the open batch.
    set: Box<dyn RecordSet>,
    first_at: Option<Instant>,
    next_seqno: u64,
    first_seqno: u64,
    /// No record is taken after the end of the input,
    ended: bool,
    /// nor after the job was torn down.
    shut: bool,
}

pub struct InputSlot {
    pub slot: u32,
    codec: Box<dyn Codec>,
    schemas: Vec<Arc<Avro>>,
    batching: Batching,
    /// A record equal to it ends the input (`EndMarker`).
    end_marker: Option<Vec<u8>>,
    open: Mutex<Open>,
    dispatch: Arc<Dispatch>,
    pub stats: Arc<SlotStats>,
    /// Batch ids, shared by every input of the job.
    ids: Arc<AtomicU64>,
    /// Records' values are looked at (by a schema, or the columns they are gathered in):
    /// otherwise the codec only makes sure of each record, without making its value.
    values_looked_at: bool,
}

/// Check a value against every schema that applies (the stream's and the model's).
pub fn check(schemas: &[Arc<Avro>], value: &serde_json::Value) -> Result<(), String> {
    for s in schemas {
        s.check(value).map_err(|m| m.to_string())?;
    }
    Ok(())
}

impl InputSlot {
    pub fn new(
        slot: u32,
        codec: Box<dyn Codec>,
        schemas: Vec<Arc<Avro>>,
        descriptor: &Descriptor,
        dispatch: Arc<Dispatch>,
        stats: Arc<SlotStats>,
        ids: Arc<AtomicU64>,
    ) -> InputSlot {
        let raw = codec.raw_bytes();
        InputSlot {
            slot,
            codec,
            values_looked_at: !schemas.is_empty(),
            schemas,
            batching: descriptor.batching.clone(),
            end_marker: descriptor.end_marker.clone(),
            open: Mutex::new(Open {
                set: Box::new(JsonRows::new(raw)),
                first_at: None,
                next_seqno: 1,
                first_seqno: 1,
                ended: false,
                shut: false,
            }),
            dispatch,
            stats,
            ids,
        }
    }

    /// Batches gathered in this form rather than as a JSON array (columns).
    pub fn gathering(mut self, set: Box<dyn RecordSet>) -> InputSlot {
        self.values_looked_at |= set.takes_values();
        self.lock().set = set;
        self
    }

    fn lock(&self) -> MutexGuard<'_, Open> {
        lock(&self.open)
    }

    /// Decode and check one record: its value and JSON text for the model, or why not.
    fn admit(&self, raw: &[u8]) -> Result<Record, Pushed> {
        let decoded = self
            .stats
            .timed(Op::DecodeInput, || match self.values_looked_at {
                true => self.codec.decode(raw),
                false => self.codec.decode_unchecked(raw),
            });
        match decoded {
            Err(reason) => {
                self.stats.reject(false, raw, &reason);
                Err(Pushed::Rejected(reason))
            }
            Ok(Decoded::Control(c)) => Err(Pushed::Control(c)),
            Ok(Decoded::Data { value, json }) => match self
                .stats
                .timed(Op::ValidateInput, || check(&self.schemas, &value))
            {
                Ok(()) => Ok((value, json)),
                Err(reason) => {
                    self.stats.reject(true, raw, &reason);
                    Err(Pushed::Rejected(reason))
                }
            },
        }
    }

    /// Why the record cannot be taken now, if so: the input ended, the job is over (a
    /// record taken then would never be scored), or the jets' queue is full. Every batch
    /// is queued under this slot's lock, so the queue's bound holds however many
    /// producers there are. Room is looked for by the first record of a batch: until that
    /// batch is queued, the slot's queue only shrinks.
    fn refused(&self, open: &Open, raw: &[u8]) -> Option<Pushed> {
        let reason = if open.ended {
            "the input has already ended"
        } else if open.shut {
            "the job has ended"
        } else if open.set.count() == 0 && !self.dispatch.has_room(self.slot) {
            return Some(Pushed::Full);
        } else {
            return None;
        };
        self.count_bytes(raw);
        self.stats.reject(false, raw, reason);
        Some(Pushed::Rejected(reason.to_string()))
    }

    /// Records the envelope dropped for being too long, counted as rejected.
    pub fn reject_overlong(&self, n: usize) {
        if n == 0 {
            return;
        }
        let reason = format!(
            "a record longer than {} MiB",
            super::envelope::MAX_RECORD >> 20
        );
        for _ in 0..n {
            self.stats.reject(false, b"", &reason);
        }
    }

    fn count_bytes(&self, raw: &[u8]) {
        self.stats
            .bytes
            .fetch_add(raw.len() as u64, Ordering::Relaxed);
    }

    /// The outcome of decoding, with the record's bytes counted unless it waits for room.
    fn admitted(&self, raw: &[u8]) -> Result<Record, Pushed> {
        let admitted = self.admit(raw);
        if admitted.is_err() {
            self.count_bytes(raw);
        }
        admitted
    }

    /// Decode, check and find room for one record: its value and JSON text and the slot's
    /// lock to take it under, or what became of it.
    fn accept(&self, raw: &[u8]) -> Result<(Record, MutexGuard<'_, Open>), Pushed> {
        let record = self.admitted(raw)?;
        let open = self.lock();
        if let Some(refused) = self.refused(&open, raw) {
            return Err(refused);
        }
        self.count_bytes(raw);
        self.stats.records.fetch_add(1, Ordering::Relaxed);
        Ok((record, open))
    }

    /// Take one record into the open batch.
    pub fn push(&self, raw: &[u8]) -> Pushed {
        let accepted = match &self.end_marker {
            Some(m) if m.as_slice() == raw => Err(Pushed::Control(Control::End)),
            _ => self.accept(raw),
        };
        let ((value, json), mut open) = match accepted {
            Ok(taken) => taken,
            Err(Pushed::Control(c)) => {
                match c {
                    Control::End => self.end(),
                    // a `set` closes the record set, even an empty one
                    Control::Set => self.seal(&mut self.lock(), true),
                    Control::Pig => self.seal(&mut self.lock(), false),
                }
                return Pushed::Control(c);
            }
            Err(other) => return other,
        };
        if open.set.count() == 0 {
            open.first_at = Some(Instant::now());
            open.first_seqno = open.next_seqno;
        }
        open.set.push(&value, &json);
        let seqno = open.next_seqno;
        open.next_seqno += 1;
        if self
            .batching
            .watermark
            .is_some_and(|w| open.set.count() >= w)
            || open.set.size() >= MAX_BATCH_BYTES
        {
            self.close(&mut open);
        }
        Pushed::Accepted(seqno)
    }

    /// Send the open batch to the jets now (what follows comes from elsewhere: another
    /// partition).
    pub fn cut(&self) {
        self.close(&mut self.lock());
    }

    /// A round trip's record, sent at once as a batch of its own with the id `id`.
    pub fn push_alone(&self, raw: &[u8], id: u64) -> Pushed {
        let ((value, json), mut open) = match self.accept(raw) {
            Ok(taken) => taken,
            Err(other) => return other,
        };
        // records that came before it go first
        self.close(&mut open);
        let mut alone = open.set.empty();
        alone.push(&value, &json);
        self.dispatch.push(Batch {
            id,
            slot: self.slot,
            seqno: open.next_seqno,
            count: 1,
            format: alone.format(),
            payload: Arc::new(alone.take()),
            gather: true,
        });
        let seqno = open.next_seqno;
        open.next_seqno += 1;
        Pushed::Accepted(seqno)
    }

    /// Send the open batch to the jets, to be gathered with others if the model takes
    /// record sets.
    fn close(&self, open: &mut Open) {
        self.send(open, false, true);
    }

    /// Send the open batch as a record set of its own (a `set` or a `pig` closed it); with
    /// `empty`, also when it has no record (an empty record set, spec/engine.md §7.3).
    fn seal(&self, open: &mut Open, empty: bool) {
        self.send(open, empty, false);
    }

    fn send(&self, open: &mut Open, empty: bool, gather: bool) {
        let count = open.set.count();
        if open.shut || (count == 0 && !empty) {
            return;
        }
        if count == 0 {
            open.first_seqno = open.next_seqno;
        }
        self.stats.debug(|| {
            let last = (open.first_seqno + count as u64).saturating_sub(1);
            format!(
                "a batch of {count} records ({}..{last}) goes to the jets",
                open.first_seqno
            )
        });
        self.dispatch.push(Batch {
            id: self.ids.fetch_add(1, Ordering::Relaxed),
            slot: self.slot,
            seqno: open.first_seqno,
            count,
            format: open.set.format(),
            payload: Arc::new(open.set.take()),
            gather,
        });
        open.first_at = None;
    }

    /// After a piece of input: send the open batch now if the Nagle time is zero (one that
    /// runs out is the batch timer's, `settle`: not looked at after every piece, which for
    /// a source that gives one record a piece would cost a lock and the clock a record).
    pub fn piece_read(&self) {
        if self.batching.nagle.is_some_and(|n| n.is_zero()) {
            self.settle();
        }
    }

    /// Send the open batch now if the Nagle time is zero or over. Returns when it must be
    /// sent at the latest, if it is still open.
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

    /// What splits this slot's byte stream into records: its envelope, else the codec's own
    /// framer for records that delimit themselves, else none (pieces are records).
    pub fn framer(
        &self,
        envelope: Option<&Arc<dyn super::envelope::Envelope>>,
    ) -> Box<dyn super::envelope::Framer> {
        match (envelope, self.codec.framer()) {
            (None, Some(own)) => own,
            (e, _) => super::envelope::framer(e),
        }
    }

    /// Records taken and not yet sent in a batch.
    pub fn pending(&self) -> usize {
        self.lock().set.count()
    }

    /// The job is torn down: nothing more is taken or queued; the records taken and not
    /// yet sent in a batch.
    pub fn shut(&self) -> usize {
        let mut open = self.lock();
        open.shut = true;
        open.set.count()
    }
}
