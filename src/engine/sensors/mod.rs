//! Sensors (spec/engine.md §9.5): probes installed on tapping points that activate on a
//! schedule, filter and aggregate their readings and report them as Pneumo `sensor-report`
//! messages, or to a stream. `taps/` has the tapping points, `descriptor.rs` reads a
//! descriptor, `aggregate.rs` filters and folds readings. One thread per engine
//! (`run`) takes the sampled readings and sends the reports when they are due; events
//! (rejections, debug text) are taken where they happen, only when a sensor listens.

pub mod aggregate;
pub mod descriptor;
pub mod rest;
mod sink;
pub mod taps;

use super::events::Events;
use crate::sync::lock;
use aggregate::{Filter, Pending};
use descriptor::{Activate, SensorSpec, Window};
use serde_json::{json, Value};
use sink::ReportSink;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
pub use taps::{cpu_seconds, Gauges, Hot, JetGauge};

/// The most sensors an engine keeps.
const MAX_SENSORS: usize = 1000;
/// The longest the sensor thread sleeps (it also notices a stopped engine then).
const LONGEST_SLEEP: Duration = Duration::from_secs(1);

/// The default sensors, ids 1–8 in this order (spec/engine.md §9.5).
const DEFAULTS: &[&str] = &[
    "manifold.1.records.size",
    "manifold.0.records.size",
    "manifold.1.records.rejected.by.encoding",
    "manifold.0.records.rejected.by.encoding",
    "manifold.1.records.count",
    "manifold.0.records.count",
    "manifold.1.records.rejected.by.schema",
    "manifold.0.records.rejected.by.schema",
];

/// The descriptor of a default sensor: counters summed, rejections listed, every second.
fn default_descriptor(tap: &str) -> Value {
    let aggregate = if tap.contains(".rejected.") {
        "accumulate"
    } else {
        "sum"
    };
    json!({"Tap": tap, "Activate": "permanent", "Aggregate": aggregate, "Sink": "pneumo",
           "Report": {"Interval": 1.0}})
}

struct Sensor {
    point: String,
    tap: taps::Tap,
    activate: Activate,
    report_every: Duration,
    filter: Option<Filter>,
    pending: Pending,
    sink: Arc<ReportSink>,
    /// The tap is on (permanent sensors always are).
    active: bool,
    /// When the current activation ends.
    until: Option<Instant>,
    reads: u64,
    next_activation: Instant,
    /// A permanent sampled sensor's next reading.
    next_sample: Instant,
    next_report: Instant,
    last_report: Instant,
}

/// A report to send once the lock is released.
struct Report {
    sink: Arc<ReportSink>,
    fields: Value,
}

impl Sensor {
    fn window(&self) -> Window {
        match &self.activate {
            Activate::Permanent => Window::default(),
            Activate::Regular { window, .. } | Activate::Random { window, .. } => *window,
        }
    }

    fn sample_every(&self) -> Duration {
        if self.report_every.is_zero() {
            LONGEST_SLEEP
        } else {
            self.report_every
        }
    }

    /// Take a reading if the sensor is on; true when one was taken.
    fn take(&mut self, reading: Value) -> bool {
        if !self.active || self.filter.as_ref().is_some_and(|f| !f.passes(&reading)) {
            return false;
        }
        self.pending.push(reading);
        self.reads += 1;
        if self.window().max_reads.is_some_and(|m| self.reads >= m) {
            self.active = false;
        }
        true
    }

    fn report(&mut self, id: u64, now: Instant, out: &mut Vec<Report>) {
        for data in self.pending.take() {
            let delta = now.duration_since(self.last_report).as_secs_f64();
            self.last_report = now;
            out.push(Report {
                sink: self.sink.clone(),
                fields: json!({"id": id, "tap": self.point,
                               "delta_time": (delta * 1000.0).round() / 1000.0, "data": data}),
            });
        }
    }

    /// The next activation after `now`: regular ones on their interval, random ones an
    /// exponentially distributed wait apart.
    fn next_after(&self, now: Instant) -> Instant {
        match &self.activate {
            Activate::Permanent => now + Duration::from_secs(86_400),
            Activate::Regular { every, .. } => now + *every,
            Activate::Random { every, .. } => {
                let u = (crate::ids::random_u64() >> 11) as f64 / (1u64 << 53) as f64;
                now + every.mul_f64(-(1.0 - u).ln()).min(*every * 20)
            }
        }
    }

