//! `REST`: input records are posted to `/1/job/input/<slot>` and output records wait in a
//! bounded queue for `GET /1/job/output/<slot>` (spec/engine.md §8.4). When the queue is
//! full the writer waits, so a model nobody reads from slows down instead of filling memory.

use super::{Sink, Transport};
use crate::engine::envelope::Framed;
use crate::sync::lock;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Most records, and bytes, an output queue holds before its writer waits.
pub const MAX_QUEUED_RECORDS: usize = 10_000;
pub const MAX_QUEUED_BYTES: usize = 16 << 20;

#[derive(Debug)]
struct Rest {
    chunked: bool,
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Transport>, String> {
    let chunked = match super::param(params, "Mode").and_then(Value::as_str) {
        None => false,
        Some(m) if m.eq_ignore_ascii_case("simple") => false,
        Some(m) if m.eq_ignore_ascii_case("chunked") => true,
        Some(other) => {
            return Err(format!(
                "unknown REST Mode '{other}' (use simple or chunked)"
            ))
        }
    };
    Ok(Arc::new(Rest { chunked }))
}

impl Transport for Rest {
    fn name(&self) -> &'static str {
        "rest"
    }

    fn preserves_boundaries(&self) -> bool {
        !self.chunked
    }

    fn served_by_engine(&self) -> bool {
        true
    }

    fn internal(&self) -> Value {
        json!({"type": "rest", "mode": if self.chunked { "chunked" } else { "simple" }})
    }

    fn open_source(&self) -> Result<Option<Box<dyn super::Source>>, String> {
        Ok(None)
    }

    fn open_sink(&self) -> Result<Box<dyn Sink>, String> {
        Ok(Box::new(RestSink(Arc::new(RestQueue::default()))))
    }
}

struct RestSink(Arc<RestQueue>);

impl Sink for RestSink {
    fn write(&self, records: &Framed) -> std::io::Result<()> {
        for r in records.records() {
            self.0.push(r.to_vec());
        }
        Ok(())
    }

    fn finish(&self, _: Option<Duration>) -> std::io::Result<()> {
        self.0.end();
        Ok(())
    }

    fn abort(&self) {
        self.0.close();
    }

    fn rest_queue(&self) -> Option<Arc<RestQueue>> {
        Some(self.0.clone())
    }
}

/// Output records of a REST slot, oldest first, waiting to be read.
#[derive(Default)]
pub struct RestQueue {
    state: Mutex<QueueState>,
    /// Writers waiting for room.
    room: Condvar,
    /// Readers waiting for a record.
    arrived: tokio::sync::Notify,
}

#[derive(Default)]
struct QueueState {
    records: VecDeque<Vec<u8>>,
    bytes: usize,
    /// No record will come any more: readers see the end once the queue is empty.
    ended: bool,
    /// Torn down: writers stop waiting, readers see the end.
    closed: bool,
}

/// What a read of the queue found.
pub enum Popped {
    Record(Vec<u8>),
    /// Nothing within the wait.
    Empty,
    Ended,
}

impl RestQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        lock(&self.state)
    }

    /// Queue a record, waiting while the queue is full (a reader or a teardown frees it).
    pub fn push(&self, record: Vec<u8>) {
        let mut st = self.lock();
        while !st.closed
            && !st.records.is_empty()
            && (st.records.len() >= MAX_QUEUED_RECORDS
                || st.bytes + record.len() > MAX_QUEUED_BYTES)
        {
            st = self.room.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if st.closed {
            return;
        }
        st.bytes += record.len();
        st.records.push_back(record);
        drop(st);
        self.arrived.notify_waiters();
    }

    /// Everything has been written.
    pub fn end(&self) {
        self.lock().ended = true;
        self.arrived.notify_waiters();
    }

    /// Stop now: nobody waits any more.
    pub fn close(&self) {
        let mut st = self.lock();
        st.closed = true;
        st.ended = true;
        drop(st);
        self.room.notify_all();
        self.arrived.notify_waiters();
    }

    /// Records and bytes waiting.
    pub fn queued(&self) -> (usize, usize) {
        let st = self.lock();
        (st.records.len(), st.bytes)
    }

    fn try_pop(&self) -> Option<Popped> {
        let mut st = self.lock();
        if let Some(r) = st.records.pop_front() {
            st.bytes -= r.len();
            drop(st);
            self.room.notify_all();
            return Some(Popped::Record(r));
        }
        st.ended.then_some(Popped::Ended)
    }

    /// The oldest record, waiting up to `wait` for one (without holding a thread).
    pub async fn pop(&self, wait: Duration) -> Popped {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            // registered before looking, so a record pushed in between is not missed
            arrived.as_mut().enable();
            if let Some(p) = self.try_pop() {
                return p;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.try_pop().unwrap_or(Popped::Empty);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_holds_its_writer_until_read() {
        let q = Arc::new(RestQueue::default());
        for i in 0..MAX_QUEUED_RECORDS {
            q.push(i.to_string().into_bytes());
        }
        let writer = {
            let q = q.clone();
            std::thread::spawn(move || q.push(b"last".to_vec()))
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!writer.is_finished(), "the writer waits for room");
        assert_eq!(q.queued().0, MAX_QUEUED_RECORDS);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let popped = runtime.block_on(q.pop(Duration::ZERO));
        assert!(matches!(popped, Popped::Record(r) if r == b"0"));
        writer.join().unwrap();
        assert_eq!(q.queued().0, MAX_QUEUED_RECORDS);
        q.close();
        q.push(b"dropped".to_vec());
        assert_eq!(q.queued().0, MAX_QUEUED_RECORDS);
    }
}
