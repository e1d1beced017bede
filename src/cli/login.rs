//! `login basicauth|ldap|oauth2|sessioncookie`: obtain a secret and keep it in `~/.fastscore`.

use super::{prompt, Ctx};
use crate::config;
use crate::error::{Context, Error, Result};
use crate::fleet::http::{parse_query, percent_decode, query, segment};
use base64::Engine as _;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

pub fn login(ctx: &mut Ctx, mode: &str) -> Result<()> {
    if !["basicauth", "ldap", "oauth2", "sessioncookie"].contains(&mode) {
        return Err(Error::new(format!(
            "Unknown authentication mode: {mode} (use basicauth, ldap, oauth2 or sessioncookie)"
        )));
    }
    if ctx.connection()?.is_embedded() {
        return Err(Error::new(
            "The embedded fleet needs no login (use 'fastscore connect <proxy-url>' first)",
        ));
    }
    match mode {
        "basicauth" => basicauth(ctx),
        "ldap" => ldap(ctx),
        "oauth2" => oauth2(ctx),
        _ => session_cookie(ctx),
    }
}

fn credentials(ctx: &Ctx) -> Result<(String, String)> {
    let username = match &ctx.opts.username {
        Some(u) => u.clone(),
        None => prompt::ask_plain("Username")?,
    };
    let password = match &ctx.opts.password {
        Some(p) => p.clone(),
        None => prompt::secret("Password", None)?,
    };
    Ok((username, password))
}

/// Python's `urllib.quote` with `/` safe: what the original encodes credentials with.
fn quote(text: &str) -> String {
    segment(text).replace("%2F", "/")
}

fn basicauth(ctx: &mut Ctx) -> Result<()> {
    let (username, password) = credentials(ctx)?;
    if username.contains(':') {
        return Err(Error::new("invalid username"));
    }
    let pair = format!("{}:{}", quote(&username), quote(&password));
    let secret = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    );
    ctx.update_connection(|c| c.basic_auth_secret = Some(secret))
}

/// The LDAP session is kept as the `connect.sid` cookie, which later commands send.
fn ldap(ctx: &mut Ctx) -> Result<()> {
    let (username, password) = credentials(ctx)?;
    let prefix = ctx.connection()?.proxy_prefix.clone();
    let client = ctx.web_client()?;
    let form = query(&[("username", username), ("password", password)]);
    let response = client
        .fetch(
            "POST",
            &format!("{prefix}/1/login"),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            Some(form.as_bytes()),
        )
        .context(|| "Access denied".into())?
        .success()
        .context(|| "Access denied".into())?;
    let cookie = response
        .header("Set-Cookie")
        .and_then(|c| c.split(';').next())
        .filter(|c| c.contains('='))
        .ok_or_else(|| Error::new("Access denied").caused_by("no session cookie in the answer"))?
        .to_string();
    ctx.update_connection(|c| c.session_cookie = Some(cookie))
}

const CALLBACK_PATH: &str = "/auth_callback";

