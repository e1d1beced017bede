//! Who may use the fleet (rest-api.md §3). Its owner always may: the token of
//! `fleet::owner` as `Authorization: Bearer`, as the path prefix `/token/<token>`, or — on
//! the page and its Pneumo websocket, which a browser cannot give headers to — as
//! `?token=<token>`. With users configured, a user may too: HTTP Basic credentials, the
//! `connect.sid` cookie of a `POST /1/login`, or that session as a bearer token. Everyone
//! else gets 401, and failed logins slow down (`throttle.rs`).
//!
//! No cookie carries the owner's token: a browser sends a host's cookies to every port of
//! it, so another local user's server would receive it.

use super::throttle::{Key, Throttle};
use super::{text, FleetState, Reply};
use crate::fleet::owner;
use crate::secret::Digest;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use base64::Engine as _;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Login sessions kept; the oldest is forgotten past this.
const MAX_SESSIONS: usize = 1000;
/// Login sessions kept per user; that user's oldest is forgotten past this.
const MAX_SESSIONS_PER_USER: usize = 16;
/// How long a login session lasts.
const SESSION_LIFE: Duration = Duration::from_secs(12 * 3600);
/// How much of a user name a log line shows.
const NAME_SHOWN: usize = 64;
/// The largest login form taken (it is read before anyone is known).
pub const MAX_LOGIN_FORM: usize = 16 << 10;

/// A login session: the digest of its id, whose it is, until when.
struct Session {
    id: Digest,
    user: String,
    until: Instant,
}

/// The fleet's users (from a file of `name:password` lines, kept as digests) and their
/// login sessions.
pub struct Users {
    passwords: Vec<(Digest, Digest)>,
    sessions: Mutex<VecDeque<Session>>,
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
            passwords: passwords
                .iter()
                .map(|(n, p)| (Digest::of(n.as_bytes()), Digest::of(p.as_bytes())))
                .collect(),
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
        let (name, password) = (Digest::of(name.as_bytes()), Digest::of(password.as_bytes()));
        // every user is compared, so timing tells nothing about which matched
        let mut ok = false;
        for (n, p) in &self.passwords {
            ok |= n.matches(&name) & p.matches(&password);
        }
        ok
    }

    fn has_session(&self, id: &str) -> bool {
        let id = Digest::of(id.as_bytes());
        let now = Instant::now();
        let mut sessions = crate::sync::lock(&self.sessions);
        sessions.retain(|s| s.until > now);
        let mut found = false;
        for s in sessions.iter() {
            found |= s.id.matches(&id);
        }
        found
    }

    /// A new session of `user`: its id.
    fn new_session(&self, user: &str) -> Option<String> {
        let id = crate::ids::secret_hex(24).ok()?;
        let mut sessions = crate::sync::lock(&self.sessions);
        let now = Instant::now();
        sessions.retain(|s| s.until > now);
        let theirs = sessions.iter().filter(|s| s.user == user).count();
        if theirs >= MAX_SESSIONS_PER_USER {
            if let Some(oldest) = sessions.iter().position(|s| s.user == user) {
                sessions.remove(oldest);
            }
        }
        if sessions.len() >= MAX_SESSIONS {
            sessions.pop_front();
        }
        sessions.push_back(Session {
            id: Digest::of(id.as_bytes()),
            user: user.to_string(),
            until: now + SESSION_LIFE,
        });
        Some(id)
    }
}

/// What the middleware checks requests against.
pub struct Access {
    owner: Digest,
    users: Option<Users>,
    throttle: Throttle,
}

impl Access {
    pub fn new(owner: &str, users: Option<Users>) -> Access {
        Access {
            owner: Digest::of(owner.as_bytes()),
            users,
            throttle: Throttle::default(),
        }
    }

    pub fn has_users(&self) -> bool {
        self.users.is_some()
    }

    fn is_owner(&self, token: &str) -> bool {
        Digest::of(token.as_bytes()).matches(&self.owner)
    }
}

/// The client's address, which the accept loop gives every request.
fn peer(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<crate::serve::Peer>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |p| p.0.ip())
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

/// Where a browser cannot send a header: the page, and the Pneumo websocket it opens.
fn takes_query_token(path: &str) -> bool {
    matches!(path, "/" | "/dashboard" | "/api/1/service/connect/2/pneumo")
}

/// The owner's token as the request shows it, if it does (a bearer token may be a user's
/// login session instead, when there are users).
fn shown_token(access: &Access, request: &Request) -> Option<String> {
    if let Some(PathToken(t)) = request.extensions().get::<PathToken>() {
        return Some(t.clone());
    }
    if takes_query_token(request.uri().path()) {
        let query = request.uri().query().unwrap_or("");
        if let Some((_, t)) = crate::fleet::http::parse_query(query)
            .into_iter()
            .find(|(k, _)| k == "token")
        {
            return Some(t);
        }
    }
    bearer(request.headers())
        .filter(|t| access.users.is_none() || access.is_owner(t))
        .map(str::to_string)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    // the original SDK may send "Bearer Bearer <token>"
    let token = auth.strip_prefix("Bearer ")?.trim();
    Some(token.strip_prefix("Bearer ").unwrap_or(token).trim())
}

