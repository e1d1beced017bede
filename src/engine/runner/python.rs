//! Python models (both conformance styles), run in the user's own Python (`FASTSCORE_PYTHON`,
//! else `python3`) by `python/fastscore_runner.py`, which this binary carries and writes
//! into the engine's runtime directory together with the `fastscore` package models import.

use super::{Check, Runner, Settings};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

const FILES: &[(&str, &str)] = &[
    (
        "fastscore_runner.py",
        include_str!("python/fastscore_runner.py"),
    ),
    (
        "fastscore/__init__.py",
        include_str!("python/fastscore/__init__.py"),
    ),
    ("fastscore/io.py", include_str!("python/fastscore/io.py")),
    (
        "fastscore_columns.py",
        include_str!("python/fastscore_columns.py"),
    ),
];

struct Python {
    python: String,
    runner: PathBuf,
}

pub fn make(settings: &Settings) -> std::io::Result<Arc<dyn Runner>> {
    let dir = settings.runtime.join("python");
    std::fs::create_dir_all(dir.join("fastscore"))?;
    for (file, text) in FILES {
        crate::fsutil::write_atomic(&dir.join(file), text.as_bytes(), None)?;
    }
    Ok(Arc::new(Python {
        python: settings.python.clone(),
        runner: dir.join("fastscore_runner.py"),
    }))
}

impl Runner for Python {
    fn program(&self) -> &str {
        &self.python
    }

    fn model_file(&self) -> &'static str {
        "__model.py"
    }

    fn columns(&self) -> bool {
        true
    }

    fn check(&self, sandbox: &Path, callbacks: &BTreeMap<u32, String>) -> Result<Check, String> {
        let callbacks = serde_json::to_string(callbacks).unwrap_or_else(|_| "{}".into());
        let mut cmd = Command::new(&self.python);
        cmd.arg(&self.runner)
            .args(["--check", self.model_file(), &callbacks])
            .current_dir(sandbox);
        super::checked(
            &mut cmd,
            &self.python,
            "set FASTSCORE_PYTHON to a Python 3 interpreter",
        )
    }

    fn jet_command(&self, sandbox: &Path) -> std::io::Result<Command> {
        let mut cmd = Command::new(&self.python);
        cmd.arg(&self.runner).current_dir(sandbox);
        Ok(cmd)
    }

    fn install(&self, library: &str, command: Option<&str>, limit: Duration) -> Result<(), String> {
        let mut cmd = match command {
            Some(command) => super::shell(command),
            None => {
                let mut pip = Command::new(&self.python);
                pip.args(["-m", "pip", "install", library]);
                pip
            }
        };
        super::installed(&mut cmd, library, limit)
    }
}
