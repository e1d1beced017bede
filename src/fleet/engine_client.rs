//! The Engine REST API as a client: the same calls for an engine of a remote fleet
//! (behind its proxy) and for a local engine of the embedded fleet. Calls take the
//! service's default time limit unless they say otherwise.

use super::http::{Response, Service};
use super::Res;
use crate::error::{Cause, HttpError};
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long a load waits, in all, for an engine busy preparing what the model needs (a
/// runtime, libraries to install) in the background.
pub const BUSY_WAIT: Duration = Duration::from_secs(15 * 60);

pub struct EngineClient {
    service: Service,
    name: String,
    /// Whether the engine takes newline-separated records in one request.
    bulk: Option<bool>,
}

/// One read of a REST output slot.
pub enum OutputRead {
    Record(Vec<u8>),
    NoData,
    Eof,
    /// Any other answer (the original CLI printed these as if they were records).
    Other(HttpError),
}

/// A model load request body, ready to send.
pub struct LoadBody {
    pub content_type: String,
    pub disposition: Option<String>,
    pub body: Vec<u8>,
}

const JSON: (&str, &str) = ("Accept", "application/json");

impl EngineClient {
    pub fn new(service: Service, name: &str, bulk: Option<bool>) -> EngineClient {
        EngineClient {
            service,
            name: name.to_string(),
            bulk,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the engine answers (`http://127.0.0.1:41234`, or behind a fleet's proxy).
    pub fn url(&self) -> &str {
        &self.service.base
    }

    pub fn health(&self) -> Res<Value> {
        Ok(self.service.call("GET", "1/health", &[JSON], None)?.json())
    }

    /// `{"state": …}` (lower case), with this tool's extra fields when the engine is ours.
    pub fn state(&self) -> Res<Value> {
        Ok(self
            .service
            .call("GET", "2/engine/state", &[JSON], None)?
            .json())
    }

    pub fn post_engine(&self, action: &str) -> Res<()> {
        self.service
            .call("POST", &format!("2/engine/{action}"), &[], None)
            .map(drop)
    }

    /// Load (or, with `dry_run`, verify) a model; a dry run answers the verify info. While
    /// the engine is busy preparing what the model needs, this waits (`send_waiting`).
    pub fn load(
        &self,
        body: &LoadBody,
        dry_run: bool,
        waiting: &mut dyn FnMut(&str, Duration),
    ) -> Res<Value> {
        let path = format!(
            "1/job/model?dry-run={}",
            if dry_run { "True" } else { "False" }
        );
        let mut headers = vec![("Content-Type", body.content_type.as_str())];
        if let Some(d) = &body.disposition {
            headers.push(("Content-Disposition", d.as_str()));
        }
        // a real load waits for the jets to start (and the imports they install)
        let service = if dry_run {
            self.service.clone()
        } else {
            self.service.long()
        };
        let response = self.send_waiting(&service, "PUT", &path, &headers, &body.body, waiting)?;
        Ok(if response.body.is_empty() {
            Value::Null
        } else {
            response.json()
        })
    }

    /// Send a request that may need what the engine prepares in the background (a runtime,
    /// libraries to install), asking to be answered at once (`Prefer: respond-async`).
    /// While the engine answers that it is busy (503 with `FastScore-Task`), ask about every
    /// second whether the task still runs (`GET /1/preparation`, which is cheap: the body is
    /// not sent again meanwhile) and tell `waiting` what the engine is busy with and how
    /// long this call has waited; once it ended, send the request again, naming the task,
    /// for its outcome. All within `BUSY_WAIT`.
    fn send_waiting(
        &self,
        service: &Service,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        waiting: &mut dyn FnMut(&str, Duration),
    ) -> Res<Response> {
        let started = Instant::now();
        let mut awaited: Option<String> = None;
        loop {
            let mut sent = headers.to_vec();
            sent.push(("Prefer", "respond-async"));
            if let Some(task) = &awaited {
                sent.push((crate::BUSY_TASK_HEADER, task));
            }
            let response = service.send(method, path, &sent, Some(body))?;
            let Some(task) = busy_with(&response) else {
                return Ok(response.success()?);
            };
            let status = format!("1/preparation?task={}", super::http::segment(&task));
            loop {
                if started.elapsed() >= BUSY_WAIT {
                    return Err(super::Failure::other(Cause::Standalone(format!(
                        "{} was still busy after {} min: it started to {task} and has not finished; try again later",
                        self.name,
                        BUSY_WAIT.as_secs() / 60
                    ))));
                }
                waiting(&task, started.elapsed());
                std::thread::sleep(Duration::from_secs(1));
                let running = self.service.call("GET", &status, &[JSON], None)?.json();
                if running["running"] != Value::Bool(true) {
                    break;
                }
            }
            awaited = Some(task);
        }
    }

    pub fn active_model(&self) -> Res<Option<Value>> {
        let response = self.service.send("GET", "2/active/model", &[JSON], None)?;
        if response.status == 404 {
            return Ok(None);
        }
        Ok(Some(response.success()?.json()))
    }

    pub fn unload(&self) -> Res<()> {
        self.service
            .call("DELETE", "2/active/model", &[], None)
            .map(drop)
    }

    pub fn scale(&self, count: u64) -> Res<()> {
        let body = count.to_string();
        self.service
            .call(
                "POST",
                "2/active/model/scale",
                &[("Content-Type", "application/json")],
                Some(body.as_bytes()),
            )
            .map(drop)
    }

    pub fn attach(&self, slot: u32, name: &str, descriptor: &Value, dry_run: bool) -> Res<Value> {
        let path = format!(
            "2/active/stream/{slot}?dry-run={}",
            if dry_run { "True" } else { "False" }
        );
        let disposition = format!("x-stream; name=\"{name}\"");
        let body = crate::json::compact(descriptor);
        let headers = [
            ("Content-Type", "application/json"),
            ("Content-Disposition", disposition.as_str()),
        ];
        // the last stream attached starts the model's jets
        let service = if dry_run {
            self.service.clone()
        } else {
            self.service.long()
        };
        let response = service.call("PUT", &path, &headers, Some(body.as_bytes()))?;
        Ok(if response.body.is_empty() {
            Value::Null
        } else {
            response.json()
        })
    }

    pub fn streams(&self) -> Res<Vec<Value>> {
        self.list("2/active/stream")
    }

    /// Install a sensor: its id.
    pub fn install_sensor(&self, descriptor: &Value) -> Res<u64> {
        let body = descriptor.to_string();
        let answer = self
            .service
            .call(
                "POST",
                "2/active/sensor",
                &[("Content-Type", "application/json"), JSON],
                Some(body.as_bytes()),
            )?
            .json();
        answer["id"]
            .as_u64()
            .ok_or_else(|| super::Failure::other(format!("the answer has no sensor id: {answer}")))
    }

    /// The JSON list at `path`.
    fn list(&self, path: &str) -> Res<Vec<Value>> {
        let list = self.service.call("GET", path, &[JSON], None)?.json();
        Ok(list.as_array().cloned().unwrap_or_default())
    }

    /// The installed sensors: `[{"id", "tap"}]`.
    pub fn sensors(&self) -> Res<Vec<Value>> {
        self.list("2/active/sensor")
    }

    pub fn uninstall_sensor(&self, id: u64) -> Res<()> {
        self.service
            .call("DELETE", &format!("2/active/sensor/{id}"), &[], None)
            .map(drop)
    }

    pub fn sensor_points(&self) -> Res<Vec<Value>> {
        self.list("2/active/sensor/points")
    }

    pub fn detach(&self, slot: u32) -> Res<()> {
        self.service
            .call("DELETE", &format!("2/active/stream/{slot}"), &[], None)
            .map(drop)
    }

    /// Whether newline-separated records may be sent in one request (engines of this tool).
    pub fn takes_bulk_input(&mut self) -> bool {
        if self.bulk.is_none() {
            let bulk = self
                .health()
                .ok()
                .and_then(|h| h.get("bulk_input").and_then(Value::as_bool))
                .unwrap_or(false);
            self.bulk = Some(bulk);
        }
        self.bulk.unwrap_or(false)
    }

    /// One record, as the original sends it.
    pub fn input(&self, slot: u32, record: &[u8]) -> Res<()> {
        self.service
            .call(
                "POST",
                &format!("1/job/input/{slot}"),
                &[("Content-Type", "application/octet-stream")],
                Some(record),
            )
            .map(drop)
    }

    /// Newline-separated records in one request: `{"accepted", "rejected", "errors"}`, and
    /// when the engine took only the first `"taken"` of them, why (`"busy"`).
    pub fn input_bulk(&self, slot: u32, records: &[u8]) -> Res<Value> {
        let response = self.service.send(
            "POST",
            &format!("1/job/input/{slot}"),
            &[("Content-Type", "application/x-ndjson")],
            Some(records),
        )?;
        let busy = response.status == 503 && response.json().get("taken").is_some();
        Ok(if busy { response } else { response.success()? }.json())
    }

    /// How long a call waits for its answer.
    pub fn limit(&self) -> std::time::Duration {
        self.service.limit()
    }

    pub fn output(&self, slot: u32, nowait: bool) -> Res<OutputRead> {
        let path = format!(
            "1/job/output/{slot}{}",
            if nowait { "?nowait=true" } else { "" }
        );
        let response = self.service.send("GET", &path, &[], None)?;
        Ok(match response.status {
            202 => OutputRead::NoData,
            204 => OutputRead::Eof,
            200 => OutputRead::Record(response.body),
            _ => OutputRead::Other(response.http_error()),
        })
    }

    pub fn sample(&self, descriptor: &Value, count: Option<i64>) -> Res<Vec<String>> {
        let path = match count.filter(|n| *n != 0) {
            Some(n) => format!("1/stream/sample?n={n}"),
            None => "1/stream/sample".to_string(),
        };
        let body = crate::json::compact(descriptor);
        let list = self
            .service
            .call(
                "POST",
                &path,
                &[("Content-Type", "application/json")],
                Some(body.as_bytes()),
            )?
            .json();
        Ok(list
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Set an import policy; a preinstall waits, as a load does, while the engine installs
    /// the libraries (`send_waiting`).
    pub fn put_policy(
        &self,
        mime_type: &str,
        text: &str,
        preinstall: bool,
        waiting: &mut dyn FnMut(&str, Duration),
    ) -> Res<()> {
        let flag = if preinstall { "True" } else { "False" };
        self.send_waiting(
            &self.service,
            "PUT",
            &format!("1/policy?preinstall={flag}"),
            &[("Content-Type", mime_type)],
            text.as_bytes(),
            waiting,
        )
        .map(drop)
    }

    pub fn get_policy(&self, mime_type: &str) -> Res<String> {
        let response = self
            .service
            .call("GET", "1/policy", &[("Accept", mime_type)], None)?;
        Ok(match response.json() {
            Value::String(s) => s,
            _ => response.text(),
        })
    }

    /// `PUT /1/file/<name>`: copy a file into the engine; where it is there.
    pub fn put_file(&self, name: &str, bytes: &[u8]) -> Res<String> {
        let path = format!("1/file/{}", super::http::segment(name));
        // a large file may take a while on a slow link
        let response = self.service.long().call(
            "PUT",
            &path,
            &[("Content-Type", "application/octet-stream")],
            Some(bytes),
        )?;
        Ok(response.json()["path"].as_str().unwrap_or("").to_string())
    }

    pub fn restore_state(&self, bytes: &[u8]) -> Res<()> {
        self.service
            .call(
                "PUT",
                "1/job/state",
                &[("Content-Type", "application/octet-stream")],
                Some(bytes),
            )
            .map(drop)
    }
}

/// What an engine of this tool is busy with, when it answers that it is (503 with
/// `FastScore-Task`: ask again in a moment).
fn busy_with(response: &Response) -> Option<String> {
    (response.status == 503)
        .then(|| response.header(crate::BUSY_TASK_HEADER))
        .flatten()
        .map(str::to_string)
}
