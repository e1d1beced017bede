//! File writes that never leave a half-written file behind, and lock files taken with a
//! time limit.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// Lock `file` (exclusively), waiting at most `limit` for whoever holds it.
pub fn lock_within(file: &std::fs::File, limit: Duration) -> std::io::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "another fastscore command has held it for over {} s",
                        limit.as_secs()
                    ),
                ))
            }
        }
    }
}

/// Write `bytes` to a temporary file next to `path`, flush it to disk, then rename it over
/// `path`. `mode` sets the permission bits of the new file (e.g. 0o600 for secrets).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".fastscore-tmp-");
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
