//! Batches waiting for jets: one bounded queue per input slot, end-of-input marks, pause,
//! and the wake-ups jets wait on. Producers wait for room before they add a batch —
//! readers of files on their own threads, REST requests without holding a thread.

use super::runner::protocol::Batch;
use crate::sync::lock;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Batches an input slot may have waiting before its producers wait for the jets.
const MAX_QUEUED: usize = 16;

/// What a jet asks for.
#[derive(Clone, Copy, Debug)]
pub enum Want {
    Any,
    Slot(u32),
}

pub enum Take {
    Batch(Batch),
    /// The input (or, for `Want::Any`, every input) has ended.
    End,
    /// The job is being torn down.
    Closed,
}

#[derive(Default)]
struct State {
    queues: BTreeMap<u32, VecDeque<Batch>>,
    ended: BTreeSet<u32>,
    paused: bool,
    closed: bool,
    /// Threads waiting in `take` and in `wait_room_blocking` (so that nobody is woken,
    /// at the cost of a system call, when nobody waits).
    takers: usize,
    blocked_producers: usize,
    /// Which input's turn it is to give a jet a batch.
    turn: usize,
    /// Batches given to jets and not done yet.
    in_flight: usize,
    /// When a jet last finished a batch, or part of one (or the job began, it was
    /// unpaused, or work came after a time without any).
    last_progress: Option<Instant>,
    /// Since when it is paused.
    paused_since: Option<Instant>,
}

impl State {
    fn has_room(&self, slot: u32) -> bool {
        self.closed || self.queues.get(&slot).is_none_or(|q| q.len() < MAX_QUEUED)
    }
}

pub struct Dispatch {
    state: Mutex<State>,
    /// Jets waiting for a batch.
    batches: Condvar,
    /// Producers on their own threads waiting for room.
    room: Condvar,
    /// Producers in async requests waiting for room.
    room_async: tokio::sync::Notify,
    inputs: Vec<u32>,
}

