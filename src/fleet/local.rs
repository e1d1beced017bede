//! The fleet embedded in this binary: Model Manage is the directory store, engines are
//! local processes named `engine-1`, `engine-2`, … started on demand.

use super::store::Store;
use super::{Connect, Engine, Failure, Instance, Res, Saved};
use crate::config::Connection;
use crate::error::Cause;
use crate::error::{io_error_text, Error, Result};
use serde_json::json;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const MODEL_MANAGE: &str = "model-manage-1";
pub const DEFAULT_ENGINE: &str = "engine-1";

pub struct Local {
    home: PathBuf,
    preferred: BTreeMap<String, String>,
}

/// `engine-<n>` with n ≥ 1.
pub fn is_engine_name(name: &str) -> bool {
    name.strip_prefix("engine-").is_some_and(|n| {
        (1..=6).contains(&n.len()) && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())
    })
}

impl Local {
    pub fn new(home: PathBuf, conn: &Connection) -> Local {
        Local {
            home,
            preferred: conn.preferred.clone(),
        }
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    fn record(name: &str, api: &str) -> Instance {
        Instance {
            name: name.into(),
            api: api.into(),
            health: "ok".into(),
            record: json!({
                "id": null,
                "name": name,
                "api": api,
                "host": "127.0.0.1",
                "port": null,
                "release": crate::VERSION,
                "built_on": crate::BUILT_ON,
                "health": "ok",
            }),
        }
    }

    /// Model Manage, `engine-1`, and any other engine that is selected.
    pub fn instances(&self) -> Vec<Instance> {
        let mut engines = vec![DEFAULT_ENGINE.to_string()];
        if let Some(e) = self.preferred.get("engine") {
            if !engines.contains(e) {
                engines.push(e.clone());
            }
        }
        let mut all = vec![Local::record(MODEL_MANAGE, "model-manage")];
        all.extend(engines.iter().map(|e| Local::record(e, "engine")));
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
            "connect" => Ok(Local::record("connect", "connect")),
            MODEL_MANAGE => Ok(Local::record(name, "model-manage")),
            _ if is_engine_name(name) => Ok(Local::record(name, "engine")),
            _ => Err(Error::new(format!("Instance '{name}' not found"))),
        }
    }
}

impl Local {
    pub fn model_manage(&self) -> Store {
        Store::new(&self.home)
    }

    pub fn engine(&self) -> LocalEngine {
        let name = self
            .preferred
            .get("engine")
            .cloned()
            .unwrap_or_else(|| DEFAULT_ENGINE.to_string());
        LocalEngine {
            dir: self.home.join("engines").join(&name),
            name,
        }
    }
}

/// A local engine's persistent state.
pub struct LocalEngine {
    name: String,
    dir: PathBuf,
}

impl LocalEngine {
    fn policy_path(&self, mime_type: &str) -> PathBuf {
        let key = mime_type.rsplit('.').next().unwrap_or(mime_type);
        self.dir.join("policies").join(key)
    }
}

impl Engine for LocalEngine {
    fn name(&self) -> &str {
        &self.name
    }

    fn put_policy(&self, mime_type: &str, text: &str, _preinstall: bool) -> Res<()> {
        let path = self.policy_path(mime_type);
        let fail =
            |e: std::io::Error| Failure::other(io_error_text(&path.display().to_string(), &e));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        crate::fsutil::write_atomic(&path, text.as_bytes(), None).map_err(fail)
    }

    fn get_policy(&self, mime_type: &str) -> Res<String> {
        let path = self.policy_path(mime_type);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text),
            // an engine without a policy has an empty one
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(Failure::other(io_error_text(
                &path.display().to_string(),
                &e,
            ))),
        }
    }
}
