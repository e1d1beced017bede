//! An engine's membership of a fleet (`engine serve --fleet <url>`): it registers where it
//! answers, again every few seconds (a fleet that restarted finds it again), and leaves
//! when it stops.

use super::http::Timeouts;
use super::remote::Remote;
use crate::config::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the engine says it is still there.
const EVERY: Duration = Duration::from_secs(5);

pub struct Membership {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    conn: Connection,
    name: String,
}

/// Join the fleet of `conn` as `name`, answering at `url`.
pub fn join(conn: Connection, name: &str, url: &str, token: Option<String>) -> Membership {
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let (stop, conn, name, url) = (
            stop.clone(),
            conn.clone(),
            name.to_string(),
            url.to_string(),
        );
        std::thread::spawn(move || {
            let mut was: Option<bool> = None;
            while !stop.load(Ordering::SeqCst) {
                let result = Timeouts::from_env()
                    .and_then(|t| Remote::new(&conn, t))
                    .map_err(|e| e.to_string())
                    .and_then(|r| {
                        r.register(&name, &url, token.as_deref())
                            .map_err(|f| f.cause.to_string())
                    });
                // say so when it changes, not every time
                let ok = result.is_ok();
                if was != Some(ok) {
                    match &result {
                        Ok(()) => {
                            eprintln!("{name}: joined the fleet at {} as {url}", shown(&conn))
                        }
                        Err(why) => eprintln!(
                            "{name}: cannot join the fleet at {} (trying again every {} s): {}",
                            shown(&conn),
                            EVERY.as_secs(),
                            crate::error::mask_url_secrets(why)
                        ),
                    }
                    was = Some(ok);
                }
                let next = Instant::now() + EVERY;
                while Instant::now() < next && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        })
    };
    Membership {
        stop,
        thread: Some(thread),
        conn,
        name: name.to_string(),
    }
}

fn shown(conn: &Connection) -> String {
    crate::error::mask_url_secrets(&conn.proxy_prefix).into_owned()
}

impl Membership {
    /// Stop registering and leave the fleet (best effort: a fleet that is gone forgets
    /// nothing it must).
    pub fn leave(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Ok(remote) = Timeouts::from_env().and_then(|t| Remote::new(&self.conn, t)) {
            let _ = remote.unregister(&self.name);
        }
    }
}

/// The connection to the fleet at `url`: `~/.fastscore`'s when it names that fleet (its
/// credentials and TLS settings), else a bare one (TLS from FASTSCORE_CA_FILE and friends).
pub fn connection(url: &str) -> crate::error::Result<Connection> {
    let same = |c: &Connection| c.proxy_prefix.trim_end_matches('/') == url.trim_end_matches('/');
    Ok(match Connection::load()? {
        Some(conn) if same(&conn) => conn,
        _ => Connection::new(url),
    })
}
