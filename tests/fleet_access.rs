//! `fastscore fleet serve` in front of people who should not use it: other local users
//! (run here as `nobody`), clients that send their bodies slowly, password guessers, and
//! requests built to reach what they should not.

mod support;
use support::{request, request_within, Env, FleetServer};

/// Run `script` (Python) as the user `nobody`, with the fleet's plain URL as `URL`; what it
/// printed. The machines here run as root; elsewhere `sudo -n` must be allowed.
fn as_nobody(url: &str, script: &str) -> String {
    let root = uid() == 0;
    let mut cmd = if root {
        std::process::Command::new("setpriv")
    } else {
        let mut sudo = std::process::Command::new("sudo");
        sudo.args(["-n", "setpriv"]);
        sudo
    };
    let script = format!("URL = {url:?}\n{PY_HELPERS}\n{script}");
    cmd.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
        "/usr/bin/python3",
        "-c",
        &script,
    ])
    .current_dir("/");
    let run = support::finish_within(&mut cmd, std::time::Duration::from_secs(60));
    assert_eq!(
        run.code, 0,
        "as nobody (setpriv; as a user other than root, sudo -n must work): {}",
        run.stderr
    );
    run.stdout
}

/// The uid of this process, from /proc (no libc call needed).
fn uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|u| u.parse().ok())
        .expect("uid")
}

/// `status(method, path, headers)`: one request's status, over a raw socket.
const PY_HELPERS: &str = r#"
import socket, os
def status(method, path, headers={}):
    host, port = URL.split("//")[1].split(":")
    s = socket.create_connection((host, int(port)), timeout=30)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close", "Content-Length: 0"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    answer = b""
    while b"\r\n" not in answer:
        chunk = s.recv(4096)
        if not chunk:
            break
        answer += chunk
    s.close()
    return int(answer.split(b" ")[1])
"#;

#[test]
fn only_the_owner_is_served_other_local_users_get_401_everywhere() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &["--http"]);
    let token_file = server.store().join("fleet/token");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let printed = as_nobody(
        &fleet.url,
        &format!(
            r#"
ws = {{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}}
for method, path, headers in [
    ("GET", "/api/1/service/connect/1/health", {{}}),
    ("GET", "/api/1/service/connect/1/connect", {{}}),
    ("PUT", "/api/1/service/model-manage-1/1/model/x", {{}}),
    ("PUT", "/api/1/service/engine-1/1/job/model", {{}}),
    ("PUT", "/api/1/service/engine-1/2/active/stream/0", {{}}),
    ("GET", "/api/1/service/connect/2/pneumo", ws),
    ("GET", "/", {{}}),
    ("GET", "/?token=0123456789abcdef0123456789abcdef", {{}}),
    ("GET", "/token/0123456789abcdef0123456789abcdef/api/1/service/connect/1/health", {{}}),
    ("GET", "/api/1/service/connect/1/health", {{"Authorization": "Bearer nope"}}),
]:
    print(method, path.split("?")[0][:40], status(method, path, headers))
try:
    open({token:?}).read()
    print("token readable")
except OSError:
    print("token unreadable")
"#,
            token = token_file.display().to_string()
        ),
    );
    for line in printed.lines().filter(|l| !l.starts_with("token")) {
        assert!(line.ends_with(" 401"), "{printed}");
    }
    assert_eq!(printed.lines().count(), 11, "{printed}");
    assert!(printed.ends_with("token unreadable\n"), "{printed}");
    // nothing ran for them: no engine was started
    assert!(!server.store().join("engines/engine-1/engine.json").exists());
    // the owner: the token as a bearer or as a path prefix; on the page and its websocket,
    // which a browser cannot give a header, as ?token= (never as a cookie: a host's cookies
    // go to every port of it)
    let health = "/api/1/service/connect/1/health";
    let bearer = format!("Bearer {}", fleet.token);
    assert_eq!(
        request(
            &fleet.url,
            "GET",
            health,
            b"",
            &[("Authorization", &bearer)]
        )
        .status,
        200
    );
    assert_eq!(
        request(&fleet.owner_url, "GET", health, b"", &[]).status,
        200
    );
    let with_token = format!("?token={}", fleet.token);
    let page = request(&fleet.url, "GET", &format!("/{with_token}"), b"", &[]);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<html"), "{}", page.text());
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert!(page.header("set-cookie").is_none());
    let websocket = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    let pneumo = "/api/1/service/connect/2/pneumo";
    assert_eq!(
        upgrade_status(&fleet.url, &format!("{pneumo}{with_token}"), &websocket),
        101
    );
    // ?token= is the page's way only: an API call must send a header
    assert_eq!(
        request(
            &fleet.url,
            "GET",
            &format!("{health}{with_token}"),
            b"",
            &[]
        )
        .status,
        401
    );
    // our CLI with the fleet's own data directory sends the token itself, and `dashboard`
    // prints the page's address with it
    server.run(&["connect", &fleet.url]).ok();
    assert!(server.run(&["fleet"]).ok().stdout.contains("engine-1"));
    assert_eq!(
        server.run(&["dashboard"]).ok().stdout,
        format!("{}/?token={}\n", fleet.url, fleet.token)
    );
    // a client of another HOME: 401 in one line, then the URL with the token works
    let other = Env::new();
    let refused = other.run(&["connect", &fleet.url]).expect(1);
    assert_eq!(refused.stderr, "Authorization required\n");
    other.run(&["connect", &fleet.owner_url]).ok();
    assert!(other.run(&["fleet"]).ok().stdout.contains("engine-1"));
    // the token shows nowhere in the fleet's log
    let log = std::fs::read_to_string(server.dir.path().join("fleet.log")).unwrap();
    assert!(!log.contains(&fleet.token), "{log}");
    assert!(
        log.contains("refused a wrong owner's token from 127.0.0.1"),
        "{log}"
    );
}

