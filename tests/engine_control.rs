//! Driving local engines safely: time limits on every call, frozen engines stopped and
//! replaced by their verified pid, stale `engine.json` files that name other processes, and
//! the token that keeps other users off an engine.

mod support;
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::{finish_within, http, process_gone, signal, Env, Run, SIGCONT, SIGSTOP, SIGTERM};

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

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
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

#[test]
fn only_the_owner_drives_a_local_engine() {
    let env = Env::new();
    // a log from before is made private too
    let dir = env.store().join("engines/engine-1");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("engine.log"), "").unwrap();
    std::fs::set_permissions(
        dir.join("engine.log"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "INIT\n");
    assert_eq!(mode(&dir.join("engine.json")), 0o600);
    assert_eq!(mode(&dir.join("engine.log")), 0o600);
    let (url, token) = (env.engine_url("engine-1"), env.engine_token("engine-1"));
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let (status, body) = http(&url, "GET", "/1/health", b"", &[]);
    assert_eq!(status, 401);
    let body = String::from_utf8(body).unwrap();
    assert!(
        body.contains("'Authorization: Bearer <token>'") && body.contains("engine.json"),
        "{body}"
    );
    assert_eq!(body.trim_end().lines().count(), 1, "{body}");
    let (status, _) = http(
        &url,
        "POST",
        "/2/engine/reset",
        b"",
        &[("Authorization", &format!("Bearer {}0", &token[1..]))],
    );
    assert_eq!(status, 401);
    let (status, body) = http(
        &url,
        "GET",
        "/1/health",
        b"",
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    // the commands pass the token themselves; it is never shown
    for args in [&["engine", "inspect", "-v"][..], &["fleet", "-json"]] {
        let run = env.run(args).ok();
        assert!(!run.stdout.contains(&token) && !run.stderr.contains(&token));
    }
    let log = std::fs::read_to_string(dir.join("engine.log")).unwrap();
    assert!(!log.contains(&token), "the token is in the log");
}

#[test]
fn engine_serve_without_a_token_says_so() {
    let env = Env::new();
    let help = env.run(&["engine", "serve", "--help"]).ok().stdout;
    for text in [
        "Authorization: Bearer <token>",
        "\"token\" field of engines/<engine-name>/engine.json",
        "--no-token",
    ] {
        assert!(help.contains(text), "{help}");
    }
    let log = env.work().join("serve.log");
    let serve = Started(
        env.command(&["engine", "serve", "engine-3", "--port", "0", "-no-token"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let info = engine_json(&env, "engine-3");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !info.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "engine-3 did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&info).unwrap()).unwrap();
    assert!(doc.get("token").is_none(), "{doc}");
    let (status, _) = http(doc["url"].as_str().unwrap(), "GET", "/1/health", b"", &[]);
    assert_eq!(status, 200);
    signal(serve.0.id() as i32, SIGTERM);
    signal(serve.0.id() as i32, SIGCONT);
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(
        stderr.starts_with(
            "engine-3: serving WITHOUT a token (--no-token): anyone who can reach http://127.0.0.1:"
        ),
        "{stderr}"
    );
}

#[test]
fn a_baked_engine_loads_its_model_and_streams_from_the_environment() {
    let env = Env::new();
    let dir = env.work();
    // the model reads a factor from its attachment and checks its input with a schema
    let pack = env.write("pack/factor.txt", "10");
    let tar = Command::new("tar")
        .args(["czf", "../factor.tar.gz", "factor.txt"])
        .current_dir(pack.parent().unwrap())
        .status()
        .unwrap();
    assert!(tar.success());
    env.write(
        "scaled.py3",
        "# fastscore.schema.0: ints\nfactor = int(open('factor.txt').read())\ndef action(x):\n    yield x * factor\n",
    );
    env.write("ints.avsc", "\"int\"");
    let out = dir.join("out.jsons");
    env.write(
        "in.json",
        r#"{"Transport": {"Type": "inline", "Data": ["1", "2", "3"]}, "Encoding": "json"}"#,
    );
    env.write(
        "out.json",
        format!(
            r#"{{"Transport": {{"Type": "file", "Path": "{}"}}, "Encoding": "json"}}"#,
            out.display()
        ),
    );
    let path = |f: &str| dir.join(f).display().to_string();
    // the output stream by name, from Model Manage
    env.run(&["stream", "add", "results", &path("out.json")])
        .ok();
    let mut engine = env
        .command(&["engine", "serve", "engine-1", "--port", "0"])
        .env("MODEL", path("scaled.py3"))
        .env("SCHEMAS", format!("ints:{}", path("ints.avsc")))
        .env(
            "STREAMS",
            format!("0:{};1:{}", path("in.json"), path("out.json")),
        )
        .env("ATTACHMENTS", path("factor.tar.gz"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // (the CLI talks to it once its engine.json names it)
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(engine_json(&env, "engine-1"))
        .is_ok_and(|t| t.contains(&format!("\"pid\":{}", engine.id())))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the engine did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // no REST call loads anything: the engine runs to FINISHED by itself
    loop {
        let state = env.run(&["engine", "inspect"]);
        if state.code == 0 && state.stdout == "FINISHED\n" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{}{}",
            state.stdout,
            state.stderr
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "10\n20\n30\n");
    assert_eq!(
        env.run(&["model", "inspect"])
            .ok()
            .stdout
            .lines()
            .nth(2)
            .map(|l| l.starts_with("scaled")),
        Some(true)
    );
    signal(engine.id() as i32, SIGTERM);
    let _ = engine.wait();
    // an engine the CLI starts on demand ignores such variables in the user's shell
    let plain = run(
        &env,
        &["engine", "inspect"],
        &[("MODEL", &path("scaled.py3"))],
    );
    assert_eq!(plain.stdout, "INIT\n");
}
