//! A jet: one process running one instance of the model, started by its runner and driven
//! with the messages of `runner/protocol.rs`. Three threads per jet: a feeder (batches to
//! the jet), a reader (messages from the jet) and a console reader (its standard error).
//! However the process ends — finished, failed, killed by a signal, or its pipes closed —
//! the reader reports it to the host with what the jet was doing; the engine lives on.

use super::child;
use super::dispatch::{Take, Want};
use super::runner::protocol::{self, Batch, FromJet, ToJet};
use super::runner::Runner;
use crate::sync::lock;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// Console lines kept to explain a jet's death.
const CONSOLE_TAIL: usize = 20;
/// Records of a batch shown when the model fails on it.
const SHOWN_RECORDS: usize = 10;

/// What a jet needs from the job it runs in.
pub trait Host: Send + Sync {
    fn take(&self, jet: &Jet, want: Want) -> Take;
    /// A jet is sent its next batch before it asks for it (it always asks for the same:
    /// the model has one input).
    fn sends_ahead(&self) -> bool {
        false
    }
    fn output(&self, slot: u32, batch: u64, lines: &[u8]);
    /// The batch's first `records` records are processed and their outputs written.
    fn progress(&self, batch: &Batch, records: usize);
    /// The batch's outputs are all written.
    fn done(&self, batch: &Batch);
    fn ready(&self, jet: usize);
    fn finished(&self, jet: usize);
    /// The model failed or its process ended: `report` has `message`, `traceback` and
    /// `input` (the batch it was on).
    fn failed(&self, jet: usize, report: Value);
    fn console(&self, jet: usize, line: String);
    /// The model's state at the end of its input (`snapshots: eof`).
    fn snapshot(&self, state: Vec<u8>);
}

/// What the jet said that its host is told of, in order, on the thread that writes outputs.
enum Said {
    Output {
        slot: u32,
        batch: u64,
        lines: Vec<u8>,
    },
    Progress(Batch, usize),
    Done(Batch),
    Snapshot(Vec<u8>),
}

/// What the jet said that waits for that thread, at most (past it the jet's reader waits,
/// and so does the jet, as its output pipe fills).
const SAID_QUEUE: usize = 4;

pub struct Jet {
    pub index: usize,
    pub sandbox: String,
    pub pid: u32,
    child: Mutex<Child>,
    /// Set when the engine stops the jet, so its end is not a failure.
    stopping: AtomicBool,
    /// Set when the jet is to finish (scaling down): it gets no more batches.
    pub retiring: AtomicBool,
    /// Batches sent and not yet done, oldest first.
    inflight: Mutex<VecDeque<Batch>>,
    console: Mutex<VecDeque<String>>,
    /// Records and bytes sent to the jet, records and bytes it gave (for the sensors).
    pub counts: [AtomicU64; 4],
}

impl Jet {
    pub fn start(
        index: usize,
        runner: &dyn Runner,
        sandbox_dir: &Path,
        sandbox: String,
        config: &Value,
        host: Arc<dyn Host>,
    ) -> std::io::Result<Arc<Jet>> {
        let mut cmd = runner.jet_command(sandbox_dir)?;
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = child::spawn_tied(cmd)?;
        let missing = || std::io::Error::other("jet pipes are missing");
        let mut stdin = BufWriter::new(child.stdin.take().ok_or_else(missing)?);
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let stderr = child.stderr.take().ok_or_else(missing)?;
        let jet = Arc::new(Jet {
            index,
            sandbox,
            pid: child.id(),
            child: Mutex::new(child),
            stopping: AtomicBool::new(false),
            retiring: AtomicBool::new(false),
            inflight: Mutex::new(VecDeque::new()),
            console: Mutex::new(VecDeque::new()),
            counts: Default::default(),
        });
        // a jet that dies at once makes this fail; its reader reports how it died
        let _ = protocol::send(&mut stdin, &ToJet::Config(config)).and_then(|()| stdin.flush());
        let (want_tx, want_rx) = mpsc::channel::<Want>();
        let (j, h) = (jet.clone(), host.clone());
        std::thread::spawn(move || j.feed(stdin, want_rx, &*h));
        let (j, h) = (jet.clone(), host.clone());
        let console = std::thread::spawn(move || j.read_console(stderr, &*h));
        let j = jet.clone();
        std::thread::spawn(move || j.read(stdout, want_tx, &*host, console));
        Ok(jet)
    }

