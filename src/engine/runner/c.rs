//! C models: `begin`, `action(fastscore_value_t, int slot, int seqno)` and `end1`, with
//! `fastscore_emit`, as the original C runner defined them (`c/fastscore.h`, values in
//! Jansson). A model is compiled at load into a shared object with `gcc`, kept per source
//! in the engine's runtime directory, and loaded by `c/fastscore_runner.c`, the jet.

use super::{Check, Runner, Settings};
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

const HEADER: &str = include_str!("c/fastscore.h");
const RUNNER: &str = include_str!("c/fastscore_runner.c");

const MISSING: &str =
    "C models need gcc and the Jansson library: install gcc and libjansson-dev (apt)";

struct C {
    gcc: String,
    dir: PathBuf,
    /// Compiles one at a time (the runner, a model).
    compiling: Mutex<()>,
}

pub fn make(settings: &Settings) -> std::io::Result<Arc<dyn Runner>> {
    let dir = settings.runtime.join("c");
    std::fs::create_dir_all(&dir)?;
    crate::fsutil::write_atomic(&dir.join("fastscore.h"), HEADER.as_bytes(), None)?;
    crate::fsutil::write_atomic(&dir.join("fastscore_runner.c"), RUNNER.as_bytes(), None)?;
    Ok(Arc::new(C {
        gcc: std::env::var("CC").unwrap_or_else(|_| "gcc".into()),
        dir,
        compiling: Mutex::new(()),
    }))
}

/// gcc's first error as one line: `compile error: <what> (<file>, line <n>)`.
fn compile_error(stderr: &str) -> String {
    static ERROR: std::sync::LazyLock<regex_lite::Regex> = std::sync::LazyLock::new(|| {
        regex_lite::Regex::new(r"(?m)^(?:.*/)?([^/\s:]+):(\d+):(?:\d+:)? (?:fatal )?error: (.*)$")
            .expect("static pattern")
    });
    if stderr.contains("jansson.h: No such file") {
        return MISSING.to_string();
    }
    match ERROR.captures(stderr) {
        Some(c) => format!("compile error: {} ({}, line {})", &c[3], &c[1], &c[2]),
        None => format!(
            "compile error: {}",
            stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("gcc failed")
        ),
    }
}

impl C {
    fn gcc(
        &self,
        args: &[&str],
        sources: &[&Path],
        out: &Path,
        libs: &[&str],
    ) -> Result<(), String> {
        let mut cmd = Command::new(&self.gcc);
        // plain quotes in messages, whatever the locale
        cmd.env("LC_ALL", "C")
            .args(["-O2", "-I"])
            .arg(&self.dir)
            .args(args)
            .arg("-o")
            .arg(out)
            .args(sources)
            .args(libs);
        super::compile(&mut cmd, &self.gcc, MISSING, compile_error)
    }

    /// The jet program, compiled once; it exports `fastscore_emit` to the models it loads.
    fn runner(&self) -> Result<PathBuf, String> {
        let program = self.dir.join("fastscore_runner");
        if program.exists() {
            return Ok(program);
        }
        let tmp = self.dir.join(format!(
            "fastscore_runner-{}",
            crate::engine::prepare::random_id()
        ));
        self.gcc(
            &["-rdynamic"],
            &[&self.dir.join("fastscore_runner.c")],
            &tmp,
            &["-ljansson", "-ldl", "-lm"],
        )?;
        std::fs::rename(&tmp, &program).map_err(|e| format!("cannot keep the C runner: {e}"))?;
        Ok(program)
    }

    /// The model in `sandbox` compiled: the runner and the model's shared object.
    fn compiled(&self, sandbox: &Path) -> Result<(PathBuf, PathBuf), String> {
        let _one = crate::sync::lock(&self.compiling);
        let runner = self.runner()?;
        let source = std::fs::read(sandbox.join(self.model_file()))
            .map_err(|e| format!("cannot read the model: {e}"))?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        source.hash(&mut hasher);
        let dir = self
            .dir
            .join("models")
            .join(format!("{:016x}", hasher.finish()));
        let object = dir.join("model.so");
        if !object.exists() {
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let tmp = dir.join("model-new.so");
            self.gcc(
                &["-shared", "-fPIC"],
                &[&sandbox.join(self.model_file())],
                &tmp,
                &["-ljansson", "-lm"],
            )?;
            std::fs::rename(&tmp, &object).map_err(|e| e.to_string())?;
        }
        Ok((runner, object))
    }
}

impl Runner for C {
    fn program(&self) -> &str {
        &self.gcc
    }

    fn model_file(&self) -> &'static str {
        "__model.c"
    }

    fn check(&self, sandbox: &Path, _callbacks: &BTreeMap<u32, String>) -> Result<Check, String> {
        let (runner, object) = self.compiled(sandbox)?;
        let mut cmd = Command::new(&runner);
        cmd.arg("--check").arg(&object).current_dir(sandbox);
        super::checked(&mut cmd, &runner.display().to_string(), MISSING)
    }

    fn jet_command(&self, sandbox: &Path) -> std::io::Result<Command> {
        let (runner, object) = self.compiled(sandbox).map_err(std::io::Error::other)?;
        let mut cmd = Command::new(runner);
        cmd.arg(object).current_dir(sandbox);
        Ok(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_errors_name_the_line() {
        assert_eq!(
            compile_error("/x/__model.c: In function 'action':\n/x/__model.c:7:5: error: expected ';' before '}' token\n"),
            "compile error: expected ';' before '}' token (__model.c, line 7)"
        );
        assert_eq!(
            compile_error(
                "/x/fastscore.h:13:10: fatal error: jansson.h: No such file or directory"
            ),
            MISSING
        );
    }
}
