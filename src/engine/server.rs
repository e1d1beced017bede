//! The FastScore Engine REST API over HTTP (spec/rest-api.md §6) on hyper and axum. Paths
//! are accepted directly (`/2/engine/state`) and behind the proxy prefix
//! (`/api/1/service/<engine>/2/engine/state`). Requests that wait for data (output long
//! polls, round trips, input held back by a full queue) hold no thread; operations that
//! block (model loads, resets) run on the blocking pool and each has its own limit.

use super::{load, refuse, Engine, Output, Refused, Taken};
use crate::fleet::http::{parse_query, percent_decode};
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Round trips wait this long for the output by default (`?timeout=<ms>` overrides it).
const ROUNDTRIP_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest `?timeout=` a round trip may ask for.
const ROUNDTRIP_MAX: Duration = Duration::from_secs(600);
/// The longest a Pneumo read waits for a message.
const PNEUMO_WAIT: Duration = Duration::from_secs(10);
/// How long a REST output read waits for a record before answering 202.
const OUTPUT_WAIT: Duration = Duration::from_millis(500);
/// A client must send its body within this (and its headers within `serve::HEADER_WAIT`).
const BODY_WAIT: Duration = Duration::from_secs(120);
/// How much of a body over the limit is read (and dropped) before the 413 is sent.
const DRAIN_MAX: usize = 64 << 20;
/// When a client should ask again while the engine is busy in the background.
const BUSY_RETRY_SECS: u64 = 2;
/// How long a stopping server lets requests in flight finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How the server is set up.
#[derive(Clone)]
pub struct Settings {
    /// Requests must carry `Authorization: Bearer <token>`; `None` serves anyone.
    pub token: Option<String>,
    /// Where a client finds the token, for the refusal's text.
    pub token_file: String,
    /// The largest request body taken, in bytes.
    pub max_body: usize,
}

#[derive(Clone)]
struct App {
    engine: Arc<Engine>,
    settings: Arc<Settings>,
    /// The memory request bodies may take together, in KiB: twice the largest body.
    bodies: Arc<tokio::sync::Semaphore>,
}

type Reply = Response;

fn text(status: u16, body: impl Into<String>) -> Reply {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [("content-type", "text/plain")], body.into()).into_response()
}

