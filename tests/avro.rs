//! The avro-binary encoding against Python's own `avro` package: datums it wrote are read by
//! the engine, and the engine's output is read back by it.

mod support;
use support::{fixture, Env};

fn python_avro() -> String {
    let cli = std::env::var("FASTSCORE_TEST_ORIG_CLI")
        .expect("FASTSCORE_TEST_ORIG_CLI is not set: run the tests with `make test` (its venv has Python's avro)");
    std::path::Path::new(&cli)
        .with_file_name("python")
        .display()
        .to_string()
}

#[test]
fn datums_written_by_python_are_scored_and_read_back_by_it() {
    let env = Env::new();
    let schema = r#"{"type": "record", "name": "r", "fields": [
        {"name": "id", "type": "int"}, {"name": "x", "type": "double"},
        {"name": "tag", "type": ["null", "string"]}]}"#;
    let avsc = env.write("r.avsc", schema);
    env.run(&["schema", "add", "r", avsc.to_str().unwrap()])
        .ok();
    env.write(
        "double.py3",
        "# fastscore.schema.0: r\n# fastscore.schema.1: r\ndef action(rec):\n    rec['x'] = rec['x'] * 2\n    yield rec\n",
    );
    env.run(&["model", "add", "double", "double.py3"]).ok();
    let input = env.work().join("in.avro");
    let output = env.work().join("out.avro");
    let py = python_avro();
    let script = fixture("avro/interop.py");
    let wrote = std::process::Command::new(&py)
        .args([
            script.to_str().unwrap(),
            "write",
            avsc.to_str().unwrap(),
            input.to_str().unwrap(),
            "1000",
        ])
        .status()
        .unwrap();
    assert!(wrote.success());
    let stream = |name: &str, path: &std::path::Path| {
        let doc = serde_json::json!({"Transport": {"Type": "file", "Path": path}, "Encoding": "avro-binary"});
        env.write(&format!("{name}.json"), doc.to_string());
        env.run(&["stream", "add", name, &format!("{name}.json")])
            .ok();
    };
    stream("ain", &input);
    stream("aout", &output);
    env.run(&["run", "double", "ain", "aout"]).ok();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while env.run(&["engine", "inspect"]).ok().stdout != "FINISHED\n" {
        assert!(std::time::Instant::now() < deadline, "not finished");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let read = std::process::Command::new(&py)
        .args([
            script.to_str().unwrap(),
            "read",
            avsc.to_str().unwrap(),
            output.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&read.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1000);
    assert_eq!(
        lines[0],
        serde_json::json!({"id": 1, "x": 0.5, "tag": "r1"})
    );
    assert_eq!(
        lines[2],
        serde_json::json!({"id": 3, "x": 1.5, "tag": null})
    );
    assert_eq!(lines[999]["x"], 500.0);
    // the same through Avro object containers, deflated both ways
    env.run(&["engine", "reset"]).ok();
    let ocf_in = env.work().join("in.ocf");
    let ocf_out = env.work().join("out.ocf");
    let wrote = std::process::Command::new(&py)
        .args([
            script.to_str().unwrap(),
            "write-ocf",
            avsc.to_str().unwrap(),
            ocf_in.to_str().unwrap(),
            "1000",
        ])
        .status()
        .unwrap();
    assert!(wrote.success());
    let container = |name: &str, path: &std::path::Path| {
        let doc = serde_json::json!({"Transport": {"Type": "file", "Path": path}, "Encoding": "avro-binary",
                                     "Envelope": {"Type": "ocf-block", "Compress": "deflate"}});
        env.write(&format!("{name}.json"), doc.to_string());
        env.run(&["stream", "add", name, &format!("{name}.json")])
            .ok();
    };
    container("oin", &ocf_in);
    container("oout", &ocf_out);
    env.run(&["run", "double", "oin", "oout"]).ok();
    while env.run(&["engine", "inspect"]).ok().stdout != "FINISHED\n" {
        assert!(std::time::Instant::now() < deadline, "not finished");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let read = std::process::Command::new(&py)
        .args([
            script.to_str().unwrap(),
            "read-ocf",
            avsc.to_str().unwrap(),
            ocf_out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let again: Vec<serde_json::Value> = String::from_utf8_lossy(&read.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(again, lines);
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
