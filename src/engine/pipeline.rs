//! A running job, assembled from the model and its streams. Records go one way:
//! source → envelope → codec → schema check → batch → jets → schema check → codec →
//! envelope → sink. The job tells the engine when its inputs have ended (finishing), when
//! every jet has finished (finished) and when something failed (error).

use super::codec::{Codec, Control};
use super::dispatch::{Dispatch, Take, Want};
use super::envelope::{self, Framer};
use super::input::{InputSlot, Pushed};
use super::jet::{Host, Jet};
use super::output::OutputSlot;
use super::prepare::{random_id, Prepared};
use super::roundtrip::{Replies, Reply};
use super::runner::columns::Columns;
use super::runner::protocol::Batch;
use super::runner::recordset;
use super::settle::Settler;
use super::stats::{Op, SlotStats};
use super::transport::{Interrupt, Source};
use super::transport::{Position, SourceListener, Span};
use super::{refuse, Answer, Attached, Engine};
use crate::schema::Avro;
use crate::stream::descriptor::SchemaSpec;
use crate::sync::lock;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The longest the batch timer sleeps.
const TIMER_TICK: Duration = Duration::from_millis(20);
/// How often a pig looks whether the batches before it are done.
const PIG_POLL: Duration = Duration::from_millis(2);
/// Jets paused this long, or with work and no progress this long (frozen), have stalled: a
/// source that shares its work (a member of a Kafka group) leaves it to the others
/// meanwhile (within a group's 10 s session).
const STALLED_PAUSED: Duration = Duration::from_secs(4);
const STALLED_IDLE: Duration = Duration::from_secs(8);
/// How long a REST request waits for room in a full input queue before it answers busy.
const INPUT_WAIT: Duration = Duration::from_secs(10);
/// How long a jet waits when too many scored records wait for their outputs' durability.
const HELD_WAIT: Duration = Duration::from_secs(120);

struct JetEntry {
    jet: Arc<Jet>,
    ready: bool,
    done: bool,
}

impl JetEntry {
    fn live(&self) -> bool {
        !self.done && !self.jet.retiring.load(Ordering::SeqCst)
    }
}

pub struct Pipeline {
    engine: Weak<Engine>,
    model: Arc<Prepared>,
    pub dispatch: Arc<Dispatch>,
    inputs: BTreeMap<u32, Arc<InputSlot>>,
    outputs: BTreeMap<u32, Arc<OutputSlot>>,
    streams: BTreeMap<u32, Arc<Attached>>,
    /// Chunked REST inputs, whose request bodies are framed as one byte stream.
    rest_framers: BTreeMap<u32, Mutex<Box<dyn Framer>>>,
    jets: Mutex<Vec<JetEntry>>,
    replies: Replies,
    /// Batch ids (0 means "outside any batch").
    ids: Arc<AtomicU64>,
    /// Set when the job is over (finished, failed or stopped): readers stop.
    over: AtomicBool,
    /// Set by whichever of finishing and failing comes first.
    concluded: AtomicBool,
    /// What makes blocked input readers return.
    interrupts: Mutex<Vec<Interrupt>>,
    scaling: Mutex<()>,
    jets_dir: PathBuf,
    /// Where the model's cells and pools live, shared by its jets (a SQLite file the
    /// Python jets open; spec/engine.md §9.3).
    state_file: PathBuf,
    /// The state the last jet to reach the end of its input reported (`snapshots: eof`).
    last_state: Mutex<Option<Vec<u8>>>,
    /// Cells and pools restored before the job (`PUT /1/job/state`).
    restore: Option<Value>,
    /// The settlers of the inputs whose sources commit what was scored.
    settlers: Mutex<BTreeMap<u32, Arc<Settler>>>,
}

/// The schemas a slot's records are checked against: the stream's and the model's.
fn slot_schemas(model: &Prepared, slot: u32, attached: &Attached) -> Vec<Arc<Avro>> {
    let mut list = Vec::new();
    if let Some((_, s)) = &attached.schema {
        list.push(s.clone());
    }
    if let Some((mv, m)) = model.schemas.get(&slot) {
        if attached.schema.as_ref().is_none_or(|(v, _)| v != mv) {
            list.push(m.clone());
        }
    }
    list
}

/// The schema that decides record shapes and CSV columns: the stream's, else the model's.
fn leading_schema(model: &Prepared, slot: u32, attached: &Attached) -> Option<Arc<Avro>> {
    match (&attached.schema, &attached.descriptor.schema) {
        (Some((_, s)), _) => Some(s.clone()),
        (None, SchemaSpec::Untyped | SchemaSpec::Inherit) => {
            model.schemas.get(&slot).map(|(_, m)| m.clone())
        }
        _ => None,
    }
}

/// Columns for the batches of a slot whose records a model reads as DataFrames (explicit
/// models, record sets) when they are records; `None`: a JSON array.
fn data_frame_columns(
    model: &Prepared,
    slot: u32,
    schema: Option<&Avro>,
    codec: &dyn Codec,
) -> Option<Columns> {
    let fields = schema.and_then(Avro::record_fields)?;
    (model.slots.reads_sets(slot) && !codec.raw_bytes() && model.runner.columns())
        .then(|| Columns::for_fields(&fields))
}

/// How long a jet still scoring a record set may wait to gather its next one.
const GATHER_WHILE_BUSY: Duration = Duration::from_secs(1);

