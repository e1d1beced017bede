//! A FastScore fleet over its REST API (spec/rest-api.md): instance resolution through
//! Connect, Model Manage, and the engine calls the CLI makes.

use super::engine_client::EngineClient;
use super::http::{query, segment, Client, Service, Timeouts, Tls};
use super::{
    ArchiveType, AssetKind, AttachmentInfo, Connect, Failure, Instance, Model, ModelInfo,
    ModelManage, Res, Saved, Snapshot, SnapshotQuery,
};
use crate::config::Connection;
use crate::error::{Cause, Error, Result};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

const JSON: (&str, &str) = ("Accept", "application/json");

pub struct Remote {
    client: Rc<Client>,
    tls: Tls,
    prefix: String,
    preferred: BTreeMap<String, String>,
    resolved: RefCell<Vec<Instance>>,
}

impl Remote {
    /// The fleet of `conn`; fails when its CA file cannot be used.
    pub fn new(conn: &Connection, timeouts: Timeouts) -> Result<Remote> {
        let tls = Tls::for_connection(conn);
        let mut client = Client::remote(&tls, timeouts)?;
        // oauth2 wins over basic auth when both are set, as in the original
        client.authorization = conn
            .oauth2_secret
            .clone()
            .or(conn.basic_auth_secret.clone());
        client.cookie = conn.session_cookie.clone().or_else(|| {
            conn.ldap_auth_secret
                .as_ref()
                .map(|sid| format!("connect.sid={}", segment(sid)))
        });
        if client.authorization.is_none() && client.cookie.is_none() {
            // a fleet this user's own data directory serves: its owner's token
            client.authorization =
                super::owner::token_for(&conn.proxy_prefix).map(|t| format!("Bearer {t}"));
        }
        Ok(Remote {
            client: Rc::new(client),
            tls,
            prefix: conn.proxy_prefix.clone(),
            preferred: conn.preferred.clone(),
            resolved: RefCell::new(Vec::new()),
        })
    }

    /// The service of an instance: `<prefix>/api/1/service/<instance>`.
    fn service(&self, instance: &str) -> Service {
        Service::remote(
            self.client.clone(),
            instance,
            format!("{}/api/1/service/{}", self.prefix, segment(instance)),
        )
    }

    fn connect_get(&self, path_and_query: &str) -> std::result::Result<Value, Cause> {
        let response = self
            .service("connect")
            .call("GET", path_and_query, &[JSON], None)?;
        Ok(response.json())
    }

    /// The fleet's recent Pneumo messages.
    pub fn pneumo_history(&self) -> std::result::Result<Value, Cause> {
        self.connect_get("2/pneumo")
    }

    /// The fleet's Pneumo websocket, with its filters (`src`, `type`).
    pub fn pneumo_socket(
        &self,
        filters: &[(&str, String)],
    ) -> std::result::Result<super::websocket::Socket, Cause> {
        let mut url = format!("{}/api/1/service/connect/2/pneumo", self.prefix);
        if !filters.is_empty() {
            url = format!("{url}?{}", query(filters));
        }
        let mut headers = Vec::new();
        if let Some(auth) = &self.client.authorization {
            headers.push(("Authorization", auth.as_str()));
        } else if let Some(cookie) = &self.client.cookie {
            headers.push(("Cookie", cookie.as_str()));
        }
        super::websocket::Socket::open(&url, &self.tls, &headers).map_err(Cause::Text)
    }

    /// Tell the fleet's Connect that engine `name` answers at `url` (with `token`).
    pub fn register(&self, name: &str, url: &str, token: Option<&str>) -> Res<()> {
        let doc = serde_json::json!({"name": name, "api": "engine", "url": url, "token": token});
        let body = doc.to_string();
        self.service("connect")
            .call(
                "POST",
                "1/register",
                &[("Content-Type", "application/json")],
                Some(body.as_bytes()),
            )
            .map(drop)
    }

