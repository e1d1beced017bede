//! Tapping points (spec/engine.md §9.5). A family of taps is one file implementing
//! `Family`: the points it offers now and, for a point's name, the `Tap` that reads it.
//! A tap either samples the engine's gauges when its sensor is active, or listens to
//! events the engine fires (`Hot`) as they happen.

mod jet;
mod manifold;
mod sys;
mod test;

use serde_json::Value;
pub use sys::cpu_seconds;

/// The engine's counters as sampled taps read them; all counts are totals since the job
/// started (a tap reports the change since its previous reading).
pub trait Gauges: Send + Sync {
    /// The slots of the loaded model.
    fn slots(&self) -> Vec<u32>;
    /// Records and bytes through a slot.
    fn slot_counts(&self, slot: u32) -> Option<(u64, u64)>;
    /// Timings of the slot's stream operations: seconds per operation and `<op>_n` counts.
    fn profile(&self, slot: u32) -> Option<Value>;
    fn jets(&self) -> Vec<JetGauge>;
    /// What the job waits on when it has made no progress for a while, if it does.
    fn stall(&self) -> Option<Value>;
    /// The engine's process and its jets'.
    fn processes(&self) -> Vec<u32>;
    /// Whether this service runs models (an engine: slots, jets), or only has its process
    /// (the fleet's Connect and Model Manage).
    fn runs_models(&self) -> bool {
        true
    }
}

pub struct JetGauge {
    pub sandbox: String,
    pub pid: u32,
    /// Records and bytes in, records and bytes out.
    pub input: (u64, u64),
    pub output: (u64, u64),
}

/// An event of the engine that taps listen to. The engine asks whether anyone listens
/// (`Sensors::hot`) before it builds the reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hot {
    /// A record rejected on a slot (the reading is the record).
    Rejected { slot: u32, by_schema: bool },
    /// Debug text of a slot's stream, or of the manifold (`None`).
    Debug(Option<u32>),
    /// A slot's stream operations are timed (read by sampling).
    Profile(u32),
}

/// A sampled tap: one reading per activation (or per report period when permanent).
pub trait Sampler: Send {
    /// Called at install, so that the first reading is the change since then.
    fn start(&mut self, _g: &dyn Gauges) {}
    /// `None`: nothing to report now.
    fn read(&mut self, g: &dyn Gauges) -> Option<Value>;
}

pub struct Tap {
    /// `None`: the tap is fed by events.
    pub sampler: Option<Box<dyn Sampler>>,
    /// The events it listens to, or (sampled) that must be watched for it.
    pub hot: Option<Hot>,
}

impl Tap {
    pub fn sampled(s: impl Sampler + 'static) -> Tap {
        Tap {
            sampler: Some(Box::new(s)),
            hot: None,
        }
    }

    pub fn events(hot: Hot) -> Tap {
        Tap {
            sampler: None,
            hot: Some(hot),
        }
    }
}

pub trait Family: Sync {
    fn points(&self, g: &dyn Gauges) -> Vec<String>;
    fn open(&self, point: &str) -> Option<Tap>;
    /// Whether its points are those of a service that runs models (`Gauges::runs_models`).
    fn of_models(&self) -> bool {
        false
    }
}

const FAMILIES: &[&dyn Family] = &[&manifold::Manifold, &jet::Jets, &sys::System, &test::Test];

/// The families of taps a service has.
fn families(g: &dyn Gauges) -> impl Iterator<Item = &&'static dyn Family> {
    let models = g.runs_models();
    FAMILIES.iter().filter(move |f| models || !f.of_models())
}

/// The tap at `point`, if this service has such a point (slots and jets need not exist
/// yet).
pub fn open(point: &str, g: &dyn Gauges) -> Option<Tap> {
    families(g).find_map(|f| f.open(point))
}

/// Whether any service (an engine, or the fleet's own) has a tap at `point`.
pub fn known(point: &str) -> bool {
    FAMILIES.iter().any(|f| f.open(point).is_some())
}

pub fn points(g: &dyn Gauges) -> Vec<String> {
    families(g).flat_map(|f| f.points(g)).collect()
}

/// The change of a total since the previous reading. A total that went down (a new job)
/// counts from zero; no change after a change of zero gives no reading, so that an idle
/// engine stays quiet.
#[derive(Default)]
pub struct Delta {
    last: Option<u64>,
    quiet: bool,
}

impl Delta {
    pub fn start(&mut self, total: Option<u64>) {
        self.last = total;
    }

    pub fn next(&mut self, total: Option<u64>) -> Option<Value> {
        let total = total.unwrap_or(0);
        let last = self.last.replace(total).unwrap_or(0);
        let change = if total >= last { total - last } else { total };
        if change == 0 && self.quiet {
            return None;
        }
        self.quiet = change == 0;
        Some(Value::from(change))
    }
}

/// `<prefix><number>.<rest>` → (number, rest).
fn numbered<'a>(point: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let (n, rest) = point.strip_prefix(prefix)?.split_once('.')?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some((n, rest))
}
