//! The engine: runs one model at a time between input and output streams, behind the
//! FastScore Engine REST API (`server.rs`). The state machine and the operations live here;
//! `pipeline.rs` is the running job. Where new things go: a transport is a file in
//! `transport/`, an encoding in `codec/`, an envelope in `envelope/`, a model language in
//! `runner/` — each registered in its directory's `mod.rs`.

pub mod annotations;
pub mod baked;
mod child;
pub mod codec;
mod cpu_sample;
mod dispatch;
pub mod envelope;
pub mod events;
pub mod files;
mod input;
mod jet;
pub mod load;
mod metrics;
mod output;
mod pipeline;
pub mod preparations;
mod prepare;
mod roundtrip;
pub mod runner;
pub mod sensors;
pub mod server;
mod settle;
mod stats;
pub mod transport;

use crate::fleet::store::Store;
use crate::fleet::{AssetKind, Failure, ModelManage};
use crate::schema::Avro;
use crate::stream::descriptor::{self, Descriptor, SchemaSpec};
use crate::sync::lock;
use pipeline::Pipeline;
pub use pipeline::Taken;
use preparations::{NotReady, Preparations};
use prepare::Prepared;
use serde_json::{json, Value};
use stats::SlotStats;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use transport::rest::Popped;

/// How long starting a pipeline waits for the jets to load the model.
const READY_WAIT: Duration = Duration::from_secs(120);
/// How long `stream sample` may read.
const SAMPLE_WAIT: Duration = Duration::from_secs(10);
/// How long `POST /1/stream/rate` reads a stream to measure it.
const RATE_WINDOW: Duration = Duration::from_secs(1);
/// The snapshots this engine makes: JSON of cells and pools.
const SNAPSHOT_TYPE: &str = "JSON1";
/// Console lines the engine keeps for `engine inspect -v`.
const CONSOLE_LINES: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Init,
    Running,
    Paused,
    Finishing,
    Finished,
    Error,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Init => "init",
            State::Running => "running",
            State::Paused => "paused",
            State::Finishing => "finishing",
            State::Finished => "finished",
            State::Error => "error",
        }
    }

    fn shown(self) -> String {
        self.name().to_uppercase()
    }
}

/// A refusal: an HTTP status and a one-line reason.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub message: String,
    /// What the engine is busy with in the background (`install xgboost`), when the
    /// request may be made again in a moment (503).
    pub busy: Option<String>,
}

pub type Answer<T> = Result<T, Refused>;

pub fn refuse(status: u16, message: impl Into<String>) -> Refused {
    Refused {
        status,
        message: message.into(),
        busy: None,
    }
}

fn bad(message: impl Into<String>) -> Refused {
    refuse(400, message)
}

/// A stream attached to a slot.
pub struct Attached {
    pub name: String,
    pub doc: Value,
    pub descriptor: Descriptor,
    /// The stream's own schema, when it has one.
    pub schema: Option<(Value, Arc<Avro>)>,
}

struct Inner {
    state: State,
    pause_requested: bool,
    model: Option<Arc<Prepared>>,
    streams: BTreeMap<u32, Arc<Attached>>,
    scale: usize,
    pipeline: Option<Arc<Pipeline>>,
    /// What went wrong when the state is `error`.
    error: Option<Value>,
    /// Records taken and not scored, when the model finished before reading them.
    unscored: usize,
    /// Counts changes of the model and streams, so that a job opened meanwhile is known
    /// to be out of date.
    generation: u64,
    /// A job is being opened (without the lock).
    starting: bool,
    stats: BTreeMap<u32, Arc<SlotStats>>,
    verifiers: HashMap<u64, Arc<Avro>>,
    next_verifier: u64,
    /// Cells and pools from `PUT /1/job/state`, for the next job's jets.
    restore: Option<Value>,
}

/// Where an engine finds the schemas and attachments a load names: the local store, or the
/// Model Manage of the fleet it joined.
pub enum Assets {
    Local(Store),
    Fleet(crate::config::Connection),
}

impl Assets {
    /// The fleet's Model Manage, reached afresh for each lookup (loads are rare).
    fn fleet(conn: &crate::config::Connection) -> Result<impl ModelManage, Failure> {
        let timeouts =
            crate::fleet::http::Timeouts::from_env().map_err(|e| Failure::other(e.to_string()))?;
        crate::fleet::remote::Remote::new(conn, timeouts)
            .and_then(|r| r.model_manage())
            .map_err(|e| Failure::other(e.to_string()))
    }

    pub fn get_schema(&self, name: &str) -> Result<Value, Failure> {
        match self {
            Assets::Local(store) => store.get_asset(AssetKind::Schema, name),
            Assets::Fleet(conn) => Assets::fleet(conn)?.get_asset(AssetKind::Schema, name),
        }
    }

    pub fn get_stream(&self, name: &str) -> Result<Value, Failure> {
        match self {
            Assets::Local(store) => store.get_asset(AssetKind::Stream, name),
            Assets::Fleet(conn) => Assets::fleet(conn)?.get_asset(AssetKind::Stream, name),
        }
    }