    fn feed(&self, mut stdin: BufWriter<ChildStdin>, wants: mpsc::Receiver<Want>, host: &dyn Host) {
        // a jet that always asks for the same input is sent one batch more than it asked
        // for, at its first ask: it then finds its next batch waiting when it asks for it,
        // rather than waiting for the ask to reach the engine and the batch to come back
        let mut ahead = host.sends_ahead();
        while let Ok(want) = wants.recv() {
            for _ in 0..if std::mem::take(&mut ahead) { 2 } else { 1 } {
                if !self.send_taken(&mut stdin, want, host) {
                    return;
                }
            }
        }
    }

    /// Take what the jet wants and send it; false once there is no more to send (the job
    /// is torn down, or the jet is gone: its reader tells why).
    fn send_taken(&self, stdin: &mut BufWriter<ChildStdin>, want: Want, host: &dyn Host) -> bool {
        let sent = match host.take(self, want) {
            Take::Batch(b) => {
                self.counts[0].fetch_add(b.count as u64, Ordering::Relaxed);
                self.counts[1].fetch_add(b.payload.len() as u64, Ordering::Relaxed);
                // counted as the jet's before it is sent, in case the jet dies meanwhile
                lock(&self.inflight).push_back(b.clone());
                protocol::send(stdin, &ToJet::Batch(&b))
            }
            Take::End => protocol::send(
                stdin,
                &ToJet::End(match want {
                    Want::Any => None,
                    Want::Slot(s) => Some(s),
                }),
            ),
            Take::Closed => return false,
        };
        sent.and_then(|()| stdin.flush()).is_ok()
    }

    fn read_console(&self, stderr: std::process::ChildStderr, host: &dyn Host) {
        // console output need not be UTF-8; every line is read, so the pipe never fills
        let mut reader = BufReader::new(stderr);
        let mut raw = Vec::new();
        while reader.read_until(b'\n', &mut raw).is_ok_and(|n| n > 0) {
            let line =
                String::from_utf8_lossy(raw.strip_suffix(b"\n").unwrap_or(&raw)).into_owned();
            raw.clear();
            let mut tail = lock(&self.console);
            if tail.len() == CONSOLE_TAIL {
                tail.pop_front();
            }
            tail.push_back(line.clone());
            drop(tail);
            host.console(self.index, line);
        }
    }

