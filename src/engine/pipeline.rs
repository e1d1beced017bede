//! A running job: input readers feeding batches to jets, jets' outputs checked and
//! written to the output streams, and the events that move the engine's state.

use super::codec::{CsvLayout, Decoder, Encoder};
use super::descriptor::{Descriptor, Encoding, Envelope, SchemaSpec, Transport};
use super::dispatch::{Dispatch, Take, Want};
use super::jet::{Host, Jet};
use super::prepare::{random_id, Prepared};
use super::slots::{Framer, InputSlot, OutputSlot, Pushed, RestQueue, Sink, SlotStats};
use super::{refuse, Answer, Attached, Engine};
use crate::schema::Avro;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The longest the batch timer sleeps.
const TIMER_TICK: Duration = Duration::from_millis(20);

struct JetEntry {
    jet: Arc<Jet>,
    ready: bool,
    done: bool,
    retiring: bool,
}

pub struct Pipeline {
    engine: Weak<Engine>,
    model: Arc<Prepared>,
    pub dispatch: Arc<Dispatch>,
    inputs: BTreeMap<u32, Arc<InputSlot>>,
    outputs: BTreeMap<u32, Arc<OutputSlot>>,
    streams: BTreeMap<u32, Arc<Attached>>,
    /// REST inputs whose requests are framed by an envelope.
    rest_framers: BTreeMap<u32, Mutex<Framer>>,
    jets: Mutex<Vec<JetEntry>>,
    /// Set when the job is over (finished, failed or stopped): readers stop.
    over: AtomicBool,
    /// Set by whichever of finishing and failing comes first.
    concluded: AtomicBool,
    children: Mutex<Vec<Child>>,
    roundtrip: Mutex<()>,
    scaling: Mutex<()>,
    jets_dir: PathBuf,
    python: String,
    runner: PathBuf,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The schemas a slot's records are checked against: the stream's and the model's.
fn slot_schemas(model: &Prepared, slot: u32, attached: &Attached) -> Vec<Arc<Avro>> {
    let mut list = Vec::new();
    if let Some((_, s)) = &attached.schema {
        list.push(s.clone());
    }
    if let Some((_, m)) = model.schemas.get(&slot) {
        let same = attached
            .schema
            .as_ref()
            .is_some_and(|(v, _)| Some(v) == model.schemas.get(&slot).map(|(mv, _)| mv));
        if !same {
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

fn csv_layout(
    encoding: &Encoding,
    schema: Option<&Arc<Avro>>,
    slot: u32,
) -> std::io::Result<Option<CsvLayout>> {
    if !matches!(encoding, Encoding::Csv { .. }) {
        return Ok(None);
    }
    schema
        .and_then(|s| CsvLayout::from_schema(s))
        .map(Some)
        .ok_or_else(|| {
            std::io::Error::other(format!(
                "the csv stream of slot {slot} needs a record schema"
            ))
        })
}

impl Pipeline {
    pub fn start(
        engine: &Arc<Engine>,
        model: Arc<Prepared>,
        streams: BTreeMap<u32, Arc<Attached>>,
        stats: BTreeMap<u32, Arc<SlotStats>>,
        scale: usize,
        paused: bool,
    ) -> std::io::Result<Arc<Pipeline>> {
        let input_slots: Vec<u32> = model.slots.inputs().map(|(n, _)| n).collect();
        let dispatch = Arc::new(Dispatch::new(input_slots.clone(), paused));
        let mut inputs = BTreeMap::new();
        let mut rest_framers = BTreeMap::new();
        let mut outputs = BTreeMap::new();
        let mut children = Vec::new();
        for (slot, _) in model.slots.used() {
            let attached = &streams[&slot];
            let d = &attached.descriptor;
            let leading = leading_schema(&model, slot, attached);
            let layout = csv_layout(&d.encoding, leading.as_ref(), slot)?;
            let schemas = slot_schemas(&model, slot, attached);
            let slot_stats = stats.get(&slot).cloned().unwrap_or_default();
            if slot % 2 == 0 {
                if matches!(d.transport, Transport::Rest { .. }) && d.envelope != Envelope::None {
                    rest_framers.insert(slot, Mutex::new(Framer::new(d.envelope.clone())));
                }
                let decoder = Decoder::new(d.encoding.clone(), layout);
                let bytes = d.encoding == Encoding::Null;
                inputs.insert(
                    slot,
                    Arc::new(InputSlot::new(
                        slot,
                        decoder,
                        schemas,
                        d.batching.clone(),
                        bytes,
                        dispatch.clone(),
                        slot_stats,
                    )),
                );
            } else {
                let separator = match &d.envelope {
                    Envelope::None => None,
                    Envelope::Delimited(s) => Some(s.clone()),
                    Envelope::DelimitedCsv { separator, .. } => Some(separator.clone()),
                };
                let sink = match &d.transport {
                    Transport::Rest { .. } => Sink::Rest(Arc::new(RestQueue::default())),
                    Transport::File { path } => {
                        let file = std::fs::File::create(path).map_err(|e| {
                            std::io::Error::other(crate::error::io_error_text(path, &e))
                        })?;
                        Sink::File(Mutex::new(std::io::BufWriter::with_capacity(1 << 18, file)))
                    }
                    Transport::Exec { run, args } => {
                        let mut child = Command::new(run)
                            .args(args)
                            .stdin(Stdio::piped())
                            .stdout(Stdio::null())
                            .spawn()
                            .map_err(|e| std::io::Error::other(format!("cannot run {run}: {e}")))?;
                        let stdin = child.stdin.take();
                        children.push(child);
                        Sink::Exec(Mutex::new(stdin))
                    }
                    _ => Sink::Discard,
                };
                let encoder = Encoder::new(d.encoding.clone(), layout);
                outputs.insert(
                    slot,
                    Arc::new(OutputSlot::new(
                        slot, encoder, schemas, separator, sink, slot_stats,
                    )),
                );
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
            over: AtomicBool::new(false),
            concluded: AtomicBool::new(false),
            children: Mutex::new(children),
            roundtrip: Mutex::new(()),
            scaling: Mutex::new(()),
            jets_dir: engine.dir.join("jets"),
            python: engine.python.clone(),
            runner: engine.runner.clone(),
        });
        for _ in 0..scale {
            if let Err(e) = pipeline.start_jet() {
                pipeline.stop();
                return Err(e);
            }
        }
        Ok(pipeline)
    }

    fn start_jet(self: &Arc<Self>) -> std::io::Result<()> {
        let sandbox = random_id();
        let dir = self.jets_dir.join(&sandbox);
        std::fs::create_dir_all(&dir)?;
        for (name, bytes) in &self.model.attachments {
            crate::attachment::unpack(name, bytes, &dir).map_err(std::io::Error::other)?;
        }
        std::fs::write(dir.join("__model.py"), &self.model.source)?;
        let inputs: serde_json::Map<String, Value> = self
            .model
            .slots
            .inputs()
            .map(|(n, s)| {
                let shape = leading_schema(&self.model, n, &self.streams[&n])
                    .map_or("record", |a| a.shape());
                (
                    n.to_string(),
                    json!({"action": s.action, "recordsets": s.recordsets, "shape": shape}),
                )
            })
            .collect();
        let outputs: serde_json::Map<String, Value> = self
            .model
            .slots
            .outputs()
            .map(|(n, s)| (n.to_string(), json!({"recordsets": s.recordsets})))
            .collect();
        let config = json!({"model": "__model.py", "explicit": self.model.slots.explicit(),
                            "inputs": inputs, "outputs": outputs});
        let host: Arc<dyn Host> = self.clone();
        // the index is the jet's place in the list: taken and filled under one lock
        let mut jets = lock(&self.jets);
        let index = jets.len();
        let jet = Jet::start(
            index,
            &self.python,
            &self.runner,
            &dir,
            sandbox,
            &config,
            host,
        )
        .map_err(|e| std::io::Error::other(format!("cannot start '{}': {e}", self.python)))?;
        jets.push(JetEntry {
            jet,
            ready: false,
            done: false,
            retiring: false,
        });
        Ok(())
    }

    /// Start reading the inputs that read themselves (files, inline data, programs), and
    /// per input the timer that sends batches whose Nagle time is over (one per input, so
    /// that an input waiting for room in its queue holds up no other).
    pub fn open_inputs(self: &Arc<Self>) {
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
            let d = &self.streams[slot].descriptor;
            let source: Box<dyn FnOnce() -> std::io::Result<Box<dyn Read + Send>> + Send> = match &d
                .transport
            {
                Transport::Rest { .. } => continue,
                Transport::File { path } => {
                    let path = path.clone();
                    Box::new(move || {
                        std::fs::File::open(&path)
                            .map(|f| Box::new(f) as Box<dyn Read + Send>)
                            .map_err(|e| {
                                std::io::Error::other(crate::error::io_error_text(&path, &e))
                            })
                    })
                }
                Transport::InlineChunk(data) => {
                    let data = data.clone();
                    Box::new(move || {
                        Ok(Box::new(std::io::Cursor::new(data)) as Box<dyn Read + Send>)
                    })
                }
                Transport::InlineRecords(records) => {
                    let (p, input, records) = (self.clone(), input.clone(), records.clone());
                    std::thread::spawn(move || {
                        for r in &records {
                            if p.over.load(Ordering::Relaxed)
                                || matches!(
                                    input.push(r),
                                    Pushed::Control(super::codec::Control::End)
                                )
                            {
                                break;
                            }
                        }
                        p.input_ended(&input);
                    });
                    continue;
                }
                Transport::Exec { run, args } => {
                    let spawned = Command::new(run)
                        .args(args)
                        .stdin(Stdio::null())
                        .stdout(Stdio::piped())
                        .spawn();
                    match spawned {
                        Ok(mut child) => {
                            let out = child.stdout.take();
                            lock(&self.children).push(child);
                            Box::new(move || {
                                out.map(|o| Box::new(o) as Box<dyn Read + Send>)
                                    .ok_or_else(|| std::io::Error::other("no output pipe"))
                            })
                        }
                        Err(e) => {
                            self.fail(json!({"message": format!("cannot run {run}: {e}"), "traceback": "", "input": null}));
                            return;
                        }
                    }
                }
                Transport::Discard => continue,
            };
            let (p, input, envelope, looping) =
                (self.clone(), input.clone(), d.envelope.clone(), d.looping);
            std::thread::spawn(move || p.read_input(input, source, envelope, looping));
        }
    }

    fn read_input(
        self: Arc<Self>,
        input: Arc<InputSlot>,
        open: Box<dyn FnOnce() -> std::io::Result<Box<dyn Read + Send>> + Send>,
        envelope: Envelope,
        looping: bool,
    ) {
        let mut reader = match open() {
            Ok(r) => r,
            Err(e) => {
                self.fail(json!({"message": format!("cannot open the input of slot {}: {e}", input.slot), "traceback": "", "input": null}));
                return;
            }
        };
        let mut framer = Framer::new(envelope.clone());
        let mut buf = vec![0u8; 1 << 16];
        let mut ended = false;
        loop {
            if self.over.load(Ordering::Relaxed) {
                return;
            }
            let n = match reader.read(&mut buf) {
                Ok(0) if looping => {
                    // start again from the beginning (only files loop), header and all
                    framer.finish(&mut |r| ended |= is_end(input.push(r)));
                    framer = Framer::new(envelope.clone());
                    if let Transport::File { path } =
                        &self.streams[&input.slot].descriptor.transport
                    {
                        match std::fs::File::open(path) {
                            Ok(f) => reader = Box::new(f),
                            Err(_) => break,
                        }
                    }
                    continue;
                }
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.fail(json!({"message": format!("reading the input of slot {} failed: {e}", input.slot), "traceback": "", "input": null}));
                    return;
                }
            };
            framer.feed(&buf[..n], &mut |r| ended |= is_end(input.push(r)));
            input.settle();
            if ended {
                break;
            }
        }
        if !ended {
            framer.finish(&mut |r| {
                input.push(r);
            });
        }
        self.input_ended(&input);
    }

    fn input_ended(&self, input: &InputSlot) {
        input.end();
        if self.dispatch.drained() {
            if let Some(e) = self.engine.upgrade() {
                e.pipeline_draining(self);
            }
        }
    }

    /// Records posted to a REST input.
    pub fn input(&self, slot: u32, body: &[u8], bulk: bool) -> Value {
        let Some(input) = self.inputs.get(&slot) else {
            return json!({"accepted": 0, "rejected": 0, "errors": []});
        };
        let (mut accepted, mut rejected, mut errors) = (0u64, 0u64, Vec::new());
        let mut take = |record: &[u8], n: usize| match input.push(record) {
            Pushed::Accepted => accepted += 1,
            Pushed::Rejected(reason) => {
                rejected += 1;
                if errors.len() < 5 {
                    errors.push(json!({"record": n, "reason": reason}));
                }
            }
            Pushed::Control(_) => {}
        };
        if bulk {
            let lines = body
                .split(|b| *b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
            for (i, line) in lines.filter(|l| !l.is_empty()).enumerate() {
                take(line, i + 1);
            }
        } else if let Some(framer) = self.rest_framers.get(&slot) {
            let mut n = 0;
            lock(framer).feed(body, &mut |r| {
                n += 1;
                take(r, n)
            });
        } else {
            take(body, 1);
        }
        input.settle();
        if input.ended() && self.dispatch.drained() {
            if let Some(e) = self.engine.upgrade() {
                e.pipeline_draining(self);
            }
        }
        json!({"accepted": accepted, "rejected": rejected, "errors": errors})
    }

    pub fn rest_output(&self, slot: u32) -> Option<Arc<RestQueue>> {
        match &self.outputs.get(&slot)?.sink {
            Sink::Rest(q) => Some(q.clone()),
            _ => None,
        }
    }

    pub fn roundtrip(
        &self,
        input: u32,
        output: u32,
        body: &[u8],
        timeout: Duration,
    ) -> Answer<Vec<u8>> {
        let _one_at_a_time = lock(&self.roundtrip);
        let queue = self
            .rest_output(output)
            .ok_or_else(|| refuse(400, format!("no REST stream at output slot {output}")))?;
        let slot = self
            .inputs
            .get(&input)
            .ok_or_else(|| refuse(400, format!("no REST stream at input slot {input}")))?;
        let rx = queue.catch_next();
        match slot.push(body) {
            Pushed::Accepted => slot.flush_now(),
            Pushed::Rejected(reason) => {
                queue.release_catch();
                return Err(refuse(400, format!("the input was rejected: {reason}")));
            }
            Pushed::Control(_) => {
                queue.release_catch();
                return Err(refuse(400, "a control record produces no output"));
            }
        }
        let deadline = Instant::now() + timeout;
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(record) => return Ok(record),
                Err(_) if self.over.load(Ordering::Relaxed) || Instant::now() >= deadline => {
                    queue.release_catch();
                    return Err(refuse(
                        504,
                        format!("no output within {} ms", timeout.as_millis()),
                    ));
                }
                Err(_) => {}
            }
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
            .filter(|j| !j.done && !j.retiring)
            .map(|j| json!({"pid": j.jet.pid, "sandbox": j.jet.sandbox}))
            .collect()
    }

    /// Every jet has loaded the model (or is done).
    pub fn settled(&self) -> bool {
        lock(&self.jets).iter().all(|j| j.ready || j.done)
    }

    pub fn scale(self: &Arc<Self>, count: usize) -> Result<(), String> {
        let _one_at_a_time = lock(&self.scaling);
        let live = lock(&self.jets)
            .iter()
            .filter(|j| !j.done && !j.retiring)
            .count();
        if count > live {
            for _ in live..count {
                self.start_jet().map_err(|e| e.to_string())?;
            }
        } else {
            // extra jets finish after their current batch
            let mut jets = lock(&self.jets);
            let mut extra = live - count;
            for j in jets.iter_mut().rev() {
                if extra == 0 {
                    break;
                }
                if !j.done && !j.retiring {
                    j.retiring = true;
                    extra -= 1;
                }
            }
        }
        Ok(())
    }

    /// Tear everything down (reset, shutdown).
    pub fn stop(&self) {
        self.over.store(true, Ordering::SeqCst);
        self.dispatch.close();
        for j in lock(&self.jets).iter() {
            j.jet.kill();
        }
        for mut c in lock(&self.children).drain(..) {
            let _ = c.kill();
            let _ = c.wait();
        }
        for o in self.outputs.values() {
            let _ = o.finish();
            if let Sink::Rest(q) = &o.sink {
                q.wake();
            }
        }
    }

    fn fail(&self, report: Value) {
        if !self.concluded.swap(true, Ordering::SeqCst) {
            self.fail_now(report);
        }
    }

    fn fail_now(&self, report: Value) {
        self.over.store(true, Ordering::SeqCst);
        for mut c in lock(&self.children).drain(..) {
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Some(e) = self.engine.upgrade() {
            e.pipeline_failed(self, report);
        }
        self.dispatch.close();
        for j in lock(&self.jets).iter() {
            j.jet.kill();
        }
        // what was written so far stays on disk; REST readers learn of the failure
        for o in self.outputs.values() {
            match &o.sink {
                Sink::Rest(q) => q.wake(),
                _ => {
                    let _ = o.finish();
                }
            }
        }
    }

    fn finish(&self) {
        if self.concluded.swap(true, Ordering::SeqCst) {
            return;
        }
        self.over.store(true, Ordering::SeqCst);
        for o in self.outputs.values() {
            if let Err(e) = o.finish() {
                self.fail_now(json!({"message": format!("writing slot {} failed: {e}", o.slot), "traceback": "", "input": null}));
                return;
            }
        }
        self.dispatch.close();
        if let Some(e) = self.engine.upgrade() {
            e.pipeline_finished(self);
        }
    }
}

fn is_end(p: Pushed) -> bool {
    matches!(p, Pushed::Control(super::codec::Control::End))
}

impl Host for Pipeline {
    fn take(&self, jet: usize, want: Want) -> Take {
        if lock(&self.jets).get(jet).is_some_and(|j| j.retiring) {
            return Take::End;
        }
        let taken = self.dispatch.take(want);
        if self.dispatch.drained() {
            if let Some(e) = self.engine.upgrade() {
                e.pipeline_draining(self);
            }
        }
        taken
    }

    fn output(&self, slot: u32, lines: &[u8]) {
        let Some(out) = self.outputs.get(&slot) else {
            return;
        };
        if let Err(e) = out.write(lines) {
            self.fail(json!({"message": format!("writing to slot {slot} failed: {e}"), "traceback": "", "input": null}));
        }
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

    fn console(&self, jet: usize, line: String) {
        if let Some(e) = self.engine.upgrade() {
            e.console_line(jet, line);
        }
    }
}

/// The first records of a stream, read outside any pipeline (`stream sample`).
pub fn sample(d: &Descriptor, count: usize) -> Result<Vec<Vec<u8>>, String> {
    let reader: Box<dyn Read> = match &d.transport {
        Transport::InlineRecords(items) => return Ok(items.iter().take(count).cloned().collect()),
        Transport::InlineChunk(data) => Box::new(std::io::Cursor::new(data.clone())),
        Transport::File { path } => {
            Box::new(std::fs::File::open(path).map_err(|e| crate::error::io_error_text(path, &e))?)
        }
        Transport::Exec { run, args } => {
            let mut child = Command::new(run)
                .args(args)
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot run {run}: {e}"))?;
            let out = child.stdout.take().ok_or("no output pipe")?;
            let records = read_records(Box::new(out), &d.envelope, count);
            // the program is not needed past the sample
            let _ = child.kill();
            let _ = child.wait();
            return records;
        }
        Transport::Rest { .. } | Transport::Discard => {
            return Err("only file, inline and exec streams can be sampled".into())
        }
    };
    read_records(reader, &d.envelope, count)
}

fn read_records(
    reader: Box<dyn Read>,
    envelope: &Envelope,
    count: usize,
) -> Result<Vec<Vec<u8>>, String> {
    let mut records = Vec::new();
    let mut framer = Framer::new(envelope.clone());
    let mut reader = std::io::BufReader::new(reader);
    let mut buf = vec![0u8; 1 << 16];
    while records.len() < count {
        let n = reader.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            framer.finish(&mut |r| records.push(r.to_vec()));
            break;
        }
        framer.feed(&buf[..n], &mut |r| records.push(r.to_vec()));
    }
    records.truncate(count);
    Ok(records)
}
