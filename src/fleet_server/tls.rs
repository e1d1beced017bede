//! The fleet's HTTPS: the user's certificate and key, or a self-signed pair made on first
//! start and kept (mode 0600) under `$FASTSCORE_HOME/fleet/`.

use crate::error::{Error, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the certificate and key come from.
pub enum Source {
    Given {
        cert: PathBuf,
        key: PathBuf,
    },
    /// Made on first start in this directory, with these host names and addresses.
    SelfSigned {
        dir: PathBuf,
        names: Vec<String>,
    },
}

/// The TLS acceptor, and the certificate file clients may trust (`connect -cacert:`).
pub fn acceptor(source: &Source) -> Result<(tokio_rustls::TlsAcceptor, PathBuf)> {
    let (cert, key) = match source {
        Source::Given { cert, key } => (cert.clone(), key.clone()),
        Source::SelfSigned { dir, names } => self_signed(dir, names)?,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .and_then(|certs| certs.collect())
        .map_err(|e| {
            Error::new(format!("Cannot read the certificate {}", cert.display()))
                .caused_by(e.to_string())
        })?;
    let private = PrivateKeyDer::from_pem_file(&key).map_err(|e| {
        Error::new(format!("Cannot read the private key {}", key.display()))
            .caused_by(e.to_string())
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, private))
        .map_err(|e| Error::new("Cannot use the certificate and key").caused_by(e.to_string()))?;
    Ok((tokio_rustls::TlsAcceptor::from(Arc::new(config)), cert))
}

/// `cert.pem` and `key.pem` in `dir`, made when missing.
fn self_signed(dir: &Path, names: &[String]) -> Result<(PathBuf, PathBuf)> {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    let failed = |e: String| Error::new("Cannot make the fleet's certificate").caused_by(e);
    let made =
        rcgen::generate_simple_self_signed(names.to_vec()).map_err(|e| failed(e.to_string()))?;
    std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
    crate::fsutil::write_atomic(
        &key,
        made.signing_key.serialize_pem().as_bytes(),
        Some(0o600),
    )
    .map_err(|e| failed(e.to_string()))?;
    crate::fsutil::write_atomic(&cert, made.cert.pem().as_bytes(), Some(0o600))
        .map_err(|e| failed(e.to_string()))?;
    Ok((cert, key))
}
