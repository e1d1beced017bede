//! `debug`: as an output, records kept in the engine for `GET /1/debug/output`, which takes
//! them (spec/rest-api.md §6.14); with `Data` or `DataBinary` it is the archived name of
//! `inline`, an input.

use super::{Direction, Sink, Transport};
use crate::engine::envelope::Framed;
use crate::sync::lock;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The most records, and bytes, a debug output keeps; older ones make room for newer ones
/// (a debug output never holds the model up).
const KEPT_RECORDS: usize = 1000;
const KEPT_BYTES: usize = 1 << 20;

#[derive(Debug)]
struct Debug;

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Transport>, String> {
    let inline = ["Data", "DataBinary"]
        .iter()
        .any(|name| super::param(params, name).is_some());
    if inline {
        super::inline::parse(params)
    } else {
        Ok(Arc::new(Debug))
    }
}

impl Transport for Debug {
    fn name(&self) -> &'static str {
        "debug"
    }

    fn direction(&self) -> Direction {
        Direction::Output
    }

    fn preserves_boundaries(&self) -> bool {
        true
    }

    fn internal(&self) -> Value {
        json!({"type": "debug"})
    }

    fn open_sink(&self) -> Result<Box<dyn Sink>, String> {
        Ok(Box::new(DebugSink(Arc::default())))
    }
}

/// The records a debug output kept, oldest first, until they are taken.
#[derive(Default)]
pub struct DebugRecords(Mutex<(VecDeque<String>, usize)>);

impl DebugRecords {
    fn keep(&self, record: &[u8]) {
        let record = String::from_utf8_lossy(record).into_owned();
        let mut kept = lock(&self.0);
        kept.1 += record.len();
        kept.0.push_back(record);
        while kept.0.len() > KEPT_RECORDS || (kept.1 > KEPT_BYTES && kept.0.len() > 1) {
            if let Some(old) = kept.0.pop_front() {
                kept.1 -= old.len();
            }
        }
    }

    /// Every record kept, which are then gone.
    pub fn take(&self) -> Vec<String> {
        let mut kept = lock(&self.0);
        kept.1 = 0;
        kept.0.drain(..).collect()
    }
}

struct DebugSink(Arc<DebugRecords>);

impl Sink for DebugSink {
    fn write(&self, records: &Framed) -> std::io::Result<()> {
        for r in records.records() {
            self.0.keep(r);
        }
        Ok(())
    }

    fn finish(&self, _: Option<Duration>) -> std::io::Result<()> {
        Ok(())
    }

    fn debug_records(&self) -> Option<Arc<DebugRecords>> {
        Some(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_records_are_kept_within_the_bounds_and_taken_once() {
        let kept = DebugRecords::default();
        for i in 0..KEPT_RECORDS + 5 {
            kept.keep(i.to_string().as_bytes());
        }
        let taken = kept.take();
        assert_eq!(taken.len(), KEPT_RECORDS);
        assert_eq!(taken[0], "5");
        assert!(kept.take().is_empty());
        kept.keep(&vec![b'x'; KEPT_BYTES]);
        kept.keep(b"last");
        assert_eq!(kept.take(), ["last"]);
    }
}