    pub fn put_snapshot(
        &self,
        model: &str,
        stype: &str,
        bytes: &[u8],
    ) -> Result<crate::fleet::Snapshot, Failure> {
        match self {
            Assets::Local(store) => store.put_snapshot(model, stype, bytes),
            Assets::Fleet(conn) => Assets::fleet(conn)?.put_snapshot(model, stype, bytes),
        }
    }

    pub fn get_attachment(&self, model: &str, name: &str) -> Result<Vec<u8>, Failure> {
        match self {
            Assets::Local(store) => store.get_attachment(model, name),
            Assets::Fleet(conn) => Assets::fleet(conn)?.get_attachment(model, name),
        }
    }
}

pub struct Engine {
    pub name: String,
    pub id: String,
    /// Its Pneumo messages.
    pub events: Arc<events::Events>,
    pub sensors: Arc<sensors::Sensors>,
    /// The records through all slots when the job last made progress, and since when.
    progress: Mutex<(u64, Instant)>,
    dir: PathBuf,
    pub store: Assets,
    runners: runner::Runners,
    inner: Mutex<Inner>,
    changed: Condvar,
    /// The last lines the models printed.
    console: Mutex<VecDeque<String>>,
    /// Cached model checks: runner, source and attachments → result.
    checks: Mutex<HashMap<u64, runner::Check>>,
    /// By import policy MIME type: the preinstall of its libraries that runs, or the one
    /// that succeeded (kept for the engine's life: a type is preinstalled once). A type
    /// whose preinstall failed, or that none was asked for, has none.
    preinstalls: Mutex<HashMap<String, prepare::Preinstall>>,
    /// Runtimes and libraries being installed in the background.
    preparations: Arc<Preparations>,
    /// The installs of libraries, one at a time.
    installs: Arc<prepare::Installs>,
}

/// Where an output read ended up.
pub enum Output {
    /// Lent to the answer: back in the queue unless the answer goes out.
    Record(transport::rest::Lent),
    Empty,
    Ended,
    Failed(String),
}

impl Engine {
    /// An engine named `name` keeping its files in `dir`, taking named assets from `assets`.
    pub fn new(
        name: &str,
        dir: &Path,
        assets: Assets,
        python: &str,
    ) -> std::io::Result<Arc<Engine>> {
        let preparations = Preparations::new(name);
        let runners = runner::Runners::new(&runner::Settings {
            python: python.to_string(),
            runtime: dir.join("runtime"),
            preparations: preparations.clone(),
        })?;
        // what a killed engine left: its jets' sandboxes and its model checks
        let _ = std::fs::remove_dir_all(dir.join("jets"));
        let _ = std::fs::remove_dir_all(dir.join("tmp"));
        let events = Arc::new(events::Events::new(name));
        let engine = Arc::new(Engine {
            name: name.to_string(),
            id: prepare::random_id(),
            sensors: Arc::new(sensors::Sensors::for_engine(events.clone())),
            events,
            progress: Mutex::new((0, Instant::now())),
            dir: dir.to_path_buf(),
            store: assets,
            runners,
            inner: Mutex::new(Inner {
                state: State::Init,
                pause_requested: false,
                model: None,
                streams: BTreeMap::new(),
                scale: 1,
                pipeline: None,
                error: None,
                unscored: 0,
                generation: 0,
                starting: false,
                stats: BTreeMap::new(),
                verifiers: HashMap::new(),
                next_verifier: 1,
                restore: None,
            }),
            changed: Condvar::new(),
            console: Mutex::new(VecDeque::new()),
            checks: Mutex::new(HashMap::new()),
            preinstalls: Mutex::default(),
            preparations,
            installs: Arc::default(),
        });
        let gauges: std::sync::Weak<dyn sensors::Gauges> = Arc::downgrade(&engine) as _;
        engine.sensors.start(gauges);
        Ok(engine)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
    }

    pub fn health(&self) -> Value {
        json!({"id": self.id, "release": crate::VERSION, "built_on": crate::BUILT_ON,
               "name": self.name, "bulk_input": true})
    }

    /// `{"state": …}` plus, from this engine, the error, per-slot counters and the console.
    pub fn state(&self) -> Value {
        let inner = self.lock();
        let slots: Vec<Value> = inner
            .stats
            .iter()
            .map(|(n, s)| {
                let mut report = s.report(*n);
                let queue = inner.pipeline.as_ref().and_then(|p| p.rest_output(*n));
                if let (Some(q), Some(obj)) = (queue, report.as_object_mut()) {
                    let (records, bytes) = q.queued();
                    obj.insert("queued".into(), json!({"records": records, "bytes": bytes}));
                }
                let source = inner.pipeline.as_ref().and_then(|p| p.source_report(*n));
                if let (Some(source), Some(obj)) = (source, report.as_object_mut()) {
                    obj.insert("source".into(), source);
                }
                report
            })
            .collect();
        let console: Vec<String> = lock(&self.console).iter().cloned().collect();
        json!({"state": inner.state.name(), "error": inner.error, "unscored": inner.unscored,
               "slots": slots, "console": console})
    }

