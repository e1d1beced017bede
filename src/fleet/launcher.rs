//! Local engines: processes of this binary (`fastscore engine serve <name>`) started on
//! demand, found again through `<home>/engines/<name>/engine.json`, and stopped on request.

use crate::error::{Error, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const START_WAIT: Duration = Duration::from_secs(15);
const STOP_WAIT: Duration = Duration::from_secs(5);

pub fn engine_dir(home: &Path, name: &str) -> PathBuf {
    home.join("engines").join(name)
}

pub fn info_path(dir: &Path) -> PathBuf {
    dir.join("engine.json")
}

pub fn log_path(dir: &Path) -> PathBuf {
    dir.join("engine.log")
}

/// What `engine.json` says: written by a serving engine, removed when it stops cleanly.
#[derive(Clone, Debug)]
pub struct Info {
    pub pid: u32,
    pub url: String,
}

pub fn write_info(dir: &Path, url: &str) -> std::io::Result<()> {
    let doc = json!({"pid": std::process::id(), "url": url});
    crate::fsutil::write_atomic(&info_path(dir), doc.to_string().as_bytes(), None)
}

/// Remove `engine.json` if it is this process's.
pub fn remove_info(dir: &Path) {
    if read_info(dir).is_some_and(|i| i.pid == std::process::id()) {
        let _ = std::fs::remove_file(info_path(dir));
    }
}

fn read_info(dir: &Path) -> Option<Info> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(info_path(dir)).ok()?).ok()?;
    Some(Info {
        pid: doc.get("pid")?.as_u64()? as u32,
        url: doc.get("url")?.as_str()?.to_string(),
    })
}

fn alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

pub enum Status {
    Running(Info),
    /// Never started, or stopped cleanly.
    Stopped,
    /// It was running and is gone (killed, crashed): its model and streams are lost.
    Dead(Info),
}

pub fn status(home: &Path, name: &str) -> Status {
    let dir = engine_dir(home, name);
    let Some(info) = read_info(&dir) else {
        return Status::Stopped;
    };
    let answers = alive(info.pid)
        && super::http::Client::new(false)
            .send("GET", &format!("{}/1/health", info.url), &[], None)
            .ok()
            .filter(|r| r.is_success())
            .is_some_and(|r| r.json().get("name").and_then(Value::as_str) == Some(name));
    if answers {
        Status::Running(info)
    } else {
        Status::Dead(info)
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
    file.lock().map_err(fail)?;
    Ok(file)
}

/// The URL of the local engine `name`, started if it is not running. A dead engine is an
/// error unless `revive` (then a fresh one is started).
pub fn ensure(home: &Path, name: &str, revive: bool) -> Result<String> {
    let dir = engine_dir(home, name);
    let _lock = lock(&dir)?;
    match status(home, name) {
        Status::Running(info) => return Ok(info.url),
        Status::Dead(info) if !revive => {
            return Err(Error::new(format!(
                "{name} is not running: it stopped unexpectedly (process {} is gone), and its model and streams are lost. \
                 Run 'fastscore engine reset' to start it again (its log is {})",
                info.pid,
                log_path(&dir).display()
            )))
        }
        Status::Dead(info) => {
            if alive(info.pid) {
                terminate(info.pid);
            }
            let _ = std::fs::remove_file(info_path(&dir));
        }
        Status::Stopped => {}
    }
    start(home, name, &dir)
}

fn start(home: &Path, name: &str, dir: &Path) -> Result<String> {
    let fail = |what: String| Error::new(format!("Cannot start {name}")).caused_by(what);
    let exe = std::env::current_exe().map_err(|e| fail(e.to_string()))?;
    let log = std::fs::File::options()
        .create(true)
        .append(true)
        .open(log_path(dir))
        .map_err(|e| {
            fail(crate::error::io_error_text(
                &log_path(dir).display().to_string(),
                &e,
            ))
        })?;
    let err_log = log.try_clone().map_err(|e| fail(e.to_string()))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["engine", "serve", name, "--port", "0"])
        .env("FASTSCORE_HOME", home)
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(err_log);
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid only detaches the child from our session; it has no preconditions.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().map_err(|e| fail(e.to_string()))?;
    let deadline = Instant::now() + START_WAIT;
    loop {
        if let Status::Running(info) = status(home, name) {
            return Ok(info.url);
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

fn terminate(pid: u32) {
    // SAFETY: plain signals to a process id we started.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + STOP_WAIT;
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if alive(pid) {
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
}

/// Stop the local engine `name`; whether there was one to stop.
pub fn stop(home: &Path, name: &str) -> Result<bool> {
    let dir = engine_dir(home, name);
    if !dir.exists() {
        return Ok(false);
    }
    let _lock = lock(&dir)?;
    let was = match status(home, name) {
        Status::Running(info) => {
            terminate(info.pid);
            true
        }
        Status::Dead(info) => {
            if alive(info.pid) {
                terminate(info.pid);
            }
            false
        }
        Status::Stopped => false,
    };
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
