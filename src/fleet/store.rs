//! The embedded Model Manage: a directory store.
//!
//! ```text
//! <home>/model-manage/
//!   models/<name>/model                 "<type>\n<source>"
//!   models/<name>/attachments/<file>    the archive as uploaded
//!   schemas/<name>.json  streams/<name>.json  sensors/<name>.json
//!   .lock                               held by writers
//! ```
//! Every file is replaced atomically (temp file + rename); writers serialise on `.lock`, so
//! concurrent commands never see or leave half-written items. The temp files of a writer
//! that was killed are removed by the next one to take the lock.

use super::{
    ArchiveType, AssetKind, AttachmentInfo, Failure, FailureKind, Model, ModelInfo, ModelManage,
    Res, Saved, Snapshot, SnapshotQuery,
};
use crate::error::{io_error_text, Cause};
use crate::fsutil::write_atomic;
use serde_json::Value;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::{Path, PathBuf};

pub struct Store {
    root: PathBuf,
}

const TEMP_PREFIX: &str = ".fastscore-tmp-";
/// The longest name, in bytes: a file name (at most 255 bytes) holds it and a suffix.
pub const MAX_NAME: usize = 200;

/// Refuse names that could escape the store, clash with its own files or not fit a file
/// name.
pub fn check_name(what: &str, name: &str) -> Result<(), Failure> {
    if name.len() > MAX_NAME {
        return Err(Failure::of(
            FailureKind::Invalid,
            format!(
                "a {what} name is at most {MAX_NAME} bytes long (this one has {})",
                name.len()
            ),
        ));
    }
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.starts_with(TEMP_PREFIX)
        || name.contains(['/', '\\', '\0']);
    if bad {
        return Err(Failure::of(
            FailureKind::Invalid,
            format!(
                "'{name}' is not a valid {what} name (it must be non-empty, not '.' or '..', and contain no '/')"
            ),
        ));
    }
    Ok(())
}

fn io_failure(path: &Path, e: std::io::Error) -> Failure {
    Failure::other(io_error_text(&path.display().to_string(), &e))
}

fn not_found(what: &str, name: &str) -> Failure {
    Failure::not_found(format!("{what} '{name}' not found"))
}

impl Store {
    pub fn new(home: &Path) -> Store {
        Store {
            root: home.join("model-manage"),
        }
    }

