//! Transports: where a stream's data comes from and goes to (spec/engine.md §5.3). Each
//! transport is one file implementing `Transport`, registered by name in `TRANSPORTS`; the
//! engine opens a `Source` for an input slot and a `Sink` for an output slot.

pub mod debug;
mod discard;
mod exec;
mod file;
mod http;
mod inline;
mod kafka;
pub mod rest;
mod tcp;
mod udp;

use super::envelope::Framed;
use crate::stream::descriptor::Registry;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// Which kind of slot a transport may be attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Input,
    Output,
    Both,
}

/// A transport as a descriptor configures it.
pub trait Transport: Send + Sync + std::fmt::Debug {
    /// The lower-case name `stream verify` shows.
    fn name(&self) -> &'static str;
    fn direction(&self) -> Direction {
        Direction::Both
    }
    /// Record boundaries come from the transport itself (spec §5.3).
    fn preserves_boundaries(&self) -> bool {
        false
    }
    /// The stream can start again from its beginning (`Loop`).
    fn seekable(&self) -> bool {
        false
    }
    /// Records come and go through the engine's own REST endpoints.
    fn served_by_engine(&self) -> bool {
        false
    }
    /// The transport part of the internal descriptor (`stream verify`).
    fn internal(&self) -> Value;
    /// What can be checked before the stream is used: a file to read exists, …
    fn check(&self, _input: bool) -> Result<(), String> {
        Ok(())
    }
    /// Open for reading; `None` when records are posted to the engine instead.
    fn open_source(&self) -> Result<Option<Box<dyn Source>>, String> {
        Err(format!("the {} transport cannot be read", self.name()))
    }
    fn open_sink(&self) -> Result<Box<dyn Sink>, String> {
        Err(format!("the {} transport cannot be written", self.name()))
    }
}

/// An open input: a byte stream framed by the envelope, or whole records when the transport
/// preserves boundaries.
pub trait Source: Send {
    /// The next piece of data; `None` at the end.
    fn read(&mut self) -> std::io::Result<Option<Vec<u8>>>;
    /// Something that makes a blocked `read` return, for tearing the job down.
    fn interrupter(&self) -> Option<Interrupt> {
        None
    }
    /// Where the piece `read` gave last came from, for sources that commit what was scored.
    fn position(&self) -> Option<Position> {
        None
    }
    /// Who is told which records were scored (see `engine::settle`), for sources that
    /// commit them (at-least-once).
    fn committer(&self) -> Option<Arc<dyn Committer>> {
        None
    }
    /// What the source tells the job while it reads (a source whose partitions may be
    /// taken away, a source that waits for something).
    fn listen(&self, _listener: Arc<dyn SourceListener>) {}
    /// The jets' queue is full (`true`) or has room again (`false`): a source that fetches
    /// on its own stops fetching meanwhile (its reader keeps calling `keep_alive`).
    fn hold(&mut self, _held: bool) {}
    /// Called every little while as the reader waits for room: a source whose connection
    /// must be served (a consumer's heartbeats, its group's rebalances) serves it here.
    fn keep_alive(&mut self) {}
    /// Whether the record read from `at` is still this source's to give (a partition may
    /// have gone to another reader while the record waited for room).
    fn owns(&self, _at: Position) -> bool {
        true
    }
}

/// The job, as a source that reads on its own terms tells it what happens.
pub trait SourceListener: Send + Sync {
    /// The source's partitions `partitions` were taken away (a consumer group gave them to
    /// another member): what of them was read and not yet given to a jet is dropped (the
    /// next owner reads it); the records dropped.
    fn revoked(&self, partitions: &[i32]) -> Vec<Span>;
    /// Whether the jets have stalled (paused, or taking nothing for a while): a source
    /// that shares its work with others (a member of a consumer group) leaves it to them
    /// until they move again.
    fn stalled(&self) -> bool;
    /// A change worth the engine's log and Pneumo (a wait that began or ended).
    fn notice(&self, text: &str);
}

/// Where a record came from: a partition and an offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub partition: i32,
    pub offset: i64,
}

/// Records that came one after another from one partition: `count` offsets from `offset`
/// (records are told apart in runs, not one by one, on the way to their commit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub partition: i32,
    pub offset: i64,
    pub count: u64,
}

