//! The Kafka input: the reader of one partition, or a member of a consumer group, whose
//! offsets are committed as far as the records before them were scored (`Commits`).
//!
//! In a group, a rebalance is handled here (`GroupContext::rebalance`): partitions taken
//! away are first finished — what was read of them and not yet given to a jet is dropped
//! (the next owner reads it), what jets hold is waited for (a while) so that it is scored
//! and committed — and partitions given are started at `SkipToRecord` when the group never
//! committed them. A member that stops polling (its engine paused, failed, or its jets
//! unable to keep up) leaves the group within `SESSION`, so that the others take its
//! partitions; it joins again when it polls again. A topic that does not exist yet is
//! waited for, as Kafka consumers do; a broker that cannot be reached is an error.

use super::super::{Committer, Interrupt, Position, Source, SourceListener, Span};
use super::offsets::Offsets;
use super::outage::Outage;
use super::{Kafka, Start};
use crate::sync::lock;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::message::Message;
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{Offset, TopicPartitionList};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// One poll of the consumer; a torn-down job is noticed within this.
const POLL: Duration = Duration::from_millis(100);
/// A member that misses this is out of the group: not heard from (session), or not
/// polling (its engine paused, failed or unable to keep up).
const SESSION: Duration = Duration::from_secs(10);
/// How often a topic that does not exist yet is looked for again.
const TOPIC_LOOK: Duration = Duration::from_secs(2);
/// How long a revocation waits for the records of its partitions that jets hold: in a
/// rebalance, and when this member steps aside because its jets took nothing for a while.
const REVOKE_WAIT: Duration = Duration::from_secs(8);
const ASIDE_WAIT: Duration = Duration::from_secs(2);
/// How long the group's committed offsets are asked for, when partitions are given.
const COMMITTED_WAIT: Duration = Duration::from_secs(5);
/// How long a member that stops takes, at most, to leave its group.
const LEAVE_WAIT: Duration = Duration::from_secs(3);
/// Records read one after another between two looks at the jets (stalled?) and the topic.
const LOOK_EVERY: u32 = 256;
/// How long the reader waits for room in the jets' queue before fetching pauses and the
/// consumer is polled meanwhile. Not at once: the queue is full most of the time the jets
/// are busy and has room again a batch later, and pausing drops what was prefetched of
/// the partitions, which resuming fetches again.
const PAUSE_AFTER: Duration = Duration::from_millis(500);

