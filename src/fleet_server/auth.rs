//! Who may use the fleet (rest-api.md §3). Its owner always may: the token of
//! `fleet::owner` as `Authorization: Bearer`, as the path prefix `/token/<token>`, or as the
//! cookie the page gets from `/?token=<token>`. With users configured, a user may too: HTTP
//! Basic credentials, the `connect.sid` cookie of a `POST /1/login`, or that session as a
//! bearer token. Everyone else gets 401, and failed logins slow down (`throttle.rs`).

use super::throttle::{Key, Throttle};
use super::{text, FleetState, Reply};
use crate::fleet::owner;
use crate::secret::same;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use base64::Engine as _;
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

/// Login sessions kept; the oldest is forgotten past this.
const MAX_SESSIONS: usize = 1000;
/// How much of a user name a log line shows.
const NAME_SHOWN: usize = 64;

/// The fleet's users (from a file of `name:password` lines) and their login sessions.
pub struct Users {
    passwords: HashMap<String, String>,
    sessions: Mutex<VecDeque<String>>,
}

impl Users {
    /// `name:password` per line; blank lines and `#` comments are skipped.
    pub fn parse(text: &str) -> Result<Users, String> {
        let mut passwords = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, password) = line
                .split_once(':')
                .filter(|(name, password)| !name.is_empty() && !password.is_empty())
                .ok_or_else(|| format!("line {}: expected name:password", n + 1))?;
            passwords.insert(name.to_string(), password.to_string());
        }
        if passwords.is_empty() {
            return Err("no users".into());
        }
        Ok(Users {
            passwords,
            sessions: Mutex::new(VecDeque::new()),
        })
    }

    pub fn len(&self) -> usize {
        self.passwords.len()
    }

    pub fn is_empty(&self) -> bool {
        self.passwords.is_empty()
    }

    fn valid(&self, name: &str, password: &str) -> bool {
        // every stored password is compared, so timing tells nothing about which matched
        let mut ok = false;
        for (n, p) in &self.passwords {
            ok |= same(name.as_bytes(), n.as_bytes()) & same(password.as_bytes(), p.as_bytes());
        }
        ok
    }

    fn has_session(&self, id: &str) -> bool {
        let mut found = false;
        for s in crate::sync::lock(&self.sessions).iter() {
            found |= same(id.as_bytes(), s.as_bytes());
        }
        found
    }

    fn new_session(&self) -> Option<String> {
        let id = crate::ids::secret_hex(24).ok()?;
        let mut sessions = crate::sync::lock(&self.sessions);
        if sessions.len() >= MAX_SESSIONS {
            sessions.pop_front();
        }
        sessions.push_back(id.clone());
        Some(id)
    }
}

/// What the middleware checks requests against.
pub struct Access {
    owner: String,
    users: Option<Users>,
    throttle: Throttle,
    /// The name of the owner's cookie: with the port, so that fleets on one host keep
    /// their own (cookies ignore ports).
    cookie: String,
    tls: bool,
}

impl Access {
    pub fn new(owner: String, users: Option<Users>, port: u16, tls: bool) -> Access {
        Access {
            owner,
            users,
            throttle: Throttle::default(),
            cookie: format!("fastscore-owner-{port}"),
            tls,
        }
    }

    pub fn has_users(&self) -> bool {
        self.users.is_some()
    }
}

/// The client's address, which the accept loop gives every request.
fn peer(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<crate::serve::Peer>()
        .map(|p: &crate::serve::Peer| SocketAddr::ip(&p.0))
}

/// The token a request's path began with (`/token/<token>/…`, which is taken off).
#[derive(Clone)]
pub struct PathToken(String);

/// `/token/<token>/rest` is served as `/rest`, remembering the token; before routing.
pub fn strip_token_prefix(mut request: Request) -> Request {
    let path = request.uri().path();
    let Some(rest) = path
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(owner::PATH_SEGMENT))
        .and_then(|p| p.strip_prefix('/'))
    else {
        return request;
    };
    let (token, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let token = token.to_string();
    let with_query = match request.uri().query() {
        Some(q) => format!("/{rest}?{q}"),
        None => format!("/{rest}"),
    };
    if let Ok(uri) = with_query.parse::<Uri>() {
        *request.uri_mut() = uri;
        request.extensions_mut().insert(PathToken(token));
    }
    request
}

/// How a request shows the owner's token, if it does.
enum Shown {
    /// In its path or its query: a page asked for this way sets the cookie.
    InUrl(String),
    Header(String),
    Cookie(String),
}

