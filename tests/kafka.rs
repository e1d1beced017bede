//! Kafka streams against a real Kafka protocol: librdkafka's mock cluster on loopback,
//! engines in one consumer group, a kill -9 midway, and the failures a user meets.

mod support;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::mocking::{MockCluster, MockCoordinator};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::{Env, SIGKILL, SIGSTOP};

fn produce(servers: &str, topic: &str, records: &[String]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", servers)
        .create()
        .unwrap();
    for (i, r) in records.iter().enumerate() {
        let key = i.to_string();
        loop {
            match producer.send(BaseRecord::to(topic).key(&key).payload(r)) {
                Ok(()) => break,
                Err(_) => {
                    producer.poll(Duration::from_millis(10));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// Reads a topic from its beginning in a thread; the payloads so far.
struct Collector {
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Collector {
    fn start(servers: &str, topic: &str) -> Collector {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", servers)
            .set("group.id", "the-test")
            .set("auto.offset.reset", "earliest")
            .create()
            .unwrap();
        consumer.subscribe(&[topic]).unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (s, st) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            while !st.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
                    let text =
                        String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned();
                    s.lock().unwrap().push(text);
                }
            }
        });
        Collector { seen, stop }
    }

    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// Wait until `done` holds of what was seen (at most `limit`).
    fn until(&self, limit: Duration, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + limit;
        loop {
            let seen = self.seen.lock().unwrap().clone();
            if done(&seen) || Instant::now() > deadline {
                return seen;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn kafka_stream(env: &Env, name: &str, servers: &str, transport: serde_json::Value) {
    let mut t = transport;
    t["Type"] = "Kafka".into();
    t["BootstrapServers"] = serde_json::json!([servers]);
    let doc = serde_json::json!({"Transport": t, "Encoding": "json", "SkipToRecord": "earliest"});
    env.write(&format!("{name}.json"), doc.to_string());
    env.run(&["stream", "add", name, &format!("{name}.json")])
        .ok();
}

/// Slot `n` of an engine's state answer.
fn slot(state: &serde_json::Value, n: u64) -> serde_json::Value {
    let slots = state["slots"].as_array();
    let found = slots.and_then(|slots| slots.iter().find(|s| s["slot"] == n));
    found.cloned().unwrap_or_default()
}

/// What the engine's Kafka input says of its reading and committing (the state answer).
fn input_source(api: &support::EngineApi) -> serde_json::Value {
    slot(&api.get_json("/2/engine/state"), 0)["source"].clone()
}

/// Wait (at most `limit`) until `done` holds of the engine's state answer; that answer.
fn state_until(
    api: &support::EngineApi,
    limit: Duration,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + limit;
    loop {
        let state = api.get_json("/2/engine/state");
        if done(&state) || Instant::now() > deadline {
            return state;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_engines_in_a_group_lose_nothing_when_one_is_killed() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("in", 4, 1).unwrap();
    cluster.create_topic("out", 4, 1).unwrap();
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write(
        "echo.py3",
        "import time\ndef action(x):\n    time.sleep(0.001)\n    yield x\n",
    );
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    kafka_stream(
        &env,
        "kin",
        &servers,
        serde_json::json!({"Topic": "in", "Group": "scorers"}),
    );
    kafka_stream(&env, "kout", &servers, serde_json::json!({"Topic": "out"}));
    let inputs: Vec<String> = (1..=10_000).map(|n| n.to_string()).collect();
    produce(&servers, "in", &inputs);
    let out = Collector::start(&servers, "out");
    for engine in ["engine-1", "engine-2"] {
        env.run(&["use", engine]).ok();
        env.run(&["run", "echo", "kin", "kout"]).ok();
    }
    // midway: engine-2's model freezes, then the engine is killed
    let first = out.until(Duration::from_secs(60), |s| s.len() >= 2_000);
    assert!(first.len() >= 2_000, "only {} outputs", first.len());
    let api = env.engine_api("engine-2");
    for pid in api.jet_pids() {
        support::signal(pid, SIGSTOP);
    }
    std::thread::sleep(Duration::from_millis(500));
    let killed = input_source(&api);
    let count = |v: &serde_json::Value, k: &str| v[k].as_u64().unwrap_or(0);
    support::signal(env.engine_pid("engine-2"), SIGKILL);
    // every input's output arrives: engine-1 takes over engine-2's partitions
    let all = out.until(Duration::from_secs(120), |s| {
        let distinct: std::collections::HashSet<&String> = s.iter().collect();
        distinct.len() == inputs.len()
    });
    let mut counts: HashMap<&String, usize> = HashMap::new();
    for s in &all {
        *counts.entry(s).or_default() += 1;
    }
    let lost = inputs.iter().filter(|i| !counts.contains_key(i)).count();
    let duplicates = all.len() - counts.len();
    assert_eq!(
        lost,
        0,
        "{lost} inputs have no output ({} outputs seen)",
        all.len()
    );
    // what may be read twice: engine-2's records not committed when it was killed, and the
    // records each engine was scoring when the group took a partition from it
    let survivor = input_source(&env.engine_api("engine-1"));
    let may_repeat = count(&killed, "uncommitted")
        + count(&killed, "handed_over")
        + count(&survivor, "handed_over");
    assert!(
        duplicates as u64 <= may_repeat,
        "{duplicates} duplicates, but the engines reported {may_repeat} records that may be read again: {killed} {survivor}"
    );
    assert!(out.count() >= inputs.len());
    // engine-1 says what it read and committed
    env.run(&["use", "engine-1"]).ok();
    let inspect = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(inspect.contains("Kafka"), "{inspect}");
}

#[test]
fn kafka_failures_are_clear_and_bounded() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("in", 1, 1).unwrap();
    cluster.create_topic("out", 1, 1).unwrap();
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    kafka_stream(&env, "kout", &servers, serde_json::json!({"Topic": "out"}));
    // a missing topic
    kafka_stream(
        &env,
        "nope",
        &servers,
        serde_json::json!({"Topic": "nope", "Group": "g"}),
    );
    let started = Instant::now();
    let run = env.run(&["run", "echo", "nope", "kout"]);
    let inspect = env.run(&["engine", "inspect", "-v"]).stdout;
    assert!(
        format!("{}{inspect}", run.stderr).contains("the Kafka topic 'nope' does not exist"),
        "{}{inspect}",
        run.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    // a broker nobody answers for
    env.run(&["engine", "reset"]).ok();
    kafka_stream(
        &env,
        "dead",
        "127.0.0.1:1",
        serde_json::json!({"Topic": "in", "Group": "g"}),
    );
    let started = Instant::now();
    let run = env.run(&["run", "echo", "dead", "kout"]);
    let inspect = env.run(&["engine", "inspect", "-v"]).stdout;
    assert!(
        format!("{}{inspect}", run.stderr).contains("cannot reach Kafka at 127.0.0.1:1"),
        "{}{inspect}",
        run.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(40));
    // malformed messages are counted rejections; their neighbours are scored
    env.run(&["engine", "reset"]).ok();
    produce(&servers, "in", &["1".into(), "x{".into(), "3".into()]);
    kafka_stream(
        &env,
        "kin",
        &servers,
        serde_json::json!({"Topic": "in", "Group": "g2"}),
    );
    let out = Collector::start(&servers, "out");
    env.run(&["run", "echo", "kin", "kout"]).ok();
    let seen = out.until(Duration::from_secs(30), |s| s.len() >= 2);
    assert_eq!(seen, ["1", "3"]);
    let inspect = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(
        inspect.contains("     0          2                       1"),
        "{inspect}"
    );
}

#[test]
fn inputs_are_committed_only_once_their_outputs_are_acknowledged() {
    // the output's partition on a broker of its own, which goes down midway
    let cluster = MockCluster::new(2).unwrap();
    cluster.create_topic("in", 1, 1).unwrap();
    cluster.create_topic("out", 1, 1).unwrap();
    cluster.partition_leader("in", 0, Some(1)).unwrap();
    cluster.partition_leader("out", 0, Some(2)).unwrap();
    for group in ["g", "the-test"] {
        cluster
            .coordinator(MockCoordinator::Group(group.into()), 1)
            .unwrap();
    }
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    kafka_stream(
        &env,
        "kin",
        &servers,
        serde_json::json!({"Topic": "in", "Group": "g"}),
    );
    kafka_stream(&env, "kout", &servers, serde_json::json!({"Topic": "out"}));
    let first: Vec<String> = (1..=100).map(|n| n.to_string()).collect();
    produce(&servers, "in", &first);
    env.run(&["run", "echo", "kin", "kout"]).ok();
    let api = env.engine_api("engine-1");
    let committed = |state: &serde_json::Value| {
        slot(state, 0)["source"]["committed"]["0"]
            .as_i64()
            .unwrap_or(0)
    };
    let outputs = |state: &serde_json::Value| slot(state, 1)["records"].as_u64();
    let state = state_until(&api, Duration::from_secs(60), |s| committed(s) == 100);
    assert_eq!(committed(&state), 100, "{state}");
    // the output's broker goes away: the next records are read and scored, never committed
    cluster.broker_down(2).unwrap();
    let second: Vec<String> = (101..=200).map(|n| n.to_string()).collect();
    produce(&servers, "in", &second);
    let state = state_until(&api, Duration::from_secs(60), |s| outputs(s) == Some(200));
    assert_eq!(outputs(&state), Some(200), "{state}");
    // commits are asynchronous: give a commit that should not be made the time to be made
    std::thread::sleep(Duration::from_secs(2));
    let state = api.get_json("/2/engine/state");
    assert_eq!(
        committed(&state),
        100,
        "committed before acknowledged: {state}"
    );
    assert_eq!(input_source(&api)["uncommitted"], 100, "{state}");
    assert_eq!(state["state"], "running", "{state}");
    // back: every record is acknowledged, then committed
    cluster.broker_up(2).unwrap();
    let state = state_until(&api, Duration::from_secs(60), |s| committed(s) == 200);
    assert_eq!(committed(&state), 200, "{state}");
    // every output is there (for a reader that never saw the broker go)
    let out = Collector::start(&servers, "out");
    let seen = out.until(Duration::from_secs(60), |s| s.len() >= 200);
    let distinct: std::collections::BTreeSet<&String> = seen.iter().collect();
    let expected: Vec<String> = (1..=200).map(|n| n.to_string()).collect();
    assert_eq!(distinct, expected.iter().collect(), "{seen:?}");
}

#[test]
fn a_refused_output_record_fails_the_job_with_one_clear_line() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("in", 1, 1).unwrap();
    cluster.create_topic("out", 1, 1).unwrap();
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    kafka_stream(
        &env,
        "kin",
        &servers,
        serde_json::json!({"Topic": "in", "Group": "g"}),
    );
    kafka_stream(&env, "kout", &servers, serde_json::json!({"Topic": "out"}));
    produce(&servers, "in", &["1".into(), "2".into()]);
    // from now on the broker refuses what is produced
    cluster.request_errors(
        RDKafkaApiKey::Produce,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE; 20],
    );
    env.run(&["run", "echo", "kin", "kout"]).ok();
    let api = env.engine_api("engine-1");
    let state = state_until(&api, Duration::from_secs(60), |s| s["state"] == "error");
    let message = state["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(
        message,
        "writing to slot 1 failed: producing to 'out' failed: MessageSizeTooLarge (Broker: Message size too large)",
        "{state}"
    );
    // nothing was committed for the records whose outputs were refused
    assert_eq!(
        input_source(&api)["committed"],
        serde_json::json!({}),
        "{state}"
    );
}

#[test]
fn sensor_reports_go_to_a_kafka_topic_when_the_descriptor_says_so() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("sensors", 1, 1).unwrap();
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    env.run(&["run", "echo", "rest:", "rest:"]).ok();
    env.run(&["use", "engine-1"]).ok();
    let collector = Collector::start(&servers, "sensors");
    // the sink: a stream literal, as `run` takes one
    let descriptor = serde_json::json!({"Tap": "sys.test.int", "Activate": "permanent", "Aggregate": "sum",
        "Report": {"Interval": 0.2}, "Sink": format!("kafka:{servers}/sensors")});
    env.write("int.json", descriptor.to_string());
    env.run(&["sensor", "add", "int", "int.json"]).ok();
    let id = env.run(&["sensor", "install", "int"]).ok().stdout;
    let seen = collector.until(Duration::from_secs(20), |s| s.len() >= 3);
    env.run(&["sensor", "uninstall", id.trim()]).ok();
    let reports: Vec<serde_json::Value> = seen
        .iter()
        .map(|s| serde_json::from_str(s).unwrap())
        .collect();
    assert!(reports.len() >= 3, "{seen:?}");
    assert_eq!(reports[0]["type"], "sensor-report");
    assert_eq!(reports[0]["src"], "engine-1");
    assert_eq!(reports[0]["tap"], "sys.test.int");
    assert_eq!(reports[0]["id"].to_string(), id.trim());
    let data: Vec<u64> = reports
        .iter()
        .map(|r| r["data"].as_u64().unwrap())
        .collect();
    assert_eq!(&data[..3], &[1, 2, 3]);
}
