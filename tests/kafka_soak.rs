//! The Kafka soak: three engines in one consumer group score 100,000 records produced over
//! half a minute while, every few seconds, an engine is killed (-9) and restarted, a model
//! fails and its engine is reset, or the broker goes away and comes back. Nothing may be
//! lost, and every duplicate must be one the engines counted as read again.
//!
//! Against librdkafka's mock cluster by default; `make kafka-soak` runs it against a real
//! broker, tansu (`FASTSCORE_SOAK_TANSU` names its binary), whose outages are a kill -9 and
//! a restart on the same storage.

mod support;
use rdkafka::mocking::MockCluster;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::kafka::{
    all_out, diagnosis, group_streams, id_counts, kafka_report, produce, records_in,
    records_with_ids, run_in_group, Collector,
};
use support::{Env, SIGKILL};

const ENGINES: [&str; 3] = ["engine-1", "engine-2", "engine-3"];
const RECORDS: usize = 100_000;
/// The records are produced in this many chunks, one every `CHUNK_EVERY`.
const CHUNKS: usize = 50;
const CHUNK_EVERY: Duration = Duration::from_millis(600);
/// Faults, one every so often (while the records come, and after): each of the three
/// kinds in turn.
const FAULTS: usize = 9;
const FAULT_EVERY: Duration = Duration::from_secs(4);
const OUTAGE: Duration = Duration::from_secs(3);

/// The broker the engines read from and write to.
enum Broker {
    Mock(MockCluster<'static, rdkafka::producer::DefaultProducerContext>),
    Tansu(Tansu),
}

/// A tansu broker on loopback, its storage in a directory of the test's.
struct Tansu {
    binary: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Tansu {
    fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    fn start(&mut self) {
        let log = std::fs::File::create(self.dir.join("broker.log")).unwrap();
        let child = Command::new(&self.binary)
            .args(["broker", "--listener-url", &self.url()])
            .args(["--advertised-listener-url", &self.url()])
            .args(["--storage-engine", "sqlite://./tansu.db"])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            support::signal(child.id() as i32, SIGKILL);
            let _ = child.wait();
        }
    }

    /// Create `topic` (at most 10 s while the broker starts).
    fn create_topic(&self, topic: &str, partitions: u32) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let created = Command::new(&self.binary)
                .args(["topic", "create", topic, "--partitions"])
                .arg(partitions.to_string())
                .args(["--broker", &self.url()])
                .output()
                .unwrap();
            if created.status.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "tansu did not start: {}",
                std::fs::read_to_string(self.dir.join("broker.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Broker {
    fn new(dir: &Path) -> Broker {
        match std::env::var_os("FASTSCORE_SOAK_TANSU") {
            Some(binary) => {
                let port = std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| l.local_addr())
                    .unwrap()
                    .port();
                let dir = dir.join("broker");
                std::fs::create_dir_all(&dir).unwrap();
                let mut tansu = Tansu {
                    binary: binary.into(),
                    dir,
                    port,
                    child: None,
                };
                tansu.start();
                Broker::Tansu(tansu)
            }
            None => Broker::Mock(MockCluster::new(1).unwrap()),
        }
    }

    fn servers(&self) -> String {
        match self {
            Broker::Mock(cluster) => cluster.bootstrap_servers(),
            Broker::Tansu(tansu) => format!("127.0.0.1:{}", tansu.port),
        }
    }

    fn create_topic(&self, topic: &str, partitions: u32) {
        match self {
            Broker::Mock(cluster) => cluster.create_topic(topic, partitions as i32, 1).unwrap(),
            Broker::Tansu(tansu) => tansu.create_topic(topic, partitions),
        }
    }

    /// The broker goes away for `OUTAGE` and comes back.
    fn outage(&mut self) {
        match self {
            Broker::Mock(cluster) => {
                cluster.broker_down(1).unwrap();
                std::thread::sleep(OUTAGE);
                cluster.broker_up(1).unwrap();
            }
            Broker::Tansu(tansu) => {
                tansu.kill();
                std::thread::sleep(OUTAGE);
                tansu.start();
            }
        }
    }
}

/// What the soak did and what the engines said, for the failure messages.
#[derive(Default)]
struct Log {
    lines: Vec<String>,
    /// Records the engines read again, from the reports of engines killed or reset.
    read_again: u64,
}

impl Log {
    fn note(&mut self, started: Instant, what: String) {
        eprintln!("{:>6.1} s {what}", started.elapsed().as_secs_f64());
        self.lines.push(what);
    }

