//! Model Manage (`/api/1/service/model-manage-1/…`, rest-api.md §5) over the same directory
//! store the CLI's embedded fleet uses.

use super::{blocking, bytes_reply, internal, json_reply, text, FleetState, Reply};
use crate::fleet::store::{check_name, Store};
use crate::fleet::{ArchiveType, AssetKind, FailureKind, ModelManage, Res, Saved, SnapshotQuery};
use crate::routes::{doc, Routes};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Model Manage's own routes (`mod.rs` adds health and the sensors).
pub fn routes() -> Routes<FleetState> {
    const KINDS: &[&str] = &["schema", "stream", "sensor"];
    const MODEL_TYPE: &str = "The model's MIME type (application/vnd.fastscore.model-python3, …)";
    Routes::new()
        .get(
            "/1/model",
            doc("The models' names")
                .query(
                    "return",
                    "Comma-separated fields of each model to return (name, type, attachments)",
                )
                .answers(200, "The models"),
            list_models,
        )
        .get(
            "/1/model/{model}",
            doc("A model's source, its type as the Content-Type")
                .answers(200, "The source")
                .answers(404, "Model not found"),
            get_model,
        )
        .put(
            "/1/model/{model}",
            doc("Add or replace a model")
                .header("Content-Type", MODEL_TYPE)
                .body("The source")
                .answers(201, "Added")
                .answers(204, "Replaced"),
            put_model,
        )
        .delete(
            "/1/model/{model}",
            doc("Remove a model and its attachments")
                .answers(204, "Removed")
                .answers(404, "Model not found"),
            delete_model,
        )
        .get(
            "/1/model/{model}/attachment",
            doc("A model's attachments")
                .answers(200, "Their names")
                .answers(403, "Model not found"),
            list_attachments,
        )
        .get(
            "/1/model/{model}/attachment/{attachment}",
            doc("An attachment's contents")
                .answers(200, "The archive")
                .answers(404, "Attachment not found"),
            get_attachment,
        )
        .head(
            "/1/model/{model}/attachment/{attachment}",
            doc("An attachment's type and size (Content-Type, Content-Length)")
                .answers(200, "Found")
                .answers(404, "Attachment not found"),
            get_attachment,
        )
        .put(
            "/1/model/{model}/attachment/{attachment}",
            doc("Add or replace an attachment")
                .header("Content-Type", "application/zip or application/gzip")
                .body("The archive")
                .answers(201, "Added")
                .answers(204, "Replaced"),
            put_attachment,
        )
        .delete(
            "/1/model/{model}/attachment/{attachment}",
            doc("Remove an attachment")
                .answers(204, "Removed")
                .answers(404, "Attachment not found"),
            delete_attachment,
        )
        .get(
            "/1/model/{model}/snapshot",
            doc("A model's snapshots, newest first")
                .query("count", "At most this many")
                .query("date-range", "<since>--<until> (either may be empty)")
                .answers(200, "[{\"id\", \"created_on\", \"type\", \"size\"}]")
                .answers(403, "Model not found"),
            list_snapshots,
        )
        .put(
            "/1/model/{model}/snapshot/{id}",
            doc("Store a model's state (an engine does): the body, or a part of a multipart/mixed or multipart/form-data body (a JSON part is metadata)")
                .query("type", "The snapshot's type (JSON1 by default)")
                .body("The state")
                .answers(201, "Stored")
                .answers(400, "The snapshot already exists"),
            put_snapshot,
        )
        .get(
            "/1/model/{model}/snapshot/{id}",
            doc("A snapshot whole: multipart/mixed, its metadata (JSON) then its contents (a unique id prefix is enough)")
                .answers(200, "The metadata and the contents")
                .answers(300, "The prefix names several snapshots")
                .answers(403, "Model not found")
                .answers(404, "Snapshot not found"),
            get_snapshot,
        )
        .delete(
            "/1/model/{model}/snapshot/{id}",
            doc("Remove a snapshot (a unique id prefix is enough)")
                .answers(204, "Removed")
                .answers(404, "Snapshot not found"),
            delete_snapshot,
        )
        .get(
            "/1/model/{model}/snapshot/{id}/metadata",
            doc("A snapshot's id, creation time, type and size")
                .answers(200, "The metadata")
                .answers(404, "Snapshot not found"),
            snapshot_metadata,
        )
        .get(
            "/1/model/{model}/snapshot/{id}/contents",
            doc("A snapshot's contents")
                .answers(200, "The state")
                .answers(404, "Snapshot not found"),
            snapshot_contents,
        )
        .get(
            "/1/{kind}",
            doc("The names in a collection: schemas, stream or sensor descriptors")
                .choices("kind", KINDS)
                .answers(200, "The names"),
            list_assets,
        )
        .get(
            "/1/{kind}/{name}",
            doc("A schema, stream or sensor descriptor")
                .choices("kind", KINDS)
                .answers(200, "The document (JSON)")
                .answers(404, "Not found"),
            get_asset,
        )
        .put(
            "/1/{kind}/{name}",
            doc("Add or replace a schema, stream or sensor descriptor")
                .choices("kind", KINDS)
                .body("The document (JSON)")
                .answers(201, "Added")
                .answers(204, "Replaced"),
            put_asset,
        )
        .delete(
            "/1/{kind}/{name}",
            doc("Remove a schema, stream or sensor descriptor")
                .choices("kind", KINDS)
                .answers(204, "Removed")
                .answers(404, "Not found"),
            delete_asset,
        )
}

