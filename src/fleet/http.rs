//! The HTTP client shared by every REST call: remote fleets and the local engines alike.
//! Every request has a time limit; a request that gets no usable answer (no answer in
//! time, an untrusted certificate) fails with one line that names the service.

use super::{Failure, Res, Saved};
use crate::error::{Cause, Error, HttpError};
use serde_json::Value;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;
use ureq::http;

/// A request's limit unless its call site says otherwise (`FASTSCORE_TIMEOUT` changes it).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Liveness checks: an engine that does not answer this fast is taken as frozen.
pub const SHORT_TIMEOUT: Duration = Duration::from_secs(2);
/// Calls that wait for a model's jets to start, which may install packages first.
pub const LONG_TIMEOUT: Duration = Duration::from_secs(600);
/// Opening a connection, within the request's limit.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The time limits of one command's requests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timeouts {
    pub default: Duration,
    pub short: Duration,
    pub long: Duration,
}

impl Timeouts {
    /// Limits around `default`: the short one is never longer, the long one never shorter.
    pub fn around(default: Duration) -> Timeouts {
        Timeouts {
            default,
            short: default.min(SHORT_TIMEOUT),
            long: default.max(LONG_TIMEOUT),
        }
    }

    /// From `FASTSCORE_TIMEOUT=<seconds>`, else 30 s.
    pub fn from_env() -> Result<Timeouts, Error> {
        match std::env::var("FASTSCORE_TIMEOUT") {
            Ok(text) if !text.trim().is_empty() => parse_seconds(&text)
                .map(Timeouts::around)
                .ok_or_else(|| {
                    Error::new(format!(
                        "FASTSCORE_TIMEOUT must be a number of seconds greater than 0, such as 30, not '{text}'"
                    ))
                }),
            _ => Ok(Timeouts::around(DEFAULT_TIMEOUT)),
        }
    }
}

fn parse_seconds(text: &str) -> Option<Duration> {
    let secs: f64 = text.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0 && secs < 1e9).then(|| Duration::from_secs_f64(secs))
}

/// `30 s`, `0.5 s`.
pub fn seconds(limit: Duration) -> String {
    format!("{} s", limit.as_secs_f64())
}

/// How the certificates of HTTPS servers are checked: against the usual public roots unless
/// a CA file is named, or not at all when asked to (`insecure`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tls {
    pub insecure: bool,
    pub ca_file: Option<PathBuf>,
}

impl Tls {
    /// The connection's settings, then `FASTSCORE_INSECURE=1` and `FASTSCORE_CA_FILE=<file>`
    /// for this command.
    pub fn for_connection(conn: &crate::config::Connection) -> Tls {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Tls {
            insecure: conn.tls_insecure
                || env("FASTSCORE_INSECURE")
                    .is_some_and(|v| !matches!(v.trim(), "0" | "false" | "no")),
            ca_file: env("FASTSCORE_CA_FILE")
                .map(PathBuf::from)
                .or_else(|| conn.ca_file.as_ref().map(PathBuf::from)),
        }
    }

    fn config(&self) -> Result<ureq::tls::TlsConfig, Error> {
        let builder = ureq::tls::TlsConfig::builder();
        if self.insecure {
            return Ok(builder.disable_verification(true).build());
        }
        let Some(path) = &self.ca_file else {
            return Ok(builder.build());
        };
        let fail = |why: String| {
            Error::new(format!("Cannot use the CA file {}", path.display())).caused_by(why)
        };
        let pem = std::fs::read(path)
            .map_err(|e| fail(crate::error::io_error_text(&path.display().to_string(), &e)))?;
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                Ok(_) => {}
                Err(e) => return Err(fail(e.to_string())),
            }
        }
        if certs.is_empty() {
            return Err(fail(
                "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
            ));
        }
        Ok(builder
            .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
            .build())
    }
}

pub struct Client {
    agent: ureq::Agent,
    pub timeouts: Timeouts,
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

/// Why a request got no answer to look at.
#[derive(Debug)]
pub enum Transport {
    /// Nothing (or not all of it) within this limit.
    Timeout(Duration),
    /// The server's certificate is not trusted; the reason.
    Untrusted(String),
    /// Anything else, as `<method> <url>: <what happened>`.
    Other(String),
}

impl Client {
    /// A client of local engines: plain HTTP on loopback, never through a proxy.
    pub fn local(timeouts: Timeouts) -> Client {
        Client::build(ureq::tls::TlsConfig::default(), false, timeouts)
    }

    /// A client of a remote fleet (and of the login providers): `tls` says how certificates
    /// are checked; HTTPS_PROXY and friends are honoured.
    pub fn remote(tls: &Tls, timeouts: Timeouts) -> Result<Client, Error> {
        Ok(Client::build(tls.config()?, true, timeouts))
    }