/// Open the input of `kafka`: a member of its group, or the reader of its partition.
pub(super) fn open(kafka: &Kafka) -> Result<Box<dyn Source>, String> {
    let mut config = kafka.config();
    let group = kafka.group.clone().unwrap_or_else(|| {
        // offsets are only committed in a group of the user's
        format!("fastscore-{}", crate::ids::random_hex(12))
    });
    let session = SESSION.as_millis().to_string();
    config
        .set("group.id", &group)
        // a member that died, or stopped polling, is out within seconds, so its
        // partitions move on
        .set("session.timeout.ms", &session)
        .set("max.poll.interval.ms", &session)
        .set("heartbeat.interval.ms", "300")
        // the prefetched records of every partition count against each partition's
        // threshold (100,000): past it, fetching pauses for this long, 1 s by default,
        // which left the jets idle
        .set("fetch.queue.backoff.ms", "10")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        // a rebalance moves only the partitions that must move, and the members keep
        // reading the others meanwhile (a member joining a busy group stalls nobody)
        .set("partition.assignment.strategy", "cooperative-sticky")
        // a topic created after the stream was attached is found within seconds
        .set("topic.metadata.refresh.interval.ms", "2000")
        // the consumer lag of each partition, for `/metrics`
        .set("statistics.interval.ms", "1000")
        .set(
            "auto.offset.reset",
            if matches!(kafka.start, Start::Earliest) {
                "earliest"
            } else {
                "latest"
            },
        );
    let shared = Arc::new(Shared {
        topic: kafka.topic.clone(),
        servers: kafka.servers.join(","),
        start: kafka.start,
        commit: kafka.group.is_some() && kafka.commit,
        state: Mutex::default(),
        settled: Condvar::new(),
        counts: Counts::default(),
        listener: Mutex::default(),
        stopping: AtomicBool::new(false),
        stepping_aside: AtomicBool::new(false),
        stash: Mutex::default(),
        outage: super::outage::of(&kafka.servers.join(",")),
    });
    let consumer: BaseConsumer<GroupContext> = config
        .create_with_context(GroupContext {
            shared: shared.clone(),
        })
        .map_err(|e| kafka.failed(&e))?;
    if !kafka.topic_exists(consumer.client())? {
        shared.wait_for_topic();
    }
    match (&kafka.group, kafka.start) {
        (Some(_), _) => consumer
            .subscribe(&[&kafka.topic])
            .map_err(|e| kafka.failed(&e))?,
        (None, start) => {
            consumer
                .assign(&partition_at(&kafka.topic, kafka.partition, start))
                .map_err(|e| kafka.failed(&e))?;
            lock(&shared.state).assigned.insert(kafka.partition);
        }
    }
    let consumer = Arc::new(consumer);
    Ok(Box::new(KafkaSource {
        commits: Arc::new(Commits {
            consumer: consumer.clone(),
            shared: shared.clone(),
        }),
        consumer,
        shared,
        grouped: kafka.group.is_some(),
        reassign: (kafka.group.is_none())
            .then(|| partition_at(&kafka.topic, kafka.partition, kafka.start)),
        probe: kafka.clone(),
        max_wait: kafka.max_wait,
        last: None,
        looked_at: Instant::now(),
        aside: false,
        held_since: None,
        paused: false,
        stashed: false,
        unlooked: 0,
    }))
}

/// `partition` of `topic`, read from `start`.
fn partition_at(topic: &str, partition: i32, start: Start) -> TopicPartitionList {
    let offset = match start {
        Start::Earliest => Offset::Beginning,
        Start::Latest => Offset::End,
        Start::At(n) => Offset::Offset(n),
    };
    let mut list = TopicPartitionList::new();
    // (a partition number is never refused here: it is checked when fetched)
    let _ = list.add_partition_offset(topic, partition, offset);
    list
}

/// What the consumer's callbacks, the reader and the committer share.
struct Shared {
    topic: String,
    servers: String,
    start: Start,
    /// Offsets are committed (in a group of the user's, unless `CommitOffset` is false).
    commit: bool,
    state: Mutex<CommitState>,
    /// Told when records were settled (a revocation waits for its partitions').
    settled: Condvar,
    counts: Counts,
    listener: Mutex<Option<Arc<dyn SourceListener>>>,
    /// The job is torn down: a revocation waits for nothing.
    stopping: AtomicBool,
    /// This member steps aside: a revocation waits only `ASIDE_WAIT`.
    stepping_aside: AtomicBool,
    /// Messages polled while the reader waited for room (fetching was paused, but what was
    /// fetched already may come): given before anything else, unless their partition left.
    stash: Mutex<std::collections::VecDeque<(Position, Vec<u8>)>>,
    outage: Arc<Outage>,
}

#[derive(Default)]
struct Counts {
    read: AtomicU64,
    /// Records read again: at or below an offset this input had read already.
    again: AtomicU64,
    /// Records handed over uncommitted in rebalances (others may read them again).
    handed: AtomicU64,
    /// Records read and dropped when their partition was taken away, unscored.
    dropped: AtomicU64,
    /// Commits the brokers refused (a later one covers what they did).
    refused_commits: AtomicU64,
}

