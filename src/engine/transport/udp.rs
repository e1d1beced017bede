//! `UDP`: each datagram received on `Port` is one record (spec/engine.md §5.3); input only,
//! and it never ends by itself. The address to bind is `BindTo`, `Bind` or `Host` (the
//! sources use all three), `0.0.0.0` by default.

use super::{Direction, Interrupt, Source, Transport};
use serde_json::{json, Map, Value};
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often a wait for a datagram looks whether the job is over.
const TICK: Duration = Duration::from_millis(100);

#[derive(Debug)]
struct Udp {
    bind: String,
    port: u16,
}

pub fn parse(params: Option<&Map<String, Value>>) -> Result<Arc<dyn Transport>, String> {
    let bind = ["BindTo", "Bind", "Host"]
        .iter()
        .find_map(|k| super::param(params, k).and_then(Value::as_str))
        .filter(|b| !b.is_empty())
        .unwrap_or("0.0.0.0")
        .to_string();
    let port = super::port_param(params, "UDP")?;
    Ok(Arc::new(Udp { bind, port }))
}

impl Transport for Udp {
    fn name(&self) -> &'static str {
        "udp"
    }

    fn direction(&self) -> Direction {
        Direction::Input
    }

    fn preserves_boundaries(&self) -> bool {
        true
    }

    fn internal(&self) -> Value {
        json!({"type": "udp", "bind_to": self.bind, "port": self.port})
    }

    fn open_source(&self) -> Result<Option<Box<dyn Source>>, String> {
        let socket = UdpSocket::bind((self.bind.as_str(), self.port))
            .map_err(|e| format!("cannot receive on UDP {}:{}: {e}", self.bind, self.port))?;
        socket
            .set_read_timeout(Some(TICK))
            .map_err(|e| e.to_string())?;
        Ok(Some(Box::new(UdpSource {
            socket,
            stop: Arc::new(AtomicBool::new(false)),
        })))
    }
}

struct UdpSource {
    socket: UdpSocket,
    stop: Arc<AtomicBool>,
}

impl Source for UdpSource {
    fn read(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut buf = vec![0u8; 65_536];
        while !self.stop.load(Ordering::Relaxed) {
            match self.socket.recv(&mut buf) {
                Ok(n) => {
                    buf.truncate(n);
                    return Ok(Some(buf));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    fn interrupter(&self) -> Option<Interrupt> {
        let stop = self.stop.clone();
        Some(Box::new(move || stop.store(true, Ordering::Relaxed)))
    }
}
