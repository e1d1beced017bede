//! Start-up time: `fastscore help` and `fastscore model list` against a bare Python start
//! (`python3 -S -c pass`), measured in the same run. `make bench` runs it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 200;

fn measure(label: &str, mut make: impl FnMut() -> Command) -> Duration {
    // warm the page cache first
    for _ in 0..5 {
        make().status().expect("run");
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let mut cmd = make();
            let start = Instant::now();
            let status = cmd.status().expect("run");
            let elapsed = start.elapsed();
            assert!(status.success(), "{label} failed");
            elapsed
        })
        .collect();
    times.sort();
    let median = times[RUNS / 2];
    let p90 = times[RUNS * 9 / 10];
    println!(
        "{label:<32} median {:>7.2} ms   p90 {:>7.2} ms",
        ms(median),
        ms(p90)
    );
    median
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let exe = env!("CARGO_BIN_EXE_fastscore");
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    let store = dir.path().join("store");
    std::fs::create_dir_all(&home).expect("home");
    let source = dir.path().join("m.py3");
    std::fs::write(&source, "def action(x):\n  yield x\n").expect("model");
    let fastscore = |args: &[&str]| {
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .env("HOME", &home)
            .env("FASTSCORE_HOME", &store)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };
    for i in 0..20 {
        let name = format!("model-{i}");
        fastscore(&["model", "add", &name, source.to_str().expect("path")])
            .status()
            .expect("model add");
    }

    // the interpreter itself, not a wrapper such as a pyenv shim in front of it
    let python_exe = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .expect("python3");
    println!("start-up, {RUNS} runs each; python3 is {python_exe}");
    let python = measure("python3 -S -c pass (baseline)", || {
        let mut cmd = Command::new(&python_exe);
        cmd.args(["-S", "-c", "pass"]).stdout(Stdio::null());
        cmd
    });
    let help = measure("fastscore help", || fastscore(&["help"]));
    let list = measure("fastscore model list (20 models)", || {
        fastscore(&["model", "list"])
    });
    println!();
    println!(
        "fastscore help       / python3 -S: {:.2}",
        ms(help) / ms(python)
    );
    println!(
        "fastscore model list / python3 -S: {:.2}",
        ms(list) / ms(python)
    );
}