fn json_reply(status: u16, value: &Value) -> Reply {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (
        status,
        [("content-type", "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn empty(status: u16) -> Reply {
    text(status, "")
}

/// A busy engine's refusal says when to ask again and what it is busy with
/// (`FastScore-Task`), which our CLI shows while it waits.
impl IntoResponse for Refused {
    fn into_response(self) -> Reply {
        let mut reply = text(self.status, self.message);
        if let Some(task) = self.busy {
            let headers = reply.headers_mut();
            headers.insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(BUSY_RETRY_SECS),
            );
            if let Ok(task) = axum::http::HeaderValue::from_str(&task) {
                headers.insert(crate::BUSY_TASK_HEADER, task);
            }
        }
        reply
    }
}

type Result<T> = std::result::Result<T, Refused>;

/// Serve on `listener` until `stop` completes; then stop the job and let requests in flight
/// finish (each within a few seconds).
pub async fn serve(
    engine: Arc<Engine>,
    listener: tokio::net::TcpListener,
    settings: Settings,
    stop: impl Future<Output = ()>,
) {
    let budget_kib = settings.max_body.saturating_mul(2) / 1024;
    let app = App {
        engine,
        bodies: Arc::new(tokio::sync::Semaphore::new(
            budget_kib.clamp(64 << 10, tokio::sync::Semaphore::MAX_PERMITS),
        )),
        settings: Arc::new(settings),
    };
    let service = tower::ServiceBuilder::new()
        .map_request(|r: hyper::Request<hyper::body::Incoming>| strip_prefix(r.map(Body::new)))
        .service(router(app.clone()));
    let open = crate::serve::accept_until(listener, None, service, stop).await;
    eprintln!("{}: stopping", app.engine.name);
    // the job ends first, so that requests waiting on it are answered at once
    let engine = app.engine.clone();
    let _ = tokio::time::timeout(
        SHUTDOWN_GRACE,
        tokio::task::spawn_blocking(move || engine.shutdown()),
    )
    .await;
    open.drain(SHUTDOWN_GRACE).await;
}

/// `/api/1/service/<instance>/…` (behind a fleet's proxy) is served as `/…`.
fn strip_prefix(mut request: Request) -> Request {
    let path = request.uri().path();
    let rest = path
        .strip_prefix("/api/1/service/")
        .and_then(|r| r.split_once('/'))
        .map(|(_, rest)| format!("/{rest}"));
    if let Some(rest) = rest {
        let with_query = match request.uri().query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest,
        };
        if let Ok(uri) = with_query.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    request
}

fn router(app: App) -> Router {
    Router::new()
        .route("/1/health", get(health))
        .route("/1/pneumo", get(pneumo))
        .route(
            "/metrics",
            get(|State(app): State<App>| async move {
                (
                    [("content-type", "text/plain; version=0.0.4")],
                    app.engine.metrics(),
                )
                    .into_response()
            }),
        )
        .route(
            "/1/swagger",
            get(|| async { json_reply(200, &crate::serve::swagger("FastScore Engine")) }),
        )
        .route("/2/engine/state", get(state))
        .route("/2/engine/{action}", post(engine_action))
        .route("/1/job/model", put(load_model).delete(unload))
        .route("/2/active/model", get(active_model).delete(unload))
        .route("/2/active/model/scale", post(scale))
        .route("/1/job/scale", post(scale_v1))
        .route(
            "/2/active/model/roundtrip/{input}/{output}",
            post(roundtrip),
        )
        .route("/2/active/stream", get(streams))
        .route("/2/active/stream/{slot}", put(attach).delete(detach))
        .route("/1/job/stream/{slot}", put(attach))
        .route("/1/job/input", post(input0))
        .route("/1/job/input/{slot}", post(input))
        .route("/1/job/output", get(output1))
        .route("/1/job/output/{slot}", get(output))
        .route("/1/stream/sample", post(sample))
        .route("/1/policy", put(put_policy).get(get_policy))
        .route("/1/job/state", put(restore_state))
        .route("/2/active/schema/verify", post(verify_schema))
        .route(
            "/2/active/schema/verify/{id}",
            post(verify_record).delete(drop_verifier),
        )
        .merge(super::sensors::rest::routes(
            app.engine.sensors.clone(),
            app.engine.clone(),
        ))
        .fallback(no_such_endpoint)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            owner_only,
        ))
        .with_state(app)
}

/// Every request carries the engine's token (unless it serves without one).
async fn owner_only(
    State(app): State<App>,
    request: Request,
    next: axum::middleware::Next,
) -> Reply {
    if let Some(token) = &app.settings.token {
        let given = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("")
            .trim();
        if !same(given.as_bytes(), token.as_bytes()) {
            let mut refused = text(
                401,
                format!(
                    "{} answers only its owner: send the token from {} as 'Authorization: Bearer <token>'",
                    app.engine.name, app.settings.token_file
                ),
            );
            refused.headers_mut().insert(
                "www-authenticate",
                axum::http::HeaderValue::from_static("Bearer"),
            );
            return signed(refused);
        }
    }
    signed(next.run(request).await)
}

/// Every answer names this engine's software, so our CLI can tell its texts from others'.
fn signed(mut reply: Reply) -> Reply {
    reply.headers_mut().insert(
        axum::http::header::SERVER,
        axum::http::HeaderValue::from_static(crate::SERVER_NAME),
    );
    reply
}

