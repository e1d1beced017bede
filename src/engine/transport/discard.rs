//! `discard`: an output that drops every record.

use super::{Direction, Sink, Transport};
use crate::engine::envelope::Framed;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug)]
struct Discard;

pub fn parse(_: Option<&Map<String, Value>>) -> Result<Arc<dyn Transport>, String> {
    Ok(Arc::new(Discard))
}

impl Transport for Discard {
    fn name(&self) -> &'static str {
        "discard"
    }

    fn direction(&self) -> Direction {
        Direction::Output
    }

    fn internal(&self) -> Value {
        json!({"type": "discard"})
    }

    fn open_sink(&self) -> Result<Box<dyn Sink>, String> {
        Ok(Box::new(Discard))
    }
}

impl Sink for Discard {
    fn write(&self, _: &Framed) -> std::io::Result<()> {
        Ok(())
    }

    fn finish(&self, _: Option<Duration>) -> std::io::Result<()> {
        Ok(())
    }
}
