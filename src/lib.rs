//! fastscore: a drop-in replacement for the FastScore command-line interface, with an
//! embedded Model Manage and engine for machines without a fleet.

pub mod attachment;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod fleet;
pub mod fleet_server;
pub mod fsutil;
pub mod ids;
pub mod json;
pub mod model_type;
pub mod multipart;
pub mod routes;
pub mod schema;
pub mod secret;
pub mod serve;
pub mod stream;
pub mod sync;
pub mod timestamp;
pub mod yaml;

/// This tool's version, shown where the original shows its own.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// What this tool's servers put in their `Server` header.
pub const SERVER_NAME: &str = concat!("fastscore/", env!("CARGO_PKG_VERSION"));
pub const SERVER_NAME_PREFIX: &str = "fastscore/";
/// The header of an engine's 503 that names what it is busy with in the background
/// (`install xgboost`); a client that waited for that task to end names it the same way
/// when it asks again.
pub const BUSY_TASK_HEADER: &str = "fastscore-task";

/// When this binary was built, as FastScore services report it.
pub const BUILT_ON: &str = env!("FASTSCORE_BUILT_ON");