/// 201 for something new, 204 for a replacement.
fn saved(s: Saved) -> Reply {
    text(if s == Saved::Created { 201 } else { 204 }, "")
}

fn done(_: ()) -> Reply {
    text(204, "")
}

/// Run `op` on the store, after checking the names it is given; its result as `reply`
/// makes it, a failure as the original's status: `missing` (404, or 403 where the original
/// answers that) for what is not there, 400 for a name or document the store refuses or a
/// snapshot that exists already, 300 for an id prefix that names several, 500 else
/// (`internal`).
async fn on_store<T: Send + 'static>(
    state: &FleetState,
    names: &[(&'static str, &str)],
    missing: u16,
    op: impl FnOnce(&Store) -> Res<T> + Send + 'static,
    reply: impl FnOnce(T) -> Reply + Send + 'static,
) -> Reply {
    for (what, name) in names {
        if let Err(f) = check_name(what, name) {
            return text(400, f.cause.to_string());
        }
    }
    let home = state.home.clone();
    blocking(move || match op(&Store::new(&home)) {
        Ok(value) => reply(value),
        Err(f) => match f.kind {
            FailureKind::NotFound => text(missing, f.cause.to_string()),
            FailureKind::Invalid | FailureKind::Exists => text(400, f.cause.to_string()),
            FailureKind::Ambiguous => text(300, f.cause.to_string()),
            FailureKind::Other => internal("Model Manage", f.cause),
        },
    })
    .await
}

async fn list_models(
    State(state): State<FleetState>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    let fields: Vec<String> = query
        .get("return")
        .map(|r| r.split(',').map(|f| f.trim().to_string()).collect())
        .unwrap_or_default();
    let list = move |store: &Store| {
        let models = store.list_models()?;
        Ok(if fields.is_empty() {
            json!(models.iter().map(|m| &m.name).collect::<Vec<_>>())
        } else {
            let rows: Vec<Value> = models
                .iter()
                .map(|m| {
                    let mut row = json!({"name": m.name});
                    if fields.iter().any(|f| f == "type") {
                        row["type"] = json!(m.mtype);
                    }
                    if fields.iter().any(|f| f == "attachments") {
                        row["attachments"] =
                            json!(store.list_attachments(&m.name).unwrap_or_default());
                    }
                    row
                })
                .collect();
            json!(rows)
        })
    };
    on_store(&state, &[], 404, list, |v| json_reply(200, &v)).await
}

async fn get_model(State(state): State<FleetState>, Path(model): Path<String>) -> Reply {
    let names = [("model", model.as_str())];
    let m = model.clone();
    on_store(
        &state,
        &names,
        404,
        move |s| s.get_model(&m),
        |m| {
            let mime = crate::model_type::mime_type(&m.mtype).unwrap_or("text/plain");
            bytes_reply(200, mime, m.source.into_bytes())
        },
    )
    .await
}

async fn put_model(
    State(state): State<FleetState>,
    Path(model): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let mime = content_type(&headers);
    let Some(mtype) = crate::model_type::from_mime_type(&mime) else {
        return text(400, format!("'{mime}' is not a model content type"));
    };
    let Ok(source) = String::from_utf8(body.to_vec()) else {
        return text(400, "the model source is not UTF-8 text");
    };
    let m = model.clone();
    on_store(
        &state,
        &[("model", &model)],
        404,
        move |s| s.put_model(&m, mtype, &source),
        saved,
    )
    .await
}

async fn delete_model(State(state): State<FleetState>, Path(model): Path<String>) -> Reply {
    let m = model.clone();
    on_store(
        &state,
        &[("model", &model)],
        404,
        move |s| s.delete_model(&m),
        done,
    )
    .await
}

async fn list_attachments(State(state): State<FleetState>, Path(model): Path<String>) -> Reply {
    let m = model.clone();
    // a missing model is 403 on the list sub-resources (§2.3)
    on_store(
        &state,
        &[("model", &model)],
        403,
        move |s| s.list_attachments(&m),
        |names| json_reply(200, &json!(names)),
    )
    .await
}

async fn get_attachment(
    State(state): State<FleetState>,
    method: Method,
    Path((model, attachment)): Path<(String, String)>,
) -> Reply {
    let names = [
        ("model", model.as_str()),
        ("attachment", attachment.as_str()),
    ];
    let (m, a) = (model.clone(), attachment.clone());
    let read = move |s: &Store| {
        let info = s.attachment_info(&m, &a)?;
        let bytes = if method == Method::HEAD {
            None
        } else {
            Some(s.get_attachment(&m, &a)?)
        };
        Ok((info, bytes))
    };
    on_store(&state, &names, 404, read, |(info, bytes)| match bytes {
        Some(bytes) => bytes_reply(200, info.atype.mime_type(), bytes),
        None => {
            // the SDK reads the size from Content-Length: it must not become 0
            let mut reply = bytes_reply(200, info.atype.mime_type(), Vec::new());
            reply.headers_mut().insert(
                axum::http::header::CONTENT_LENGTH,
                axum::http::HeaderValue::from(info.size),
            );
            reply
        }
    })
    .await
}

async fn put_attachment(
    State(state): State<FleetState>,
    Path((model, attachment)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let mime = content_type(&headers);
    let Some(atype) = ArchiveType::from_mime_type(&mime) else {
        return text(
            400,
            format!("an attachment is application/zip or application/gzip, not '{mime}'"),
        );
    };
    if ArchiveType::from_name(&attachment) != Some(atype) {
        return text(
            400,
            format!(
                "the name '{attachment}' does not end as a {} archive does",
                atype.key()
            ),
        );
    }
    let names = [
        ("model", model.as_str()),
        ("attachment", attachment.as_str()),
    ];
    let (m, a) = (model.clone(), attachment.clone());
    on_store(
        &state,
        &names,
        404,
        move |s| s.put_attachment(&m, &a, atype, &body),
        saved,
    )
    .await
}

async fn delete_attachment(
    State(state): State<FleetState>,
    Path((model, attachment)): Path<(String, String)>,
) -> Reply {
    let names = [
        ("model", model.as_str()),
        ("attachment", attachment.as_str()),
    ];
    let (m, a) = (model.clone(), attachment.clone());
    on_store(
        &state,
        &names,
        404,
        move |s| s.delete_attachment(&m, &a),
        done,
    )
    .await
}

async fn list_snapshots(
    State(state): State<FleetState>,
    Path(model): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Reply {
    let m = model.clone();
    // `count=<n>`, `date-range=<since>--<until>` (either side may be empty)
    let (since, until) = q
        .get("date-range")
        .and_then(|r| r.split_once("--"))
        .map_or((None, None), |(a, b)| {
            (Some(a.to_string()), Some(b.to_string()))
        });
    let query = SnapshotQuery {
        count: q.get("count").and_then(|c| c.parse().ok()),
        since,
        until,
    };
    let list = move |s: &Store| s.list_snapshots(&m, &query);
    on_store(&state, &[("model", &model)], 403, list, |list| {
        json_reply(
            200,
            &json!(list.iter().map(snapshot_json).collect::<Vec<_>>()),
        )
    })
    .await
}

fn snapshot_json(s: &crate::fleet::Snapshot) -> Value {
    json!({"id": s.id, "created_on": s.created_on, "type": s.stype, "size": s.size})
}

async fn snapshot_metadata(
    State(state): State<FleetState>,
    Path((model, id)): Path<(String, String)>,
) -> Reply {
    let m = model.clone();
    on_store(
        &state,
        &[("model", &model)],
        404,
        move |s| s.snapshot_metadata(&m, &id),
        |snap| json_reply(200, &snapshot_json(&snap)),
    )
    .await
}

async fn snapshot_contents(
    State(state): State<FleetState>,
    Path((model, id)): Path<(String, String)>,
) -> Reply {
    let m = model.clone();
    on_store(
        &state,
        &[("model", &model)],
        404,
        move |s| s.snapshot_contents(&m, &id),
        |bytes| bytes_reply(200, "application/octet-stream", bytes),
    )
    .await
}

/// `GET …/snapshot/<id-prefix>`: `multipart/mixed`, the metadata (JSON) then the contents.
async fn get_snapshot(
    State(state): State<FleetState>,
    Path((model, id)): Path<(String, String)>,
) -> Reply {
    let m = model.clone();
    let read = move |s: &Store| {
        let snap = s.snapshot_metadata(&m, &id)?;
        let bytes = s.snapshot_contents(&m, &snap.id)?;
        Ok((snap, bytes))
    };
    on_store(&state, &[("model", &model)], 403, read, |(snap, bytes)| {
        let mut body = crate::multipart::Builder::default();
        let disposition = format!("attachment; filename=\"{}\"", snap.id);
        body.part(
            &[
                ("Content-Disposition", "inline; name=\"metadata\""),
                ("Content-Type", "application/json"),
            ],
            snapshot_json(&snap).to_string().as_bytes(),
        )
        .part(
            &[
                ("Content-Disposition", &disposition),
                ("Content-Type", "application/octet-stream"),
            ],
            &bytes,
        );
        let (content_type, body) = body.finish();
        let mut reply = bytes_reply(200, "multipart/mixed", body);
        if let Ok(v) = axum::http::HeaderValue::from_str(&content_type) {
            reply
                .headers_mut()
                .insert(axum::http::header::CONTENT_TYPE, v);
        }
        reply
    })
    .await
}

/// A snapshot's contents and type from an upload: the body itself (`?type=<stype>`), or a
/// `multipart/mixed` or `multipart/form-data` body whose contents are the part that is not
/// JSON metadata (a metadata part may give the type).
fn snapshot_upload(
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Result<(String, Vec<u8>), String> {
    let mut stype = query.get("type").cloned();
    let ctype = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(boundary) = crate::multipart::boundary(ctype) else {
        return Ok((stype.unwrap_or_else(|| "JSON1".into()), body.to_vec()));
    };
    let parts = crate::multipart::parts(body, &boundary)?;
    let is_metadata = |p: &crate::multipart::Part| {
        let (_, params) = p.disposition();
        crate::multipart::param(&params, "name") == Some("metadata")
            || p.header("Content-Type")
                .is_some_and(|t| t.starts_with("application/json"))
    };
    let mut contents = None;
    for part in &parts {
        if parts.len() > 1 && is_metadata(part) {
            let doc: Value = serde_json::from_slice(part.content).unwrap_or(Value::Null);
            if let Some(t) = doc.get("type").or(doc.get("stype")).and_then(Value::as_str) {
                stype.get_or_insert_with(|| t.to_string());
            }
        } else if contents.is_none() {
            contents = Some(part.content.to_vec());
        } else {
            return Err(
                "a snapshot upload has one part of contents (and may have one of JSON metadata)"
                    .into(),
            );
        }
    }
    let contents = contents.ok_or("the snapshot upload has no part of contents")?;
    Ok((stype.unwrap_or_else(|| "JSON1".into()), contents))
}

/// An engine stores a model's state: `PUT …/snapshot/<id>?type=<stype>`, the contents as
/// the body (or a part of a multipart body).
async fn put_snapshot(
    State(state): State<FleetState>,
    Path((model, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let (stype, contents) = match snapshot_upload(&headers, &q, &body) {
        Ok(upload) => upload,
        Err(why) => return text(400, why),
    };
    let m = model.clone();
    on_store(
        &state,
        &[("model", &model)],
        404,
        move |s| s.put_snapshot_as(&m, &id, &stype, &contents),
        |snap| json_reply(201, &snapshot_json(&snap)),
    )
    .await
}

async fn delete_snapshot(
    State(state): State<FleetState>,
    Path((model, id)): Path<(String, String)>,
) -> Reply {
    let m = model.clone();
    on_store(
        &state,
        &[("model", &model)],
        404,
        move |s| s.delete_snapshot(&m, &id),
        done,
    )
    .await
}

fn asset_kind(kind: &str) -> Option<AssetKind> {
    match kind {
        "schema" => Some(AssetKind::Schema),
        "stream" => Some(AssetKind::Stream),
        "sensor" => Some(AssetKind::Sensor),
        _ => None,
    }
}

fn no_such_collection(kind: &str) -> Reply {
    text(404, format!("Model Manage has no '{kind}' collection"))
}

async fn list_assets(State(state): State<FleetState>, Path(kind): Path<String>) -> Reply {
    let Some(kind) = asset_kind(&kind) else {
        return no_such_collection(&kind);
    };
    on_store(
        &state,
        &[],
        404,
        move |s| s.list_assets(kind),
        |names| json_reply(200, &json!(names)),
    )
    .await
}

/// `on_store` for the document `name` of the collection `kind` (schema, stream, sensor).
async fn on_asset<T: Send + 'static>(
    state: &FleetState,
    kind: &str,
    name: String,
    op: impl FnOnce(&Store, AssetKind, &str) -> Res<T> + Send + 'static,
    reply: impl FnOnce(T) -> Reply + Send + 'static,
) -> Reply {
    let Some(kind) = asset_kind(kind) else {
        return no_such_collection(kind);
    };
    let checked = [(kind.name(), name.as_str())];
    let n = name.clone();
    on_store(state, &checked, 404, move |s| op(s, kind, &n), reply).await
}

async fn get_asset(
    State(state): State<FleetState>,
    Path((kind, name)): Path<(String, String)>,
) -> Reply {
    let get = |s: &Store, kind, name: &str| s.get_asset(kind, name);
    on_asset(&state, &kind, name, get, |doc| json_reply(200, &doc)).await
}

async fn put_asset(
    State(state): State<FleetState>,
    Path((kind, name)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    if asset_kind(&kind).is_none() {
        return no_such_collection(&kind);
    }
    let doc: Value = match serde_json::from_slice(&body) {
        Ok(doc) => doc,
        Err(e) => return text(400, format!("the {kind} is not JSON: {e}")),
    };
    let put = move |s: &Store, kind, name: &str| s.put_asset(kind, name, &doc);
    on_asset(&state, &kind, name, put, saved).await
}

async fn delete_asset(
    State(state): State<FleetState>,
    Path((kind, name)): Path<(String, String)>,
) -> Reply {
    let delete = |s: &Store, kind, name: &str| s.delete_asset(kind, name);
    on_asset(&state, &kind, name, delete, done).await
}

/// The media type of a request, without parameters.
fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_string()
}
