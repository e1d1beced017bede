//! Engine benchmarks, each against a baseline run in the same process (`make bench`):
//! (a) file→file throughput of an echo model vs a bare Python loop over the same file,
//! (b) round-trip latency vs the engine's health call (same HTTP path, no model),
//! (c) iris predictions/s through the engine vs predict_proba called directly,
//! (d) `model input` records/s vs posting one record per request (the original protocol),
//! (e) concurrent round trips to a record-set model, gathered vs one record set each.

mod common;

use common::Bench;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RECORDS: usize = 1_000_000;
const ROUND_TRIPS: usize = 5_000;
const IRIS_RECORDS: usize = 200_000;
const GATHER_CLIENTS: usize = 16;
const GATHER_TRIPS: usize = 500;

impl Bench {
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    /// Seconds the Python snippet reports (it prints them last).
    fn python_seconds(&self, script: &str) -> f64 {
        let out = Command::new(&self.python)
            .args(["-c", script])
            .current_dir(self.dir.path())
            .output()
            .expect("python");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .expect("seconds")
    }

    /// The engine's address and the token its requests carry.
    fn engine_url(&self) -> (String, String) {
        let text = std::fs::read_to_string(self.path("store/engines/engine-1/engine.json"))
            .expect("engine.json");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
        let field = |k: &str| doc[k].as_str().expect(k).to_string();
        (
            field("url").trim_start_matches("http://").to_string(),
            field("token"),
        )
    }
}

fn main() {
    let bench = Bench::new();
    println!("engine benchmarks; models run in {}", bench.python);
    // `cargo bench --bench engine -- c` runs only part (c)
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    type Part = fn(&Bench);
    let parts: [(&str, Part); 5] = [
        ("a", throughput),
        ("b", latency),
        ("d", model_input),
        ("c", iris),
        ("e", gathered_round_trips),
    ];
    for (name, part) in parts {
        if only.is_empty() || only.iter().any(|o| o == name) {
            part(&bench);
        }
    }
}

fn rate(n: usize, secs: f64) -> String {
    format!("{:>10.0} records/s", n as f64 / secs)
}

/// (a) 1M records file→file through an echo model with schema checks on both sides.
fn throughput(b: &Bench) {
    let input = b.path("in.jsons");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&input).expect("input"));
    for i in 0..RECORDS {
        writeln!(
            f,
            "{{\"x\": {i}, \"y\": {}, \"name\": \"r{i}\"}}",
            i as f64 * 0.5
        )
        .expect("write");
    }
    f.flush().expect("flush");
    drop(f);
    b.write("rec.avsc", r#"{"type": "record", "name": "r", "fields": [{"name": "x", "type": "long"}, {"name": "y", "type": "double"}, {"name": "name", "type": "string"}]}"#);
    b.ok(&["schema", "add", "rec", "rec.avsc"]);
    b.write(
        "echo.py3",
        "# fastscore.schema.0: rec\n# fastscore.schema.1: rec\ndef action(r):\n    yield r\n",
    );
    b.ok(&["model", "add", "echo", "echo.py3"]);
    let baseline = b.python_seconds(
        "import json, time\ndef action(r):\n    yield r\nt = time.perf_counter()\n\
         with open('in.jsons') as f, open('base.jsons', 'w') as o:\n    for line in f:\n        for y in action(json.loads(line)):\n            o.write(json.dumps(y))\n            o.write('\\n')\n\
         print(time.perf_counter() - t)",
    );
    b.ok(&["engine", "reset"]);
    let out = b.path("out.jsons");
    let ours = b.file_to_file("echo", &input, &out);
    let lines = BufReader::new(std::fs::File::open(&out).expect("output"))
        .lines()
        .count();
    assert_eq!(lines, RECORDS, "every record comes out");
    println!("\n(a) echo model, {RECORDS} JSON records file→file, schema checks on");
    println!(
        "    bare Python loop (json.loads → action → json.dumps)  {:>7.2} s {}",
        baseline,
        rate(RECORDS, baseline)
    );
    println!(
        "    fastscore run … -wait (incl. model start)          {:>7.2} s {}",
        ours,
        rate(RECORDS, ours)
    );
    println!(
        "    ratio: {:.0}% of the bare loop's rate (target ≥ 70%)",
        100.0 * baseline / ours
    );
}

/// One keep-alive HTTP connection to the engine.
struct Conn {
    stream: BufReader<TcpStream>,
    host: String,
    token: String,
}

impl Conn {
    fn new((host, token): &(String, String)) -> Conn {
        let stream = TcpStream::connect(host).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Conn {
            stream: BufReader::new(stream),
            host: host.to_string(),
            token: token.to_string(),
        }
    }

