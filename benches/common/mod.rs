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

    /// `n` JSON records `{"x": i, "name": "r<i>"}`, one per line, in the file `name`.
    #[allow(dead_code)] // not every benchmark writes these records
    pub fn records(&self, name: &str, n: usize) -> PathBuf {
        use std::io::Write;
        let path = self.path(name);
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("input"));
        for i in 0..n {
            writeln!(f, "{{\"x\": {i}, \"name\": \"r{i}\"}}").expect("write");
        }
        f.flush().expect("flush");
        path
    }

    /// `run <model> file:<input> file:<output> -wait` on the current engine: its seconds.
    #[allow(dead_code)] // not every benchmark runs file to file
    pub fn file_to_file(&self, model: &str, input: &Path, output: &Path) -> f64 {
        let start = std::time::Instant::now();
        self.ok(&[
            "run",
            model,
            &format!("file:{}", input.display()),
            &format!("file:{}", output.display()),
            "-wait",
        ]);
        start.elapsed().as_secs_f64()
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
