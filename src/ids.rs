//! Random identifiers: jet sandboxes, stream names, multipart boundaries, OAuth2 states.

use std::io::Read;

/// 64 random bits from the system.
pub fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    let from_system = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if from_system {
        return u64::from_le_bytes(bytes);
    }
    // no /dev/urandom: the clock and the pid still differ between calls and processes
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos.rotate_left(17) ^ u64::from(std::process::id()).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A secret: `bytes` random bytes from the system, as lowercase hex. Unlike the other
/// identifiers here it has no fallback: without /dev/urandom there is no secret.
pub fn secret_hex(bytes: usize) -> std::io::Result<String> {
    let mut raw = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut raw)?;
    Ok(raw.iter().map(|b| format!("{b:02x}")).collect())
}

/// `n` random lowercase hex digits.
pub fn random_hex(n: usize) -> String {
    let mut out = String::with_capacity(n + 16);
    while out.len() < n {
        out.push_str(&format!("{:016x}", random_u64()));
    }
    out.truncate(n);
    out
}

/// A random number in `low..=high`.
pub fn random_in(low: u64, high: u64) -> u64 {
    low + random_u64() % (high - low + 1)
}