/// What a REST input request achieved.
pub struct Taken {
    pub accepted: u64,
    pub rejected: u64,
    pub errors: Vec<Value>,
    /// Records consumed from the request (accepted, rejected and control records).
    pub taken: u64,
    /// Set when the engine stopped taking records before the end of the request.
    pub busy: Option<String>,
}

impl Pipeline {
    /// A job with its slots open and no jet yet (`start_jets` starts them).
    pub fn open(
        engine: &Arc<Engine>,
        model: Arc<Prepared>,
        streams: BTreeMap<u32, Arc<Attached>>,
        stats: BTreeMap<u32, Arc<SlotStats>>,
    ) -> Result<Arc<Pipeline>, String> {
        let input_slots: Vec<u32> = model.slots.inputs().map(|(n, _)| n).collect();
        let dispatch = Arc::new(Dispatch::new(input_slots));
        let ids = Arc::new(AtomicU64::new(1));
        let mut inputs = BTreeMap::new();
        let mut rest_framers = BTreeMap::new();
        let mut outputs: BTreeMap<u32, Arc<OutputSlot>> = BTreeMap::new();
        let mut open = |slot: u32| -> Result<(), String> {
            let attached = &streams[&slot];
            let d = &attached.descriptor;
            let leading = leading_schema(&model, slot, attached);
            let codec = d
                .encoding
                .codec(leading.as_deref())
                .map_err(|e| format!("slot {slot}: {e}"))?;
            let schemas = slot_schemas(&model, slot, attached);
            let slot_stats = stats
                .get(&slot)
                .cloned()
                .unwrap_or_else(|| Arc::new(SlotStats::new(slot, engine.sensors.clone())));
            if slot.is_multiple_of(2) {
                // request bodies of chunked REST input are one byte stream
                if d.transport.served_by_engine()
                    && !d.transport.preserves_boundaries()
                    && d.envelope.is_some()
                {
                    rest_framers.insert(slot, Mutex::new(envelope::framer(d.envelope.as_ref())));
                }
                let columns = data_frame_columns(&model, slot, leading.as_deref(), &*codec);
                let mut input = InputSlot::new(
                    slot,
                    codec,
                    schemas,
                    d,
                    dispatch.clone(),
                    slot_stats,
                    ids.clone(),
                );
                if let Some(columns) = columns {
                    input = input.gathering(Box::new(columns));
                }
                inputs.insert(slot, Arc::new(input));
            } else {
                let sink = d
                    .transport
                    .open_sink()
                    .map_err(|e| format!("slot {slot}: {e}"))?;
                // a container's header goes first
                if let Some(e) = &d.envelope {
                    let header = e
                        .output_header(leading.as_deref())
                        .map_err(|e| format!("slot {slot}: {e}"))?;
                    if !header.is_empty() {
                        let mut framed = envelope::Framed::default();
                        framed.push(None, &header);
                        sink.write(&framed)
                            .map_err(|e| format!("slot {slot}: {e}"))?;
                    }
                }
                let output =
                    OutputSlot::new(slot, codec, schemas, d.envelope.clone(), sink, slot_stats);
                outputs.insert(slot, Arc::new(output));
            }
            Ok(())
        };
        for (slot, _) in model.slots.used() {
            if let Err(e) = open(slot) {
                for o in outputs.values() {
                    o.sink.abort();
                }
                return Err(e);
            }
        }
        let pipeline = Arc::new(Pipeline {
            engine: Arc::downgrade(engine),
            model,
            dispatch,
            inputs,
            outputs,
            streams,
            rest_framers,
            jets: Mutex::new(Vec::new()),
            replies: Replies::default(),
            ids,
            over: AtomicBool::new(false),
            concluded: AtomicBool::new(false),
            interrupts: Mutex::new(Vec::new()),
            scaling: Mutex::new(()),
            jets_dir: engine.dir.join("jets"),
            state_file: engine
                .dir
                .join("jets")
                .join(format!("state-{}.sqlite", random_id())),
            last_state: Mutex::new(None),
            restore: engine.lock().restore.clone(),
            settlers: Mutex::default(),
        });
        Ok(pipeline)
    }

    /// Start the jets (this takes a while: each unpacks the attachments); a jet that cannot
    /// start fails the job.
    pub fn start_jets(self: &Arc<Self>, scale: usize) {
        if let Err(e) = self.scale(scale) {
            self.fail(json!({ "message": e }));
        }
    }

