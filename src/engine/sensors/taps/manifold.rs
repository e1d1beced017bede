//! `manifold.<slot>.records.{count,size,rejected.by.encoding,rejected.by.schema}`,
//! `manifold.<slot>.{debug,profile}`, `manifold.debug`, `manifold.deadlock`.

use super::{numbered, Delta, Family, Gauges, Hot, Sampler, Tap};
use serde_json::Value;

pub struct Manifold;

const PER_SLOT: &[&str] = &[
    "records.count",
    "records.size",
    "records.rejected.by.encoding",
    "records.rejected.by.schema",
    "debug",
    "profile",
];

struct Records {
    slot: u32,
    bytes: bool,
    delta: Delta,
}

impl Records {
    fn total(&self, g: &dyn Gauges) -> Option<u64> {
        g.slot_counts(self.slot)
            .map(|(n, b)| if self.bytes { b } else { n })
    }
}

impl Sampler for Records {
    fn start(&mut self, g: &dyn Gauges) {
        let total = self.total(g);
        self.delta.start(total);
    }

    fn read(&mut self, g: &dyn Gauges) -> Option<Value> {
        let total = self.total(g);
        self.delta.next(total)
    }
}

/// The timings since the previous reading; nothing when the slot did nothing.
struct Profile {
    slot: u32,
    last: Option<Value>,
}

impl Sampler for Profile {
    fn start(&mut self, g: &dyn Gauges) {
        self.last = g.profile(self.slot);
    }

    fn read(&mut self, g: &dyn Gauges) -> Option<Value> {
        let now = g.profile(self.slot)?;
        let last = self.last.replace(now.clone());
        let (Value::Object(now), Some(Value::Object(last))) = (&now, last) else {
            return Some(now);
        };
        let mut moved = false;
        let change = now
            .iter()
            .map(|(k, v)| {
                let (v, was) = (
                    v.as_f64().unwrap_or(0.0),
                    last.get(k).and_then(Value::as_f64).unwrap_or(0.0),
                );
                let d = if v >= was { v - was } else { v };
                moved |= d > 0.0;
                let d = if k.ends_with("_n") {
                    Value::from(d as u64)
                } else {
                    Value::from(d)
                };
                (k.clone(), d)
            })
            .collect();
        moved.then_some(Value::Object(change))
    }
}

struct Deadlock;

impl Sampler for Deadlock {
    fn read(&mut self, g: &dyn Gauges) -> Option<Value> {
        g.stall()
    }
}

impl Family for Manifold {
    fn of_models(&self) -> bool {
        true
    }

    fn points(&self, g: &dyn Gauges) -> Vec<String> {
        let mut points = vec![
            "manifold.debug".to_string(),
            "manifold.deadlock".to_string(),
        ];
        for slot in g.slots() {
            points.extend(PER_SLOT.iter().map(|p| format!("manifold.{slot}.{p}")));
        }
        points
    }

    fn open(&self, point: &str) -> Option<Tap> {
        match point {
            "manifold.debug" => return Some(Tap::events(Hot::Debug(None))),
            "manifold.deadlock" => return Some(Tap::sampled(Deadlock)),
            _ => {}
        }
        let (slot, what) = numbered(point, "manifold.")?;
        let slot: u32 = slot.parse().ok()?;
        let records = |bytes| {
            Tap::sampled(Records {
                slot,
                bytes,
                delta: Delta::default(),
            })
        };
        Some(match what {
            "records.count" => records(false),
            "records.size" => records(true),
            "records.rejected.by.encoding" => Tap::events(Hot::Rejected {
                slot,
                by_schema: false,
            }),
            "records.rejected.by.schema" => Tap::events(Hot::Rejected {
                slot,
                by_schema: true,
            }),
            "debug" => Tap::events(Hot::Debug(Some(slot))),
            "profile" => Tap {
                hot: Some(Hot::Profile(slot)),
                ..Tap::sampled(Profile { slot, last: None })
            },
            _ => return None,
        })
    }
}
