//! Runners: how models of one language are checked and run (spec/engine.md §2). Each runner
//! is one file implementing `Runner`, registered for its model types in `RUNNERS`. A jet is
//! a process the runner starts; it speaks `protocol.rs` whatever its language.

mod c;
pub mod columns;
mod java;
mod pfa;
pub mod protocol;
mod python;
mod r;
pub mod recordset;

use super::annotations::{self, SlotMap};
use super::child;
use super::preparations::{NotReady, Preparations};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// How long a model check may take (imports are looked up, not run; code is compiled).
const CHECK_LIMIT: Duration = Duration::from_secs(120);

/// What a runner found in a model without running it.
#[derive(Clone, Debug, Default)]
pub struct Check {
    /// Top-level libraries the model imports.
    pub imports: Vec<String>,
    /// Those the runner cannot find.
    pub missing: Vec<String>,
    /// Schemas the model itself declares, by slot (a PFA document's input and output).
    pub schemas: BTreeMap<u32, Value>,
}

pub trait Runner: Send + Sync {
    /// The program models run in, as messages name it (`/usr/bin/python3`).
    fn program(&self) -> &str;
    /// The file a model's source is saved as in its sandbox.
    fn model_file(&self) -> &'static str;
    /// Whether what models run in is there. A runtime the runner installs on first use is
    /// prepared in the background (`Preparations`) meanwhile: checks and jets come after.
    fn runtime(&self) -> Result<(), NotReady> {
        Ok(())
    }
    /// The slot map from the model's annotations (smart comments in its own syntax).
    fn slot_map(&self, source: &str) -> Result<SlotMap, String> {
        annotations::slot_map(source)
    }
    /// Syntax, imports and callbacks of the model saved in `sandbox` (with its attachments
    /// unpacked there), without running it; `Err` is the one-line reason it cannot load.
    fn check(&self, sandbox: &Path, callbacks: &BTreeMap<u32, String>) -> Result<Check, String>;
    /// The command that starts one jet in `sandbox`.
    fn jet_command(&self, sandbox: &Path) -> std::io::Result<Command>;
    /// Install a library an import policy marks `install` (`command` overrides the default),
    /// within `limit`.
    fn install(
        &self,
        library: &str,
        _command: Option<&str>,
        _limit: Duration,
    ) -> Result<(), String> {
        Err(format!(
            "{library} cannot be installed for models run by {}",
            self.program()
        ))
    }
    /// Jets take record sets of flat records as columns (`columns.rs`).
    fn columns(&self) -> bool {
        false
    }
}

/// Run a runner's check program, which prints JSON: `{"error": …}`, or the `imports` and
/// those `missing`. `missing_program` says what to install when `program` cannot start.
fn checked(cmd: &mut Command, program: &str, missing_program: &str) -> Result<Check, String> {
    let out = child::output_within(cmd, CHECK_LIMIT).map_err(|e| match e.kind() {
        std::io::ErrorKind::TimedOut => format!("checking the model with '{program}': {e}"),
        _ => format!("cannot start '{program}': {e}; {missing_program}"),
    })?;
    let answer: Value = serde_json::from_slice(&out.stdout).map_err(|_| {
        format!(
            "cannot check the model with '{program}': {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })?;
    if let Some(error) = answer.get("error").and_then(Value::as_str) {
        return Err(error.to_string());
    }
    let list = |k: &str| -> Vec<String> {
        answer
            .get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let schemas = answer
        .get("schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(slot, s)| Some((slot.parse().ok()?, s.clone())))
        .collect();
    Ok(Check {
        imports: list("imports"),
        missing: list("missing"),
        schemas,
    })
}

/// Run a compiler; its first error as one line (`first_error` reads its standard error).
fn compile(
    cmd: &mut Command,
    program: &str,
    missing_program: &str,
    first_error: fn(&str) -> String,
) -> Result<(), String> {
    let done = child::output_within(cmd, CHECK_LIMIT)
        .map_err(|e| format!("cannot start '{program}': {e}; {missing_program}"))?;
    if done.status.success() {
        Ok(())
    } else {
        Err(first_error(&String::from_utf8_lossy(&done.stderr)))
    }
}

/// A policy's own install command, run by the shell.
fn shell(command: &str) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c").arg(command);
    sh
}

/// Run an install command for `library` within `limit`.
fn installed(cmd: &mut Command, library: &str, limit: Duration) -> Result<(), String> {
    match child::output_within(cmd, limit) {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "installing {library} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .trim()
                .lines()
                .last()
                .unwrap_or("")
        )),
        Err(e) => Err(format!("installing {library} failed: {e}")),
    }
}

/// What runners are made from: the interpreters to use, where their support files go, and
/// the engine's background work (for runtimes installed on first use).
pub struct Settings {
    pub python: String,
    pub runtime: PathBuf,
    pub preparations: Arc<Preparations>,
}

type Make = fn(&Settings) -> std::io::Result<Arc<dyn Runner>>;

const RUNNERS: &[(&[&str], Make)] = &[
    (&["python", "python3"], python::make),
    (&["R", "r"], r::make),
    (&["java"], java::make),
    (&["c"], c::make),
    (&["pfa-json"], pfa::make_json),
    (&["pfa-yaml"], pfa::make_yaml),
    (&["pfa-pretty"], pfa::make_pretty),
];

/// The runners of an engine, by model type.
pub struct Runners(Vec<(&'static [&'static str], Arc<dyn Runner>)>);

impl Runners {
    pub fn new(settings: &Settings) -> std::io::Result<Runners> {
        let mut all = Vec::new();
        for (types, make) in RUNNERS {
            all.push((*types, make(settings)?));
        }
        Ok(Runners(all))
    }

    /// The runner for a model type, or why there is none.
    pub fn for_type(&self, mtype: &str) -> Result<Arc<dyn Runner>, String> {
        self.0
            .iter()
            .find(|(types, _)| types.contains(&mtype))
            .map(|(_, r)| r.clone())
            .ok_or_else(|| {
                let known: Vec<&str> = self.0.iter().flat_map(|(t, _)| t.iter().copied()).collect();
                format!(
                    "this engine has no runner for models of type {mtype} (it runs {})",
                    known.join(", ")
                )
            })
    }
}