    fn build(tls: ureq::tls::TlsConfig, env_proxy: bool, timeouts: Timeouts) -> Client {
        let mut config = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(timeouts.default))
            .user_agent(format!("fastscore/{}", crate::VERSION))
            .max_redirects(0);
        if !env_proxy {
            config = config.proxy(None);
        }
        Client {
            agent: config.build().into(),
            timeouts,
            authorization: None,
            cookie: None,
        }
    }

    /// One request, which must be answered in full within `limit`. Any status comes back as
    /// a response; only transport failures are errors.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        limit: Duration,
    ) -> Result<Response, Transport> {
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
            .map_err(|e| Transport::Other(format!("{method} {url}: {e}")))?;
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(limit))
            .build();
        let failed = |e: ureq::Error| transport(e, method, url, limit);
        let response = self.agent.run(request).map_err(failed)?;
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
                .map_err(failed)?
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// One request to a URL of no particular service (login providers), within the default
    /// limit.
    pub fn fetch(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Response, Cause> {
        self.send(method, url, headers, body, self.timeouts.default)
            .map_err(|t| t.cause(url, url, Advice::Remote))
    }
}

fn transport(e: ureq::Error, method: &str, url: &str, limit: Duration) -> Transport {
    match &e {
        ureq::Error::Timeout(ureq::Timeout::Connect) => {
            return Transport::Timeout(limit.min(CONNECT_TIMEOUT))
        }
        ureq::Error::Timeout(_) => return Transport::Timeout(limit),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            return Transport::Timeout(limit)
        }
        _ => {}
    }
    if let Some(reason) = untrusted(&e) {
        return Transport::Untrusted(reason);
    }
    Transport::Other(format!("{method} {url}: {}", transport_text(&e)))
}

/// Why the server's certificate was refused, if that is what happened: the fault and what
/// to do about it, in words.
fn untrusted(e: &ureq::Error) -> Option<String> {
    match e {
        ureq::Error::Rustls(r) => refused_certificate(r),
        ureq::Error::Io(io) => untrusted_io(io),
        _ => None,
    }
}

/// As `untrusted`, for an I/O error of a TLS stream (the websocket's).
pub fn untrusted_io(e: &std::io::Error) -> Option<String> {
    refused_certificate(e.get_ref()?.downcast_ref::<rustls::Error>()?)
}

fn refused_certificate(e: &rustls::Error) -> Option<String> {
    match e {
        rustls::Error::InvalidCertificate(why) => Some(certificate_fault(why)),
        _ => None,
    }
}

const TRUST_IT: &str = "To trust it, connect with -cacert:<file> (the CA certificates of the \
     fleet, PEM; `fastscore fleet serve` keeps its own in <its data directory>/fleet/cert.pem) \
     or with -insecure (accept any certificate); FASTSCORE_CA_FILE=<file> or \
     FASTSCORE_INSECURE=1 do the same for one command";

/// `fleet.example` of rustls' `DnsName("fleet.example")`.
fn bare_name(presented: &str) -> &str {
    match (presented.find('"'), presented.rfind('"')) {
        (Some(a), Some(b)) if b > a => &presented[a + 1..b],
        _ => presented,
    }
}

/// A refused certificate in words, with the fix.
pub fn certificate_fault(why: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    let date = |t: &rustls::pki_types::UnixTime| {
        let secs = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
        crate::timestamp::DateTime::from_unix_seconds(secs).isoformat()
    };
    match why {
        C::UnknownIssuer => format!(
            "it is self-signed, or signed by an authority this machine does not trust. {TRUST_IT}"
        ),
        C::Expired => "it has expired. The fleet's operator must renew it (`fastscore fleet serve` makes a new one once fleet/cert.pem and fleet/key.pem are removed); -insecure accepts it meanwhile".into(),
        C::ExpiredContext { not_after, .. } => format!(
            "it expired on {}. The fleet's operator must renew it (`fastscore fleet serve` makes a new one once fleet/cert.pem and fleet/key.pem are removed); -insecure accepts it meanwhile",
            date(not_after)
        ),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet. Check the clocks of this machine and of the fleet; -insecure accepts it meanwhile".into(),
        C::NotValidForName => "it is not for this host name. Connect with a name it is for, or give the fleet a certificate for this name".into(),
        C::NotValidForNameContext { expected, presented } => format!(
            "it is for {}, not for {}. Connect with a name it is for, or give the fleet a certificate for this name (`fastscore fleet serve --bind <address>` puts that address in its own)",
            if presented.is_empty() {
                "no host name".to_string()
            } else {
                presented.iter().map(|n| bare_name(n)).collect::<Vec<_>>().join(", ")
            },
            expected.to_str()
        ),
        C::Revoked => "it has been revoked. The fleet's operator must replace it".into(),
        C::BadSignature | C::BadEncoding => "it is damaged (its signature or encoding is wrong). The fleet's operator must replace it".into(),
        C::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki::Error::CaUsedAsEndEntity) => "it is a certificate authority's own certificate, which may only sign others, presented as the server's. The fleet must present a certificate of its own, signed by that authority (its file for -cacert:)".into(),
            Some(webpki::Error::EndEntityUsedAsCa) => "it is signed by a certificate that is not an authority's. The fleet must present a certificate signed by a certificate authority, or its own self-signed one with -cacert:<that file>".into(),
            _ => format!("it was refused ({other}). {TRUST_IT}"),
        },
        other => format!("it was refused ({other}). {TRUST_IT}"),
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