    fn start_jet(self: &Arc<Self>) -> Result<(), String> {
        if self.over.load(Ordering::SeqCst) {
            return Ok(());
        }
        let fail = |e: &dyn std::fmt::Display| format!("cannot start a jet: {e}");
        let sandbox = random_id();
        let dir = self.jets_dir.join(&sandbox);
        std::fs::create_dir_all(&dir).map_err(|e| fail(&e))?;
        for (name, bytes) in &self.model.attachments {
            crate::attachment::unpack(name, bytes, &dir)?;
        }
        std::fs::write(dir.join(self.model.runner.model_file()), &self.model.source)
            .map_err(|e| fail(&e))?;
        let inputs: serde_json::Map<String, Value> = self
            .model
            .slots
            .inputs()
            .map(|(n, s)| {
                let stream = &self.streams[&n];
                let shape = leading_schema(&self.model, n, stream).map_or("record", |a| a.shape());
                let encoding = stream.descriptor.encoding.name();
                (
                    n.to_string(),
                    json!({"action": s.action, "recordsets": s.recordsets, "shape": shape,
                           "encoding": encoding}),
                )
            })
            .collect();
        let outputs: serde_json::Map<String, Value> = self
            .model
            .slots
            .outputs()
            .map(|(n, s)| (n.to_string(), json!({"recordsets": s.recordsets})))
            .collect();
        let config = json!({"model": self.model.runner.model_file(), "explicit": self.model.slots.explicit(),
                            "inputs": inputs, "outputs": outputs, "state": self.state_file,
                            "snapshots": self.model.slots.snapshots, "restore": self.restore});
        let host: Arc<dyn Host> = self.clone();
        // the index is the jet's place in the list: taken and filled under one lock
        let mut jets = lock(&self.jets);
        let index = jets.len();
        let jet = Jet::start(index, &*self.model.runner, &dir, sandbox, &config, host)
            .map_err(|e| format!("cannot start '{}': {e}", self.model.runner.program()))?;
        jets.push(JetEntry {
            jet: jet.clone(),
            ready: false,
            done: false,
        });
        drop(jets);
        self.jet_event("start", &jet.sandbox);
        // torn down meanwhile (halt sets `over` before it stops the jets it finds)
        if self.over.load(Ordering::SeqCst) {
            jet.kill();
            let _ = std::fs::remove_dir_all(&dir);
        }
        Ok(())
    }

    /// Start reading the inputs that read themselves (files, inline data, programs), and
    /// per input the timer that sends batches whose Nagle time is over (one per input, so
    /// that an input waiting for room in its queue holds up no other).
    pub fn open_inputs(self: &Arc<Self>) {
        // buffered outputs leave within a bounded time, however slowly they come
        let p = self.clone();
        std::thread::spawn(move || {
            while !p.over.load(Ordering::Relaxed) {
                std::thread::sleep(super::transport::FLUSH_EVERY);
                for (slot, o) in &p.outputs {
                    if let Err(e) = o.sink.flush_buffered() {
                        p.fail(json!({"message": format!("writing to slot {slot} failed: {e}")}));
                        return;
                    }
                }
                // inputs whose outputs were acknowledged since the last batch was done
                p.release_settled();
            }
        });
        for input in self.inputs.values() {
            let (p, input) = (self.clone(), input.clone());
            std::thread::spawn(move || {
                while !p.over.load(Ordering::Relaxed) {
                    let wait = input.settle().map_or(TIMER_TICK, |t| {
                        t.saturating_duration_since(Instant::now()).min(TIMER_TICK)
                    });
                    std::thread::sleep(wait.max(Duration::from_millis(1)));
                }
            });
        }
        for (slot, input) in &self.inputs {
            let transport = &self.streams[slot].descriptor.transport;
            match transport.open_source() {
                Ok(None) => {}
                Ok(Some(source)) => {
                    let (p, input) = (self.clone(), input.clone());
                    std::thread::spawn(move || p.read_input(&input, source));
                }
                Err(e) => {
                    self.fail(
                        json!({"message": format!("cannot open the input of slot {slot}: {e}")}),
                    );
                    return;
                }
            }
        }
    }

