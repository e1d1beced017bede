//! Kafka helpers of the tests: records with ids produced to the mock cluster, a reader of a
//! topic, streams and engines in a consumer group, and what an engine says of its input.

use super::Env;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub fn produce(servers: &str, topic: &str, records: &[String]) {
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
pub struct Collector {
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Collector {
    /// (it is given every partition of the topic, once the topic exists: no group forms)
    pub fn start(servers: &str, topic: &str) -> Collector {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", servers)
            // (a consumer without a group id polls its main queue, which fetches miss)
            .set("group.id", "the-test")
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (s, st, topic) = (seen.clone(), stop.clone(), topic.to_string());
        std::thread::spawn(move || {
            let running = || !st.load(std::sync::atomic::Ordering::Relaxed);
            while running() {
                let metadata = consumer.fetch_metadata(Some(&topic), Duration::from_secs(1));
                let partitions: Vec<i32> = metadata
                    .iter()
                    .flat_map(|m| {
                        let topics = m.topics().iter();
                        topics.flat_map(|t| t.partitions().iter().map(|p| p.id()))
                    })
                    .collect::<Vec<i32>>();
                if !partitions.is_empty() {
                    let mut list = rdkafka::TopicPartitionList::new();
                    for p in partitions {
                        list.add_partition_offset(&topic, p, rdkafka::Offset::Beginning)
                            .unwrap();
                    }
                    consumer.assign(&list).unwrap();
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            while running() {
                if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
                    let text =
                        String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned();
                    s.lock().unwrap().push(text);
                }
            }
        });
        Collector { seen, stop }
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// Wait until `done` holds of what was seen (at most `limit`).
    pub fn until(&self, limit: Duration, done: impl Fn(&[String]) -> bool) -> Vec<String> {
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

pub fn kafka_stream(env: &Env, name: &str, servers: &str, transport: serde_json::Value) {
    let mut t = transport;
    t["Type"] = "Kafka".into();
    t["BootstrapServers"] = serde_json::json!([servers]);
    let doc = serde_json::json!({"Transport": t, "Encoding": "json", "SkipToRecord": "earliest"});
    env.write(&format!("{name}.json"), doc.to_string());
    env.run(&["stream", "add", name, &format!("{name}.json")])
        .ok();
}

/// `n` JSON records `{"id": 1}` … `{"id": n}`, one per line.
pub fn records_with_ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{{\"id\": {i}}}")).collect()
}

/// The ids of the records seen (JSON objects with an `id`), how many times each.
pub fn id_counts(seen: &[String]) -> HashMap<u64, usize> {
    let mut counts = HashMap::new();
    for s in seen {
        if let Some(id) = serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .and_then(|v| v["id"].as_u64())
        {
            *counts.entry(id).or_default() += 1;
        }
    }
    counts
}

/// The `source` report of input slot 0 of engine `name` (its Kafka reading).
pub fn kafka_report(env: &Env, name: &str) -> serde_json::Value {
    let state = env.engine_api(name).get_json("/2/engine/state");
    state["slots"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["slot"] == 0)
        .map(|s| s["source"].clone())
        .unwrap_or_default()
}

/// Wait until `done` holds of engine `name`'s Kafka report (at most `limit`).
pub fn report_until(
    env: &Env,
    name: &str,
    limit: Duration,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + limit;
    loop {
        let report = kafka_report(env, name);
        if done(&report) || Instant::now() > deadline {
            return report;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Run `model` on `engine` from the group `group` of topic `in` to topic `out`.
pub fn run_in_group(env: &Env, engine: &str, model: &str) {
    env.run(&["use", engine]).ok();
    env.run(&["engine", "reset"]).ok();
    env.run(&["run", model, "kin", "kout"]).ok();
}

/// Every input's output arrives (at most `limit`): the ids seen, how many times each.
pub fn all_out(out: &Collector, n: usize, limit: Duration) -> HashMap<u64, usize> {
    let seen = out.until(limit, |s| id_counts(s).len() >= n);
    id_counts(&seen)
}

/// The offsets group `group` committed for the partitions of `topic` (partition, offset).
pub fn committed(servers: &str, group: &str, topic: &str, partitions: i32) -> Vec<(i32, i64)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", servers)
        .set("group.id", group)
        .create()
        .unwrap();
    let mut list = rdkafka::TopicPartitionList::new();
    for p in 0..partitions {
        list.add_partition(topic, p);
    }
    consumer
        .committed_offsets(list, Duration::from_secs(10))
        .map(|l| {
            l.elements()
                .iter()
                .map(|e| (e.partition(), e.offset().to_raw().unwrap_or(-1)))
                .collect()
        })
        .unwrap_or_default()
}

/// What `engines` say of their Kafka reading, and their logs (but the jets' own lines).
pub fn diagnosis(env: &Env, engines: &[&str]) -> String {
    engines
        .iter()
        .map(|e| {
            let log = std::fs::read_to_string(env.store().join(format!("engines/{e}/engine.log")))
                .unwrap_or_default();
            let lines: String = log
                .lines()
                .filter(|l| !l.contains("jet 1:"))
                .map(|l| format!("{l}\n"))
                .collect();
            format!("{lines}{e}: {}\n", kafka_report(env, e))
        })
        .collect()
}

/// How many records partition 0 of `topic` holds (its high watermark).
pub fn records_in(servers: &str, topic: &str) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", servers)
        .create()
        .unwrap();
    consumer
        .fetch_watermarks(topic, 0, Duration::from_secs(10))
        .map_or(-1, |(_, high)| high)
}

/// An echo model that sleeps `sleep` seconds per record, and the streams `kin` (topic `in`,
/// group `scorers`) and `kout` (topic `out`).
pub fn echo_in_group(env: &Env, servers: &str, sleep: f64) {
    let model = format!("import time\ndef action(x):\n    time.sleep({sleep})\n    yield x\n");
    env.write("echo.py3", model);
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    group_streams(env, servers, "scorers");
}

/// The streams `kin` (topic `in`, group `group`) and `kout` (topic `out`).
pub fn group_streams(env: &Env, servers: &str, group: &str) {
    let input = serde_json::json!({"Topic": "in", "Group": group});
    kafka_stream(env, "kin", servers, input);
    kafka_stream(env, "kout", servers, serde_json::json!({"Topic": "out"}));
}