/// The status of a websocket upgrade request (the connection is dropped after it).
fn upgrade_status(url: &str, path: &str, headers: &[(&str, &str)]) -> u16 {
    use std::io::{BufRead, Write};
    let (host, _) = support::split_url(url);
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stream)
        .read_line(&mut line)
        .unwrap();
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// One answer on `stream`: its head and its body (as long as its Content-Length says).
fn read_answer(stream: &mut std::net::TcpStream) -> String {
    use std::io::Read;
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if raw.len() >= end + 4 + length {
                return String::from_utf8_lossy(&raw[..end + 4 + length]).into_owned();
            }
        }
        let n = stream.read(&mut buf).expect("an answer in time");
        assert!(n > 0, "the connection closed before the answer");
        raw.extend_from_slice(&buf[..n]);
    }
}

/// Open a connection that declares a body of `declared` bytes and sends `sent` of them.
fn slow_body(url: &str, declared: u64, sent: &[u8]) -> std::net::TcpStream {
    use std::io::Write;
    let (host, base) = support::split_url(url);
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "PUT {base}/api/1/service/model-manage-1/1/model/slow HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/vnd.fastscore.model-python3\r\nContent-Length: {declared}\r\n\r\n"
    )
    .unwrap();
    stream.write_all(sent).unwrap();
    stream
}

#[test]
fn slow_and_oversized_bodies_do_not_hold_the_fleet() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &["--http"]);
    // two clients declare 1 GiB each (the largest body taken) and send 4 bytes
    let held: Vec<_> = (0..2)
        .map(|_| slow_body(&fleet.owner_url, 1 << 30, b"def "))
        .collect();
    // (a moment for the server to take them in: a fleet that reserved each declared body
    // in full would be out of room now)
    std::thread::sleep(std::time::Duration::from_millis(300));
    // everyone else is still served at once (the fleet used to answer 503 after 30 s): a
    // GET, and a PUT with a small body
    let soon = std::time::Duration::from_secs(5);
    let health = request_within(
        &fleet.owner_url,
        "GET",
        "/api/1/service/connect/1/health",
        b"",
        &[],
        soon,
    );
    assert_eq!(health.status, 200, "{}", health.text());
    let schema = request_within(
        &fleet.owner_url,
        "PUT",
        "/api/1/service/model-manage-1/1/schema/int",
        b"\"int\"",
        &[("Content-Type", "application/json")],
        soon,
    );
    assert_eq!(schema.status, 201, "{}", schema.text());
    // a body declared over the largest is refused before it is sent
    let mut over = slow_body(&fleet.owner_url, 2 << 30, b"");
    over.set_read_timeout(Some(soon)).unwrap();
    let answer = read_answer(&mut over);
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert!(
        answer.ends_with("the request body is larger than 1024 MiB, the limit of the fleet (its largest request)"),
        "{answer}"
    );
    drop(held);
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

const HEALTH: &str = "/api/1/service/connect/1/health";

