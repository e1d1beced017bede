//! The FastScore Engine REST API over HTTP (spec/rest-api.md §6), on tiny_http worker
//! threads. Paths are accepted directly (`/2/engine/state`) and behind the proxy prefix
//! (`/api/1/service/<engine>/2/engine/state`).

use super::{load, Engine, Output, Refused, OUTPUT_WAIT};
use crate::fleet::http::{parse_query, percent_decode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tiny_http::{Header, Method, Request, Response};

/// Requests served at the same time (long polls and round trips each hold one).
const WORKERS: usize = 16;
/// Round trips wait this long for the output by default.
const ROUNDTRIP_TIMEOUT: Duration = Duration::from_secs(10);

struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

fn text(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        content_type: "text/plain",
        body: body.into().into_bytes(),
    }
}

fn json_reply(status: u16, value: &Value) -> Reply {
    Reply {
        status,
        content_type: "application/json",
        body: value.to_string().into_bytes(),
    }
}

fn empty(status: u16) -> Reply {
    Reply {
        status,
        content_type: "text/plain",
        body: Vec::new(),
    }
}

impl From<Refused> for Reply {
    fn from(r: Refused) -> Reply {
        text(r.status, r.message)
    }
}

/// Serve until `stop` is set. With a `token`, every request must carry
/// `Authorization: Bearer <token>`.
pub fn serve(
    engine: Arc<Engine>,
    server: Arc<tiny_http::Server>,
    stop: Arc<AtomicBool>,
    token: Option<String>,
) {
    let token: Option<Arc<str>> = token.map(Arc::from);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (engine, server, stop) = (engine.clone(), server.clone(), stop.clone());
            let token = token.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match server.recv_timeout(Duration::from_millis(200)) {
                        Ok(Some(request)) => handle(&engine, request, token.as_deref()),
                        Ok(None) => {}
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
}

/// Whether `request` carries `Authorization: Bearer <token>`, compared in constant time.
fn authorized(request: &Request, token: &str) -> bool {
    let given = header(request, "Authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .trim()
        .as_bytes();
    let expected = token.as_bytes();
    let diff = given
        .iter()
        .zip(expected)
        .fold(given.len() ^ expected.len(), |acc, (a, b)| {
            acc | usize::from(a ^ b)
        });
    std::hint::black_box(diff) == 0
}

const UNAUTHORIZED: &str = "this engine takes requests from its owner only: send the header \
    'Authorization: Bearer <token>' with the \"token\" field of its engine.json \
    (see 'fastscore engine serve --help')\n";

fn handle(engine: &Arc<Engine>, mut request: Request, token: Option<&str>) {
    if token.is_some_and(|t| !authorized(&request, t)) {
        let mut response = Response::from_string(UNAUTHORIZED).with_status_code(401);
        for (k, v) in [
            ("Content-Type", "text/plain"),
            ("WWW-Authenticate", "Bearer"),
        ] {
            if let Ok(h) = Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                response.add_header(h);
            }
        }
        let _ = request.respond(response);
        return;
    }
    let mut body = Vec::new();
    let reply = match request.as_reader().read_to_end(&mut body) {
        // a bug must cost one request, not the worker thread (whose jets would die with it)
        Ok(_) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            route(engine, &request, &body)
        }))
        .unwrap_or_else(|_| text(500, "internal error (see the engine log)")),
        Err(e) => text(400, format!("cannot read the request: {e}")),
    };
    let mut response = Response::from_data(reply.body).with_status_code(reply.status);
    if let Ok(h) = Header::from_bytes(&b"Content-Type"[..], reply.content_type.as_bytes()) {
        response.add_header(h);
    }
    let _ = request.respond(response);
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

