//! Read marks: how a member of a consumer group knows which records it reads may have been
//! scored already by an earlier owner of their partition (one that died, failed, or gave the
//! partition up with records in its jets), so that it counts them as read again.
//!
//! Every offset commit of ours carries, in its metadata, the partition's mark: no record at
//! or past it was given to a jet by this member. A record past the committed mark is given
//! only once a commit that moves the mark ahead of it is acknowledged. The mark is moved
//! well before it is reached, as far ahead as the partition is read in `LEAD` (at least
//! `AHEAD` records, more where reading outran it): a group refuses commits while it
//! rebalances, and reading goes on meanwhile. A member given a partition looks up its
//! earlier owner's mark, before its own first one: the records below it are counted as
//! read again (so a mark far ahead counts more than were scored, never fewer). Brokers
//! that keep no commit metadata give no mark back: there, the offsets alone count.

use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How far ahead of the records read a mark is moved at least (a member that dies leaves
/// up to its lead, per partition, counted as read again and never scored: this many, or
/// what it read in `LEAD`, or more where reading outran the commits).
const AHEAD: i64 = 4_096;
const AHEAD_MOST: i64 = 1 << 16;
/// How long after a refusal a mark commit is sent again (a group that rebalances refuses
/// commits until it is done).
const AGAIN_AFTER: Duration = Duration::from_millis(100);
/// How long reading goes on past the last mark that landed: a group refuses commits while
/// it rebalances, up to about a session timeout (librdkafka's mock cluster waits the
/// session timeout less 1 s in each join round; between the two rounds of a cooperative
/// rebalance, commits land again).
const LEAD: Duration = super::source::SESSION;
/// How often a partition's reading speed is measured.
const MEASURE_EVERY: Duration = Duration::from_millis(100);
/// Records read between two looks at the clock, for that measure.
const MEASURE_RECORDS: i64 = 256;
const PREFIX: &str = "fastscore read-below ";

/// The marks of the partitions a member reads, and those of their earlier owners.
#[derive(Default)]
pub(super) struct Marks {
    /// The brokers keep no commit metadata (tansu 0.6): no mark comes back, so nothing
    /// waits for one, and earlier owners' marks are never known.
    pub(super) unkept: bool,
    of: BTreeMap<i32, Mark>,
    /// Per partition given: its earlier owner's mark.
    earlier: BTreeMap<i32, i64>,
}

#[derive(Default)]
struct Mark {
    /// The highest mark committed so far (acknowledged or not).
    issued: i64,
    /// The highest mark whose commit was acknowledged.
    acknowledged: i64,
    /// A mark commit is on its way.
    pending: bool,
    /// When a mark commit was last refused (it is sent again a while after).
    refused: Option<Instant>,
    /// The earlier owner's mark was looked up.
    looked_up: bool,
    /// How far ahead of the records read the mark is moved: from `AHEAD`, doubled each
    /// time a record had to wait for it, up to `AHEAD_MOST`, or what is read in `LEAD`.
    ahead: i64,
    /// Records read a second, lately (offsets moved per second), and where and when the
    /// current measure began.
    speed: f64,
    measure: Option<(Instant, i64)>,
    /// The offset at which the clock is looked at next, for that measure.
    look_at: i64,
}

impl Mark {
    /// Measure the reading speed, now that `offset` was read (the clock is looked at every
    /// `MEASURE_RECORDS` records).
    fn measure(&mut self, offset: i64) {
        if offset < self.look_at {
            return;
        }
        self.look_at = offset + MEASURE_RECORDS;
        let now = Instant::now();
        let Some((since, from)) = self.measure else {
            self.measure = Some((now, offset));
            return;
        };
        let took = now.duration_since(since);
        if took >= MEASURE_EVERY {
            self.speed = (offset - from).max(0) as f64 / took.as_secs_f64();
            self.measure = Some((now, offset));
        }
    }
}

/// The mark in a commit's metadata, if one of ours.
pub(super) fn parse(metadata: &str) -> Option<i64> {
    metadata.strip_prefix(PREFIX)?.parse().ok()
}

/// Add the commit of `next` for `partition`, with `mark` in its metadata.
pub(super) fn add(
    list: &mut TopicPartitionList,
    topic: &str,
    partition: i32,
    next: i64,
    mark: i64,
) {
    let mut e = list.add_partition(topic, partition);
    let _ = e.set_offset(Offset::Offset(next));
    e.set_metadata(format!("{PREFIX}{mark}"));
}

impl Marks {
    /// The mark to commit with `partition`'s offsets.
    pub(super) fn of(&self, partition: i32) -> i64 {
        self.of.get(&partition).map_or(0, |m| m.issued)
    }

    /// Whether a record at `offset` of `partition` may be given now.
    pub(super) fn covers(&self, partition: i32, offset: i64) -> bool {
        self.of
            .get(&partition)
            .is_some_and(|m| offset < m.acknowledged)
    }

    /// The mark to commit, if one must be, now that `offset` of `partition` was read: when
    /// the acknowledged mark comes near and none is on its way.
    pub(super) fn next_to_commit(&mut self, partition: i32, offset: i64) -> Option<i64> {
        let m = self.of.entry(partition).or_default();
        m.measure(offset);
        let ahead = m
            .ahead
            .max(AHEAD)
            .max((m.speed * LEAD.as_secs_f64()) as i64);
        if m.pending || offset + ahead / 2 < m.acknowledged {
            return None;
        }
        if m.refused.is_some_and(|t| t.elapsed() < AGAIN_AFTER) {
            return None;
        }
        m.pending = true;
        m.issued = m.issued.max(offset + ahead);
        Some(m.issued)
    }

    /// A record of `partition` had to wait for its mark: the next ones move further ahead.
    pub(super) fn waited(&mut self, partition: i32) {
        let m = self.of.entry(partition).or_default();
        m.ahead = (m.ahead.max(AHEAD) * 2).min(AHEAD_MOST);
    }

    /// Whether a mark commit of one of `partitions` is on its way (its answer matters).
    pub(super) fn any_pending(&self, mut partitions: impl Iterator<Item = i32>) -> bool {
        partitions.any(|p| self.of.get(&p).is_some_and(|m| m.pending))
    }

    /// Those of `partitions` whose earlier owner's mark was not looked up yet.
    pub(super) fn to_look_up(&self, partitions: impl Iterator<Item = i32>) -> Vec<i32> {
        partitions
            .filter(|p| self.of.get(p).is_none_or(|m| !m.looked_up))
            .collect()
    }

    /// The earlier owner's mark of `partition` was looked up (none: it had none of ours);
    /// this member's marks cover it.
    pub(super) fn looked_up(&mut self, partition: i32, earlier: Option<i64>) {
        let m = self.of.entry(partition).or_default();
        m.looked_up = true;
        if let Some(mark) = earlier {
            m.issued = m.issued.max(mark);
            self.earlier.insert(partition, mark);
        }
    }

    /// Commits were answered: the marks they carried are acknowledged, or sent again later.
    pub(super) fn answered(&mut self, list: &TopicPartitionList, ok: bool) {
        for e in list.elements() {
            let (Some(mark), Some(m)) = (parse(e.metadata()), self.of.get_mut(&e.partition()))
            else {
                continue;
            };
            if mark >= m.issued {
                m.pending = false;
            }
            if ok {
                m.acknowledged = m.acknowledged.max(mark);
            } else {
                m.refused = Some(Instant::now());
            }
        }
    }

    /// `partition` was given: its earlier owner's mark is to be looked up.
    pub(super) fn given(&mut self, partition: i32) {
        self.of.remove(&partition);
        self.earlier.remove(&partition);
    }

    /// Whether a record at `offset` of `partition` may have been scored by an earlier owner.
    pub(super) fn earlier_covers(&self, partition: i32, offset: i64) -> bool {
        self.earlier.get(&partition).is_some_and(|m| offset < *m)
    }

    /// `partition` was taken away; the mark committed with its last offsets, exactly past
    /// what was given to jets (`given_below`).
    pub(super) fn taken(&mut self, partition: i32, given_below: i64) -> i64 {
        let earlier = self.earlier.remove(&partition).unwrap_or(0);
        self.of.remove(&partition);
        given_below.max(earlier)
    }
}
