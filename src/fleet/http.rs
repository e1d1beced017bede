//! The HTTP client shared by every REST call: remote fleets and the local engines alike.

use super::{Failure, Res, Saved};
use crate::error::{Cause, HttpError};
use serde_json::Value;
use std::rc::Rc;
use std::time::Duration;
use ureq::http;

pub struct Client {
    agent: ureq::Agent,
    /// `Authorization` header value, when logged in.
    pub authorization: Option<String>,
    /// `Cookie` header value, when logged in with a session.
    pub cookie: Option<String>,
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Client {
    /// TLS certificates are not verified: fleets use self-signed certificates (as the
    /// original does). `env_proxy` honours HTTPS_PROXY and friends (not for loopback engines).
    pub fn new(env_proxy: bool) -> Client {
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(true)
            .build();
        let mut config = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .user_agent(format!("fastscore/{}", crate::VERSION))
            .max_redirects(0);
        if !env_proxy {
            config = config.proxy(None);
        }
        Client {
            agent: config.build().into(),
            authorization: None,
            cookie: None,
        }
    }

    /// One request. Any status comes back as a response; only transport failures are errors.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Response, Cause> {
        let mut builder = http::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        if let Some(auth) = &self.authorization {
            builder = builder.header("Authorization", auth);
        }
        if let Some(cookie) = &self.cookie {
            builder = builder.header("Cookie", cookie);
        }
        let request = builder
            .body(body.map(<[u8]>::to_vec).unwrap_or_default())
            .map_err(|e| Cause::Text(format!("{method} {url}: {e}")))?;
        let response = self
            .agent
            .run(request)
            .map_err(|e| Cause::Text(format!("{method} {url}: {}", transport_text(&e))))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into(),
                )
            })
            .collect();
        let body = if method == "HEAD" {
            Vec::new()
        } else {
            response
                .into_body()
                .with_config()
                .limit(u64::MAX)
                .read_to_vec()
                .map_err(|e| Cause::Text(format!("{method} {url}: {}", transport_text(&e))))?
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

fn transport_text(e: &ureq::Error) -> String {
    let text = e.to_string();
    let text = text.strip_prefix("io: ").unwrap_or(&text);
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text.to_string(),
    }
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, or as a JSON string when it is not JSON (the SDK's rule).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| Value::String(self.text()))
    }

    /// The response, or an HTTP error for a non-2xx status.
    pub fn success(self) -> Result<Response, HttpError> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(self.http_error())
        }
    }

    pub fn http_error(&self) -> HttpError {
        HttpError {
            status: self.status,
            reason: http::StatusCode::from_u16(self.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Unknown")
                .to_string(),
            body: self.text(),
        }
    }
}

/// One REST service (a Model Manage, an engine, Connect): its base URL and the shared client.
#[derive(Clone)]
pub struct Service {
    pub client: Rc<Client>,
    pub base: String,
}

impl Service {
    /// A request to `<base>/<path>`; any status comes back.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Res<Response> {
        let url = format!("{}/{path}", self.base);
        self.client
            .send(method, &url, headers, body)
            .map_err(Failure::other)
    }

    /// A request that must succeed (2xx).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Res<Response> {
        Ok(self.send(method, path, headers, body)?.success()?)
    }

    /// A PUT that creates (201) or replaces (204).
    pub fn saved(&self, path: &str, content_type: &str, body: &[u8]) -> Res<Saved> {
        let response = self.call("PUT", path, &[("Content-Type", content_type)], Some(body))?;
        Ok(if response.status == 204 {
            Saved::Updated
        } else {
            Saved::Created
        })
    }
}

/// A path segment with everything but `A-Za-z0-9_.-~` percent-encoded.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `a=1&b=x+y`, form-encoded as Python's `urlencode` does it.
pub fn query(pairs: &[(&str, String)]) -> String {
    let enc = |s: &str| segment(s).replace("%20", "+");
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `a=1&b=x+y` → [("a", "1"), ("b", "x y")].
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

/// Undo percent-encoding (`+` stays `+`).
pub fn percent_decode(text: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(text)).into_owned()
}

pub fn percent_decode_bytes(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding() {
        assert_eq!(segment("a b/c"), "a%20b%2Fc");
        assert_eq!(
            query(&[("date-range", "2018-01-17T08:00:00+00:00--".into())]),
            "date-range=2018-01-17T08%3A00%3A00%2B00%3A00--"
        );
        assert_eq!(percent_decode("s%3Aabc%2"), "s:abc%2");
    }
}
