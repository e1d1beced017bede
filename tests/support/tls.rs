//! HTTPS in front of a plain-HTTP stand-in: a certificate made here (self-signed, for
//! 127.0.0.1 as an IP address), and a TLS proxy on loopback that passes each request on to
//! the stand-in.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

pub struct TlsProxy {
    /// `https://127.0.0.1:<port>`
    pub url: String,
    /// The certificate the proxy presents, in PEM.
    pub cert_pem: String,
    stop: Arc<AtomicBool>,
    port: u16,
    thread: Option<JoinHandle<()>>,
}

/// The certificate a proxy presents (self-signed, each with one fault or none).
#[derive(Clone, Copy)]
pub enum Certificate {
    /// For 127.0.0.1.
    Good,
    /// For 127.0.0.1, expired in 2020.
    Expired,
    /// For another host name only.
    OtherName,
    /// A certificate authority's, presented as the server's own.
    Authority,
}

impl TlsProxy {
    /// Serve HTTPS on a free loopback port, passing requests to `backend` (`http://host:port`).
    pub fn start(backend: &str) -> TlsProxy {
        TlsProxy::start_with(backend, Certificate::Good)
    }

    /// As `start`, presenting `certificate`.
    pub fn start_with(backend: &str, certificate: Certificate) -> TlsProxy {
        let name = match certificate {
            Certificate::OtherName => "fleet.example",
            _ => "127.0.0.1",
        };
        let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).expect("params");
        match certificate {
            Certificate::Expired => {
                params.not_before = rcgen::date_time_ymd(2019, 1, 1);
                params.not_after = rcgen::date_time_ymd(2020, 1, 1);
            }
            Certificate::Authority => {
                params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            }
            Certificate::Good | Certificate::OtherName => {}
        }
        let signing_key = rcgen::KeyPair::generate().expect("key pair");
        let made = params.self_signed(&signing_key).expect("certificate");
        let cert_pem = made.pem();
        let cert = rustls::pki_types::CertificateDer::from(made.der().to_vec());
        let key =
            rustls::pki_types::PrivateKeyDer::try_from(signing_key.serialize_der()).expect("key");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server config");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let backend = backend.trim_start_matches("http://").to_string();
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                for tcp in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(tcp) = tcp else { continue };
                    let (config, backend) = (config.clone(), backend.clone());
                    std::thread::spawn(move || {
                        let _ = pass_on(config, tcp, &backend);
                    });
                }
            })
        };
        TlsProxy {
            url: format!("https://127.0.0.1:{port}"),
            cert_pem,
            stop,
            port,
            thread: Some(thread),
        }
    }

    /// Write the certificate to `path`, for `-cacert:`.
    pub fn write_cert(&self, path: &Path) {
        std::fs::write(path, &self.cert_pem).expect("write certificate");
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // wake the accept loop
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One request over TLS, passed on to the backend with `Connection: close`; its answer
/// goes back, then the connection ends.
fn pass_on(
    config: Arc<rustls::ServerConfig>,
    tcp: TcpStream,
    backend: &str,
) -> std::io::Result<()> {
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = BufReader::new(rustls::StreamOwned::new(conn, tcp));
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if tls.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line.trim().is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if !lower.starts_with("connection:") {
            head.push_str(&line);
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut body = vec![0; length];
    tls.read_exact(&mut body)?;
    let mut upstream = TcpStream::connect(backend)?;
    upstream.write_all(head.as_bytes())?;
    upstream.write_all(&body)?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer)?;
    let tls = tls.get_mut();
    tls.write_all(&answer)?;
    tls.conn.send_close_notify();
    tls.flush()
}
