//! At-least-once reading: a source that commits (Kafka) learns which of the records it gave
//! have been scored with their outputs written, so that it commits only those. Records are
//! known here by the slot's sequence number between the input and a jet's `done`.

use super::transport::{Committer, Position};
use crate::sync::lock;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub struct Settler {
    committer: Arc<dyn Committer>,
    /// Where each record taken and not yet scored came from.
    pending: Mutex<BTreeMap<u64, Position>>,
}

impl Settler {
    pub fn new(committer: Arc<dyn Committer>) -> Settler {
        Settler {
            committer,
            pending: Mutex::default(),
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
        if !settled.is_empty() {
            self.committer.settled(&settled);
        }
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