    fn read_input(self: &Arc<Self>, input: &Arc<InputSlot>, source: Box<dyn Source>) {
        let source = RefCell::new(source);
        let d = &self.streams[&input.slot].descriptor;
        input
            .stats
            .debug(|| format!("reading its {} stream", d.transport.name()));
        if let Some(interrupt) = source.borrow().interrupter() {
            lock(&self.interrupts).push(interrupt);
        }
        let new_framer = || match d.transport.preserves_boundaries() {
            true => envelope::framer(d.envelope.as_ref()),
            false => input.framer(d.envelope.as_ref()),
        };
        let mut framer = new_framer();
        let mut to_skip = d.skip_bytes;
        let (ended, taken) = (Cell::new(false), Cell::new(0u64));
        // a source that commits learns which records were scored
        let mut settler = self.settler(input, &**source.borrow());
        let position: Cell<Option<Position>> = Cell::new(None);
        let last_partition = Cell::new(None);
        let push = |r: &[u8], settler: &Option<Arc<Settler>>| {
            // a batch holds the records of one partition, so that one taken away can be
            // withdrawn whole
            if let Some(at) = position.get() {
                if last_partition
                    .replace(Some(at.partition))
                    .is_some_and(|p| p != at.partition)
                {
                    input.cut();
                }
            }
            // after an end control record the rest of the stream is ignored
            let mut held = false;
            while !ended.get() {
                let pushed = input.push(r);
                if let (Some(s), Some(at)) = (settler, position.get()) {
                    match pushed {
                        Pushed::Accepted(seqno) => s.taken(seqno, at),
                        Pushed::Full => {}
                        _ => s.skipped(at),
                    }
                }
                // wait (on this reader's own thread) until the jets have room
                if let Pushed::Full = pushed {
                    // the source stops fetching while it waits, and is kept alive
                    if !held {
                        held = true;
                        source.borrow_mut().hold(true);
                    }
                    if !self.dispatch.wait_room_blocking(input.slot, TIMER_TICK)
                        && self.over.load(Ordering::Relaxed)
                    {
                        ended.set(true);
                    }
                    source.borrow_mut().keep_alive();
                    // its partition may have gone to another reader meanwhile (the source
                    // may also have stepped aside, its jets stalled): the record is left
                    if let Some(at) = position.get() {
                        if !source.borrow().owns(at) {
                            source.borrow_mut().hold(false);
                            return;
                        }
                    }
                    continue;
                }
                // it was taken (or ended the input): a source held meanwhile fetches again
                if held {
                    source.borrow_mut().hold(false);
                }
                match pushed {
                    Pushed::Control(Control::End) => ended.set(true),
                    Pushed::Control(Control::Pig) => {
                        while !self.pig_may_pass() {
                            std::thread::sleep(PIG_POLL);
                        }
                        self.write_pig();
                        taken.set(taken.get() + 1);
                        return;
                    }
                    _ => {
                        taken.set(taken.get() + 1);
                        return;
                    }
                }
            }
        };
        loop {
            if self.over.load(Ordering::Relaxed) {
                return;
            }
            let read = source.borrow_mut().read();
            match read {
                Ok(Some(mut chunk)) => {
                    position.set(source.borrow().position());
                    // `SkipTo`: the first bytes of the stream are passed over (once: a
                    // stream that loops starts again from its beginning)
                    if to_skip > 0 {
                        let n = chunk
                            .len()
                            .min(usize::try_from(to_skip).unwrap_or(usize::MAX));
                        to_skip -= n as u64;
                        chunk.drain(..n);
                    }
                    // while profiling: the framer's time to each record, apart from the
                    // record's handling (looked at per record: a chunk may take long)
                    let mark: Cell<Option<Instant>> = Cell::new(None);
                    framer.feed(&chunk, &mut |r| {
                        if let Some(m) = mark.take() {
                            input.stats.add_time(Op::UnwrapEnvelope, m.elapsed(), 1);
                        }
                        push(r, &settler);
                        if input.stats.profiling() {
                            mark.set(Some(Instant::now()));
                        }
                    });
                }
                Ok(None) if d.looping => {
                    // start again from the beginning, header and all
                    framer.finish(&mut |r| push(r, &settler));
                    framer = new_framer();
                    if taken.replace(0) == 0 {
                        // an empty stream: no need to read it again at once
                        std::thread::sleep(TIMER_TICK);
                    }
                    match d.transport.open_source() {
                        Ok(Some(again)) => {
                            settler = self.settler(input, &*again);
                            *source.borrow_mut() = again;
                        }
                        _ => break,
                    }
                }
                Ok(None) => {
                    framer.finish(&mut |r| push(r, &settler));
                    break;
                }
                Err(e) => {
                    if !self.over.load(Ordering::Relaxed) {
                        self.fail(json!({"message": format!("reading the input of slot {} failed: {e}", input.slot)}));
                    }
                    return;
                }
            }
            input.reject_overlong(framer.dropped());
            input.piece_read();
            if ended.get() {
                break;
            }
        }
        if !self.over.load(Ordering::Relaxed) {
            self.input_ended(input);
        }
    }

    /// The settler of a source that commits what was scored, registered for the slot; the
    /// source is told what to tell the job (`InputListener`).
    fn settler(
        self: &Arc<Self>,
        input: &Arc<InputSlot>,
        source: &dyn Source,
    ) -> Option<Arc<Settler>> {
        let settler = source.committer().map(|c| {
            let durability = self.outputs.values().filter_map(|o| o.sink.durability());
            Arc::new(Settler::new(c, durability.collect()))
        });
        let mut settlers = lock(&self.settlers);
        match &settler {
            Some(s) => settlers.insert(input.slot, s.clone()),
            None => settlers.remove(&input.slot),
        };
        drop(settlers);
        source.listen(Arc::new(InputListener {
            pipeline: Arc::downgrade(self),
            input: input.clone(),
            settler: settler.clone(),
        }));
        settler
    }

    /// Settle the scored records whose outputs have become durable.
    fn release_settled(&self) {
        let settlers: Vec<Arc<Settler>> = lock(&self.settlers).values().cloned().collect();
        for s in settlers {
            s.release();
        }
    }

    /// What a committing source of `slot` says of its reading (for `engine inspect -v`).
    pub fn source_report(&self, slot: u32) -> Option<Value> {
        lock(&self.settlers).get(&slot).map(|s| s.report())
    }

    fn input_ended(&self, input: &InputSlot) {
        input.stats.debug(|| "the input has ended".to_string());
        input.end();
        self.check_drained();
    }

    fn check_drained(&self) {
        if self.dispatch.drained() {
            if let Some(e) = self.engine.upgrade() {
                e.pipeline_draining(self);
            }
        }
    }

