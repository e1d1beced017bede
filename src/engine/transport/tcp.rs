//! `TCP`: a byte stream over a TCP connection (spec/engine.md §5.3), framed by the envelope.
//! With `Host` `0.0.0.0` (what `tcp::<port>` gives) the engine listens on `Port` and takes
//! one connection; otherwise it connects to `Host:Port`. The stream ends when the
//! connection closes.

use super::{Interrupt, Sink, Source, Transport};
use crate::engine::envelope::Framed;
use crate::sync::lock;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a connection to `Host:Port` may take.
const CONNECT_WAIT: Duration = Duration::from_secs(10);
/// How often a listener waiting for its connection looks whether the job is over.
const ACCEPT_TICK: Duration = Duration::from_millis(100);

#[derive(Debug)]
struct Tcp {
    host: String,
    port: u16,
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Transport>, String> {
    let host = super::param(params, "Host")
        .and_then(Value::as_str)
        .unwrap_or("0.0.0.0")
        .to_string();
    let port = super::port_param(params, "TCP")?;
    Ok(Arc::new(Tcp { host, port }))
}

impl Tcp {
    fn listens(&self) -> bool {
        matches!(self.host.as_str(), "" | "0.0.0.0" | "::")
    }

    /// The connection: accepted (listening) or made; `stop` ends a wait for one.
    fn connect(&self, stop: &AtomicBool) -> Result<TcpStream, String> {
        if self.listens() {
            let listener = TcpListener::bind(("0.0.0.0", self.port))
                .map_err(|e| format!("cannot listen on TCP port {}: {e}", self.port))?;
            listener.set_nonblocking(true).map_err(|e| e.to_string())?;
            loop {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).map_err(|e| e.to_string())?;
                        return Ok(stream);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        if stop.load(Ordering::Relaxed) {
                            return Err("the job ended before a connection came".into());
                        }
                        std::thread::sleep(ACCEPT_TICK);
                    }
                    Err(e) => return Err(format!("TCP port {}: {e}", self.port)),
                }
            }
        }
        let address = std::net::ToSocketAddrs::to_socket_addrs(&(self.host.as_str(), self.port))
            .map_err(|e| format!("{}:{}: {e}", self.host, self.port))?
            .next()
            .ok_or_else(|| format!("{}:{} has no address", self.host, self.port))?;
        TcpStream::connect_timeout(&address, CONNECT_WAIT)
            .map_err(|e| format!("cannot connect to {}:{}: {e}", self.host, self.port))
    }
}

impl Transport for Tcp {
    fn name(&self) -> &'static str {
        "tcp"
    }

    fn internal(&self) -> Value {
        json!({"type": "tcp", "host": self.host, "port": self.port})
    }

    fn open_source(&self) -> Result<Option<Box<dyn Source>>, String> {
        let stop = Arc::new(AtomicBool::new(false));
        Ok(Some(Box::new(TcpSource {
            transport: Tcp {
                host: self.host.clone(),
                port: self.port,
            },
            reader: None,
            stream: Arc::new(Mutex::new(None)),
            stop,
        })))
    }

    fn open_sink(&self) -> Result<Box<dyn Sink>, String> {
        let stream = self.connect(&AtomicBool::new(false))?;
        Ok(Box::new(TcpSink(Mutex::new(stream))))
    }
}

/// Connects (or accepts) on the first read, so that a listening input does not hold the
/// job's start.
struct TcpSource {
    transport: Tcp,
    reader: Option<TcpStream>,
    /// The same connection, for the interrupter to shut.
    stream: Arc<Mutex<Option<TcpStream>>>,
    stop: Arc<AtomicBool>,
}

impl Source for TcpSource {
    fn read(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        if self.reader.is_none() {
            let stream = self
                .transport
                .connect(&self.stop)
                .map_err(std::io::Error::other)?;
            *lock(&self.stream) = Some(stream.try_clone()?);
            self.reader = Some(stream);
        }
        match self.reader.as_mut() {
            Some(stream) => super::file::read_chunk(stream),
            None => Ok(None),
        }
    }

    fn interrupter(&self) -> Option<Interrupt> {
        let (stream, stop) = (self.stream.clone(), self.stop.clone());
        Some(Box::new(move || {
            stop.store(true, Ordering::Relaxed);
            if let Some(s) = lock(&stream).as_ref() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }))
    }
}

struct TcpSink(Mutex<TcpStream>);

impl Sink for TcpSink {
    fn write(&self, records: &Framed) -> std::io::Result<()> {
        lock(&self.0).write_all(&records.bytes)
    }

    fn finish(&self, _: Option<Duration>) -> std::io::Result<()> {
        let stream = lock(&self.0);
        let _ = stream.shutdown(Shutdown::Write);
        Ok(())
    }

    fn abort(&self) {
        let _ = lock(&self.0).shutdown(Shutdown::Both);
    }
}
