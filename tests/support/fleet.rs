//! A FastScore fleet stand-in on loopback: Connect, Model Manage (`model-manage-1`) and the
//! engine's import policy (`engine-1`), with in-memory state and a record of every request,
//! so tests can check both what the CLI prints and what it sends.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tiny_http::{Header, Method, Response, Server};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    instances: Vec<Value>,
    models: BTreeMap<String, (String, Vec<u8>)>,
    attachments: BTreeMap<(String, String), (String, Vec<u8>)>,
    assets: BTreeMap<(String, String), Vec<u8>>,
    config: Option<Vec<u8>>,
    policies: BTreeMap<String, Vec<u8>>,
    requests: Vec<Recorded>,
    /// When set, every call must carry this Authorization header.
    required_auth: Option<String>,
}

pub struct Fleet {
    pub url: String,
    state: Arc<Mutex<State>>,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
}

fn instance(name: &str, api: &str) -> Value {
    json!({"id": format!("id-{name}"), "name": name, "api": api, "host": name, "port": 8003,
           "release": "1.10", "built_on": "Mon Jan  6 10:00:00 UTC 2020", "health": "ok"})
}

impl Fleet {
    pub fn start() -> Fleet {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("bind"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let state = Arc::new(Mutex::new(State {
            instances: vec![
                instance("model-manage-1", "model-manage"),
                instance("engine-1", "engine"),
                instance("engine-2", "engine"),
            ],
            ..State::default()
        }));
        let (s, st) = (server.clone(), state.clone());
        let thread = std::thread::spawn(move || {
            for mut request in s.incoming_requests() {
                let mut body = Vec::new();
                let _ = request.as_reader().read_to_end(&mut body);
                let (status, headers, out) = handle(&st, &request, body);
                let mut response = Response::from_data(out).with_status_code(status);
                for (k, v) in headers {
                    response.add_header(
                        Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("header"),
                    );
                }
                let _ = request.respond(response);
            }
        });
        Fleet {
            url: format!("http://127.0.0.1:{port}"),
            state,
            server,
            thread: Some(thread),
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("state").requests.clone()
    }

    pub fn clear_requests(&self) {
        self.state.lock().expect("state").requests.clear();
    }

    pub fn require_auth(&self, value: &str) {
        self.state.lock().expect("state").required_auth = Some(value.to_string());
    }

    pub fn set_health(&self, name: &str, health: &str) {
        let mut st = self.state.lock().expect("state");
        for i in st.instances.iter_mut() {
            if i["name"] == name {
                i["health"] = json!(health);
            }
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

type Reply = (u16, Vec<(String, String)>, Vec<u8>);

fn text(status: u16, body: &str) -> Reply {
    (
        status,
        vec![("Content-Type".into(), "text/plain".into())],
        body.as_bytes().to_vec(),
    )
}

fn json_reply(status: u16, v: &Value) -> Reply {
    (
        status,
        vec![("Content-Type".into(), "application/json".into())],
        v.to_string().into_bytes(),
    )
}

fn saved(existed: bool) -> Reply {
    (if existed { 204 } else { 201 }, vec![], vec![])
}

fn handle(state: &Mutex<State>, request: &tiny_http::Request, body: Vec<u8>) -> Reply {
    let mut st = state.lock().expect("state");
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
        .collect();
    let method = request.method().clone();
    let url = request.url().to_string();
    st.requests.push(Recorded {
        method: method.to_string(),
        url: url.clone(),
        headers: headers.clone(),
        body: body.clone(),
    });
    if let Some(required) = &st.required_auth {
        let given = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"));
        if given.map(|(_, v)| v) != Some(required) {
            return text(401, "Unauthorized");
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    if path == "/oauth/token" && method == Method::Post {
        let form = String::from_utf8_lossy(&body).to_string();
        if form.contains("code=abc") && form.contains("grant_type=authorization_code") {
            return json_reply(
                200,
                &json!({"access_token": "tok-123", "token_type": "bearer"}),
            );
        }
        return text(400, "bad grant");
    }
    if path == "/1/login" && method == Method::Post {
        let form = String::from_utf8_lossy(&body).to_string();
        if form.contains("password=right") {
            return (
                200,
                vec![(
                    "Set-Cookie".into(),
                    "connect.sid=s%3Aabc.def; Path=/; HttpOnly".into(),
                )],
                vec![],
            );
        }
        return text(401, "Unauthorized");
    }
    let Some(rest) = path.strip_prefix("/api/1/service/") else {
        return text(404, "not found");
    };
    let seg: Vec<String> = rest.split('/').map(decode).collect();
    let seg: Vec<&str> = seg.iter().map(String::as_str).collect();
    match (method, seg.as_slice()) {
        (Method::Get, ["connect", "1", "health"]) => json_reply(
            200,
            &json!({"id": "c0", "release": "1.10", "built_on": "Mon Jan  6 10:00:00 UTC 2020"}),
        ),
        (Method::Get, ["connect", "1", "connect"]) => {
            let list: Vec<Value> = st
                .instances
                .iter()
                .filter(|i| {
                    params
                        .iter()
                        .all(|(k, v)| i.get(k).and_then(Value::as_str) == Some(v))
                })
                .cloned()
                .collect();
            json_reply(200, &Value::Array(list))
        }
        (Method::Get, ["connect", "1", "config"]) => match &st.config {
            None => text(404, "The configuration not set"),
            Some(yaml) => (
                200,
                vec![("Content-Type".into(), "application/x-yaml".into())],
                yaml.clone(),
            ),
        },
        (Method::Put, ["connect", "1", "config"]) => {
            let existed = st.config.is_some();
            // answer JSON, as a real Connect does, from the YAML it was given
            let doc = yaml_to_json(&String::from_utf8_lossy(&body));
            st.config = Some(doc.to_string().into_bytes());
            saved(existed)
        }
        (Method::Get, ["model-manage-1", "1", "model"]) => {
            let list: Vec<Value> = st
                .models
                .iter()
                .map(|(n, (mime, _))| json!({"name": n, "type": mime.rsplit("model-").next()}))
                .collect();
            json_reply(200, &Value::Array(list))
        }
        (m, ["model-manage-1", "1", "model", name]) => {
            let name = name.to_string();
            match m {
                Method::Get => match st.models.get(&name) {
                    Some((mime, src)) => (
                        200,
                        vec![("Content-Type".into(), mime.clone())],
                        src.clone(),
                    ),
                    None => text(404, "Model not found"),
                },
                Method::Put => {
                    let existed = st
                        .models
                        .insert(name, (header("Content-Type"), body))
                        .is_some();
                    saved(existed)
                }
                Method::Delete => match st.models.remove(&name) {
                    Some(_) => (204, vec![], vec![]),
                    None => text(404, "Model not found"),
                },
                _ => text(405, "method not allowed"),
            }
        }
        (Method::Get, ["model-manage-1", "1", "model", model, "attachment"]) => {
            if !st.models.contains_key(*model) {
                return text(403, "Model not found");
            }
            let names: Vec<&String> = st
                .attachments
                .keys()
                .filter(|(m, _)| m == model)
                .map(|(_, a)| a)
                .collect();
            json_reply(200, &json!(names))
        }
        (m, ["model-manage-1", "1", "model", model, "attachment", att]) => {
            let key = (model.to_string(), att.to_string());
            match m {
                Method::Head | Method::Get => match st.attachments.get(&key) {
                    Some((mime, bytes)) => {
                        let headers = vec![
                            ("Content-Type".into(), mime.clone()),
                            ("Content-Length".into(), bytes.len().to_string()),
                        ];
                        (
                            200,
                            headers,
                            if m == Method::Get {
                                bytes.clone()
                            } else {
                                vec![]
                            },
                        )
                    }
                    None => text(404, "Attachment not found"),
                },
                Method::Put => {
                    let existed = st
                        .attachments
                        .insert(key, (header("Content-Type"), body))
                        .is_some();
                    saved(existed)
                }
                Method::Delete => match st.attachments.remove(&key) {
                    Some(_) => (201, vec![], vec![]),
                    None => text(404, "Attachment not found"),
                },
                _ => text(405, "method not allowed"),
            }
        }
        (Method::Get, ["model-manage-1", "1", "model", _model, "snapshot"]) => json_reply(
            200,
            &json!([{"id": "8qxtf4yw", "created_on": "2018-01-17T10:29:15Z", "type": "ETS1", "size": 355}]),
        ),
        (Method::Get, ["model-manage-1", "1", "model", _model, "snapshot", id, "metadata"]) => {
            if "8qxtf4yw".starts_with(id) {
                json_reply(
                    200,
                    &json!({"id": "8qxtf4yw", "created_on": "2018-01-17T10:29:15Z", "type": "ETS1", "size": 355}),
                )
            } else {
                text(404, "Snapshot not found")
            }
        }
        (Method::Get, ["model-manage-1", "1", kind]) => {
            let names: Vec<&String> = st
                .assets
                .keys()
                .filter(|(k, _)| k == kind)
                .map(|(_, n)| n)
                .collect();
            json_reply(200, &json!(names))
        }
        (m, ["model-manage-1", "1", kind, name]) => {
            let key = (kind.to_string(), name.to_string());
            match m {
                Method::Get => match st.assets.get(&key) {
                    Some(doc) => (
                        200,
                        vec![("Content-Type".into(), "application/json".into())],
                        doc.clone(),
                    ),
                    None => text(404, "not found"),
                },
                Method::Put => {
                    let existed = st.assets.insert(key, body).is_some();
                    saved(existed)
                }
                Method::Delete => match st.assets.remove(&key) {
                    Some(_) => (204, vec![], vec![]),
                    None => text(404, "not found"),
                },
                _ => text(405, "method not allowed"),
            }
        }
        (Method::Put, [_engine, "1", "policy"]) => {
            st.policies.insert(header("Content-Type"), body);
            (204, vec![], vec![])
        }
        (Method::Get, [_engine, "1", "policy"]) => {
            let text_body = st
                .policies
                .get(&header("Accept"))
                .cloned()
                .unwrap_or_default();
            (
                200,
                vec![("Content-Type".into(), "text/plain".into())],
                text_body,
            )
        }
        _ => text(404, "not found"),
    }
}

/// Enough YAML for the documents `config set` sends: nested mappings of strings.
fn yaml_to_json(text: &str) -> Value {
    let mut root = serde_json::Map::new();
    let mut stack: Vec<(usize, Vec<String>)> = vec![(0, vec![])];
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let indent = line.len() - line.trim_start().len();
        let (key, value) = line.trim().split_once(':').unwrap_or((line.trim(), ""));
        while stack.len() > 1 && stack.last().map(|s| s.0) >= Some(indent) {
            stack.pop();
        }
        let mut path = stack.last().map(|s| s.1.clone()).unwrap_or_default();
        path.push(key.to_string());
        let value = value.trim().trim_matches('\'').to_string();
        let mut node = &mut root;
        for p in &path[..path.len() - 1] {
            node = node
                .entry(p.clone())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("mapping");
        }
        if value.is_empty() {
            node.insert(key.to_string(), json!({}));
            stack.push((indent + 1, path));
        } else {
            node.insert(key.to_string(), json!(value));
        }
    }
    Value::Object(root)
}
