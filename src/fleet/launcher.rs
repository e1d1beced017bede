//! Local engines: processes of this binary (`fastscore engine serve <name>`) started on
//! demand, found again through `<home>/engines/<name>/engine.json` (pid, start time, URL,
//! token), and stopped on request. A pid is signalled only once `/proc` shows it is still
//! that engine: a stale `engine.json` must never cost an unrelated process.

use super::http::{no_answer, Advice, Client, Service, Transport};
use crate::error::{Error, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

const START_WAIT: Duration = Duration::from_secs(15);
/// How long a stopping engine has to end by itself before SIGKILL.
const STOP_WAIT: Duration = Duration::from_secs(5);
const KILL_WAIT: Duration = Duration::from_secs(2);

pub fn engine_dir(home: &Path, name: &str) -> PathBuf {
    home.join("engines").join(name)
}

pub fn info_path(dir: &Path) -> PathBuf {
    dir.join("engine.json")
}

pub fn log_path(dir: &Path) -> PathBuf {
    dir.join("engine.log")
}

/// What `engine.json` says: written by a serving engine (mode 0600: it holds the token),
/// removed when it stops cleanly.
#[derive(Clone)]
pub struct Info {
    pub pid: u32,
    pub url: String,
    /// Clock ticks from boot to the process's start (`/proc/<pid>/stat` field 22): with the
    /// pid, what tells this process from a later one that got the same pid.
    pub start_time: Option<u64>,
    /// What every request must carry as `Authorization: Bearer <token>`; none when the
    /// engine serves without one (`--no-token`).
    pub token: Option<String>,
}

pub fn write_info(dir: &Path, url: &str, token: Option<&str>) -> std::io::Result<()> {
    let pid = std::process::id();
    let mut doc = json!({"pid": pid, "url": url});
    if let Some(start) = start_time(pid) {
        doc["start_time"] = json!(start);
    }
    if let Some(token) = token {
        doc["token"] = json!(token);
    }
    crate::fsutil::write_atomic(&info_path(dir), doc.to_string().as_bytes(), Some(0o600))
}

/// Remove `engine.json` if it is this process's.
pub fn remove_info(dir: &Path) {
    if read_info(dir).is_some_and(|i| i.pid == std::process::id()) {
        let _ = std::fs::remove_file(info_path(dir));
    }
}

pub fn read_info(dir: &Path) -> Option<Info> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(info_path(dir)).ok()?).ok()?;
    Some(Info {
        pid: u32::try_from(doc.get("pid")?.as_u64()?).ok()?,
        url: doc.get("url")?.as_str()?.to_string(),
        start_time: doc.get("start_time").and_then(Value::as_u64),
        token: doc.get("token").and_then(Value::as_str).map(str::to_string),
    })
}

/// What `/proc/<pid>/stat` tells about a process.
struct ProcStat {
    state: char,
    start_time: u64,
}

