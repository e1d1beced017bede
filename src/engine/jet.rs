//! A jet: one Python process running one instance of the model, driven over its stdin and
//! stdout with the frames described in `python/fastscore_runner.py`. Three threads per jet:
//! a reader (frames from the jet), a feeder (batches to the jet) and a console reader.

use super::dispatch::{Take, Want};
use serde_json::Value;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// What a jet needs from the pipeline it runs in.
pub trait Host: Send + Sync {
    fn take(&self, jet: usize, want: Want) -> Take;
    fn output(&self, slot: u32, lines: &[u8]);
    fn ready(&self, jet: usize);
    fn finished(&self, jet: usize);
    fn failed(&self, jet: usize, report: Value);
    fn console(&self, jet: usize, line: String);
}

pub struct Jet {
    pub index: usize,
    pub sandbox: String,
    pub pid: u32,
    child: Mutex<Child>,
    /// Set when the engine stops the jet, so its exit is not a failure.
    stopping: Arc<AtomicBool>,
}

fn frame(kind: u8, payload: &[&[u8]]) -> Vec<u8> {
    let len: usize = payload.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(len + 5);
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.push(kind);
    for p in payload {
        out.extend_from_slice(p);
    }
    out
}

impl Jet {
    pub fn start(
        index: usize,
        python: &str,
        runner: &Path,
        sandbox_dir: &Path,
        sandbox: String,
        config: &Value,
        host: Arc<dyn Host>,
    ) -> std::io::Result<Arc<Jet>> {
        let mut cmd = Command::new(python);
        cmd.arg(runner)
            .current_dir(sandbox_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: prctl is async-signal-safe; the jet dies with the engine.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
        }
        let mut child = cmd.spawn()?;
        let missing = || std::io::Error::other("jet pipes are missing");
        let mut stdin = BufWriter::new(child.stdin.take().ok_or_else(missing)?);
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let stderr = child.stderr.take().ok_or_else(missing)?;
        stdin.write_all(&frame(b'C', &[config.to_string().as_bytes()]))?;
        stdin.flush()?;
        let jet = Arc::new(Jet {
            index,
            sandbox,
            pid: child.id(),
            child: Mutex::new(child),
            stopping: Arc::new(AtomicBool::new(false)),
        });
        let (want_tx, want_rx) = mpsc::channel::<Want>();
        let h = host.clone();
        std::thread::spawn(move || feed(index, stdin, want_rx, h));
        let h = host.clone();
        let console = Arc::new(Mutex::new(Vec::<String>::new()));
        let lines = console.clone();
        std::thread::spawn(move || {
            // console output need not be UTF-8; every line is read, so the pipe never fills
            let mut reader = BufReader::new(stderr);
            let mut raw = Vec::new();
            while reader.read_until(b'\n', &mut raw).is_ok_and(|n| n > 0) {
                let line =
                    String::from_utf8_lossy(raw.strip_suffix(b"\n").unwrap_or(&raw)).into_owned();
                raw.clear();
                let mut tail = lines.lock().unwrap_or_else(|p| p.into_inner());
                if tail.len() == 20 {
                    tail.remove(0);
                }
                tail.push(line.clone());
                drop(tail);
                h.console(index, line);
            }
        });
        let stopping = jet.stopping.clone();
        let j = jet.clone();
        std::thread::spawn(move || read(stdout, want_tx, host, j, stopping, console));
        Ok(jet)
    }

    /// Collect the process once it has said it is done; one that lingers (threads the
    /// model left running) is killed after a short grace.
    fn reap(&self) {
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Stop the jet now (reset, scale down, shutdown).
    pub fn kill(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn feed(
    index: usize,
    mut stdin: BufWriter<ChildStdin>,
    wants: mpsc::Receiver<Want>,
    host: Arc<dyn Host>,
) {
    while let Ok(want) = wants.recv() {
        let bytes = match host.take(index, want) {
            Take::Batch(b) => {
                let header = format!(
                    "{} {} {}\n",
                    b.slot,
                    b.seqno,
                    if b.bytes { 'b' } else { 'j' }
                );
                frame(b'B', &[header.as_bytes(), &b.payload])
            }
            Take::End => match want {
                Want::Any => frame(b'E', &[b"*"]),
                Want::Slot(s) => frame(b'E', &[s.to_string().as_bytes()]),
            },
            Take::Closed => return,
        };
        if stdin
            .write_all(&bytes)
            .and_then(|()| stdin.flush())
            .is_err()
        {
            return;
        }
    }
}

fn read(
    stdout: std::process::ChildStdout,
    wants: mpsc::Sender<Want>,
    host: Arc<dyn Host>,
    jet: Arc<Jet>,
    stopping: Arc<AtomicBool>,
    console: Arc<Mutex<Vec<String>>>,
) {
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let mut ready = false;
    let mut payload = Vec::new();
    let outcome = loop {
        let mut head = [0u8; 5];
        if reader.read_exact(&mut head).is_err() {
            break None;
        }
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        payload.resize(len, 0);
        if reader.read_exact(&mut payload).is_err() {
            break None;
        }
        match head[4] {
            b'N' => {
                if !ready {
                    ready = true;
                    host.ready(jet.index);
                }
                let want = match payload.as_slice() {
                    b"*" => Want::Any,
                    s => match std::str::from_utf8(s).ok().and_then(|s| s.parse().ok()) {
                        Some(slot) => Want::Slot(slot),
                        None => Want::Any,
                    },
                };
                if wants.send(want).is_err() {
                    break None;
                }
            }
            b'O' => {
                let split = payload
                    .iter()
                    .position(|b| *b == b'\n')
                    .unwrap_or(payload.len());
                let slot = std::str::from_utf8(&payload[..split])
                    .ok()
                    .and_then(|s| s.parse().ok());
                if let Some(slot) = slot {
                    host.output(slot, payload.get(split + 1..).unwrap_or(&[]));
                }
            }
            b'F' => break Some(Ok(())),
            b'X' => break Some(Err(serde_json::from_slice(&payload).unwrap_or(Value::Null))),
            _ => {}
        }
    };
    drop(wants);
    if stopping.load(Ordering::SeqCst) {
        return;
    }
    match outcome {
        Some(Ok(())) => {
            host.finished(jet.index);
            jet.reap();
        }
        Some(Err(report)) => {
            host.failed(jet.index, report);
            jet.reap();
        }
        None => {
            // the process ended without saying why: show how, and what it printed last
            let status = {
                let mut child = jet.child.lock().unwrap_or_else(|p| p.into_inner());
                child.wait().map(|s| s.to_string()).unwrap_or_default()
            };
            std::thread::sleep(std::time::Duration::from_millis(50));
            let tail = console.lock().unwrap_or_else(|p| p.into_inner()).join("\n");
            let message = format!(
                "the model process (pid {}) ended unexpectedly: {status}",
                jet.pid
            );
            host.failed(
                jet.index,
                serde_json::json!({"message": message, "traceback": tail, "input": null}),
            );
        }
    }
}