#[derive(Default)]
struct CommitState {
    /// Per partition, the offsets read and not yet settled.
    waiting: BTreeMap<i32, Offsets>,
    last_read: BTreeMap<i32, i64>,
    committed: BTreeMap<i32, i64>,
    /// What the brokers said they committed: a commit may be refused (the mock cluster
    /// refuses every commit while its group rebalances), so a partition that moves is
    /// committed again unless the brokers have its offset.
    accepted: BTreeMap<i32, i64>,
    /// The partitions this member reads now.
    assigned: BTreeSet<i32>,
    /// Consumer lag per partition, from the client's statistics.
    lag: BTreeMap<i32, i64>,
    /// What the input waits for, if it waits (a topic that does not exist yet).
    waiting_for: Option<String>,
    /// Why the brokers refused the last commit they refused.
    last_refusal: Option<String>,
    /// Offsets of partitions taken away that could not be committed then (a broker may
    /// refuse commits while the group rebalances): committed if they come back here.
    carried: BTreeMap<i32, i64>,
}

impl Shared {
    fn tell(&self, text: &str) {
        let listener = lock(&self.listener).clone();
        match listener {
            Some(l) => l.notice(text),
            None => eprintln!("{text}"),
        }
    }

    fn wait_for_topic(&self) {
        let what = format!(
            "waiting for the Kafka topic '{}' to exist at {}",
            self.topic, self.servers
        );
        lock(&self.state).waiting_for = Some(what.clone());
        self.tell(&what);
    }

    fn topic_found(&self) {
        if lock(&self.state).waiting_for.take().is_some() {
            self.tell(&format!(
                "the Kafka topic '{}' exists now: reading it",
                self.topic
            ));
        }
    }