    /// Move the schedule to `now`, take sampled readings and collect due reports; the
    /// time this sensor next needs attention.
    fn step(&mut self, id: u64, now: Instant, g: &dyn Gauges, out: &mut Vec<Report>) -> Instant {
        let mut wake = now + LONGEST_SLEEP;
        if !matches!(self.activate, Activate::Permanent) {
            if self.active && self.until.is_some_and(|u| now >= u) {
                self.active = false;
            }
            if now >= self.next_activation {
                self.active = true;
                self.reads = 0;
                self.next_activation = self.next_after(now);
                self.until = Some(
                    self.window()
                        .duration
                        .map_or(self.next_activation, |d| now + d),
                );
                if let Some(reading) = self.tap.sampler.as_mut().and_then(|s| s.read(g)) {
                    self.take(reading);
                }
                // a sampled tap reads once per activation
                if self.tap.sampler.is_some() {
                    self.active = false;
                }
            }
            wake = wake.min(self.next_activation);
            if let (true, Some(until)) = (self.active, self.until) {
                wake = wake.min(until);
            }
        } else if self.tap.sampler.is_some() && now >= self.next_sample {
            if let Some(reading) = self.tap.sampler.as_mut().and_then(|s| s.read(g)) {
                self.take(reading);
            }
            self.next_sample = now + self.sample_every();
        }
        if self.tap.sampler.is_some() && matches!(self.activate, Activate::Permanent) {
            wake = wake.min(self.next_sample);
        }
        if self.report_every.is_zero() {
            self.report(id, now, out);
        } else {
            if now >= self.next_report {
                self.report(id, now, out);
                self.next_report += self.report_every;
                if self.next_report <= now {
                    self.next_report = now + self.report_every;
                }
            }
            wake = wake.min(self.next_report);
        }
        wake
    }
}

struct Installed {
    sensors: BTreeMap<u64, Sensor>,
    next_id: u64,
    stopped: bool,
}

pub struct Sensors {
    events: Arc<Events>,
    installed: Mutex<Installed>,
    changed: Condvar,
    /// Per kind of event (rejections, debug, profile), a bit per slot (modulo 64) that a
    /// sensor listens to; the data path reads it before building a reading.
    rejected: AtomicU64,
    debug: AtomicU64,
    profile: AtomicU64,
    manifold_debug: AtomicBool,
    /// Samples that time every slot's operations while they run (`POST /1/job/sample/cpu`).
    profiling_all: AtomicUsize,
}

/// Every slot's stream operations are timed while this lives.
pub struct ProfilingAll(Arc<Sensors>);

impl Drop for ProfilingAll {
    fn drop(&mut self) {
        self.0.profiling_all.fetch_sub(1, Ordering::Relaxed);
    }
}

fn bit(slot: u32) -> u64 {
    1 << (slot % 64)
}

impl Sensors {
    /// An engine's sensors, with the eight default ones installed.
    pub fn for_engine(events: Arc<Events>) -> Sensors {
        let sensors = Sensors::new(events);
        for tap in DEFAULTS {
            // the default descriptors are valid and their counters start at zero
            let _ = sensors.install(&default_descriptor(tap), &ThisProcess::ENGINE);
        }
        sensors
    }

    /// Sensors reporting to `events`, none installed yet.
    pub fn new(events: Arc<Events>) -> Sensors {
        Sensors {
            events,
            installed: Mutex::new(Installed {
                sensors: BTreeMap::new(),
                next_id: 1,
                stopped: false,
            }),
            changed: Condvar::new(),
            rejected: AtomicU64::new(0),
            debug: AtomicU64::new(0),
            profile: AtomicU64::new(0),
            manifold_debug: AtomicBool::new(false),
            profiling_all: AtomicUsize::new(0),
        }
    }

