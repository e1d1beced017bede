//! The Kafka output: a producer whose records every replica acknowledges. A write hands its
//! records to the producer and returns; their acknowledgements arrive on the producer's own
//! thread while the next batches are produced. The sink counts them (`Durability`), so that
//! the records they came from are committed only once they are acknowledged
//! (`engine::settle`); a refused record fails the job at the sink's next write or flush.

use super::super::{Durability, Sink};
use super::outage::Outage;
use super::produce_batch::Topic;
use super::Kafka;
use crate::engine::envelope::Framed;
use crate::sync::lock;
use rdkafka::error::KafkaError;
use rdkafka::producer::{Producer, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a record may wait for its acknowledgement (librdkafka's `message.timeout.ms`:
/// one not acknowledged by then is refused), and a write for room in a full queue.
const DELIVERY_WAIT: Duration = Duration::from_secs(60);
/// Records produced and not yet acknowledged, at most, and their size (librdkafka's queue,
/// set here rather than left to its defaults of 100,000 and 1 GiB): a write that finds the
/// queue full waits, holding its jet, as a full REST queue does.
const UNACKNOWLEDGED_RECORDS: usize = 100_000;
const UNACKNOWLEDGED_KIB: usize = 64 << 10;
/// The longest a waiting write or `finish` sleeps before it looks again.
const WAIT_STEP: Duration = Duration::from_millis(100);
/// Records waiting this long with none acknowledged mean the brokers are out of reach.
const UNACKNOWLEDGED: Duration = Duration::from_secs(3);

/// Open the output of `kafka`.
pub(super) fn open(kafka: &Kafka) -> Result<Box<dyn Sink>, String> {
    let mut config = kafka.config();
    // every replica acknowledges, and retries cannot duplicate or reorder
    config
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("message.timeout.ms", DELIVERY_WAIT.as_millis().to_string())
        .set(
            "queue.buffering.max.messages",
            UNACKNOWLEDGED_RECORDS.to_string(),
        )
        .set("queue.buffering.max.kbytes", UNACKNOWLEDGED_KIB.to_string())
        // with Spread, records (which have no key) go over the partitions one by one, so
        // that the engines of a group reading the topic share them
        .set("sticky.partitioning.linger.ms", "0");
    let producer: ThreadedProducer<Deliveries> = config
        .create_with_context(Deliveries {
            acks: Mutex::default(),
            changed: Condvar::new(),
            outage: super::outage::of(&kafka.servers.join(",")),
        })
        .map_err(|e| kafka.failed(&e))?;
    kafka.check_topic(producer.client())?;
    Ok(Box::new(KafkaSink {
        batches: Topic::open(producer.client(), &kafka.topic)?,
        producer,
        topic: kafka.topic.clone(),
        partition: (!kafka.spread).then_some(kafka.partition),
    }))
}

/// The writes whose records are not all acknowledged yet, and the first refusal.
#[derive(Default)]
struct Acks {
    /// The number the next write gets.
    next: u64,
    /// Per write not yet acknowledged in full, its records still waiting.
    waiting: BTreeMap<u64, usize>,
    refused: Option<String>,
    /// Threads waiting for an acknowledgement (woken only then: a wake-up per record
    /// would cost a system call each).
    watchers: usize,
    /// Records acknowledged so far, and the count when the flush tick last looked.
    acknowledged: u64,
    looked_at: u64,
    /// When the flush tick saw acknowledgements last, or a write found none waiting (not
    /// the time of each acknowledgement: the clock would be read for every record).
    last_ack: Option<Instant>,
}

/// The producer's context: told of each record's acknowledgement (on the producer's thread).
struct Deliveries {
    acks: Mutex<Acks>,
    /// Notified on every acknowledgement or refusal while someone watches.
    changed: Condvar,
    outage: Arc<Outage>,
}

impl rdkafka::client::ClientContext for Deliveries {
    fn error(&self, error: KafkaError, reason: &str) {
        self.outage.error(&error, reason);
    }
}

impl rdkafka::producer::ProducerContext for Deliveries {
    /// The number of the write the record came in.
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &rdkafka::producer::DeliveryResult<'_>, write: usize) {
        let mut acks = lock(&self.acks);
        match result {
            Ok(_) => {
                acks.acknowledged += 1;
                let write = write as u64;
                if let Some(left) = acks.waiting.get_mut(&write) {
                    *left -= 1;
                    if *left == 0 {
                        acks.waiting.remove(&write);
                    }
                }
            }
            // the write stays unacknowledged: its inputs are never committed
            Err((e, _)) => {
                acks.refused.get_or_insert_with(|| match e {
                    // the broker's reason, without the wrapper's words around it
                    KafkaError::MessageProduction(code) => code.to_string(),
                    other => other.to_string(),
                });
            }
        }
        let watched = acks.watchers > 0;
        drop(acks);
        if watched {
            self.changed.notify_all();
        }
        if result.is_ok() && self.outage.is_on() {
            self.outage.acknowledged();
        }
    }
}

impl Durability for Deliveries {
    fn written(&self) -> u64 {
        lock(&self.acks).next
    }

    fn durable(&self) -> u64 {
        let acks = lock(&self.acks);
        acks.waiting.keys().next().copied().unwrap_or(acks.next)
    }
}

struct KafkaSink {
    /// (declared before the producer, so dropped before it)
    batches: Topic,
    producer: ThreadedProducer<Deliveries>,
    topic: String,
    /// Where every record goes (the original's way: a reader without a group reads one
    /// partition); none when the records are spread.
    partition: Option<i32>,
}

impl KafkaSink {
    fn acks(&self) -> MutexGuard<'_, Acks> {
        lock(&self.producer.context().acks)
    }

    /// Wait (at most `WAIT_STEP`) for an acknowledgement; then whether none was refused.
    fn wait_for_acks<'a>(
        &self,
        mut acks: MutexGuard<'a, Acks>,
    ) -> std::io::Result<MutexGuard<'a, Acks>> {
        acks.watchers += 1;
        let (mut acks, _) = self
            .producer
            .context()
            .changed
            .wait_timeout(acks, WAIT_STEP)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        acks.watchers -= 1;
        self.not_refused(acks)
    }

    fn not_refused<'a>(&self, acks: MutexGuard<'a, Acks>) -> std::io::Result<MutexGuard<'a, Acks>> {
        match &acks.refused {
            Some(why) => Err(std::io::Error::other(format!(
                "producing to '{}' failed: {why}",
                self.topic
            ))),
            None => Ok(acks),
        }
    }

    /// Hand the records of write `write` to the producer, waiting (at most `DELIVERY_WAIT`)
    /// while its queue is full.
    fn send(&self, records: &[&[u8]], write: u64) -> std::io::Result<()> {
        let mut deadline = None;
        let mut from = 0;
        while from < records.len() {
            let (taken, refused) =
                self.batches
                    .produce(&records[from..], self.partition, write as usize);
            from += taken;
            match refused {
                None => {}
                Some(RDKafkaErrorCode::QueueFull) => {
                    let deadline = *deadline.get_or_insert_with(|| Instant::now() + DELIVERY_WAIT);
                    if Instant::now() > deadline {
                        return Err(std::io::Error::other(format!(
                            "'{}' had no room for more records for {} s",
                            self.topic,
                            DELIVERY_WAIT.as_secs()
                        )));
                    }
                    drop(self.wait_for_acks(self.acks())?);
                }
                Some(e) => {
                    return Err(std::io::Error::other(format!(
                        "producing to '{}': {e}",
                        self.topic
                    )))
                }
            }
        }
        Ok(())
    }
}

