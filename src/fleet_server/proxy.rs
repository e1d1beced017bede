//! Forwarding `/api/1/service/engine-<n>/…` to the engine: one that joined from elsewhere,
//! else one of the local engines the fleet serves, started on demand; driven with its
//! token. Any other instance is not found.

use super::{blocking, text, FleetState, Reply};
use crate::fleet::http::{Client, Timeouts};
use crate::fleet::launcher;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::IntoResponse;
use std::rc::Rc;

/// Request headers an engine needs; the client's credentials for the fleet stay here.
const FORWARDED: &[&str] = &[
    "content-type",
    "content-disposition",
    "accept",
    "prefer",
    crate::BUSY_TASK_HEADER,
];
/// Answer headers the client needs (`server` tells our CLI the text is an engine's; a busy
/// engine's 503 says when to ask again and what it is busy with).
const RETURNED: &[&str] = &[
    "content-type",
    "content-disposition",
    "server",
    "retry-after",
    crate::BUSY_TASK_HEADER,
];

/// The longest an engine's answer is waited for.
const ENGINE_WAIT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Forward one request to engine `name`; `rest` is the path after the instance name.
pub async fn forward(
    state: FleetState,
    name: String,
    method: Method,
    rest: String,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let home = state.home.clone();
    let joined = state.registry.get(&name);
    blocking(move || {
        // (the local engines it serves are read from its data directory)
        if !state.serves_engine(&name) {
            return super::no_instance(&name);
        }
        let client = Rc::new(Client::local(Timeouts {
            // an engine may hold a load that waits for its installs (10 min and a half),
            // then load: the engine bounds its own waits
            long: ENGINE_WAIT,
            ..Timeouts::around(crate::fleet::http::DEFAULT_TIMEOUT)
        }));
        let service = match joined {
            // an engine that joined from elsewhere
            Some(engine) => engine.service(&client, &name),
            // a local engine, started on demand; a reset revives a dead one, as
            // `fastscore engine reset` does
            None => {
                let revive = method == Method::POST && rest == "2/engine/reset";
                match launcher::ensure(&home, &name, revive, &client) {
                    Ok(info) => launcher::service(&client, &name, &info),
                    Err(e) => {
                        return text(503, e.to_string().trim_start_matches("Error: ").to_string())
                    }
                }
            }
        };
        let sent: Vec<(&str, &str)> = FORWARDED
            .iter()
            .filter_map(|h| Some((*h, headers.get(*h)?.to_str().ok()?)))
            .collect();
        let body = (!body.is_empty() || method != Method::GET).then_some(&body[..]);
        // the engine bounds its own waits; loads and attaches may take minutes
        let service = service.long();
        match service.send(method.as_str(), &rest, &sent, body) {
            Ok(answer) => {
                let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
                let mut reply = (status, answer.body.clone()).into_response();
                for (key, value) in &answer.headers {
                    let key = key.to_ascii_lowercase();
                    if !RETURNED.contains(&key.as_str()) {
                        continue;
                    }
                    if let (Ok(k), Ok(v)) =
                        (HeaderName::try_from(key), HeaderValue::try_from(value))
                    {
                        reply.headers_mut().insert(k, v);
                    }
                }
                reply
            }
            Err(f) => text(502, f.cause.to_string()),
        }
    })
    .await
}
