//! Kafka benchmark (`make bench`): an echo model Kafka → Kafka on librdkafka's mock cluster,
//! against the same records file → file in the same run; one engine against two in a group.

mod common;

use common::Bench;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use std::time::{Duration, Instant};

const RECORDS: usize = 200_000;
const PARTITIONS: i32 = 8;

impl Bench {
    fn stream(&self, name: &str, doc: serde_json::Value) {
        std::fs::write(self.path(&format!("{name}.json")), doc.to_string()).expect("write");
        self.ok(&["stream", "add", name, &format!("{name}.json")]);
    }
}

fn produce(servers: &str, topic: &str) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", servers)
        .set("linger.ms", "5")
        .create()
        .expect("producer");
    for i in 0..RECORDS {
        let payload = format!("{{\"x\": {i}, \"name\": \"r{i}\"}}");
        let key = i.to_string();
        while producer
            .send(BaseRecord::to(topic).key(&key).payload(&payload))
            .is_err()
        {
            producer.poll(Duration::from_millis(5));
        }
    }
    producer.flush(Duration::from_secs(60)).expect("flush");
}

/// Seconds from `start` until the first and until the `count`th message was read from
/// `topic` (at most 10 min).
fn consume(servers: &str, topic: &str, group: &str, count: usize, start: Instant) -> (f64, f64) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", servers)
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let (mut seen, mut first) = (0, 0.0);
    while seen < count {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "only {seen} of {count} outputs"
        );
        if let Some(Ok(_)) = consumer.poll(Duration::from_millis(100)) {
            if seen == 0 {
                first = start.elapsed().as_secs_f64();
            }
            seen += 1;
        }
    }
    (first, start.elapsed().as_secs_f64())
}

fn rate(secs: f64) -> String {
    format!("{:>9.0} records/s", RECORDS as f64 / secs)
}

fn main() {
    let b = Bench::new();
    std::fs::write(b.path("echo.py3"), "def action(r):\n    yield r\n").expect("model");
    b.ok(&["model", "add", "echo", "echo.py3"]);
    // the baseline: the same records file → file
    let input = b.records("in.jsons", RECORDS);
    let file = b.file_to_file("echo", &input, &b.path("out.jsons"));
    // Kafka → Kafka, one engine, then two in a group
    let cluster = MockCluster::new(1).expect("mock cluster");
    let servers = cluster.bootstrap_servers();
    let mut results = Vec::new();
    for engines in [1, 2] {
        let (tin, tout, group) = (
            format!("in{engines}"),
            format!("out{engines}"),
            format!("g{engines}"),
        );
        cluster.create_topic(&tin, PARTITIONS, 1).expect("topic");
        cluster.create_topic(&tout, PARTITIONS, 1).expect("topic");
        produce(&servers, &tin);
        let transport = |topic: &str, group: Option<&str>| serde_json::json!({"Type": "Kafka", "BootstrapServers": [servers], "Topic": topic, "Group": group});
        b.stream("kin", serde_json::json!({"Transport": transport(&tin, Some(&group)), "Encoding": "json", "SkipToRecord": "earliest"}));
        b.stream(
            "kout",
            serde_json::json!({"Transport": transport(&tout, None), "Encoding": "json"}),
        );
        let start = Instant::now();
        for n in 1..=engines {
            b.ok(&["use", &format!("engine-{n}")]);
            b.ok(&["engine", "reset"]);
            b.ok(&["run", "echo", "kin", "kout"]);
        }
        results.push(consume(
            &servers,
            &tout,
            &format!("count{engines}"),
            RECORDS,
            start,
        ));
        for n in 1..=engines {
            b.ok(&["use", &format!("engine-{n}")]);
            b.ok(&["engine", "reset"]);
        }
    }
    println!("kafka benchmark: echo model, {RECORDS} JSON records, {PARTITIONS} partitions, mock cluster");
    println!(
        "    file → file (baseline, incl. model start)      {file:>7.2} s {}",
        rate(file)
    );
    for (engines, (first, all)) in results.iter().enumerate() {
        println!(
            "    Kafka → Kafka, {} engine(s), incl. start     {all:>7.2} s {}; first output after {first:.2} s (group join), then {:.0} records/s",
            engines + 1,
            rate(*all),
            RECORDS as f64 / (all - first)
        );
    }
    let (one, two) = (results[0].1, results[1].1);
    println!(
        "    ratio: Kafka {:.0}% of the file rate; two engines {:.2}× one (this machine has 2 cores)",
        100.0 * file / one,
        one / two
    );
}
