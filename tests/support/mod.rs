//! Shared test harness: a private HOME and FASTSCORE_HOME per test, and the real binary.
#![allow(dead_code)]

pub mod fleet;
pub mod kafka;
pub mod netns;
pub mod tls;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct Env {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    /// Panics with both streams when the exit status is not `code`.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn ok(self) -> Run {
        self.expect(0)
    }
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        std::fs::create_dir_all(dir.path().join("work")).expect("work");
        Env { dir }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("fastscore")
    }

    /// The working directory commands run in.
    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.work().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("dir");
        }
        std::fs::write(&path, content).expect("write");
        path
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fastscore"));
        cmd.args(args)
            .current_dir(self.work())
            .env("HOME", self.home())
            .env("FASTSCORE_HOME", self.store())
            .env("FASTSCORE_PYTHON", python())
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("XDG_DATA_HOME")
            .env_remove("EDITOR")
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
            .env_remove("ALL_PROXY")
            .env_remove("FASTSCORE_TIMEOUT")
            .env_remove("FASTSCORE_INSECURE")
            .env_remove("FASTSCORE_CA_FILE");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_input(args, "")
    }

    pub fn run_with_input(&self, args: &[&str], input: &str) -> Run {
        let mut cmd = self.command(args);
        finish(&mut cmd, input)
    }
}

impl Drop for Env {
    /// Every engine a test started is stopped with it.
    fn drop(&mut self) {
        if self.store().join("engines").exists() {
            let _ = self.command(&["engine", "stop"]).output();
        }
    }
}