    /// Keep what engine `name` counted before its count is lost (killed, reset).
    fn bank(&mut self, env: &Env, name: &str) {
        let report = kafka_report(env, name);
        self.read_again += report["read_again"].as_u64().unwrap_or(0);
    }
}

/// The state `engine inspect` shows for `name`.
fn engine_state(env: &Env, name: &str) -> String {
    env.run(&["use", name]).ok();
    env.run(&["engine", "inspect"]).stdout.trim().to_string()
}

#[test]
fn three_engines_lose_nothing_through_kills_failures_and_outages() {
    let env = Env::new();
    let mut broker = Broker::new(env.dir.path());
    broker.create_topic("in", 6);
    broker.create_topic("out", 1);
    let servers = broker.servers();
    // a jet that finds the flag file takes it away and fails
    let flag = env.dir.path().join("fail-now");
    env.write(
        "soak.py3",
        format!(
            "import os\nFLAG = {:?}\ndef action(x):\n    if os.path.exists(FLAG):\n        try:\n            os.remove(FLAG)\n        except FileNotFoundError:\n            pass\n        else:\n            raise RuntimeError('the failure the soak test asked for')\n    yield x\n",
            flag.to_string_lossy()
        ),
    );
    env.run(&["model", "add", "soak", "soak.py3"]).ok();
    group_streams(&env, &servers, "soakers");
    for engine in ENGINES {
        run_in_group(&env, engine, "soak");
    }
    let inputs = records_with_ids(RECORDS);
    let producing = {
        let (servers, inputs) = (servers.clone(), inputs.clone());
        std::thread::spawn(move || {
            for chunk in inputs.chunks(RECORDS / CHUNKS) {
                produce(&servers, "in", chunk);
                std::thread::sleep(CHUNK_EVERY);
            }
        })
    };
    let started = Instant::now();
    let mut log = Log::default();
    for fault in 0..FAULTS {
        std::thread::sleep(FAULT_EVERY);
        let victim = ENGINES[(fault / 3) % ENGINES.len()];
        match fault % 3 {
            0 => {
                log.bank(&env, victim);
                support::signal(env.engine_pid(victim), SIGKILL);
                log.note(started, format!("{victim} killed (-9)"));
                run_in_group(&env, victim, "soak");
                log.note(started, format!("{victim} restarted"));
            }
            1 => {
                // (a member fails once its jets take records: the group may be rebalancing)
                std::fs::write(&flag, "").unwrap();
                log.note(started, "a model is to fail".into());
                let deadline = Instant::now() + Duration::from_secs(60);
                let failed = loop {
                    let failed = ENGINES.iter().find(|e| engine_state(&env, e) == "ERROR");
                    if failed.is_some() || Instant::now() > deadline {
                        break failed;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                };
                let failed = failed
                    .unwrap_or_else(|| panic!("no model failed within 60 s: {:?}", log.lines));
                log.bank(&env, failed);
                log.note(started, format!("the model of {failed} failed"));
                run_in_group(&env, failed, "soak");
                log.note(started, format!("{failed} reset and running again"));
            }
            _ => {
                log.note(started, "the broker goes away".into());
                broker.outage();
                log.note(started, "the broker is back".into());
            }
        }
    }
    producing.join().unwrap();
    log.note(started, "every record produced".into());
    // (a consumer that lived through outages may take long to resume: a new one reads)
    let out = Collector::start(&servers, "out");
    all_out(&out, RECORDS, Duration::from_secs(120));
    // the duplicates still on their way come too: the engines have committed everything
    let deadline = Instant::now() + Duration::from_secs(60);
    let settled = |r: &serde_json::Value| {
        let lag = r["lag"].as_object().into_iter().flatten();
        r["uncommitted"] == 0 && lag.clone().all(|(_, l)| *l == 0)
    };
    let reports = loop {
        let reports: Vec<serde_json::Value> =
            ENGINES.iter().map(|e| kafka_report(&env, e)).collect();
        if reports.iter().all(settled) || Instant::now() > deadline {
            break reports;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    std::thread::sleep(Duration::from_secs(1));
    let counts = id_counts(&out.until(Duration::ZERO, |_| true));
    let lost: Vec<u64> = (1..=RECORDS as u64)
        .filter(|i| !counts.contains_key(i))
        .collect();
    let read_again = log.read_again
        + reports
            .iter()
            .map(|r| r["read_again"].as_u64().unwrap_or(0))
            .sum::<u64>();
    let duplicates: usize = counts.values().map(|n| n - 1).sum();
    log.note(
        started,
        format!(
            "{} of {RECORDS} records out, {} lost, {duplicates} duplicates, {read_again} read again",
            counts.len(),
            lost.len()
        ),
    );
    assert!(
        lost.is_empty(),
        "{} records lost (the first: {:?}; {} records in the output topic); the soak: {:?}\n{}",
        lost.len(),
        &lost[..lost.len().min(10)],
        records_in(&servers, "out"),
        log.lines,
        diagnosis(&env, &ENGINES)
    );
    match reports.iter().find_map(|r| r["read_marks"].as_str()) {
        // (there, no engine can tell what an earlier owner scored: the duplicates are shown)
        Some(unkept) => eprintln!("{unkept}: {duplicates} duplicates"),
        None => assert!(
            duplicates as u64 <= read_again,
            "{duplicates} duplicates, but the engines read only {read_again} records again; the soak: {:?}",
            log.lines
        ),
    }
    for engine in ENGINES {
        assert_eq!(engine_state(&env, engine), "RUNNING");
    }
}