    /// The records of a REST input request: one per line (`bulk`), framed by the stream's
    /// envelope (in simple mode each request is framed on its own; in chunked mode the
    /// requests are one byte stream), or the whole body.
    fn request_records<'b>(&self, slot: u32, body: &'b [u8], bulk: bool) -> Vec<Cow<'b, [u8]>> {
        if bulk {
            return body
                .split(|b| *b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .filter(|l| !l.is_empty())
                .map(Cow::Borrowed)
                .collect();
        }
        let d = &self.streams[&slot].descriptor;
        let mut records = Vec::new();
        let mut emit = |r: &[u8]| records.push(Cow::Owned(r.to_vec()));
        let dropped = match (&d.envelope, self.rest_framers.get(&slot)) {
            (None, _) => return vec![Cow::Borrowed(body)],
            (Some(_), Some(stream)) => {
                let mut framer = lock(stream);
                framer.feed(body, &mut emit);
                framer.dropped()
            }
            (Some(_), None) => {
                let mut framer = envelope::framer(d.envelope.as_ref());
                framer.feed(body, &mut emit);
                framer.finish(&mut emit);
                framer.dropped()
            }
        };
        if let Some(input) = self.inputs.get(&slot) {
            input.reject_overlong(dropped);
        }
        records
    }

    /// Records posted to a REST input. While the jets' queue is full the request waits
    /// without a thread; once it has taken `INPUT_WAIT`, the rest of it is not taken.
    pub async fn input(&self, slot: u32, body: &[u8], bulk: bool) -> Taken {
        let mut t = Taken {
            accepted: 0,
            rejected: 0,
            errors: Vec::new(),
            taken: 0,
            busy: None,
        };
        let Some(input) = self.inputs.get(&slot) else {
            return t;
        };
        let deadline = tokio::time::Instant::now() + INPUT_WAIT;
        for record in self.request_records(slot, body, bulk) {
            if t.taken % 64 == 63 {
                // decoding is work: let other requests be answered meanwhile
                tokio::task::yield_now().await;
                if tokio::time::Instant::now() >= deadline {
                    t.busy = Some(format!(
                        "the request took longer than {} s",
                        INPUT_WAIT.as_secs()
                    ));
                    break;
                }
            }
            let pushed = loop {
                match input.push(&record) {
                    Pushed::Full => {
                        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                        if !self.dispatch.wait_room(slot, left).await {
                            break None;
                        }
                    }
                    pushed => break Some(pushed),
                }
            };
            let Some(pushed) = pushed else {
                t.busy = Some(format!(
                    "the model took no input from slot {slot} for {} s",
                    INPUT_WAIT.as_secs()
                ));
                break;
            };
            t.taken += 1;
            match pushed {
                Pushed::Accepted(_) => t.accepted += 1,
                Pushed::Rejected(reason) => {
                    t.rejected += 1;
                    if t.errors.len() < 5 {
                        t.errors.push(json!({"record": t.taken, "reason": reason}));
                    }
                }
                Pushed::Control(Control::Pig) => {
                    while !self.pig_may_pass() {
                        tokio::time::sleep(PIG_POLL).await;
                    }
                    self.write_pig();
                }
                Pushed::Control(_) | Pushed::Full => {}
            }
        }
        input.settle();
        if input.ended() {
            self.check_drained();
        }
        t
    }

    /// The queue `GET /1/job/output/<slot>` reads.
    pub fn rest_output(&self, slot: u32) -> Option<Arc<super::transport::rest::RestQueue>> {
        self.outputs.get(&slot)?.sink.rest_queue()
    }

    /// The records of the debug outputs, in slot order (`GET /1/debug/output`).
    pub fn debug_outputs(&self) -> Vec<Arc<super::transport::debug::DebugRecords>> {
        self.outputs
            .values()
            .filter_map(|o| o.sink.debug_records())
            .collect()
    }

    /// One record in, the first output it produced on `output`.
    pub async fn roundtrip(
        &self,
        input: u32,
        output: u32,
        body: &[u8],
        timeout: Duration,
    ) -> Answer<Vec<u8>> {
        if !self.outputs.contains_key(&output) {
            return Err(refuse(
                400,
                format!("no REST stream at output slot {output}"),
            ));
        }
        let slot = self
            .inputs
            .get(&input)
            .ok_or_else(|| refuse(400, format!("no REST stream at input slot {input}")))?;
        let deadline = tokio::time::Instant::now() + timeout;
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let mut rx = self.replies.register(id, output);
        loop {
            let refused = match slot.push_alone(body, id) {
                Pushed::Accepted(_) => break,
                Pushed::Full => {
                    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                    if self.dispatch.wait_room(input, left.min(INPUT_WAIT)).await {
                        continue;
                    }
                    refuse(
                        503,
                        format!("the model took no input from slot {input}; try again"),
                    )
                }
                Pushed::Rejected(reason) => {
                    refuse(400, format!("the input was rejected: {reason}"))
                }
                Pushed::Control(_) => refuse(400, "a control record produces no output"),
            };
            self.replies.cancel(id);
            return Err(refused);
        }
        let reply = match tokio::time::timeout_at(deadline, &mut rx).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(_)) => Reply::Failed("the job has ended".into()),
            Err(_) => {
                // a reply that comes now is late; one that came meanwhile is taken
                rx.close();
                match rx.try_recv() {
                    Ok(reply) => reply,
                    Err(_) => {
                        return Err(refuse(
                            504,
                            format!("no output within {} ms", timeout.as_millis()),
                        ))
                    }
                }
            }
        };
        match reply {
            Reply::Output(record) => Ok(record),
            Reply::Nothing(None) => Err(refuse(
                504,
                format!("no output: the model produced nothing on slot {output} for this record"),
            )),
            Reply::Nothing(Some(why)) => Err(refuse(
                500,
                format!("the model's output on slot {output} was rejected: {why}"),
            )),
            Reply::Failed(why) => Err(refuse(500, why)),
        }
    }

    pub fn slot_ended(&self, slot: u32) -> bool {
        match self.inputs.get(&slot) {
            Some(i) => i.ended(),
            None => self.over.load(Ordering::Relaxed),
        }
    }

    pub fn jets_info(&self) -> Vec<Value> {
        lock(&self.jets)
            .iter()
            .filter(|j| j.live())
            .map(|j| json!({"pid": j.jet.pid, "sandbox": j.jet.sandbox}))
            .collect()
    }

    /// As `jets_info`, with whether each jet scores a batch now (`GET /1/job/status`).
    pub fn jets_status(&self) -> Vec<Value> {
        lock(&self.jets)
            .iter()
            .filter(|j| j.live())
            .map(|j| json!({"pid": j.jet.pid, "sandbox": j.jet.sandbox, "busy": j.jet.busy()}))
            .collect()
    }

    /// Each live jet's counts, for the sensors.
    pub fn jet_gauges(&self) -> Vec<super::sensors::JetGauge> {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        lock(&self.jets)
            .iter()
            .filter(|j| j.live())
            .map(|j| {
                let c = &j.jet.counts;
                super::sensors::JetGauge {
                    sandbox: j.jet.sandbox.clone(),
                    pid: j.jet.pid,
                    input: (load(&c[0]), load(&c[1])),
                    output: (load(&c[2]), load(&c[3])),
                }
            })
            .collect()
    }

    /// What the job still has to do with records it accepted, if anything. A model or a
    /// stream is replaced only when there is nothing, so that the replacement loses none.
    pub fn pending_work(&self) -> Option<String> {
        let taken: usize = self.inputs.values().map(|i| i.pending()).sum::<usize>()
            + self.dispatch.queued()
            + lock(&self.jets)
                .iter()
                .map(|j| j.jet.unscored())
                .sum::<usize>();
        if taken > 0 {
            return Some(format!("{taken} accepted records are not scored yet"));
        }
        for (slot, input) in &self.inputs {
            if !self.streams[slot].descriptor.transport.served_by_engine() && !input.ended() {
                return Some(format!("slot {slot} is still reading its stream"));
            }
        }
        for slot in self.outputs.keys() {
            if let Some((unread @ 1.., _)) = self.rest_output(*slot).map(|q| q.queued()) {
                return Some(format!("slot {slot} has {unread} outputs not read yet"));
            }
        }
        None
    }

    /// Every jet has loaded the model (or is done).
    pub fn settled(&self) -> bool {
        lock(&self.jets).iter().all(|j| j.ready || j.done)
    }

    pub fn scale(self: &Arc<Self>, count: usize) -> Result<(), String> {
        let _one_at_a_time = lock(&self.scaling);
        let live = lock(&self.jets).iter().filter(|j| j.live()).count();
        if count > live {
            for _ in live..count {
                self.start_jet()?;
            }
        } else {
            // extra jets finish after their current batch
            let jets = lock(&self.jets);
            for j in jets.iter().rev().filter(|j| j.live()).take(live - count) {
                j.jet.retiring.store(true, Ordering::SeqCst);
            }
            drop(jets);
            self.dispatch.wake_takers();
        }
        Ok(())
    }

    /// Stop everything started for the job (the job is over); how many records were
    /// taken and not scored.
    fn halt(&self) -> usize {
        self.over.store(true, Ordering::SeqCst);
        for interrupt in lock(&self.interrupts).drain(..) {
            interrupt();
        }
        // inputs first: once shut, none queues a batch, so the queues' count is final
        let open: usize = self.inputs.values().map(|i| i.shut()).sum();
        let queued: usize = self.dispatch.close().iter().map(|b| b.count).sum();
        let mut inflight = 0;
        for j in lock(&self.jets).iter() {
            inflight += j.jet.unscored();
            j.jet.kill();
        }
        queued + open + inflight
    }

    /// Whether a pig may go to the outputs: every batch taken before it was scored and its
    /// outputs written (or the job is over). Until then its input takes nothing more.
    fn pig_may_pass(&self) -> bool {
        self.over.load(Ordering::Relaxed) || self.dispatch.idle()
    }

    /// A pig reaches every output stream, in each one's encoding (spec/engine.md §7.3).
    fn write_pig(&self) {
        for (slot, out) in &self.outputs {
            if let Err(e) = out.write_control(Control::Pig) {
                self.fail(json!({"message": format!("writing to slot {slot} failed: {e}")}));
            }
        }
    }

    /// A jet started or stopped (Pneumo `engine-config`).
    /// A batch a jet takes, with the batches waiting after it gathered into one record set
    /// when the model reads record sets from that slot (`GatherRecords`, `GatherTime`).
    fn gather(&self, first: Batch, jet: &Jet) -> Batch {
        let sets = self.model.slots.reads_sets(first.slot);
        let Some(attached) = self.streams.get(&first.slot) else {
            return first;
        };
        let batching = &attached.descriptor.batching;
        let limit = batching.gather;
        // never more records than the stream's watermark allows in one batch
        let most = limit.records.min(batching.watermark.unwrap_or(usize::MAX));
        if !sets || !first.gather || first.count >= most {
            return first;
        }
        // what comes while the jet still scores its last record set joins this one
        let now = Instant::now();
        let more = self.dispatch.gather(
            first.slot,
            most - first.count,
            now + limit.wait,
            &|| jet.busy(),
            now + GATHER_WHILE_BUSY,
        );
        if more.is_empty() {
            return first;
        }
        let mut parts = vec![first];
        parts.extend(more);
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        match recordset::gathered(&parts, id) {
            Ok(batch) => {
                let counts: Vec<(u64, usize)> = parts.iter().map(|p| (p.id, p.count)).collect();
                self.replies.regroup(id, &counts);
                batch
            }
            Err(e) => {
                // each goes on its own
                if let Some(input) = self.inputs.get(&parts[0].slot) {
                    input.stats.debug(|| format!("batches not gathered: {e}"));
                }
                let first = parts.remove(0);
                self.dispatch.put_back(parts);
                first
            }
        }
    }

    fn jet_event(&self, op: &str, sandbox: &str) {
        if let Some(e) = self.engine.upgrade() {
            e.events.publish(
                "engine-config",
                json!({"item": "jet", "op": op, "ref": sandbox}),
            );
        }
    }

    /// Tear everything down (reset, shutdown).
    pub fn stop(&self) {
        self.concluded.store(true, Ordering::SeqCst);
        self.halt();
        self.replies.fail_all("the engine was reset");
        for o in self.outputs.values() {
            o.sink.abort();
        }
    }

    fn fail(&self, report: Value) {
        if !self.concluded.swap(true, Ordering::SeqCst) {
            self.failed_now(report);
        }
    }

    fn failed_now(&self, mut report: Value) {
        // records accepted and not scored are counted, never silently dropped (a failed
        // finish has counted some already)
        let unscored = self.halt() as u64;
        if let Some(obj) = report.as_object_mut() {
            let before = obj.get("unscored").and_then(Value::as_u64).unwrap_or(0);
            obj.insert("unscored".into(), (before + unscored).into());
        }
        let message = report
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("the model failed")
            .to_string();
        if let Some(e) = self.engine.upgrade() {
            e.pipeline_failed(self, report);
        }
        self.replies.fail_all(&message);
        // what was written so far stays; REST outputs stay readable
        for o in self.outputs.values() {
            if o.sink.rest_queue().is_none() {
                o.sink.abort();
            }
        }
    }

    fn finish(&self) {
        if self.concluded.swap(true, Ordering::SeqCst) {
            return;
        }
        // a model may end before it has read all its input (spec §1.3): what it left is
        // counted, not dropped unsaid
        let unscored = self.halt();
        // outputs that clients read from the engine end last: who sees their end finds the
        // other outputs (files, …) complete
        let mut outputs: Vec<&Arc<OutputSlot>> = self.outputs.values().collect();
        outputs.sort_by_key(|o| o.sink.rest_queue().is_some());
        for o in outputs {
            let linger = self.streams.get(&o.slot).and_then(|a| a.descriptor.linger);
            if let Err(e) = o.sink.finish(linger) {
                self.failed_now(
                    json!({"message": format!("writing slot {} failed: {e}", o.slot),
                                       "unscored": unscored}),
                );
                return;
            }
        }
        // every output is durable now: the last records are committed
        self.release_settled();
        self.replies.fail_all("the job has finished");
        if let Some(e) = self.engine.upgrade() {
            if let Some(state) = lock(&self.last_state).take() {
                e.save_snapshot(&self.model.name, state);
            }
            e.pipeline_finished(self, unscored);
        }
    }
}

