//! The engine's Pneumo messages (rest-api.md §7.3): a bounded log with sequence numbers that
//! `GET /1/pneumo?since=<n>` reads, waiting for new ones — the fleet's Pneumo hub does, and
//! so can a client with no fleet.

use crate::sync::lock;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;

/// Messages kept for readers that fall behind.
const KEPT: usize = 1000;

pub struct Events {
    src: String,
    log: Mutex<VecDeque<(u64, Value)>>,
    /// The number of the last message.
    latest: watch::Sender<u64>,
}

impl Events {
    pub fn new(src: &str) -> Events {
        Events {
            src: src.to_string(),
            log: Mutex::new(VecDeque::new()),
            latest: watch::Sender::new(0),
        }
    }

    /// Publish a message of `kind` with `fields` (an object), stamped with the source and
    /// the time.
    pub fn publish(&self, kind: &str, fields: Value) {
        let message = self.stamp(kind, fields);
        let mut log = lock(&self.log);
        let seq = *self.latest.borrow() + 1;
        if log.len() == KEPT {
            log.pop_front();
        }
        log.push_back((seq, message));
        self.latest.send_replace(seq);
    }

    /// A message of `kind` with `fields`, stamped with the source and the time.
    pub fn stamp(&self, kind: &str, fields: Value) -> Value {
        let mut message = json!({
            "type": kind,
            "timestamp": crate::timestamp::DateTime::now().isoformat(),
            "src": self.src,
        });
        if let (Some(m), Value::Object(f)) = (message.as_object_mut(), fields) {
            m.extend(f);
        }
        message
    }

    /// A `log` message (levels: 64 info, 16 warning, 8 error).
    pub fn log(&self, level: u8, text: &str) {
        self.publish("log", json!({"level": level, "text": text}));
    }

    /// The messages after `since`, and the number to ask from next; waits up to `wait` for
    /// one when there is none. Without `since`, no messages: where to start from.
    pub async fn read(&self, since: Option<u64>, wait: Duration) -> (Vec<Value>, u64) {
        let Some(since) = since else {
            return (Vec::new(), *self.latest.borrow());
        };
        let mut changes = self.latest.subscribe();
        if *changes.borrow_and_update() <= since {
            let _ = tokio::time::timeout(wait, changes.wait_for(|latest| *latest > since)).await;
        }
        let log = lock(&self.log);
        let messages = log
            .iter()
            .filter(|(seq, _)| *seq > since)
            .map(|(_, m)| m.clone())
            .collect();
        (messages, *self.latest.borrow())
    }
}
