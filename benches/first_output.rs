//! First-output latency (`make bench`): a model that takes 20 ms a record, 200 records in
//! one batch, file → file; how long until its first output is in the output file, against
//! one record's time and the whole batch's, in the same run.

mod common;

use common::Bench;
use std::time::{Duration, Instant};

const RECORDS: usize = 200;
const PER_RECORD: Duration = Duration::from_millis(20);

fn main() {
    let b = Bench::new();
    let model = format!(
        "import time\ndef action(x):\n    time.sleep({})\n    yield x\n",
        PER_RECORD.as_secs_f64()
    );
    std::fs::write(b.path("slow.py3"), model).expect("model");
    b.ok(&["model", "add", "slow", "slow.py3"]);
    let input = b.records("in.jsons", RECORDS);
    let output = b.path("out.jsons");
    let mut firsts = Vec::new();
    let mut alls = Vec::new();
    for _ in 0..3 {
        b.ok(&["engine", "reset"]);
        let _ = std::fs::remove_file(&output);
        // the job starts when `run` returns (its jets are up)
        b.ok(&[
            "run",
            "slow",
            &format!("file:{}", input.display()),
            &format!("file:{}", output.display()),
        ]);
        let start = Instant::now();
        let mut first = None;
        loop {
            let lines = std::fs::read(&output)
                .map(|t| t.iter().filter(|c| **c == b'\n').count())
                .unwrap_or(0);
            if lines > 0 && first.is_none() {
                first = Some(start.elapsed());
            }
            if lines == RECORDS {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "only {lines} outputs"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        firsts.push(first.unwrap_or_default());
        alls.push(start.elapsed());
    }
    let best = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("first-output benchmark: {RECORDS} records of {} ms each in one batch, file → file, best of 3", ms(PER_RECORD));
    println!(
        "    one record's time (the model alone)         {:>8.1} ms",
        ms(PER_RECORD)
    );
    println!(
        "    first output in the output file             {:>8.1} ms",
        ms(best(&firsts))
    );
    println!(
        "    every output (the whole batch)              {:>8.1} ms",
        ms(best(&alls))
    );
    b.ok(&["engine", "reset"]);
}
