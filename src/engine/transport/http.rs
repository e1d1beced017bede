//! `HTTP`: reads the resource at `Url` (spec/engine.md §5.3); input only. The body is a byte
//! stream framed by the envelope; with `Chunked: true` the server's
//! `Transfer-Encoding: chunked` chunks are the records. Certificates are verified.

use super::{Direction, Interrupt, Source, Transport};
use crate::engine::envelope::MAX_RECORD;
use crate::sync::lock;
use serde_json::{json, Map, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long connecting and the answer's head may take.
const CONNECT_WAIT: Duration = Duration::from_secs(30);
/// The longest line of the answer's head.
const MAX_LINE: usize = 16 << 10;

#[derive(Debug)]
struct Http {
    url: String,
    chunked: bool,
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Transport>, String> {
    let url = super::string_param(params, "HTTP", "Url")?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!(
            "the HTTP Url must be http:// or https://, not '{url}'"
        ));
    }
    let chunked = match super::param(params, "Chunked") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("the HTTP Chunked must be true or false".into()),
    };
    Ok(Arc::new(Http { url, chunked }))
}

impl Transport for Http {
    fn name(&self) -> &'static str {
        "http"
    }

    fn direction(&self) -> Direction {
        Direction::Input
    }

    fn preserves_boundaries(&self) -> bool {
        self.chunked
    }

    fn internal(&self) -> Value {
        json!({"type": "http", "url": self.url, "chunked": self.chunked})
    }

    fn open_source(&self) -> Result<Option<Box<dyn Source>>, String> {
        if !self.chunked {
            // a plain byte stream: ureq reads it (redirects, TLS, de-chunking)
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_connect(Some(CONNECT_WAIT))
                .timeout_recv_response(Some(CONNECT_WAIT))
                .build()
                .into();
            let response = agent
                .get(&self.url)
                .call()
                .map_err(|e| format!("GET {}: {e}", self.url))?;
            let reader = response.into_body().into_reader();
            return Ok(Some(Box::new(BodySource(Box::new(reader)))));
        }
        let (stream, raw) = connect(&self.url)?;
        let mut reader = BufReader::new(stream);
        let chunks = read_head(&mut reader, &self.url)?;
        if !chunks {
            return Err(format!(
                "{} did not answer in chunks (Transfer-Encoding: chunked)",
                self.url
            ));
        }
        Ok(Some(Box::new(ChunkSource {
            reader,
            raw: Arc::new(Mutex::new(Some(raw))),
            done: false,
        })))
    }
}

/// A connection to the URL's host with the GET request sent: the stream to read the answer
/// from (TLS for https), and the TCP socket under it (to shut it on a reset).
fn connect(url: &str) -> Result<(Box<dyn Read + Send>, TcpStream), String> {
    let (tls, rest) = match url.split_once("://") {
        Some(("https", rest)) => (true, rest),
        Some((_, rest)) => (false, rest),
        None => (false, url),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (
            h,
            p.parse::<u16>().map_err(|_| format!("bad port in {url}"))?,
        ),
        _ => (authority, if tls { 443 } else { 80 }),
    };
    let address = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .map_err(|e| format!("{url}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} has no address"))?;
    let tcp = TcpStream::connect_timeout(&address, CONNECT_WAIT)
        .map_err(|e| format!("cannot connect to {authority}: {e}"))?;
    let raw = tcp.try_clone().map_err(|e| e.to_string())?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: fastscore/{}\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n",
        crate::VERSION
    );
    let mut stream: Box<dyn ReadWrite> = if tls {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|e| format!("{host}: {e}"))?;
        let conn =
            rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
        Box::new(rustls::StreamOwned::new(conn, tcp))
    } else {
        Box::new(tcp)
    };
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("GET {url}: {e}"))?;
    Ok((Box::new(ReadOnly(stream)), raw))
}

trait ReadWrite: Read + Write + Send {}
impl<T: Read + Write + Send> ReadWrite for T {}

struct ReadOnly(Box<dyn ReadWrite>);

impl Read for ReadOnly {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

fn read_line(reader: &mut impl BufRead) -> Result<String, String> {
    let mut line = Vec::new();
    reader
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .map_err(|e| e.to_string())?;
    if !line.ends_with(b"\n") {
        return Err("the answer ended in the middle of a line".into());
    }
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

/// The answer's head: a 2xx status; whether the body comes in chunks.
fn read_head(reader: &mut impl BufRead, url: &str) -> Result<bool, String> {
    let status = read_line(reader).map_err(|e| format!("GET {url}: {e}"))?;
    let code = status.split_whitespace().nth(1).unwrap_or("");
    if !code.starts_with('2') {
        return Err(format!("GET {url} answered {status}"));
    }
    let mut chunked = false;
    loop {
        let line = read_line(reader).map_err(|e| format!("GET {url}: {e}"))?;
        if line.is_empty() {
            return Ok(chunked);
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("transfer-encoding") {
                chunked |= value.to_ascii_lowercase().contains("chunked");
            }
        }
    }
}

struct BodySource(Box<dyn Read + Send>);

impl Source for BodySource {
    fn read(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        super::file::read_chunk(&mut self.0)
    }
}

/// Each chunk of the answer is one record.
struct ChunkSource {
    reader: BufReader<Box<dyn Read + Send>>,
    raw: Arc<Mutex<Option<TcpStream>>>,
    done: bool,
}

impl Source for ChunkSource {
    fn read(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let bad = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
        let line = read_line(&mut self.reader).map_err(bad)?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| bad(format!("'{line}' is not a chunk size")))?;
        if size == 0 {
            self.done = true;
            return Ok(None);
        }
        if size > MAX_RECORD {
            return Err(bad(format!(
                "a chunk of {size} bytes: records are at most {MAX_RECORD}"
            )));
        }
        let mut chunk = vec![0u8; size];
        self.reader.read_exact(&mut chunk)?;
        let mut crlf = [0u8; 2];
        self.reader.read_exact(&mut crlf)?;
        Ok(Some(chunk))
    }

    fn interrupter(&self) -> Option<Interrupt> {
        let raw = self.raw.clone();
        Some(Box::new(move || {
            if let Some(s) = lock(&raw).take() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }))
    }
}
