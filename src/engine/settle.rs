//! At-least-once reading: a source that commits (Kafka) learns which of the records it gave
//! have been scored with their outputs durable, so that it commits only those. Records are
//! known here by the slot's sequence number between the input and a jet's `done`. Outputs
//! whose records become durable later than they are written (Kafka's, once acknowledged)
//! are not waited for by the jets: a scored batch is held here until every such output has
//! made durable what was written before the batch's `done`, and then settled.

use super::transport::{Committer, Durability, Position};
use crate::sync::lock;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Scored records held for their outputs' acknowledgement, at most: past it, the jet
/// whose batch is done waits (`held_full`).
const MOST_HELD: usize = 100_000;

pub struct Settler {
    committer: Arc<dyn Committer>,
    /// Where each record taken and not yet scored came from.
    pending: Mutex<BTreeMap<u64, Position>>,
    /// The outputs whose records become durable after they are written.
    outputs: Vec<Arc<dyn Durability>>,
    held: Mutex<Held>,
}

/// Batches scored, not yet settled, oldest first: each with the marks its outputs had
/// reached (`Durability::written`) at its `done`, and where its records came from.
#[derive(Default)]
struct Held {
    batches: VecDeque<(Vec<u64>, Vec<Position>)>,
    records: usize,
}

impl Settler {
    pub fn new(committer: Arc<dyn Committer>, outputs: Vec<Arc<dyn Durability>>) -> Settler {
        Settler {
            committer,
            pending: Mutex::default(),
            outputs,
            held: Mutex::default(),
        }
    }

    /// A record from `position` was taken as the slot's record `seqno`.
    pub fn taken(&self, seqno: u64, position: Position) {
        lock(&self.pending).insert(seqno, position);
    }

    /// A record that will not be scored (rejected, a control record): settled at once.
    pub fn skipped(&self, position: Position) {
        self.committer.settled(&[position]);
    }

    /// The batch of `count` records from `seqno` is scored and its outputs written.
    pub fn scored(&self, seqno: u64, count: usize) {
        let settled: Vec<Position> = {
            let mut pending = lock(&self.pending);
            (seqno..seqno + count as u64)
                .filter_map(|n| pending.remove(&n))
                .collect()
        };
        if settled.is_empty() {
            return;
        }
        if self.outputs.is_empty() {
            self.committer.settled(&settled);
            return;
        }
        {
            // marked under the lock, so that marks grow from each batch to the next
            let mut held = lock(&self.held);
            let marks = self.outputs.iter().map(|o| o.written()).collect();
            held.records += settled.len();
            held.batches.push_back((marks, settled));
        }
        self.release();
    }

    /// Settle the held batches whose outputs are durable (called at each `done` and on the
    /// job's flush tick).
    pub fn release(&self) {
        let durable: Vec<Position> = {
            let mut held = lock(&self.held);
            let reached: Vec<u64> = self.outputs.iter().map(|o| o.durable()).collect();
            let mut durable = Vec::new();
            while held
                .batches
                .front()
                .is_some_and(|(marks, _)| marks.iter().zip(&reached).all(|(m, r)| r >= m))
            {
                if let Some((_, positions)) = held.batches.pop_front() {
                    held.records -= positions.len();
                    durable.extend(positions);
                }
            }
            durable
        };
        if !durable.is_empty() {
            self.committer.settled(&durable);
        }
    }

    /// As many scored records are held as may be.
    pub fn held_full(&self) -> bool {
        lock(&self.held).records >= MOST_HELD
    }

    /// The partition the slot's record `seqno` came from, while it waits to be scored.
    pub fn partition_of(&self, seqno: u64) -> Option<i32> {
        lock(&self.pending).get(&seqno).map(|p| p.partition)
    }

    /// The batch of `count` records from `seqno` will not be scored here (its partition
    /// went to another reader): forgotten; where its records came from.
    pub fn withdrawn(&self, seqno: u64, count: usize) -> Vec<Position> {
        let mut pending = lock(&self.pending);
        (seqno..seqno + count as u64)
            .filter_map(|n| pending.remove(&n))
            .collect()
    }

    /// What the source says of its reading and committing, for `engine inspect -v`.
    pub fn report(&self) -> serde_json::Value {
        self.committer.report()
    }
}