fn flag(query: &[(String, String)], name: &str) -> bool {
    query
        .iter()
        .any(|(k, v)| k == name && matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}

fn slot(text: &str) -> Result<u32, Reply> {
    text.parse()
        .map_err(|_| self::text(400, format!("bad slot number '{text}'")))
}

fn json_body(body: &[u8]) -> Result<Value, Reply> {
    serde_json::from_slice(body).map_err(|e| text(400, format!("the body is not JSON: {e}")))
}

fn route(engine: &Arc<Engine>, request: &Request, body: &[u8]) -> Reply {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let query = parse_query(query);
    let mut segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    // behind a proxy prefix: /api/1/service/<instance>/…
    if segments.len() >= 4 && segments[0] == "api" && segments[1] == "1" && segments[2] == "service"
    {
        segments.drain(..4);
    }
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method().clone();
    let result: Result<Reply, Reply> = (|| {
        Ok(match (&method, seg.as_slice()) {
            (Method::Get, ["1", "health"]) => json_reply(200, &engine.health()),
            (Method::Get, ["2", "engine", "state"]) => json_reply(200, &engine.state()),
            (Method::Post, ["2", "engine", "reset"]) => {
                engine.reset();
                empty(204)
            }
            (Method::Post, ["2", "engine", "pause"]) => {
                engine.pause();
                empty(204)
            }
            (Method::Post, ["2", "engine", "unpause"]) => {
                engine.unpause();
                empty(204)
            }
            (Method::Put, ["1", "job", "model"]) => {
                let content_type = header(request, "Content-Type").unwrap_or("");
                let req = load::parse(content_type, header(request, "Content-Disposition"), body)
                    .map_err(|e| text(400, e))?;
                match engine.load(req, flag(&query, "dry-run"))? {
                    Some(info) => json_reply(200, &info),
                    None => empty(204),
                }
            }
            (Method::Delete, ["1", "job", "model"] | ["2", "active", "model"]) => {
                engine.unload()?;
                empty(204)
            }
            (Method::Get, ["2", "active", "model"]) => match engine.active_model() {
                Some(info) => json_reply(200, &info),
                None => text(404, "model not loaded"),
            },
            (Method::Post, ["2", "active", "model", "scale"]) => {
                let text_body = String::from_utf8_lossy(body);
                let n = if text_body.trim().is_empty() {
                    Ok(0)
                } else {
                    text_body.trim().parse::<usize>()
                };
                let n =
                    n.map_err(|_| text(400, "the number of jets must be a non-negative integer"))?;
                engine.scale(n)?;
                empty(204)
            }
            (Method::Post, ["1", "job", "scale"]) => {
                let n = query
                    .iter()
                    .find(|(k, _)| k == "n")
                    .and_then(|(_, v)| v.parse().ok());
                engine.scale(n.ok_or_else(|| text(403, "Invalid parameter"))?)?;
                empty(204)
            }
            (Method::Post, ["2", "active", "model", "roundtrip", input, output]) => {
                let timeout = query
                    .iter()
                    .find(|(k, _)| k == "timeout")
                    .and_then(|(_, v)| v.parse::<u64>().ok())
                    .filter(|ms| *ms > 0)
                    .map_or(ROUNDTRIP_TIMEOUT, Duration::from_millis);
                let record = engine.roundtrip(slot(input)?, slot(output)?, body, timeout)?;
                Reply {
                    status: 200,
                    content_type: "application/json",
                    body: record,
                }
            }
            (Method::Get, ["2", "active", "stream"]) => json_reply(200, &engine.streams()),
            (Method::Put, ["2", "active", "stream", n] | ["1", "job", "stream", n]) => {
                let slot = match *n {
                    "in" => 0,
                    "out" => 1,
                    other => slot(other)?,
                };
                let name = header(request, "Content-Disposition")
                    .map(load::header_params)
                    .and_then(|(_, p)| p.into_iter().find(|(k, _)| k == "name").map(|(_, v)| v))
                    .unwrap_or_else(|| format!("stream-{slot}"));
                match engine.attach(slot, &name, json_body(body)?, flag(&query, "dry-run"))? {
                    Some(internal) => json_reply(200, &internal),
                    None => empty(204),
                }
            }
            (Method::Delete, ["2", "active", "stream", n]) => {
                engine.detach(slot(n)?)?;
                empty(204)
            }
            (Method::Post, ["1", "job", "input", rest @ ..]) => {
                let n = rest.first().map_or(Ok(0), |s| slot(s))?;
                let bulk = header(request, "Content-Type")
                    .is_some_and(|c| c.starts_with("application/x-ndjson"));
                let counts = engine.input(n, body, bulk)?;
                if bulk {
                    json_reply(200, &counts)
                } else {
                    empty(204)
                }
            }
            (Method::Get, ["1", "job", "output", rest @ ..]) => {
                let n = rest.first().map_or(Ok(1), |s| slot(s))?;
                let wait = if flag(&query, "nowait") {
                    Duration::ZERO
                } else {
                    OUTPUT_WAIT
                };
                match engine.output(n, wait)? {
                    Output::Record(r) => Reply {
                        status: 200,
                        content_type: "application/octet-stream",
                        body: r,
                    },
                    Output::Empty => empty(202),
                    Output::Ended => empty(204),
                    Output::Failed(message) => text(500, message),
                }
            }
            (Method::Post, ["1", "stream", "sample"]) => {
                let n = query
                    .iter()
                    .find(|(k, _)| k == "n")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(10);
                use base64::Engine as _;
                let records: Vec<String> = engine
                    .sample(&json_body(body)?, n)?
                    .iter()
                    .map(|r| base64::engine::general_purpose::STANDARD.encode(r))
                    .collect();
                json_reply(200, &json!(records))
            }
            (Method::Put, ["1", "policy"]) => {
                engine.put_policy(header(request, "Content-Type").unwrap_or(""), body)?;
                empty(201)
            }
            (Method::Get, ["1", "policy"]) => {
                let mime = header(request, "Accept").unwrap_or("");
                Reply {
                    status: 200,
                    content_type: "text/plain",
                    body: engine.get_policy(mime).into_bytes(),
                }
            }
            (Method::Put, ["1", "job", "state"]) => text(
                403,
                "model state snapshots are not supported by this engine",
            ),
            (Method::Post, ["2", "active", "schema", "verify"]) => {
                let id = engine.verify_schema(&json_body(body)?)?;
                json_reply(200, &json!({"id": id}))
            }
            (Method::Post, ["2", "active", "schema", "verify", id]) => {
                let id = id.parse().map_err(|_| text(404, "schema not found"))?;
                engine.verify_record(id, &json_body(body)?)?;
                empty(204)
            }
            (Method::Delete, ["2", "active", "schema", "verify", id]) => {
                if let Ok(id) = id.parse() {
                    engine.drop_verifier(id);
                }
                empty(204)
            }
            (Method::Get, ["2", "active", "sensor"]) => json_reply(200, &json!([])),
            (Method::Get, ["2", "active", "sensor", "points"]) => json_reply(200, &json!([])),
            _ => text(
                404,
                format!("no such endpoint: {} {path}", request.method()),
            ),
        })
    })();
    result.unwrap_or_else(|e| e)
}
