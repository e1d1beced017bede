//! `Kafka`: records from a topic and to a topic (spec/engine.md §5.3). With a `Group`, the
//! input joins a consumer group: engines with the same stream share the topic's partitions
//! and take over a leaving member's. Input is at-least-once: an offset is committed only
//! once the records before it were scored with their outputs written (`engine::settle`);
//! what a killed engine had not committed is read again by the group. Output waits for
//! every replica's acknowledgement of each batch.

use super::{Committer, Interrupt, Position, Sink, Source, Transport};
use crate::engine::envelope::Framed;
use crate::sync::lock;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the brokers have to answer for the topic before the stream fails to open.
const METADATA_WAIT: Duration = Duration::from_secs(10);
/// How long an output batch may take to be acknowledged.
const DELIVERY_WAIT: Duration = Duration::from_secs(60);
/// One poll of the consumer; a torn-down job is noticed within this.
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
enum Start {
    Earliest,
    Latest,
    At(i64),
}

#[derive(Debug)]
struct Kafka {
    servers: Vec<String>,
    topic: String,
    group: Option<String>,
    commit: bool,
    partition: i32,
    max_wait: Duration,
    start: Start,
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Transport>, String> {
    let servers = match super::param(params, "BootstrapServers") {
        Some(Value::Array(list)) => list
            .iter()
            .map(|s| s.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or("BootstrapServers must be an array of \"host:port\" strings")?,
        Some(Value::String(s)) => s.split(',').map(|s| s.trim().to_string()).collect(),
        _ => return Err("the Kafka transport needs BootstrapServers ([\"host:port\", …])".into()),
    };
    if servers.is_empty() || servers.iter().any(String::is_empty) {
        return Err("BootstrapServers must name at least one \"host:port\"".into());
    }
    let topic = super::string_param(params, "Kafka", "Topic")?;
    let group = match super::param(params, "Group") {
        None | Some(Value::Null) => None,
        Some(Value::String(g)) if !g.is_empty() => Some(g.clone()),
        Some(_) => return Err("the Kafka Group must be a non-empty string".into()),
    };
    let flag = |name: &str, default: bool| match super::param(params, name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("the Kafka {name} must be true or false")),
    };
    let number = |name: &str, default: i64| match super::param(params, name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_i64()
            .filter(|n| *n >= 0)
            .ok_or_else(|| format!("the Kafka {name} must be a number ≥ 0")),
    };
    let start = match super::param(params, "SkipToRecord") {
        None | Some(Value::Null) => Start::Latest,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("earliest") => Start::Earliest,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("latest") => Start::Latest,
        Some(v) => Start::At(
            v.as_i64()
                .filter(|n| *n >= 0)
                .ok_or("SkipToRecord must be \"earliest\", \"latest\" or a record number")?,
        ),
    };
    Ok(Arc::new(Kafka {
        servers,
        topic,
        group,
        commit: flag("CommitOffset", true)?,
        partition: i32::try_from(number("Partition", 0)?)
            .map_err(|_| "the Kafka Partition is too large")?,
        max_wait: Duration::from_millis(number("MaxWaitTime", 8_388_607)? as u64),
        start,
    }))
}

impl Transport for Kafka {
    fn name(&self) -> &'static str {
        "kafka"
    }

    fn preserves_boundaries(&self) -> bool {
        true
    }

    fn seekable(&self) -> bool {
        true
    }

    fn internal(&self) -> Value {
        json!({"type": "kafka", "bootstrap_servers": self.servers, "topic": self.topic,
               "group": self.group, "commit_offset": self.commit, "partition": self.partition,
               "max_wait_time": self.max_wait.as_millis() as u64})
    }