fn shown_token(access: &Access, request: &Request) -> Option<Shown> {
    if let Some(PathToken(t)) = request.extensions().get::<PathToken>() {
        return Some(Shown::InUrl(t.clone()));
    }
    // `?token=` on a page, as notebook servers take it
    let query = request
        .uri()
        .query()
        .filter(|_| is_page(request.uri().path()));
    let query_token = query.and_then(|q| {
        crate::fleet::http::parse_query(q)
            .into_iter()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v)
    });
    if let Some(t) = query_token {
        return Some(Shown::InUrl(t));
    }
    let headers = request.headers();
    if let Some(t) = bearer(headers) {
        // with users, a bearer token may be a login session instead
        if access.users.is_none() || same(t.as_bytes(), access.owner.as_bytes()) {
            return Some(Shown::Header(t.to_string()));
        }
    }
    cookies(headers)
        .find(|(name, _)| *name == access.cookie)
        .map(|(_, v)| Shown::Cookie(v.to_string()))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    // the original SDK may send "Bearer Bearer <token>"
    let mut token = auth.strip_prefix("Bearer ")?.trim();
    token = token.strip_prefix("Bearer ").unwrap_or(token).trim();
    Some(token)
}

fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(|c| {
            let c = c.trim();
            c.split_once('=').unwrap_or(("", c))
        })
}

/// A page (not an API call) of the fleet: where the token in a URL sets the cookie.
fn is_page(path: &str) -> bool {
    matches!(path, "/" | "/dashboard")
}

/// A browser's request from another origin must not ride on the owner's cookie.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let authority = origin.split_once("://").map(|(_, a)| a);
    authority.is_some() && authority == host
}

/// HTTP Basic credentials, as sent (RFC 7617).
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = auth.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (name, password) = text.split_once(':')?;
    Some((name.to_string(), password.to_string()))
}

/// Whether `users` knows these Basic credentials: as sent, or in the one form the original
/// CLI sends them (each side percent-encoded by Python's `quote`), so that `S3cret%50W` is
/// never taken for `S3cretPW`.
fn basic_valid(users: &Users, name: &str, password: &str) -> bool {
    if users.valid(name, password) {
        return true;
    }
    match (from_python_quote(name), from_python_quote(password)) {
        (Some(n), Some(p)) => users.valid(&n, &p),
        _ => false,
    }
}

/// The text Python's `urllib.parse.quote` (Python 2's `urllib.quote` too, which also
/// encodes `~`) would have turned into `sent`, when `sent` is exactly that encoding.
fn from_python_quote(sent: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(sent)
        .decode_utf8()
        .ok()?
        .into_owned();
    let quote = |tilde_safe: bool| -> String {
        let mut out = String::new();
        for b in decoded.bytes() {
            let safe = b.is_ascii_alphanumeric()
                || matches!(b, b'_' | b'.' | b'-' | b'/')
                || (tilde_safe && b == b'~');
            if safe {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    };
    (quote(true) == sent || quote(false) == sent).then_some(decoded)
}

/// What a refused try says in the fleet's log: the name it tried (never the password).
fn log_failure(what: &str, name: Option<&str>, addr: Option<IpAddr>, n: u32, wait: Duration) {
    let who = name
        .map(|n| {
            let shown: String = n.chars().take(NAME_SHOWN).collect();
            format!(" for {shown:?}")
        })
        .unwrap_or_default();
    let from = addr.map(|a| format!(" from {a}")).unwrap_or_default();
    let next = if wait.is_zero() {
        String::new()
    } else {
        format!("; the next try waits {} s", wait.as_secs())
    };
    eprintln!("fleet: refused {what}{who}{from} ({n} in a row{next})");
}

fn refused(access: &Access) -> Reply {
    let (message, challenge) = if access.has_users() {
        ("Authorization required", "Basic realm=\"FastScore\"")
    } else {
        (
            "Authorization required: this fleet answers only its owner, with the token in its data directory (fleet/token): connect to <url>/token/<token>, or open the address `fastscore dashboard` prints",
            "Bearer realm=\"FastScore\"",
        )
    };
    let mut reply = text(401, message);
    reply.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    reply
}

fn too_many(wait: Duration) -> Reply {
    let secs = wait.as_secs().max(1);
    let mut reply = text(
        429,
        format!("Too many failed logins: try again in {secs} s"),
    );
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        reply.headers_mut().insert(header::RETRY_AFTER, v);
    }
    reply
}

/// The owner's page asked for with the token in its URL: set the cookie and send the
/// browser to the same page without the token (so it stays out of its history).
fn page_with_cookie(access: &Access, path: &str) -> Reply {
    let secure = if access.tls { "; Secure" } else { "" };
    let cookie = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
        access.cookie, access.owner
    );
    let mut reply = text(303, "");
    if let (Ok(c), Ok(l)) = (HeaderValue::from_str(&cookie), HeaderValue::from_str(path)) {
        reply.headers_mut().insert(header::SET_COOKIE, c);
        reply.headers_mut().insert(header::LOCATION, l);
    }
    reply
}

