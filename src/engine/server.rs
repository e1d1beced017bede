//! The FastScore Engine REST API over HTTP (spec/rest-api.md §6) on hyper and axum. Paths
//! are accepted directly (`/2/engine/state`) and behind the proxy prefix
//! (`/api/1/service/<engine>/2/engine/state`). Requests that wait for data (output long
//! polls, round trips, input held back by a full queue) hold no thread; operations that
//! block (model loads, resets) run on the blocking pool and each has its own limit.

use super::{load, refuse, Engine, Output, Refused, Taken};
use crate::fleet::http::{parse_query, percent_decode};
use crate::routes::{doc, Routes};
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
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
    /// The size and time limits of request bodies, and the memory they may take together.
    bodies: crate::serve::BodyLimits,
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
    let app = App {
        bodies: crate::serve::BodyLimits::new(
            &engine.name,
            settings.max_body,
            "FASTSCORE_MAX_REQUEST_MB",
        ),
        engine,
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

/// The Engine API (spec/rest-api.md §6): every route and its description, one declaration
/// each (`routes.rs`); `GET /1/swagger` answers the document they make.
fn router(app: App) -> Router {
    const MODEL_TYPE: &str = "The model's MIME type (application/vnd.fastscore.model-python3, …), or multipart/mixed with attachments and schemas";
    const POLICY_TYPE: &str = "application/vnd.fastscore.import-policy-<python|python3|r|java|c>";
    const PREFER: &str = "respond-async: answer 503 at once while the engine prepares what the request needs, instead of waiting until it is done";
    const AWAITED: &str = "The task this request waited for (from a 503), when it is made again";
    const BUSY: &str =
        "Busy preparing (with respond-async): Retry-After, and the task in FastScore-Task";
    Routes::<App>::new()
        .get(
            "/1/health",
            doc("The engine's id, release and build time").answers(200, "HealthInfo"),
            health,
        )
        .get(
            "/1/pneumo",
            doc("This engine's Pneumo messages after number `since`, and the number to ask from next")
                .query("since", "The number of the last message seen")
                .query("wait", "Milliseconds to wait for a message (10,000 at most)")
                .answers(200, "{\"next\", \"messages\"}"),
            pneumo,
        )
        .get(
            "/metrics",
            doc("The engine's counters in the Prometheus text format").answers(200, "The counters"),
            |State(app): State<App>| async move {
                (
                    [("content-type", "text/plain; version=0.0.4")],
                    app.engine.metrics(),
                )
                    .into_response()
            },
        )
        .get(
            "/2/engine/state",
            doc("The engine's state, with its error, slot counters and console lines")
                .answers(200, "{\"state\": init|running|paused|finishing|finished|error, …}"),
            state,
        )
        .post(
            "/2/engine/reset",
            doc("Stop the job, unload the model, detach every stream").answers(204, "Reset"),
            reset,
        )
        .post(
            "/2/engine/pause",
            doc("Pause data processing").answers(204, "Paused"),
            |State(app): State<App>| async move {
                app.engine.pause();
                empty(204)
            },
        )
        .post(
            "/2/engine/unpause",
            doc("Resume data processing").answers(204, "Resumed"),
            |State(app): State<App>| async move {
                app.engine.unpause();
                empty(204)
            },
        )
        .put(
            "/1/job/model",
            doc("Load a model, or with dry-run check it")
                .query("dry-run", "True: check only, and answer what the engine found")
                .header("Content-Type", MODEL_TYPE)
                .header("Content-Disposition", "x-model; name=\"<model>\"")
                .header("Prefer", PREFER)
                .header("FastScore-Task", AWAITED)
                .body("The model source, or the multipart body")
                .answers(204, "Loaded")
                .answers(200, "VerifyInfo (dry run)")
                .answers(400, "Why the model cannot load")
                .answers(503, BUSY),
            load_model,
        )
        .delete(
            "/1/job/model",
            doc("Unload the model (in INIT)").answers(204, "Unloaded").answers(404, "model not loaded"),
            unload,
        )
        .get(
            "/2/active/model",
            doc("The loaded model: name, type, source, slots, attachments, jets")
                .answers(200, "ActiveModelInfo")
                .answers(404, "model not loaded"),
            active_model,
        )
        .delete(
            "/2/active/model",
            doc("Unload the model (in INIT)").answers(204, "Unloaded").answers(404, "model not loaded"),
            unload,
        )
        .post(
            "/2/active/model/scale",
            doc("Set the number of jets")
                .body("The number of jets")
                .answers(204, "Scaled")
                .answers(400, "Not a number of jets"),
            scale,
        )
        .post(
            "/1/job/scale",
            doc("Set the number of jets (v1)")
                .query("n", "The number of jets")
                .answers(204, "Scaled")
                .answers(403, "Invalid parameter"),
            scale_v1,
        )
        .post(
            "/2/active/model/roundtrip/{input}/{output}",
            doc("Score one record: post it to a REST input, answer the output it produced")
                .query("timeout", "Milliseconds to wait for the output (10,000 by default)")
                .body("One input record")
                .answers(200, "The output record"),
            roundtrip,
        )
        .get(
            "/2/active/stream",
            doc("The attached streams: slot, name, descriptor, eof").answers(200, "The streams"),
            streams,
        )
        .put(
            "/2/active/stream/{slot}",
            doc("Attach a stream to a slot, or with dry-run check it")
                .query("dry-run", "True: check only, and answer the internal descriptor")
                .header("Content-Disposition", "x-stream; name=\"<stream>\"")
                .body("The stream descriptor (JSON)")
                .answers(204, "Attached")
                .answers(200, "The internal descriptor (dry run)")
                .answers(400, "Why the stream cannot attach"),
            attach,
        )
        .delete(
            "/2/active/stream/{slot}",
            doc("Detach the stream of a slot").answers(204, "Detached").answers(404, "stream not found"),
            detach,
        )
        .put(
            "/1/job/stream/{slot}",
            doc("Attach a stream to a slot (v1; the slot may be in or out)")
                .body("The stream descriptor (JSON)")
                .answers(204, "Attached")
                .answers(400, "Why the stream cannot attach"),
            attach,
        )
        .post(
            "/1/job/input",
            doc("Post input records to slot 0 (a REST stream)")
                .header("Content-Type", "application/x-ndjson: one record per line, with counts in the answer")
                .body("A record")
                .answers(204, "Taken")
                .answers(403, "No REST stream at the slot"),
            input0,
        )
        .post(
            "/1/job/input/{slot}",
            doc("Post input records to a slot (a REST stream)")
                .header("Content-Type", "application/x-ndjson: one record per line, with counts in the answer")
                .body("A record")
                .answers(204, "Taken")
                .answers(403, "No REST stream at the slot"),
            input,
        )
        .get(
            "/1/job/output",
            doc("Read the next output record of slot 1 (a REST stream)")
                .query("nowait", "True: do not wait for a record")
                .answers(200, "A record")
                .answers(202, "No record yet")
                .answers(204, "The stream ended"),
            output1,
        )
        .get(
            "/1/job/output/{slot}",
            doc("Read the next output record of a slot (a REST stream)")
                .query("nowait", "True: do not wait for a record")
                .answers(200, "A record")
                .answers(202, "No record yet")
                .answers(204, "The stream ended"),
            output,
        )
        .post(
            "/1/stream/sample",
            doc("Read the first records of a stream, outside the job")
                .query("n", "How many records (10 by default)")
                .body("The stream descriptor (JSON)")
                .answers(200, "The records, base64-encoded")
                .answers(400, "The stream descriptor is invalid"),
            sample,
        )
        .post(
            "/1/stream/rate",
            doc("Measure how fast a stream can be read, outside the job (for up to a second)")
                .body("The stream descriptor (JSON)")
                .answers(200, "[{\"rps\": records per second, \"mbps\": megabytes per second}]")
                .answers(400, "Stream descriptor invalid or stream too short"),
            stream_rate,
        )
        .get(
            "/1/preparation",
            doc("Whether work the engine does in the background (a runtime, libraries to install) still runs, and for how long; a request that waited for it is made again once it ended")
                .query("task", "The task, as the busy answer's FastScore-Task header names it")
                .answers(200, "{\"task\", \"running\": true|false, \"seconds\": how long it has run}")
                .answers(400, "No task given"),
            preparation,
        )
        .put(
            "/1/policy",
            doc("Set the import policy of a model type")
                .query("preinstall", "True: install every library the policy marks install now (once per policy type)")
                .header("Content-Type", POLICY_TYPE)
                .header("Prefer", PREFER)
                .header("FastScore-Task", AWAITED)
                .body("The policy (YAML)")
                .answers(201, "The policy successfully updated")
                .answers(400, "A library could not be installed")
                .answers(403, "The policy type was preinstalled already")
                .answers(409, "Another preinstall of the policy type runs")
                .answers(503, BUSY),
            put_policy,
        )
        .get(
            "/1/policy",
            doc("The import policy of a model type")
                .header("Accept", POLICY_TYPE)
                .answers(200, "The policy (YAML)"),
            get_policy,
        )
        .put(
            "/1/job/state",
            doc("Restore the model's cells and pools from a snapshot, before the job runs")
                .body("The snapshot's contents")
                .answers(204, "Restored")
                .answers(403, "The state data is corrupted"),
            restore_state,
        )
        .get(
            "/1/job/status",
            doc("The job: model, slots with their streams, jets, snapshots mode and state")
                .query("return", "Comma-separated fields to return: model, slots, jets, snapshots, state")
                .answers(200, "ManifoldInfo"),
            job_status,
        )
        .delete(
            "/1/job",
            doc("Stop the job: the engine is reset to INIT").answers(204, "The engine stopped"),
            reset,
        )
        .post(
            "/1/job/sample/cpu",
            doc("What the engine and its jets did over a few seconds: records, bytes, CPU time, stream operation times")
                .query("duration", "Seconds to sample, 1 to 60 (1 by default)")
                .answers(200, "CpuUsageInfo")
                .answers(403, "Invalid parameter"),
            sample_cpu,
        )
        .get(
            "/1/debug/output",
            doc("Take the records written to debug outputs since the last call")
                .answers(200, "The records, as strings"),
            |State(app): State<App>| async move {
                json_reply(200, &json!(app.engine.debug_output()))
            },
        )
        .put(
            "/1/file/{*name}",
            doc("Copy a file into the engine's file directory, where a file stream reads it")
                .body("The file's contents")
                .answers(201, "{\"path\": where the file is} (a new file)")
                .answers(200, "{\"path\": where the file is} (a file replaced)")
                .answers(400, "The name is not one path segment"),
            put_file,
        )
        .post(
            "/2/active/schema/verify",
            doc("Check an Avro schema and keep it for record checks")
                .body("The schema (JSON)")
                .answers(200, "{\"id\": n}")
                .answers(400, "The schema is invalid"),
            verify_schema,
        )
        .post(
            "/2/active/schema/verify/{id}",
            doc("Check a record against a kept schema")
                .body("{\"data\": <record>}")
                .answers(204, "The record matches")
                .answers(400, "Why it does not"),
            verify_record,
        )
        .delete(
            "/2/active/schema/verify/{id}",
            doc("Forget a kept schema").answers(204, "Forgotten"),
            drop_verifier,
        )
        .merge(super::sensors::rest::routes(
            app.engine.sensors.clone(),
            app.engine.clone(),
        ))
        .with_swagger("FastScore Engine", "/")
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
        if !crate::secret::same(given.as_bytes(), token.as_bytes()) {
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

/// The request body, within the limits all of the engine's request bodies share
/// (`serve::BodyLimits`).
async fn read_body(app: &App, body: Body) -> Result<crate::serve::Received> {
    app.bodies
        .read(body)
        .await
        .map_err(|r| refuse(r.status, r.message))
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

/// `POST /2/engine/reset`, and `DELETE /1/job`: stop the job, back to INIT.
async fn reset(State(app): State<App>) -> Result<Reply> {
    let engine = app.engine.clone();
    blocking(move || engine.reset()).await?;
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
    eprintln!(
        "{}: {} of model '{}' received ({} bytes)",
        app.engine.name,
        if dry_run { "a check" } else { "a load" },
        request.name,
        body.len()
    );
    let (respond_async, awaited) = preparing(&headers);
    let engine = app.engine.clone();
    let loaded = blocking(move || {
        engine.when_prepared(respond_async, awaited, |_| {
            engine.load(request.clone(), dry_run)
        })
    });
    Ok(match loaded.await?? {
        Some(info) => json_reply(200, &info),
        None => empty(204),
    })
}

/// What a request says about the background work it may need (`Preparations`): whether
/// it prefers an answer at once (`Prefer: respond-async`, RFC 7240) to waiting while the
/// engine is busy, and the task it waited for before it asked again (`FastScore-Task`).
fn preparing(headers: &HeaderMap) -> (bool, Option<String>) {
    let respond_async = headers.get_all("prefer").iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
        })
    });
    let awaited = header(headers, crate::BUSY_TASK_HEADER).map(str::to_string);
    (respond_async, awaited)
}