    /// Whether a sensor listens to `event` (cheap: the data path asks per record).
    pub fn hot(&self, event: Hot) -> bool {
        match event {
            Hot::Rejected { slot, .. } => self.rejected.load(Ordering::Relaxed) & bit(slot) != 0,
            Hot::Debug(Some(slot)) => self.debug.load(Ordering::Relaxed) & bit(slot) != 0,
            Hot::Debug(None) => self.manifold_debug.load(Ordering::Relaxed),
            Hot::Profile(slot) => {
                self.profile.load(Ordering::Relaxed) & bit(slot) != 0
                    || self.profiling_all.load(Ordering::Relaxed) > 0
            }
        }
    }

    /// Time every slot's stream operations until the answer is dropped.
    pub fn profile_all(self: &Arc<Self>) -> ProfilingAll {
        self.profiling_all.fetch_add(1, Ordering::Relaxed);
        ProfilingAll(self.clone())
    }

    /// An event happened: the sensors listening take `reading()`.
    pub fn fire(&self, event: Hot, reading: impl FnOnce() -> Value) {
        if !self.hot(event) {
            return;
        }
        let reading = reading();
        let mut reports = Vec::new();
        {
            let mut installed = lock(&self.installed);
            let now = Instant::now();
            for (id, s) in installed.sensors.iter_mut() {
                if s.tap.sampler.is_none()
                    && s.tap.hot == Some(event)
                    && s.take(reading.clone())
                    && s.report_every.is_zero()
                {
                    s.report(*id, now, &mut reports);
                }
            }
        }
        self.send(reports);
    }

    /// Debug text for a slot's stream (and the manifold's), built only when wanted.
    pub fn debug(&self, slot: Option<u32>, text: impl Fn() -> String) {
        if let Some(slot) = slot {
            self.fire(Hot::Debug(Some(slot)), || Value::String(text()));
        }
        self.fire(Hot::Debug(None), || match slot {
            Some(slot) => Value::String(format!("[{slot}] {}", text())),
            None => Value::String(text()),
        });
    }

    fn rearm(&self, installed: &Installed) {
        let (mut rejected, mut debug, mut profile, mut manifold) = (0, 0, 0, false);
        for s in installed.sensors.values() {
            match s.tap.hot {
                Some(Hot::Rejected { slot, .. }) => rejected |= bit(slot),
                Some(Hot::Debug(Some(slot))) => debug |= bit(slot),
                Some(Hot::Debug(None)) => manifold = true,
                Some(Hot::Profile(slot)) => profile |= bit(slot),
                None => {}
            }
        }
        self.rejected.store(rejected, Ordering::Relaxed);
        self.debug.store(debug, Ordering::Relaxed);
        self.profile.store(profile, Ordering::Relaxed);
        self.manifold_debug.store(manifold, Ordering::Relaxed);
    }

    /// Install a sensor from its descriptor: its id, or why not.
    /// (`check_descriptor` is the check a stored descriptor gets.)
    pub fn install(&self, doc: &Value, g: &dyn Gauges) -> Result<u64, String> {
        let spec: SensorSpec = descriptor::parse(doc)?;
        let mut tap = taps::open(&spec.tap, g).ok_or_else(|| {
            format!(
                "no tapping point '{}' (see fastscore sensor points)",
                spec.tap
            )
        })?;
        if let Some(s) = tap.sampler.as_mut() {
            s.start(g);
        }
        let sink = Arc::new(ReportSink::open(&spec.sink, &self.events)?);
        let now = Instant::now();
        let mut installed = lock(&self.installed);
        if installed.sensors.len() >= MAX_SENSORS {
            return Err(format!("this engine has {MAX_SENSORS} sensors already"));
        }
        let id = installed.next_id;
        installed.next_id += 1;
        let permanent = matches!(spec.activate, Activate::Permanent);
        let report_every = spec.report_every;
        let sensor = Sensor {
            point: spec.tap,
            tap,
            report_every,
            filter: spec.filter,
            pending: Pending::new(spec.aggregate),
            sink,
            active: permanent,
            until: None,
            reads: 0,
            next_activation: now,
            next_sample: now
                + if report_every.is_zero() {
                    LONGEST_SLEEP
                } else {
                    report_every
                },
            next_report: now + report_every,
            last_report: now,
            activate: spec.activate,
        };
        installed.sensors.insert(id, sensor);
        self.rearm(&installed);
        self.changed.notify_all();
        Ok(id)
    }

