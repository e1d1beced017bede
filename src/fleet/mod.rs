//! The fleet behind the commands: Model Manage and engines, local (embedded in this binary) or
//! remote (a FastScore fleet over its REST API). Commands only see the traits here.

pub mod engine_client;
pub mod http;
pub mod join;
pub mod launcher;
pub mod local;
pub mod owner;
pub mod remote;
pub mod store;
pub mod websocket;

use crate::error::{Cause, HttpError};
use serde_json::Value;

/// Why a service call failed: what kind of failure (for the status a server answers and the
/// message a command prints) and its cause.
#[derive(Debug)]
pub struct Failure {
    pub kind: FailureKind,
    pub cause: Cause,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// What was asked for is not there (404 and the like).
    NotFound,
    /// A name or document that cannot be taken (400).
    Invalid,
    /// What would be made exists already (a snapshot id).
    Exists,
    /// A prefix names more than one (a snapshot id prefix: 300).
    Ambiguous,
    /// Anything else: the store failed, the service did not answer.
    Other,
}

impl Failure {
    pub fn not_found(cause: impl Into<Cause>) -> Failure {
        Failure::of(FailureKind::NotFound, cause)
    }

    pub fn other(cause: impl Into<Cause>) -> Failure {
        Failure::of(FailureKind::Other, cause)
    }

    pub fn of(kind: FailureKind, cause: impl Into<Cause>) -> Failure {
        Failure {
            kind,
            cause: cause.into(),
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == FailureKind::NotFound
    }
}

impl From<HttpError> for Failure {
    fn from(e: HttpError) -> Failure {
        let kind = match e.status {
            404 => FailureKind::NotFound,
            300 => FailureKind::Ambiguous,
            _ => FailureKind::Other,
        };
        Failure {
            kind,
            cause: Cause::Http(e),
        }
    }
}

impl From<Failure> for Cause {
    fn from(f: Failure) -> Cause {
        f.cause
    }
}

pub type Res<T> = std::result::Result<T, Failure>;

/// Whether a save made something new (201) or replaced what was there (204).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created,
    Updated,
}

#[derive(Debug, Clone)]
pub struct ModelInfo {
    pub name: String,
    pub mtype: String,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub mtype: String,
    pub source: String,
}

/// The named JSON documents Model Manage keeps besides models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    Schema,
    Stream,
    Sensor,
}

impl AssetKind {
    /// The path segment and the word used in messages.
    pub fn name(self) -> &'static str {
        match self {
            AssetKind::Schema => "schema",
            AssetKind::Stream => "stream",
            AssetKind::Sensor => "sensor",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveType {
    Zip,
    Tgz,
}

impl ArchiveType {
    /// From a file name: `.zip`, `.tar.gz`, `.tgz`.
    pub fn from_name(name: &str) -> Option<ArchiveType> {
        if name.ends_with(".zip") {
            Some(ArchiveType::Zip)
        } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(ArchiveType::Tgz)
        } else {
            None
        }
    }

    pub fn mime_type(self) -> &'static str {
        match self {
            ArchiveType::Zip => "application/zip",
            ArchiveType::Tgz => "application/gzip",
        }
    }

    pub fn from_mime_type(mime: &str) -> Option<ArchiveType> {
        match mime {
            "application/zip" => Some(ArchiveType::Zip),
            "application/gzip" => Some(ArchiveType::Tgz),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ArchiveType::Zip => "zip",
            ArchiveType::Tgz => "tgz",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AttachmentInfo {
    pub atype: ArchiveType,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub id: String,
    pub created_on: Value,
    pub stype: Value,
    pub size: Value,
}

/// Filters of `snapshot list`.
#[derive(Debug, Clone, Default)]
pub struct SnapshotQuery {
    pub count: Option<i64>,
    /// ISO-8601 bounds, as sent in `date-range=<since>--<until>`.
    pub since: Option<String>,
    pub until: Option<String>,
}

/// A Model Manage instance.
pub trait ModelManage {
    fn list_models(&self) -> Res<Vec<ModelInfo>>;
    fn get_model(&self, name: &str) -> Res<Model>;
    fn put_model(&self, name: &str, mtype: &str, source: &str) -> Res<Saved>;
    fn delete_model(&self, name: &str) -> Res<()>;

    fn list_attachments(&self, model: &str) -> Res<Vec<String>>;
    fn attachment_info(&self, model: &str, name: &str) -> Res<AttachmentInfo>;
    fn get_attachment(&self, model: &str, name: &str) -> Res<Vec<u8>>;
    fn put_attachment(
        &self,
        model: &str,
        name: &str,
        atype: ArchiveType,
        bytes: &[u8],
    ) -> Res<Saved>;
    fn delete_attachment(&self, model: &str, name: &str) -> Res<()>;

    fn list_snapshots(&self, model: &str, query: &SnapshotQuery) -> Res<Vec<Snapshot>>;
    fn snapshot_metadata(&self, model: &str, id: &str) -> Res<Snapshot>;
    fn snapshot_contents(&self, model: &str, id: &str) -> Res<Vec<u8>>;
    fn delete_snapshot(&self, model: &str, id: &str) -> Res<()>;
    /// Store a model's state (an engine does, at the end of its input): its metadata.
    fn put_snapshot(&self, model: &str, stype: &str, bytes: &[u8]) -> Res<Snapshot>;

    fn list_assets(&self, kind: AssetKind) -> Res<Vec<String>>;
    fn get_asset(&self, kind: AssetKind, name: &str) -> Res<Value>;
    fn put_asset(&self, kind: AssetKind, name: &str, doc: &Value) -> Res<Saved>;
    fn delete_asset(&self, kind: AssetKind, name: &str) -> Res<()>;
}

/// One row of `fleet`: an instance record as Connect lists it.
#[derive(Debug, Clone)]
pub struct Instance {
    pub name: String,
    pub api: String,
    pub health: String,
    /// The whole record, keys in the server's order.
    pub record: Value,
}

/// Connect: the fleet's directory and configuration.
pub trait Connect {
    /// Every instance, in the fleet's order.
    fn instances(&self) -> crate::error::Result<Vec<Instance>>;
    /// The healthy instance called `name`.
    fn get(&self, name: &str) -> crate::error::Result<Instance>;
    /// Connect's own health record (`release`, `built_on`).
    fn health(&self) -> std::result::Result<Value, Cause>;
    /// The fleet configuration; `None` when it was never set.
    fn get_config(&self) -> Res<Option<Value>>;
    /// Replace the configuration; `yaml` is the document as sent to a remote Connect.
    fn put_config(&self, doc: &Value, yaml: &str) -> Res<Saved>;
}