    /// Partitions taken away: drop what of them was read and not given to a jet, wait a
    /// while for what jets hold, commit what was scored; what is still unscored is handed
    /// over (counted). Then they are forgotten.
    fn revoke(&self, consumer: &BaseConsumer<GroupContext>, partitions: &[i32], lost: bool) {
        lock(&self.stash).retain(|(at, _)| !partitions.contains(&at.partition));
        // what was read of them and not given to a jet is withdrawn: it stays among the
        // records waiting, so that nothing from it on is committed, but nobody waits for it
        let listener = lock(&self.listener).clone();
        let dropped: Vec<Span> = listener.map(|l| l.revoked(partitions)).unwrap_or_default();
        self.counts
            .dropped
            .fetch_add(dropped.iter().map(|s| s.count).sum(), Ordering::Relaxed);
        // per partition, the records waiting that were not dropped: jets hold them
        let held = |st: &CommitState, partition: i32| {
            st.waiting.get(&partition).map_or(0, |w| {
                let withdrawn: u64 = dropped
                    .iter()
                    .filter(|s| s.partition == partition)
                    .map(|s| w.count_in(s.offset, s.count))
                    .sum();
                w.len() - withdrawn
            })
        };
        let jets_hold = |st: &CommitState| partitions.iter().any(|p| held(st, *p) > 0);
        let mut st = lock(&self.state);
        if !lost && !self.stopping.load(Ordering::Relaxed) {
            // what jets hold of them is scored in a moment: then it can be committed
            let wait = if self.stepping_aside.load(Ordering::Relaxed) {
                ASIDE_WAIT
            } else {
                REVOKE_WAIT
            };
            let deadline = Instant::now() + wait;
            while jets_hold(&st) {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                st = self
                    .settled
                    .wait_timeout(st, left)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
        let mut list = TopicPartitionList::new();
        let mut next_of = BTreeMap::new();
        for &partition in partitions {
            // what was scored, up to the first record still waiting (or withdrawn)
            let next = match st.waiting.get(&partition).and_then(|w| w.first()) {
                Some(lowest) => Some(lowest),
                None => st.last_read.get(&partition).map(|o| o + 1),
            };
            if let Some(next) = next {
                next_of.insert(partition, next);
                if st.accepted.get(&partition).is_none_or(|c| *c < next) {
                    let _ = list.add_partition_offset(&self.topic, partition, Offset::Offset(next));
                }
            }
            let unscored = held(&st, partition);
            st.waiting.remove(&partition);
            self.counts.handed.fetch_add(unscored, Ordering::Relaxed);
            st.committed.remove(&partition);
            st.accepted.remove(&partition);
            st.last_read.remove(&partition);
            st.assigned.remove(&partition);
            st.lag.remove(&partition);
        }
        drop(st);
        if self.commit && !lost && list.count() > 0 {
            // for sure, before the partitions move (an asynchronous commit may be refused
            // once the rebalance began); a broker that refuses it while the group
            // rebalances gets it again if the partitions come back here
            if consumer.commit(&list, CommitMode::Sync).is_err() {
                lock(&self.state).carried.extend(next_of);
            }
        }
    }

    /// Partitions given: those the group never committed start at `SkipToRecord` when it
    /// is a record number (committed offsets win over it; `earliest`/`latest` are the
    /// consumer's own reset).
    fn start_given(&self, consumer: &BaseConsumer<GroupContext>, given: &mut TopicPartitionList) {
        if let Start::At(n) = self.start {
            if let Ok(committed) = consumer.committed_offsets(given.clone(), COMMITTED_WAIT) {
                for e in committed.elements() {
                    if matches!(e.offset(), Offset::Invalid) {
                        let _ =
                            given.set_partition_offset(e.topic(), e.partition(), Offset::Offset(n));
                    }
                }
            }
        }
        // offsets whose commit was refused as their partitions left: committed now that
        // the group is settled (a member may commit any partition's offset), and a
        // partition that came back here reads on from there
        let partitions: Vec<i32> = given.elements().iter().map(|e| e.partition()).collect();
        let mut st = lock(&self.state);
        let mut list = TopicPartitionList::new();
        for (partition, next) in std::mem::take(&mut st.carried) {
            let _ = list.add_partition_offset(&self.topic, partition, Offset::Offset(next));
            if partitions.contains(&partition) {
                let _ = given.set_partition_offset(&self.topic, partition, Offset::Offset(next));
                st.committed.insert(partition, next);
            }
        }
        st.assigned.extend(partitions);
        drop(st);
        if self.commit && list.count() > 0 {
            let _ = consumer.commit(&list, CommitMode::Sync);
        }
    }
}

/// The consumer's callbacks: rebalances (see the module's doc) and statistics.
struct GroupContext {
    shared: Arc<Shared>,
}

impl rdkafka::client::ClientContext for GroupContext {
    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        self.shared.outage.error(&error, reason);
    }

    fn stats(&self, statistics: rdkafka::Statistics) {
        self.shared.outage.statistics(&statistics);
        let Some(topic) = statistics.topics.get(&self.shared.topic) else {
            return;
        };
        let mut st = lock(&self.shared.state);
        let assigned = st.assigned.clone();
        for (partition, p) in &topic.partitions {
            // (-1: not known yet)
            if assigned.contains(partition) && p.consumer_lag >= 0 {
                st.lag.insert(*partition, p.consumer_lag);
            }
        }
    }
}

impl ConsumerContext for GroupContext {
    fn commit_callback(
        &self,
        result: rdkafka::error::KafkaResult<()>,
        offsets: &TopicPartitionList,
    ) {
        let mut st = lock(&self.shared.state);
        if let Err(e) = result {
            self.shared
                .counts
                .refused_commits
                .fetch_add(1, Ordering::Relaxed);
            st.last_refusal = Some(e.to_string());
            return;
        }
        for e in offsets.elements() {
            if let (Offset::Offset(n), Ok(())) = (e.offset(), e.error()) {
                // (of a partition this member still reads)
                if st.assigned.contains(&e.partition()) {
                    let accepted = st.accepted.entry(e.partition()).or_insert(n);
                    *accepted = n.max(*accepted);
                }
            }
        }
    }

    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        partitions: &mut TopicPartitionList,
    ) {
        // (cooperative: only the partitions that move are named; eager: all of them)
        let cooperative = matches!(
            consumer.rebalance_protocol(),
            rdkafka::consumer::RebalanceProtocol::Cooperative
        );
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                self.shared.start_given(consumer, partitions);
                let taken = if cooperative {
                    consumer.incremental_assign(partitions)
                } else {
                    consumer.assign(partitions)
                };
                if let Err(e) = taken {
                    self.shared
                        .tell(&format!("taking the Kafka partitions given failed: {e}"));
                }
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                let taken: Vec<i32> = partitions
                    .elements()
                    .iter()
                    .map(|e| e.partition())
                    .collect();
                self.shared
                    .revoke(consumer, &taken, consumer.assignment_lost());
                let _ = if cooperative {
                    consumer.incremental_unassign(partitions)
                } else {
                    consumer.unassign()
                };
            }
            other => {
                self.shared.tell(&format!(
                    "a Kafka rebalance failed: {}",
                    rdkafka::error::RDKafkaErrorCode::from(other)
                ));
                let _ = consumer.unassign();
            }
        }
    }
}

