//! At-least-once reading: a source that commits (Kafka) learns which of the records it gave
//! have been scored with their outputs durable, so that it commits only those. Records are
//! known here by the slot's sequence number between the input and a jet's `done`. Outputs
//! whose records become durable later than they are written (Kafka's, once acknowledged)
//! are not waited for by the jets: a scored batch is held here until every such output has
//! made durable what was written before the batch's `done`, and then settled. Records that
//! follow one another in both numberings (one partition read in order) are kept as one
//! run (`Span`), so that what a record costs here does not grow with the batch.

use super::transport::{Committer, Durability, Position, Span};
use crate::sync::lock;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Scored records held for their outputs' acknowledgement, at most: past it, the jet
/// whose batch is done waits (`held_full`).
const MOST_HELD: usize = 100_000;

pub struct Settler {
    committer: Arc<dyn Committer>,
    /// Where the records taken and not yet scored came from.
    pending: Mutex<Runs>,
    /// The outputs whose records become durable after they are written.
    outputs: Vec<Arc<dyn Durability>>,
    held: Mutex<Held>,
}

/// Batches scored, not yet settled, oldest first: each with the marks its outputs had
/// reached (`Durability::written`) at its `done`, and where its records came from.
#[derive(Default)]
struct Held {
    batches: VecDeque<(Vec<u64>, Vec<Span>)>,
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
        lock(&self.pending).add(seqno, position);
    }

    /// A record that will not be scored (rejected, a control record): settled at once.
    pub fn skipped(&self, position: Position) {
        self.committer.settled(&[Span::at(position)]);
    }

    /// The batch of `count` records from `seqno` is scored and its outputs written.
    pub fn scored(&self, seqno: u64, count: usize) {
        let settled = lock(&self.pending).take(seqno, count as u64);
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
            held.records += settled.iter().map(|s| s.count as usize).sum::<usize>();
            held.batches.push_back((marks, settled));
        }
        self.release();
    }

    /// Settle the held batches whose outputs are durable (called at each `done` and on the
    /// job's flush tick).
    pub fn release(&self) {
        let durable: Vec<Span> = {
            let mut held = lock(&self.held);
            let reached: Vec<u64> = self.outputs.iter().map(|o| o.durable()).collect();
            let mut durable = Vec::new();
            while held
                .batches
                .front()
                .is_some_and(|(marks, _)| marks.iter().zip(&reached).all(|(m, r)| r >= m))
            {
                if let Some((_, spans)) = held.batches.pop_front() {
                    held.records -= spans.iter().map(|s| s.count as usize).sum::<usize>();
                    durable.extend(spans);
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
        lock(&self.pending).partition_of(seqno)
    }

    /// The batch of `count` records from `seqno` will not be scored here (its partition
    /// went to another reader): forgotten; where its records came from.
    pub fn withdrawn(&self, seqno: u64, count: usize) -> Vec<Span> {
        lock(&self.pending).take(seqno, count as u64)
    }

    /// What the source says of its reading and committing, for `engine inspect -v`.
    pub fn report(&self) -> serde_json::Value {
        self.committer.report()
    }
}

/// Where records taken and not yet scored came from, by their slot's sequence number: runs
/// of records numbered one after another that came from one partition one after another,
/// each under its first number.
#[derive(Default)]
struct Runs(BTreeMap<u64, Span>);

impl Runs {
    /// The record `seqno` came from `at` (numbers grow from each record to the next).
    fn add(&mut self, seqno: u64, at: Position) {
        if let Some(mut last) = self.0.last_entry() {
            let (first, run) = (*last.key(), last.get_mut());
            if first + run.count == seqno && run.partition == at.partition && run.end() == at.offset
            {
                run.count += 1;
                return;
            }
        }
        self.0.insert(seqno, Span::at(at));
    }

    /// Take out the records numbered `seqno` … `seqno + count - 1`: where they came from.
    fn take(&mut self, seqno: u64, count: u64) -> Vec<Span> {
        let end = seqno + count;
        // the runs that begin before the end and end after the beginning
        let overlapping: Vec<u64> = self
            .0
            .range(..end)
            .rev()
            .take_while(|(first, run)| *first + run.count > seqno)
            .map(|(first, _)| *first)
            .collect();
        let mut taken = Vec::with_capacity(overlapping.len());
        for first in overlapping.into_iter().rev() {
            let Some(run) = self.0.remove(&first) else {
                continue;
            };
            let (from, to) = (seqno.max(first), end.min(first + run.count));
            // what is before and after the records taken stays
            if first < from {
                self.0.insert(first, run.part(0, from - first));
            }
            if to < first + run.count {
                self.0
                    .insert(to, run.part(to - first, first + run.count - to));
            }
            taken.push(run.part(from - first, to - from));
        }
        taken
    }

    fn partition_of(&self, seqno: u64) -> Option<i32> {
        let (first, run) = self.0.range(..=seqno).next_back()?;
        (seqno < first + run.count).then_some(run.partition)
    }
}

impl Span {
    /// `count` of its records from its `skip`th on.
    fn part(&self, skip: u64, count: u64) -> Span {
        Span {
            partition: self.partition,
            offset: self.offset.saturating_add_unsigned(skip),
            count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(partition: i32, offset: i64) -> Position {
        Position { partition, offset }
    }

    fn span(partition: i32, offset: i64, count: u64) -> Span {
        Span {
            partition,
            offset,
            count,
        }
    }

    #[test]
    fn records_read_in_order_are_one_run_and_taken_in_parts() {
        let mut runs = Runs::default();
        for n in 0..10 {
            runs.add(1 + n, at(3, 100 + n as i64));
        }
        assert_eq!(runs.0.len(), 1);
        // from the middle, then the beginning, then what is left
        assert_eq!(runs.take(4, 3), vec![span(3, 103, 3)]);
        assert_eq!(runs.partition_of(5), None);
        assert_eq!(runs.partition_of(8), Some(3));
        assert_eq!(runs.take(1, 3), vec![span(3, 100, 3)]);
        assert_eq!(runs.take(1, 100), vec![span(3, 106, 4)]);
        assert!(runs.0.is_empty());
    }

    #[test]
    fn a_run_ends_where_the_partition_or_the_offsets_change() {
        let mut runs = Runs::default();
        runs.add(1, at(0, 5));
        runs.add(2, at(0, 6));
        runs.add(3, at(1, 7)); // another partition
        runs.add(4, at(1, 9)); // an offset skipped (a compacted topic)
        runs.add(6, at(1, 10)); // a number skipped (a record rejected)
        assert_eq!(runs.0.len(), 4);
        assert_eq!(
            runs.take(2, 5),
            vec![span(0, 6, 1), span(1, 7, 1), span(1, 9, 1), span(1, 10, 1)]
        );
        assert_eq!(runs.take(1, 1), vec![span(0, 5, 1)]);
        assert!(runs.take(1, 10).is_empty());
    }
}