impl Sink for KafkaSink {
    /// Produce the records; their acknowledgements come later (`durability`).
    fn write(&self, records: &Framed) -> std::io::Result<()> {
        let count = records.records().count();
        if count == 0 {
            return Ok(());
        }
        let write = {
            let mut acks = self.not_refused(self.acks())?;
            let write = acks.next;
            acks.next += 1;
            if acks.waiting.is_empty() {
                acks.last_ack = Some(Instant::now());
            }
            acks.waiting.insert(write, count);
            write
        };
        let records: Vec<&[u8]> = records.records().collect();
        self.send(&records, write)
    }

    /// A refused record fails the job within the job's flush interval, even when nothing
    /// more is written; records that wait long for their acknowledgement are an outage.
    fn flush_buffered(&self) -> std::io::Result<()> {
        let mut acks = self.not_refused(self.acks())?;
        if acks.acknowledged != acks.looked_at {
            acks.looked_at = acks.acknowledged;
            acks.last_ack = Some(Instant::now());
        }
        let waited = acks.last_ack.map(|a| a.elapsed()).unwrap_or_default();
        if !acks.waiting.is_empty() && waited > UNACKNOWLEDGED {
            let left: usize = acks.waiting.values().sum();
            drop(acks);
            self.producer.context().outage.unacknowledged(left, waited);
        }
        Ok(())
    }

    /// Wait until every record was acknowledged (at most `linger`).
    fn finish(&self, linger: Option<Duration>) -> std::io::Result<()> {
        let limit = linger.unwrap_or(DELIVERY_WAIT);
        let deadline = Instant::now() + limit;
        let mut acks = self.not_refused(self.acks())?;
        while !acks.waiting.is_empty() {
            if Instant::now() > deadline {
                let left: usize = acks.waiting.values().sum();
                return Err(std::io::Error::other(format!(
                    "'{}' did not acknowledge {left} records within {} s",
                    self.topic,
                    limit.as_secs()
                )));
            }
            acks = self.wait_for_acks(acks)?;
        }
        Ok(())
    }

    fn durability(&self) -> Option<Arc<dyn Durability>> {
        Some(self.producer.context().clone())
    }
}