/// Port of the local server the browser is sent back to (1234, as the original).
fn callback_port() -> u16 {
    std::env::var("FASTSCORE_LOGIN_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(1234)
}

fn callback_url() -> String {
    format!("http://localhost:{}{CALLBACK_PATH}", callback_port())
}

/// A small YAML file of string settings next to `~/.fastscore` (mode 0600: it holds secrets).
struct Settings {
    path: std::path::PathBuf,
    values: serde_json::Map<String, Value>,
}

impl Settings {
    fn load(name: &str) -> Result<Settings> {
        let path = config::home_file(name)?;
        let values = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| crate::yaml::parse(&t).ok().flatten())
            .and_then(|node| match node.to_json() {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .unwrap_or_default();
        Ok(Settings { path, values })
    }

    fn get(&self, key: &str) -> Option<String> {
        self.values
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !matches!(*v, "" | "null" | "~" | "None"))
            .map(str::to_string)
    }

    fn set(&mut self, key: &str, value: &str) {
        self.values.insert(key.into(), Value::String(value.into()));
    }

    fn save(&self) -> Result<()> {
        let text = crate::yaml::dump(
            &Value::Object(self.values.clone()),
            crate::yaml::Style {
                allow_unicode: true,
            },
        );
        crate::fsutil::write_atomic(&self.path, text.as_bytes(), Some(0o600)).map_err(|e| {
            Error::new(format!("Cannot save {}", self.path.display())).caused_by(e.to_string())
        })
    }
}

fn oauth2(ctx: &mut Ctx) -> Result<()> {
    println!(
        "Please make sure {} is a whitelisted redirect_uri in your OAuth provider settings.",
        callback_url()
    );
    let mut s = Settings::load(".fastscore.oauth2")?;
    let client_id = prompt::ask("Client ID", s.get("client-id").as_deref())?;
    s.set("client-id", &client_id);
    let needs_secret = prompt::yes_no(
        "Does your OAuth provider require a Client Secret to perform an Authorization Code Grant Flow? [Y/N]",
        s.get("requires-client-secret").is_none_or(|v| v != "false"),
    )?;
    s.set(
        "requires-client-secret",
        if needs_secret { "true" } else { "false" },
    );
    let client_secret = if needs_secret {
        let secret = prompt::secret("Client Secret", s.get("client-secret").as_deref())?;
        s.set("client-secret", &secret);
        Some(secret)
    } else {
        None
    };
    let discovery = prompt::yes_no(
        "Does your OAuth provider have a discovery endpoint? [Y/N]",
        s.get("has-discovery-endpoint").is_some_and(|v| v == "true"),
    )?;
    s.set(
        "has-discovery-endpoint",
        if discovery { "true" } else { "false" },
    );
    if discovery {
        let endpoint = prompt::ask("Discovery Endpoint", s.get("discovery-endpoint").as_deref())?;
        s.set("discovery-endpoint", &endpoint);
        ctx.verbose("Fetching authorization_url, token_url, scope from discovery endpoint");
        let found = ctx
            .web_client()?
            .fetch("GET", &endpoint, &[("Accept", "application/json")], None)
            .ok()
            .filter(|r| r.is_success())
            .map(|r| r.json())
            .and_then(|doc| {
                let text = |v: &Value| v.as_str().map(str::to_string);
                Some((
                    text(doc.get("authorization_endpoint")?)?,
                    text(doc.get("token_endpoint")?)?,
                    text(doc.get("scopes_supported")?.get(0)?)?,
                ))
            })
            .ok_or_else(|| Error::new("Unable to fetch config from discovery endpoint"))?;
        ctx.verbose(&format!(
            "Got authorization-url: {}\nGot token-url: {}\nGot scope: {}",
            found.0, found.1, found.2
        ));
        s.set("authorization-url", &found.0);
        s.set("token-url", &found.1);
        s.set("scope", &found.2);
    } else {
        println!("\nSince your OAuth provider does not have a discovery endpoint,\nyou will need to provide the following information manually.");
        for (label, key) in [
            ("Authorization Endpoint", "authorization-url"),
            ("Token Endpoint", "token-url"),
            ("Authorization Scope", "scope"),
        ] {
            let current = s
                .get(key)
                .or_else(|| (key == "scope").then(|| "email".into()));
            let answer = prompt::ask(label, current.as_deref())?;
            s.set(key, &answer);
        }
    }
    s.save()?;

    let state = crate::ids::random_hex(32);
    let mut authorize = s.get("authorization-url").unwrap_or_default();
    authorize.push(if authorize.contains('?') { '&' } else { '?' });
    authorize.push_str(&query(&[
        ("response_type", "code".into()),
        ("client_id", client_id.clone()),
        ("redirect_uri", callback_url()),
        ("scope", s.get("scope").unwrap_or_default()),
        ("state", state.clone()),
    ]));
    let callback = browser_round_trip(&authorize)?;
    let params = parse_query(callback.query.as_deref().unwrap_or(""));
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if param("state").as_deref() != Some(state.as_str()) {
        return Err(Error::new("Authentication failed")
            .caused_by("the answer does not match the request (state)"));
    }
    let code = param("code").ok_or_else(|| {
        Error::new("Authentication failed")
            .caused_by(param("error").unwrap_or_else(|| "no authorization code".into()))
    })?;
    let mut form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code),
        ("redirect_uri", callback_url()),
        ("client_id", client_id),
    ];
    if let Some(secret) = client_secret {
        form.push(("client_secret", secret));
    }
    let token_url = s.get("token-url").unwrap_or_default();
    let token = ctx
        .web_client()?
        .fetch(
            "POST",
            &token_url,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
            ],
            Some(query(&form).as_bytes()),
        )
        .context(|| "Unable to obtain an access token".into())?
        .success()
        .context(|| "Unable to obtain an access token".into())?
        .json();
    let access = token
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Error::new("Unable to obtain an access token")
                .caused_by("the answer has no access_token")
        })?
        .to_string();
    ctx.update_connection(|c| c.oauth2_secret = Some(format!("Bearer {access}")))?;
    println!("{}", ctx.out.ok("Authentication successful"));
    Ok(())
}