    fn set_state(&self, inner: &mut Inner, state: State) {
        if inner.state != state {
            eprintln!("{}: state changes to {}", self.name, state.shown());
            self.sensors
                .debug(None, || format!("state changes to {}", state.shown()));
            inner.state = state;
            self.events
                .publish("engine-state", json!({"state": state.name()}));
            self.changed.notify_all();
        }
    }

    /// Stop everything and go back to `init`.
    pub fn reset(&self) {
        let pipeline = {
            let mut inner = self.lock();
            inner.model = None;
            inner.streams.clear();
            inner.generation += 1;
            inner.error = None;
            inner.unscored = 0;
            inner.scale = 1;
            inner.stats.clear();
            inner.pause_requested = false;
            inner.restore = None;
            self.set_state(&mut inner, State::Init);
            inner.pipeline.take()
        };
        if let Some(p) = pipeline {
            p.stop();
        }
        let _ = std::fs::remove_dir_all(self.dir.join("jets"));
        lock(&self.console).clear();
    }

    pub fn pause(&self) {
        let mut inner = self.lock();
        match inner.state {
            State::Init => inner.pause_requested = true,
            State::Running => {
                if let Some(p) = &inner.pipeline {
                    p.dispatch.set_paused(true);
                }
                self.set_state(&mut inner, State::Paused);
            }
            _ => {}
        }
    }

    pub fn unpause(&self) {
        let mut inner = self.lock();
        inner.pause_requested = false;
        if inner.state == State::Paused {
            if let Some(p) = &inner.pipeline {
                p.dispatch.set_paused(false);
            }
            self.set_state(&mut inner, State::Running);
        }
    }

    /// Refuse a model load in states where one is not allowed.
    fn check_loadable(&self, inner: &Inner) -> Answer<()> {
        match inner.state {
            State::Finished | State::Error => Err(bad(format!(
                "{} is {}; reset it before loading another model",
                self.name,
                inner.state.shown()
            ))),
            _ => self.check_replaceable(inner, "its model"),
        }
    }

    /// While a model runs, its model or a stream is replaced only when no accepted record
    /// waits (engine.md §1.3: the original replaced them while data flowed).
    fn check_replaceable(&self, inner: &Inner, what: &str) -> Answer<()> {
        match inner.pipeline.as_ref().and_then(|p| p.pending_work()) {
            Some(why) => Err(refuse(
                409,
                format!(
                    "{} cannot replace {what} now: {why}; try again when they are done, or reset it",
                    self.name
                ),
            )),
            None => Ok(()),
        }
    }

    /// Stop the running job, to start again with a new model or stream (the caller checked
    /// that no record waits). A pause carries over.
    fn restart(&self, inner: &mut Inner) {
        if let Some(p) = inner.pipeline.take() {
            if inner.state == State::Paused {
                inner.pause_requested = true;
            }
            self.say("replacing the running job");
            p.stop();
            self.set_state(inner, State::Init);
        }
    }

    /// `PUT /1/job/model`: check the model; load it unless this is a dry run.
    pub fn load(
        self: &Arc<Self>,
        request: load::LoadRequest,
        dry_run: bool,
    ) -> Answer<Option<Value>> {
        let prepared = self.prepare(request)?;
        if dry_run {
            return Ok(Some(prepared.verify_info()));
        }
        self.check_loadable(&self.lock())?;
        // installs take long: they run in the background (`when_prepared`)
        prepared
            .install_missing(&self.preparations, &self.installs)
            .map_err(|n| self.not_ready(n))?;
        {
            let mut inner = self.lock();
            self.check_loadable(&inner)?;
            for slot in inner.streams.keys() {
                if !prepared.slots.is_used(*slot) {
                    return Err(bad(format!(
                        "a stream is attached to slot {slot}, which the model does not use"
                    )));
                }
            }
            for (slot, attached) in &inner.streams {
                check_schemas(*slot, attached, Some(&prepared))?;
            }
            let op = if inner.model.is_some() {
                "reload"
            } else {
                "load"
            };
            self.restart(&mut inner);
            inner.model = Some(Arc::new(prepared));
            self.events
                .publish("engine-config", json!({"item": "model", "op": op}));
            inner.generation += 1;
        }
        self.say("model loaded");
        self.start_if_complete()?;
        Ok(None)
    }

    /// `GET /metrics`: the counters in the Prometheus text format.
    pub fn metrics(&self) -> String {
        let jets = self
            .active_model()
            .and_then(|m| m["jets"].as_array().map(Vec::len))
            .unwrap_or(0);
        metrics::render(&self.name, &self.state(), jets)
    }

    pub fn active_model(&self) -> Option<Value> {
        let inner = self.lock();
        let model = inner.model.as_ref()?;
        let jets = inner
            .pipeline
            .as_ref()
            .map(|p| p.jets_info())
            .unwrap_or_default();
        Some(model.active_info(jets))
    }