/// Compare without giving away, by timing, how much of a secret matched.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A request body, holding its share of the memory all request bodies may take.
struct Received {
    bytes: Vec<u8>,
    _share: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl std::ops::Deref for Received {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// The request body, within the size and time limits, and within the memory all bodies
/// in flight may take together (a request waits for its share). Up to `DRAIN_MAX` more
/// than the limit is read and dropped, so that a client still sending its body gets the
/// 413.
async fn read_body(app: &App, mut body: Body) -> Result<Received> {
    let limit = app.settings.max_body;
    let read = async {
        let mut received = Received {
            bytes: Vec::new(),
            _share: None,
        };
        let mut over = 0usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| refuse(400, format!("cannot read the request: {e}")))?;
            let Ok(bytes) = frame.into_data() else {
                continue;
            };
            if over == 0 && received.bytes.len() + bytes.len() <= limit {
                let kib = u32::try_from(bytes.len().div_ceil(1024)).unwrap_or(u32::MAX);
                let share = app
                    .bodies
                    .clone()
                    .acquire_many_owned(kib)
                    .await
                    .map_err(|_| refuse(503, "the engine is stopping"))?;
                match &mut received._share {
                    Some(held) => held.merge(share),
                    None => received._share = Some(share),
                }
                received.bytes.extend_from_slice(&bytes);
            } else {
                over += bytes.len();
                if over > DRAIN_MAX {
                    break;
                }
            }
        }
        if over > 0 {
            return Err(refuse(
                413,
                format!(
                    "the request body is larger than {} MiB, the limit of {} (FASTSCORE_MAX_REQUEST_MB)",
                    limit >> 20,
                    app.engine.name
                ),
            ));
        }
        Ok(received)
    };
    tokio::time::timeout(BODY_WAIT, read).await.map_err(|_| {
        refuse(
            408,
            format!(
                "the request body did not arrive within {} s",
                BODY_WAIT.as_secs()
            ),
        )
    })?
}

/// Run a blocking engine operation on the blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| refuse(500, "internal error (see the engine log)"))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn query(raw: &Option<String>) -> Vec<(String, String)> {
    parse_query(raw.as_deref().unwrap_or(""))
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn flag(q: &[(String, String)], name: &str) -> bool {
    param(q, name).is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}

fn slot(text: &str) -> Result<u32> {
    text.parse()
        .map_err(|_| refuse(400, format!("bad slot number '{text}'")))
}

fn json_body(body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body).map_err(|e| refuse(400, format!("the body is not JSON: {e}")))
}

async fn health(State(app): State<App>) -> Reply {
    json_reply(200, &app.engine.health())
}

