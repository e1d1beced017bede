//! `exec`: a program whose standard output is an input stream, or whose standard input is
//! an output stream.

use super::{Interrupt, Sink, Source, Transport};
use crate::engine::child;
use crate::engine::envelope::Framed;
use crate::sync::lock;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug)]
struct Exec {
    run: String,
    args: Vec<String>,
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Transport>, String> {
    let run = super::string_param(params, "exec", "Run")?;
    let args = match super::param(params, "Args") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "Args must be strings".to_string())
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("Args must be an array of strings".into()),
    };
    Ok(Arc::new(Exec { run, args }))
}

impl Exec {
    fn spawn(&self, input: bool) -> Result<Child, String> {
        let mut cmd = Command::new(&self.run);
        cmd.args(&self.args);
        if input {
            cmd.stdin(Stdio::null()).stdout(Stdio::piped());
        } else {
            cmd.stdin(Stdio::piped()).stdout(Stdio::null());
        }
        child::spawn_tied(cmd).map_err(|e| format!("cannot run {}: {e}", self.run))
    }
}

impl Transport for Exec {
    fn name(&self) -> &'static str {
        "exec"
    }

    fn internal(&self) -> Value {
        json!({"type": "exec", "run": self.run, "args": self.args})
    }

    fn open_source(&self) -> Result<Option<Box<dyn Source>>, String> {
        let mut child = self.spawn(true)?;
        let stdout = child.stdout.take().ok_or("no output pipe")?;
        Ok(Some(Box::new(ExecSource {
            stdout,
            child: Arc::new(Mutex::new(child)),
        })))
    }

    fn open_sink(&self) -> Result<Box<dyn Sink>, String> {
        let mut child = self.spawn(false)?;
        let stdin = child.stdin.take();
        Ok(Box::new(ExecSink {
            run: self.run.clone(),
            stdin: Mutex::new(stdin),
            child: Mutex::new(child),
        }))
    }
}

fn kill(child: &Mutex<Child>) {
    child::kill_group(&mut lock(child));
}

struct ExecSource {
    stdout: ChildStdout,
    child: Arc<Mutex<Child>>,
}

impl Source for ExecSource {
    fn read(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        super::file::read_chunk(&mut self.stdout)
    }

    fn interrupter(&self) -> Option<Interrupt> {
        let child = self.child.clone();
        Some(Box::new(move || kill(&child)))
    }
}

impl Drop for ExecSource {
    fn drop(&mut self) {
        // the program is not needed past its output (or past a sample)
        kill(&self.child);
    }
}

struct ExecSink {
    run: String,
    stdin: Mutex<Option<ChildStdin>>,
    child: Mutex<Child>,
}

impl Sink for ExecSink {
    fn write(&self, records: &Framed) -> std::io::Result<()> {
        match lock(&self.stdin).as_mut() {
            Some(stdin) => stdin.write_all(&records.bytes),
            None => Ok(()),
        }
    }

    fn finish(&self, linger: Option<Duration>) -> std::io::Result<()> {
        // closing its input ends the program, which has the linger time to deal with it
        lock(&self.stdin).take();
        let linger = linger.unwrap_or(Duration::ZERO);
        if child::reap(&mut lock(&self.child), linger).killed {
            return Err(std::io::Error::other(format!(
                "{} did not end within the linger time ({} ms) after its input closed, and was stopped",
                self.run,
                linger.as_millis()
            )));
        }
        Ok(())
    }

    fn abort(&self) {
        // killed first: a write blocked on its full pipe then fails and lets go of stdin
        kill(&self.child);
        lock(&self.stdin).take();
    }
}
