//! The secret of a fleet's owner. `fleet serve` keeps it in `<data directory>/fleet/token`
//! (mode 0600, made on first start and kept, so saved connections survive restarts); a
//! request shows it as `Authorization: Bearer <token>`, as the path prefix `/token/<token>`
//! (a proxy prefix the original CLI and SDK carry into every URL, websocket included), or,
//! for the page and its websocket only, as `?token=<token>`. Our CLI sends it itself to the
//! fleet server its own data directory runs — once it has made sure that server is still
//! the process that wrote the record, so a stale record never hands the token to whoever
//! listens on that port now.

use std::path::{Path, PathBuf};

/// The path segment before the token in a URL (`https://host:8000/token/<token>`).
pub const PATH_SEGMENT: &str = "token";

/// Where the token is kept.
pub fn token_path(home: &Path) -> PathBuf {
    home.join("fleet").join("token")
}

/// Where a running fleet server of this home records its URL and process (`fastscore
/// dashboard` and `Remote` read it).
pub fn record_path(home: &Path) -> PathBuf {
    home.join("fleet").join("server.json")
}

/// The owner's token of `home`, made (32 random bytes, hex) the first time.
pub fn load_or_make(home: &Path) -> std::io::Result<String> {
    if let Some(token) = read(home) {
        return Ok(token);
    }
    std::fs::create_dir_all(home.join("fleet"))?;
    let token = crate::ids::secret_hex(32)?;
    crate::fsutil::write_atomic(&token_path(home), token.as_bytes(), Some(0o600))?;
    Ok(token)
}

/// The token of `home`, if it has one.
pub fn read(home: &Path) -> Option<String> {
    let text = std::fs::read_to_string(token_path(home)).ok()?;
    let token = text.trim();
    (token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| token.into())
}

/// Record that this process serves `home`'s fleet at `url` (mode 0600).
pub fn write_record(home: &Path, url: &str) -> std::io::Result<()> {
    let pid = std::process::id();
    let doc = serde_json::json!({
        "url": url,
        "pid": pid,
        "start_time": super::launcher::start_time(pid),
    });
    std::fs::create_dir_all(home.join("fleet"))?;
    crate::fsutil::write_atomic(&record_path(home), doc.to_string().as_bytes(), Some(0o600))
}

/// Remove the record if this process wrote it (another server may have replaced it).
pub fn remove_record(home: &Path) {
    let path = record_path(home);
    let ours = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|d| d["pid"] == std::process::id());
    if ours {
        let _ = std::fs::remove_file(path);
    }
}

/// The URL of the fleet server of `home`, when its record names a process that is still
/// that server (`fastscore fleet serve`, same pid and start time).
pub fn running_server(home: &Path) -> Option<String> {
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(record_path(home)).ok()?).ok()?;
    let pid = u32::try_from(record["pid"].as_u64()?).ok()?;
    let alive = super::launcher::runs(pid, record["start_time"].as_u64(), |words| {
        matches!(words, ["fleet", "serve", ..])
    });
    alive.then(|| record["url"].as_str().map(str::to_string))?
}

/// The token to send to the fleet at `prefix`, when it is the one this user's own data
/// directory serves now.
pub fn token_for(prefix: &str) -> Option<String> {
    let home = crate::config::local_home().ok()?;
    let served = running_server(&home)?;
    (served.trim_end_matches('/') == prefix.trim_end_matches('/'))
        .then(|| read(&home))
        .flatten()
}
