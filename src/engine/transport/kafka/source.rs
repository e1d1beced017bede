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
use super::marks::{self, Marks};
use super::offsets::Offsets;
use super::outage::Outage;
use super::outbox::Outbox;
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
pub(super) const SESSION: Duration = Duration::from_secs(10);
/// How often a topic that does not exist yet is looked for again.
const TOPIC_LOOK: Duration = Duration::from_secs(2);
/// How long a revocation waits for the records of its partitions that jets hold: in a
/// rebalance, and when this member steps aside because its jets took nothing for a while.
const REVOKE_WAIT: Duration = Duration::from_secs(8);
const ASIDE_WAIT: Duration = Duration::from_secs(2);
/// How long the group's committed offsets are asked for, when partitions are given.
const COMMITTED_WAIT: Duration = Duration::from_secs(5);
/// How long a record waits for its partition's read mark before the wait is told.
const MARK_TOLD: Duration = Duration::from_secs(5);
/// Told when the brokers give no read mark back (see `marks`).
const UNKEPT: &str = "the Kafka brokers keep no commit metadata: records an earlier owner of a partition may have scored are not counted as read again";
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
        marked: Condvar::new(),
        counts: Counts::default(),
        listener: Mutex::default(),
        stopping: AtomicBool::new(false),
        stepping_aside: AtomicBool::new(false),
        stash: Mutex::default(),
        outage: super::outage::of(&kafka.servers.join(",")),
        outbox: Arc::default(),
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
    if shared.commit {
        let (committer, own) = (consumer.clone(), shared.clone());
        let committing = move |wanted| own.commit_wanted(&committer, wanted);
        let started = shared.outbox.start(committing);
        started.map_err(|e| format!("starting the Kafka commits' thread: {e}"))?;
    }
    Ok(Box::new(KafkaSource {
        commits: Arc::new(Commits {
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
    /// Told when commits were answered (a record may wait for its read mark).
    marked: Condvar,
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
    outbox: Arc<Outbox>,
}

#[derive(Default)]
struct Counts {
    read: AtomicU64,
    /// Records read again: at or below an offset this input had read already, or below
    /// the read mark of their partition's earlier owner (see `marks`).
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
    /// The partitions this member reads now.
    assigned: BTreeSet<i32>,
    /// Consumer lag per partition, from the client's statistics.
    lag: BTreeMap<i32, i64>,
    /// What the input waits for, if it waits (a topic that does not exist yet).
    waiting_for: Option<String>,
    /// Why the brokers refused the last commit they refused.
    last_refusal: Option<String>,
    /// Offsets (and read marks) of partitions taken away that could not be committed then
    /// (a broker may refuse commits while the group rebalances): committed once the group
    /// settles.
    carried: BTreeMap<i32, (i64, i64)>,
    marks: Marks,
    /// The partition whose read mark a record waits for, and since when (once told).
    mark_wait: Option<(i32, Instant)>,
}

impl Shared {
    /// Count `at` as read, and as read again if it may have been scored already.
    fn note_read(&self, st: &mut CommitState, at: Position) {
        self.counts.read.fetch_add(1, Ordering::Relaxed);
        if st
            .last_read
            .get(&at.partition)
            .is_some_and(|l| *l >= at.offset)
            || st.marks.earlier_covers(at.partition, at.offset)
        {
            self.counts.again.fetch_add(1, Ordering::Relaxed);
        }
        st.waiting
            .entry(at.partition)
            .or_default()
            .insert(at.offset);
        st.last_read.insert(at.partition, at.offset);
    }

    /// Commit a read mark further ahead if `at` comes near the last one (see `marks`).
    fn move_mark(&self, st: &mut CommitState, at: Position) {
        if let Some(mark) = st.marks.next_to_commit(at.partition, at.offset) {
            // (the offset stays where it is: what was scored, or this record)
            let next = st.committed.get(&at.partition).copied().or_else(|| {
                let waiting = st.waiting.get(&at.partition);
                waiting.and_then(|w| w.first())
            });
            self.outbox
                .want(at.partition, next.unwrap_or(at.offset), mark);
        }
    }

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
        let mut handed = 0;
        for &partition in partitions {
            // what was scored, up to the first record still waiting (or withdrawn)
            let next = match st.waiting.get(&partition).and_then(|w| w.first()) {
                Some(lowest) => Some(lowest),
                None => st.last_read.get(&partition).map(|o| o + 1),
            };
            // jets were given every record read, up to the first one withdrawn
            let given_below = dropped
                .iter()
                .filter(|s| s.partition == partition)
                .map(|s| s.offset)
                .min()
                .or_else(|| st.last_read.get(&partition).map(|o| o + 1))
                .unwrap_or(0);
            let mark = st.marks.taken(partition, given_below);
            if let Some(next) = next {
                // (committed even where the offset stays: the mark is exact now)
                next_of.insert(partition, (next, mark));
                marks::add(&mut list, &self.topic, partition, next, mark);
            }
            handed += held(&st, partition);
            st.waiting.remove(&partition);
            st.committed.remove(&partition);
            st.last_read.remove(&partition);
            st.assigned.remove(&partition);
            st.lag.remove(&partition);
        }
        drop(st);
        self.counts.handed.fetch_add(handed, Ordering::Relaxed);
        if lost {
            // (the group went on without this member, which was cut off from the brokers past
            // its session, or did not poll: told, as its partitions move without a word)
            let names: Vec<String> = partitions.iter().map(i32::to_string).collect();
            self.tell(&format!(
                "the Kafka group went on without this member (it was not heard from in time): partitions {} given up, {handed} records of them read and not committed (the group reads them again)",
                names.join(", ")
            ));
        }
        // (no commit of what was wanted before comes after this one)
        let _sending = self.outbox.forget(partitions);
        if self.commit && !lost && list.count() > 0 {
            // before the partitions move; a broker that refuses it while the group
            // rebalances gets it again once the group settles
            let committed = consumer.commit(&list, CommitMode::Sync);
            self.answered(&list, committed.clone().map_err(|e| e.to_string()));
            if committed.is_err() {
                lock(&self.state).carried.extend(next_of);
            }
        }
    }

    /// Partitions given: those the group never committed start at `SkipToRecord` when it
    /// is a record number (committed offsets win over it; `earliest`/`latest` are the
    /// consumer's own reset); the read marks of their earlier owners are taken note of.
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
        for &partition in &partitions {
            st.marks.given(partition);
        }
        let mut list = TopicPartitionList::new();
        for (partition, (next, mark)) in std::mem::take(&mut st.carried) {
            marks::add(&mut list, &self.topic, partition, next, mark);
            if partitions.contains(&partition) {
                let _ = given.set_partition_offset(&self.topic, partition, Offset::Offset(next));
                st.committed.insert(partition, next);
            }
        }
        st.assigned.extend(partitions);
        drop(st);
        if self.commit && list.count() > 0 {
            let committed = consumer.commit(&list, CommitMode::Sync);
            self.answered(&list, committed.map_err(|e| e.to_string()));
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

impl Shared {
    /// Commit what the outbox has (on its thread), never waiting without a limit: the read
    /// marks of partitions given are looked up first, and this member's cover them (one
    /// whose earlier mark cannot be looked up now is left for a later commit). The commit is
    /// sent, then read back: the client tells nothing of an asynchronous commit, and may
    /// hold a synchronous one through a rebalance without a limit.
    fn commit_wanted(
        &self,
        consumer: &BaseConsumer<GroupContext>,
        mut wanted: BTreeMap<i32, (i64, i64)>,
    ) {
        let fresh = lock(&self.state).marks.to_look_up(wanted.keys().copied());
        if !fresh.is_empty() {
            let found = self.committed_now(consumer, &fresh);
            let mut st = lock(&self.state);
            for partition in fresh {
                match found.as_ref().map(|f| f.get(&partition)) {
                    Some(earlier) => st
                        .marks
                        .looked_up(partition, earlier.and_then(|(_, mark)| *mark)),
                    None => {
                        let mut unknown = TopicPartitionList::new();
                        if let Some((next, mark)) = wanted.remove(&partition) {
                            marks::add(&mut unknown, &self.topic, partition, next, mark);
                        }
                        st.marks.answered(&unknown, false);
                    }
                }
            }
            for (partition, (_, mark)) in wanted.iter_mut() {
                *mark = (*mark).max(st.marks.of(*partition));
            }
        }
        let mut list = TopicPartitionList::new();
        for (&partition, &(next, mark)) in &wanted {
            marks::add(&mut list, &self.topic, partition, next, mark);
        }
        if list.count() == 0 {
            return;
        }
        if let Err(e) = consumer.commit(&list, CommitMode::Async) {
            self.answered(&list, Err(e.to_string()));
            return;
        }
        // (only a commit that moves a read mark is read back: the others need no answer)
        let moves_marks = lock(&self.state).marks.any_pending(wanted.keys().copied());
        if !moves_marks {
            return;
        }
        let partitions: Vec<i32> = wanted.keys().copied().collect();
        let back = self
            .committed_now(consumer, &partitions)
            .unwrap_or_default();
        let (mut landed, mut not) = (TopicPartitionList::new(), TopicPartitionList::new());
        let unkept = wanted
            .iter()
            .any(|(p, (next, _))| back.get(p).is_some_and(|b| *b == (*next, None)));
        if unkept && !std::mem::replace(&mut lock(&self.state).marks.unkept, true) {
            self.tell(UNKEPT);
        }
        for (partition, (next, mark)) in wanted {
            // (a broker that keeps no commit metadata — tansu — gives no mark back: the
            // offset landed, and earlier owners' marks are never known there)
            let kept = |&(offset, kept_mark): &(i64, Option<i64>)| {
                offset == next && kept_mark.is_none_or(|m| m == mark)
            };
            let into = if back.get(&partition).is_some_and(kept) {
                &mut landed
            } else {
                &mut not
            };
            marks::add(into, &self.topic, partition, next, mark);
        }
        self.answered(&landed, Ok(()));
        if not.count() > 0 {
            let why = "the group did not keep it (it may be rebalancing)";
            self.answered(&not, Err(why.into()));
        }
    }

    /// The offsets (and read marks) the group has committed for `partitions` now, if it
    /// answers within `COMMITTED_WAIT`.
    fn committed_now(
        &self,
        consumer: &BaseConsumer<GroupContext>,
        partitions: &[i32],
    ) -> Option<BTreeMap<i32, (i64, Option<i64>)>> {
        let mut asked = TopicPartitionList::new();
        for &partition in partitions {
            asked.add_partition(&self.topic, partition);
        }
        let found = consumer.committed_offsets(asked, COMMITTED_WAIT).ok()?;
        let elements = found.elements();
        let committed = elements.iter().map(|e| {
            let offset = e.offset().to_raw().unwrap_or(-1);
            (e.partition(), (offset, marks::parse(e.metadata())))
        });
        Some(committed.collect())
    }

    /// A commit was answered.
    fn answered(&self, list: &TopicPartitionList, result: Result<(), String>) {
        let mut st = lock(&self.state);
        st.marks.answered(list, result.is_ok());
        self.marked.notify_all();
        if let Err(e) = result {
            self.counts.refused_commits.fetch_add(1, Ordering::Relaxed);
            st.last_refusal = Some(e);
        }
    }
}

impl ConsumerContext for GroupContext {
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
                match taken {
                    // (a partition paused here before it was taken away stays paused when
                    // it comes back, and would never be read)
                    Ok(()) => {
                        let _ = consumer.resume(partitions);
                    }
                    Err(e) => self
                        .shared
                        .tell(&format!("taking the Kafka partitions given failed: {e}")),
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
    /// Give a message read from `at`, unless its partition left while it waited.
    fn give(&mut self, at: Position, payload: Vec<u8>) -> Option<Vec<u8>> {
        let mut st = lock(&self.shared.state);
        if self.shared.commit {
            self.shared.move_mark(&mut st, at);
            if !st.marks.covers(at.partition, at.offset) {
                drop(st);
                if !self.await_mark(at) {
                    return None;
                }
                st = lock(&self.shared.state);
            }
        }
        self.shared.note_read(&mut st, at);
        drop(st);
        self.last = Some(at);
        Some(payload)
    }

    /// Move the read mark of `at`'s partition ahead when it comes near, and wait until it
    /// covers `at` (see `marks`): while the partition is this member's and the job runs.
    /// Whether it does.
    fn await_mark(&mut self, at: Position) -> bool {
        let since = Instant::now();
        let (mut polled, mut told, mut stashing) = (false, false, false);
        let given = loop {
            let mut st = lock(&self.shared.state);
            if st.marks.covers(at.partition, at.offset) {
                break true;
            }
            let waited = since.elapsed();
            if polled && !st.assigned.contains(&at.partition)
                || self.shared.stopping.load(Ordering::Relaxed)
            {
                break false;
            }
            self.shared.move_mark(&mut st, at);
            st.mark_wait = (waited >= MARK_TOLD).then_some((at.partition, since));
            let why = st.last_refusal.clone().unwrap_or_default();
            drop(st);
            if waited >= MARK_TOLD && !told {
                told = true;
                self.shared.tell(&format!(
                    "the Kafka group has not kept a commit of partition {} for {} s ({why}): its records wait",
                    at.partition,
                    waited.as_secs()
                ));
            }
            if waited < PAUSE_AFTER {
                // a short wait (a commit's round trip) polls nothing: pausing the partitions
                // of what a poll brings would drop what was prefetched
                let st = lock(&self.shared.state);
                let _ = self
                    .shared
                    .marked
                    .wait_timeout(st, Duration::from_millis(1));
            } else {
                // (polled, for rebalances; what comes is kept for later)
                self.stash_polled(Duration::from_millis(5));
                stashing = true;
            }
            polled = true;
        };
        if !polled {
            return given;
        }
        let mut st = lock(&self.shared.state);
        st.mark_wait = None;
        st.marks.waited(at.partition);
        drop(st);
        if told {
            self.shared.tell(&format!(
                "the Kafka group keeps this member's commits again, after {:.1} s",
                since.elapsed().as_secs_f64()
            ));
        }
        if stashing && !self.paused {
            // (what the polls brought meanwhile paused its partitions)
            self.fetching(true);
        }
        given
    }

    /// Poll (at most `wait`) and keep what comes for later, pausing its partition (one
    /// given meanwhile may fetch).
    fn stash_polled(&mut self, wait: Duration) {
        let mut wait = wait;
        while let Some(Ok(message)) = self.consumer.poll(wait) {
            wait = Duration::ZERO;
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
        // since when nothing came: the first poll only takes what was fetched already
        // (without a timeout librdkafka reads no clock either)
        let mut since: Option<Instant> = None;
        while !self.shared.stopping.load(Ordering::Relaxed) {
            if self.stashed {
                let stashed = lock(&self.shared.stash).pop_front();
                match stashed {
                    Some((at, payload)) => match self.give(at, payload) {
                        Some(payload) => return Ok(Some(payload)),
                        None => continue,
                    },
                    None => self.stashed = false,
                }
            }
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
            let polled = match self.consumer.poll(wait) {
                Some(Ok(message)) => Some((
                    Position {
                        partition: message.partition(),
                        offset: message.offset(),
                    },
                    message.payload().unwrap_or_default().to_vec(),
                )),
                // the consumer recovers from broker errors by itself; the wait still counts
                Some(Err(_)) | None => None,
            };
            match polled {
                Some((at, payload)) => {
                    if let Some(payload) = self.give(at, payload) {
                        return Ok(Some(payload));
                    }
                }
                None => {
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
        // is kept for later
        self.stash_polled(Duration::ZERO);
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
        self.shared.outbox.close();
    }
}

/// The offsets read and not yet scored, per partition; what is committed is the lowest of
/// them (or one past the last read), so no record is committed before those before it.
struct Commits {
    shared: Arc<Shared>,
}

impl Committer for Commits {
    fn settled(&self, spans: &[Span]) {
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
                    if self.shared.commit {
                        // (a partition handed to another member meanwhile refuses it: that
                        // member reads from the last commit, so records are read again)
                        let mark = st.marks.of(partition);
                        self.shared.outbox.want(partition, next, mark);
                    }
                }
            }
        }
        self.shared.settled.notify_all();
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
        if st.marks.unkept {
            report["read_marks"] = json!(UNKEPT);
        }
        if let Some((partition, since)) = st.mark_wait {
            report["commit_wait"] =
                json!({"partition": partition, "seconds": since.elapsed().as_secs()});
        }
        self.shared.outage.report(&mut report);
        report
    }
}