/// `GET /1/preparation?task=<task>`: whether background work runs (`Engine::preparation`).
async fn preparation(State(app): State<App>, RawQuery(q): RawQuery) -> Result<Reply> {
    let q = query(&q);
    let task = param(&q, "task").ok_or_else(|| refuse(400, "which task? (?task=<task>)"))?;
    Ok(json_reply(200, &app.engine.preparation(task)))
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

async fn put_policy(
    State(app): State<App>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Reply> {
    let body = read_body(&app, body).await?;
    let mime = header(&headers, "content-type").unwrap_or("").to_string();
    let preinstall = flag(&query(&q), "preinstall");
    let (respond_async, awaited) = preparing(&headers);
    let engine = app.engine.clone();
    // a preinstall runs the installers: minutes, waited for on the blocking pool
    blocking(move || {
        engine.when_prepared(respond_async, awaited, |awaited| {
            engine.put_policy(&mime, &body, preinstall, awaited)
        })
    })
    .await??;
    Ok(text(201, "The policy successfully updated"))
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

async fn stream_rate(State(app): State<App>, body: Body) -> Result<Reply> {
    let doc = json_body(&read_body(&app, body).await?)?;
    let engine = app.engine.clone();
    Ok(json_reply(
        200,
        &blocking(move || engine.stream_rate(&doc)).await??,
    ))
}

async fn job_status(State(app): State<App>, RawQuery(q): RawQuery) -> Result<Reply> {
    let q = query(&q);
    Ok(json_reply(
        200,
        &app.engine.job_status(param(&q, "return"))?,
    ))
}

/// `POST /1/job/sample/cpu?duration=<s>`: counters before and after, every slot's
/// operations timed meanwhile; the wait holds no thread.
async fn sample_cpu(State(app): State<App>, RawQuery(q): RawQuery) -> Result<Reply> {
    use super::cpu_sample::{read, usage, LONGEST_SECONDS};
    let seconds = match param(&query(&q), "duration") {
        None => 1,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=LONGEST_SECONDS).contains(s))
            .ok_or_else(|| {
                refuse(
                    403,
                    format!("Invalid parameter: duration must be a whole number of seconds from 1 to {LONGEST_SECONDS}, not '{v}'"),
                )
            })?,
    };
    let _timed = app.engine.sensors.profile_all();
    let before = read(&*app.engine);
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let after = read(&*app.engine);
    Ok(json_reply(200, &usage(&before, &after)))
}

/// `PUT /1/file/<name>`: 201 for a new file, 200 for one replaced, with where it is.
async fn put_file(State(app): State<App>, Path(name): Path<String>, body: Body) -> Result<Reply> {
    // refused before the body is read
    super::files::check_name(&name).map_err(|e| refuse(400, e))?;
    let body = read_body(&app, body).await?;
    let engine = app.engine.clone();
    let (new, path) = blocking(move || engine.put_file(&name, &body)).await??;
    let status = if new { 201 } else { 200 };
    Ok(json_reply(status, &json!({"path": path})))
}

async fn no_such_endpoint(method: Method, uri: Uri) -> Reply {
    text(
        404,
        format!("no such endpoint: {method} {}", percent_decode(uri.path())),
    )
}