fn session_cookie(ctx: &mut Ctx) -> Result<()> {
    println!(
        "Please make sure that {} is a whitelisted redirect_uri.",
        callback_url()
    );
    let mut s = Settings::load(".fastscore.sessioncookie")?;
    let login_url = prompt::ask("Login URL", s.get("login-url").as_deref())?;
    s.set("login-url", &login_url);
    let full = with_redirects(&login_url);
    ctx.verbose(&format!("Full login url: {full}"));
    s.save()?;
    let callback = browser_round_trip(&full)?;
    let cookie = callback.cookie.ok_or_else(|| {
        Error::new("Authentication failed").caused_by("the browser sent no cookie")
    })?;
    ctx.update_connection(|c| c.session_cookie = Some(cookie))?;
    println!("{}", ctx.out.ok("Authentication successful"));
    Ok(())
}

/// The login URL with every redirect parameter pointing at our callback.
fn with_redirects(url: &str) -> String {
    let url = percent_decode(url);
    let (base, q) = url.split_once('?').unwrap_or((&url, ""));
    let mut params = parse_query(q);
    for key in ["redirect_uri", "redirect_url", "url", "redirect"] {
        match params.iter_mut().find(|(k, _)| k == key) {
            Some(p) => p.1 = callback_url(),
            None => params.push((key.to_string(), callback_url())),
        }
    }
    let pairs: Vec<(&str, String)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    format!("{base}?{}", query(&pairs))
}

/// What the browser brought back to the callback.
struct Callback {
    query: Option<String>,
    cookie: Option<String>,
}

/// Serve `/` (a redirect to `start`) and the callback on the local port until the browser
/// comes back.
fn browser_round_trip(start: &str) -> Result<Callback> {
    let port = callback_port();
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        Error::new(format!("Cannot listen on localhost:{port}")).caused_by(e.to_string())
    })?;
    let home = format!("http://localhost:{port}/");
    println!("Please open {home} in your browser to authenticate.");
    let _ = std::process::Command::new("xdg-open")
        .arg(&home)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let Some((path, cookie)) = read_request(&stream) else {
            continue;
        };
        let (route, q) = match path.split_once('?') {
            Some((r, q)) => (r.to_string(), Some(q.to_string())),
            None => (path.clone(), None),
        };
        if route == "/" {
            respond(&mut stream, "302 Found", &[("Location", start)], "");
        } else if route == CALLBACK_PATH {
            respond(
                &mut stream,
                "200 OK",
                &[("Content-Type", "text/html")],
                "Authentication successful. You may now close this tab",
            );
            return Ok(Callback { query: q, cookie });
        } else {
            let body = format!("Unexpected path, please login at http://localhost:{port}");
            respond(
                &mut stream,
                "404 Not Found",
                &[("Content-Type", "text/plain")],
                &body,
            );
        }
    }
    Err(Error::new("Authentication failed").caused_by("the local login server stopped"))
}

/// The request path and its Cookie header.
fn read_request(stream: &TcpStream) -> Option<(String, Option<String>)> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut cookie = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("cookie") {
                cookie = Some(value.trim().to_string());
            }
        }
    }
    Some((path, cookie))
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &str) {
    let mut text = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    let _ = stream.write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_secret_quotes_like_the_original() {
        let pair = format!("{}:{}", quote("bob"), quote("p@ss"));
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(pair),
            "Ym9iOnAlNDBzcw=="
        );
        assert_eq!(quote("a/b c"), "a/b%20c");
    }

    #[test]
    fn redirects_are_replaced_in_place_then_added() {
        let url = with_redirects("https://idp/login?url=x&a=1");
        assert!(
            url.starts_with("https://idp/login?url=http%3A%2F%2Flocalhost%3A"),
            "{url}"
        );
        assert!(url.contains("&a=1&redirect_uri="));
    }
}