    /// Remove a sensor; false when there is none with that id.
    pub fn uninstall(&self, id: u64) -> bool {
        let removed = {
            let mut installed = lock(&self.installed);
            let removed = installed.sensors.remove(&id);
            self.rearm(&installed);
            removed
        };
        // a stream sink finishes (flushes) outside the lock
        removed.is_some()
    }

    /// `[{"id", "tap"}]` in the order of their ids; with `v1`, also `active`.
    pub fn list(&self, v1: bool) -> Vec<Value> {
        let installed = lock(&self.installed);
        installed
            .sensors
            .iter()
            .map(|(id, s)| match v1 {
                false => json!({"id": id, "tap": s.point}),
                true => json!({"id": id, "tap": s.point, "active": s.active}),
            })
            .collect()
    }

    /// The v1 view of one sensor.
    pub fn get(&self, id: u64) -> Option<Value> {
        let installed = lock(&self.installed);
        let s = installed.sensors.get(&id)?;
        Some(json!({"id": id, "tap": s.point,
                    "permanent": matches!(s.activate, Activate::Permanent)}))
    }

    /// Take sampled readings and send the reports that are due; the time of the next
    /// thing to do.
    fn tick(&self, g: &dyn Gauges) -> Instant {
        let now = Instant::now();
        let mut wake = now + LONGEST_SLEEP;
        let mut reports = Vec::new();
        {
            let mut installed = lock(&self.installed);
            for (id, s) in installed.sensors.iter_mut() {
                wake = wake.min(s.step(*id, now, g, &mut reports));
            }
        }
        self.send(reports);
        wake
    }

    fn send(&self, reports: Vec<Report>) {
        for r in reports {
            r.sink.send(r.fields);
        }
    }

    /// The sensor thread, reading `gauges`: runs until `stop`, or until either is gone.
    pub fn start(self: &Arc<Self>, gauges: std::sync::Weak<dyn Gauges>) {
        let me = Arc::downgrade(self);
        std::thread::spawn(move || loop {
            let (Some(me), Some(g)) = (me.upgrade(), gauges.upgrade()) else {
                return;
            };
            let wake = me.tick(&*g);
            drop(g);
            let installed = lock(&me.installed);
            if installed.stopped {
                return;
            }
            let wait = wake
                .saturating_duration_since(Instant::now())
                .min(LONGEST_SLEEP);
            let _ = me.changed.wait_timeout(installed, wait);
        });
    }

    pub fn stop(&self) {
        lock(&self.installed).stopped = true;
        self.changed.notify_all();
    }
}

/// A service that is only its process (the fleet server's Connect and Model Manage), or
/// an engine before it runs (`ThisProcess::engine`): memory and CPU, no slots or jets yet.
pub struct ThisProcess {
    runs_models: bool,
}

impl ThisProcess {
    /// The fleet server's services: they never run models.
    pub const SERVICE: ThisProcess = ThisProcess { runs_models: false };
    /// An engine that does not run yet: its slots and jets are still to come.
    pub const ENGINE: ThisProcess = ThisProcess { runs_models: true };
}

impl Gauges for ThisProcess {
    fn slots(&self) -> Vec<u32> {
        Vec::new()
    }
    fn slot_counts(&self, _slot: u32) -> Option<(u64, u64)> {
        None
    }
    fn profile(&self, _slot: u32) -> Option<Value> {
        None
    }
    fn jets(&self) -> Vec<JetGauge> {
        Vec::new()
    }
    fn stall(&self) -> Option<Value> {
        None
    }
    fn processes(&self) -> Vec<u32> {
        vec![std::process::id()]
    }
    fn runs_models(&self) -> bool {
        self.runs_models
    }
}

/// Whether `doc` is a sensor descriptor some service can install: it parses, and its tap
/// is a point of an engine or of the fleet's own services.
pub fn check_descriptor(doc: &Value) -> Result<(), String> {
    let spec = descriptor::parse(doc)?;
    if taps::known(&spec.tap) {
        Ok(())
    } else {
        Err(format!(
            "no service has a tapping point '{}' (see fastscore sensor points)",
            spec.tap
        ))
    }
}