/// The reader of the input.
pub(super) struct KafkaSource {
    consumer: Arc<BaseConsumer<GroupContext>>,
    shared: Arc<Shared>,
    commits: Arc<Commits>,
    grouped: bool,
    /// Without a group: the partition to assign again once its topic exists.
    reassign: Option<TopicPartitionList>,
    probe: Kafka,
    max_wait: Duration,
    last: Option<Position>,
    looked_at: Instant,
    /// It stepped aside: it joins its group again at the next read.
    aside: bool,
    /// Since when the reader waits for room in the jets' queue, if it waits.
    held_since: Option<Instant>,
    /// Fetching is paused (the reader has waited `PAUSE_AFTER`).
    paused: bool,
    /// Messages may wait in the stash.
    stashed: bool,
    /// Records read since the jets and the topic were last looked at.
    unlooked: u32,
}

impl KafkaSource {
    /// While the topic does not exist: look for it every `TOPIC_LOOK`.
    fn look_for_topic(&mut self) {
        if lock(&self.shared.state).waiting_for.is_none() || self.looked_at.elapsed() < TOPIC_LOOK {
            return;
        }
        self.looked_at = Instant::now();
        if let Ok(true) = self.probe.topic_exists(self.consumer.client()) {
            self.shared.topic_found();
            if let Some(list) = &self.reassign {
                let _ = self.consumer.assign(list);
            }
        }
    }
}

impl KafkaSource {
    /// Leave the group (within `LEAVE_WAIT`): the revocation this brings is served here.
    fn leave(&self) {
        self.consumer.unsubscribe();
        let deadline = Instant::now() + LEAVE_WAIT;
        while Instant::now() < deadline && self.consumer.assignment().is_ok_and(|a| a.count() > 0) {
            // what is still fetched of the partitions given up is dropped: not committed,
            // it is read by their next owner
            let _ = self.consumer.poll(POLL);
        }
    }
}

impl KafkaSource {
    /// Give a message read from `at`.
    fn give(&mut self, at: Position, payload: Vec<u8>) -> Option<Vec<u8>> {
        self.commits.read(at);
        self.last = Some(at);
        Some(payload)
    }

    /// Pause or resume fetching the partitions assigned now.
    fn fetching(&self, on: bool) {
        if let Ok(assigned) = self.consumer.assignment() {
            let _ = if on {
                self.consumer.resume(&assigned)
            } else {
                self.consumer.pause(&assigned)
            };
        }
    }
}

impl KafkaSource {
    /// A member whose jets stalled leaves its partitions to the others, and takes its share
    /// again once they move.
    fn follow_jets(&mut self) -> std::io::Result<()> {
        if !self.grouped {
            return Ok(());
        }
        let listener = lock(&self.shared.listener).clone();
        // (jets that wait for the brokers wait for them wherever they are)
        let stalled = listener.is_some_and(|l| l.stalled()) && !self.shared.outage.excuses_stall();
        if stalled && !self.aside {
            self.shared.tell(
                "the jets took no record for a while: leaving the Kafka group to its other members until they do",
            );
            self.shared.stepping_aside.store(true, Ordering::Relaxed);
            self.leave();
            self.aside = true;
        } else if !stalled && self.aside {
            self.aside = false;
            self.shared.stepping_aside.store(false, Ordering::Relaxed);
            self.shared
                .tell("the jets take records again: rejoining the Kafka group");
            self.consumer
                .subscribe(&[&self.shared.topic])
                .map_err(|e| std::io::Error::other(format!("rejoining the Kafka group: {e}")))?;
        }
        Ok(())
    }
}