/// `GET /1/pneumo[?since=<n>][&wait=<ms>]`: this engine's Pneumo messages after number
/// `n` (waiting up to `wait`, 10 s at most, for one), and the number to ask from next.
async fn pneumo(
    State(app): State<App>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Reply {
    let since = query.get("since").and_then(|s| s.parse().ok());
    let wait = query
        .get("wait")
        .and_then(|w| w.parse().ok())
        .map_or(PNEUMO_WAIT, Duration::from_millis)
        .min(PNEUMO_WAIT);
    let (messages, next) = app.engine.events.read(since, wait).await;
    json_reply(200, &json!({"next": next, "messages": messages}))
}

async fn state(State(app): State<App>) -> Reply {
    json_reply(200, &app.engine.state())
}

async fn engine_action(
    State(app): State<App>,
    Path(action): Path<String>,
    uri: Uri,
) -> Result<Reply> {
    let engine = app.engine.clone();
    match action.as_str() {
        "reset" => blocking(move || engine.reset()).await?,
        "pause" => engine.pause(),
        "unpause" => engine.unpause(),
        _ => return Ok(no_such_endpoint(Method::POST, uri).await),
    }
    Ok(empty(204))
}

async fn load_model(
    State(app): State<App>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Reply> {
    let body = read_body(&app, body).await?;
    let content_type = header(&headers, "content-type").unwrap_or("");
    let request = load::parse(content_type, header(&headers, "content-disposition"), &body)
        .map_err(|e| refuse(400, e))?;
    let dry_run = flag(&query(&q), "dry-run");
    let engine = app.engine.clone();
    Ok(
        match blocking(move || engine.load(request, dry_run)).await?? {
            Some(info) => json_reply(200, &info),
            None => empty(204),
        },
    )
}

async fn unload(State(app): State<App>) -> Result<Reply> {
    app.engine.unload()?;
    Ok(empty(204))
}

async fn active_model(State(app): State<App>) -> Reply {
    match app.engine.active_model() {
        Some(info) => json_reply(200, &info),
        None => text(404, "model not loaded"),
    }
}

async fn scale_to(app: &App, n: usize) -> Result<Reply> {
    let engine = app.engine.clone();
    blocking(move || engine.scale(n)).await??;
    Ok(empty(204))
}

async fn scale(State(app): State<App>, body: Body) -> Result<Reply> {
    let body = read_body(&app, body).await?;
    let body = String::from_utf8_lossy(&body);
    let n = match body.trim() {
        "" => Ok(0),
        n => n.parse::<usize>(),
    }
    .map_err(|_| refuse(400, "the number of jets must be a non-negative integer"))?;
    scale_to(&app, n).await
}

async fn scale_v1(State(app): State<App>, RawQuery(q): RawQuery) -> Result<Reply> {
    let q = query(&q);
    let n = param(&q, "n")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| refuse(403, "Invalid parameter"))?;
    scale_to(&app, n).await
}

async fn roundtrip(
    State(app): State<App>,
    Path((input, output)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    body: Body,
) -> Result<Reply> {
    let body = read_body(&app, body).await?;
    let timeout = param(&query(&q), "timeout")
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map_or(ROUNDTRIP_TIMEOUT, |ms| {
            Duration::from_millis(ms).min(ROUNDTRIP_MAX)
        });
    let record = app
        .engine
        .roundtrip(slot(&input)?, slot(&output)?, &body, timeout)
        .await?;
    Ok((
        StatusCode::OK,
        [("content-type", "application/json")],
        record,
    )
        .into_response())
}

async fn streams(State(app): State<App>) -> Reply {
    json_reply(200, &app.engine.streams())
}

async fn attach(
    State(app): State<App>,
    Path(n): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Reply> {
    let slot = match n.as_str() {
        "in" => 0,
        "out" => 1,
        other => slot(other)?,
    };
    let body = read_body(&app, body).await?;
    let name = header(&headers, "content-disposition")
        .map(load::header_params)
        .and_then(|(_, p)| p.into_iter().find(|(k, _)| k == "name").map(|(_, v)| v))
        .unwrap_or_else(|| format!("stream-{slot}"));
    let doc = json_body(&body)?;
    let dry_run = flag(&query(&q), "dry-run");
    let engine = app.engine.clone();
    Ok(
        match blocking(move || engine.attach(slot, &name, doc, dry_run)).await?? {
            Some(internal) => json_reply(200, &internal),
            None => empty(204),
        },
    )
}

async fn detach(State(app): State<App>, Path(n): Path<String>) -> Result<Reply> {
    app.engine.detach(slot(&n)?)?;
    Ok(empty(204))
}

async fn input0(State(app): State<App>, headers: HeaderMap, body: Body) -> Result<Reply> {
    take_input(app, 0, headers, body).await
}

async fn input(
    State(app): State<App>,
    Path(n): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Reply> {
    take_input(app, slot(&n)?, headers, body).await
}

/// Records posted to a REST input: `204` for one record as the original took it; with
/// `Content-Type: application/x-ndjson` one record per line and counts in the answer.
/// A request the engine could not take whole (the model stopped taking input) is answered
/// `503`, with, in bulk, how many of its records were taken.
async fn take_input(app: App, n: u32, headers: HeaderMap, body: Body) -> Result<Reply> {
    let bulk =
        header(&headers, "content-type").is_some_and(|c| c.starts_with("application/x-ndjson"));
    let body = read_body(&app, body).await?;
    let t: Taken = app.engine.input(n, &body, bulk).await?;
    let counts = || {
        json!({"accepted": t.accepted, "rejected": t.rejected, "errors": t.errors,
               "taken": t.taken, "busy": t.busy})
    };
    Ok(match (&t.busy, bulk) {
        (None, true) => json_reply(200, &counts()),
        (None, false) => empty(204),
        (Some(_), true) => json_reply(503, &counts()),
        (Some(why), false) => text(503, format!("{}: {why}; try again", app.engine.name)),
    })
}

async fn output1(State(app): State<App>, RawQuery(q): RawQuery) -> Result<Reply> {
    read_output(app, 1, q).await
}

async fn output(
    State(app): State<App>,
    Path(n): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Reply> {
    read_output(app, slot(&n)?, q).await
}

async fn read_output(app: App, n: u32, q: Option<String>) -> Result<Reply> {
    let wait = if flag(&query(&q), "nowait") {
        Duration::ZERO
    } else {
        OUTPUT_WAIT
    };
    Ok(match app.engine.output(n, wait).await? {
        Output::Record(lent) => (
            StatusCode::OK,
            [("content-type", "application/octet-stream")],
            Body::new(lent),
        )
            .into_response(),
        Output::Empty => empty(202),
        Output::Ended => empty(204),
        Output::Failed(message) => text(500, message),
    })
}

async fn sample(State(app): State<App>, RawQuery(q): RawQuery, body: Body) -> Result<Reply> {
    use base64::Engine as _;
    let n = param(&query(&q), "n")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let doc = json_body(&read_body(&app, body).await?)?;
    let engine = app.engine.clone();
    let records: Vec<String> = blocking(move || engine.sample(&doc, n))
        .await??
        .iter()
        .map(|r| base64::engine::general_purpose::STANDARD.encode(r))
        .collect();
    Ok(json_reply(200, &json!(records)))
}

async fn put_policy(State(app): State<App>, headers: HeaderMap, body: Body) -> Result<Reply> {
    let body = read_body(&app, body).await?;
    app.engine
        .put_policy(header(&headers, "content-type").unwrap_or(""), &body)?;
    Ok(empty(201))
}

async fn get_policy(State(app): State<App>, headers: HeaderMap) -> Reply {
    let policy = app
        .engine
        .get_policy(header(&headers, "accept").unwrap_or(""));
    text(200, policy)
}

async fn restore_state(State(app): State<App>, body: Body) -> Result<Reply> {
    let body = read_body(&app, body).await?;
    app.engine.restore_state(&body)?;
    Ok(empty(204))
}

async fn verify_schema(State(app): State<App>, body: Body) -> Result<Reply> {
    let doc = json_body(&read_body(&app, body).await?)?;
    let id = app.engine.verify_schema(&doc)?;
    Ok(json_reply(200, &json!({"id": id})))
}

async fn verify_record(
    State(app): State<App>,
    Path(id): Path<String>,
    body: Body,
) -> Result<Reply> {
    let id = id.parse().map_err(|_| refuse(404, "schema not found"))?;
    let doc = json_body(&read_body(&app, body).await?)?;
    app.engine.verify_record(id, &doc)?;
    Ok(empty(204))
}

async fn drop_verifier(State(app): State<App>, Path(id): Path<String>) -> Reply {
    if let Ok(id) = id.parse() {
        app.engine.drop_verifier(id);
    }
    empty(204)
}

async fn no_such_endpoint(method: Method, uri: Uri) -> Reply {
    text(
        404,
        format!("no such endpoint: {method} {}", percent_decode(uri.path())),
    )
}
