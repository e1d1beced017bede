//! PFA models (`pfa-json`, `pfa-yaml`, `pfa-pretty`), run by titus2 in a Python 3.11 venv
//! of their own (`pfa/fastscore_pfa.py`, which speaks the jet protocol with the Python
//! runner's own code). The document's `input` and `output` types are the schemas of slots
//! 0 and 1. The venv is `$FASTSCORE_PFA_PYTHON`'s, else one the engine makes on first use
//! in `~/.cache/fastscore/pfa-venv` with the pinned packages below: in the background
//! (`Preparations`), since it takes minutes, and under a lock file, since every engine of
//! the user shares it.

use super::{Check, Runner, Settings};
use crate::engine::child;
use crate::engine::preparations::{NotReady, Preparations, WORK_LIMIT};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

const JET: &str = include_str!("pfa/fastscore_pfa.py");

/// What the PFA venv holds (titus2 needs NumPy before 2).
const REQUIREMENTS: &[&str] = &["titus2==1.2.0", "numpy==1.26.4"];

const MISSING: &str = "PFA models need titus2 in a Python 3.11 venv: set FASTSCORE_PFA_PYTHON \
                       to one with titus2==1.2.0 and numpy<2 (make test makes .venv-pfa), or \
                       let the engine make one (it needs python3.11 and the package index)";

/// The background work of making the venv, in words.
const TASK: &str = "prepare the PFA runtime (titus2)";

struct Pfa {
    format: &'static str,
    runner: PathBuf,
    /// The Python runner's directory, whose Channel and Jet the PFA jet uses.
    python_runtime: PathBuf,
    preparations: Arc<Preparations>,
}

fn make(settings: &Settings, format: &'static str) -> std::io::Result<Arc<dyn Runner>> {
    let dir = settings.runtime.join("pfa");
    std::fs::create_dir_all(&dir)?;
    let runner = dir.join("fastscore_pfa.py");
    crate::fsutil::write_atomic(&runner, JET.as_bytes(), None)?;
    Ok(Arc::new(Pfa {
        format,
        runner,
        python_runtime: settings.runtime.join("python"),
        preparations: settings.preparations.clone(),
    }))
}

pub fn make_json(settings: &Settings) -> std::io::Result<Arc<dyn Runner>> {
    make(settings, "json")
}

pub fn make_yaml(settings: &Settings) -> std::io::Result<Arc<dyn Runner>> {
    make(settings, "yaml")
}

pub fn make_pretty(settings: &Settings) -> std::io::Result<Arc<dyn Runner>> {
    make(settings, "pretty")
}

/// Run a setup step within what is left until `deadline`.
fn step(cmd: &mut Command, what: &str, deadline: Instant) -> Result<(), String> {
    match child::output_within(cmd, deadline.saturating_duration_since(Instant::now())) {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .trim()
                .lines()
                .last()
                .unwrap_or("")
        )),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// The engine's own venv: `$XDG_CACHE_HOME/fastscore/pfa-venv`, else under `~/.cache`.
fn venv_dir() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("fastscore/pfa-venv"))
}

fn ready(venv: &Path) -> bool {
    venv.join(".ready").exists()
}

/// Make the venv, unless another engine made it while this one waited for the lock.
fn make_venv(venv: &Path) -> Result<(), String> {
    // both steps, and waiting for another engine making it
    let deadline = Instant::now() + WORK_LIMIT;
    let parent = venv.parent().unwrap_or(Path::new("."));
    let fail = |what: &str, e: std::io::Error| format!("{what} {}: {e}", parent.display());
    std::fs::create_dir_all(parent).map_err(|e| fail("cannot create", e))?;
    let lock = std::fs::File::create(parent.join("pfa-venv.lock"))
        .map_err(|e| fail("cannot create a lock file in", e))?;
    crate::fsutil::lock_within(&lock, WORK_LIMIT).map_err(|e| fail("cannot lock", e))?;
    if ready(venv) {
        return Ok(());
    }
    // what an interrupted try left behind
    match std::fs::remove_dir_all(venv) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(fail("cannot clear the PFA venv in", e))
        }
        _ => {}
    }
    step(
        Command::new("python3.11").arg("-m").arg("venv").arg(venv),
        "making the PFA venv with python3.11",
        deadline,
    )?;
    step(
        Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "--quiet"])
            .args(REQUIREMENTS),
        "installing titus2 into the PFA venv",
        deadline,
    )?;
    std::fs::write(venv.join(".ready"), REQUIREMENTS.join("\n"))
        .map_err(|e| fail("cannot mark the PFA venv ready in", e))
}

impl Pfa {
    /// The Python with titus2: the user's, or the engine's own venv once it is made.
    fn python(&self) -> Result<String, NotReady> {
        if let Ok(python) = std::env::var("FASTSCORE_PFA_PYTHON") {
            return Ok(python);
        }
        let venv = venv_dir().ok_or_else(|| NotReady::Failed(MISSING.to_string()))?;
        if !ready(&venv) {
            let target = venv.clone();
            self.preparations.done(TASK, move || {
                make_venv(&target).map_err(|e| format!("cannot {TASK}: {e}; {MISSING}"))
            })?;
        }
        Ok(venv.join("bin/python").display().to_string())
    }

    fn command(&self, python: &str) -> Command {
        let mut cmd = Command::new(python);
        cmd.arg(&self.runner)
            .arg(&self.python_runtime)
            .arg(self.format);
        cmd
    }
}

impl Runner for Pfa {
    fn program(&self) -> &str {
        "titus2"
    }

    fn model_file(&self) -> &'static str {
        "__model.pfa"
    }

    /// PFA documents carry no smart comments: slots 0 and 1, call-back style.
    fn slot_map(&self, _source: &str) -> Result<super::SlotMap, String> {
        super::annotations::slot_map("")
    }

    fn runtime(&self) -> Result<(), NotReady> {
        self.python().map(drop)
    }

    fn check(&self, sandbox: &Path, _callbacks: &BTreeMap<u32, String>) -> Result<Check, String> {
        let python = self.python().map_err(|n| n.to_string())?;
        let mut cmd = self.command(&python);
        cmd.args(["--check", self.model_file()])
            .current_dir(sandbox);
        super::checked(&mut cmd, &python, MISSING)
    }

    fn jet_command(&self, sandbox: &Path) -> std::io::Result<Command> {
        let python = self
            .python()
            .map_err(|n| std::io::Error::other(n.to_string()))?;
        let mut cmd = self.command(&python);
        cmd.current_dir(sandbox);
        Ok(cmd)
    }
}