    fn open_source(&self) -> Result<Option<Box<dyn Source>>, String> {
        let mut config = self.config();
        let group = self.group.clone().unwrap_or_else(|| {
            // offsets are only committed in a group of the user's
            format!("fastscore-{}", crate::ids::random_hex(12))
        });
        config
            .set("group.id", &group)
            // a member that died is noticed within seconds, so its partitions move on
            .set("session.timeout.ms", "10000")
            .set("heartbeat.interval.ms", "1000")
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set(
                "auto.offset.reset",
                if matches!(self.start, Start::Earliest) {
                    "earliest"
                } else {
                    "latest"
                },
            );
        let group_state = Arc::new(Mutex::new(CommitState::default()));
        let context = GroupContext {
            topic: self.topic.clone(),
            state: group_state.clone(),
            handed: AtomicU64::new(0),
        };
        let consumer: BaseConsumer<GroupContext> = config
            .create_with_context(context)
            .map_err(|e| self.failed(&e))?;
        self.check_topic(consumer.client())?;
        match (&self.group, self.start) {
            (Some(_), _) => consumer
                .subscribe(&[&self.topic])
                .map_err(|e| self.failed(&e))?,
            (None, start) => {
                let offset = match start {
                    Start::Earliest => Offset::Beginning,
                    Start::Latest => Offset::End,
                    Start::At(n) => Offset::Offset(n),
                };
                let mut list = TopicPartitionList::new();
                list.add_partition_offset(&self.topic, self.partition, offset)
                    .map_err(|e| self.failed(&e))?;
                consumer.assign(&list).map_err(|e| self.failed(&e))?;
            }
        }
        let consumer = Arc::new(consumer);
        let commits = (self.group.is_some() && self.commit).then(|| {
            Arc::new(Commits {
                consumer: consumer.clone(),
                topic: self.topic.clone(),
                state: group_state,
                read: AtomicU64::new(0),
                again: AtomicU64::new(0),
            })
        });
        Ok(Some(Box::new(KafkaSource {
            consumer,
            commits,
            max_wait: self.max_wait,
            last: None,
            stop: Arc::new(AtomicBool::new(false)),
        })))
    }

    fn open_sink(&self) -> Result<Box<dyn Sink>, String> {
        let mut config = self.config();
        // every replica acknowledges, and retries cannot duplicate or reorder
        config
            .set("enable.idempotence", "true")
            .set("acks", "all")
            // records without a key are spread over the partitions one by one, so that the
            // engines of a group reading the topic share them
            .set("sticky.partitioning.linger.ms", "0");
        let producer: BaseProducer<Deliveries> = config
            .create_with_context(Deliveries::default())
            .map_err(|e| self.failed(&e))?;
        self.check_topic(producer.client())?;
        Ok(Box::new(KafkaSink {
            producer: Mutex::new(producer),
            topic: self.topic.clone(),
        }))
    }
}

impl Kafka {
    fn config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", self.servers.join(","))
            .set("client.id", "fastscore-engine")
            // a broker that cannot be reached is an error in bounded time, not a hang
            .set("socket.timeout.ms", "10000");
        config
    }

    fn failed(&self, e: &KafkaError) -> String {
        format!("Kafka at {}: {e}", self.servers.join(","))
    }

    /// The topic exists and the brokers answer, within `METADATA_WAIT`.
    fn check_topic<C: rdkafka::client::ClientContext>(
        &self,
        client: &rdkafka::client::Client<C>,
    ) -> Result<(), String> {
        let metadata = client
            .fetch_metadata(Some(&self.topic), METADATA_WAIT)
            .map_err(|e| {
                format!(
                    "cannot reach Kafka at {} within {} s: {e}",
                    self.servers.join(","),
                    METADATA_WAIT.as_secs()
                )
            })?;
        match metadata.topics().iter().find(|t| t.name() == self.topic) {
            Some(t) if t.error().is_none() && !t.partitions().is_empty() => Ok(()),
            _ => Err(format!(
                "the Kafka topic '{}' does not exist at {}",
                self.topic,
                self.servers.join(",")
            )),
        }
    }
}

struct KafkaSource {
    consumer: Arc<BaseConsumer<GroupContext>>,
    commits: Option<Arc<Commits>>,
    max_wait: Duration,
    last: Option<Position>,
    stop: Arc<AtomicBool>,
}