    pub fn unregister(&self, name: &str) -> Res<()> {
        self.service("connect")
            .short()
            .call(
                "DELETE",
                &format!("1/register/{}", segment(name)),
                &[],
                None,
            )
            .map(drop)
    }

    pub fn model_manage(&self) -> Result<RemoteModelManage> {
        let instance = self.lookup("model-manage")?;
        Ok(RemoteModelManage {
            service: self.service(&instance.name),
        })
    }

    pub fn engine(&self) -> Result<EngineClient> {
        let instance = self.lookup("engine")?;
        Ok(EngineClient::new(
            self.service(&instance.name),
            &instance.name,
            None,
        ))
    }

    /// A client of the instance `name` (any service: the sensor calls are the same).
    pub fn instance(&self, name: &str) -> Result<EngineClient> {
        let instance = self.get(name)?;
        Ok(EngineClient::new(
            self.service(&instance.name),
            &instance.name,
            None,
        ))
    }

    /// The instance serving `api`: the preferred one, else the first healthy one.
    pub fn lookup(&self, api: &str) -> Result<Instance> {
        if let Some(name) = self.preferred.get(api) {
            return self.get(name);
        }
        let records = self
            .connect_get(&format!("1/connect?{}", query(&[("api", api.to_string())])))
            .map_err(|c| Error::new("Cannot retrieve fleet info").caused_by(c))?;
        let instances = to_instances(records);
        if let Some(healthy) = instances.iter().find(|i| i.health == "ok") {
            return Ok(healthy.clone());
        }
        Err(Error::new(match instances.as_slice() {
            [] => format!("No instances of service '{api}' configured"),
            [one] => format!("'{}' instance is unhealthy", one.name),
            all => format!(
                "All {} instances of service '{api}' are unhealthy",
                all.len()
            ),
        }))
    }
}

impl Connect for Remote {
    fn health(&self) -> std::result::Result<Value, Cause> {
        self.connect_get("1/health")
    }

    fn instances(&self) -> Result<Vec<Instance>> {
        let records = self
            .connect_get("1/connect")
            .map_err(|c| Error::new("Cannot retrieve fleet info").caused_by(c))?;
        Ok(to_instances(records))
    }

    fn get_config(&self) -> Res<Option<Value>> {
        let response = self
            .service("connect")
            .send("GET", "1/config", &[JSON], None)?;
        if response.status == 404 {
            return Ok(None);
        }
        Ok(Some(response.success()?.json()))
    }

    fn put_config(&self, _doc: &Value, yaml: &str) -> Res<Saved> {
        self.service("connect")
            .saved("1/config", "application/x-yaml", yaml.as_bytes())
    }

    /// The instance called `name` (it must be healthy).
    fn get(&self, name: &str) -> Result<Instance> {
        if name == "connect" {
            return Ok(Instance {
                name: "connect".into(),
                api: "connect".into(),
                health: "ok".into(),
                record: Value::Null,
            });
        }
        if let Some(found) = self.resolved.borrow().iter().find(|i| i.name == name) {
            return Ok(found.clone());
        }
        let records = self
            .connect_get(&format!(
                "1/connect?{}",
                query(&[("name", name.to_string())])
            ))
            .map_err(|c| {
                Error::new(format!("Cannot retrieve '{name}' instance info")).caused_by(c)
            })?;
        let instance = to_instances(records)
            .into_iter()
            .next()
            .ok_or_else(|| Error::new(format!("Instance '{name}' not found")))?;
        if instance.health != "ok" {
            return Err(Error::new(format!("Instance '{name}' is unhealthy")));
        }
        self.resolved.borrow_mut().push(instance.clone());
        Ok(instance)
    }
}

