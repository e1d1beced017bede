//! `fastscore fleet serve`: Connect, Model Manage and the engines behind one endpoint, in the
//! layout of a FastScore fleet's proxy (`/api/1/service/<instance>/…`, rest-api.md §1), so
//! the original CLI and SDK, and this CLI's remote mode, work against it.

mod auth;
mod connect;
pub mod dashboard;
mod model_manage;
mod pneumo;
mod proxy;
mod registry;
mod throttle;
pub mod tls;

use crate::engine::events::Events;
use crate::engine::sensors::{Gauges, Sensors, ThisProcess};
use crate::error::{Error, Result};
use crate::routes::doc;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use auth::Users;

type Reply = Response;

/// What the handlers share.
#[derive(Clone)]
pub struct FleetState {
    /// The data directory: Model Manage's store, the local engines, the configuration.
    home: PathBuf,
    /// Who may call: the owner, and the users when there are.
    access: Arc<auth::Access>,
    /// The local engines served: `engine-1` … `engine-<local_engines>`, and those of its
    /// data directory that ran before.
    local_engines: u32,
    /// Engines that joined from elsewhere.
    registry: Arc<registry::Registry>,
    /// The engines' Pneumo messages.
    hub: Arc<pneumo::Hub>,
    /// This run's instance ids, as `/1/health` reports them.
    ids: Arc<Ids>,
    /// The limits on request bodies (see `bodies`), and on the login form, which is read
    /// before anyone is known.
    bodies: crate::serve::BodyLimits,
    login_forms: crate::serve::BodyLimits,
    /// The sensors of Connect and of Model Manage (this process's memory and CPU).
    connect_sensors: Arc<Sensors>,
    model_manage_sensors: Arc<Sensors>,
    this_process: Arc<dyn Gauges>,
}

struct Ids {
    connect: String,
    model_manage: String,
}

/// How `fleet serve` runs.
pub struct Settings {
    pub home: PathBuf,
    pub addr: SocketAddr,
    /// None: plain HTTP.
    pub tls: Option<tls::Source>,
    pub users: Option<Users>,
    /// The local engines served: `engine-1` … `engine-<engines>`.
    pub engines: u32,
}

