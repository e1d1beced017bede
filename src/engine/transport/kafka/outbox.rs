//! The offsets a Kafka input wants committed, and the thread that commits them.
//!
//! Commits are made by a thread of their own, which sends each and reads it back (the
//! client's asynchronous commits tell nothing back here, and its synchronous ones may wait
//! without a limit through a rebalance), so that the answer to each is known: a refusal is
//! counted, and a read mark counts once the commit that carries it landed (see `marks`).
//! What is wanted meanwhile is merged per partition, so that a slow answer costs one commit
//! of everything wanted since, not a queue of them.

use crate::sync::lock;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

/// How often the thread looks whether its input stopped.
const LOOK: Duration = Duration::from_millis(200);
/// How long one who takes partitions away waits for a commit of the thread's to end.
const FORGET_WAIT: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(super) struct Outbox {
    /// Per partition: the next offset to commit and the read mark to commit with it.
    wanted: Mutex<BTreeMap<i32, (i64, i64)>>,
    wake: Condvar,
    /// Held while a commit is made: one who takes partitions away holds it too, so that no
    /// commit of theirs from here comes after theirs.
    sending: Mutex<()>,
    stop: AtomicBool,
}

impl Outbox {
    /// Commit `next` for `partition`, with `mark` (merged with what is wanted already).
    pub(super) fn want(&self, partition: i32, next: i64, mark: i64) {
        let mut wanted = lock(&self.wanted);
        let entry = wanted.entry(partition).or_insert((next, mark));
        *entry = (entry.0.max(next), entry.1.max(mark));
        self.wake.notify_one();
    }

    /// Nothing more is committed from here for `partitions`: the caller commits them itself
    /// while it holds what this returns. A commit of the thread's that does not end within
    /// `FORGET_WAIT` is not waited for (the client may hold it until the rebalance the
    /// caller serves is over): it may then land after the caller's, with older offsets, so
    /// that records are read again, never lost.
    pub(super) fn forget(&self, partitions: &[i32]) -> Option<MutexGuard<'_, ()>> {
        let deadline = Instant::now() + FORGET_WAIT;
        let sending = loop {
            match self.sending.try_lock() {
                Ok(guard) => break Some(guard),
                Err(TryLockError::Poisoned(e)) => break Some(e.into_inner()),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(TryLockError::WouldBlock) => break None,
            }
        };
        lock(&self.wanted).retain(|p, _| !partitions.contains(p));
        sending
    }

    /// The input stopped: the thread ends.
    pub(super) fn close(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }

    /// Start the thread: it hands what is wanted, per partition (next offset, mark), to
    /// `commit`, one batch at a time.
    pub(super) fn start(
        self: &Arc<Self>,
        commit: impl Fn(BTreeMap<i32, (i64, i64)>) + Send + 'static,
    ) -> std::io::Result<()> {
        let outbox = self.clone();
        std::thread::Builder::new()
            .name("kafka-commits".into())
            .spawn(move || {
                while !outbox.stop.load(Ordering::Relaxed) {
                    let sending = lock(&outbox.sending);
                    let mut wanted = lock(&outbox.wanted);
                    if wanted.is_empty() {
                        drop(sending);
                        let _ = outbox.wake.wait_timeout(wanted, LOOK);
                        continue;
                    }
                    let batch = std::mem::take(&mut *wanted);
                    drop(wanted);
                    commit(batch);
                    drop(sending);
                }
            })
            .map(drop)
    }
}
