//! Model Manage (`/api/1/service/model-manage-1/…`, rest-api.md §5) over the same directory
//! store the CLI's embedded fleet uses.

use super::{blocking, bytes_reply, json_reply, text, FleetState, Reply};
use crate::fleet::store::{check_name, Store};
use crate::fleet::{ArchiveType, AssetKind, Failure, ModelManage, Saved, SnapshotQuery};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn router() -> Router<FleetState> {
    Router::new()
        .route("/1/model", get(list_models))
        .route(
            "/1/model/{model}",
            get(get_model).put(put_model).delete(delete_model),
        )
        .route("/1/model/{model}/attachment", get(list_attachments))
        .route(
            "/1/model/{model}/attachment/{attachment}",
            get(get_attachment)
                .head(get_attachment)
                .put(put_attachment)
                .delete(delete_attachment),
        )
        .route("/1/model/{model}/snapshot", get(list_snapshots))
        .route(
            "/1/model/{model}/snapshot/{id}",
            axum::routing::delete(delete_snapshot),
        )
        .route(
            "/1/model/{model}/snapshot/{id}/metadata",
            get(snapshot_metadata),
        )
        .route(
            "/1/model/{model}/snapshot/{id}/contents",
            get(snapshot_contents),
        )
        .route("/1/{kind}", get(list_assets))
        .route(
            "/1/{kind}/{name}",
            get(get_asset).put(put_asset).delete(delete_asset),
        )
}

/// A store failure as the original's status: 404 for what is missing, 400 for a name the
/// store refuses, 500 for the rest.
fn failed(f: Failure) -> Reply {
    let status = if f.not_found { 404 } else { 500 };
    text(status, f.cause.to_string())
}

/// 201 for something new, 204 for a replacement.
fn saved(s: Saved) -> Reply {
    text(if s == Saved::Created { 201 } else { 204 }, "")
}

