//! The fleet's Pneumo (rest-api.md §7): the messages of every engine, gathered by reading
//! each one's `GET /1/pneumo`, kept as a short history and sent to websocket clients
//! (`/api/1/service/connect/2/pneumo[?src=…][&type=…]`) from the moment they connect, as the
//! original's did (its CLI's `run -wait` takes any `finished` it hears for its own engine's);
//! `&replay=states` first sends each engine's current state (our page asks for it).

use super::{json_reply, FleetState, Reply};
use crate::fleet::http::{Client, Service, Timeouts};
use crate::fleet::launcher;
use crate::sync::lock;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Query, State};
use axum::response::IntoResponse;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// Messages `GET /connect/2/pneumo` returns.
const HISTORY: usize = 60;
/// Messages a slow websocket client may fall behind by before it misses some.
const BACKLOG: usize = 1024;
/// Websocket clients at once.
const MAX_CLIENTS: usize = 256;
/// How long a message may take to go to a client; one that does not read is dropped.
const SEND_WAIT: Duration = Duration::from_secs(30);
/// How often the fleet looks for engines to read.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// How long one read of an engine waits for a message (ms), and the request's limit.
const READ_WAIT_MS: u64 = 10_000;
const READ_LIMIT: Duration = Duration::from_secs(20);

pub struct Hub {
    history: Mutex<VecDeque<Value>>,
    /// The last `engine-state` of each engine.
    states: Mutex<BTreeMap<String, Value>>,
    tx: broadcast::Sender<Value>,
    /// The websocket clients' places (`MAX_CLIENTS`).
    clients: Arc<tokio::sync::Semaphore>,
    /// Engines being read.
    read: Mutex<HashSet<String>>,
    /// Where the reading of each engine got to: a reader that starts again goes on from
    /// there (an engine that restarted counts from 0 again).
    cursors: Mutex<HashMap<String, u64>>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub {
            history: Mutex::default(),
            states: Mutex::default(),
            tx: broadcast::channel(BACKLOG).0,
            clients: Arc::new(tokio::sync::Semaphore::new(MAX_CLIENTS)),
            read: Mutex::default(),
            cursors: Mutex::default(),
        }
    }
}

impl Hub {
    fn publish(&self, message: Value) {
        if message["type"] == "engine-state" {
            if let Some(src) = message["src"].as_str() {
                lock(&self.states).insert(src.to_string(), message.clone());
            }
        }
        let mut history = lock(&self.history);
        if history.len() == HISTORY {
            history.pop_front();
        }
        history.push_back(message.clone());
        let _ = self.tx.send(message);
    }

    fn health(&self, instance: &str, health: &str) {
        self.publish(json!({
            "type": "health",
            "timestamp": crate::timestamp::DateTime::now().isoformat(),
            "src": "connect",
            "instance": instance,
            "health": health,
        }));
    }
}

/// Pass on the messages of one of the fleet server's own services (its sensors' reports).
pub fn forward(state: FleetState, events: Arc<crate::engine::events::Events>) {
    tokio::spawn(async move {
        let (_, mut next) = events.read(None, Duration::ZERO).await;
        loop {
            let (messages, latest) = events.read(Some(next), LOOK_EVERY * 10).await;
            next = latest;
            for m in messages {
                state.hub.publish(m);
            }
        }
    });
}

