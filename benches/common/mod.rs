//! What the engine benchmarks share: a temporary HOME and store, `fastscore` run in them
//! with the models' Python, and the engines stopped at the end.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Bench {
    pub dir: tempfile::TempDir,
    pub python: String,
}

impl Bench {
    pub fn new() -> Bench {
        let bench = Bench {
            dir: tempfile::tempdir().expect("temp dir"),
            python: python(),
        };
        std::fs::create_dir_all(bench.path("home")).expect("home");
        bench
    }

    pub fn fastscore(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fastscore"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.dir.path().join("home"))
            .env("FASTSCORE_HOME", self.dir.path().join("store"))
            .env("FASTSCORE_PYTHON", &self.python);
        cmd
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.fastscore(args).output().expect("run fastscore");
        assert!(
            out.status.success(),
            "fastscore {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        let _ = self.fastscore(&["engine", "stop"]).output();
    }
}

/// $FASTSCORE_PYTHON, else the project's .venv, else python3.
fn python() -> String {
    std::env::var("FASTSCORE_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| {
            let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
            if venv.exists() {
                venv.display().to_string()
            } else {
                "python3".into()
            }
        })
}
