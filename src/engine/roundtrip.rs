//! Round trips (`POST /2/active/model/roundtrip/<in>/<out>`): each request's record travels
//! as a batch of its own, and the reply is the first output the jet tags with that batch's
//! id. A record-set model may get several requests' batches gathered into one record set
//! (`regroup`): then its n-th output record is the reply to the n-th record. Concurrent
//! requests never see each other's outputs; a record that yields nothing is answered as
//! soon as the jet says the batch is done; a reply that comes after its request gave up is
//! dropped and counted.

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

struct Waiter {
    tx: oneshot::Sender<Reply>,
    rejected: Option<String>,
}

/// The requests waiting for the outputs of one batch on one slot.
struct Entry {
    slot: u32,
    /// One place per record of the batch: the request that sent it, if one waits.
    places: Vec<Option<Waiter>>,
    /// Gathered records are answered in order, one output record each; a batch of its own
    /// is answered by its first accepted output.
    in_order: bool,
    /// The place the next output record is for.
    next: usize,
}

impl Entry {
    fn waiting(&self) -> bool {
        self.places.iter().any(Option::is_some)
    }
}

#[derive(Default)]
pub struct Replies {
    entries: Mutex<HashMap<u64, Entry>>,
    /// How many entries there are, so outputs of plain batches skip the map.
    count: AtomicUsize,
    /// The job has ended: nobody waits any more.
    ended: AtomicBool,
}

/// What became of an output record offered to a claim.
pub enum Offered {
    /// It went to its request.
    Answered,
    /// Its request has gone: the record is dropped.
    Late,
    /// No request waits for it: it goes to the stream.
    Stream(Vec<u8>),
}

/// A batch's entry taken out of the map while one output block is written.
pub struct Claim {
    batch: u64,
    entry: Entry,
}

impl Claim {
    /// An accepted output record: the reply to the record it answers, if that one waits.
    pub fn offer(&mut self, record: Vec<u8>) -> Offered {
        let e = &mut self.entry;
        let place = if e.in_order { e.next } else { 0 };
        let Some(waiter) = e.places.get_mut(place).and_then(Option::take) else {
            e.next += 1;
            return Offered::Stream(record);
        };
        e.next += 1;
        if waiter.tx.send(Reply::Output(record)).is_ok() {
            Offered::Answered
        } else {
            Offered::Late
        }
    }

    /// A rejected output record: the request it answers hears why, unless an accepted
    /// output comes for it.
    pub fn rejected(&mut self, reason: &str) {
        let e = &mut self.entry;
        let place = if e.in_order { e.next } else { 0 };
        if let Some(Some(w)) = e.places.get_mut(place) {
            w.rejected = Some(reason.to_string());
        }
        if e.in_order {
            e.next += 1;
        }
    }
}