/// What a source tells the job (`SourceListener`): its partitions taken away, its waits.
struct InputListener {
    pipeline: std::sync::Weak<Pipeline>,
    input: Arc<InputSlot>,
    settler: Option<Arc<Settler>>,
}

impl SourceListener for InputListener {
    fn revoked(&self, partitions: &[i32]) -> Vec<Span> {
        let (Some(p), Some(settler)) = (self.pipeline.upgrade(), &self.settler) else {
            return Vec::new();
        };
        // the batch being gathered goes to the queue first: then every batch of those
        // partitions no jet has taken is withdrawn (a batch holds one partition's records)
        self.input.cut();
        let withdrawn = p.dispatch.withdraw(self.input.slot, |b| {
            settler
                .partition_of(b.seqno)
                .is_some_and(|at| partitions.contains(&at))
        });
        let dropped: Vec<Span> = withdrawn
            .iter()
            .flat_map(|b| settler.withdrawn(b.seqno, b.count))
            .collect();
        let count: u64 = dropped.iter().map(|s| s.count).sum();
        if count > 0 {
            self.notice(&format!(
                "{count} records read from partitions {partitions:?}, which went to another reader, are left to it"
            ));
        }
        dropped
    }

    fn stalled(&self) -> bool {
        self.pipeline
            .upgrade()
            .is_some_and(|p| p.dispatch.stalled(STALLED_PAUSED, STALLED_IDLE))
    }

