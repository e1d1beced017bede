//! Engines that joined the fleet from elsewhere (`engine serve --fleet <url>`): where they
//! answer, with what token, and when they last said so. They register again every few
//! seconds, so a fleet that restarts finds them again.

use crate::fleet::http::{Client, Service, Timeouts};
use crate::sync::lock;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// More registrations than this are refused (every table has a bound).
const MAX_ENGINES: usize = 1000;
/// A name registered from another address within this is taken.
const HELD_FOR: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Registered {
    pub url: String,
    pub token: Option<String>,
    at: Instant,
}

impl Registered {
    /// A client of the engine, with its token.
    pub fn service(&self, client: &Rc<Client>, name: &str) -> Service {
        Service::local_engine(client.clone(), name, &self.url, self.token.as_deref())
    }
}

#[derive(Default)]
pub struct Registry {
    engines: Mutex<BTreeMap<String, Registered>>,
}

impl Registry {
    /// Record `name` at `url`: whether it is new, or why it is refused.
    pub fn register(&self, name: &str, url: &str, token: Option<String>) -> Result<bool, String> {
        let mut engines = lock(&self.engines);
        if let Some(held) = engines.get(name) {
            if held.url != url && held.at.elapsed() < HELD_FOR {
                return Err(format!("{name} is registered from {} already", held.url));
            }
        } else if engines.len() >= MAX_ENGINES {
            return Err(format!("the fleet holds {MAX_ENGINES} engines already"));
        }
        let new = engines
            .insert(
                name.to_string(),
                Registered {
                    url: url.to_string(),
                    token,
                    at: Instant::now(),
                },
            )
            .is_none();
        Ok(new)
    }

    pub fn unregister(&self, name: &str) -> bool {
        lock(&self.engines).remove(name).is_some()
    }

    pub fn get(&self, name: &str) -> Option<Registered> {
        lock(&self.engines).get(name).cloned()
    }

    pub fn all(&self) -> Vec<(String, Registered)> {
        lock(&self.engines)
            .iter()
            .map(|(n, r)| (n.clone(), r.clone()))
            .collect()
    }
}

/// The fleet-listing record of a registered engine; healthy when it answers its health
/// call within the short limit.
pub fn record(name: &str, engine: &Registered) -> Value {
    let client = Rc::new(Client::local(Timeouts::around(
        crate::fleet::http::SHORT_TIMEOUT,
    )));
    let answer = engine
        .service(&client, name)
        .short()
        .send("GET", "1/health", &[], None);
    let (health, release, built_on) = match answer {
        Ok(r) if r.is_success() => {
            let doc = r.json();
            (
                "ok",
                doc.get("release").cloned().unwrap_or(Value::Null),
                doc.get("built_on").cloned().unwrap_or(Value::Null),
            )
        }
        _ => ("fail", Value::Null, Value::Null),
    };
    let (host, port) = host_port(&engine.url);
    json!({
        "id": null,
        "name": name,
        "api": "engine",
        "host": host,
        "port": port,
        "release": release,
        "built_on": built_on,
        "health": health,
    })
}

fn host_port(url: &str) -> (String, Value) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    match authority.rsplit_once(':') {
        Some((host, port)) => (
            host.to_string(),
            port.parse::<u16>().map_or(Value::Null, Value::from),
        ),
        None => (authority.to_string(), Value::Null),
    }
}
