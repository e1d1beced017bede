//! PFA models (`pfa-json`, `pfa-yaml`, `pfa-pretty`), run by titus2 in a Python 3.11 venv
//! of their own (`pfa/fastscore_pfa.py`, which speaks the jet protocol with the Python
//! runner's own code). The document's `input` and `output` types are the schemas of slots
//! 0 and 1. The venv is `$FASTSCORE_PFA_PYTHON`'s, else one the engine makes once in
//! `~/.cache/fastscore/pfa-venv` with the pinned packages below.

use super::{Check, Runner, Settings};
use crate::engine::child;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const JET: &str = include_str!("pfa/fastscore_pfa.py");

/// What the PFA venv holds (titus2 needs NumPy before 2).
const REQUIREMENTS: &[&str] = &["titus2==1.2.0", "numpy==1.26.4"];

const MISSING: &str = "PFA models need titus2 in a Python 3.11 venv: set FASTSCORE_PFA_PYTHON \
                       to one with titus2==1.2.0 and numpy<2 (make test makes .venv-pfa), or \
                       let the engine make one (it needs python3.11 and the package index)";

/// Making the venv may take this long.
const SETUP_LIMIT: Duration = Duration::from_secs(600);

struct Pfa {
    format: &'static str,
    runner: PathBuf,
    /// The Python runner's directory, whose Channel and Jet the PFA jet uses.
    python_runtime: PathBuf,
    python: Mutex<Option<String>>,
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
        python: Mutex::new(None),
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

/// Run a setup step within what is left of the limit.
fn step(cmd: &mut Command, what: &str) -> Result<(), String> {
    match child::output_within(cmd, SETUP_LIMIT) {
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

impl Pfa {
    /// The Python with titus2: the user's, or the engine's own venv (made the first time).
    fn python(&self) -> Result<String, String> {
        let mut known = crate::sync::lock(&self.python);
        if let Some(p) = known.as_ref() {
            return Ok(p.clone());
        }
        let python = match std::env::var("FASTSCORE_PFA_PYTHON") {
            Ok(p) => p,
            Err(_) => {
                let cache = std::env::var_os("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                    .ok_or_else(|| MISSING.to_string())?;
                let venv = cache.join("fastscore/pfa-venv");
                let python = venv.join("bin/python");
                if !venv.join(".ready").exists() {
                    step(
                        Command::new("python3.11").arg("-m").arg("venv").arg(&venv),
                        "making the PFA venv with python3.11",
                    )
                    .map_err(|e| format!("{e}; {MISSING}"))?;
                    step(
                        Command::new(&python)
                            .args(["-m", "pip", "install", "--quiet"])
                            .args(REQUIREMENTS),
                        "installing titus2 into the PFA venv",
                    )
                    .map_err(|e| format!("{e}; {MISSING}"))?;
                    std::fs::write(venv.join(".ready"), REQUIREMENTS.join("\n"))
                        .map_err(|e| e.to_string())?;
                }
                python.display().to_string()
            }
        };
        *known = Some(python.clone());
        Ok(python)
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

    fn check(&self, sandbox: &Path, _callbacks: &BTreeMap<u32, String>) -> Result<Check, String> {
        let python = self.python()?;
        let mut cmd = self.command(&python);
        cmd.args(["--check", self.model_file()])
            .current_dir(sandbox);
        super::checked(&mut cmd, &python, MISSING)
    }

    fn jet_command(&self, sandbox: &Path) -> std::io::Result<Command> {
        let python = self.python().map_err(std::io::Error::other)?;
        let mut cmd = self.command(&python);
        cmd.current_dir(sandbox);
        Ok(cmd)
    }
}