impl Dispatch {
    pub fn new(inputs: Vec<u32>) -> Dispatch {
        let mut state = State {
            last_progress: Some(Instant::now()),
            ..State::default()
        };
        for slot in &inputs {
            state.queues.insert(*slot, VecDeque::new());
        }
        Dispatch {
            state: Mutex::new(state),
            batches: Condvar::new(),
            room: Condvar::new(),
            room_async: tokio::sync::Notify::new(),
            inputs,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Queue a batch (after waiting for room; a batch is never refused).
    pub fn push(&self, batch: Batch) {
        let mut st = self.lock();
        // work after a time without any: its wait for the jets counts from now
        if st.in_flight == 0 && st.queues.values().all(VecDeque::is_empty) {
            st.last_progress = Some(Instant::now());
        }
        st.queues.entry(batch.slot).or_default().push_back(batch);
        if st.takers > 0 {
            drop(st);
            self.batches.notify_all();
        }
    }

    /// Wait on this thread until `slot` has room; false if the wait reached `limit`.
    pub fn wait_room_blocking(&self, slot: u32, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut st = self.lock();
        while !st.has_room(slot) {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            st.blocked_producers += 1;
            st = self
                .room
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            st.blocked_producers -= 1;
        }
        true
    }

    /// Wait, without holding a thread, until `slot` has room; false if it took `limit`.
    pub async fn wait_room(&self, slot: u32, limit: Duration) -> bool {
        if self.lock().has_room(slot) {
            return true;
        }
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let freed = self.room_async.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if self.lock().has_room(slot) {
                return true;
            }
            if tokio::time::timeout_at(deadline, freed).await.is_err() {
                return self.lock().has_room(slot);
            }
        }
    }

    /// A batch left a queue (or the queues were closed): producers may go on.
    fn freed(&self, blocked_producers: usize) {
        if blocked_producers > 0 {
            self.room.notify_all();
        }
        self.room_async.notify_waiters();
    }

    /// Jets waiting for a batch look again (one may have to give up).
    pub fn wake_takers(&self) {
        self.batches.notify_all();
    }

    /// No more batches will come for `slot`.
    pub fn end(&self, slot: u32) {
        self.lock().ended.insert(slot);
        self.wake_takers();
    }

    pub fn set_paused(&self, paused: bool) {
        let mut st = self.lock();
        if paused && !st.paused {
            st.paused_since = Some(Instant::now());
        } else if !paused && st.paused {
            st.paused_since = None;
            st.last_progress = Some(Instant::now());
        }
        st.paused = paused;
        drop(st);
        self.wake_takers();
    }

    /// Tear down: jets get `Closed`, producers stop waiting; what was queued is returned.
    pub fn close(&self) -> Vec<Batch> {
        let mut st = self.lock();
        st.closed = true;
        let left = st.queues.values_mut().flat_map(|q| q.drain(..)).collect();
        drop(st);
        self.wake_takers();
        self.freed(1);
        left
    }

    /// Take out of `slot`'s queue the batches `unwanted` says no jet must have (their
    /// records belong to another reader now); those batches.
    pub fn withdraw(&self, slot: u32, unwanted: impl Fn(&Batch) -> bool) -> Vec<Batch> {
        let mut st = self.lock();
        let Some(queue) = st.queues.get_mut(&slot) else {
            return Vec::new();
        };
        let (out, kept): (VecDeque<Batch>, VecDeque<Batch>) =
            queue.drain(..).partition(|b| unwanted(b));
        *queue = kept;
        let blocked = st.blocked_producers;
        drop(st);
        if !out.is_empty() {
            self.freed(blocked);
        }
        out.into()
    }

    /// Whether `slot` may have another batch.
    pub fn has_room(&self, slot: u32) -> bool {
        self.lock().has_room(slot)
    }

    /// Every input has ended and every batch has been handed out.
    pub fn drained(&self) -> bool {
        let st = self.lock();
        self.inputs.iter().all(|s| st.ended.contains(s))
            && st.queues.values().all(VecDeque::is_empty)
    }

    pub fn ended(&self, slot: u32) -> bool {
        self.lock().ended.contains(&slot)
    }

    /// A batch a jet took is done (its outputs written).
    pub fn batch_done(&self) {
        let mut st = self.lock();
        st.in_flight = st.in_flight.saturating_sub(1);
        st.last_progress = Some(Instant::now());
        // a jet gathering its next record set while this one was scored may stop waiting
        if st.takers > 0 {
            drop(st);
            self.batches.notify_all();
        }
    }

    /// Whether the jets have stalled: paused for `paused`, or holding or having work
    /// without progress (a batch done, or part of one) for `idle`.
    pub fn stalled(&self, paused: Duration, idle: Duration) -> bool {
        let st = self.lock();
        if st.closed {
            return false;
        }
        if let Some(since) = st.paused_since {
            return since.elapsed() >= paused;
        }
        let has_work = st.in_flight > 0 || st.queues.values().any(|q| !q.is_empty());
        has_work && st.last_progress.is_some_and(|t| t.elapsed() >= idle)
    }

    /// A jet got through part of a batch.
    pub fn progressed(&self) {
        self.lock().last_progress = Some(Instant::now());
    }

    /// No batch waits and none is being scored.
    pub fn idle(&self) -> bool {
        let st = self.lock();
        st.in_flight == 0 && st.queues.values().all(VecDeque::is_empty)
    }

    /// Records in batches no jet has taken yet.
    pub fn queued(&self) -> usize {
        self.lock()
            .queues
            .values()
            .flat_map(|q| q.iter().map(|b| b.count))
            .sum()
    }

    /// Batches of `slot` that may join a record set a jet is taking, of at most `room`
    /// records in all: those waiting now, and those that come until `until`, or while
    /// `busy` says the jet is still at work on its last batch (until `busy_until`).
    pub fn gather(
        &self,
        slot: u32,
        mut room: usize,
        until: Instant,
        busy: &dyn Fn() -> bool,
        busy_until: Instant,
    ) -> Vec<Batch> {
        let mut got = Vec::new();
        let mut st = self.lock();
        while !st.paused && !st.closed {
            while let Some(q) = st.queues.get_mut(&slot) {
                match q.front() {
                    Some(b) if b.gather && b.count <= room => {
                        room -= b.count;
                        got.extend(q.pop_front());
                    }
                    _ => break,
                }
            }
            let more_may_come =
                st.queues.get(&slot).is_some_and(VecDeque::is_empty) && !st.ended.contains(&slot);
            if room == 0 || !more_may_come {
                break;
            }
            let now = Instant::now();
            let deadline = if now < until {
                until
            } else if now < busy_until && busy() {
                busy_until
            } else {
                break;
            };
            st.takers += 1;
            st = self
                .batches
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            st.takers -= 1;
        }
        let blocked = st.blocked_producers;
        drop(st);
        if !got.is_empty() {
            self.freed(blocked);
        }
        got
    }

    /// Batches taken by `gather` that could not be joined go back to the front of their
    /// queue, in order.
    pub fn put_back(&self, batches: Vec<Batch>) {
        let mut st = self.lock();
        for b in batches.into_iter().rev() {
            st.queues.entry(b.slot).or_default().push_front(b);
        }
        drop(st);
        self.wake_takers();
    }

    /// The next batch a jet may have (blocking), or `End` as soon as `give_up` says so.
    pub fn take(&self, want: Want, give_up: &dyn Fn() -> bool) -> Take {
        let mut st = self.lock();
        loop {
            if st.closed {
                return Take::Closed;
            }
            if give_up() {
                return Take::End;
            }
            if !st.paused {
                let slots: &[u32] = match &want {
                    Want::Any => &self.inputs,
                    Want::Slot(s) => std::slice::from_ref(s),
                };
                // inputs take turns, so that a busy one cannot starve the others
                let start = st.turn;
                let pick = (0..slots.len())
                    .map(|i| slots[(start + i) % slots.len()])
                    .find(|s| st.queues.get(s).is_some_and(|q| !q.is_empty()));
                if let Some(batch) = pick.and_then(|s| st.queues.get_mut(&s)?.pop_front()) {
                    st.turn = st.turn.wrapping_add(1);
                    st.in_flight += 1;
                    let blocked = st.blocked_producers;
                    drop(st);
                    self.freed(blocked);
                    return Take::Batch(batch);
                }
                if slots.iter().all(|s| st.ended.contains(s)) {
                    return Take::End;
                }
            }
            st.takers += 1;
            st = lock_wait(&self.batches, st);
            st.takers -= 1;
        }
    }
}

fn lock_wait<'a>(
    c: &Condvar,
    g: std::sync::MutexGuard<'a, State>,
) -> std::sync::MutexGuard<'a, State> {
    c.wait(g).unwrap_or_else(|p| p.into_inner())
}