    /// `GET /1/job/status` (`ManifoldInfo`): the model, its slots with their streams, the
    /// jets, the snapshots mode and the state; `fields` (`?return=`) picks some of them.
    pub fn job_status(&self, fields: Option<&str>) -> Answer<Value> {
        const FIELDS: [&str; 5] = ["model", "slots", "jets", "snapshots", "state"];
        let fields: Vec<&str> = match fields {
            None => FIELDS.to_vec(),
            Some(list) => list.split(',').map(str::trim).collect(),
        };
        if let Some(unknown) = fields.iter().find(|f| !FIELDS.contains(f)) {
            return Err(bad(format!(
                "unknown field '{unknown}' in return= (it takes {})",
                FIELDS.join(", ")
            )));
        }
        let inner = self.lock();
        let model = inner.model.as_ref();
        let mut slots: std::collections::BTreeSet<u32> = inner.streams.keys().copied().collect();
        slots.extend(model.iter().flat_map(|m| m.slots.used().map(|(n, _)| n)));
        let slots: Vec<Value> = slots
            .into_iter()
            .map(|n| {
                let spec = model.and_then(|m| m.slots.used().find(|(s, _)| *s == n));
                let stream = inner.streams.get(&n).map(|a| {
                    let eof = inner.pipeline.as_ref().is_some_and(|p| p.slot_ended(n));
                    json!({"descriptor": a.doc, "eof": eof})
                });
                json!({
                    "slot": n,
                    "schema": model.and_then(|m| m.schemas.get(&n)).map(|(v, _)| v),
                    "recordsets": spec.is_some_and(|(_, s)| s.recordsets),
                    "action": spec.is_some_and(|(_, s)| s.action.is_some()),
                    "stream": stream,
                })
            })
            .collect();
        let all = json!({
            "model": model.map(|m| json!({"name": m.name, "type": m.mtype, "source": m.source,
                "attachments": m.attachments.iter().map(|(n, _)| n).collect::<Vec<_>>()})),
            "slots": slots,
            "jets": inner.pipeline.as_ref().map(|p| p.jets_status()).unwrap_or_default(),
            "snapshots": model.map_or(json!("none"), |m| json!(m.slots.snapshots)),
            "state": inner.state.name(),
        });
        Ok(Value::Object(
            FIELDS
                .iter()
                .filter(|f| fields.contains(f))
                .map(|f| (f.to_string(), all[*f].clone()))
                .collect(),
        ))
    }

    /// `GET /1/debug/output`: the records the debug outputs kept since the last call.
    pub fn debug_output(&self) -> Vec<String> {
        let pipeline = self.lock().pipeline.clone();
        pipeline
            .map(|p| p.debug_outputs().iter().flat_map(|d| d.take()).collect())
            .unwrap_or_default()
    }

    pub fn unload(&self) -> Answer<()> {
        let mut inner = self.lock();
        if inner.model.is_none() {
            return Err(refuse(404, "model not loaded"));
        }
        if inner.state != State::Init {
            return Err(bad(format!(
                "{} is {}; a model can only be unloaded in INIT (use 'engine reset')",
                self.name,
                inner.state.shown()
            )));
        }
        inner.model = None;
        inner.generation += 1;
        self.events
            .publish("engine-config", json!({"item": "model", "op": "unload"}));
        Ok(())
    }

    pub fn scale(self: &Arc<Self>, count: usize) -> Answer<()> {
        if count == 0 {
            return Err(bad("a model needs at least one jet"));
        }
        let pipeline = {
            let mut inner = self.lock();
            if !matches!(inner.state, State::Init | State::Running | State::Paused) {
                return Err(bad(format!(
                    "{} is {}: jets can be scaled before the model runs or while it runs",
                    self.name,
                    inner.state.shown()
                )));
            }
            inner.scale = count;
            inner.pipeline.clone()
        };
        if let Some(p) = pipeline {
            p.scale(count).map_err(bad)?;
        }
        Ok(())
    }

    /// `PUT /2/active/stream/<slot>`: check a descriptor; attach it unless this is a dry run.
    pub fn attach(
        self: &Arc<Self>,
        slot: u32,
        name: &str,
        doc: Value,
        dry_run: bool,
    ) -> Answer<Option<Value>> {
        // a trial attach is not held to the slot's direction: the original `run` verifies
        // its input stream on the output slot too
        let direction_of = (!dry_run).then_some(slot);
        let descriptor = descriptor::parse(&doc, direction_of).map_err(bad)?;
        let schema = match &descriptor.schema {
            SchemaSpec::Inline(v) => Some(v.clone()),
            SchemaSpec::Ref(name) => Some(self.schema_named(name)?),
            SchemaSpec::Inherit | SchemaSpec::Untyped => None,
        };
        let schema = match schema {
            Some(v) => {
                let avro = crate::schema::parse(&v)
                    .map_err(|e| bad(format!("invalid stream schema: {e}")))?;
                Some((v, Arc::new(avro)))
            }
            None => None,
        };
        if !dry_run {
            descriptor
                .transport
                .check(slot.is_multiple_of(2))
                .map_err(bad)?;
        }
        if let Some((v, _)) = &schema {
            descriptor.encoding.check_schema(v).map_err(bad)?;
        }
        let attached = Attached {
            name: name.to_string(),
            doc,
            descriptor,
            schema,
        };
        let model = self.lock().model.clone();
        if let Some(m) = &model {
            if !m.slots.is_used(slot) {
                return Err(bad(format!("the model does not use slot {slot}")));
            }
            check_schemas(slot, &attached, Some(m))?;
        }
        if dry_run {
            let shown = attached
                .schema
                .as_ref()
                .map(|(v, _)| v.clone())
                .or_else(|| match attached.descriptor.schema {
                    SchemaSpec::Inherit => model
                        .as_ref()
                        .and_then(|m| m.schemas.get(&slot))
                        .map(|(v, _)| v.clone()),
                    _ => None,
                });
            return Ok(Some(attached.descriptor.internal(shown.as_ref())));
        }
        {
            let mut inner = self.lock();
            if matches!(inner.state, State::Finished | State::Error) {
                return Err(bad(format!(
                    "{} is {}: reset it before attaching streams",
                    self.name,
                    inner.state.shown()
                )));
            }
            self.check_replaceable(&inner, &format!("the stream of slot {slot}"))?;
            self.restart(&mut inner);
            let op = if inner.streams.contains_key(&slot) {
                "reattach"
            } else {
                "attach"
            };
            inner.streams.insert(slot, Arc::new(attached));
            self.events.publish(
                "engine-config",
                json!({"item": "stream", "op": op, "ref": slot}),
            );
            inner.generation += 1;
        }
        self.say(&format!("stream attached to slot {slot}"));
        self.start_if_complete()?;
        Ok(None)
    }