/// What a message about a service that did not answer suggests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advice {
    /// A local engine: reset or stop it.
    LocalEngine,
    /// A service of a remote fleet, or any other server.
    Remote,
}

/// `scheme://host:port` of a URL.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

impl Advice {
    /// What to do about a service that does not answer.
    pub fn text(self) -> &'static str {
        match self {
            Advice::LocalEngine => "it may be frozen or overloaded ('fastscore engine reset' replaces it, 'fastscore engine stop' stops it)",
            Advice::Remote => "it may be down or overloaded (try again later, or allow more time with FASTSCORE_TIMEOUT=<seconds>)",
        }
    }
}

/// `<who> (<base>) did not answer within <limit>`.
pub fn no_answer(who: &str, base: &str, limit: Duration) -> String {
    let named = if who == base {
        base.to_string()
    } else {
        format!("{who} ({base})")
    };
    format!("{named} did not answer within {}", seconds(limit))
}

impl Transport {
    /// The failure as a user reads it: timeouts and certificates in one line that names
    /// `who` (the service at `base`), anything else as the request and what happened.
    pub fn cause(self, who: &str, base: &str, advice: Advice) -> Cause {
        match self {
            Transport::Timeout(limit) => Cause::Standalone(format!(
                "{}; {}",
                no_answer(who, base, limit),
                advice.text()
            )),
            Transport::Untrusted(reason) => Cause::Standalone(format!(
                "The certificate of {} is not trusted: {reason}",
                origin(base)
            )),
            Transport::Other(text) => Cause::Text(text),
        }
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
            ours: self
                .header("server")
                .is_some_and(|s| s.starts_with(crate::SERVER_NAME_PREFIX)),
        }
    }
}

/// One REST service (a Model Manage, an engine, Connect): who it is, its base URL, the
/// shared client and the time limit of its calls.
#[derive(Clone)]
pub struct Service {
    pub client: Rc<Client>,
    pub base: String,
    /// The instance name (`engine-1`, `model-manage-1`, `connect`), for messages.
    pub name: String,
    advice: Advice,
    /// `Bearer <token>` for a local engine that has a token; never sent anywhere else.
    bearer: Option<String>,
    limit: Duration,
}

impl Service {
    /// An instance of a remote fleet, behind `base`.
    pub fn remote(client: Rc<Client>, name: &str, base: String) -> Service {
        let limit = client.timeouts.default;
        Service {
            client,
            base,
            name: name.to_string(),
            advice: Advice::Remote,
            bearer: None,
            limit,
        }
    }

    /// A local engine at `url`, driven with its token.
    pub fn local_engine(client: Rc<Client>, name: &str, url: &str, token: Option<&str>) -> Service {
        let limit = client.timeouts.default;
        Service {
            client,
            base: url.to_string(),
            name: name.to_string(),
            advice: Advice::LocalEngine,
            bearer: token.map(|t| format!("Bearer {t}")),
            limit,
        }
    }

    /// This service with another time limit for its calls.
    pub fn within(&self, limit: Duration) -> Service {
        Service {
            limit,
            ..self.clone()
        }
    }

    /// How long a call waits for its answer.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// This service for calls that legitimately take long (starting a model's jets).
    pub fn long(&self) -> Service {
        self.within(self.client.timeouts.long)
    }

    /// This service for liveness checks.
    pub fn short(&self) -> Service {
        self.within(self.client.timeouts.short)
    }

    /// A request to `<base>/<path>`; any status comes back.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Res<Response> {
        self.send_raw(method, path, headers, body)
            .map_err(|t| Failure::other(t.cause(&self.name, &self.base, self.advice)))
    }

    /// As `send`, with the transport failure as it is.
    pub fn send_raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Response, Transport> {
        let url = format!("{}/{path}", self.base);
        match &self.bearer {
            Some(bearer) => {
                let mut all = headers.to_vec();
                all.push(("Authorization", bearer.as_str()));
                self.client.send(method, &url, &all, body, self.limit)
            }
            None => self.client.send(method, &url, headers, body, self.limit),
        }
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