#[test]
fn basic_credentials_are_taken_as_sent() {
    let server = Env::new();
    let users = server.write("users.txt", "bob:S3cretPW\ncarol:a%b\n");
    let fleet = FleetServer::start(&server, &["--http", "--users", users.to_str().unwrap()]);
    let status = |user: &str, password: &str| {
        let auth = basic(user, password);
        request(&fleet.url, "GET", HEALTH, b"", &[("Authorization", &auth)]).status
    };
    // RFC 7617: as sent; the original CLI's percent-encoded form; nothing else
    assert_eq!(status("bob", "S3cretPW"), 200);
    assert_eq!(status("bob", "S3cret%50W"), 401);
    assert_eq!(status("carol", "a%b"), 200);
    assert_eq!(status("carol", "a%25b"), 200);
}

#[test]
fn failed_logins_slow_down_and_are_logged_without_the_password() {
    let server = Env::new();
    let users = server.write("users.txt", "alice:Tr0ub4dor\nbob:S3cretPW\ncarol:c\n");
    let fleet = FleetServer::start(&server, &["--http", "--users", users.to_str().unwrap()]);
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    // carol logs in first: a session
    let login = request(
        &fleet.url,
        "POST",
        "/1/login",
        b"username=carol&password=c",
        &[form],
    );
    assert_eq!(login.status, 200);
    let cookie = login
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let status = |user: &str, password: &str| {
        let auth = basic(user, password);
        request(&fleet.url, "GET", HEALTH, b"", &[("Authorization", &auth)]).status
    };
    // 100 guesses in a row: after the first few, each must wait, whatever it guesses
    let answers: Vec<u16> = (0..100)
        .map(|n| status("alice", &format!("guess-{n}")))
        .collect();
    assert!(answers[..3].iter().all(|s| *s == 401), "{answers:?}");
    let waited = answers.iter().filter(|s| **s == 429).count();
    assert!(waited >= 90, "{answers:?}");
    // while alice waits here, her right password is refused too, with the time to wait
    let auth = basic("alice", "Tr0ub4dor");
    let refused = request(&fleet.url, "GET", HEALTH, b"", &[("Authorization", &auth)]);
    assert_eq!(refused.status, 429);
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!(retry >= 1, "{retry}");
    assert!(refused
        .text()
        .starts_with("Too many failed logins: try again in "));
    // the login form waits the same way, and so does every login from this address
    let again = request(
        &fleet.url,
        "POST",
        "/1/login",
        b"username=alice&password=Tr0ub4dor",
        &[form],
    );
    assert_eq!(again.status, 429);
    assert_eq!(status("bob", "S3cretPW"), 429);
    // a session that exists and the owner are never held back by others' guesses
    assert_eq!(
        request(&fleet.url, "GET", HEALTH, b"", &[("Cookie", &cookie)]).status,
        200
    );
    let bearer = format!("Bearer {}", fleet.token);
    assert_eq!(
        request(
            &fleet.url,
            "GET",
            HEALTH,
            b"",
            &[("Authorization", &bearer)]
        )
        .status,
        200
    );
    // a stranger's login form is read only up to a small size
    let big = vec![b'a'; 1 << 20];
    assert_eq!(
        request(&fleet.url, "POST", "/1/login", &big, &[form]).status,
        413
    );
    drop(fleet);
    let log = std::fs::read_to_string(server.dir.path().join("fleet.log")).unwrap();
    assert!(
        log.contains("fleet: refused a login for \"alice\" from 127.0.0.1 (1 in a row)"),
        "{log}"
    );
    assert!(
        log.contains("fleet: refused a login for \"alice\" from 127.0.0.1 (4 in a row; the next try waits 1 s)"),
        "{log}"
    );
    assert!(!log.contains("guess-"), "{log}");
    assert!(!log.contains("Tr0ub4dor"), "{log}");
}

