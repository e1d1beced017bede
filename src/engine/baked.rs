//! A baked engine (engine.md §9.8): `MODEL`, `SCHEMAS`, `STREAMS` and `ATTACHMENTS` in the
//! environment are loaded at start-up as if the REST calls had been made.
//!
//! `MODEL=/path/model.py3` (type from the extension, name from the file's stem),
//! `SCHEMAS=name:/path.avsc;name2:/path2.avsc`, `STREAMS=0:/path/in.json;1:/path/out.json`,
//! `ATTACHMENTS=/path/a.tar.gz;/path/b.zip`. A stream that is no file is a stream
//! descriptor's name in Model Manage (the fleet's, for an engine that joined one).

use super::load::{AttachmentPart, LoadRequest};
use super::Engine;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Baked {
    model: PathBuf,
    schemas: Vec<(String, PathBuf)>,
    streams: Vec<(u32, PathBuf)>,
    attachments: Vec<PathBuf>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `a:b;c:d` → [("a", "b"), ("c", "d")] (the part before the first colon, and the rest).
fn pairs(name: &str) -> Result<Vec<(String, PathBuf)>, String> {
    let Some(text) = var(name) else {
        return Ok(Vec::new());
    };
    text.split(';')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            p.trim()
                .split_once(':')
                .map(|(k, v)| (k.to_string(), PathBuf::from(v)))
                .ok_or_else(|| format!("{name}: '{p}' is not <name>:<path>"))
        })
        .collect()
}

/// The baked configuration, when `MODEL` is set.
pub fn from_env() -> Result<Option<Baked>, String> {
    let Some(model) = var("MODEL") else {
        return Ok(None);
    };
    let streams = pairs("STREAMS")?
        .into_iter()
        .map(|(slot, path)| {
            slot.parse::<u32>()
                .map(|slot| (slot, path))
                .map_err(|_| format!("STREAMS: '{slot}' is not a slot number"))
        })
        .collect::<Result<_, _>>()?;
    let attachments = var("ATTACHMENTS")
        .map(|a| {
            a.split(';')
                .filter(|p| !p.trim().is_empty())
                .map(|p| PathBuf::from(p.trim()))
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(Baked {
        model: PathBuf::from(model),
        schemas: pairs("SCHEMAS")?,
        streams,
        attachments,
    }))
}

fn read(what: &str, path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| {
        format!(
            "{what}: {}",
            crate::error::io_error_text(&path.display().to_string(), &e)
        )
    })
}

fn text(what: &str, path: &Path) -> Result<String, String> {
    String::from_utf8(read(what, path)?)
        .map_err(|_| format!("{what}: {} is not UTF-8 text", path.display()))
}

/// Load the model with its schemas and attachments, then attach the streams.
pub fn apply(engine: &Arc<Engine>, baked: &Baked) -> Result<(), String> {
    let file = baked.model.display().to_string();
    let mtype = crate::model_type::from_file_name(&file).map_err(|e| format!("MODEL: {e}"))?;
    let name = baked
        .model
        .file_stem()
        .map_or_else(|| "model".to_string(), |s| s.to_string_lossy().into_owned());
    let mut schemas = Vec::new();
    for (schema, path) in &baked.schemas {
        schemas.push((schema.clone(), text("SCHEMAS", path)?));
    }
    let mut attachments = Vec::new();
    for path in &baked.attachments {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| format!("ATTACHMENTS: {} names no file", path.display()))?;
        attachments.push(AttachmentPart::Inline {
            name,
            bytes: read("ATTACHMENTS", path)?,
        });
    }
    let request = LoadRequest {
        name: name.clone(),
        mtype: mtype.to_string(),
        source: text("MODEL", &baked.model)?,
        attachments,
        schemas,
    };
    // waits while a runtime or libraries the model needs are prepared in the background
    engine
        .when_prepared(false, None, |_| engine.load(request.clone(), false))
        .map_err(|r| format!("MODEL: cannot load '{name}': {}", r.message))?;
    for (slot, path) in &baked.streams {
        let doc: serde_json::Value = if path.exists() {
            serde_json::from_str(&text("STREAMS", path)?)
                .map_err(|e| format!("STREAMS: {}: {e}", path.display()))?
        } else {
            let name = path.display().to_string();
            engine.store.get_stream(&name).map_err(|f| {
                format!(
                    "STREAMS: '{name}' is neither a file nor a stream in Model Manage: {}",
                    f.cause
                )
            })?
        };
        let stream = path.file_stem().map_or_else(
            || format!("slot-{slot}"),
            |s| s.to_string_lossy().into_owned(),
        );
        engine.attach(*slot, &stream, doc, false).map_err(|r| {
            format!(
                "STREAMS: cannot attach {} to slot {slot}: {}",
                path.display(),
                r.message
            )
        })?;
    }
    Ok(())
}
