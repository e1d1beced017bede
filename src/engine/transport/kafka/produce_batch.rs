//! A write's records handed to librdkafka in one call (`rd_kafka_produce_batch`, which
//! rust-rdkafka does not wrap): one topic lookup and one reading of the clock per write,
//! where a send per record looks the topic up, copies its name and reads the clock for
//! each. Their acknowledgements come to the producer's delivery callback as a send's do.

use rdkafka::bindings as rd;
use rdkafka::client::{Client, ClientContext};
use rdkafka::types::RDKafkaErrorCode;
use std::ffi::{c_int, c_void, CString};

/// librdkafka's "unassigned" partition: its partitioner picks one for each record.
const ANY_PARTITION: i32 = -1;

/// A handle on an output topic. It must be dropped before the client it was made from.
pub(super) struct Topic(*mut rd::rd_kafka_topic_t);

// librdkafka's topic handles are reference-counted and thread-safe
unsafe impl Send for Topic {}
unsafe impl Sync for Topic {}

impl Topic {
    pub(super) fn open<C: ClientContext>(client: &Client<C>, name: &str) -> Result<Topic, String> {
        let c_name =
            CString::new(name).map_err(|_| format!("the Kafka topic name '{name}' has a NUL"))?;
        // SAFETY: the client's handle is valid while the client lives, and the handle made
        // here is dropped before it (see `KafkaSink`)
        let rkt = unsafe {
            rd::rd_kafka_topic_new(client.native_ptr(), c_name.as_ptr(), std::ptr::null_mut())
        };
        if rkt.is_null() {
            return Err(format!("cannot open the Kafka topic '{name}'"));
        }
        Ok(Topic(rkt))
    }

    /// Enqueue `records` to `partition` (none: the partitioner's choice), each with
    /// `opaque` for its delivery report: how many were taken, in order, and why the next
    /// was not (a full queue refuses it and every one after it).
    pub(super) fn produce(
        &self,
        records: &[&[u8]],
        partition: Option<i32>,
        opaque: usize,
    ) -> (usize, Option<RDKafkaErrorCode>) {
        let mut messages: Vec<rd::rd_kafka_message_t> = records
            .iter()
            .map(|r| rd::rd_kafka_message_t {
                err: rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR,
                rkt: std::ptr::null_mut(),
                partition: 0,
                // (copied by librdkafka, never written: RD_KAFKA_MSG_F_COPY)
                payload: r.as_ptr() as *mut c_void,
                len: r.len(),
                key: std::ptr::null_mut(),
                key_len: 0,
                offset: 0,
                _private: opaque as *mut c_void,
            })
            .collect();
        let Ok(count) = c_int::try_from(messages.len()) else {
            return (0, Some(RDKafkaErrorCode::InvalidArgument));
        };
        // SAFETY: the topic handle is valid (see `open`); the messages point into
        // `records`, which librdkafka copies before it returns
        unsafe {
            rd::rd_kafka_produce_batch(
                self.0,
                partition.unwrap_or(ANY_PARTITION),
                rd::RD_KAFKA_MSG_F_COPY,
                messages.as_mut_ptr(),
                count,
            );
        }
        let ok = rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;
        match messages.iter().position(|m| m.err != ok) {
            None => (messages.len(), None),
            Some(i) => (i, Some(RDKafkaErrorCode::from(messages[i].err))),
        }
    }
}

impl Drop for Topic {
    fn drop(&mut self) {
        // SAFETY: made by `rd_kafka_topic_new`, destroyed once
        unsafe { rd::rd_kafka_topic_destroy(self.0) }
    }
}