#[test]
fn requests_built_to_reach_too_far_get_one_sentence() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &["--http"]);
    let mm = "/api/1/service/model-manage-1/1";
    let python = ("Content-Type", "application/vnd.fastscore.model-python3");
    // a name longer than a file name can be
    let long = "m".repeat(10_000);
    let answer = request(
        &fleet.owner_url,
        "PUT",
        &format!("{mm}/model/{long}"),
        b"def action(x):\n    yield x\n",
        &[python],
    );
    assert_eq!(
        (answer.status, answer.text().as_str()),
        (
            400,
            "a model name is at most 200 bytes long (this one has 10000)"
        )
    );
    let store = server.store().display().to_string();
    for (method, path) in [
        ("GET", format!("{mm}/model/{long}")),
        ("GET", format!("{mm}/schema/{long}")),
        ("PUT", format!("{mm}/model/x/snapshot/{long}")),
    ] {
        let answer = request(&fleet.owner_url, method, &path, b"", &[]);
        assert_eq!(answer.status, 400, "{path:.60}: {}", answer.text());
        assert!(!answer.text().contains(&store), "{}", answer.text());
    }
    // encoded slashes and dot segments are refused, not forwarded
    for path in [
        "/api/1/service/engine-1/..%2f..%2f1/health",
        "/api/1/service/engine-1/%2e%2e/1/health",
        "/api/1/service/model-manage-1/1/schema/..%2F..%2Fetc",
    ] {
        let answer = request(&fleet.owner_url, "GET", path, b"", &[]);
        assert_eq!(
            (answer.status, answer.text().as_str()),
            (
                400,
                "a path here may not hold '.' or '..' segments, or encoded slashes ('%2F', '%5C')"
            ),
            "{path}"
        );
    }
    // sensors: intervals below the floor, and taps the service does not have
    let json = ("Content-Type", "application/json");
    let fast = br#"{"Tap": "sys.memory", "Activate": {"Type": "regular", "Interval": 1e-9}}"#;
    let answer = request(
        &fleet.owner_url,
        "PUT",
        &format!("{mm}/sensor/fast"),
        fast,
        &[json],
    );
    assert_eq!(
        (answer.status, answer.text().as_str()),
        (400, "Activate.Interval must be at least 0.01 s, not 1e-9")
    );
    let nosuch = br#"{"Tap": "no.such.tap"}"#;
    let answer = request(
        &fleet.owner_url,
        "PUT",
        &format!("{mm}/sensor/x"),
        nosuch,
        &[json],
    );
    assert_eq!(
        (answer.status, answer.text().as_str()),
        (
            400,
            "no service has a tapping point 'no.such.tap' (see fastscore sensor points)"
        )
    );
    let engine_tap = br#"{"Tap": "manifold.0.records.count"}"#;
    for service in ["connect", "model-manage-1"] {
        let answer = request(
            &fleet.owner_url,
            "POST",
            &format!("/api/1/service/{service}/2/active/sensor"),
            engine_tap,
            &[json],
        );
        assert_eq!(answer.status, 400, "{service}: {}", answer.text());
        assert!(answer
            .text()
            .contains("no tapping point 'manifold.0.records.count'"));
        let points = request(
            &fleet.owner_url,
            "GET",
            &format!("/api/1/service/{service}/2/active/sensor/points"),
            b"",
            &[],
        )
        .text();
        assert!(!points.contains("manifold"), "{points}");
    }
    // our CLI says the same in one line
    server.write("fast.json", std::str::from_utf8(fast).unwrap());
    let refused = server
        .run(&["sensor", "add", "fast", "fast.json"])
        .expect(1);
    assert_eq!(
        refused.stderr,
        "Error: Cannot save sensor 'fast'\n  Caused by: Activate.Interval must be at least 0.01 s, not 1e-9\n"
    );
}

#[test]
fn a_stale_record_of_a_fleet_server_never_gets_the_owners_token() {
    let env = Env::new();
    // the fleet server of this data directory was killed: its record stays, and another
    // server now answers at its address
    let other = support::fleet::Fleet::start();
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    let token = "ab".repeat(32);
    let fleet_dir = env.store().join("fleet");
    std::fs::create_dir_all(&fleet_dir).unwrap();
    std::fs::write(fleet_dir.join("token"), &token).unwrap();
    std::fs::write(
        fleet_dir.join("server.json"),
        serde_json::json!({"url": other.url, "pid": pid, "start_time": 1}).to_string(),
    )
    .unwrap();
    env.run(&["connect", &other.url]).ok();
    env.run(&["fleet"]).ok();
    assert!(!other.requests().is_empty());
    assert!(
        other
            .requests()
            .iter()
            .all(|r| r.header("Authorization").is_none()),
        "the token went to another server"
    );
    // connected to that fleet, `dashboard` names its page without the token
    assert_eq!(
        env.run(&["dashboard"]).ok().stdout,
        format!("{}/\n", other.url)
    );
    // and with the embedded fleet it does not take that server for its own: it starts one
    env.run(&["connect", "embedded"]).ok();
    let url = env.run(&["dashboard"]).ok().stdout;
    assert!(
        !url.starts_with(&other.url) && url.contains("/?token="),
        "{url}"
    );
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.store().join("fleet/server.json")).unwrap())
            .unwrap();
    let started = record["pid"].as_i64().unwrap() as i32;
    support::signal(started, support::SIGTERM);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !support::process_gone(started) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    support::signal(started, support::SIGKILL);
}