impl Source for KafkaSource {
    fn read(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        if self.stashed {
            let stashed = lock(&self.shared.stash).pop_front();
            if let Some((at, payload)) = stashed {
                return Ok(self.give(at, payload));
            }
            self.stashed = false;
        }
        // since when nothing came: the first poll only takes what was fetched already
        // (without a timeout librdkafka reads no clock either)
        let mut since: Option<Instant> = None;
        while !self.shared.stopping.load(Ordering::Relaxed) {
            // while records come one after another, the jets and the topic are looked at
            // every so many records: each look takes locks and the clock
            self.unlooked += 1;
            if self.aside || since.is_some() || self.unlooked >= LOOK_EVERY {
                self.unlooked = 0;
                self.follow_jets()?;
                if self.aside {
                    // polled still: a leave that is not done yet needs its callbacks served
                    // (what comes of partitions that were given up is dropped)
                    let _ = self.consumer.poll(POLL);
                    continue;
                }
                self.look_for_topic();
            }
            let wait = if since.is_some() {
                POLL
            } else {
                Duration::ZERO
            };
            match self.consumer.poll(wait) {
                Some(Ok(message)) => {
                    let at = Position {
                        partition: message.partition(),
                        offset: message.offset(),
                    };
                    let payload = message.payload().unwrap_or_default().to_vec();
                    return Ok(self.give(at, payload));
                }
                // the consumer recovers from broker errors by itself; the wait still counts
                Some(Err(_)) | None => {
                    if since.get_or_insert_with(Instant::now).elapsed() >= self.max_wait {
                        return Ok(None);
                    }
                }
            }
        }
        Ok(None)
    }

    fn interrupter(&self) -> Option<Interrupt> {
        let shared = self.shared.clone();
        Some(Box::new(move || {
            shared.stopping.store(true, Ordering::Relaxed);
            shared.settled.notify_all();
        }))
    }

    fn position(&self) -> Option<Position> {
        self.last
    }

    fn committer(&self) -> Option<Arc<dyn Committer>> {
        Some(self.commits.clone() as Arc<dyn Committer>)
    }

    fn hold(&mut self, held: bool) {
        if held {
            self.held_since.get_or_insert_with(Instant::now);
        } else {
            self.held_since = None;
            if std::mem::take(&mut self.paused) {
                self.fetching(true);
            }
        }
    }

    fn keep_alive(&mut self) {
        // a short wait needs nothing: the consumer's heartbeats go on by themselves, and a
        // rebalance is served at the next poll
        if !self.paused {
            if self.held_since.is_none_or(|h| h.elapsed() < PAUSE_AFTER) {
                return;
            }
            self.fetching(false);
            self.paused = true;
        }
        // (a member that steps aside here withdraws what waits in the jets' queue)
        let _ = self.follow_jets();
        // rebalances and heartbeats are served by polls; what fetching had brought already
        // is kept for later (and its partition paused, as one given meanwhile may fetch)
        while let Some(Ok(message)) = self.consumer.poll(Duration::ZERO) {
            let at = Position {
                partition: message.partition(),
                offset: message.offset(),
            };
            let payload = message.payload().unwrap_or_default().to_vec();
            lock(&self.shared.stash).push_back((at, payload));
            self.stashed = true;
            let mut list = TopicPartitionList::new();
            let _ = list.add_partition(&self.shared.topic, at.partition);
            let _ = self.consumer.pause(&list);
        }
    }

