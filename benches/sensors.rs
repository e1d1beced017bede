//! Sensors' cost (`make bench`): the echo model file → file with the eight default sensors
//! reporting every second, against an engine with none, in the same run, alternating.

mod common;

use common::Bench;

const RECORDS: usize = 1_000_000;
const ROUNDS: usize = 3;

fn main() {
    let b = Bench::new();
    std::fs::write(b.path("echo.py3"), "def action(r):\n    yield r\n").expect("model");
    b.ok(&["model", "add", "echo", "echo.py3"]);
    let input = b.records("in.jsons", RECORDS);
    // engine-1 keeps its default sensors; engine-2 has them all removed
    b.ok(&["use", "engine-2"]);
    b.ok(&["engine", "reset"]);
    for id in 1..=8 {
        b.ok(&["sensor", "uninstall", &id.to_string()]);
    }
    let installed = |engine: &str| {
        b.ok(&["use", engine]);
        b.ok(&["sensor", "inspect"])
            .lines()
            .count()
            .saturating_sub(2)
    };
    assert_eq!((installed("engine-1"), installed("engine-2")), (8, 0));
    let run = |engine: &str| {
        b.ok(&["use", engine]);
        b.ok(&["engine", "reset"]);
        let out = b.path(&format!("out-{engine}.jsons"));
        let secs = b.file_to_file("echo", &input, &out);
        let lines = std::fs::read(&out)
            .expect("output")
            .iter()
            .filter(|c| **c == b'\n')
            .count();
        assert_eq!(lines, RECORDS, "every record comes out");
        secs
    };
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        without.push(run("engine-2"));
        with.push(run("engine-1"));
    }
    let best = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
    let (w, wo) = (best(&with), best(&without));
    let rate = |s: f64| RECORDS as f64 / s;
    println!("sensors benchmark: echo model, {RECORDS} JSON records file → file, best of {ROUNDS} alternating runs");
    println!(
        "    no sensors                                 {wo:>6.2} s {:>9.0} records/s",
        rate(wo)
    );
    println!(
        "    the 8 default sensors, reporting every 1 s {w:>6.2} s {:>9.0} records/s",
        rate(w)
    );
    println!(
        "    ratio: {:.1}% of the rate without sensors",
        100.0 * wo / w
    );
    b.ok(&["engine", "stop", "engine-2"]);
}