impl Source for KafkaSource {
    fn read(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let since = Instant::now();
        while !self.stop.load(Ordering::Relaxed) {
            match self.consumer.poll(POLL) {
                Some(Ok(message)) => {
                    let position = Position {
                        partition: message.partition(),
                        offset: message.offset(),
                    };
                    if let Some(c) = &self.commits {
                        c.read(position);
                    }
                    self.last = Some(position);
                    return Ok(Some(message.payload().unwrap_or_default().to_vec()));
                }
                // the consumer recovers from broker errors by itself; the wait still counts
                Some(Err(_)) | None => {
                    if since.elapsed() >= self.max_wait {
                        return Ok(None);
                    }
                }
            }
        }
        Ok(None)
    }

    fn interrupter(&self) -> Option<Interrupt> {
        let stop = self.stop.clone();
        Some(Box::new(move || stop.store(true, Ordering::Relaxed)))
    }

    fn position(&self) -> Option<Position> {
        self.last
    }

    fn committer(&self) -> Option<Arc<dyn Committer>> {
        self.commits.clone().map(|c| c as Arc<dyn Committer>)
    }
}

/// The offsets read and not yet scored, per partition; what is committed is the lowest of
/// them (or one past the last read), so no record is committed before those before it.
struct Commits {
    consumer: Arc<BaseConsumer<GroupContext>>,
    topic: String,
    /// Shared with the consumer's context, which commits and forgets revoked partitions.
    state: Arc<Mutex<CommitState>>,
    read: AtomicU64,
    /// Records read again: at or below an offset this input had read already (the group
    /// gave the partition back, or a commit was lost).
    again: AtomicU64,
}

/// Partitions the group takes away are committed as far as they were scored, at once and
/// for sure (an asynchronous commit may be refused once the rebalance began), then
/// forgotten: their records still being scored here may be read again by the new owner,
/// and are counted.
struct GroupContext {
    topic: String,
    state: Arc<Mutex<CommitState>>,
    /// Records handed over uncommitted.
    handed: AtomicU64,
}

impl rdkafka::client::ClientContext for GroupContext {}

impl rdkafka::consumer::ConsumerContext for GroupContext {
    fn pre_rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        rebalance: &rdkafka::consumer::Rebalance<'_>,
    ) {
        let rdkafka::consumer::Rebalance::Revoke(revoked) = rebalance else {
            return;
        };
        let mut list = TopicPartitionList::new();
        {
            let mut st = lock(&self.state);
            for element in revoked.elements() {
                let partition = element.partition();
                if let Some(next) = st.committed.remove(&partition) {
                    let _ = list.add_partition_offset(&self.topic, partition, Offset::Offset(next));
                }
                let waiting = st.waiting.remove(&partition).map_or(0, |w| w.len());
                self.handed.fetch_add(waiting as u64, Ordering::Relaxed);
                st.last_read.remove(&partition);
            }
        }
        if list.count() > 0 {
            let _ = consumer.commit(&list, CommitMode::Sync);
        }
    }
}

#[derive(Default)]
struct CommitState {
    waiting: BTreeMap<i32, BTreeSet<i64>>,
    last_read: BTreeMap<i32, i64>,
    committed: BTreeMap<i32, i64>,
}

impl Commits {
    fn read(&self, at: Position) {
        self.read.fetch_add(1, Ordering::Relaxed);
        let mut st = lock(&self.state);
        st.waiting
            .entry(at.partition)
            .or_default()
            .insert(at.offset);
        st.last_read.insert(at.partition, at.offset);
    }
}