/// Keep reading every engine of the fleet: the local ones that run and those that joined.
pub fn start(state: FleetState) {
    tokio::spawn(async move {
        loop {
            let names = super::blocking_value({
                let state = state.clone();
                move || engines_to_read(&state)
            })
            .await
            .unwrap_or_default();
            for name in names {
                if lock(&state.hub.read).insert(name.clone()) {
                    tokio::spawn(read_engine(state.clone(), name));
                }
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    });
}

fn engines_to_read(state: &FleetState) -> Vec<String> {
    let mut names: Vec<String> = state.registry.all().into_iter().map(|(n, _)| n).collect();
    for name in state.local_engine_names() {
        let dir = launcher::engine_dir(&state.home, &name);
        if launcher::read_info(&dir).is_some() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// A client of engine `name`, wherever it is.
fn engine_service(state: &FleetState, client: &Rc<Client>, name: &str) -> Option<Service> {
    if let Some(joined) = state.registry.get(name) {
        return Some(joined.service(client, name));
    }
    let info = launcher::read_info(&launcher::engine_dir(&state.home, name))?;
    Some(launcher::service(client, name, &info))
}

/// One read of an engine's messages after `since` (none: where to start).
fn read_once(state: &FleetState, name: &str, since: Option<u64>) -> Option<(Vec<Value>, u64)> {
    let client = Rc::new(Client::local(Timeouts::around(READ_LIMIT)));
    let service = engine_service(state, &client, name)?;
    let path = match since {
        Some(n) => format!("1/pneumo?since={n}&wait={READ_WAIT_MS}"),
        None => "1/pneumo".to_string(),
    };
    let answer = service.send("GET", &path, &[], None).ok()?;
    if !answer.is_success() {
        return None;
    }
    let doc = answer.json();
    let messages = doc["messages"].as_array().cloned().unwrap_or_default();
    Some((messages, doc["next"].as_u64().unwrap_or(0)))
}

/// The current state of engine `name`, as an `engine-state` message.
fn current_state(state: &FleetState, name: &str) -> Option<Value> {
    let client = Rc::new(Client::local(Timeouts::around(
        crate::fleet::http::SHORT_TIMEOUT,
    )));
    let doc = engine_service(state, &client, name)?
        .send("GET", "2/engine/state", &[], None)
        .ok()?
        .json();
    Some(json!({
        "type": "engine-state",
        "timestamp": crate::timestamp::DateTime::now().isoformat(),
        "src": name,
        "state": doc.get("state")?.clone(),
    }))
}

/// Read engine `name` until it stops answering: from where the last reader stopped, or
/// from its first message kept (what happened before the fleet looked is news to clients).
async fn read_engine(state: FleetState, name: String) {
    let start = {
        let (state, name) = (state.clone(), name.clone());
        super::blocking_value(move || {
            let (_, latest) = read_once(&state, &name, None)?;
            Some((latest, current_state(&state, &name)))
        })
        .await
        .flatten()
    };
    if let Some((latest, current)) = start {
        state.hub.health(&name, "ok");
        if let Some(current) = current {
            lock(&state.hub.states).insert(name.clone(), current);
        }
        let mut next = match lock(&state.hub.cursors).get(&name) {
            Some(&cursor) if cursor <= latest => cursor,
            _ => 0,
        };
        loop {
            let (st, n) = (state.clone(), name.clone());
            let read = super::blocking_value(move || read_once(&st, &n, Some(next)))
                .await
                .flatten();
            let Some((messages, after)) = read else {
                break;
            };
            for message in messages {
                state.hub.publish(message);
            }
            next = after;
            lock(&state.hub.cursors).insert(name.clone(), next);
        }
        state.hub.health(&name, "fail");
    }
    lock(&state.hub.states).remove(&name);
    lock(&state.hub.read).remove(&name);
}

/// `GET /connect/2/pneumo`: the recent messages (a websocket upgrade: every message as it
/// comes, filtered by `src` and `type`).
pub async fn pneumo(
    State(state): State<FleetState>,
    Query(filter): Query<HashMap<String, String>>,
    request: axum::extract::Request,
) -> Reply {
    let upgrading = request
        .headers()
        .get(axum::http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !upgrading {
        let history: Vec<Value> = lock(&state.hub.history).iter().cloned().collect();
        return json_reply(200, &Value::Array(history));
    }
    let (mut parts, _) = request.into_parts();
    match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => {
            let Ok(place) = state.hub.clients.clone().try_acquire_owned() else {
                return super::text(
                    503,
                    format!("the fleet has {MAX_CLIENTS} Pneumo clients already; try again later"),
                );
            };
            // what happens from now on is the client's (subscribed before the log says so)
            let rx = state.hub.tx.subscribe();
            eprintln!("fleet: a Pneumo client connected");
            let hub = state.hub.clone();
            upgrade.on_upgrade(move |socket| async move {
                send_messages(socket, hub, rx, filter).await;
                drop(place);
            })
        }
        Err(rejection) => rejection.into_response(),
    }
}

fn wanted(filter: &HashMap<String, String>, message: &Value) -> bool {
    ["src", "type"].iter().all(|key| {
        filter
            .get(*key)
            .is_none_or(|want| message[*key].as_str() == Some(want.as_str()))
    })
}

async fn send_messages(
    mut socket: WebSocket,
    hub: Arc<Hub>,
    mut rx: broadcast::Receiver<Value>,
    filter: HashMap<String, String>,
) {
    let replay = filter.get("replay").is_some_and(|r| r == "states");
    let current: Vec<Value> = if replay {
        lock(&hub.states).values().cloned().collect()
    } else {
        Vec::new()
    };
    for message in current.into_iter().filter(|m| wanted(&filter, m)) {
        if !send(&mut socket, &message).await {
            return;
        }
    }
    loop {
        tokio::select! {
            received = rx.recv() => match received {
                Ok(message) if wanted(&filter, &message) => {
                    if !send(&mut socket, &message).await {
                        return;
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            // clients send nothing; a close or an error ends the session
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// Send one message within `SEND_WAIT`: whether the client took it.
async fn send(socket: &mut WebSocket, message: &Value) -> bool {
    let sent = socket.send(Message::Text(message.to_string().into()));
    matches!(tokio::time::timeout(SEND_WAIT, sent).await, Ok(Ok(())))
}
