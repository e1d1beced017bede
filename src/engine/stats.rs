//! Counters of one slot, with the last rejections and their reasons, for `engine inspect -v`.

use crate::sync::lock;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// How many recent rejections a slot remembers.
const REMEMBERED_REJECTIONS: usize = 5;

#[derive(Default)]
pub struct SlotStats {
    pub records: AtomicU64,
    pub bytes: AtomicU64,
    rejected_encoding: AtomicU64,
    rejected_schema: AtomicU64,
    /// Round-trip replies that came after their request had timed out.
    late_replies: AtomicU64,
    recent: Mutex<VecDeque<String>>,
}

impl SlotStats {
    pub fn reject(&self, by_schema: bool, raw: &[u8], reason: &str) {
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