impl Committer for Commits {
    fn settled(&self, positions: &[Position]) {
        let mut list = TopicPartitionList::new();
        {
            let mut st = lock(&self.state);
            let mut touched = BTreeSet::new();
            for p in positions {
                if let Some(w) = st.waiting.get_mut(&p.partition) {
                    w.remove(&p.offset);
                    touched.insert(p.partition);
                }
            }
            for partition in touched {
                let next = match st.waiting.get(&partition).and_then(|w| w.first()) {
                    Some(lowest) => *lowest,
                    None => st.last_read.get(&partition).map_or(0, |o| o + 1),
                };
                if st.committed.get(&partition).is_none_or(|c| *c < next) {
                    st.committed.insert(partition, next);
                    let _ = list.add_partition_offset(&self.topic, partition, Offset::Offset(next));
                }
            }
        }
        if list.count() > 0 {
            // a partition handed to another member meanwhile refuses it: that member reads
            // from the last commit, so records are read again, never lost
            let _ = self.consumer.commit(&list, CommitMode::Async);
        }
    }

    fn report(&self) -> Value {
        let st = lock(&self.state);
        let waiting: usize = st.waiting.values().map(BTreeSet::len).sum();
        json!({"read": self.read.load(Ordering::Relaxed), "uncommitted": waiting,
               "read_again": self.again.load(Ordering::Relaxed),
               "handed_over": self.consumer.context().handed.load(Ordering::Relaxed),
               "committed": st.committed.iter().map(|(p, o)| (p.to_string(), json!(o))).collect::<Map<String, Value>>()})
    }
}

/// Counts the records the brokers refused, with the last reason.
#[derive(Default)]
struct Deliveries {
    failed: AtomicU64,
    why: Mutex<Option<String>>,
}

impl rdkafka::client::ClientContext for Deliveries {}

impl rdkafka::producer::ProducerContext for Deliveries {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &rdkafka::producer::DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            self.failed.fetch_add(1, Ordering::Relaxed);
            *lock(&self.why) = Some(e.to_string());
        }
    }
}

struct KafkaSink {
    producer: Mutex<BaseProducer<Deliveries>>,
    topic: String,
}

impl KafkaSink {
    /// Serve the producer until nothing is in flight (at most `limit`); then whether every
    /// record was acknowledged.
    fn settle(&self, producer: &BaseProducer<Deliveries>, limit: Duration) -> std::io::Result<()> {
        let failed_before = producer.context().failed.load(Ordering::Relaxed);
        let deadline = Instant::now() + limit;
        // polled in small steps: `flush` waits in steps of 100 ms
        while producer.in_flight_count() > 0 {
            if Instant::now() > deadline {
                return Err(std::io::Error::other(format!(
                    "'{}' did not acknowledge {} records within {} s",
                    self.topic,
                    producer.in_flight_count(),
                    limit.as_secs()
                )));
            }
            producer.poll(Duration::from_millis(1));
        }
        let context = producer.context();
        if context.failed.load(Ordering::Relaxed) > failed_before {
            let why = lock(&context.why).clone().unwrap_or_default();
            return Err(std::io::Error::other(format!(
                "producing to '{}' failed: {why}",
                self.topic
            )));
        }
        Ok(())
    }
}

impl Sink for KafkaSink {
    /// Produce the batch's records and wait for their acknowledgement: the inputs they came
    /// from are committed only after this returns.
    fn write(&self, records: &Framed) -> std::io::Result<()> {
        let producer = lock(&self.producer);
        for record in records.records() {
            let deadline = Instant::now() + DELIVERY_WAIT;
            loop {
                match producer.send(BaseRecord::<(), [u8]>::to(&self.topic).payload(record)) {
                    Ok(()) => break,
                    Err((
                        KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull),
                        _,
                    )) if Instant::now() < deadline => {
                        producer.poll(Duration::from_millis(10));
                    }
                    Err((e, _)) => {
                        return Err(std::io::Error::other(format!(
                            "producing to '{}': {e}",
                            self.topic
                        )))
                    }
                }
            }
        }
        self.settle(&producer, DELIVERY_WAIT)
    }

    fn finish(&self, linger: Option<Duration>) -> std::io::Result<()> {
        let producer = lock(&self.producer);
        self.settle(&producer, linger.unwrap_or(DELIVERY_WAIT))
    }
}