impl Replies {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        lock(&self.entries)
    }

    /// Wait for the first output of batch `batch` on `slot`.
    pub fn register(&self, batch: u64, slot: u32) -> oneshot::Receiver<Reply> {
        let (tx, rx) = oneshot::channel();
        let entry = Entry {
            slot,
            places: vec![Some(Waiter { tx, rejected: None })],
            in_order: false,
            next: 0,
        };
        self.lock().insert(batch, entry);
        self.count.fetch_add(1, Ordering::Relaxed);
        rx
    }

    /// The request gave up before its record was taken.
    pub fn cancel(&self, batch: u64) {
        if self.lock().remove(&batch).is_some() {
            self.count.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Batches `parts` (id, records), in this order, became the one batch `batch`: the
    /// requests waiting for them wait for its outputs, one output record per record.
    pub fn regroup(&self, batch: u64, parts: &[(u64, usize)]) {
        if self.count.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut map = self.lock();
        let mut slot = None;
        let mut places = Vec::new();
        let mut moved = 0;
        for (id, records) in parts {
            match map.remove(id) {
                Some(e) => {
                    moved += 1;
                    slot = Some(e.slot);
                    places.extend(e.places);
                }
                None => places.extend((0..*records).map(|_| None)),
            }
        }
        let Some(slot) = slot else {
            return;
        };
        let entry = Entry {
            slot,
            places,
            in_order: true,
            next: 0,
        };
        map.insert(batch, entry);
        self.count.fetch_sub(moved - 1, Ordering::Relaxed);
    }

    /// The waiters for outputs of `batch` on `slot`, if a request waits for them.
    pub fn claim(&self, batch: u64, slot: u32) -> Option<Claim> {
        if batch == 0 || self.count.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let mut map = self.lock();
        if map.get(&batch)?.slot != slot {
            return None;
        }
        let entry = map.remove(&batch)?;
        drop(map);
        self.count.fetch_sub(1, Ordering::Relaxed);
        Some(Claim { batch, entry })
    }

    /// A claim with requests still waiting goes back to wait for the next output block.
    pub fn put_back(&self, claim: Claim) {
        if !claim.entry.waiting() {
            return;
        }
        let mut map = self.lock();
        if self.ended.load(Ordering::SeqCst) {
            drop(map);
            answer_all(claim.entry, &|_| Reply::Failed("the job has ended".into()));
            return;
        }
        map.insert(claim.batch, claim.entry);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The jet is done with `batch`: requests still waiting get `Nothing`.
    pub fn done(&self, batch: u64) {
        if self.count.load(Ordering::Relaxed) == 0 {
            return;
        }
        let Some(entry) = self.lock().remove(&batch) else {
            return;
        };
        self.count.fetch_sub(1, Ordering::Relaxed);
        answer_all(entry, &|w| Reply::Nothing(w.rejected.take()));
    }

    /// Every waiting request learns that the job ended with `why`.
    pub fn fail_all(&self, why: &str) {
        let all: Vec<Entry> = {
            let mut map = self.lock();
            self.ended.store(true, Ordering::SeqCst);
            map.drain().map(|(_, e)| e).collect()
        };
        self.count.fetch_sub(all.len(), Ordering::Relaxed);
        for e in all {
            answer_all(e, &|_| Reply::Failed(why.to_string()));
        }
    }
}

fn answer_all(entry: Entry, reply: &dyn Fn(&mut Waiter) -> Reply) {
    for mut w in entry.places.into_iter().flatten() {
        let r = reply(&mut w);
        let _ = w.tx.send(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(claim: &mut Claim, record: &[u8]) -> bool {
        matches!(claim.offer(record.to_vec()), Offered::Answered)
    }

    #[test]
    fn replies_go_to_their_own_request() {
        let r = Replies::default();
        let mut a = r.register(1, 1);
        let mut b = r.register(2, 1);
        let c = r.register(3, 3);
        assert!(r.claim(5, 1).is_none(), "a plain batch has no waiter");
        assert!(
            r.claim(3, 1).is_none(),
            "another slot's output is not the reply"
        );
        let mut claim = r.claim(2, 1).unwrap();
        assert!(answered(&mut claim, b"two"));
        assert!(
            matches!(claim.offer(b"more".to_vec()), Offered::Stream(_)),
            "later outputs go to the stream"
        );
        r.put_back(claim);
        r.done(1);
        drop(c);
        let mut claim = r.claim(3, 3).unwrap();
        assert!(matches!(claim.offer(b"late".to_vec()), Offered::Late));
        r.put_back(claim);
        assert!(matches!(b.try_recv(), Ok(Reply::Output(o)) if o == b"two"));
        assert!(matches!(a.try_recv(), Ok(Reply::Nothing(None))));
        assert!(r.claim(3, 3).is_none());
        assert_eq!(r.count.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn gathered_records_are_answered_in_order() {
        let r = Replies::default();
        let mut a = r.register(1, 1);
        let mut b = r.register(3, 1);
        let mut c = r.register(4, 1);
        // batch 2 is plain input (two records); 1, 3 and 4 are round trips
        r.regroup(9, &[(1, 1), (2, 2), (3, 1), (4, 1)]);
        assert_eq!(r.count.load(Ordering::Relaxed), 1);
        let mut claim = r.claim(9, 1).unwrap();
        assert!(answered(&mut claim, b"a"));
        assert!(matches!(claim.offer(b"x".to_vec()), Offered::Stream(x) if x == b"x"));
        r.put_back(claim);
        let mut claim = r.claim(9, 1).unwrap();
        assert!(matches!(claim.offer(b"y".to_vec()), Offered::Stream(_)));
        claim.rejected("Int expected");
        r.put_back(claim);
        r.done(9);
        assert!(matches!(a.try_recv(), Ok(Reply::Output(o)) if o == b"a"));
        assert!(matches!(b.try_recv(), Ok(Reply::Nothing(Some(why))) if why == "Int expected"));
        assert!(matches!(c.try_recv(), Ok(Reply::Nothing(None))));
        assert_eq!(r.count.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn rejections_and_failures_are_told() {
        let r = Replies::default();
        let mut a = r.register(1, 1);
        let mut claim = r.claim(1, 1).unwrap();
        claim.rejected("Int expected");
        r.put_back(claim);
        r.done(1);
        assert!(matches!(a.try_recv(), Ok(Reply::Nothing(Some(why))) if why == "Int expected"));
        let mut b = r.register(2, 1);
        r.fail_all("the model failed");
        assert!(matches!(b.try_recv(), Ok(Reply::Failed(_))));
    }
}
