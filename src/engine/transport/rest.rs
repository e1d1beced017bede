//! `REST`: input records are posted to `/1/job/input/<slot>` and output records wait in a
//! bounded queue for `GET /1/job/output/<slot>` (spec/engine.md §8.4). When the queue is
//! full the writer waits, so a model nobody reads from slows down instead of filling memory.
//! A record read is lent to the answer (`Lent`): it leaves the queue for good only when the
//! server takes its bytes to write them, and goes back to the head of the queue when the
//! answer is dropped before that (its client went away).

use super::{Sink, Transport};
use crate::engine::envelope::Framed;
use crate::sync::lock;
use hyper::body::{Body, Bytes, Frame, SizeHint};
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll};
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
    Record(Lent),
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

    fn try_pop(self: &Arc<Self>) -> Option<Popped> {
        let mut st = self.lock();
        if let Some(r) = st.records.pop_front() {
            st.bytes -= r.len();
            drop(st);
            self.room.notify_all();
            return Some(Popped::Record(Lent {
                record: Some(r),
                queue: self.clone(),
            }));
        }
        st.ended.then_some(Popped::Ended)
    }

    /// A lent record that was not handed out, back at the head of the queue (beyond the
    /// bound by one record at most per reader: it was in the queue a moment ago).
    fn put_back(&self, record: Vec<u8>) {
        let mut st = self.lock();
        if st.closed {
            return;
        }
        st.bytes += record.len();
        st.records.push_front(record);
        drop(st);
        self.arrived.notify_waiters();
    }

    /// The oldest record, waiting up to `wait` for one (without holding a thread).
    pub async fn pop(self: &Arc<Self>, wait: Duration) -> Popped {
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

/// An output record as the body of its answer. The server polls it for the bytes it writes
/// to the connection; a body dropped unpolled (the client closed the connection before the
/// answer went out) returns the record to its queue, so that the next read gets it. Bytes
/// written to a connection whose client then dies without reading them are lost: HTTP has
/// no acknowledgement to tell.
pub struct Lent {
    record: Option<Vec<u8>>,
    queue: Arc<RestQueue>,
}

impl Body for Lent {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let record = self.get_mut().record.take();
        Poll::Ready(record.map(|r| Ok(Frame::data(Bytes::from(r)))))
    }

    fn is_end_stream(&self) -> bool {
        self.record.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.record.as_ref().map_or(0, Vec::len) as u64)
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some(record) = self.record.take() {
            self.queue.put_back(record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes a server writes for a lent record's answer.
    fn written(mut lent: Lent) -> Vec<u8> {
        let mut context = Context::from_waker(std::task::Waker::noop());
        let mut bytes = Vec::new();
        while let Poll::Ready(Some(Ok(frame))) = Pin::new(&mut lent).poll_frame(&mut context) {
            bytes.extend_from_slice(&frame.into_data().unwrap_or_default());
        }
        assert!(lent.is_end_stream());
        bytes
    }

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
        let Popped::Record(first) = runtime.block_on(q.pop(Duration::ZERO)) else {
            panic!("no record");
        };
        assert_eq!(written(first), b"0");
        writer.join().unwrap();
        assert_eq!(q.queued().0, MAX_QUEUED_RECORDS);
        q.close();
        q.push(b"dropped".to_vec());
        assert_eq!(q.queued().0, MAX_QUEUED_RECORDS);
    }

    #[test]
    fn a_record_whose_answer_never_went_out_is_read_again() {
        let q = Arc::new(RestQueue::default());
        q.push(b"first".to_vec());
        q.push(b"second".to_vec());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        // lent to an answer that is dropped without being written
        let Popped::Record(lent) = runtime.block_on(q.pop(Duration::ZERO)) else {
            panic!("no record");
        };
        drop(lent);
        assert_eq!(q.queued(), (2, 11));
        // lent to an answer whose bytes the server took
        let Popped::Record(lent) = runtime.block_on(q.pop(Duration::ZERO)) else {
            panic!("no record");
        };
        assert_eq!(written(lent), b"first");
        assert_eq!(q.queued(), (1, 6));
    }
}
