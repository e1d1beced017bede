//! Processes the engine starts (jets, `exec` streams): tied to the engine's life, reaped
//! with a time limit, and their ends described in words.

use crate::sync::lock;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Start a child that is killed when the engine dies, however it dies, in a process group
/// of its own, so that `kill_group` also ends the processes it started.
///
/// Linux ties such a child to the thread that started it, not to the process, and the
/// engine's worker threads come and go; so every such child is started by one thread
/// that lives as long as the engine.
pub fn spawn_tied(mut cmd: Command) -> std::io::Result<Child> {
    tie(&mut cmd);
    type Job = (Command, mpsc::Sender<std::io::Result<Child>>);
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::spawn(move || {
            for (mut cmd, reply) in rx {
                let _ = reply.send(cmd.spawn());
            }
        });
        Mutex::new(tx)
    });
    let (reply, answer) = mpsc::channel();
    lock(spawner)
        .send((cmd, reply))
        .map_err(|_| std::io::Error::other("the process starter is gone"))?;
    answer
        .recv()
        .map_err(|_| std::io::Error::other("the process starter is gone"))?
}

/// A child of `cmd` leads a process group of its own and is killed when the thread that
/// starts it ends (with the engine, at the latest).
fn tie(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setpgid and prctl are async-signal-safe and touch nothing of the parent's.
    unsafe {
        cmd.pre_exec(|| {
            libc::setpgid(0, 0);
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

/// Kill a child started by `spawn_tied` and every process of its group, and collect it.
pub fn kill_group(child: &mut Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: a signal to the group this child leads; its id stays reserved while the
        // child is not collected, or while any process of the group lives.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// How a child was collected.
pub struct Reaped {
    pub status: Option<ExitStatus>,
    /// It was still running at the limit and had to be killed.
    pub killed: bool,
}

/// Wait up to `limit` for the child to end, then kill it.
pub fn reap(child: &mut Child, limit: Duration) -> Reaped {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Reaped {
                    status: Some(status),
                    killed: false,
                }
            }
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                kill_group(child);
                return Reaped {
                    status: child.wait().ok(),
                    killed: true,
                };
            }
            Err(_) => {
                return Reaped {
                    status: None,
                    killed: false,
                }
            }
        }
    }
}

/// Run a command to its end, with its output, killing it (and what it started: an
/// installer's own processes) after `limit`. It is tied like `spawn_tied`'s children: the
/// calling thread waits for it, so it dies only with the engine.
pub fn output_within(cmd: &mut Command, limit: Duration) -> std::io::Result<Output> {
    use std::io::Read;
    tie(cmd);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let reaped = reap(&mut child, limit);
    if reaped.killed {
        return Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("it did not finish within {} s", limit.as_secs()),
        ));
    }
    let status = reaped
        .status
        .ok_or_else(|| std::io::Error::other("lost the process"))?;
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// `exited with status 3`, `was killed by signal 9 (SIGKILL)`.
pub fn describe_exit(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig} ({})", signal_name(sig)),
        _ => "ended".to_string(),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        _ => "signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_in_words() {
        let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
        let reaped = reap(&mut child, Duration::from_secs(5));
        assert!(!reaped.killed);
        assert_eq!(
            describe_exit(reaped.status.unwrap()),
            "exited with status 3"
        );
        let mut child = Command::new("sleep").arg("10").spawn().unwrap();
        let reaped = reap(&mut child, Duration::from_millis(20));
        assert!(reaped.killed);
        assert_eq!(
            describe_exit(reaped.status.unwrap()),
            "was killed by signal 9 (SIGKILL)"
        );
    }
}
