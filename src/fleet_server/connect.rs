//! Connect (`/api/1/service/connect/…`, rest-api.md §4): health, the fleet listing with its
//! filters, and the configuration — the same ones the CLI's embedded fleet has.

use super::{blocking, internal, json_reply, text, FleetState, Reply};
use crate::config::{Connection, EMBEDDED};
use crate::fleet::http::Timeouts;
use crate::fleet::local::{Local, MODEL_MANAGE};
use crate::fleet::{Connect, Instance, Saved};
use crate::routes::{doc, Routes};
use axum::body::Bytes;
use axum::extract::Path;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde_json::Value;
use std::collections::HashMap;

/// Connect's own routes (`mod.rs` adds health, Pneumo and the sensors).
pub fn routes() -> Routes<FleetState> {
    Routes::new()
        .get(
            "/1/connect",
            doc("The fleet's instances, filtered by any field of their records")
                .query("name", "Only this instance")
                .query(
                    "api",
                    "Only instances of this service (engine, model-manage)",
                )
                .query("health", "Only instances of this health (ok, fail)")
                .query("return", "Comma-separated fields to return")
                .answers(200, "[InstanceInfo]"),
            listing,
        )
        .get(
            "/1/config",
            doc("The fleet's configuration")
                .query("q", "Only this section")
                .answers(200, "The configuration")
                .answers(404, "The configuration is not set"),
            get_config,
        )
        .put(
            "/1/config",
            doc("Set the fleet's configuration")
                .header("Content-Type", "application/x-yaml, or application/json")
                .body("The configuration")
                .answers(201, "Set")
                .answers(204, "Replaced")
                .answers(400, "Malformed YAML"),
            put_config,
        )
        .post(
            "/1/register",
            doc("An engine joins the fleet, or says it is still there")
                .body("{\"name\", \"url\", \"token\"}")
                .answers(201, "Joined")
                .answers(204, "Still there")
                .answers(400, "Not a registration"),
            register,
        )
        .delete(
            "/1/register/{name}",
            doc("An engine leaves the fleet")
                .answers(204, "Left")
                .answers(404, "Not registered"),
            unregister,
        )
}

/// The embedded fleet of the server's home: Model Manage and the local engines.
fn local(state: &FleetState) -> Local {
    Local::new(
        state.home.clone(),
        &Connection::new(EMBEDDED),
        Timeouts::around(crate::fleet::http::SHORT_TIMEOUT),
    )
}

/// `GET /1/connect[?name=…][&api=…]…`: every instance but Connect itself, filtered.
async fn listing(
    State(state): State<FleetState>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    let state2 = state.clone();
    blocking(move || {
        let fleet = local(&state2);
        let joined = state2.registry.all();
        // Model Manage, the local engines it serves, then those that joined (which take
        // the place of a local one of the same name)
        let mut all: Vec<Instance> = Vec::new();
        let local_names = std::iter::once(MODEL_MANAGE.to_string())
            .chain(state2.local_engine_names())
            .filter(|n| !joined.iter().any(|(j, _)| j == n));
        for name in local_names {
            all.extend(fleet.get(&name).ok());
        }
        all.extend(joined.iter().map(|(n, e)| joined_instance(n, e)));
        let mut instances = match query.get("name") {
            Some(name) => all.into_iter().filter(|i| i.name == *name).collect(),
            None => all,
        };
        instances.retain(|i| {
            query.iter().all(|(key, wanted)| match key.as_str() {
                "name" | "return" => true,
                "port" => i.record.get("port").map(Value::to_string).as_deref() == Some(wanted),
                _ => i.record.get(key).and_then(Value::as_str) == Some(wanted.as_str()),
            })
        });
        let fields: Option<Vec<&str>> = query.get("return").map(|r| r.split(',').collect());
        let records: Vec<Value> = instances
            .into_iter()
            .map(|i| match &fields {
                None => i.record,
                Some(fields) => {
                    let mut picked = serde_json::Map::new();
                    for field in fields {
                        if let Some(v) = i.record.get(field.trim()) {
                            picked.insert(field.trim().to_string(), v.clone());
                        }
                    }
                    Value::Object(picked)
                }
            })
            .collect();
        json_reply(200, &Value::Array(records))
    })
    .await
}

/// `GET /1/config[?q=<section>]`: JSON (which is YAML too); 404 when not set.
async fn get_config(
    State(state): State<FleetState>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    blocking(move || match local(&state).get_config() {
        Ok(Some(doc)) => match query.get("q") {
            None => json_reply(200, &doc),
            Some(section) => match doc.get("fastscore").and_then(|f| f.get(section)) {
                Some(part) => json_reply(200, part),
                None => text(404, format!("the configuration has no section '{section}'")),
            },
        },
        Ok(None) => text(404, "the configuration is not set"),
        Err(f) => internal("Connect", f.cause),
    })
    .await
}

/// `PUT /1/config`: a YAML or JSON document; 201 the first time, 204 after.
async fn put_config(State(state): State<FleetState>, headers: HeaderMap, body: Bytes) -> Reply {
    let Ok(yaml) = String::from_utf8(body.to_vec()) else {
        return text(400, "Malformed YAML: not UTF-8 text");
    };
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let doc = if is_json {
        serde_json::from_str(&yaml).map_err(|e| e.to_string())
    } else {
        crate::yaml::parse(&yaml).map(|node| node.map_or(Value::Null, |n| n.to_json()))
    };
    let doc = match doc {
        Ok(doc) if doc.is_object() => doc,
        Ok(_) => return text(400, "Malformed YAML: the configuration must be a mapping"),
        Err(e) => return text(400, format!("Malformed YAML: {e}")),
    };
    blocking(move || match local(&state).put_config(&doc, &yaml) {
        Ok(Saved::Created) => text(201, ""),
        Ok(Saved::Updated) => text(204, ""),
        Err(f) => internal("Connect", f.cause),
    })
    .await
}

fn joined_instance(name: &str, engine: &super::registry::Registered) -> Instance {
    let record = super::registry::record(name, engine);
    Instance {
        name: name.to_string(),
        api: "engine".into(),
        health: record["health"].as_str().unwrap_or("fail").to_string(),
        record,
    }
}

/// `POST /1/register` `{"name", "url", "token"}`: an engine joins (or says it is still
/// there); 201 the first time, 204 after.
async fn register(State(state): State<FleetState>, body: Bytes) -> Reply {
    let doc: Value = match serde_json::from_slice(&body) {
        Ok(doc) => doc,
        Err(e) => return text(400, format!("the registration is not JSON: {e}")),
    };
    let field = |k: &str| doc.get(k).and_then(Value::as_str);
    let (Some(name), Some(url)) = (field("name"), field("url")) else {
        return text(
            400,
            "a registration names the engine (name) and where it answers (url)",
        );
    };
    if !crate::fleet::local::is_engine_name(name) {
        return text(
            400,
            format!("'{name}' is not an engine name (engine-1, engine-2, …)"),
        );
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return text(400, format!("'{url}' is not an http:// or https:// URL"));
    }
    match state
        .registry
        .register(name, url, field("token").map(str::to_string))
    {
        Ok(true) => {
            eprintln!("fleet: {name} joined from {url}");
            text(201, "")
        }
        Ok(false) => text(204, ""),
        Err(why) => text(409, why),
    }
}

async fn unregister(State(state): State<FleetState>, Path(name): Path<String>) -> Reply {
    if state.registry.unregister(&name) {
        eprintln!("fleet: {name} left");
        text(204, "")
    } else {
        text(404, format!("{name} is not registered"))
    }
}
