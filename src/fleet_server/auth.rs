//! Who may use the fleet (rest-api.md §3): with users configured, every request carries HTTP
//! Basic credentials, the `connect.sid` cookie of a `POST /1/login`, or that session as a
//! bearer token; others get 401. With none configured the server listens on loopback only.

use super::{text, FleetState, Reply};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use base64::Engine as _;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Login sessions kept; the oldest is forgotten past this.
const MAX_SESSIONS: usize = 1000;

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
            ok |= same(n.as_bytes(), name.as_bytes()) & same(p.as_bytes(), password.as_bytes());
        }
        ok
    }

    fn has_session(&self, id: &str) -> bool {
        crate::sync::lock(&self.sessions)
            .iter()
            .any(|s| same(s.as_bytes(), id.as_bytes()))
    }
}

/// Compare without giving away, by timing, how much of a secret matched.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn decode(part: &str) -> String {
    percent_encoding::percent_decode_str(part)
        .decode_utf8_lossy()
        .into_owned()
}

/// Whether the request carries credentials of a user or a session.
fn allowed(users: &Users, headers: &HeaderMap) -> bool {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(auth) = header(axum::http::header::AUTHORIZATION) {
        if let Some(basic) = auth.strip_prefix("Basic ") {
            // the original CLI percent-encodes name and password before base64
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(basic.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            if let Some((name, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                return users.valid(&decode(name), &decode(password));
            }
            return false;
        }
        // the original SDK may send "Bearer Bearer <token>"
        let mut token = auth.trim();
        for _ in 0..2 {
            token = token.strip_prefix("Bearer ").unwrap_or(token).trim();
        }
        return users.has_session(token);
    }
    header(axum::http::header::COOKIE).is_some_and(|cookies| {
        cookies.split(';').any(|c| {
            let c = c.trim();
            let value = c.strip_prefix("connect.sid=").unwrap_or(c);
            users.has_session(&decode(value))
        })
    })
}

/// The middleware: 401 without valid credentials when users are configured.
pub async fn check(
    State(state): State<FleetState>,
    request: Request,
    next: axum::middleware::Next,
) -> Reply {
    let Some(users) = state.users.as_ref() else {
        return next.run(request).await;
    };
    if request.uri().path() == "/1/login" || allowed(users, request.headers()) {
        return next.run(request).await;
    }
    let mut refused = text(401, "Authorization required");
    refused.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Basic realm=\"FastScore\""),
    );
    refused
}

/// `POST /1/login` (form `username`, `password`): a session cookie, as the original's LDAP
/// login gives.
pub async fn login(
    State(state): State<FleetState>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Reply {
    let Some(users) = state.users.as_ref() else {
        return text(200, "");
    };
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if !users.valid(field("username"), field("password")) {
        return text(401, "Authorization required");
    }
    let Ok(id) = crate::ids::secret_hex(24) else {
        return text(500, "cannot make a session");
    };
    {
        let mut sessions = crate::sync::lock(&users.sessions);
        if sessions.len() >= MAX_SESSIONS {
            sessions.pop_front();
        }
        sessions.push_back(id.clone());
    }
    let mut reply = text(200, "");
    if let Ok(cookie) =
        axum::http::HeaderValue::from_str(&format!("connect.sid={id}; Path=/; HttpOnly; Secure"))
    {
        reply
            .headers_mut()
            .insert(axum::http::header::SET_COOKIE, cookie);
    }
    reply
}
