//! The secret of a fleet's owner. `fleet serve` keeps it in `<data directory>/fleet/token`
//! (mode 0600, made on first start and kept, so saved connections survive restarts); a
//! request shows it as `Authorization: Bearer <token>`, as the path prefix `/token/<token>`
//! (a proxy prefix the original CLI and SDK carry into every URL, websocket included), or
//! as the cookie the dashboard's page gets from `/?token=<token>`. Our CLI sends it itself
//! when it talks to a fleet its own data directory serves.

use std::path::{Path, PathBuf};

/// The path segment before the token in a URL (`https://host:8000/token/<token>`).
pub const PATH_SEGMENT: &str = "token";

/// Where the token is kept.
pub fn token_path(home: &Path) -> PathBuf {
    home.join("fleet").join("token")
}

/// Where a running fleet server of this home records its URL and pid (`fastscore
/// dashboard` reads it).
pub fn record_path(home: &Path) -> PathBuf {
    home.join("fleet").join("server.json")
}

/// The owner's token of `home`, made (32 random bytes, hex) the first time.
pub fn load_or_make(home: &Path) -> std::io::Result<String> {
    let path = token_path(home);
    if let Some(token) = read(home) {
        return Ok(token);
    }
    std::fs::create_dir_all(home.join("fleet"))?;
    let token = crate::ids::secret_hex(32)?;
    crate::fsutil::write_atomic(&path, token.as_bytes(), Some(0o600))?;
    Ok(token)
}

/// The token of `home`, if it has one.
pub fn read(home: &Path) -> Option<String> {
    let text = std::fs::read_to_string(token_path(home)).ok()?;
    let token = text.trim();
    (token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| token.into())
}

/// The token to send to the fleet at `prefix`, when it is the one this user's own data
/// directory serves (its recorded URL is `prefix`).
pub fn token_for(prefix: &str) -> Option<String> {
    let home = crate::config::local_home().ok()?;
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(record_path(&home)).ok()?).ok()?;
    let served = record["url"].as_str()?;
    (served.trim_end_matches('/') == prefix.trim_end_matches('/'))
        .then(|| read(&home))
        .flatten()
}

/// `prefix/token/<token>`: the proxy prefix that carries the token.
pub fn prefix_with_token(prefix: &str, token: &str) -> String {
    format!("{}/{PATH_SEGMENT}/{token}", prefix.trim_end_matches('/'))
}
