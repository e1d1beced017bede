//! The Kafka output: a producer whose batches every replica acknowledges.

use super::super::Sink;
use super::outage::Outage;
use super::Kafka;
use crate::engine::envelope::Framed;
use crate::sync::lock;
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an output batch may take to be acknowledged.
const DELIVERY_WAIT: Duration = Duration::from_secs(60);
/// Records not acknowledged for this long mean the brokers are out of reach.
const UNACKNOWLEDGED: Duration = Duration::from_secs(3);

/// Open the output of `kafka`.
pub(super) fn open(kafka: &Kafka) -> Result<Box<dyn Sink>, String> {
    let mut config = kafka.config();
    // every replica acknowledges, and retries cannot duplicate or reorder
    config
        .set("enable.idempotence", "true")
        .set("acks", "all")
        // with Spread, records (which have no key) go over the partitions one by one, so
        // that the engines of a group reading the topic share them
        .set("sticky.partitioning.linger.ms", "0");
    let producer: BaseProducer<Deliveries> = config
        .create_with_context(Deliveries {
            failed: AtomicU64::new(0),
            why: Mutex::default(),
            outage: super::outage::of(&kafka.servers.join(",")),
        })
        .map_err(|e| kafka.failed(&e))?;
    kafka.check_topic(producer.client())?;
    Ok(Box::new(KafkaSink {
        producer: Mutex::new(producer),
        topic: kafka.topic.clone(),
        partition: (!kafka.spread).then_some(kafka.partition),
    }))
}

/// Counts the records the brokers refused, with the last reason.
struct Deliveries {
    failed: AtomicU64,
    why: Mutex<Option<String>>,
    outage: Arc<Outage>,
}

impl rdkafka::client::ClientContext for Deliveries {
    fn error(&self, error: KafkaError, reason: &str) {
        self.outage.error(&error, reason);
    }
}

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
    /// Where every record goes (the original's way: a reader without a group reads one
    /// partition); none when the records are spread.
    partition: Option<i32>,
}

impl KafkaSink {
    /// Serve the producer until nothing is in flight (at most `limit`); then whether every
    /// record was acknowledged.
    fn settle(&self, producer: &BaseProducer<Deliveries>, limit: Duration) -> std::io::Result<()> {
        let failed_before = producer.context().failed.load(Ordering::Relaxed);
        let started = Instant::now();
        let deadline = started + limit;
        // polled in small steps: `flush` waits in steps of 100 ms
        while producer.in_flight_count() > 0 {
            if started.elapsed() > UNACKNOWLEDGED {
                producer
                    .context()
                    .outage
                    .unacknowledged(producer.in_flight_count(), started.elapsed());
            }
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
        context.outage.acknowledged();
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
                let mut sent = BaseRecord::<(), [u8]>::to(&self.topic).payload(record);
                if let Some(p) = self.partition {
                    sent = sent.partition(p);
                }
                match producer.send(sent) {
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