    /// Held (the open file is locked) while a writer changes the store.
    fn lock(&self) -> Res<File> {
        fs::create_dir_all(&self.root).map_err(|e| io_failure(&self.root, e))?;
        let path = self.root.join(".lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_failure(&path, e))?;
        // a writer that is stopped (not killed) must not hold up every other command
        crate::fsutil::lock_within(&file, std::time::Duration::from_secs(120))
            .map_err(|e| io_failure(&path, e))?;
        self.sweep();
        Ok(file)
    }

    /// Remove the temp files (and `delete_model`'s temp dirs) of writers that were killed:
    /// called under the lock, when no writer is active, so every one found is stale.
    fn sweep(&self) {
        let mut dirs = vec![self.root.clone(), self.root.join("models")];
        for kind in [AssetKind::Schema, AssetKind::Stream, AssetKind::Sensor] {
            dirs.push(self.root.join(format!("{}s", kind.name())));
        }
        if let Ok(models) = fs::read_dir(self.root.join("models")) {
            for model in models.flatten() {
                dirs.push(model.path().join("attachments"));
                dirs.push(model.path());
            }
        }
        for dir in dirs {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if !entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                    continue;
                }
                // Best effort: a temp file left now is removed by the next writer.
                let _ = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    fs::remove_dir_all(entry.path())
                } else {
                    fs::remove_file(entry.path())
                };
            }
        }
    }

    fn model_dir(&self, name: &str) -> Res<PathBuf> {
        check_name("model", name)?;
        Ok(self.root.join("models").join(name))
    }

    fn asset_path(&self, kind: AssetKind, name: &str) -> Res<PathBuf> {
        check_name(kind.name(), name)?;
        Ok(self
            .root
            .join(format!("{}s", kind.name()))
            .join(format!("{name}.json")))
    }

    fn attachment_path(&self, model: &str, name: &str) -> Res<PathBuf> {
        check_name("attachment", name)?;
        Ok(self.model_dir(model)?.join("attachments").join(name))
    }

    /// Replace `path` with `bytes`; Created or Updated by whether it existed.
    fn save(&self, path: &Path, bytes: &[u8]) -> Res<Saved> {
        let _lock = self.lock()?;
        let existed = path.exists();
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| io_failure(dir, e))?;
        }
        write_atomic(path, bytes, None).map_err(|e| io_failure(path, e))?;
        Ok(if existed {
            Saved::Updated
        } else {
            Saved::Created
        })
    }

    fn remove_file(&self, path: &Path, what: &str, name: &str) -> Res<()> {
        let _lock = self.lock()?;
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(not_found(what, name)),
            Err(e) => Err(io_failure(path, e)),
        }
    }

    /// Names of the entries of `dir` (sorted), keeping those `keep` maps to a name.
    fn list(
        &self,
        dir: &Path,
        keep: impl Fn(&fs::DirEntry, &str) -> Option<String>,
    ) -> Res<Vec<String>> {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_failure(dir, e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_failure(dir, e))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if file_name.starts_with(TEMP_PREFIX) || file_name == ".lock" {
                continue;
            }
            if let Some(name) = keep(&entry, &file_name) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// The snapshots stored in `dir` (`<id>.json` metadata beside `<id>.bin` contents),
    /// each with when it was saved, in nanoseconds (`created_on` tells only the second).
    fn snapshots_in(&self, dir: &Path) -> Res<Vec<(u128, Snapshot)>> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_failure(dir, e)),
        };
        let mut all = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "json") {
                let Ok(meta) = fs::read(&path) else { continue };
                let Ok(v) = serde_json::from_slice::<Value>(&meta) else {
                    continue;
                };
                let saved = v["saved"]
                    .as_str()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                all.push((
                    saved,
                    Snapshot {
                        id: v["id"].as_str().unwrap_or_default().to_string(),
                        created_on: v["created_on"].clone(),
                        stype: v["type"].clone(),
                        size: v["size"].clone(),
                    },
                ));
            }
        }
        Ok(all)
    }

    /// The snapshot whose id starts with `prefix` (only one may), and its contents' path.
    fn snapshot(&self, model: &str, prefix: &str) -> Res<(Snapshot, PathBuf)> {
        let dir = self.require_model(model)?.join("snapshots");
        let mut found: Vec<Snapshot> = self
            .snapshots_in(&dir)?
            .into_iter()
            .map(|(_, snap)| snap)
            .filter(|s| !prefix.is_empty() && s.id.starts_with(prefix))
            .collect();
        match found.len() {
            0 => Err(not_found("snapshot", prefix)),
            1 => {
                let snap = found.remove(0);
                let blob = dir.join(format!("{}.bin", snap.id));
                Ok((snap, blob))
            }
            n => Err(Failure::of(
                FailureKind::Ambiguous,
                format!("{n} snapshots of '{model}' start with '{prefix}': give more of the id"),
            )),
        }
    }

    /// Store a snapshot under `id` (one that exists already is refused).
    pub fn put_snapshot_as(
        &self,
        model: &str,
        id: &str,
        stype: &str,
        bytes: &[u8],
    ) -> Res<Snapshot> {
        check_name("snapshot", id)?;
        let dir = self.require_model(model)?.join("snapshots");
        if dir.join(format!("{id}.json")).exists() {
            return Err(Failure::of(
                FailureKind::Exists,
                format!("the snapshot '{id}' already exists"),
            ));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let created = crate::timestamp::DateTime::from_unix_seconds(
            i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
        );
        let snap = Snapshot {
            id: id.to_string(),
            // the original's form: `2018-01-17T10:29:15Z`
            created_on: Value::String(created.zulu()),
            stype: Value::String(stype.to_string()),
            size: Value::from(bytes.len()),
        };
        // the contents first: a snapshot is listed only once it is whole
        self.save(&dir.join(format!("{}.bin", snap.id)), bytes)?;
        let meta = serde_json::json!({"id": snap.id, "created_on": snap.created_on,
                                      "type": snap.stype, "size": snap.size,
                                      "saved": now.as_nanos().to_string()});
        self.save(
            &dir.join(format!("{}.json", snap.id)),
            meta.to_string().as_bytes(),
        )?;
        Ok(snap)
    }

    fn require_model(&self, model: &str) -> Res<PathBuf> {
        let dir = self.model_dir(model)?;
        if dir.join("model").is_file() {
            Ok(dir)
        } else {
            Err(not_found("model", model))
        }
    }
}