pub fn finish(cmd: &mut Command, input: &str) -> Run {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fastscore");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    let out: Output = child.wait_with_output().expect("wait");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// As `finish`, but a command still running after `limit` is killed and the test fails
/// (a command that hangs must not hang the test suite).
pub fn finish_within(cmd: &mut Command, limit: std::time::Duration) -> Run {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fastscore");
    wait_within(child, limit, &format!("{cmd:?}"))
}

/// Wait for `child` (its stdout and stderr piped) to end; one still running after `limit`
/// is killed and the test fails.
pub fn wait_within(mut child: std::process::Child, limit: std::time::Duration, what: &str) -> Run {
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("wait");
            panic!(
                "{what} did not finish within {limit:?}\n--- stdout\n{}\n--- stderr\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out: Output = child.wait_with_output().expect("wait");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Whether process `pid` has ended: no such process, or a zombie its parent has not reaped
/// yet (here that parent is often PID 1, which reaps when it gets to it).
pub fn process_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

/// A signal to a process the test started (or the engine it started).
pub fn signal(pid: i32, sig: i32) {
    extern "C" {
        fn kill(pid: i32, sig: i32) -> i32;
    }
    // SAFETY: kill takes two integers and touches no memory of ours.
    unsafe { kill(pid, sig) };
}

pub const SIGINT: i32 = 2;
pub const SIGKILL: i32 = 9;
pub const SIGTERM: i32 = 15;
pub const SIGSTOP: i32 = 19;
pub const SIGCONT: i32 = 18;

/// A fixture file of the project.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The Python the engines run models with: $FASTSCORE_PYTHON, else the project's .venv
/// (made by `make test`), else python3.
pub fn python() -> String {
    if let Ok(p) = std::env::var("FASTSCORE_PYTHON") {
        if !p.is_empty() {
            return p;
        }
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() {
        return venv.display().to_string();
    }
    "python3".into()
}

/// The Python of `python()`, which must have the data science packages (pandas, xgboost).
pub fn data_python() -> String {
    let py = python();
    let ok = Command::new(&py)
        .args(["-c", "import pandas, sklearn, xgboost"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{py} lacks pandas, scikit-learn or xgboost: run `make test`, which installs them into .venv"
    );
    py
}

impl Env {
    /// The URL of a running local engine (from its engine.json).
    pub fn engine_url(&self, name: &str) -> String {
        let text =
            std::fs::read_to_string(self.store().join("engines").join(name).join("engine.json"))
                .expect("the engine is running");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("engine.json");
        doc["url"].as_str().expect("url").to_string()
    }

    pub fn engine_pid(&self, name: &str) -> i32 {
        self.engine_info(name)["pid"].as_i64().expect("pid") as i32
    }

    /// The token a running local engine requires (from its engine.json).
    pub fn engine_token(&self, name: &str) -> String {
        self.engine_info(name)["token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// `Authorization: Bearer <token>` for a running local engine, for `http`.
    pub fn engine_auth(&self, name: &str) -> (&'static str, String) {
        (
            "Authorization",
            format!("Bearer {}", self.engine_token(name)),
        )
    }

    pub fn engine_info(&self, name: &str) -> serde_json::Value {
        let text =
            std::fs::read_to_string(self.store().join("engines").join(name).join("engine.json"))
                .expect("the engine is running");
        serde_json::from_str(&text).expect("engine.json")
    }
}

/// A plain HTTP/1.1 request to a local engine or server (`url` may have a path, which
/// goes before `path`): (status, body).
pub fn http(
    url: &str,
    method: &str,
    path: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> (u16, Vec<u8>) {
    let answer = request(url, method, path, body, headers);
    (answer.status, answer.body)
}

/// An answer: status, head (header names lower-cased) and body.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Answer {
    /// The value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == name).then(|| v.trim())
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// As `http`, with the whole answer.
pub fn request(
    url: &str,
    method: &str,
    path: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> Answer {
    request_within(
        url,
        method,
        path,
        body,
        headers,
        std::time::Duration::from_secs(120),
    )
}

/// As `request`; the answer must come within `limit` (else the test fails).
pub fn request_within(
    url: &str,
    method: &str,
    path: &str,
    body: &[u8],
    headers: &[(&str, &str)],
    limit: std::time::Duration,
) -> Answer {
    use std::io::{Read, Write};
    let (host, base) = split_url(url);
    let path = format!("{base}{path}");
    let mut stream = std::net::TcpStream::connect(host).expect("connect to the server");
    stream.set_read_timeout(Some(limit)).expect("read timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("no answer to {method} {path} within {limit:?}: {e}"));
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    Answer {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    }
}

/// `http://host:port/base` → ("host:port", "/base").
pub fn split_url(url: &str) -> (&str, &str) {
    let rest = url.trim_start_matches("http://");
    match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    }
}

/// A keep-alive HTTP client of a local engine, passing its token when it has one.
pub struct EngineApi {
    agent: ureq::Agent,
    pub base: String,
    token: Option<String>,
}

impl Env {
    pub fn engine_api(&self, name: &str) -> EngineApi {
        let doc = self.engine_info(name);
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .proxy(None)
            .build();
        EngineApi {
            agent: config.into(),
            base: doc["url"].as_str().expect("url").to_string(),
            token: doc["token"].as_str().map(str::to_string),
        }
    }
}

impl EngineApi {
    /// One request: (status, body).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> (u16, Vec<u8>) {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(t) = &self.token {
            request = request.header("Authorization", format!("Bearer {t}"));
        }
        let response = self
            .agent
            .run(request.body(body.to_vec()).expect("request"))
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .expect("response body");
        (status, body)
    }

    pub fn get_json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.call("GET", path, b"", &[]);
        assert_eq!(
            status,
            200,
            "GET {path}: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).expect("JSON")
    }

    /// The pids of the model's jets.
    pub fn jet_pids(&self) -> Vec<i32> {
        self.get_json("/2/active/model")["jets"]
            .as_array()
            .expect("jets")
            .iter()
            .map(|j| j["pid"].as_i64().expect("pid") as i32)
            .collect()
    }
}

/// Whether a process is running (neither gone nor a zombie).
pub fn alive(pid: i32) -> bool {
    !process_gone(pid)
}

/// A `fastscore fleet serve` process with the store of `env`, its log in `fleet.log`;
/// stopped (SIGTERM, then SIGKILL) when dropped, before `env` stops the engines it started.
pub struct FleetServer {
    child: std::process::Child,
    pub url: String,
    /// The owner's token (`fleet/token` of its data directory) and the URL that carries it
    /// (`<url>/token/<token>`), which clients of another HOME connect to.
    pub token: String,
    pub owner_url: String,
}

impl FleetServer {
    pub fn start(env: &Env, args: &[&str]) -> FleetServer {
        use std::io::BufRead;
        let mut all = vec!["fleet", "serve", "--port", "0"];
        all.extend_from_slice(args);
        // its log: fleet.log beside the env's home
        let log = std::fs::File::create(env.dir.path().join("fleet.log")).expect("fleet.log");
        let mut child = env
            .command(&all)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn fleet serve");
        let stdout = child.stdout.take().expect("stdout");
        // the first line names the URL; a server that cannot start closes stdout at once
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .unwrap_or_default();
        let url = line
            .trim()
            .strip_prefix("Serving the FastScore fleet at ")
            .unwrap_or_else(|| panic!("fleet serve did not start: {line:?}"))
            .to_string();
        let token = std::fs::read_to_string(env.store().join("fleet/token"))
            .expect("the fleet's token")
            .trim()
            .to_string();
        let owner_url = format!("{url}/token/{token}");
        FleetServer {
            child,
            url,
            token,
            owner_url,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }
}

impl Drop for FleetServer {
    fn drop(&mut self) {
        signal(self.pid(), SIGTERM);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The guide's attachment: $FASTSCORE_TEST_ATTACHMENT (made by `make`), else trained here
/// with `python`.
pub fn attachment(env: &Env, python: &str) -> PathBuf {
    if let Ok(path) = std::env::var("FASTSCORE_TEST_ATTACHMENT") {
        if Path::new(&path).exists() {
            return PathBuf::from(path);
        }
    }
    let out = env.dir.path().join("trained");
    let status = std::process::Command::new(python)
        .arg(fixture("guide/train_iris.py"))
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .expect("run train_iris.py");
    assert!(status.success(), "training the iris classifier failed");
    out.join("xgboost_explicit.tar.gz")
}

/// The guide's attachment, as an argument.
pub fn attachment_fixture(env: &Env) -> String {
    attachment(env, &python()).display().to_string()
}

/// A TCP port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}
