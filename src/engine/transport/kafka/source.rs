//! The Kafka input: a consumer of one partition, or a member of a consumer group, whose
//! offsets are committed as far as the records before them were scored (`Commits`).

use super::super::{Committer, Interrupt, Position, Source};
use super::{Kafka, Start};
use crate::sync::lock;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Open the input of `kafka`: a member of its group, or the reader of its partition.
pub(super) fn open(kafka: &Kafka) -> Result<Box<dyn Source>, String> {
    let mut config = kafka.config();
    let group = kafka.group.clone().unwrap_or_else(|| {
        // offsets are only committed in a group of the user's
        format!("fastscore-{}", crate::ids::random_hex(12))
    });
    config
        .set("group.id", &group)
        // a member that died is noticed within seconds, so its partitions move on
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "1000")
        // the prefetched records of every partition count against each partition's
        // threshold (100,000): past it, fetching pauses for this long, 1 s by default,
        // which left the jets idle
        .set("fetch.queue.backoff.ms", "10")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set(
            "auto.offset.reset",
            if matches!(kafka.start, Start::Earliest) {
                "earliest"
            } else {
                "latest"
            },
        );
    let group_state = Arc::new(Mutex::new(CommitState::default()));
    let context = GroupContext {
        topic: kafka.topic.clone(),
        state: group_state.clone(),
        handed: AtomicU64::new(0),
    };
    let consumer: BaseConsumer<GroupContext> = config
        .create_with_context(context)
        .map_err(|e| kafka.failed(&e))?;
    kafka.check_topic(consumer.client())?;
    match (&kafka.group, kafka.start) {
        (Some(_), _) => consumer
            .subscribe(&[&kafka.topic])
            .map_err(|e| kafka.failed(&e))?,
        (None, start) => {
            let offset = match start {
                Start::Earliest => Offset::Beginning,
                Start::Latest => Offset::End,
                Start::At(n) => Offset::Offset(n),
            };
            let mut list = TopicPartitionList::new();
            list.add_partition_offset(&kafka.topic, kafka.partition, offset)
                .map_err(|e| kafka.failed(&e))?;
            consumer.assign(&list).map_err(|e| kafka.failed(&e))?;
        }
    }
    let consumer = Arc::new(consumer);
    let commits = (kafka.group.is_some() && kafka.commit).then(|| {
        Arc::new(Commits {
            consumer: consumer.clone(),
            topic: kafka.topic.clone(),
            state: group_state,
            read: AtomicU64::new(0),
            again: AtomicU64::new(0),
        })
    });
    Ok(Box::new(KafkaSource {
        consumer,
        commits,
        max_wait: kafka.max_wait,
        last: None,
        stop: Arc::new(AtomicBool::new(false)),
    }))
}

/// One poll of the consumer; a torn-down job is noticed within this.
const POLL: Duration = Duration::from_millis(100);

pub(super) struct KafkaSource {
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