    fn read(
        &self,
        stdout: std::process::ChildStdout,
        wants: mpsc::Sender<Want>,
        host: &dyn Host,
        console: std::thread::JoinHandle<()>,
    ) {
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        let mut ready = false;
        // what the jet's outputs become (checked, encoded, written) is done on a thread of
        // its own, so that the jet's next `want` is answered meanwhile rather than after
        let (said, heard) = mpsc::sync_channel::<Said>(SAID_QUEUE);
        let outcome = std::thread::scope(|s| {
            s.spawn(move || {
                for each in heard {
                    match each {
                        Said::Output { slot, batch, lines } => host.output(slot, batch, &lines),
                        Said::Progress(b, records) => host.progress(&b, records),
                        Said::Done(b) => host.done(&b),
                        Said::Snapshot(state) => host.snapshot(state),
                    }
                }
            });
            let tell = |each: Said| {
                let _ = said.send(each);
            };
            let outcome = loop {
                match protocol::receive(&mut reader) {
                    Ok(Some(FromJet::Want(slot))) => {
                        if !ready {
                            ready = true;
                            host.ready(self.index);
                        }
                        let want = slot.map_or(Want::Any, Want::Slot);
                        if wants.send(want).is_err() {
                            break Err(None);
                        }
                    }
                    Ok(Some(FromJet::Output {
                        batch,
                        slot,
                        records,
                    })) => {
                        let n = records.split(|b| *b == b'\n').count();
                        self.counts[2].fetch_add(n as u64, Ordering::Relaxed);
                        self.counts[3].fetch_add(records.len() as u64, Ordering::Relaxed);
                        tell(Said::Output {
                            slot,
                            batch,
                            lines: records,
                        });
                    }
                    Ok(Some(FromJet::Progress { batch, records })) => {
                        let current = lock(&self.inflight).iter().find(|b| b.id == batch).cloned();
                        if let Some(b) = current {
                            let records = records.min(b.count);
                            tell(Said::Progress(b, records));
                        }
                    }
                    Ok(Some(FromJet::Done(batch))) => {
                        // (no longer the jet's as soon as it says so: a death report that
                        // follows names the batch it was on)
                        let finished = {
                            let mut inflight = lock(&self.inflight);
                            let at = inflight.iter().position(|b| b.id == batch);
                            at.and_then(|i| inflight.remove(i))
                        };
                        if let Some(b) = finished {
                            tell(Said::Done(b));
                        }
                    }
                    Ok(Some(FromJet::Snapshot(state))) => {
                        tell(Said::Snapshot(state));
                    }
                    Ok(Some(FromJet::Finished)) => break Ok(()),
                    Ok(Some(FromJet::Failed(report))) => break Err(Some(report)),
                    Ok(None) => break Err(None),
                    Err(e) => break Err(Some(json!({"message": e.to_string()}))),
                }
            };
            // (the thread ends once it wrote what was said before the end)
            drop(said);
            outcome
        });
        drop(wants);
        // the process has said its last word: collect it (one that lingers is killed),
        // after telling the host when the model finished (Python may take a while to exit)
        let reap = || child::reap(&mut lock(&self.child), Duration::from_secs(2));
        if self.stopping.load(Ordering::SeqCst) {
            reap();
            return;
        }
        match outcome {
            Ok(()) => {
                host.finished(self.index);
                reap();
            }
            Err(said) => {
                let reaped = reap();
                // the console's last lines arrive once the process is gone (unless a
                // process the model started keeps the pipe open)
                for _ in 0..40 {
                    if console.is_finished() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                host.failed(self.index, self.death_report(said, reaped));
            }
        }
    }

    /// Why the jet ended, with the input it was on and its last console lines.
    fn death_report(&self, said: Option<Value>, reaped: child::Reaped) -> Value {
        let how = match (reaped.killed, reaped.status) {
            (true, _) => "closed its connection to the engine and was stopped".to_string(),
            (false, Some(status)) => child::describe_exit(status),
            (false, None) => "ended".to_string(),
        };
        let mut report = said.unwrap_or_else(
            || json!({"message": format!("the model process (pid {}) {how}", self.pid)}),
        );
        if let Some(obj) = report.as_object_mut() {
            let console: Vec<String> = lock(&self.console).iter().cloned().collect();
            if obj
                .get("traceback")
                .is_none_or(|t| t.as_str().is_none_or(str::is_empty))
            {
                obj.insert("traceback".into(), console.join("\n").into());
            }
            if obj.get("input").is_none_or(Value::is_null) {
                let input = lock(&self.inflight).front().map(shown_input);
                obj.insert("input".into(), input.unwrap_or(Value::Null));
            }
            obj.insert("exit".into(), how.into());
        }
        report
    }

    /// The jet has a batch it has not finished.
    pub fn busy(&self) -> bool {
        !lock(&self.inflight).is_empty()
    }

    /// Records sent to this jet and not yet processed.
    pub fn unscored(&self) -> usize {
        lock(&self.inflight).iter().map(|b| b.count).sum()
    }

    /// Stop the jet now (reset, scale down, shutdown).
    pub fn kill(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        child::kill_group(&mut lock(&self.child));
    }
}

/// A batch as a model error shows it: its slot, its last records and how many there were.
fn shown_input(b: &Batch) -> Value {
    let records = b.rows();
    let skip = records.len().saturating_sub(SHOWN_RECORDS);
    let data: Vec<String> = records[skip..].iter().map(crate::json::compact).collect();
    json!({"slot": b.slot, "seqno": b.seqno + skip as u64, "data": data,
           "batch_len": b.count, "encoding": if b.format == protocol::Format::Raw { "null" } else { "json" }})
}