/// The largest request body taken (an attachment, a model): as an engine takes.
const MAX_BODY: usize = 1024 << 20;
/// How long a stopping server lets requests in flight finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serve until SIGTERM, SIGINT or SIGHUP.
pub fn run(settings: Settings) -> Result<()> {
    let listener = std::net::TcpListener::bind(settings.addr).map_err(|e| {
        Error::new(format!("Cannot listen on {}", settings.addr)).caused_by(e.to_string())
    })?;
    let addr = listener.local_addr().unwrap_or(settings.addr);
    let (tls, cert) = match &settings.tls {
        Some(source) => {
            let (acceptor, cert) = tls::acceptor(source)?;
            (Some(acceptor), Some(cert))
        }
        None => (None, None),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let shown = if addr.ip().is_unspecified() {
        format!("{scheme}://127.0.0.1:{}", addr.port())
    } else {
        format!("{scheme}://{addr}")
    };
    let owner = crate::fleet::owner::load_or_make(&settings.home).map_err(|e| {
        Error::new("Cannot make the fleet owner's token").caused_by(crate::error::io_error_text(
            &crate::fleet::owner::token_path(&settings.home)
                .display()
                .to_string(),
            &e,
        ))
    })?;
    // the first line says where: scripts and tests read the URL from it
    println!("Serving the FastScore fleet at {shown}");
    // and so does a record for `fastscore dashboard` (removed when the server stops)
    if let Err(e) = crate::fleet::owner::write_record(&settings.home, &shown) {
        eprintln!(
            "fleet: cannot write {}: {e}",
            crate::fleet::owner::record_path(&settings.home).display()
        );
    }
    if let Some(cert) = &cert {
        eprintln!(
            "fleet: HTTPS with the certificate {} (clients: fastscore connect {shown} -cacert:{})",
            cert.display(),
            cert.display()
        );
    }
    let token_file = crate::fleet::owner::token_path(&settings.home);
    match &settings.users {
        None => eprintln!(
            "fleet: no users: it answers only its owner, with the token in {} (fastscore \
             commands of this data directory send it themselves; other clients connect to \
             {shown}/token/<token>; `fastscore dashboard` prints the page's address)",
            token_file.display()
        ),
        Some(users) => eprintln!(
            "fleet: basic auth for {} user(s); the owner's token in {} works too",
            users.len(),
            token_file.display()
        ),
    }
    let this_process: Arc<dyn Gauges> = Arc::new(ThisProcess::SERVICE);
    let service_sensors = |name: &str| {
        let events = Arc::new(Events::new(name));
        let sensors = Arc::new(Sensors::new(events.clone()));
        sensors.start(Arc::downgrade(&this_process));
        (events, sensors)
    };
    let (connect_events, connect_sensors) = service_sensors("connect");
    let (model_manage_events, model_manage_sensors) =
        service_sensors(crate::fleet::local::MODEL_MANAGE);
    let state = FleetState {
        connect_sensors,
        model_manage_sensors,
        this_process: this_process.clone(),
        home: settings.home.clone(),
        access: Arc::new(auth::Access::new(&owner, settings.users)),
        local_engines: settings.engines,
        registry: Arc::default(),
        hub: Arc::default(),
        bodies: crate::serve::BodyLimits::new("the fleet", MAX_BODY, "its largest request"),
        login_forms: crate::serve::BodyLimits::new(
            "the fleet's login",
            auth::MAX_LOGIN_FORM,
            "a login form",
        ),
        ids: Arc::new(Ids {
            connect: crate::ids::random_hex(32),
            model_manage: crate::ids::random_hex(32),
        }),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("fleet")
        .build()
        .map_err(|e| Error::new("Cannot start the fleet server").caused_by(e.to_string()))?;
    let served = runtime.block_on(async {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        pneumo::start(state.clone());
        pneumo::forward(state.clone(), connect_events);
        pneumo::forward(state.clone(), model_manage_events);
        let service = tower::ServiceBuilder::new()
            .map_request(|r: hyper::Request<hyper::body::Incoming>| {
                auth::strip_token_prefix(r.map(axum::body::Body::new))
            })
            .service(router(state));
        let open = crate::serve::accept_until(listener, tls, service, stop_signal()).await;
        eprintln!("fleet: stopping");
        open.drain(SHUTDOWN_GRACE).await;
        std::io::Result::Ok(())
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    crate::fleet::owner::remove_record(&settings.home);
    served.map_err(|e| Error::new(format!("Cannot serve on {shown}")).caused_by(e.to_string()))
}

fn router(state: FleetState) -> Router {
    use crate::engine::sensors::rest::routes as sensor_routes;
    let health_doc = || doc("The service's id, release and build time").answers(200, "HealthInfo");
    let connect = connect::routes()
        .get(
            "/2/pneumo",
            doc("The fleet's recent Pneumo messages; with Upgrade: websocket, the messages as they come")
                .query("src", "Only messages from this instance")
                .query("type", "Only messages of this type")
                .query(
                    "replay",
                    "states: first each engine's current state (else only what happens after the client connects)",
                )
                .answers(200, "The messages"),
            pneumo::pneumo,
        )
        .get("/1/health", health_doc(), connect_health)
        .merge(sensor_routes(
            state.connect_sensors.clone(),
            state.this_process.clone(),
        ))
        .with_swagger("FastScore Connect", "/api/1/service/connect");
    let model_manage = model_manage::routes()
        .get("/1/health", health_doc(), model_manage_health)
        .merge(sensor_routes(
            state.model_manage_sensors.clone(),
            state.this_process.clone(),
        ))
        .with_swagger(
            "FastScore Model Manage",
            &format!("/api/1/service/{}", crate::fleet::local::MODEL_MANAGE),
        );
    Router::new()
        .nest("/api/1/service/connect", connect)
        .nest(
            &format!("/api/1/service/{}", crate::fleet::local::MODEL_MANAGE),
            model_manage,
        )
        .route("/api/1/service/{instance}/{*rest}", any(to_engine))
        .route("/1/login", axum::routing::post(auth::login))
        .route("/", get(dashboard::page))
        .route("/dashboard", get(dashboard::page))
        .fallback(|uri: Uri| async move { text(404, format!("nothing at {}", uri.path())) })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(state.clone(), bodies))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::check,
        ))
        .layer(axum::middleware::from_fn(plain_paths))
        .layer(axum::middleware::map_response(signed))
        .with_state(state)
}

/// A request's body is read whole within the limits (`serve::BodyLimits`) before it is
/// handled, and holds its share of the memory bodies may take until it has been answered.
/// This runs after the check of credentials: of a stranger, only a login form is read (at
/// most `auth::MAX_LOGIN_FORM`).
async fn bodies(
    State(state): State<FleetState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Reply {
    let (parts, body) = request.into_parts();
    let limits = if parts.uri.path() == "/1/login" {
        &state.login_forms
    } else {
        &state.bodies
    };
    match limits.read(body).await {
        Ok(received) => {
            let (bytes, share) = received.split();
            let reply = next
                .run(axum::extract::Request::from_parts(parts, bytes.into()))
                .await;
            drop(share);
            reply
        }
        Err(refused) => text(refused.status, refused.message),
    }
}

/// Paths whose segments hide a slash or a dot segment (`..%2f`, `%2e%2e`) are refused:
/// decoded, they would name another path than the one checked.
async fn plain_paths(request: axum::extract::Request, next: axum::middleware::Next) -> Reply {
    let tricky = request.uri().path().split('/').any(|segment| {
        let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        decoded.contains(['/', '\\', '\0']) || decoded == "." || decoded == ".."
    });
    if tricky {
        return text(
            400,
            "a path here may not hold '.' or '..' segments, or encoded slashes ('%2F', '%5C')",
        );
    }
    next.run(request).await
}

/// Every answer names this server's software (see `engine::server::signed`).
async fn signed(mut reply: Reply) -> Reply {
    if !reply.headers().contains_key(axum::http::header::SERVER) {
        reply.headers_mut().insert(
            axum::http::header::SERVER,
            axum::http::HeaderValue::from_static(crate::SERVER_NAME),
        );
    }
    reply
}

/// `/api/1/service/<instance>/<rest>` to engine `<instance>`: `rest` as the client wrote it
/// (still percent-encoded, with its query), so that the engine decodes it once, as it
/// would a request of its own.
async fn to_engine(
    State(state): State<FleetState>,
    Path((instance, _)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let raw = uri
        .path()
        .strip_prefix("/api/1/service/")
        .and_then(|p| p.split_once('/'))
        .map_or("", |(_, rest)| rest);
    let rest = match uri.query() {
        Some(q) => format!("{raw}?{q}"),
        None => raw.to_string(),
    };
    proxy::forward(state, instance, method, rest, headers, body).await
}

impl FleetState {
    /// Whether `name` is an engine this fleet serves, here or joined from elsewhere.
    fn serves_engine(&self, name: &str) -> bool {
        self.is_local_engine(name) || self.registry.get(name).is_some()
    }

    /// Whether `name` is one of the local engines it serves.
    fn is_local_engine(&self, name: &str) -> bool {
        self.local_engine_names().any(|n| n == name)
    }

    /// The local engines it serves: `engine-1` … `engine-<n>` of `--engines`, and those of
    /// its data directory that were started before (by `fastscore use` on the embedded
    /// fleet, say), in order.
    fn local_engine_names(&self) -> impl Iterator<Item = String> {
        let mut names: Vec<String> = (1..=self.local_engines)
            .map(|n| format!("engine-{n}"))
            .collect();
        for name in crate::fleet::launcher::known(&self.home) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names.into_iter()
    }
}

/// The answer about an instance the fleet does not have, in the original's words.
fn no_instance(name: &str) -> Reply {
    text(404, format!("Instance '{name}' not found"))
}

fn health(id: &str) -> Value {
    json!({"id": id, "release": crate::VERSION, "built_on": crate::BUILT_ON})
}

async fn connect_health(State(state): State<FleetState>) -> Reply {
    json_reply(200, &health(&state.ids.connect))
}

async fn model_manage_health(State(state): State<FleetState>) -> Reply {
    json_reply(200, &health(&state.ids.model_manage))
}

/// A failure of the server itself: its cause goes to the log (it may name the server's
/// files), the answer says so in words.
pub(crate) fn internal(service: &str, cause: impl std::fmt::Display) -> Reply {
    eprintln!("fleet: {service}: {cause}");
    text(
        500,
        format!("{service} could not do this (the fleet's log says why)"),
    )
}

pub(crate) fn text(status: u16, body: impl Into<String>) -> Reply {
    bytes_reply(status, "text/plain", body.into().into_bytes())
}

pub(crate) fn json_reply(status: u16, value: &Value) -> Reply {
    bytes_reply(status, "application/json", value.to_string().into_bytes())
}

pub(crate) fn bytes_reply(status: u16, content_type: &'static str, body: Vec<u8>) -> Reply {
    let status = axum::http::StatusCode::from_u16(status)
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, content_type)],
        body,
    )
        .into_response()
}

/// As `blocking`, for any value (`None` when the work panicked).
pub(crate) async fn blocking_value<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

/// Run blocking work (the store, the engines' blocking client) off the async threads.
pub(crate) async fn blocking(f: impl FnOnce() -> Reply + Send + 'static) -> Reply {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|_| text(500, "internal error (see the fleet's log)"))
}

/// Completes on SIGTERM, SIGINT or SIGHUP.
async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    async fn on(kind: SignalKind) {
        match signal(kind) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    }
    tokio::select! {
        () = on(SignalKind::terminate()) => {}
        () = on(SignalKind::interrupt()) => {}
        () = on(SignalKind::hangup()) => {}
    }
}
