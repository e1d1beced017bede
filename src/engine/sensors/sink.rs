//! Where a sensor's reports go: Pneumo (the engine's messages), or a stream such as a
//! Kafka topic, one JSON message per record.

use super::descriptor::SinkSpec;
use crate::engine::envelope::Framed;
use crate::engine::events::Events;
use crate::engine::transport::Sink;
use crate::stream::descriptor::Descriptor;
use serde_json::Value;
use std::sync::Arc;

pub enum ReportSink {
    Pneumo(Arc<Events>),
    Stream {
        descriptor: Box<Descriptor>,
        sink: Box<dyn Sink>,
        events: Arc<Events>,
    },
}

impl ReportSink {
    pub fn open(spec: &SinkSpec, events: &Arc<Events>) -> Result<ReportSink, String> {
        match spec {
            SinkSpec::Pneumo => Ok(ReportSink::Pneumo(events.clone())),
            SinkSpec::Stream(doc) => {
                let descriptor = crate::stream::descriptor::parse(doc, Some(1))
                    .map_err(|e| format!("Sink: {e}"))?;
                let sink = descriptor
                    .transport
                    .open_sink()
                    .map_err(|e| format!("Sink: {e}"))?;
                Ok(ReportSink::Stream {
                    descriptor: Box::new(descriptor),
                    sink,
                    events: events.clone(),
                })
            }
        }
    }

    pub fn send(&self, fields: Value) {
        match self {
            ReportSink::Pneumo(events) => events.publish("sensor-report", fields),
            ReportSink::Stream {
                descriptor,
                sink,
                events,
            } => {
                let message = events.stamp("sensor-report", fields);
                let mut framed = Framed::default();
                framed.push(descriptor.envelope.as_ref(), message.to_string().as_bytes());
                if let Err(e) = sink.write(&framed) {
                    events.log(16, &format!("a sensor's report could not be written: {e}"));
                }
            }
        }
    }
}

impl Drop for ReportSink {
    fn drop(&mut self) {
        if let ReportSink::Stream { sink, .. } = self {
            let _ = sink.finish(Some(std::time::Duration::from_secs(5)));
        }
    }
}
