//! The fleet embedded in this binary: Model Manage is the directory store, engines are
//! local processes named `engine-1`, `engine-2`, … started on demand.

use super::engine_client::EngineClient;
use super::http::{Client, Timeouts};
use super::launcher::{self, Status};
use super::store::Store;
use super::{Connect, Failure, Instance, Res, Saved};
use crate::config::Connection;
use crate::error::Cause;
use crate::error::{io_error_text, Error, Result};
use serde_json::json;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub const MODEL_MANAGE: &str = "model-manage-1";
pub const DEFAULT_ENGINE: &str = "engine-1";

pub struct Local {
    home: PathBuf,
    preferred: BTreeMap<String, String>,
    /// The client of the local engines (plain HTTP on loopback).
    client: Rc<Client>,
}

/// `engine-<n>` with n ≥ 1.
pub fn is_engine_name(name: &str) -> bool {
    name.strip_prefix("engine-").is_some_and(|n| {
        (1..=6).contains(&n.len()) && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())
    })
}

impl Local {
    pub fn new(home: PathBuf, conn: &Connection, timeouts: Timeouts) -> Local {
        Local {
            home,
            preferred: conn.preferred.clone(),
            client: Rc::new(Client::local(timeouts)),
        }
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    fn record(name: &str, api: &str, health: &str, port: Option<u16>) -> Instance {
        Instance {
            name: name.into(),
            api: api.into(),
            health: health.into(),
            record: json!({
                "id": null,
                "name": name,
                "api": api,
                "host": "127.0.0.1",
                "port": port,
                "release": crate::VERSION,
                "built_on": crate::BUILT_ON,
                "health": health,
            }),
        }
    }

    /// An engine's record: `ok` when running or ready to start, `fail` when it died.
    fn engine_record(&self, name: &str) -> Instance {
        match launcher::status(&self.home, name, &self.client) {
            Status::Running(info) => {
                let port = info.url.rsplit(':').next().and_then(|p| p.parse().ok());
                Local::record(name, "engine", "ok", port)
            }
            Status::Stopped => Local::record(name, "engine", "ok", None),
            Status::Dead(_) | Status::Unresponsive(..) => {
                Local::record(name, "engine", "fail", None)
            }
        }
    }

    /// Model Manage, `engine-1`, the selected engine and every engine used so far.
    pub fn instances(&self) -> Vec<Instance> {
        let mut engines = vec![DEFAULT_ENGINE.to_string()];
        let selected = self.preferred.get("engine").into_iter().cloned();
        for e in selected.chain(launcher::known(&self.home)) {
            if !engines.contains(&e) {
                engines.push(e);
            }
        }
        let mut all = vec![Local::record(MODEL_MANAGE, "model-manage", "ok", None)];
        all.extend(engines.iter().map(|e| self.engine_record(e)));
        all
    }

    fn config_path(&self) -> PathBuf {
        self.home.join("config.json")
    }
}

impl Connect for Local {
    fn instances(&self) -> Result<Vec<Instance>> {
        Ok(Local::instances(self))
    }

    fn health(&self) -> std::result::Result<Value, Cause> {
        Ok(json!({"release": crate::VERSION, "built_on": crate::BUILT_ON}))
    }

    fn get_config(&self) -> Res<Option<Value>> {
        let path = self.config_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| Failure::other(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Failure::other(io_error_text(
                &path.display().to_string(),
                &e,
            ))),
        }
    }

    fn put_config(&self, doc: &Value, _yaml: &str) -> Res<Saved> {
        let path = self.config_path();
        let fail =
            |e: std::io::Error| Failure::other(io_error_text(&path.display().to_string(), &e));
        let existed = path.exists();
        std::fs::create_dir_all(&self.home).map_err(fail)?;
        crate::fsutil::write_atomic(&path, doc.to_string().as_bytes(), None).map_err(fail)?;
        Ok(if existed {
            Saved::Updated
        } else {
            Saved::Created
        })
    }

    fn get(&self, name: &str) -> Result<Instance> {
        match name {
            "connect" => Ok(Local::record("connect", "connect", "ok", None)),
            MODEL_MANAGE => Ok(Local::record(name, "model-manage", "ok", None)),
            _ if is_engine_name(name) => Ok(self.engine_record(name)),
            _ => Err(Error::new(format!("Instance '{name}' not found"))),
        }
    }
}

impl Local {
    pub fn model_manage(&self) -> Store {
        Store::new(&self.home)
    }

    /// The selected local engine's name.
    pub fn engine_name(&self) -> String {
        self.preferred
            .get("engine")
            .cloned()
            .unwrap_or_else(|| DEFAULT_ENGINE.to_string())
    }

    /// A client of the selected local engine, which is started if needed. A dead or frozen
    /// engine is an error unless `revive`.
    pub fn engine(&self, revive: bool) -> Result<EngineClient> {
        self.engine_named(&self.engine_name(), revive)
    }

    /// A client of the local engine `name`, started if needed.
    pub fn engine_named(&self, name: &str, revive: bool) -> Result<EngineClient> {
        let name = name.to_string();
        let info = launcher::ensure(&self.home, &name, revive, &self.client)?;
        let service = launcher::service(&self.client, &name, &info);
        Ok(EngineClient::new(service, &name, Some(true)))
    }
}
