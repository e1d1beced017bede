//! Driving local engines safely: time limits on every call, frozen engines stopped and
//! replaced by their verified pid, and stale `engine.json` files that name other processes.

mod support;
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command};
use std::time::Duration;
use support::{finish_within, process_gone, signal, Env, Run, SIGSTOP};

/// Long enough for any command here; a command that hangs fails the test instead.
const LIMIT: Duration = Duration::from_secs(60);

fn run(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut cmd = env.command(args);
    cmd.envs(vars.iter().copied());
    finish_within(&mut cmd, LIMIT)
}

const FROZEN: &str = "it may be frozen or overloaded ('fastscore engine reset' replaces it, 'fastscore engine stop' stops it)";

/// A process the test started, killed and reaped when the test ends, however it ends.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// SIGSTOP, and wait until every thread of the process has stopped (a thread may go on
/// for a moment after the signal is sent).
fn freeze(pid: i32) {
    signal(pid, SIGSTOP);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let tasks: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
            .unwrap()
            .flatten()
            .filter_map(|t| std::fs::read_to_string(t.path().join("stat")).ok())
            .collect();
        let stopped = |stat: &String| {
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|s| s == "T")
        };
        if !tasks.is_empty() && tasks.iter().all(stopped) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{pid} did not stop");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn engine_json(env: &Env, name: &str) -> std::path::PathBuf {
    env.store().join("engines").join(name).join("engine.json")
}

#[test]
fn a_frozen_engine_gets_one_line_and_engine_stop_ends_it() {
    let env = Env::new();
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "INIT\n");
    let (pid, url) = (env.engine_pid("engine-1"), env.engine_url("engine-1"));
    freeze(pid);
    let frozen = run(&env, &["engine", "inspect"], &[("FASTSCORE_TIMEOUT", "1")]).expect(1);
    assert_eq!(
        frozen.stderr,
        format!("Error: engine-1 ({url}) did not answer within 1 s; {FROZEN}\n")
    );
    assert_eq!(frozen.stdout, "");
    // without FASTSCORE_TIMEOUT the liveness check waits 2 s
    let frozen = run(&env, &["model", "inspect"], &[]).expect(1);
    assert_eq!(
        frozen.stderr,
        format!("Error: engine-1 ({url}) did not answer within 2 s; {FROZEN}\n")
    );
    // stopping needs no answer: SIGTERM and SIGCONT to the verified pid
    let stop = run(&env, &["engine", "stop", "-v"], &[]).ok();
    assert_eq!(stop.stdout, "Engine 'engine-1' stopped\n");
    assert!(process_gone(pid), "the frozen engine {pid} is still there");
    assert!(!engine_json(&env, "engine-1").exists());
}

#[test]
fn engine_reset_replaces_a_frozen_engine() {
    let env = Env::new();
    env.run(&["engine", "inspect"]).ok();
    let (pid, url) = (env.engine_pid("engine-1"), env.engine_url("engine-1"));
    freeze(pid);
    let reset = run(
        &env,
        &["engine", "reset", "-v"],
        &[("FASTSCORE_TIMEOUT", "1")],
    )
    .ok();
    assert_eq!(
        reset.stderr,
        format!("engine-1 ({url}) did not answer within 1 s: stopped it (process {pid}) and started a fresh engine-1\n")
    );
    assert_eq!(reset.stdout, "Engine 'engine-1' reset\n");
    assert!(process_gone(pid), "the frozen engine {pid} is still there");
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "INIT\n");
    assert_ne!(env.engine_pid("engine-1"), pid);
}

#[test]
fn calls_have_time_limits_and_starting_a_model_the_long_one() {
    let env = Env::new();
    env.run(&["engine", "inspect"]).ok();
    let url = env.engine_url("engine-1");
    let one = [("FASTSCORE_TIMEOUT", "1")];
    // a sample waits for its program's records: 3 s here
    let program = env.write("slow.sh", "#!/bin/sh\nsleep 3\necho 1\n");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.write(
        "slow.json",
        format!(
            "{{\"Transport\": {{\"Type\": \"exec\", \"Run\": \"{}\"}}, \"Encoding\": \"utf-8\"}}",
            program.display()
        ),
    );
    env.run(&["stream", "add", "slow", "slow.json"]).ok();
    let sample = run(&env, &["stream", "sample", "slow"], &one).expect(1);
    assert_eq!(
        sample.stderr,
        format!("Error: engine-1 ({url}) did not answer within 1 s; {FROZEN}\n")
    );
    // attaching the last stream waits for the model's jets (and whatever they install),
    // which import the model: 3 s here; that call has 10 min
    env.write(
        "slow.py3",
        "import time\ntime.sleep(3)\ndef action(x):\n    yield x\n",
    );
    env.run(&["model", "add", "slow", "slow.py3"]).ok();
    run(&env, &["engine", "reset"], &one).ok();
    run(&env, &["run", "slow", "rest:", "rest:"], &one).ok();
    assert_eq!(
        run(&env, &["engine", "inspect"], &one).ok().stdout,
        "RUNNING\n"
    );
    let bad = run(
        &env,
        &["engine", "inspect"],
        &[("FASTSCORE_TIMEOUT", "soon")],
    )
    .expect(1);
    assert_eq!(
        bad.stderr,
        "Error: FASTSCORE_TIMEOUT must be a number of seconds greater than 0, such as 30, not 'soon'\n"
    );
}

#[test]
fn a_stale_engine_json_never_costs_another_process() {
    let env = Env::new();
    let info = engine_json(&env, "engine-1");
    std::fs::create_dir_all(info.parent().unwrap()).unwrap();
    // a pid that now belongs to something else
    let sleeper = Started(Command::new("sleep").arg("30").spawn().unwrap());
    let pid = sleeper.0.id();
    let stale = format!("{{\"pid\": {pid}, \"url\": \"http://127.0.0.1:9\"}}");
    std::fs::write(&info, &stale).unwrap();
    assert_eq!(run(&env, &["engine", "stop", "-v"], &[]).ok().stdout, "");
    assert!(
        !process_gone(pid as i32),
        "engine stop killed process {pid}"
    );
    assert!(!info.exists());
    std::fs::write(&info, &stale).unwrap();
    let err = run(&env, &["engine", "inspect"], &[]).expect(1).stderr;
    assert!(
        err.starts_with(&format!(
            "Error: engine-1 is not running: it stopped unexpectedly (process {pid} is gone)"
        )),
        "{err}"
    );
    run(&env, &["engine", "reset"], &[]).ok();
    assert!(
        !process_gone(pid as i32),
        "engine reset killed process {pid}"
    );
    assert_ne!(env.engine_pid("engine-1"), pid as i32);
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "INIT\n");
    env.run(&["engine", "stop"]).ok();

    // same pid, same command line (`… engine serve engine-1`), another start time: not it
    env.write("engine", "import time\ntime.sleep(30)\n");
    let lookalike = Started(
        Command::new(support::python())
            .args(["engine", "serve", "engine-1"])
            .current_dir(env.work())
            .spawn()
            .unwrap(),
    );
    let pid = lookalike.0.id();
    std::fs::write(
        &info,
        format!("{{\"pid\": {pid}, \"url\": \"http://127.0.0.1:9\", \"start_time\": 1}}"),
    )
    .unwrap();
    run(&env, &["engine", "stop"], &[]).ok();
    assert!(
        !process_gone(pid as i32),
        "engine stop killed process {pid}"
    );
}