    fn request(&mut self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\n\r\n",
            self.host,
            self.token,
            body.len()
        );
        let mut req = head.into_bytes();
        req.extend_from_slice(body);
        self.stream.get_mut().write_all(&req).expect("send");
        let mut status_line = String::new();
        self.stream.read_line(&mut status_line).expect("status");
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status code");
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).expect("header");
            if line.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().expect("length");
                }
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).expect("body");
        (status, body)
    }
}

fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(times[times.len() / 2]),
        ms(times[times.len() * 99 / 100]),
    )
}

/// (b) Round trips through the echo model vs the engine's health call.
fn latency(b: &Bench) {
    b.write("trip.json", r#"{"Transport": "REST", "Encoding": "json", "Batching": {"NagleTime": 0, "Watermark": null}}"#);
    b.ok(&["stream", "add", "rest-trip", "trip.json"]);
    b.ok(&["engine", "reset"]);
    b.ok(&["run", "echo", "rest-trip", "rest-trip"]);
    let mut conn = Conn::new(&b.engine_url());
    let record = br#"{"x": 1, "y": 0.5, "name": "r1"}"#;
    let mut trips = Vec::with_capacity(ROUND_TRIPS);
    let mut health = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..ROUND_TRIPS + 500 {
        let t = Instant::now();
        let (status, body) = conn.request("POST", "/2/active/model/roundtrip/0/1", record);
        let trip = t.elapsed();
        assert_eq!((status, body.as_slice()), (200, &record[..]), "round trip");
        let t = Instant::now();
        let (status, _) = conn.request("GET", "/1/health", b"");
        let h = t.elapsed();
        assert_eq!(status, 200);
        if i >= 500 {
            trips.push(trip);
            health.push(h);
        }
    }
    let (tp50, tp99) = percentiles(trips);
    let (hp50, hp99) = percentiles(health);
    println!(
        "\n(b) round trip latency, echo model, {ROUND_TRIPS} sequential requests on one connection"
    );
    println!(
        "    GET /1/health (HTTP only, no model)       p50 {hp50:>6.3} ms   p99 {hp99:>6.3} ms"
    );
    println!(
        "    POST /2/active/model/roundtrip/0/1        p50 {tp50:>6.3} ms   p99 {tp99:>6.3} ms"
    );
    println!(
        "    the model path adds {:.3} ms at p50 (target: round trip p50 < 0.5 ms)",
        tp50 - hp50
    );
}

/// (d) `model input` of 1M records, bulk, vs one request per record.
fn model_input(b: &Bench) {
    b.ok(&["engine", "reset"]);
    b.ok(&["run", "echo", "rest:", "discard:"]);
    let start = Instant::now();
    let status = b
        .fastscore(&["model", "input"])
        .stdin(std::fs::File::open(b.path("in.jsons")).expect("input"))
        .stdout(Stdio::null())
        .status()
        .expect("model input");
    let ours = start.elapsed().as_secs_f64();
    assert!(status.success(), "model input failed");
    let mut conn = Conn::new(&b.engine_url());
    let lines: Vec<String> =
        BufReader::new(std::fs::File::open(b.path("in.jsons")).expect("input"))
            .lines()
            .take(20_000)
            .map(|l| l.expect("line"))
            .collect();
    let start = Instant::now();
    for line in &lines {
        let (status, _) = conn.request("POST", "/1/job/input/0", line.as_bytes());
        assert_eq!(status, 204);
    }
    let per_record = start.elapsed().as_secs_f64();
    println!("\n(d) fastscore model input, {RECORDS} records from stdin to a REST stream (echo → discard:)");
    println!(
        "    one POST per record (the original protocol), 20000 records {}",
        rate(lines.len(), per_record)
    );
    println!(
        "    fastscore model input (bulk requests)          {:>7.2} s {}",
        ours,
        rate(RECORDS, ours)
    );
    println!(
        "    ratio: {:.1}× the per-record rate",
        (RECORDS as f64 / ours) / (lines.len() as f64 / per_record)
    );
}

/// The iris schemas and the xgboost attachment in the store, and the first iris records;
/// `None` when the models' Python lacks pandas or xgboost.
fn iris_setup(b: &Bench) -> Option<Vec<String>> {
    let ok = Command::new(&b.python)
        .args(["-c", "import pandas, xgboost, sklearn"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        println!(
            "\n(c, e) skipped: {} has no pandas/xgboost (run `make bench`)",
            b.python
        );
        return None;
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let attachment = std::env::var("FASTSCORE_TEST_ATTACHMENT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest.join("target/fixtures/xgboost_explicit.tar.gz"));
    assert!(
        attachment.exists(),
        "{} is missing: run `make bench`",
        attachment.display()
    );
    for (name, file) in [
        ("xgboost_input", "xgboost_iris_input.avsc"),
        ("xgboost_output", "xgboost_iris_output.avsc"),
    ] {
        let path = manifest.join("fixtures/guide").join(file);
        b.ok(&["schema", "add", name, path.to_str().expect("path")]);
    }
    let copy = b.path("xgboost_explicit.tar.gz");
    std::fs::copy(&attachment, &copy).expect("attachment");
    std::process::Command::new("tar")
        .arg("xzf")
        .arg(&copy)
        .current_dir(b.dir.path())
        .status()
        .expect("tar");
    Some(
        std::fs::read_to_string(manifest.join("fixtures/guide/xgboost_iris_inputs.jsons"))
            .expect("iris inputs")
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

/// (c) The guide's iris model with DataFrame batches vs predict_proba on the same batches.
fn iris(b: &Bench) {
    let Some(rows) = iris_setup(b) else {
        return;
    };
    let mut text = String::new();
    for i in 0..IRIS_RECORDS {
        text.push_str(&rows[i % rows.len()]);
        text.push('\n');
    }
    let input = b.write("iris.jsons", &text);
    // the guide's model, with the prediction frame written at once (one record per row)
    let model = "#fastscore.action: unused\n#fastscore.schema.0: xgboost_input\n#fastscore.schema.1: xgboost_output\n#fastscore.module-attached: xgboost\n\
                 from fastscore.io import Slot\nimport pickle\nimport pandas as pd\n\
                 model = pickle.load(open('xgboost_explicit.pkl', 'rb'))\n\
                 for df in Slot(0):\n    preds = model.predict_proba(data=df[['sepal_length', 'sepal_width', 'petal_length', 'petal_width']])\n    Slot(1).write(pd.DataFrame(preds, columns=['A', 'B', 'C']))\n";
    b.write("iris.py3", model);
    b.ok(&["model", "add", "iris", "iris.py3"]);
    b.ok(&["attachment", "upload", "iris", "xgboost_explicit.tar.gz"]);
    let predict = String::from(
        "import json, pickle, time, pandas as pd\n\
         rows = [json.loads(l) for l in open('iris.jsons')]\n\
         batches = [pd.DataFrame(rows[i:i + 1000]) for i in range(0, len(rows), 1000)]\n\
         model = pickle.load(open('xgboost_explicit.pkl', 'rb'))\n\
         f = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']\n\
         t = time.perf_counter()\n\
         for df in batches:\n    model.predict_proba(data=df[f])\n\
         print(time.perf_counter() - t)",
    );
    // the model's start (importing xgboost, unpickling) is left out: the scoring time runs
    // from the first predictions in the output file to its last change
    let scoring = || {
        b.ok(&["engine", "reset"]);
        let out = b.path("iris.out.jsons");
        let _ = std::fs::remove_file(&out);
        let started = Instant::now();
        let mut run = b
            .fastscore(&[
                "run",
                "iris",
                &format!("file:{}", input.display()),
                &format!("file:{}", out.display()),
                "-wait",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("run");
        let size = || std::fs::metadata(&out).map_or(0, |m| m.len());
        let mut first: Option<(Instant, u64)> = None;
        let mut last = (started, 0);
        loop {
            let now = size();
            if now != last.1 {
                last = (Instant::now(), now);
                first.get_or_insert(last);
            }
            if run.try_wait().expect("run").is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let whole = started.elapsed().as_secs_f64();
        let text = std::fs::read_to_string(&out).expect("output");
        assert_eq!(text.lines().count(), IRIS_RECORDS);
        let (first_at, first_size) = first.expect("outputs");
        let before = text.as_bytes()[..first_size as usize]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        let start_up = first_at.duration_since(started).as_secs_f64();
        let steady = last.0.duration_since(first_at).as_secs_f64();
        (whole, start_up, steady, IRIS_RECORDS - before)
    };
    // this machine's speed varies from run to run: the best of three on each side
    let best = |runs: Vec<(f64, f64, f64, usize)>| {
        runs.into_iter()
            .max_by(|x, y| (x.3 as f64 / x.2).total_cmp(&(y.3 as f64 / y.2)))
            .expect("runs")
    };
    let (ours, start_up, steady, scored) = best((0..3).map(|_| scoring()).collect());
    let baseline = (0..3)
        .map(|_| b.python_seconds(&predict))
        .fold(f64::INFINITY, f64::min);
    let before = IRIS_RECORDS - scored;
    println!(
        "\n(c) iris explicit model, {IRIS_RECORDS} records in DataFrame batches of 1000, file→file"
    );
    println!(
        "    predict_proba on the same batches (prediction only, best of 3)  {:>7.2} s {}",
        baseline,
        rate(IRIS_RECORDS, baseline)
    );
    println!(
        "    fastscore run … -wait, whole run (best of 3)         {:>7.2} s {}",
        ours,
        rate(IRIS_RECORDS, ours)
    );
    println!(
        "    … from the first {before} predictions ({start_up:.2} s) to the last   {:>7.2} s {}",
        steady,
        rate(scored, steady)
    );
    println!(
        "    ratio: {:.0}% of predict_proba's rate once the model has started",
        100.0 * (scored as f64 / steady) / (IRIS_RECORDS as f64 / baseline)
    );
}

/// (e) Concurrent round trips to a record-set iris model: gathered into record sets (the
/// default) vs one record set per request (`GatherRecords: 1`, how they went before).
fn gathered_round_trips(b: &Bench) {
    let Some(rows) = iris_setup(b) else {
        return;
    };
    let model = "# fastscore.recordsets: both\n# fastscore.schema.0: xgboost_input\n# fastscore.schema.1: xgboost_output\n# fastscore.module-attached: xgboost\n\
                 import pickle\nimport pandas as pd\n\
                 model = pickle.load(open('xgboost_explicit.pkl', 'rb'))\n\
                 def action(df):\n    preds = model.predict_proba(df[['sepal_length', 'sepal_width', 'petal_length', 'petal_width']].to_numpy())\n    yield pd.DataFrame(preds, columns=['A', 'B', 'C'])\n";
    b.write("iris_sets.py3", model);
    b.ok(&["model", "add", "iris_sets", "iris_sets.py3"]);
    b.ok(&[
        "attachment",
        "upload",
        "iris_sets",
        "xgboost_explicit.tar.gz",
    ]);
    println!(
        "\n(e) iris record-set model, {GATHER_CLIENTS} clients × {GATHER_TRIPS} round trips each, one keep-alive connection per client"
    );
    let mut figures = Vec::new();
    for (label, records, wait) in [
        (
            "one record set per request (GatherRecords: 1)         ",
            1,
            0,
        ),
        (
            "gathered (GatherRecords: 64, GatherTime: 0, defaults)",
            64,
            0,
        ),
        (
            "gathered, one set per 16 clients (GatherRecords: 16, GatherTime: 2)",
            16,
            2,
        ),
    ] {
        let doc = format!("{{\"Transport\": \"REST\", \"Encoding\": \"json\", \"Batching\": {{\"NagleTime\": 0, \"Watermark\": null, \"GatherRecords\": {records}, \"GatherTime\": {wait}}}}}");
        let name = format!("trip{records}-{wait}");
        b.write(&format!("{name}.json"), &doc);
        b.ok(&["stream", "add", &name, &format!("{name}.json")]);
        b.ok(&["engine", "reset"]);
        b.ok(&["run", "iris_sets", &name, &name]);
        let url = b.engine_url();
        // the model's start is not timed
        let mut warm = Conn::new(&url);
        for row in rows.iter().take(50) {
            let (status, body) =
                warm.request("POST", "/2/active/model/roundtrip/0/1", row.as_bytes());
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        }
        let start = Instant::now();
        let clients: Vec<_> = (0..GATHER_CLIENTS)
            .map(|c| {
                let url = url.clone();
                let rows = rows.clone();
                std::thread::spawn(move || {
                    let mut conn = Conn::new(&url);
                    let mut times = Vec::with_capacity(GATHER_TRIPS);
                    for i in 0..GATHER_TRIPS {
                        let row = &rows[(c * GATHER_TRIPS + i) % rows.len()];
                        let t = Instant::now();
                        let (status, body) =
                            conn.request("POST", "/2/active/model/roundtrip/0/1", row.as_bytes());
                        times.push(t.elapsed());
                        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                    }
                    times
                })
            })
            .collect();
        let times: Vec<Duration> = clients
            .into_iter()
            .flat_map(|c| c.join().expect("client"))
            .collect();
        let secs = start.elapsed().as_secs_f64();
        let n = times.len();
        let (p50, p99) = percentiles(times);
        println!(
            "    {label}  {:>8.0} requests/s  p50 {p50:.2} ms  p99 {p99:.2} ms",
            n as f64 / secs
        );
        figures.push((n as f64 / secs, p99));
    }
    b.ok(&["engine", "reset"]);
    for (label, (rate, p99)) in ["defaults", "16 and 2"].iter().zip(&figures[1..]) {
        println!(
            "    ratio ({label}): {:.1}× the requests/s, p99 {p99:.2} ms against {:.2} ms",
            rate / figures[0].0,
            figures[0].1
        );
    }
}