    pub fn streams(&self) -> Value {
        let inner = self.lock();
        let list: Vec<Value> = inner
            .streams
            .iter()
            .map(|(slot, a)| {
                let eof = inner.pipeline.as_ref().is_some_and(|p| p.slot_ended(*slot));
                json!({"slot": slot, "name": a.name, "descriptor": a.doc, "eof": eof})
            })
            .collect();
        Value::Array(list)
    }

    pub fn detach(&self, slot: u32) -> Answer<()> {
        let mut inner = self.lock();
        if !inner.streams.contains_key(&slot) {
            return Err(refuse(404, "stream not found"));
        }
        if matches!(
            inner.state,
            State::Running | State::Paused | State::Finishing
        ) {
            return Err(bad(
                "a stream cannot be detached while the model is running (use 'engine reset')",
            ));
        }
        inner.streams.remove(&slot);
        inner.generation += 1;
        self.events.publish(
            "engine-config",
            json!({"item": "stream", "op": "detach", "ref": slot}),
        );
        Ok(())
    }

    fn schema_named(&self, name: &str) -> Answer<Value> {
        self.store.get_schema(name).map_err(|f| {
            if f.is_not_found() {
                bad(format!("schema '{name}' not found"))
            } else {
                bad(format!("schema '{name}': {}", f.cause))
            }
        })
    }

    /// Start the pipeline when the model is loaded and every slot it uses has a stream.
    fn start_if_complete(self: &Arc<Self>) -> Answer<()> {
        let (pipeline, scale) = loop {
            let (model, streams, generation) = {
                let mut inner = self.lock();
                let Some(model) = inner.model.clone() else {
                    return Ok(());
                };
                let incomplete = model
                    .slots
                    .used()
                    .any(|(s, _)| !inner.streams.contains_key(&s));
                if inner.pipeline.is_some() || inner.starting || incomplete {
                    return Ok(());
                }
                inner.starting = true;
                (model, inner.streams.clone(), inner.generation)
            };
            // slots open without the lock: a file or a program may take a while
            let stats: BTreeMap<u32, Arc<SlotStats>> = model
                .slots
                .used()
                .map(|(slot, _)| (slot, Arc::new(SlotStats::new(slot, self.sensors.clone()))))
                .collect();
            let opened = Pipeline::open(self, model, streams, stats.clone());
            let mut inner = self.lock();
            inner.starting = false;
            if inner.generation != generation {
                // the model or its streams changed meanwhile: start from what is there now
                drop(inner);
                if let Ok(p) = opened {
                    p.stop();
                }
                continue;
            }
            let pipeline = opened.map_err(|e| bad(format!("cannot start the model: {e}")))?;
            let paused = inner.pause_requested;
            pipeline.dispatch.set_paused(paused);
            inner.stats = stats;
            inner.pipeline = Some(pipeline.clone());
            let state = if paused {
                State::Paused
            } else {
                State::Running
            };
            self.set_state(&mut inner, state);
            break (pipeline, inner.scale);
        };
        // jets start without the lock: the engine answers meanwhile
        pipeline.start_jets(scale);
        pipeline.open_inputs();
        // answer once the model is loaded in its jets (or has failed), so that the state
        // reported next is the model's real one
        let deadline = Instant::now() + READY_WAIT;
        let mut inner = self.lock();
        let current = |inner: &Inner| {
            inner
                .pipeline
                .as_ref()
                .is_some_and(|p| Arc::ptr_eq(p, &pipeline))
        };
        while current(&inner)
            && inner.state != State::Error
            && !pipeline.settled()
            && Instant::now() < deadline
        {
            inner = self
                .changed
                .wait_timeout(inner, Duration::from_millis(200))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        Ok(())
    }

    /// The engine's state, if `pipeline` is still its job.
    fn current(&self, pipeline: &Pipeline) -> Option<MutexGuard<'_, Inner>> {
        let inner = self.lock();
        inner
            .pipeline
            .as_ref()
            .is_some_and(|p| std::ptr::eq(Arc::as_ptr(p), pipeline))
            .then_some(inner)
    }