fn read_model_type(path: &Path) -> std::io::Result<String> {
    let mut line = String::new();
    BufReader::new(File::open(path)?).read_line(&mut line)?;
    Ok(line.trim_end_matches('\n').to_string())
}

impl ModelManage for Store {
    fn list_models(&self) -> Res<Vec<ModelInfo>> {
        let dir = self.root.join("models");
        let names = self.list(&dir, |entry, name| {
            entry
                .path()
                .join("model")
                .is_file()
                .then(|| name.to_string())
        })?;
        names
            .into_iter()
            .map(|name| {
                let path = dir.join(&name).join("model");
                let mtype = read_model_type(&path).map_err(|e| io_failure(&path, e))?;
                Ok(ModelInfo { name, mtype })
            })
            .collect()
    }

    fn get_model(&self, name: &str) -> Res<Model> {
        let path = self.model_dir(name)?.join("model");
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(not_found("model", name)),
            Err(e) => return Err(io_failure(&path, e)),
        };
        let (mtype, source) = text.split_once('\n').unwrap_or((&text, ""));
        Ok(Model {
            name: name.to_string(),
            mtype: mtype.to_string(),
            source: source.to_string(),
        })
    }

    fn put_model(&self, name: &str, mtype: &str, source: &str) -> Res<Saved> {
        let path = self.model_dir(name)?.join("model");
        self.save(&path, format!("{mtype}\n{source}").as_bytes())
    }

    fn delete_model(&self, name: &str) -> Res<()> {
        let dir = self.model_dir(name)?;
        let _lock = self.lock()?;
        if !dir.join("model").is_file() {
            return Err(not_found("model", name));
        }
        // Move it out of sight first, so no reader sees a half-deleted model.
        let trash = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempdir_in(&self.root)
            .map_err(|e| io_failure(&self.root, e))?;
        fs::rename(&dir, trash.path().join("model")).map_err(|e| io_failure(&dir, e))?;
        trash.close().map_err(|e| io_failure(&self.root, e))
    }

    fn list_attachments(&self, model: &str) -> Res<Vec<String>> {
        let dir = self.require_model(model)?.join("attachments");
        self.list(&dir, |entry, name| {
            entry.path().is_file().then(|| name.to_string())
        })
    }

    fn attachment_info(&self, model: &str, name: &str) -> Res<AttachmentInfo> {
        let path = self.attachment_path(model, name)?;
        let meta = match fs::metadata(&path) {
            Ok(m) if m.is_file() => m,
            Ok(_) => return Err(not_found("attachment", name)),
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(not_found("attachment", name)),
            Err(e) => return Err(io_failure(&path, e)),
        };
        let atype = ArchiveType::from_name(name)
            .ok_or_else(|| Failure::other(format!("attachment '{name}' has no archive type")))?;
        Ok(AttachmentInfo {
            atype,
            size: meta.len(),
        })
    }

    fn get_attachment(&self, model: &str, name: &str) -> Res<Vec<u8>> {
        let path = self.attachment_path(model, name)?;
        match fs::read(&path) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(not_found("attachment", name)),
            Err(e) => Err(io_failure(&path, e)),
        }
    }

    fn put_attachment(
        &self,
        model: &str,
        name: &str,
        _atype: ArchiveType,
        bytes: &[u8],
    ) -> Res<Saved> {
        self.require_model(model)?;
        let path = self.attachment_path(model, name)?;
        self.save(&path, bytes)
    }

    fn delete_attachment(&self, model: &str, name: &str) -> Res<()> {
        let path = self.attachment_path(model, name)?;
        self.remove_file(&path, "attachment", name)
    }

    fn list_snapshots(&self, model: &str, query: &SnapshotQuery) -> Res<Vec<Snapshot>> {
        let dir = self.require_model(model)?.join("snapshots");
        let mut all = self.snapshots_in(&dir)?;
        let seconds = |s: &Snapshot| {
            s.created_on
                .as_str()
                .and_then(crate::timestamp::parse)
                .map(|t| t.unix_seconds())
        };
        let bound = |b: &Option<String>| {
            b.as_deref()
                .filter(|b| !b.is_empty())
                .and_then(crate::timestamp::parse)
                .map(|t| t.unix_seconds())
        };
        let (since, until) = (bound(&query.since), bound(&query.until));
        all.retain(|(_, s)| {
            let t = seconds(s);
            since.is_none_or(|b| t.is_some_and(|t| t >= b))
                && until.is_none_or(|b| t.is_some_and(|t| t <= b))
        });
        // newest first
        all.sort_by(|(a_saved, a), (b_saved, b)| {
            b_saved
                .cmp(a_saved)
                .then(b.created_on.as_str().cmp(&a.created_on.as_str()))
                .then(b.id.cmp(&a.id))
        });
        let mut all: Vec<Snapshot> = all.into_iter().map(|(_, snap)| snap).collect();
        if let Some(n) = query.count.filter(|n| *n > 0) {
            all.truncate(n as usize);
        }
        Ok(all)
    }

    fn snapshot_metadata(&self, model: &str, id: &str) -> Res<Snapshot> {
        Ok(self.snapshot(model, id)?.0)
    }

    fn snapshot_contents(&self, model: &str, id: &str) -> Res<Vec<u8>> {
        let (_, path) = self.snapshot(model, id)?;
        fs::read(&path).map_err(|e| io_failure(&path, e))
    }

    fn delete_snapshot(&self, model: &str, id: &str) -> Res<()> {
        let (snap, blob) = self.snapshot(model, id)?;
        self.remove_file(&blob.with_extension("json"), "snapshot", &snap.id)?;
        self.remove_file(&blob, "snapshot", &snap.id)
    }

    fn put_snapshot(&self, model: &str, stype: &str, bytes: &[u8]) -> Res<Snapshot> {
        self.put_snapshot_as(model, &crate::ids::random_hex(8), stype, bytes)
    }

    fn list_assets(&self, kind: AssetKind) -> Res<Vec<String>> {
        let dir = self.root.join(format!("{}s", kind.name()));
        self.list(&dir, |_, name| {
            name.strip_suffix(".json").map(str::to_string)
        })
    }

    fn get_asset(&self, kind: AssetKind, name: &str) -> Res<Value> {
        let path = self.asset_path(kind, name)?;
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(not_found(kind.name(), name)),
            Err(e) => return Err(io_failure(&path, e)),
        };
        serde_json::from_str(&text)
            .map_err(|e| Failure::other(Cause::Text(format!("{}: {}", path.display(), e))))
    }

    fn put_asset(&self, kind: AssetKind, name: &str, doc: &Value) -> Res<Saved> {
        let path = self.asset_path(kind, name)?;
        if kind == AssetKind::Sensor {
            crate::engine::sensors::check_descriptor(doc)
                .map_err(|why| Failure::of(FailureKind::Invalid, why))?;
        }
        self.save(&path, doc.to_string().as_bytes())
    }

    fn delete_asset(&self, kind: AssetKind, name: &str) -> Res<()> {
        let path = self.asset_path(kind, name)?;
        self.remove_file(&path, kind.name(), name)
    }
}
