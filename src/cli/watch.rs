//! Pneumo messages as they come (spec/cli.md §7.6): from a fleet, its websocket; with no
//! fleet, the local engines' own `GET /1/pneumo` long polls. Either way `src` and `type`
//! filter them, and each engine's current state comes first, as a fleet sends it. Also
//! Ctrl-C for the commands that run until it: they stop at the next message or wait.

use super::Ctx;
use crate::error::{Context, Error, Result};
use crate::fleet::http::{Client, Service, Timeouts};
use crate::fleet::launcher;
use crate::fleet::websocket::Socket;
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static STOP: AtomicBool = AtomicBool::new(false);
/// A second Ctrl-C or SIGTERM ends the command at once.
static SECOND_ENDS: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(sig: libc::c_int) {
    let again = STOP.swap(true, Ordering::SeqCst);
    if again && sig != libc::SIGPIPE && SECOND_ENDS.load(Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + sig) }
    }
}

/// From now on Ctrl-C, SIGTERM and a closed stdout (`| head`) ask the command to stop, so
/// that it cleans up (uninstalls its sensors).
pub fn catch_ctrl_c() {
    // SAFETY: the handler only touches atomics (and may call _exit).
    unsafe {
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGPIPE] {
            libc::signal(sig, on_stop as *const () as libc::sighandler_t);
        }
    }
}

/// As `catch_ctrl_c`, and a second Ctrl-C or SIGTERM ends the command at once (status
/// 128 + the signal), for a user who will not wait for the first stop to finish.
pub fn catch_ctrl_c_twice() {
    SECOND_ENDS.store(true, Ordering::SeqCst);
    catch_ctrl_c();
}

/// Print a line; a closed stdout stops the command.
pub fn emit(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        request_stop();
    }
}

pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The longest one read waits, so that Ctrl-C is noticed soon.
const STEP: Duration = Duration::from_millis(250);

enum Feed {
    Fleet(Box<Socket>),
    Local {
        home: PathBuf,
        client: Rc<Client>,
        /// Per engine: its service and the number of the next message.
        engines: BTreeMap<String, (Service, u64)>,
    },
}

pub struct Watch {
    feed: Feed,
    src: Option<String>,
    kind: Option<String>,
    queued: VecDeque<Value>,
}

impl Watch {
    /// Messages from `src` (an instance name) of `kind`, or all.
    pub fn open(ctx: &Ctx, src: Option<&str>, kind: Option<&str>) -> Result<Watch> {
        let feed = match (ctx.local()?, ctx.remote()?) {
            (_, Some(remote)) => {
                // each engine's current state first, as with the local engines (the
                // fleet sends it only to clients that ask: the original's did not)
                let mut filters = vec![("replay", "states".to_string())];
                if let Some(s) = src {
                    filters.push(("src", s.to_string()));
                }
                if let Some(k) = kind {
                    filters.push(("type", k.to_string()));
                }
                Feed::Fleet(Box::new(
                    remote
                        .pneumo_socket(&filters)
                        .context(|| "Unable to open the Pneumo socket".into())?,
                ))
            }
            (Some(local), _) => Feed::Local {
                home: local.home().to_path_buf(),
                client: Rc::new(Client::local(Timeouts::around(
                    STEP + Duration::from_secs(5),
                ))),
                engines: BTreeMap::new(),
            },
            (None, None) => return Err(Error::new("No fleet to watch")),
        };
        let mut watch = Watch {
            feed,
            src: src.map(str::to_string),
            kind: kind.map(str::to_string),
            queued: VecDeque::new(),
        };
        // the local engines are asked at once, so that what happens next is not missed
        watch.poll(Duration::ZERO)?;
        Ok(watch)
    }

    fn wanted(&self, m: &Value) -> bool {
        self.src.as_deref().is_none_or(|s| m["src"] == s)
            && self.kind.as_deref().is_none_or(|k| m["type"] == k)
    }

    /// The next message within `wait` (`None` when none came, or Ctrl-C was pressed).
    pub fn next(&mut self, wait: Duration) -> Result<Option<Value>> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(m) = self.queued.pop_front() {
                return Ok(Some(m));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if stop_requested() || left.is_zero() {
                return Ok(None);
            }
            self.poll(left.min(STEP))?;
        }
    }

    /// One round of reading, waiting up to `wait`.
    fn poll(&mut self, wait: Duration) -> Result<()> {
        match &mut self.feed {
            Feed::Fleet(socket) => {
                if wait.is_zero() {
                    return Ok(());
                }
                if let Some(m) = socket.next(wait).map_err(Error::new)? {
                    self.queued.push_back(m);
                }
            }
            Feed::Local {
                home,
                client,
                engines,
            } => {
                let names: Vec<String> = match &self.src {
                    Some(s) => vec![s.clone()],
                    None => launcher::known(home),
                };
                let mut got = Vec::new();
                let mut asked = false;
                for name in &names {
                    let Some(info) = launcher::read_info(&launcher::engine_dir(home, name)) else {
                        engines.remove(name);
                        continue;
                    };
                    if !engines.contains_key(name) {
                        let service = launcher::service(client, name, &info);
                        // where its messages stand now, and its state as the first message
                        let Ok(start) = service.send("GET", "1/pneumo", &[], None) else {
                            continue;
                        };
                        let next = start.json()["next"].as_u64().unwrap_or(0);
                        if let Ok(state) = service.send("GET", "2/engine/state", &[], None) {
                            got.push(json!({
                                "type": "engine-state",
                                "timestamp": crate::timestamp::DateTime::now().isoformat(),
                                "src": name,
                                "state": state.json()["state"],
                            }));
                        }
                        engines.insert(name.clone(), (service, next));
                        continue;
                    }
                    let Some((service, next)) = engines.get_mut(name) else {
                        continue;
                    };
                    let share = wait.as_millis() as usize / names.len().max(1);
                    let path = format!("1/pneumo?since={next}&wait={share}");
                    asked = true;
                    match service.send("GET", &path, &[], None) {
                        Ok(answer) => {
                            let doc = answer.json();
                            got.extend(doc["messages"].as_array().cloned().unwrap_or_default());
                            *next = doc["next"].as_u64().unwrap_or(*next);
                        }
                        // an engine that stopped: it is found again when it comes back
                        Err(_) => {
                            engines.remove(name);
                        }
                    }
                }
                if !asked && !wait.is_zero() {
                    std::thread::sleep(wait);
                }
                let wanted: Vec<Value> = got.into_iter().filter(|m| self.wanted(m)).collect();
                self.queued.extend(wanted);
            }
        }
        Ok(())
    }
}
