//! A client of a fleet's Pneumo websocket (spec/rest-api.md §7.1): the handshake carries the
//! login's `Authorization` or `Cookie`, TLS is checked as for the fleet's REST calls, and a
//! read waits at most a given time.

use super::http::Tls;
use crate::error::io_error_text;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;
use tungstenite::{Message, WebSocket};

const CONNECT_WAIT: Duration = Duration::from_secs(10);

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

pub struct Socket {
    ws: WebSocket<Box<dyn Stream>>,
    tcp: TcpStream,
}

/// Accepts any certificate: the user asked for it (`-insecure`).
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls_config(tls: &Tls) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    if tls.insecure {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
            .with_no_client_auth());
    }
    let mut roots = rustls::RootCertStore::empty();
    match &tls.ca_file {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(path) => {
            use rustls::pki_types::pem::PemObject;
            let shown = path.display().to_string();
            let pem = std::fs::read(path).map_err(|e| io_error_text(&shown, &e))?;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| format!("{shown}: {e}"))?;
                roots.add(cert).map_err(|e| format!("{shown}: {e}"))?;
            }
        }
    }
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

impl Socket {
    /// Open `url` (`ws:`, `wss:`, or the `http:`/`https:` of a fleet's prefix).
    pub fn open(url: &str, tls: &Tls, headers: &[(&str, &str)]) -> Result<Socket, String> {
        let (secure, rest) = match url.split_once("://") {
            Some(("https" | "wss", rest)) => (true, rest),
            Some(("http" | "ws", rest)) => (false, rest),
            _ => return Err(format!("{url}: not an http(s) or ws(s) address")),
        };
        let authority = rest.split('/').next().unwrap_or(rest);
        let path = &rest[authority.len()..];
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => (
                h,
                p.parse::<u16>().map_err(|_| format!("bad port in {url}"))?,
            ),
            _ => (host_port, if secure { 443 } else { 80 }),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let address = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("{authority}: {e}"))?
            .next()
            .ok_or_else(|| format!("{host} has no address"))?;
        let tcp = TcpStream::connect_timeout(&address, CONNECT_WAIT)
            .map_err(|e| format!("cannot connect to {authority}: {e}"))?;
        tcp.set_read_timeout(Some(CONNECT_WAIT))
            .map_err(|e| e.to_string())?;
        let raw = tcp.try_clone().map_err(|e| e.to_string())?;
        let stream: Box<dyn Stream> = if secure {
            let name =
                ServerName::try_from(host.to_string()).map_err(|e| format!("{host}: {e}"))?;
            let conn = rustls::ClientConnection::new(Arc::new(tls_config(tls)?), name)
                .map_err(|e| e.to_string())?;
            Box::new(rustls::StreamOwned::new(conn, tcp))
        } else {
            Box::new(tcp)
        };
        let scheme = if secure { "wss" } else { "ws" };
        let mut request = tungstenite::http::Request::builder()
            .uri(format!("{scheme}://{host_port}{path}"))
            .header("Host", host_port)
            .header("Connection", "Upgrade")
            .header("Upgrade", "websocket")
            .header("Sec-WebSocket-Version", "13")
            .header(
                "Sec-WebSocket-Key",
                tungstenite::handshake::client::generate_key(),
            )
            .header("User-Agent", format!("fastscore/{}", crate::VERSION));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let request = request.body(()).map_err(|e| e.to_string())?;
        let (ws, _) = tungstenite::client::client(request, stream).map_err(|e| match e {
            tungstenite::HandshakeError::Failure(tungstenite::Error::Http(r)) => {
                format!("the websocket was refused: {}", r.status())
            }
            tungstenite::HandshakeError::Failure(tungstenite::Error::Io(io)) => {
                match super::http::untrusted_io(&io) {
                    Some(why) => format!("the certificate of {authority} is not trusted: {why}"),
                    None => format!("the websocket could not open: {io}"),
                }
            }
            other => format!("the websocket could not open: {other}"),
        })?;
        Ok(Socket { ws, tcp: raw })
    }

    /// The next message, waiting at most `wait`: `Ok(None)` when none came; an error when
    /// the socket closed.
    pub fn next(&mut self, wait: Duration) -> Result<Option<Value>, String> {
        let _ = self
            .tcp
            .set_read_timeout(Some(wait.max(Duration::from_millis(1))));
        loop {
            match self.ws.read() {
                Ok(Message::Text(text)) => {
                    if let Ok(v) = serde_json::from_str(text.as_str()) {
                        return Ok(Some(v));
                    }
                }
                Ok(Message::Close(_)) => return Err("the fleet closed the Pneumo socket".into()),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(format!("the Pneumo socket failed: {e}")),
            }
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
    }
}
