//! The avro-binary encoding against Python's own `avro` package: datums and object
//! containers it wrote are read by the engine, and the engine's output is read back by it.

mod support;
use serde_json::{json, Value};
use std::path::Path;
use support::{fixture, Env};

fn python_avro() -> String {
    let cli = std::env::var("FASTSCORE_TEST_ORIG_CLI")
        .expect("FASTSCORE_TEST_ORIG_CLI is not set: run the tests with `make test` (its venv has Python's avro)");
    Path::new(&cli)
        .with_file_name("python")
        .display()
        .to_string()
}

/// fixtures/avro/interop.py with `args`: its stdout.
fn interop(args: &[&str]) -> String {
    let out = std::process::Command::new(python_avro())
        .arg(fixture("avro/interop.py"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// 1000 records written by Python (`write` mode) go through the `double` model in file
/// streams with `envelope`; what Python reads back (`read` mode).
fn through_the_engine(
    env: &Env,
    avsc: &Path,
    (write, read): (&str, &str),
    envelope: Value,
) -> Vec<Value> {
    let input = env.work().join(format!("{write}.in"));
    let output = env.work().join(format!("{write}.out"));
    let schema = avsc.to_str().unwrap();
    interop(&[write, schema, input.to_str().unwrap(), "1000"]);
    for (name, path) in [("ain", &input), ("aout", &output)] {
        let mut doc =
            json!({"Transport": {"Type": "file", "Path": path}, "Encoding": "avro-binary"});
        if !envelope.is_null() {
            doc["Envelope"] = envelope.clone();
        }
        env.write(&format!("{name}.json"), doc.to_string());
        env.run(&["stream", "add", name, &format!("{name}.json")])
            .ok();
    }
    env.run(&["engine", "reset"]).ok();
    env.run(&["run", "double", "ain", "aout"]).ok();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while env.run(&["engine", "inspect"]).ok().stdout != "FINISHED\n" {
        assert!(std::time::Instant::now() < deadline, "not finished");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    interop(&[read, schema, output.to_str().unwrap()])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn datums_and_containers_written_by_python_are_scored_and_read_back_by_it() {
    let env = Env::new();
    let avsc = env.write(
        "r.avsc",
        r#"{"type": "record", "name": "r", "fields": [
        {"name": "id", "type": "int"}, {"name": "x", "type": "double"},
        {"name": "tag", "type": ["null", "string"]}]}"#,
    );
    env.run(&["schema", "add", "r", avsc.to_str().unwrap()])
        .ok();
    env.write(
        "double.py3",
        "# fastscore.schema.0: r\n# fastscore.schema.1: r\ndef action(rec):\n    rec['x'] = rec['x'] * 2\n    yield rec\n",
    );
    env.run(&["model", "add", "double", "double.py3"]).ok();
    // datums one after another, found in the byte stream by reading them
    let lines = through_the_engine(&env, &avsc, ("write", "read"), Value::Null);
    assert_eq!(lines.len(), 1000);
    assert_eq!(lines[0], json!({"id": 1, "x": 0.5, "tag": "r1"}));
    assert_eq!(lines[2], json!({"id": 3, "x": 1.5, "tag": null}));
    assert_eq!(lines[999]["x"], 500.0);
    // the same through Avro object containers, deflated both ways
    let envelope = json!({"Type": "ocf-block", "Compress": "deflate"});
    assert_eq!(
        through_the_engine(&env, &avsc, ("write-ocf", "read-ocf"), envelope),
        lines
    );
    // a delimited envelope is refused: the datums delimit themselves
    env.write(
        "bad.json",
        r#"{"Transport": "REST", "Encoding": "avro-binary", "Envelope": "delimited"}"#,
    );
    env.run(&["stream", "add", "bad", "bad.json"]).ok();
    let bad = env.run(&["stream", "verify", "bad", "0"]).expect(1);
    assert!(
        bad.stderr
            .contains("avro-binary records delimit themselves"),
        "{}",
        bad.stderr
    );
}