    fn pipeline_draining(&self, pipeline: &Pipeline) {
        if let Some(mut inner) = self.current(pipeline) {
            if inner.state == State::Running {
                self.set_state(&mut inner, State::Finishing);
            }
        }
    }

    fn pipeline_finished(&self, pipeline: &Pipeline, unscored: usize) {
        if let Some(mut inner) = self.current(pipeline) {
            if matches!(
                inner.state,
                State::Running | State::Paused | State::Finishing
            ) {
                if unscored > 0 {
                    self.warn(&format!(
                        "the model finished with {unscored} accepted records not read"
                    ));
                }
                inner.unscored = unscored;
                self.set_state(&mut inner, State::Finished);
            }
        }
    }

    fn pipeline_failed(&self, pipeline: &Pipeline, report: Value) {
        if let Some(mut inner) = self.current(pipeline) {
            if inner.state != State::Error {
                let field = |k: &str| report.get(k).and_then(Value::as_str).unwrap_or("");
                eprintln!("{}: model error: {}", self.name, field("message"));
                if !field("traceback").is_empty() {
                    eprintln!("{}", field("traceback"));
                }
                let console = match field("traceback") {
                    "" => field("message").to_string(),
                    traceback => traceback.to_string(),
                };
                self.events.publish(
                    "model-error",
                    json!({"input": report.get("input").cloned().unwrap_or(Value::Null), "console": console}),
                );
                inner.error = Some(report);
                self.set_state(&mut inner, State::Error);
            }
        }
    }

    fn console_line(&self, jet: usize, line: String) {
        eprintln!("{}: jet {}: {line}", self.name, jet + 1);
        self.events
            .publish("model-console", json!({"text": format!("{line}\n")}));
        let mut console = lock(&self.console);
        if console.len() == CONSOLE_LINES {
            console.pop_front();
        }
        console.push_back(line);
    }

    /// A line for the engine's log and its Pneumo `log` messages (info).
    fn say(&self, text: &str) {
        eprintln!("{}: {text}", self.name);
        self.sensors.debug(None, || text.to_string());
        self.events.log(64, text);
    }

    /// As `say`, as a warning.
    fn warn(&self, text: &str) {
        eprintln!("{}: {text}", self.name);
        self.sensors.debug(None, || text.to_string());
        self.events.log(16, text);
    }

    fn woke(&self) {
        self.changed.notify_all();
    }

    /// The job, when `slot` has a REST stream whose records can be posted (`input`) or read.
    fn rest_pipeline(&self, slot: u32, input: bool) -> Answer<Arc<Pipeline>> {
        let inner = self.lock();
        let is_rest = inner
            .streams
            .get(&slot)
            .is_some_and(|a| a.descriptor.transport.served_by_engine());
        if !is_rest {
            return Err(refuse(
                403,
                format!("REST stream transport at slot {slot} not found"),
            ));
        }
        match (&inner.pipeline, inner.state) {
            (Some(p), State::Running | State::Paused | State::Finishing) => Ok(p.clone()),
            (Some(p), State::Finished | State::Error) if !input => Ok(p.clone()),
            (_, state) => Err(refuse(
                403,
                format!(
                    "{} is {}: the REST stream at slot {slot} is not open",
                    self.name,
                    state.shown()
                ),
            )),
        }
    }

    /// `POST /1/job/input/<slot>`: one record, or (bulk) newline-separated records.
    pub async fn input(&self, slot: u32, body: &[u8], bulk: bool) -> Answer<Taken> {
        let pipeline = self.rest_pipeline(slot, true)?;
        Ok(pipeline.input(slot, body, bulk).await)
    }

    /// `GET /1/job/output/<slot>`: the next record, waiting up to `wait`.
    pub async fn output(&self, slot: u32, wait: Duration) -> Answer<Output> {
        let pipeline = self.rest_pipeline(slot, false)?;
        let queue = pipeline.rest_output(slot).ok_or_else(|| {
            refuse(
                403,
                format!("REST stream transport at slot {slot} not found"),
            )
        })?;
        Ok(match queue.pop(wait).await {
            Popped::Record(r) => Output::Record(r),
            Popped::Ended => match self.failure() {
                Some(message) => Output::Failed(message),
                None => Output::Ended,
            },
            Popped::Empty => match self.failure() {
                Some(message) => Output::Failed(message),
                None => Output::Empty,
            },
        })
    }