fn proc_stat(pid: u32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state …`: comm may hold spaces and parentheses, so fields follow the last ')'
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(ProcStat {
        state: fields.first()?.chars().next()?,
        // field 22 overall; fields here start at field 3
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// Whether the process `info` names is still the local engine `name`: same pid, not a
/// zombie, same start time (when recorded), and running `engine serve <name>`. Only such a
/// process is ever signalled.
fn is_engine(info: &Info, name: &str) -> bool {
    runs(info.pid, info.start_time, |words| match words {
        ["engine", "serve", n] => *n == name,
        ["engine", "serve"] => name == super::local::DEFAULT_ENGINE,
        _ => false,
    })
}

/// The start time of process `pid` (clock ticks from boot), to tell it later from another
/// process that got the same pid.
pub fn start_time(pid: u32) -> Option<u64> {
    proc_stat(pid).map(|s| s.start_time)
}

/// Whether process `pid` lives (not a zombie), started at `start` (when known), and runs
/// this program with words (its arguments that are not options) that `command` accepts.
pub fn runs(pid: u32, start: Option<u64>, command: impl Fn(&[&str]) -> bool) -> bool {
    let Some(stat) = proc_stat(pid) else {
        return false;
    };
    if matches!(stat.state, 'Z' | 'X' | 'x') {
        return false;
    }
    if start.is_some_and(|t| t != stat.start_time) {
        return false;
    }
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .skip(1)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    command(&crate::cli::args::words_only(&args))
}

pub enum Status {
    Running(Info),
    /// Never started, or stopped cleanly.
    Stopped,
    /// It was running and is gone (killed, crashed): its model and streams are lost.
    Dead(Info),
    /// Its process is there but its API does not answer (frozen, wedged): why, in one line.
    Unresponsive(Info, String),
}

/// A client of the engine `info` describes.
pub fn service(client: &Rc<Client>, name: &str, info: &Info) -> Service {
    Service::local_engine(client.clone(), name, &info.url, info.token.as_deref())
}

pub fn status(home: &Path, name: &str, client: &Rc<Client>) -> Status {
    let dir = engine_dir(home, name);
    let Some(info) = read_info(&dir) else {
        return Status::Stopped;
    };
    if !is_engine(&info, name) {
        return Status::Dead(info);
    }
    let service = service(client, name, &info).short();
    match service.send_raw("GET", "1/health", &[], None) {
        Ok(r) if r.is_success() && r.json().get("name").and_then(Value::as_str) == Some(name) => {
            Status::Running(info)
        }
        Ok(r) => {
            let why = format!(
                "{name} ({}) answered its health check with {} {}",
                info.url,
                r.status,
                r.text().trim()
            );
            Status::Unresponsive(info, why)
        }
        Err(Transport::Timeout(limit)) => {
            let why = no_answer(name, &info.url, limit);
            Status::Unresponsive(info, why)
        }
        Err(Transport::Untrusted(why) | Transport::Other(why)) => {
            let why = format!("{name} (process {}) does not answer: {why}", info.pid);
            Status::Unresponsive(info, why)
        }
    }
}

/// Held while an engine is being started or stopped.
fn lock(dir: &Path) -> Result<std::fs::File> {
    let fail = |e: std::io::Error| {
        Error::new(format!("Cannot use {}", dir.display())).caused_by(e.to_string())
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".lock"))
        .map_err(fail)?;
    crate::fsutil::lock_within(&file, Duration::from_secs(60)).map_err(fail)?;
    Ok(file)
}

/// The local engine `name`, started if it is not running. A dead or unresponsive engine is
/// an error unless `revive` (then it is stopped and a fresh one is started).
pub fn ensure(home: &Path, name: &str, revive: bool, client: &Rc<Client>) -> Result<Info> {
    let dir = engine_dir(home, name);
    let _lock = lock(&dir)?;
    match status(home, name, client) {
        Status::Running(info) => return Ok(info),
        Status::Dead(info) if !revive => {
            return Err(Error::new(format!(
                "{name} is not running: it stopped unexpectedly (process {} is gone), and its model and streams are lost. \
                 Run 'fastscore engine reset' to start it again (its log is {})",
                info.pid,
                log_path(&dir).display()
            )))
        }
        Status::Unresponsive(_, why) if !revive => {
            return Err(Error::standalone(format!(
                "{why}; {}",
                Advice::LocalEngine.text()
            )))
        }
        Status::Dead(_) => {
            let _ = std::fs::remove_file(info_path(&dir));
        }
        Status::Unresponsive(info, why) => {
            terminate(&info, name);
            let _ = std::fs::remove_file(info_path(&dir));
            eprintln!(
                "{why}: stopped it (process {}) and started a fresh {name}",
                info.pid
            );
        }
        Status::Stopped => {}
    }
    start(home, name, &dir, client)
}

/// The engine's log, for its owner only (it may show what the models print).
fn open_log(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::File::options()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    // a log made before (or by hand) keeps its mode on open: fix it
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

fn start(home: &Path, name: &str, dir: &Path, client: &Rc<Client>) -> Result<Info> {
    let fail = |what: String| Error::new(format!("Cannot start {name}")).caused_by(what);
    let exe = std::env::current_exe().map_err(|e| fail(e.to_string()))?;
    let log = open_log(&log_path(dir)).map_err(|e| {
        fail(crate::error::io_error_text(
            &log_path(dir).display().to_string(),
            &e,
        ))
    })?;
    let err_log = log.try_clone().map_err(|e| fail(e.to_string()))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["engine", "serve", name, "--port", "0"])
        .env("FASTSCORE_HOME", home)
        .stdin(std::process::Stdio::null());
    // an engine started on demand is neither baked nor a member of another fleet, whatever
    // the user's shell holds under these generic names
    for baked in [
        "MODEL",
        "SCHEMAS",
        "STREAMS",
        "ATTACHMENTS",
        "CONNECT_PREFIX",
    ] {
        cmd.env_remove(baked);
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(err_log);
    detach(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| fail(e.to_string()))?;
    let deadline = Instant::now() + START_WAIT;
    loop {
        if let Status::Running(info) = status(home, name, client) {
            return Ok(info);
        }
        if let Ok(Some(exit)) = child.try_wait() {
            return Err(fail(format!(
                "the engine process exited ({exit}); see {}",
                log_path(dir).display()
            )));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(fail(format!(
                "it did not answer within {} s; see {}",
                START_WAIT.as_secs(),
                log_path(dir).display()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Start `cmd` in a session of its own, so that it outlives the command that started it
/// and the terminal's signals.
pub fn detach(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid only detaches the child from our session; it has no preconditions.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
}

/// A process to signal: through a pidfd where the system has them, so that the signal
/// reaches the process that was verified even if it ends and its pid is reused meanwhile.
struct Target {
    pid: u32,
    pidfd: Option<std::os::fd::OwnedFd>,
}

impl Target {
    /// The engine `info` names, if it still is that engine.
    fn verified(info: &Info, name: &str) -> Option<Target> {
        use std::os::fd::FromRawFd;
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, info.pid as libc::pid_t, 0) };
        // SAFETY: a non-negative result is a descriptor we now own.
        let pidfd = (fd >= 0).then(|| unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) });
        // verified after the pidfd is open: if the pid was reused before, the check fails;
        // if after, the pidfd still names the verified (now ended) process
        is_engine(info, name).then_some(Target {
            pid: info.pid,
            pidfd,
        })
    }

    fn signal(&self, sig: libc::c_int) {
        use std::os::fd::AsRawFd;
        match &self.pidfd {
            // SAFETY: a signal to the process the descriptor names; no memory is passed.
            Some(fd) => unsafe {
                libc::syscall(
                    libc::SYS_pidfd_send_signal,
                    fd.as_raw_fd(),
                    sig,
                    std::ptr::null::<libc::siginfo_t>(),
                    0,
                );
            },
            // SAFETY: a plain signal to a pid that was verified just before.
            None => unsafe {
                libc::kill(self.pid as libc::pid_t, sig);
            },
        }
    }
}

/// Stop the engine `info` names, if it still is that engine: SIGTERM (and SIGCONT, so that
/// a stopped process acts on it), then SIGKILL after a few seconds. Whether it was running.
fn terminate(info: &Info, name: &str) -> bool {
    let Some(target) = Target::verified(info, name) else {
        return false;
    };
    target.signal(libc::SIGTERM);
    target.signal(libc::SIGCONT);
    let gone_within = |wait: Duration| {
        let deadline = Instant::now() + wait;
        while is_engine(info, name) {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    };
    if !gone_within(STOP_WAIT) {
        target.signal(libc::SIGKILL);
        gone_within(KILL_WAIT);
    }
    true
}

/// Stop the local engine `name` (by its verified pid: it may be frozen); whether there was
/// one to stop.
pub fn stop(home: &Path, name: &str) -> Result<bool> {
    let dir = engine_dir(home, name);
    if !dir.exists() {
        return Ok(false);
    }
    let _lock = lock(&dir)?;
    let was = read_info(&dir).is_some_and(|info| terminate(&info, name));
    let _ = std::fs::remove_file(info_path(&dir));
    Ok(was)
}

/// Names of the local engines that have a directory under `home`.
pub fn known(home: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(home.join("engines"))
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| super::local::is_engine_name(n))
                .collect()
        })
        .unwrap_or_default();
    names.sort_by_key(|n| n[7..].parse::<u32>().unwrap_or(0));
    names
}