/// The login session a request shows: a bearer token, or the `connect.sid` cookie (or,
/// as the original SDK sends it, a bare cookie value).
fn session(headers: &HeaderMap) -> Option<String> {
    if let Some(t) = bearer(headers) {
        return Some(t.to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(|c| {
            let c = c.trim();
            c.split_once('=').unwrap_or(("", c))
        })
        .find(|(name, _)| *name == "connect.sid" || name.is_empty())
        .map(|(_, v)| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
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
        (Some(n), Some(p)) if (n.as_str(), p.as_str()) != (name, password) => users.valid(&n, &p),
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

/// Why a request is not let through.
enum Denied {
    /// No credentials, or wrong ones: 401.
    Refused,
    /// Failed logins from there: it must wait this long (429).
    Wait(Duration),
}

impl Denied {
    fn reply(self, access: &Access) -> Reply {
        match self {
            Denied::Refused => refused(access),
            Denied::Wait(wait) => too_many(wait),
        }
    }
}

/// A try with user name `name` (if any) from `addr`: refused while it must wait; else
/// `check` decides, and a failure is counted and logged (the name tried, never the
/// password).
fn throttled(
    access: &Access,
    what: &str,
    name: Option<&str>,
    addr: IpAddr,
    check: impl FnOnce() -> bool,
) -> Result<(), Denied> {
    let user_key = name.and_then(|n| Key::user_at(n, addr));
    let keys: Vec<Key> = std::iter::once(Key::address(addr))
        .chain(user_key.clone())
        .collect();
    if let Some(wait) = access.throttle.wait(&keys) {
        return Err(Denied::Wait(wait));
    }
    if check() {
        access
            .throttle
            .succeeded(&user_key.into_iter().collect::<Vec<_>>());
        return Ok(());
    }
    let (n, wait) = access.throttle.failed(&keys);
    let who = name
        .map(|n| {
            let shown: String = n.chars().take(NAME_SHOWN).collect();
            format!(" for {shown:?}")
        })
        .unwrap_or_default();
    let next = if wait.is_zero() {
        String::new()
    } else {
        format!("; the next try waits {} s", wait.as_secs())
    };
    eprintln!("fleet: refused {what}{who} from {addr} ({n} in a row{next})");
    Err(Denied::Refused)
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

/// Pass the request on, or answer why not.
fn decide(access: &Access, request: &Request) -> Result<(), Denied> {
    let addr = peer(request);
    if let Some(token) = shown_token(access, request) {
        // the owner's token is too long to guess: it passes even while the address waits
        // (on loopback every local user has the owner's address)
        if access.is_owner(&token) {
            return Ok(());
        }
        return throttled(access, "a wrong owner's token", None, addr, || false);
    }
    let Some(users) = access.users.as_ref() else {
        return Err(Denied::Refused);
    };
    if request.uri().path() == "/1/login" {
        return Ok(());
    }
    let headers = request.headers();
    if let Some((name, password)) = basic(headers) {
        return throttled(access, "a login", Some(&name), addr, || {
            basic_valid(users, &name, &password)
        });
    }
    match session(headers) {
        // a valid session is never held back by others' failures
        Some(id) if users.has_session(&id) => Ok(()),
        Some(_) => throttled(access, "an unknown session", None, addr, || false),
        // no credentials at all: nothing was guessed
        None => Err(Denied::Refused),
    }
}

/// The middleware: the owner and (with users) the users pass, others get 401.
pub async fn check(
    State(state): State<FleetState>,
    request: Request,
    next: axum::middleware::Next,
) -> Reply {
    match decide(&state.access, &request) {
        Ok(()) => next.run(request).await,
        Err(denied) => denied.reply(&state.access),
    }
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
    let (name, password) = (field("username"), field("password"));
    match throttled(access, "a login", Some(name), addr, || {
        users.valid(name, password)
    }) {
        Ok(()) => {}
        // the original's login answers 401 with its own words
        Err(Denied::Refused) => return text(401, "Authorization required"),
        Err(wait) => return wait.reply(access),
    }
    let Some(id) = users.new_session(name) else {
        return text(500, "cannot make a session");
    };
    let mut reply = text(200, "");
    if let Ok(cookie) = HeaderValue::from_str(&format!("connect.sid={id}; Path=/; HttpOnly")) {
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

    #[test]
    fn sessions_expire_and_one_user_cannot_push_out_the_others() {
        let users = Users::parse("alice:a\nbob:b\n").unwrap();
        let bobs = users.new_session("bob").unwrap();
        for _ in 0..(MAX_SESSIONS * 2) {
            users.new_session("alice").unwrap();
        }
        assert!(users.has_session(&bobs));
        assert!(!users.has_session("nope"));
        crate::sync::lock(&users.sessions)
            .iter_mut()
            .for_each(|s| s.until = Instant::now());
        assert!(!users.has_session(&bobs));
    }
}