    /// Answer `op`, which may need work done in the background (`Preparations`). While
    /// the work runs, a client that prefers an answer at once (`respond_async`) is answered
    /// busy (503); any other waits until it ended (within `WAIT_LIMIT`) and is answered as
    /// if it asked again. `op` is told the task whose end the request waited for, here or
    /// (`awaited`) in the client.
    pub fn when_prepared<T>(
        &self,
        respond_async: bool,
        mut awaited: Option<String>,
        mut op: impl FnMut(Option<&str>) -> Answer<T>,
    ) -> Answer<T> {
        let deadline = Instant::now() + preparations::WAIT_LIMIT;
        loop {
            let answer = op(awaited.as_deref());
            let Err(Refused {
                busy: Some(task), ..
            }) = &answer
            else {
                return answer;
            };
            if respond_async || !self.preparations.wait_ended(task, deadline) {
                return answer;
            }
            awaited = Some(task.clone());
        }
    }

    /// `GET /1/preparation?task=<task>`: whether the background work `task` runs, and for
    /// how long; its outcome is left for the request that asks again.
    pub fn preparation(&self, task: &str) -> Value {
        match self.preparations.running(task) {
            Some(elapsed) => json!({"task": task, "running": true, "seconds": elapsed.as_secs()}),
            None => json!({"task": task, "running": false}),
        }
    }

    /// Work in the background that a request waits for: busy (503, to be asked again after
    /// Retry-After) or the one-line reason it failed.
    fn not_ready(&self, not_ready: NotReady) -> Refused {
        match not_ready {
            NotReady::Busy { task, elapsed } => Refused {
                status: 503,
                message: format!(
                    "{} is busy: it started to {task} {} s ago; try again in a moment",
                    self.name,
                    elapsed.as_secs()
                ),
                busy: Some(task),
            },
            NotReady::Failed(why) => bad(why),
        }
    }

    /// `<engine> is in ERROR: <why>` when the model has failed.
    fn failure(&self) -> Option<String> {
        let inner = self.lock();
        (inner.state == State::Error).then(|| {
            let message = inner
                .error
                .as_ref()
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("the model failed");
            format!(
                "{} is in ERROR: {message} (see 'fastscore engine inspect -v')",
                self.name
            )
        })
    }

    /// `POST /2/active/model/roundtrip/<in>/<out>`: one record in, the output it produced.
    pub async fn roundtrip(
        &self,
        input: u32,
        output: u32,
        body: &[u8],
        timeout: Duration,
    ) -> Answer<Vec<u8>> {
        let pipeline = self.rest_pipeline(input, true)?;
        self.rest_pipeline(output, false)?;
        pipeline
            .roundtrip(input, output, body, timeout)
            .await
            .map_err(|refused| match self.failure() {
                Some(message) => refuse(500, message),
                None => refused,
            })
    }

    /// `POST /1/stream/sample`: the first records of a stream, outside the pipeline.
    pub fn sample(&self, doc: &Value, count: usize) -> Answer<Vec<Vec<u8>>> {
        let descriptor = descriptor::parse(doc, Some(0)).map_err(bad)?;
        pipeline::sample(&descriptor, count, SAMPLE_WAIT).map_err(bad)
    }

    /// `POST /1/stream/rate`: `[{"rps", "mbps"}]` of a stream read outside the pipeline.
    pub fn stream_rate(&self, doc: &Value) -> Answer<Value> {
        let invalid = |e: String| {
            bad(format!(
                "Stream descriptor invalid or stream too short: {e}"
            ))
        };
        let descriptor = descriptor::parse(doc, Some(0)).map_err(invalid)?;
        let (rps, mbps) = pipeline::rate(&descriptor, RATE_WINDOW).map_err(invalid)?;
        Ok(json!([{"rps": rps, "mbps": mbps}]))
    }

    fn policy_path(&self, mime: &str) -> PathBuf {
        self.dir
            .join("policies")
            .join(mime.rsplit('.').next().unwrap_or(mime))
    }

