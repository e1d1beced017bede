//! Counters of one slot, with the last rejections and their reasons, for `engine inspect -v`
//! and the sensors; rejections go to the sensors that listen, and stream operations are
//! timed while a `profile` sensor watches the slot.

use super::sensors::{Hot, Sensors};
use crate::sync::lock;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many recent rejections a slot remembers.
const REMEMBERED_REJECTIONS: usize = 5;

/// A timed stream operation (`profile stream`).
#[derive(Clone, Copy)]
pub enum Op {
    UnwrapEnvelope,
    WrapEnvelope,
    ValidateInput,
    ValidateOutput,
    DecodeInput,
}

/// The names of the operations in a profile reading, in `Op` order.
const OP_NAMES: [&str; 5] = [
    "unwrap_envelope",
    "wrap_envelope",
    "validate_input_records",
    "validate_output_records",
    "decode_input_records",
];

pub struct SlotStats {
    slot: u32,
    sensors: Arc<Sensors>,
    pub records: AtomicU64,
    pub bytes: AtomicU64,
    rejected_encoding: AtomicU64,
    rejected_schema: AtomicU64,
    /// Round-trip replies that came after their request had timed out.
    late_replies: AtomicU64,
    recent: Mutex<VecDeque<String>>,
    /// Nanoseconds and counts per `Op`.
    op_nanos: [AtomicU64; 5],
    op_counts: [AtomicU64; 5],
}

impl SlotStats {
    pub fn new(slot: u32, sensors: Arc<Sensors>) -> SlotStats {
        SlotStats {
            slot,
            sensors,
            records: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            rejected_encoding: AtomicU64::new(0),
            rejected_schema: AtomicU64::new(0),
            late_replies: AtomicU64::new(0),
            recent: Mutex::new(VecDeque::new()),
            op_nanos: Default::default(),
            op_counts: Default::default(),
        }
    }

    /// Whether stream operations are to be timed.
    pub fn profiling(&self) -> bool {
        self.sensors.hot(Hot::Profile(self.slot))
    }

    /// Count `n` operations that took `took`.
    pub fn add_time(&self, op: Op, took: Duration, n: u64) {
        self.op_nanos[op as usize].fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
        self.op_counts[op as usize].fetch_add(n, Ordering::Relaxed);
    }

    /// `f()`, timed as `op` while profiling.
    pub fn timed<T>(&self, op: Op, f: impl FnOnce() -> T) -> T {
        if !self.profiling() {
            return f();
        }
        let start = Instant::now();
        let out = f();
        self.add_time(op, start.elapsed(), 1);
        out
    }

    /// Seconds spent per operation and their `<op>_n` counts, since the job started.
    pub fn profile(&self) -> Value {
        let mut m = Map::new();
        for (i, name) in OP_NAMES.iter().enumerate() {
            let nanos = self.op_nanos[i].load(Ordering::Relaxed);
            m.insert(name.to_string(), json!(nanos as f64 / 1e9));
            m.insert(
                format!("{name}_n"),
                json!(self.op_counts[i].load(Ordering::Relaxed)),
            );
        }
        m.insert("validate_streaming".into(), json!(0.0));
        m.insert("validate_streaming_n".into(), json!(0));
        Value::Object(m)
    }

    /// Debug text of this slot's stream, built only when a sensor listens.
    pub fn debug(&self, text: impl Fn() -> String) {
        self.sensors.debug(Some(self.slot), text);
    }

    pub fn reject(&self, by_schema: bool, raw: &[u8], reason: &str) {
        let slot = self.slot;
        self.sensors.fire(Hot::Rejected { slot, by_schema }, || {
            Value::String(String::from_utf8_lossy(&raw[..raw.len().min(4096)]).into_owned())
        });
        self.sensors.debug(Some(slot), || {
            let what = if by_schema { "schema" } else { "encoding" };
            format!("record rejected by {what}: {reason}")
        });
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
        let mut recent = lock(&self.recent);
        if recent.len() == REMEMBERED_REJECTIONS {
            recent.pop_front();
        }
        recent.push_back(format!("rejected by {what}: {shown}: {reason}"));
    }

    pub fn late_reply(&self) {
        self.late_replies.fetch_add(1, Ordering::Relaxed);
    }

    pub fn report(&self, slot: u32) -> Value {
        let recent: Vec<String> = lock(&self.recent).iter().cloned().collect();
        json!({
            "slot": slot,
            "records": self.records.load(Ordering::Relaxed),
            "bytes": self.bytes.load(Ordering::Relaxed),
            "rejected_by_encoding": self.rejected_encoding.load(Ordering::Relaxed),
            "rejected_by_schema": self.rejected_schema.load(Ordering::Relaxed),
            "late_replies_dropped": self.late_replies.load(Ordering::Relaxed),
            "recent_rejections": recent,
        })
    }
}
