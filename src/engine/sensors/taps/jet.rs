//! `jet.<sandbox>.{input,output}.records.{count,size}`: what each jet took and gave.

use super::{numbered, Delta, Family, Gauges, Sampler, Tap};
use serde_json::Value;

pub struct Jets;

const PER_JET: &[&str] = &[
    "input.records.count",
    "input.records.size",
    "output.records.count",
    "output.records.size",
];

struct JetRecords {
    sandbox: String,
    output: bool,
    bytes: bool,
    delta: Delta,
}

impl JetRecords {
    fn total(&self, g: &dyn Gauges) -> Option<u64> {
        let jet = g.jets().into_iter().find(|j| j.sandbox == self.sandbox)?;
        let (n, b) = if self.output { jet.output } else { jet.input };
        Some(if self.bytes { b } else { n })
    }
}

impl Sampler for JetRecords {
    fn start(&mut self, g: &dyn Gauges) {
        let total = self.total(g);
        self.delta.start(total);
    }

    fn read(&mut self, g: &dyn Gauges) -> Option<Value> {
        // a jet that is gone says nothing
        let total = self.total(g)?;
        self.delta.next(Some(total))
    }
}

impl Family for Jets {
    fn of_models(&self) -> bool {
        true
    }

    fn points(&self, g: &dyn Gauges) -> Vec<String> {
        g.jets()
            .iter()
            .flat_map(|j| {
                PER_JET
                    .iter()
                    .map(move |p| format!("jet.{}.{p}", j.sandbox))
            })
            .collect()
    }

    fn open(&self, point: &str) -> Option<Tap> {
        let (sandbox, what) = numbered(point, "jet.")?;
        let (direction, unit) = what.split_once(".records.")?;
        Some(Tap::sampled(JetRecords {
            sandbox: sandbox.to_string(),
            output: match direction {
                "input" => false,
                "output" => true,
                _ => return None,
            },
            bytes: match unit {
                "count" => false,
                "size" => true,
                _ => return None,
            },
            delta: Delta::default(),
        }))
    }
}
