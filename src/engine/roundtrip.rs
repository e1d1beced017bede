//! Round trips (`POST /2/active/model/roundtrip/<in>/<out>`): each request's record travels
//! as a batch of its own, and the reply is the first output the jet tags with that batch's
//! id. Concurrent requests never see each other's outputs; a record that yields nothing
//! is answered as soon as the jet says the batch is done; a reply that comes after its
//! request timed out is dropped and counted.

use crate::sync::lock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use tokio::sync::oneshot;

/// What a waiting request is told.
#[derive(Debug)]
pub enum Reply {
    /// The first output record on the requested slot, encoded.
    Output(Vec<u8>),
    /// The batch was processed without an accepted output on that slot; the reason of the
    /// last rejected one, if any was rejected.
    Nothing(Option<String>),
    /// The job failed or was torn down.
    Failed(String),
}

enum Waiter {
    Waiting {
        slot: u32,
        tx: oneshot::Sender<Reply>,
        rejected: Option<String>,
    },
    /// Its request timed out: the reply, if it comes, is dropped.
    Abandoned { slot: u32 },
}

impl Waiter {
    fn slot(&self) -> u32 {
        match self {
            Waiter::Waiting { slot, .. } | Waiter::Abandoned { slot } => *slot,
        }
    }
}

#[derive(Default)]
pub struct Replies {
    waiters: Mutex<HashMap<u64, Waiter>>,
    /// How many waiters there are, so outputs of plain batches skip the map.
    count: AtomicUsize,
    /// The job has ended: nobody waits any more.
    ended: AtomicBool,
}

/// A waiter taken out of the map while one output block is written.
pub struct Claim {
    batch: u64,
    waiter: Waiter,
}

impl Claim {
    /// Give the claimed request its reply; false if it has gone (the record is dropped).
    pub fn answer(self, record: Vec<u8>) -> bool {
        match self.waiter {
            Waiter::Waiting { tx, .. } => tx.send(Reply::Output(record)).is_ok(),
            Waiter::Abandoned { .. } => false,
        }
    }

    pub fn rejected(&mut self, reason: &str) {
        if let Waiter::Waiting { rejected, .. } = &mut self.waiter {
            *rejected = Some(reason.to_string());
        }
    }
}

impl Replies {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Waiter>> {
        lock(&self.waiters)
    }

    fn removed(&self) {
        self.count.fetch_sub(1, Ordering::Relaxed);
    }

    /// Wait for the first output of batch `batch` on `slot`.
    pub fn register(&self, batch: u64, slot: u32) -> oneshot::Receiver<Reply> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(
            batch,
            Waiter::Waiting {
                slot,
                tx,
                rejected: None,
            },
        );
        self.count.fetch_add(1, Ordering::Relaxed);
        rx
    }

    /// The request gave up before its record was taken.
    pub fn cancel(&self, batch: u64) {
        if self.lock().remove(&batch).is_some() {
            self.removed();
        }
    }

    /// The request timed out: a reply that comes later is dropped.
    pub fn abandon(&self, batch: u64) {
        if let Some(w) = self.lock().get_mut(&batch) {
            *w = Waiter::Abandoned { slot: w.slot() };
        }
    }

    /// The waiter for outputs of `batch` on `slot`, if a request waits for them.
    pub fn claim(&self, batch: u64, slot: u32) -> Option<Claim> {
        if batch == 0 || self.count.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let mut map = self.lock();
        if map.get(&batch)?.slot() != slot {
            return None;
        }
        let waiter = map.remove(&batch)?;
        drop(map);
        self.removed();
        Some(Claim { batch, waiter })
    }

    /// A claim whose block had no accepted record goes back to wait for the next one.
    pub fn put_back(&self, claim: Claim) {
        let mut map = self.lock();
        if self.ended.load(Ordering::SeqCst) {
            drop(map);
            if let Waiter::Waiting { tx, .. } = claim.waiter {
                let _ = tx.send(Reply::Failed("the job has ended".into()));
            }
            return;
        }
        map.insert(claim.batch, claim.waiter);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The jet is done with `batch`: a request still waiting gets `Nothing`.
    pub fn done(&self, batch: u64) {
        if self.count.load(Ordering::Relaxed) == 0 {
            return;
        }
        let Some(waiter) = self.lock().remove(&batch) else {
            return;
        };
        self.removed();
        if let Waiter::Waiting { tx, rejected, .. } = waiter {
            let _ = tx.send(Reply::Nothing(rejected));
        }
    }

    /// Every waiting request learns that the job ended with `why`.
    pub fn fail_all(&self, why: &str) {
        let all: Vec<Waiter> = {
            let mut map = self.lock();
            self.ended.store(true, Ordering::SeqCst);
            map.drain().map(|(_, w)| w).collect()
        };
        self.count.fetch_sub(all.len(), Ordering::Relaxed);
        for w in all {
            if let Waiter::Waiting { tx, .. } = w {
                let _ = tx.send(Reply::Failed(why.to_string()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_go_to_their_own_request() {
        let r = Replies::default();
        let mut a = r.register(1, 1);
        let mut b = r.register(2, 1);
        let mut c = r.register(3, 3);
        assert!(r.claim(5, 1).is_none(), "a plain batch has no waiter");
        assert!(
            r.claim(3, 1).is_none(),
            "another slot's output is not the reply"
        );
        assert!(r.claim(2, 1).unwrap().answer(b"two".to_vec()));
        r.done(1);
        r.abandon(3);
        assert!(!r.claim(3, 3).unwrap().answer(b"late".to_vec()));
        assert!(matches!(b.try_recv(), Ok(Reply::Output(o)) if o == b"two"));
        assert!(matches!(a.try_recv(), Ok(Reply::Nothing(None))));
        assert!(c.try_recv().is_err());
        assert!(r.claim(3, 3).is_none());
        assert_eq!(r.count.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn rejections_and_failures_are_told() {
        let r = Replies::default();
        let mut a = r.register(1, 1);
        let mut claim = r.claim(1, 1).unwrap();
        claim.rejected("int expected");
        r.put_back(claim);
        r.done(1);
        assert!(matches!(a.try_recv(), Ok(Reply::Nothing(Some(why))) if why == "int expected"));
        let mut b = r.register(2, 1);
        r.fail_all("the model failed");
        assert!(matches!(b.try_recv(), Ok(Reply::Failed(_))));
    }
}