    fn notice(&self, text: &str) {
        let engine = self.pipeline.upgrade().and_then(|p| p.engine.upgrade());
        if let Some(e) = engine {
            e.say(&format!("slot {}: {text}", self.input.slot));
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        // the job's shared state goes with it
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.state_file.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Host for Pipeline {
    fn sends_ahead(&self) -> bool {
        self.inputs.len() == 1
    }

    fn take(&self, jet: &Jet, want: Want) -> Take {
        let taken = match self
            .dispatch
            .take(want, &|| jet.retiring.load(Ordering::SeqCst))
        {
            Take::Batch(b) => Take::Batch(self.gather(b, jet)),
            other => other,
        };
        self.check_drained();
        taken
    }

    fn output(&self, slot: u32, batch: u64, lines: &[u8]) {
        let Some(out) = self.outputs.get(&slot) else {
            return;
        };
        if let Err(e) = out.write(lines, batch, &self.replies) {
            self.fail(json!({"message": format!("writing to slot {slot} failed: {e}")}));
        }
    }

    fn progress(&self, batch: &Batch, records: usize) {
        self.dispatch.progressed();
        // those records are scored with their outputs written: a source that commits may
        // commit them without waiting for the rest of the batch
        let settler = lock(&self.settlers).get(&batch.slot).cloned();
        if let Some(s) = settler {
            s.scored(batch.seqno, records);
        }
    }

    fn done(&self, batch: &Batch) {
        self.dispatch.batch_done();
        // its outputs are written: a source that commits may commit its records once
        // they are durable
        let settler = lock(&self.settlers).get(&batch.slot).cloned();
        if let Some(s) = settler {
            s.scored(batch.seqno, batch.count);
            // too many scored records wait for acknowledgements: so does this jet, until
            // some are acknowledged or the job ends (an output refuses a record it could not
            // deliver within its limit, which fails the job)
            let deadline = Instant::now() + HELD_WAIT;
            while s.held_full() && !self.over.load(Ordering::Relaxed) && Instant::now() < deadline {
                std::thread::sleep(PIG_POLL);
                s.release();
            }
        }
        self.replies.done(batch.id);
    }

    fn ready(&self, jet: usize) {
        if let Some(j) = lock(&self.jets).get_mut(jet) {
            j.ready = true;
        }
        if let Some(e) = self.engine.upgrade() {
            e.woke();
        }
    }

    fn finished(&self, jet: usize) {
        let all_done = {
            let mut jets = lock(&self.jets);
            if let Some(j) = jets.get_mut(jet) {
                j.done = true;
                self.jet_event("stop", &j.jet.sandbox);
                // a jet scaled away leaves nothing behind
                if j.jet.retiring.load(Ordering::SeqCst) {
                    let _ = std::fs::remove_dir_all(self.jets_dir.join(&j.jet.sandbox));
                }
            }
            jets.iter().all(|j| j.done)
        };
        if let Some(e) = self.engine.upgrade() {
            e.woke();
        }
        if all_done {
            self.finish();
        }
    }

    fn failed(&self, _jet: usize, report: Value) {
        self.fail(report);
    }

    fn snapshot(&self, state: Vec<u8>) {
        *lock(&self.last_state) = Some(state);
    }

    fn console(&self, jet: usize, line: String) {
        if let Some(e) = self.engine.upgrade() {
            e.console_line(jet, line);
        }
    }
}

/// The first records of a stream, read outside any job (`stream sample`), within `limit`.
pub fn sample(
    d: &crate::stream::Descriptor,
    count: usize,
    limit: Duration,
) -> Result<Vec<Vec<u8>>, String> {
    let mut records = Vec::new();
    if count == 0 {
        return Ok(records);
    }
    read_outside(d, limit, |r| {
        records.push(r.to_vec());
        records.len() < count
    })?;
    records.truncate(count);
    Ok(records)
}

/// Records and bytes per second of a stream, read outside any job for up to `window`
/// (`POST /1/stream/rate`), or fewer when it ends sooner.
pub fn rate(d: &crate::stream::Descriptor, window: Duration) -> Result<(f64, f64), String> {
    let started = Instant::now();
    let deadline = started + window;
    let (mut records, mut bytes) = (0u64, 0u64);
    let read = read_outside(d, window, |r| {
        records += 1;
        bytes += r.len() as u64;
        Instant::now() < deadline
    });
    // a read the window's end interrupted ends the measurement, not the request
    if let Err(e) = read {
        if Instant::now() < deadline {
            return Err(e);
        }
    }
    if records == 0 {
        return Err("the stream is too short to measure: it has no records".into());
    }
    let seconds = started.elapsed().as_secs_f64().max(1e-6);
    Ok((records as f64 / seconds, bytes as f64 / seconds / 1e6))
}

/// Read a stream outside any job, giving each record to `take` until it answers false or
/// the stream ends; a read still blocked after `limit` is interrupted.
fn read_outside(
    d: &crate::stream::Descriptor,
    limit: Duration,
    mut take: impl FnMut(&[u8]) -> bool,
) -> Result<(), String> {
    let mut source = d.transport.open_source()?.ok_or(
        "only streams the engine reads itself (file, inline, exec) can be sampled or measured",
    )?;
    // a program that writes nothing must not hold the request forever
    let watchdog = source.interrupter().map(|interrupt| {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                interrupt();
            }
        });
        tx
    });
    let mut framer = envelope::framer(d.envelope.as_ref());
    let mut more = true;
    while more {
        match source.read().map_err(|e| e.to_string())? {
            Some(chunk) => framer.feed(&chunk, &mut |r| more = more && take(r)),
            None => {
                framer.finish(&mut |r| more = more && take(r));
                break;
            }
        }
    }
    drop(watchdog);
    Ok(())
}