    /// `PUT /1/policy[?preinstall=true]`: keep the import policy of one model type; with
    /// `preinstall`, first install the libraries it marks `install` (`prepare.rs`; a
    /// request that waited for that preinstall names its task in `awaited`).
    pub fn put_policy(
        &self,
        mime: &str,
        text: &[u8],
        preinstall: bool,
        awaited: Option<&str>,
    ) -> Answer<()> {
        let Some(kind) = mime.strip_prefix("application/vnd.fastscore.import-policy-") else {
            return Err(bad(format!("unknown import policy type '{mime}'")));
        };
        if preinstall {
            self.preinstall(kind, mime, text, awaited)?;
        }
        let path = self.policy_path(mime);
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            crate::fsutil::write_atomic(&path, text, None)
        };
        write().map_err(|e| refuse(500, format!("cannot save the policy: {e}")))
    }

    pub fn get_policy(&self, mime: &str) -> String {
        std::fs::read_to_string(self.policy_path(mime)).unwrap_or_default()
    }

    pub fn verify_schema(&self, doc: &Value) -> Answer<u64> {
        let avro = crate::schema::parse(doc).map_err(bad)?;
        let mut inner = self.lock();
        let id = inner.next_verifier;
        inner.next_verifier += 1;
        inner.verifiers.insert(id, Arc::new(avro));
        Ok(id)
    }

    pub fn verify_record(&self, id: u64, body: &Value) -> Answer<()> {
        let avro = self
            .lock()
            .verifiers
            .get(&id)
            .cloned()
            .ok_or_else(|| refuse(404, "schema not found"))?;
        let data = body
            .get("data")
            .ok_or_else(|| bad("the body must be {\"data\": <record>}"))?;
        avro.check(data).map_err(|m| bad(m.to_string()))
    }

    pub fn drop_verifier(&self, id: u64) {
        self.lock().verifiers.remove(&id);
    }

    /// Stop the jets before the engine exits.
    /// `PUT /1/job/state`: cells and pools for the next job (before or after the model
    /// load, while the engine is in `init`).
    pub fn restore_state(&self, bytes: &[u8]) -> Answer<()> {
        let corrupt = |why: &str| refuse(403, format!("The state data is corrupted: {why}"));
        let doc: Value = serde_json::from_slice(bytes).map_err(|_| corrupt("not JSON"))?;
        let cells_ok = doc.get("cells").is_none_or(Value::is_object);
        let pools_ok = doc.get("pools").is_none_or(|p| {
            p.as_object().is_some_and(|pools| {
                pools.values().all(|items| {
                    items.as_array().is_some_and(|items| {
                        items
                            .iter()
                            .all(|kv| kv.as_array().is_some_and(|kv| kv.len() == 2))
                    })
                })
            })
        });
        if !doc.is_object() || !cells_ok || !pools_ok {
            return Err(corrupt("not a snapshot of cells and pools"));
        }
        let mut inner = self.lock();
        if inner.state != State::Init {
            return Err(refuse(
                403,
                format!(
                    "the model state can be restored only before the job runs (the engine is {})",
                    inner.state.shown()
                ),
            ));
        }
        inner.restore = Some(doc);
        drop(inner);
        self.say("model state restored for the next job");
        Ok(())
    }

    /// Store the state a model had at the end of its input in Model Manage.
    fn save_snapshot(&self, model: &str, state: Vec<u8>) {
        match self.store.put_snapshot(model, SNAPSHOT_TYPE, &state) {
            Ok(snap) => self.say(&format!("snapshot {} of model '{model}' saved", snap.id)),
            Err(e) => self.warn(&format!(
                "the snapshot of model '{model}' could not be saved: {}",
                e.cause
            )),
        }
    }

    pub fn shutdown(&self) {
        self.reset();
        self.sensors.stop();
    }
}

/// What the engine's sampled taps read.
impl sensors::Gauges for Engine {
    fn slots(&self) -> Vec<u32> {
        let inner = self.lock();
        match &inner.model {
            Some(m) => m.slots.used().map(|(s, _)| s).collect(),
            None => Vec::new(),
        }
    }

    fn slot_counts(&self, slot: u32) -> Option<(u64, u64)> {
        let stats = self.lock().stats.get(&slot).cloned()?;
        let load = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
        Some((load(&stats.records), load(&stats.bytes)))
    }

    fn profile(&self, slot: u32) -> Option<Value> {
        let stats = self.lock().stats.get(&slot).cloned()?;
        Some(stats.profile())
    }

    fn jets(&self) -> Vec<sensors::JetGauge> {
        let pipeline = self.lock().pipeline.clone();
        pipeline.map(|p| p.jet_gauges()).unwrap_or_default()
    }

    /// A running job with accepted records waiting and no record through any slot for
    /// `STALL_AFTER`.
    fn stall(&self) -> Option<Value> {
        const STALL_AFTER: Duration = Duration::from_secs(5);
        let (state, pipeline) = {
            let inner = self.lock();
            (inner.state, inner.pipeline.clone())
        };
        let total: u64 = sensors::Gauges::slots(self)
            .into_iter()
            .filter_map(|s| self.slot_counts(s).map(|(n, _)| n))
            .sum();
        let mut progress = lock(&self.progress);
        if progress.0 != total || state != State::Running {
            *progress = (total, Instant::now());
            return None;
        }
        let waiting = pipeline?.pending_work()?;
        let stalled = progress.1.elapsed();
        (stalled >= STALL_AFTER).then(|| {
            json!({"stalled_for": (stalled.as_secs_f64() * 10.0).round() / 10.0, "waiting": waiting})
        })
    }

    fn processes(&self) -> Vec<u32> {
        let mut pids = vec![std::process::id()];
        pids.extend(sensors::Gauges::jets(self).iter().map(|j| j.pid));
        pids
    }
}

/// A stream's own schema must agree with the model's for that slot, and the stream's
/// encoding with the schema its records are checked against.
fn check_schemas(slot: u32, attached: &Attached, model: Option<&Prepared>) -> Answer<()> {
    let model_schema = model.and_then(|m| m.schemas.get(&slot));
    if attached.schema.is_none() && attached.descriptor.schema == SchemaSpec::Inherit {
        if let Some((v, _)) = model_schema {
            attached.descriptor.encoding.check_schema(v).map_err(bad)?;
        }
    }
    let (Some((_, stream)), Some((_, model))) = (&attached.schema, model_schema) else {
        return Ok(());
    };
    let ok = if slot.is_multiple_of(2) {
        stream.compatible_with(model)
    } else {
        model.compatible_with(stream)
    };
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "the schema of stream '{}' does not match the model's schema for slot {slot}",
            attached.name
        )))
    }
}