/// The middleware: the owner and (with users) the users pass, others get 401.
pub async fn check(
    State(state): State<FleetState>,
    request: Request,
    next: axum::middleware::Next,
) -> Reply {
    let access = &state.access;
    let addr = peer(&request);
    let by_addr: Vec<Key> = addr.map(Key::Address).into_iter().collect();
    if let Some(shown) = shown_token(access, &request) {
        let (token, in_url, cookie) = match &shown {
            Shown::InUrl(t) => (t, true, false),
            Shown::Header(t) => (t, false, false),
            Shown::Cookie(t) => (t, false, true),
        };
        // the owner's token is too long to guess: it passes even while the address waits
        // (on loopback every local user has the owner's address)
        if same(token.as_bytes(), access.owner.as_bytes()) {
            if cookie && !same_origin(request.headers()) {
                return refused(access);
            }
            let path = request.uri().path();
            if in_url && is_page(path) {
                return page_with_cookie(access, path);
            }
            return next.run(request).await;
        }
        if let Some(wait) = access.throttle.wait(&by_addr) {
            return too_many(wait);
        }
        let (n, wait) = access.throttle.failed(&by_addr);
        log_failure("a wrong owner's token", None, addr, n, wait);
        return refused(access);
    }
    let Some(users) = access.users.as_ref() else {
        return refused(access);
    };
    if request.uri().path() == "/1/login" {
        return next.run(request).await;
    }
    let headers = request.headers();
    if let Some((name, password)) = basic(headers) {
        let keys: Vec<Key> = by_addr
            .iter()
            .cloned()
            .chain([Key::User(name.clone())])
            .collect();
        if let Some(wait) = access.throttle.wait(&keys) {
            return too_many(wait);
        }
        if basic_valid(users, &name, &password) {
            access.throttle.succeeded(&keys);
            return next.run(request).await;
        }
        let (n, wait) = access.throttle.failed(&keys);
        log_failure("a login", Some(&name), addr, n, wait);
        return refused(access);
    }
    let session = bearer(headers).map(str::to_string).or_else(|| {
        cookies(headers)
            .find(|(name, _)| *name == "connect.sid" || name.is_empty())
            .map(|(_, v)| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
    });
    let Some(session) = session else {
        // no credentials at all: nothing was guessed
        return refused(access);
    };
    if let Some(wait) = access.throttle.wait(&by_addr) {
        return too_many(wait);
    }
    if users.has_session(&session) {
        return next.run(request).await;
    }
    let (n, wait) = access.throttle.failed(&by_addr);
    log_failure("an unknown session", None, addr, n, wait);
    refused(access)
}

/// `POST /1/login` (form `username`, `password`): a session cookie, as the original's LDAP
/// login gives.
pub async fn login(State(state): State<FleetState>, request: Request) -> Reply {
    let access = &state.access;
    let Some(users) = access.users.as_ref() else {
        return text(200, "");
    };
    let addr = peer(&request);
    let Ok(axum::Form(form)) =
        axum::Form::<HashMap<String, String>>::from_request(request, &state).await
    else {
        return text(400, "a login is a form with username and password");
    };
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let keys: Vec<Key> = addr
        .map(Key::Address)
        .into_iter()
        .chain([Key::User(field("username").to_string())])
        .collect();
    if let Some(wait) = access.throttle.wait(&keys) {
        return too_many(wait);
    }
    if !users.valid(field("username"), field("password")) {
        let (n, wait) = access.throttle.failed(&keys);
        log_failure("a login", Some(field("username")), addr, n, wait);
        return text(401, "Authorization required");
    }
    access.throttle.succeeded(&keys);
    let Some(id) = users.new_session() else {
        return text(500, "cannot make a session");
    };
    let secure = if access.tls { "; Secure" } else { "" };
    let mut reply = text(200, "");
    if let Ok(cookie) =
        HeaderValue::from_str(&format!("connect.sid={id}; Path=/; HttpOnly{secure}"))
    {
        reply.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_taken_as_sent_or_in_the_original_clis_encoding() {
        let users = Users::parse("alice:s3cret:with:colons\nbob:S3cretPW\ncarol:a%b\n").unwrap();
        assert!(basic_valid(&users, "alice", "s3cret:with:colons"));
        // the original CLI quotes both sides
        assert!(basic_valid(&users, "alice", "s3cret%3Awith%3Acolons"));
        // a password that merely decodes to another is not that password
        assert!(!basic_valid(&users, "bob", "S3cret%50W"));
        assert!(basic_valid(&users, "bob", "S3cretPW"));
        assert!(basic_valid(&users, "carol", "a%b"));
        assert!(basic_valid(&users, "carol", "a%25b"));
        assert!(!basic_valid(&users, "carol", "a%25"));
    }

    #[test]
    fn the_token_prefix_is_taken_off_the_path() {
        let request = Request::builder()
            .uri("/token/abc/api/1/service/connect/1/health?x=1")
            .body(axum::body::Body::empty())
            .unwrap();
        let request = strip_token_prefix(request);
        assert_eq!(request.uri(), "/api/1/service/connect/1/health?x=1");
        assert_eq!(request.extensions().get::<PathToken>().unwrap().0, "abc");
        let page = strip_token_prefix(
            Request::builder()
                .uri("/token/abc")
                .body(axum::body::Body::empty())
                .unwrap(),
        );
        assert_eq!(page.uri(), "/");
    }
}
