//! Comparing secrets (tokens, passwords, session ids) without giving away, by timing, how
//! much of one matched or how long it is: both sides are hashed to SHA-256 and the digests
//! compared in constant time.

use subtle::ConstantTimeEq;

/// The SHA-256 digest of a secret: what is kept of it and compared.
#[derive(Clone, Copy)]
pub struct Digest([u8; 32]);

impl Digest {
    pub fn of(secret: &[u8]) -> Digest {
        let mut out = [0u8; 32];
        out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, secret).as_ref());
        Digest(out)
    }

    /// Equal, in constant time.
    pub fn matches(&self, other: &Digest) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

/// Whether `given` is `expected`.
pub fn same(given: &[u8], expected: &[u8]) -> bool {
    Digest::of(given).matches(&Digest::of(expected))
}

#[cfg(test)]
mod tests {
    #[test]
    fn equal_only_when_equal() {
        assert!(super::same(b"s3cret", b"s3cret"));
        assert!(!super::same(b"s3cret", b"s3cre"));
        assert!(!super::same(b"", b"x"));
        assert!(super::same(b"", b""));
    }
}