    fn owns(&self, at: Position) -> bool {
        lock(&self.shared.state).assigned.contains(&at.partition)
    }

    fn listen(&self, listener: Arc<dyn SourceListener>) {
        let waiting = lock(&self.shared.state).waiting_for.clone();
        self.shared.outage.listen(&listener);
        *lock(&self.shared.listener) = Some(listener.clone());
        if let Some(what) = waiting {
            listener.notice(&what);
        }
    }
}

impl Drop for KafkaSource {
    /// A reader that stops leaves its group at once (its partitions move on now, not when
    /// its session ends), handing over what it did not score.
    fn drop(&mut self) {
        if !self.grouped {
            return;
        }
        self.shared.stopping.store(true, Ordering::Relaxed);
        self.leave();
    }
}

/// The offsets read and not yet scored, per partition; what is committed is the lowest of
/// them (or one past the last read), so no record is committed before those before it.
struct Commits {
    consumer: Arc<BaseConsumer<GroupContext>>,
    shared: Arc<Shared>,
}

impl Commits {
    fn read(&self, at: Position) {
        let counts = &self.shared.counts;
        counts.read.fetch_add(1, Ordering::Relaxed);
        let mut st = lock(&self.shared.state);
        if st
            .last_read
            .get(&at.partition)
            .is_some_and(|l| *l >= at.offset)
        {
            counts.again.fetch_add(1, Ordering::Relaxed);
        }
        st.waiting
            .entry(at.partition)
            .or_default()
            .insert(at.offset);
        st.last_read.insert(at.partition, at.offset);
    }
}

impl Committer for Commits {
    fn settled(&self, spans: &[Span]) {
        let mut list = TopicPartitionList::new();
        {
            let mut st = lock(&self.shared.state);
            let mut touched = BTreeSet::new();
            for s in spans {
                if let Some(w) = st.waiting.get_mut(&s.partition) {
                    w.remove(s.offset, s.count);
                    touched.insert(s.partition);
                }
            }
            for partition in touched {
                let next = match st.waiting.get(&partition).and_then(|w| w.first()) {
                    Some(lowest) => lowest,
                    None => st.last_read.get(&partition).map_or(0, |o| o + 1),
                };
                if st.committed.get(&partition).is_none_or(|c| *c < next) {
                    st.committed.insert(partition, next);
                    let _ = list.add_partition_offset(
                        &self.shared.topic,
                        partition,
                        Offset::Offset(next),
                    );
                }
            }
        }
        self.shared.settled.notify_all();
        if self.shared.commit && list.count() > 0 {
            // a partition handed to another member meanwhile refuses it: that member reads
            // from the last commit, so records are read again, never lost
            let _ = self.consumer.commit(&list, CommitMode::Async);
        }
    }

    fn report(&self) -> Value {
        let st = lock(&self.shared.state);
        let counts = &self.shared.counts;
        let waiting: u64 = st.waiting.values().map(Offsets::len).sum();
        let by_partition = |m: &BTreeMap<i32, i64>| {
            m.iter()
                .map(|(p, o)| (p.to_string(), json!(o)))
                .collect::<Map<String, Value>>()
        };
        let mut report = json!({
            "read": counts.read.load(Ordering::Relaxed),
            "uncommitted": waiting,
            "read_again": counts.again.load(Ordering::Relaxed),
            "handed_over": counts.handed.load(Ordering::Relaxed),
            "dropped_at_revoke": counts.dropped.load(Ordering::Relaxed),
            "refused_commits": counts.refused_commits.load(Ordering::Relaxed),
            "last_refusal": st.last_refusal,
            "committed": by_partition(&st.committed),
            "assigned": st.assigned.iter().collect::<Vec<_>>(),
            "lag": by_partition(&st.lag),
        });
        if let Some(what) = &st.waiting_for {
            report["waiting"] = json!(what);
        }
        self.shared.outage.report(&mut report);
        report
    }
}