/// Run `f` on the store, after checking the names it is given.
async fn with_store(
    state: &FleetState,
    names: &[(&'static str, &str)],
    f: impl FnOnce(&Store) -> Reply + Send + 'static,
) -> Reply {
    for (what, name) in names {
        if let Err(f) = check_name(what, name) {
            return text(400, f.cause.to_string());
        }
    }
    let home = state.home.clone();
    blocking(move || f(&Store::new(&home))).await
}

async fn list_models(
    State(state): State<FleetState>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    let fields: Vec<String> = query
        .get("return")
        .map(|r| r.split(',').map(|f| f.trim().to_string()).collect())
        .unwrap_or_default();
    with_store(&state, &[], move |store| match store.list_models() {
        Err(f) => failed(f),
        Ok(models) if fields.is_empty() => json_reply(
            200,
            &json!(models.iter().map(|m| &m.name).collect::<Vec<_>>()),
        ),
        Ok(models) => {
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
            json_reply(200, &json!(rows))
        }
    })
    .await
}

async fn get_model(State(state): State<FleetState>, Path(model): Path<String>) -> Reply {
    let name = model.clone();
    with_store(&state, &[("model", &name)], move |store| {
        match store.get_model(&model) {
            Err(f) => failed(f),
            Ok(m) => {
                let mime = crate::model_type::mime_type(&m.mtype).unwrap_or("text/plain");
                bytes_reply(200, mime, m.source.into_bytes())
            }
        }
    })
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
    let name = model.clone();
    with_store(&state, &[("model", &name)], move |store| {
        match store.put_model(&model, mtype, &source) {
            Ok(s) => saved(s),
            Err(f) => failed(f),
        }
    })
    .await
}

async fn delete_model(State(state): State<FleetState>, Path(model): Path<String>) -> Reply {
    let name = model.clone();
    with_store(&state, &[("model", &name)], move |store| {
        match store.delete_model(&model) {
            Ok(()) => text(204, ""),
            Err(f) => failed(f),
        }
    })
    .await
}

async fn list_attachments(State(state): State<FleetState>, Path(model): Path<String>) -> Reply {
    let name = model.clone();
    with_store(&state, &[("model", &name)], move |store| {
        match store.list_attachments(&model) {
            Ok(names) => json_reply(200, &json!(names)),
            // a missing model is 403 on the list sub-resources (§2.3)
            Err(f) if f.not_found => text(403, f.cause.to_string()),
            Err(f) => failed(f),
        }
    })
    .await
}

async fn get_attachment(
    State(state): State<FleetState>,
    method: Method,
    Path((model, attachment)): Path<(String, String)>,
) -> Reply {
    let names = (model.clone(), attachment.clone());
    with_store(
        &state,
        &[("model", &names.0), ("attachment", &names.1)],
        move |store| {
            let info = match store.attachment_info(&model, &attachment) {
                Ok(info) => info,
                Err(f) => return failed(f),
            };
            let mime = info.atype.mime_type();
            if method == Method::HEAD {
                // the SDK reads the size from Content-Length: it must not become 0
                let mut reply = bytes_reply(200, mime, Vec::new());
                reply.headers_mut().insert(
                    axum::http::header::CONTENT_LENGTH,
                    axum::http::HeaderValue::from(info.size),
                );
                return reply;
            }
            match store.get_attachment(&model, &attachment) {
                Ok(bytes) => bytes_reply(200, mime, bytes),
                Err(f) => failed(f),
            }
        },
    )
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
    let names = (model.clone(), attachment.clone());
    with_store(
        &state,
        &[("model", &names.0), ("attachment", &names.1)],
        move |store| match store.put_attachment(&model, &attachment, atype, &body) {
            Ok(s) => saved(s),
            Err(f) => failed(f),
        },
    )
    .await
}

async fn delete_attachment(
    State(state): State<FleetState>,
    Path((model, attachment)): Path<(String, String)>,
) -> Reply {
    let names = (model.clone(), attachment.clone());
    with_store(
        &state,
        &[("model", &names.0), ("attachment", &names.1)],
        move |store| match store.delete_attachment(&model, &attachment) {
            Ok(()) => text(204, ""),
            Err(f) => failed(f),
        },
    )
    .await
}

async fn list_snapshots(State(state): State<FleetState>, Path(model): Path<String>) -> Reply {
    let name = model.clone();
    with_store(&state, &[("model", &name)], move |store| {
        match store.list_snapshots(&model, &SnapshotQuery::default()) {
            Ok(list) => json_reply(
                200,
                &json!(list.iter().map(snapshot_json).collect::<Vec<_>>()),
            ),
            Err(f) if f.not_found => text(403, f.cause.to_string()),
            Err(f) => failed(f),
        }
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
    let name = model.clone();
    with_store(&state, &[("model", &name)], move |store| {
        match store.snapshot_metadata(&model, &id) {
            Ok(s) => json_reply(200, &snapshot_json(&s)),
            Err(f) => failed(f),
        }
    })
    .await
}

async fn snapshot_contents(
    State(state): State<FleetState>,
    Path((model, id)): Path<(String, String)>,
) -> Reply {
    let name = model.clone();
    with_store(&state, &[("model", &name)], move |store| {
        match store.snapshot_contents(&model, &id) {
            Ok(bytes) => bytes_reply(200, "application/octet-stream", bytes),
            Err(f) => failed(f),
        }
    })
    .await
}

async fn delete_snapshot(
    State(state): State<FleetState>,
    Path((model, id)): Path<(String, String)>,
) -> Reply {
    let name = model.clone();
    with_store(&state, &[("model", &name)], move |store| {
        match store.delete_snapshot(&model, &id) {
            Ok(()) => text(204, ""),
            Err(f) => failed(f),
        }
    })
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
    with_store(&state, &[], move |store| match store.list_assets(kind) {
        Ok(names) => json_reply(200, &json!(names)),
        Err(f) => failed(f),
    })
    .await
}

async fn get_asset(
    State(state): State<FleetState>,
    Path((kind, name)): Path<(String, String)>,
) -> Reply {
    let Some(kind) = asset_kind(&kind) else {
        return no_such_collection(&kind);
    };
    let checked = name.clone();
    with_store(
        &state,
        &[(kind.name(), &checked)],
        move |store| match store.get_asset(kind, &name) {
            Ok(doc) => json_reply(200, &doc),
            Err(f) => failed(f),
        },
    )
    .await
}

async fn put_asset(
    State(state): State<FleetState>,
    Path((kind, name)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let Some(kind) = asset_kind(&kind) else {
        return no_such_collection(&kind);
    };
    let doc: Value = match serde_json::from_slice(&body) {
        Ok(doc) => doc,
        Err(e) => return text(400, format!("the {} is not JSON: {e}", kind.name())),
    };
    let checked = name.clone();
    with_store(&state, &[(kind.name(), &checked)], move |store| match store
        .put_asset(kind, &name, &doc)
    {
        Ok(s) => saved(s),
        Err(f) => failed(f),
    })
    .await
}

async fn delete_asset(
    State(state): State<FleetState>,
    Path((kind, name)): Path<(String, String)>,
) -> Reply {
    let Some(kind) = asset_kind(&kind) else {
        return no_such_collection(&kind);
    };
    let checked = name.clone();
    with_store(&state, &[(kind.name(), &checked)], move |store| match store
        .delete_asset(kind, &name)
    {
        Ok(()) => text(204, ""),
        Err(f) => failed(f),
    })
    .await
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