impl Span {
    /// The one record read from `at`.
    pub fn at(at: Position) -> Span {
        Span {
            partition: at.partition,
            offset: at.offset,
            count: 1,
        }
    }

    /// The offset after its last record.
    pub fn end(&self) -> i64 {
        self.offset.saturating_add_unsigned(self.count)
    }
}

/// Commits records once they are scored and their outputs written.
pub trait Committer: Send + Sync {
    fn settled(&self, spans: &[Span]);
    /// Counts for `engine inspect -v` (read, committed, waiting).
    fn report(&self) -> Value;
}

pub type Interrupt = Box<dyn FnOnce() + Send>;

/// How often buffered outputs are written out.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// An open output.
pub trait Sink: Send + Sync {
    /// Records, encoded and framed by the envelope.
    fn write(&self, records: &Framed) -> std::io::Result<()>;
    /// The job is over: flush, close, and wait up to `linger` for what is still on its way.
    fn finish(&self, linger: Option<Duration>) -> std::io::Result<()>;
    /// The job was torn down: stop now.
    fn abort(&self) {}
    /// Write out what is buffered; the job calls it every `FLUSH_EVERY`, so that outputs
    /// leave within a bounded time however slowly they come.
    fn flush_buffered(&self) -> std::io::Result<()> {
        Ok(())
    }
    /// The queue `GET /1/job/output` reads, for REST outputs.
    fn rest_queue(&self) -> Option<Arc<rest::RestQueue>> {
        None
    }
    /// The records `GET /1/debug/output` takes, for debug outputs.
    fn debug_records(&self) -> Option<Arc<debug::DebugRecords>> {
        None
    }
    /// How far its records are durable, for a sink whose records become durable after
    /// `write` returns (Kafka's acknowledgements); other sinks' are durable when written.
    fn durability(&self) -> Option<Arc<dyn Durability>> {
        None
    }
}

/// Counts of what a sink was given and what of it is durable (acknowledged): a source's
/// records are committed only once the outputs written for them are durable
/// (`engine::settle`).
pub trait Durability: Send + Sync {
    /// A mark after everything written so far (grows with every write).
    fn written(&self) -> u64;
    /// Everything written before this mark is durable (never beyond `written`).
    fn durable(&self) -> u64;
}

/// Every transport this engine runs, and those of FastScore it does not run yet.
const TRANSPORTS: Registry<Arc<dyn Transport>> = Registry {
    part: "Transport",
    known: &[
        (&["rest"], rest::parse),
        (&["file"], file::parse),
        (&["inline"], inline::parse),
        (&["debug"], debug::parse),
        (&["exec"], exec::parse),
        (&["discard"], discard::parse),
        (&["kafka"], kafka::parse),
        (&["tcp"], tcp::parse),
        (&["http"], http::parse),
        (&["udp"], udp::parse),
    ],
    not_yet: &["kafka-offset", "s3", "hdfs", "odbc", "console", "time"],
};

/// The transports, for what knows of them by name only.
pub fn registry() -> &'static Registry<Arc<dyn Transport>> {
    &TRANSPORTS
}

/// A descriptor's `Transport`: a name (`"REST"`) or an object with a `Type`.
pub fn parse(v: &Value) -> Result<Arc<dyn Transport>, String> {
    TRANSPORTS.parse(v, false)
}

/// A transport's field, by name in any letter case.
fn param<'a>(params: Option<&'a Map<String, Value>>, name: &str) -> Option<&'a Value> {
    params.and_then(|m| crate::stream::descriptor::field(m, name))
}

/// A mandatory string field.
fn string_param(
    params: Option<&Map<String, Value>>,
    transport: &str,
    name: &str,
) -> Result<String, String> {
    param(params, name)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("the {transport} transport needs {name} (a string)"))
}

/// A port number field.
fn port_param(params: Option<&Map<String, Value>>, transport: &str) -> Result<u16, String> {
    let port =
        param(params, "Port").ok_or_else(|| format!("the {transport} transport needs Port"))?;
    port.as_u64()
        .or_else(|| port.as_str().and_then(|p| p.trim().parse().ok()))
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| format!("the {transport} Port must be a number from 0 to 65535"))
}
