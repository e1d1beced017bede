//! Batches waiting for jets: one queue per input slot, end-of-input marks, pause, and the
//! wake-ups jets wait on.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Condvar, Mutex};

/// Batches an input slot may have waiting before its reader has to wait for the jets.
const MAX_QUEUED: usize = 16;

/// Records of one input slot, ready for a jet: `[r1,r2,…]` as JSON text.
pub struct Batch {
    pub slot: u32,
    /// Sequence number of the first record (records count from 1 per slot).
    pub seqno: u64,
    pub count: usize,
    /// Records are raw bytes (null encoding), sent as latin-1 strings.
    pub bytes: bool,
    pub payload: Vec<u8>,
}

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
    /// The pipeline is being torn down.
    Closed,
}

#[derive(Default)]
struct State {
    queues: BTreeMap<u32, VecDeque<Batch>>,
    ended: BTreeSet<u32>,
    paused: bool,
    closed: bool,
}

pub struct Dispatch {
    state: Mutex<State>,
    wake: Condvar,
    inputs: Vec<u32>,
}

impl Dispatch {
    pub fn new(inputs: Vec<u32>, paused: bool) -> Dispatch {
        let mut state = State {
            paused,
            ..State::default()
        };
        for slot in &inputs {
            state.queues.insert(*slot, VecDeque::new());
        }
        Dispatch {
            state: Mutex::new(state),
            wake: Condvar::new(),
            inputs,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue a batch; waits while the slot already has many waiting (back-pressure).
    pub fn push(&self, batch: Batch) {
        let mut st = self.lock();
        while !st.closed
            && st
                .queues
                .get(&batch.slot)
                .is_some_and(|q| q.len() >= MAX_QUEUED)
        {
            st = self.wake.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        st.queues.entry(batch.slot).or_default().push_back(batch);
        drop(st);
        self.wake.notify_all();
    }

    /// No more batches will come for `slot`.
    pub fn end(&self, slot: u32) {
        self.lock().ended.insert(slot);
        self.wake.notify_all();
    }

    pub fn set_paused(&self, paused: bool) {
        self.lock().paused = paused;
        self.wake.notify_all();
    }

    pub fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_all();
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

    /// The next batch a jet may have (blocking).
    pub fn take(&self, want: Want) -> Take {
        let mut st = self.lock();
        loop {
            if st.closed {
                return Take::Closed;
            }
            if !st.paused {
                let slots: Vec<u32> = match want {
                    Want::Any => self.inputs.clone(),
                    Want::Slot(s) => vec![s],
                };
                // the fullest queue first, so one busy input cannot starve the others
                let pick = slots
                    .iter()
                    .filter(|s| st.queues.get(s).is_some_and(|q| !q.is_empty()))
                    .max_by_key(|s| st.queues.get(s).map_or(0, VecDeque::len))
                    .copied();
                if let Some(slot) = pick {
                    if let Some(batch) = st.queues.get_mut(&slot).and_then(VecDeque::pop_front) {
                        drop(st);
                        // a reader may be waiting for room
                        self.wake.notify_all();
                        return Take::Batch(batch);
                    }
                }
                if slots.iter().all(|s| st.ended.contains(s)) {
                    return Take::End;
                }
            }
            st = self.wake.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }
}