fn to_instances(records: Value) -> Vec<Instance> {
    let Value::Array(items) = records else {
        return Vec::new();
    };
    items
        .into_iter()
        .map(|record| {
            let field = |k: &str| {
                record
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            Instance {
                name: field("name"),
                api: field("api"),
                health: field("health"),
                record,
            }
        })
        .collect()
}

fn strings(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub struct RemoteModelManage {
    service: Service,
}

impl RemoteModelManage {
    fn service(&self) -> &Service {
        &self.service
    }

    fn names(&self, path: &str) -> Res<Vec<String>> {
        let list = self.service.call("GET", path, &[JSON], None)?.json();
        Ok(strings(&list))
    }
}

fn snapshot_from(v: &Value) -> Snapshot {
    Snapshot {
        id: v
            .get("id")
            .map(|id| id.as_str().map_or_else(|| id.to_string(), str::to_string))
            .unwrap_or_default(),
        created_on: v.get("created_on").cloned().unwrap_or(Value::Null),
        stype: v.get("type").cloned().unwrap_or(Value::Null),
        size: v.get("size").cloned().unwrap_or(Value::Null),
    }
}

impl ModelManage for RemoteModelManage {
    fn list_models(&self) -> Res<Vec<ModelInfo>> {
        let list = self
            .service()
            .call("GET", "1/model?return=type", &[JSON], None)?
            .json();
        Ok(list
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| ModelInfo {
                name: m.get("name").and_then(Value::as_str).unwrap_or("").into(),
                mtype: m.get("type").and_then(Value::as_str).unwrap_or("").into(),
            })
            .collect())
    }

    fn get_model(&self, name: &str) -> Res<Model> {
        let response =
            self.service()
                .call("GET", &format!("1/model/{}", segment(name)), &[], None)?;
        let content_type = response.header("Content-Type").unwrap_or("");
        let mtype = crate::model_type::from_mime_type(content_type).ok_or_else(|| {
            Failure::other(format!("Unexpected model MIME type '{content_type}'"))
        })?;
        let mut source = response.text();
        // The original sends pfa-json sources as a JSON string literal; undo that.
        if mtype == "pfa-json" {
            if let Ok(Value::String(inner)) = serde_json::from_str(&source) {
                source = inner;
            }
        }
        Ok(Model {
            name: name.into(),
            mtype: mtype.into(),
            source,
        })
    }

    fn put_model(&self, name: &str, mtype: &str, source: &str) -> Res<Saved> {
        let mime = crate::model_type::mime_type(mtype)
            .ok_or_else(|| Failure::other(format!("Model type '{mtype}' is unknown")))?;
        let body = if mtype == "pfa-json" {
            crate::json::compact(&Value::String(source.into()))
        } else {
            source.to_string()
        };
        self.service()
            .saved(&format!("1/model/{}", segment(name)), mime, body.as_bytes())
    }

    fn delete_model(&self, name: &str) -> Res<()> {
        self.service()
            .call("DELETE", &format!("1/model/{}", segment(name)), &[], None)
            .map(drop)
    }

    fn list_attachments(&self, model: &str) -> Res<Vec<String>> {
        self.names(&format!("1/model/{}/attachment", segment(model)))
    }

    fn attachment_info(&self, model: &str, name: &str) -> Res<AttachmentInfo> {
        let path = format!("1/model/{}/attachment/{}", segment(model), segment(name));
        let response = self.service().call("HEAD", &path, &[], None)?;
        let content_type = response.header("Content-Type").unwrap_or("");
        let atype = ArchiveType::from_mime_type(content_type).ok_or_else(|| {
            Failure::other(Error::new(format!(
                "Unrecognized attachment MIME type '{content_type}'"
            )))
        })?;
        let size = response
            .header("Content-Length")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        Ok(AttachmentInfo { atype, size })
    }

    fn get_attachment(&self, model: &str, name: &str) -> Res<Vec<u8>> {
        let path = format!("1/model/{}/attachment/{}", segment(model), segment(name));
        let accept = ("Accept", "application/zip, application/gzip");
        Ok(self.service().call("GET", &path, &[accept], None)?.body)
    }

    fn put_attachment(
        &self,
        model: &str,
        name: &str,
        atype: ArchiveType,
        bytes: &[u8],
    ) -> Res<Saved> {
        let path = format!("1/model/{}/attachment/{}", segment(model), segment(name));
        self.service().saved(&path, atype.mime_type(), bytes)
    }

    fn delete_attachment(&self, model: &str, name: &str) -> Res<()> {
        let path = format!("1/model/{}/attachment/{}", segment(model), segment(name));
        self.service().call("DELETE", &path, &[], None).map(drop)
    }

    fn list_snapshots(&self, model: &str, q: &SnapshotQuery) -> Res<Vec<Snapshot>> {
        let mut params = Vec::new();
        if let Some(count) = q.count.filter(|c| *c != 0) {
            params.push(("count", count.to_string()));
        }
        if q.since.is_some() || q.until.is_some() {
            let range = format!(
                "{}--{}",
                q.since.as_deref().unwrap_or(""),
                q.until.as_deref().unwrap_or("")
            );
            params.push(("date-range", range));
        }
        let mut path = format!("1/model/{}/snapshot", segment(model));
        if !params.is_empty() {
            path = format!("{path}?{}", query(&params));
        }
        let list = self.service().call("GET", &path, &[JSON], None)?.json();
        Ok(list
            .as_array()
            .into_iter()
            .flatten()
            .map(snapshot_from)
            .collect())
    }

    fn snapshot_metadata(&self, model: &str, id: &str) -> Res<Snapshot> {
        let path = format!(
            "1/model/{}/snapshot/{}/metadata",
            segment(model),
            segment(id)
        );
        Ok(snapshot_from(
            &self.service().call("GET", &path, &[JSON], None)?.json(),
        ))
    }

    fn snapshot_contents(&self, model: &str, id: &str) -> Res<Vec<u8>> {
        let path = format!(
            "1/model/{}/snapshot/{}/contents",
            segment(model),
            segment(id)
        );
        let accept = ("Accept", "application/octet-stream");
        Ok(self.service().call("GET", &path, &[accept], None)?.body)
    }

    fn delete_snapshot(&self, model: &str, id: &str) -> Res<()> {
        let path = format!("1/model/{}/snapshot/{}", segment(model), segment(id));
        self.service().call("DELETE", &path, &[], None).map(drop)
    }

    fn put_snapshot(&self, model: &str, stype: &str, bytes: &[u8]) -> Res<Snapshot> {
        let id = crate::ids::random_hex(8);
        let path = format!(
            "1/model/{}/snapshot/{}?{}",
            segment(model),
            segment(&id),
            query(&[("type", stype.to_string())])
        );
        let headers = [("Content-Type", "application/octet-stream"), JSON];
        let answer = self.service().call("PUT", &path, &headers, Some(bytes))?;
        Ok(snapshot_from(&answer.json()))
    }

    fn list_assets(&self, kind: AssetKind) -> Res<Vec<String>> {
        self.names(&format!("1/{}", kind.name()))
    }

    fn get_asset(&self, kind: AssetKind, name: &str) -> Res<Value> {
        let path = format!("1/{}/{}", kind.name(), segment(name));
        Ok(self.service().call("GET", &path, &[JSON], None)?.json())
    }

    fn put_asset(&self, kind: AssetKind, name: &str, doc: &Value) -> Res<Saved> {
        let path = format!("1/{}/{}", kind.name(), segment(name));
        self.service().saved(
            &path,
            "application/json",
            crate::json::compact(doc).as_bytes(),
        )
    }

    fn delete_asset(&self, kind: AssetKind, name: &str) -> Res<()> {
        let path = format!("1/{}/{}", kind.name(), segment(name));
        self.service().call("DELETE", &path, &[], None).map(drop)
    }
}
