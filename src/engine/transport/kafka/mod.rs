//! `Kafka`: records from a topic and to a topic (spec/engine.md §5.3). With a `Group`, the
//! input joins a consumer group: engines with the same stream share the topic's partitions
//! and take over a leaving member's. Input is at-least-once: an offset is committed only
//! once the records before it were scored with their outputs written (`engine::settle`);
//! what a killed engine had not committed is read again by the group. Every replica
//! acknowledges each output record; the records it came from are committed only then, while
//! the next batches are produced.

mod marks;
mod offsets;
mod outage;
mod outbox;
mod produce_batch;
mod sink;
mod source;

use super::{Sink, Source, Transport};
use rdkafka::config::ClientConfig;
use rdkafka::error::KafkaError;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// How long the brokers have to answer for the topic before the stream fails to open.
const METADATA_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
pub(super) enum Start {
    Earliest,
    Latest,
    At(i64),
}

#[derive(Debug, Clone)]
pub(super) struct Kafka {
    servers: Vec<String>,
    topic: String,
    group: Option<String>,
    commit: bool,
    /// The partition an input without a group reads, and an output writes to (0 by
    /// default, as the original's).
    partition: i32,
    /// Output: spread the records over the topic's partitions one by one instead (ours).
    spread: bool,
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
    let spread = match super::param(params, "Spread") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("round-robin") => true,
        Some(other) => {
            return Err(format!(
                "the Kafka Spread is \"round-robin\" (an output's records over every partition), not {other}"
            ))
        }
    };
    if spread && super::param(params, "Partition").is_some_and(|p| !p.is_null()) {
        return Err(
            "a Kafka output writes to its Partition or spreads its records (Spread), not both"
                .into(),
        );
    }
    Ok(Arc::new(Kafka {
        servers,
        topic,
        group,
        commit: flag("CommitOffset", true)?,
        partition: i32::try_from(number("Partition", 0)?)
            .map_err(|_| "the Kafka Partition is too large")?,
        spread,
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
        let mut internal = json!({"type": "kafka", "bootstrap_servers": self.servers, "topic": self.topic,
               "group": self.group, "commit_offset": self.commit, "partition": self.partition,
               "max_wait_time": self.max_wait.as_millis() as u64});
        if self.spread {
            // ours: the original's internal form has no such field
            internal["spread"] = json!("round-robin");
        }
        internal
    }

    fn open_source(&self) -> Result<Option<Box<dyn Source>>, String> {
        source::open(self).map(Some)
    }

    fn open_sink(&self) -> Result<Box<dyn Sink>, String> {
        sink::open(self)
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
        if self.topic_exists(client)? {
            return Ok(());
        }
        Err(format!(
            "the Kafka topic '{}' does not exist at {}",
            self.topic,
            self.servers.join(",")
        ))
    }

    /// Whether the topic exists; an error when the brokers do not answer within
    /// `METADATA_WAIT`.
    fn topic_exists<C: rdkafka::client::ClientContext>(
        &self,
        client: &rdkafka::client::Client<C>,
    ) -> Result<bool, String> {
        let metadata = client
            .fetch_metadata(Some(&self.topic), METADATA_WAIT)
            .map_err(|e| {
                format!(
                    "cannot reach Kafka at {} within {} s: {e}",
                    self.servers.join(","),
                    METADATA_WAIT.as_secs()
                )
            })?;
        Ok(metadata
            .topics()
            .iter()
            .any(|t| t.name() == self.topic && t.error().is_none() && !t.partitions().is_empty()))
    }
}
