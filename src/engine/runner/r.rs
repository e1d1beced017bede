//! R models (call-back conformance: `action`, `begin`, `end`, `emit`, `emitTo`), run by
//! `r/fastscore_runner.R` in `Rscript` (`FASTSCORE_RSCRIPT`, else `Rscript`) with jsonlite.

use super::{Check, Runner, Settings};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

const RUNNER: &str = include_str!("r/fastscore_runner.R");

/// What to install when R is missing.
const INSTALL_R: &str = "R models need R and its jsonlite package: install r-base-core and \
                         r-cran-jsonlite (apt), or set FASTSCORE_RSCRIPT to an Rscript";

struct R {
    rscript: String,
    runner: PathBuf,
}

pub fn make(settings: &Settings) -> std::io::Result<Arc<dyn Runner>> {
    let dir = settings.runtime.join("r");
    std::fs::create_dir_all(&dir)?;
    let runner = dir.join("fastscore_runner.R");
    crate::fsutil::write_atomic(&runner, RUNNER.as_bytes(), None)?;
    Ok(Arc::new(R {
        rscript: std::env::var("FASTSCORE_RSCRIPT").unwrap_or_else(|_| "Rscript".into()),
        runner,
    }))
}

impl Runner for R {
    fn program(&self) -> &str {
        &self.rscript
    }

    fn model_file(&self) -> &'static str {
        "__model.R"
    }

    fn check(&self, sandbox: &Path, callbacks: &BTreeMap<u32, String>) -> Result<Check, String> {
        let callbacks = serde_json::to_string(callbacks).unwrap_or_else(|_| "{}".into());
        let mut cmd = Command::new(&self.rscript);
        cmd.arg(&self.runner)
            .args(["--check", self.model_file(), &callbacks])
            .current_dir(sandbox);
        super::checked(&mut cmd, &self.rscript, INSTALL_R)
    }

    fn jet_command(&self, sandbox: &Path) -> std::io::Result<Command> {
        let mut cmd = Command::new(&self.rscript);
        cmd.arg(&self.runner).current_dir(sandbox);
        Ok(cmd)
    }

    fn install(&self, library: &str, command: Option<&str>, limit: Duration) -> Result<(), String> {
        let mut cmd = match command {
            Some(command) => super::shell(command),
            None => {
                let mut r = Command::new(&self.rscript);
                r.arg("-e").arg(format!(
                    "install.packages({}, repos = 'https://cloud.r-project.org')",
                    serde_json::to_string(library).unwrap_or_default()
                ));
                r
            }
        };
        super::installed(&mut cmd, library, limit)
    }
}
