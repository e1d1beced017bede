//! `fastscore fleet serve`: Connect, Model Manage and engines behind one endpoint, driven by
//! this CLI's remote mode, by raw REST calls and by the original FastScore CLI 1.10.3.

mod support;
use support::{fixture, http, Env, FleetServer};

/// A client of the fleet: its own HOME and store, connected with the fleet's certificate.
fn client_of(server_env: &Env, fleet: &FleetServer) -> Env {
    let client = Env::new();
    let cert = server_env.store().join("fleet/cert.pem");
    client
        .run(&[
            "connect",
            &fleet.owner_url,
            &format!("-cacert:{}", cert.display()),
        ])
        .ok();
    client
}

fn guide(file: &str) -> String {
    fixture(&format!("guide/{file}")).display().to_string()
}

/// The guide's first ten input records, one per line.
fn ten_inputs() -> String {
    let inputs = std::fs::read_to_string(guide("xgboost_iris_inputs.jsons")).unwrap();
    inputs.lines().take(10).map(|l| format!("{l}\n")).collect()
}

/// The guide's schemas, model and attachment, added with `fastscore` of `client`.
fn add_guide_assets(client: &Env, attachment: &str) {
    client
        .run(&[
            "schema",
            "add",
            "xgboost_input",
            &guide("xgboost_iris_input.avsc"),
        ])
        .ok();
    client
        .run(&[
            "schema",
            "add",
            "xgboost_output",
            &guide("xgboost_iris_output.avsc"),
        ])
        .ok();
    client
        .run(&[
            "model",
            "add",
            "xgboost_iris-py3",
            &guide("xgboost_iris.py3"),
        ])
        .ok();
    client
        .run(&["attachment", "upload", "xgboost_iris-py3", attachment])
        .ok();
}

#[test]
fn our_cli_runs_the_guide_against_a_fleet_over_https() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &[]);
    assert!(fleet.url.starts_with("https://127.0.0.1:"), "{}", fleet.url);
    let cert = server.store().join("fleet/cert.pem");
    let mode = |p: &std::path::Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&cert), 0o600);
    assert_eq!(mode(&server.store().join("fleet/key.pem")), 0o600);
    let c = client_of(&server, &fleet);
    assert_eq!(
        c.run(&["fleet"]).ok().stdout,
        "Name            API           Health\n--------------  ------------  --------\nmodel-manage-1  model-manage  ok\nengine-1        engine        ok\n"
    );
    add_guide_assets(&c, &support::attachment_fixture(&c));
    c.run(&["stream", "add", "rest", &guide("rest.json")]).ok();
    c.run(&["use", "engine-1"]).ok();
    c.run(&["engine", "reset"]).ok();
    c.run(&["run", "xgboost_iris-py3", "rest:", "rest:"]).ok();
    assert_eq!(c.run(&["engine", "inspect"]).ok().stdout, "RUNNING\n");
    c.run_with_input(&["model", "input"], &ten_inputs()).ok();
    for _ in 0..10 {
        let out = c.run(&["model", "output"]).ok().stdout;
        let prediction: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert!(prediction["A"].is_number(), "{out}");
    }
    // the store is the server's: the fleet's own CLI sees what the client added
    assert_eq!(
        server.run(&["model", "list"]).ok().stdout,
        "Name              Type\n----------------  -------\nxgboost_iris-py3  python3\n"
    );
    // an engine's own sentences reach the client as one line
    let run = c.run(&["model", "show", "nosuch"]).expect(1);
    assert_eq!(run.stderr, "Error: Model 'nosuch' not found\n");
    c.run(&["engine", "reset"]).ok();
}

#[test]
fn the_rest_api_of_connect_model_manage_and_the_proxy() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &["--http"]);
    let url = fleet.owner_url.clone();
    let call = |method: &str, path: &str, body: &[u8], headers: &[(&str, &str)]| {
        let (status, body) = http(&url, method, path, body, headers);
        (status, String::from_utf8_lossy(&body).into_owned())
    };
    let json = |text: &str| -> serde_json::Value { serde_json::from_str(text).unwrap() };
    // health and swagger of every service
    for instance in ["connect", "model-manage-1", "engine-1"] {
        let (status, body) = call(
            "GET",
            &format!("/api/1/service/{instance}/1/health"),
            b"",
            &[],
        );
        assert_eq!(status, 200, "{instance}: {body}");
        assert_eq!(json(&body)["release"], env!("CARGO_PKG_VERSION"));
        let (status, body) = call(
            "GET",
            &format!("/api/1/service/{instance}/1/swagger"),
            b"",
            &[],
        );
        assert_eq!(status, 200);
        assert_eq!(json(&body)["swagger"], "2.0");
    }
    // the fleet serves engine-1 (--engines 1, the default) and the engines that joined
    for name in ["engine-0", "engine-2", "engine-42"] {
        let (status, body) = call("GET", &format!("/api/1/service/{name}/1/health"), b"", &[]);
        assert_eq!(
            (status, body.as_str()),
            (404, format!("Instance '{name}' not found").as_str())
        );
    }
    // the listing and its filters
    let (_, body) = call(
        "GET",
        "/api/1/service/connect/1/connect?api=model-manage",
        b"",
        &[],
    );
    let listed = json(&body);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "model-manage-1");
    assert_eq!(listed[0]["health"], "ok");
    let (_, body) = call(
        "GET",
        "/api/1/service/connect/1/connect?name=engine-1",
        b"",
        &[],
    );
    assert_eq!(json(&body)[0]["api"], "engine");
    let (_, body) = call(
        "GET",
        "/api/1/service/connect/1/connect?name=engine-2",
        b"",
        &[],
    );
    assert_eq!(body, "[]");
    let (_, body) = call(
        "GET",
        "/api/1/service/connect/1/connect?name=nobody",
        b"",
        &[],
    );
    assert_eq!(body, "[]");
    // configuration: 404, then 201 and 204, then the document and a section
    assert_eq!(
        call("GET", "/api/1/service/connect/1/config", b"", &[]).0,
        404
    );
    let yaml = b"fastscore:\n  db:\n    type: mysql\n    port: 3306\n";
    let put = |body: &[u8]| {
        call(
            "PUT",
            "/api/1/service/connect/1/config",
            body,
            &[("Content-Type", "application/x-yaml")],
        )
        .0
    };
    assert_eq!(put(yaml), 201);
    assert_eq!(put(yaml), 204);
    assert_eq!(put(b"- a list"), 400);
    let (_, body) = call("GET", "/api/1/service/connect/1/config?q=db", b"", &[]);
    assert_eq!(json(&body)["type"], "mysql");
    // models keep their exact MIME type; attachments answer HEAD with their size
    let mm = "/api/1/service/model-manage-1/1";
    let model_type = ("Content-Type", "application/vnd.fastscore.model-python3");
    let source = b"def action(x):\n    yield x\n";
    assert_eq!(
        call("PUT", &format!("{mm}/model/echo"), source, &[model_type]).0,
        201
    );
    assert_eq!(
        call("PUT", &format!("{mm}/model/echo"), source, &[model_type]).0,
        204
    );
    let (status, head) = raw_head(&url, &format!("{mm}/model/echo"));
    assert_eq!(status, 200);
    assert!(
        head.contains("content-type: application/vnd.fastscore.model-python3\r\n"),
        "{head}"
    );
    let archive = std::fs::read(support::attachment_fixture(&server)).unwrap();
    let gzip = ("Content-Type", "application/gzip");
    assert_eq!(
        call(
            "PUT",
            &format!("{mm}/model/echo/attachment/a.tar.gz"),
            &archive,
            &[gzip]
        )
        .0,
        201
    );
    assert_eq!(
        call(
            "PUT",
            &format!("{mm}/model/nosuch/attachment/a.tar.gz"),
            &archive,
            &[gzip]
        )
        .0,
        404
    );
    assert_eq!(
        call("GET", &format!("{mm}/model/nosuch/attachment"), b"", &[]).0,
        403
    );
    let (status, head) = raw_head_method(
        &url,
        "HEAD",
        &format!("{mm}/model/echo/attachment/a.tar.gz"),
    );
    assert_eq!(status, 200);
    assert!(
        head.contains(&format!("content-length: {}\r\n", archive.len())),
        "{head}"
    );
    assert!(
        head.contains("content-type: application/gzip\r\n"),
        "{head}"
    );
    let (status, body) = call("GET", &format!("{mm}/model?return=type"), b"", &[]);
    assert_eq!(
        (status, json(&body)),
        (
            200,
            serde_json::json!([{"name": "echo", "type": "python3"}])
        )
    );
    // schemas, streams and sensors; names that would escape the store are refused
    let app_json = ("Content-Type", "application/json");
    assert_eq!(
        call("PUT", &format!("{mm}/schema/int"), b"\"int\"", &[app_json]).0,
        201
    );
    assert_eq!(
        call("GET", &format!("{mm}/schema/int"), b"", &[]).1,
        "\"int\""
    );
    assert_eq!(
        call("GET", &format!("{mm}/schema"), b"", &[]).1,
        "[\"int\"]"
    );
    assert_eq!(
        call(
            "PUT",
            &format!("{mm}/schema/%2E%2E"),
            b"\"int\"",
            &[app_json]
        )
        .0,
        400
    );
    assert_eq!(call("DELETE", &format!("{mm}/schema/int"), b"", &[]).0, 204);
    assert_eq!(call("DELETE", &format!("{mm}/schema/int"), b"", &[]).0, 404);
    // the engine behind the proxy takes the model from this store
    let (status, _) = call("GET", "/api/1/service/engine-1/2/engine/state", b"", &[]);
    assert_eq!(status, 200);
    let load = [
        model_type,
        ("Content-Disposition", "x-model; name=\"echo\""),
    ];
    let (status, body) = call(
        "PUT",
        "/api/1/service/engine-1/1/job/model?dry-run=True",
        source,
        &load,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["slots"][0]["slot"], 0);
    assert_eq!(
        call(
            "POST",
            "/api/1/service/engine-1/2/engine/reset",
            b"",
            &[app_json]
        )
        .0,
        204
    );
}

/// The status and headers (lower-case names) of a bodiless request.
fn raw_head_method(url: &str, method: &str, path: &str) -> (u16, String) {
    let answer = support::request(url, method, path, b"", &[]);
    (answer.status, answer.head + "\r\n")
}

fn raw_head(url: &str, path: &str) -> (u16, String) {
    raw_head_method(url, "GET", path)
}

/// The original FastScore CLI 1.10.3 ($FASTSCORE_TEST_ORIG_CLI, installed by `make test`),
/// with its own HOME.
struct Original {
    bin: String,
    home: tempfile::TempDir,
}

impl Original {
    fn new() -> Original {
        let bin = std::env::var("FASTSCORE_TEST_ORIG_CLI").expect(
            "FASTSCORE_TEST_ORIG_CLI is not set: run the tests with `make test`, which installs the original CLI",
        );
        assert!(
            std::path::Path::new(&bin).exists(),
            "{bin} is missing: `make test` installs it"
        );
        Original {
            bin,
            home: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Exit status and stdout+stderr without colour codes.
    fn run(&self, args: &[&str], input: &str) -> (i32, String) {
        let mut cmd = std::process::Command::new(&self.bin);
        cmd.args(args)
            .current_dir(self.home.path())
            .env("HOME", self.home.path());
        let run = support::finish(&mut cmd, input);
        let text = format!("{}{}", run.stdout, run.stderr);
        let plain = regex_lite::Regex::new("\x1b\\[[0-9;]*m")
            .unwrap()
            .replace_all(&text, "")
            .into_owned();
        (run.code, plain)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, text) = self.run(args, "");
        assert_eq!(code, 0, "fastscore {args:?}: {text}");
        assert!(!text.contains("Error"), "fastscore {args:?}: {text}");
        text
    }
}

#[test]
fn the_original_cli_runs_the_guide_against_fleet_serve() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &[]);
    let orig = Original::new();
    orig.ok(&["connect", &fleet.owner_url]);
    let listed = orig.ok(&["fleet"]);
    assert!(
        listed.contains("model-manage-1  model-manage  ok"),
        "{listed}"
    );
    assert!(
        listed.contains("engine-1        engine        ok"),
        "{listed}"
    );
    let verbose = orig.ok(&["fleet", "-v"]);
    assert!(
        verbose.contains(&format!(
            "connect         connect       ok        {}",
            env!("CARGO_PKG_VERSION")
        )),
        "{verbose}"
    );
    orig.ok(&["use", "engine-1"]);
    orig.ok(&[
        "schema",
        "add",
        "xgboost_input",
        &guide("xgboost_iris_input.avsc"),
    ]);
    orig.ok(&[
        "schema",
        "add",
        "xgboost_output",
        &guide("xgboost_iris_output.avsc"),
    ]);
    orig.ok(&[
        "model",
        "add",
        "xgboost_iris-py3",
        &guide("xgboost_iris.py3"),
    ]);
    let attachment = support::attachment_fixture(&server);
    orig.ok(&["attachment", "upload", "xgboost_iris-py3", &attachment]);
    orig.ok(&["stream", "add", "rest", &guide("rest.json")]);
    orig.ok(&["engine", "reset"]);
    orig.ok(&["run", "xgboost_iris-py3", "rest:", "rest:"]);
    assert_eq!(orig.ok(&["engine", "inspect"]), "RUNNING\n");
    let (code, text) = orig.run(&["model", "input"], &ten_inputs());
    assert_eq!(code, 0, "{text}");
    for _ in 0..10 {
        let out = orig.ok(&["model", "output"]);
        let prediction: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert!(prediction["A"].is_number(), "{out}");
    }
    let models: serde_json::Value =
        serde_json::from_str(&orig.ok(&["model", "list", "-json"])).unwrap();
    assert_eq!(models[0]["name"], "xgboost_iris-py3");
    // a second run without a reset replaces the model (every output was read)
    orig.ok(&["run", "xgboost_iris-py3", "rest:", "rest:"]);
    assert_eq!(orig.ok(&["engine", "inspect"]), "RUNNING\n");
    // what the original client added, our CLI on the server's machine sees
    assert!(server
        .run(&["stream", "list"])
        .ok()
        .stdout
        .contains("rest\n"));
    orig.ok(&["engine", "reset"]);
    assert_eq!(orig.ok(&["engine", "inspect"]), "INIT\n");
}

#[test]
fn with_users_every_request_authenticates_and_without_them_only_loopback_is_served() {
    let server = Env::new();
    // no users: loopback only
    let refused = server
        .run(&["fleet", "serve", "--bind", "0.0.0.0", "--port", "0"])
        .expect(1);
    assert!(
        refused.stderr.starts_with(
            "Error: Without users the fleet answers only its owner, on this machine, so it listens on loopback only"
        ),
        "{}",
        refused.stderr
    );
    let users = server.write(
        "users.txt",
        "# the fleet's users\nalice:s3cret:with:colons\n",
    );
    let fleet = FleetServer::start(&server, &["--http", "--users", users.to_str().unwrap()]);
    let health = "/api/1/service/connect/1/health";
    assert_eq!(http(&fleet.url, "GET", health, b"", &[]).0, 401);
    let basic = |user: &str, password: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    };
    let good = basic("alice", "s3cret%3Awith%3Acolons");
    assert_eq!(
        http(&fleet.url, "GET", health, b"", &[("Authorization", &good)]).0,
        200
    );
    let bad = basic("alice", "wrong");
    assert_eq!(
        http(&fleet.url, "GET", health, b"", &[("Authorization", &bad)]).0,
        401
    );
    // the LDAP-style login gives a session cookie, also taken as a bearer token
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    assert_eq!(
        http(
            &fleet.url,
            "POST",
            "/1/login",
            b"username=alice&password=nope",
            &[form]
        )
        .0,
        401
    );
    let (status, cookie) =
        login_cookie(&fleet.url, "username=alice&password=s3cret%3Awith%3Acolons");
    assert_eq!(status, 200);
    let sid = cookie.strip_prefix("connect.sid=").unwrap().to_string();
    assert_eq!(
        http(&fleet.url, "GET", health, b"", &[("Cookie", &cookie)]).0,
        200
    );
    let bearer = format!("Bearer Bearer {sid}");
    assert_eq!(
        http(
            &fleet.url,
            "GET",
            health,
            b"",
            &[("Authorization", &bearer)]
        )
        .0,
        200
    );
    // our CLI: the connection is saved on 401, `login basicauth` makes it work
    let c = Env::new();
    let run = c.run(&["connect", &fleet.url]).expect(1);
    assert_eq!(run.stderr, "Authorization required\n");
    c.run(&[
        "login",
        "basicauth",
        "-username:alice",
        "-password:s3cret:with:colons",
    ])
    .ok();
    assert!(c.run(&["fleet"]).ok().stdout.contains("model-manage-1"));
    // the password shows nowhere in the server's log
    drop(fleet);
    let log = std::fs::read_to_string(server.dir.path().join("fleet.log")).unwrap();
    assert!(log.contains("basic auth for 1 user(s)"), "{log}");
    assert!(!log.contains("s3cret"), "{log}");
}

/// POST /1/login; the status and the `connect.sid=…` pair of its cookie.
fn login_cookie(url: &str, form: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let host = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST /1/login HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let cookie = raw
        .lines()
        .find_map(|l| {
            l.to_lowercase()
                .starts_with("set-cookie:")
                .then(|| l[11..].trim().to_string())
        })
        .and_then(|c| c.split(';').next().map(str::to_string))
        .unwrap_or_default();
    (status, cookie)
}

/// An engine on "another machine": its own home, listening on its own loopback address,
/// joined to `fleet`; killed by pid when dropped.
struct JoinedEngine {
    child: std::process::Child,
    _env: Env,
}

impl JoinedEngine {
    fn start(name: &str, addr: &str, fleet: &FleetServer, cert: &std::path::Path) -> JoinedEngine {
        let env = Env::new();
        let child = env
            // (the URL with the owner's token goes in the environment, which other users
            // cannot read, not on the command line, which they can)
            .command(&["engine", "serve", name, "--bind", addr, "--port", "0"])
            .env("CONNECT_PREFIX", &fleet.owner_url)
            .env("FASTSCORE_CA_FILE", cert)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("engine serve");
        JoinedEngine { child, _env: env }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }
}

impl Drop for JoinedEngine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `fastscore fleet` until `done` says it shows what is wanted (at most 30 s).
fn fleet_until(client: &Env, done: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let listed = client.run(&["fleet"]).ok().stdout;
        if done(&listed) {
            return listed;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the fleet never showed it:\n{listed}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn engines_on_other_machines_join_the_fleet_and_take_its_assets() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &[]);
    let cert = server.store().join("fleet/cert.pem");
    let e7 = JoinedEngine::start("engine-7", "127.0.0.2", &fleet, &cert);
    let e8 = JoinedEngine::start("engine-8", "127.0.0.3", &fleet, &cert);
    let c = client_of(&server, &fleet);
    let listed = fleet_until(&c, |l| {
        l.contains("engine-7        engine        ok")
            && l.contains("engine-8        engine        ok")
    });
    assert!(
        listed.contains("model-manage-1  model-manage  ok"),
        "{listed}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&c.run(&["fleet", "-json"]).ok().stdout).unwrap();
    let e7_record = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "engine-7")
        .unwrap();
    assert_eq!(e7_record["host"], "127.0.0.2");
    // the assets live in the fleet's Model Manage only; the engines' own stores are empty
    add_guide_assets(&c, &support::attachment_fixture(&server));
    let ten = ten_inputs();
    // our CLI drives engine-7 through the fleet
    c.run(&["use", "engine-7"]).ok();
    c.run(&["run", "xgboost_iris-py3", "rest:", "rest:"]).ok();
    c.run_with_input(&["model", "input"], &ten).ok();
    let first = c.run(&["model", "output"]).ok().stdout;
    assert!(first.starts_with("{\"A\": "), "{first}");
    // the original CLI drives engine-8, which resolves the schemas by name in the fleet
    let orig = Original::new();
    orig.ok(&["connect", &fleet.owner_url]);
    orig.ok(&["use", "engine-8"]);
    orig.ok(&["run", "xgboost_iris-py3", "rest:", "rest:"]);
    assert_eq!(orig.ok(&["engine", "inspect"]), "RUNNING\n");
    let (code, text) = orig.run(&["model", "input"], &ten);
    assert_eq!(code, 0, "{text}");
    assert_eq!(orig.ok(&["model", "output"]), first);
    // an engine that dies is unhealthy at once; one that stops leaves the fleet
    support::signal(e8.pid(), support::SIGKILL);
    fleet_until(&c, |l| l.contains("engine-8        engine        fail"));
    support::signal(e7.pid(), support::SIGTERM);
    fleet_until(&c, |l| !l.contains("engine-7"));
}

#[test]
fn pneumo_carries_the_engines_messages_to_the_original_clients() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &[]);
    let orig = Original::new();
    orig.ok(&["connect", &fleet.owner_url]);
    // it scores once `run -wait` has opened its websocket: the original's client hears only
    // what happens after it connects
    let go = server.work().join("go-cube");
    server.write("cube.py3", gated(&go, "    yield x*x*x\n"));
    orig.ok(&[
        "model",
        "add",
        "cube",
        server.work().join("cube.py3").to_str().unwrap(),
    ]);
    orig.ok(&["engine", "reset"]);
    // `run -wait` follows the engine's state over the websocket until FINISHED
    let waited = run_wait_gated(
        &orig,
        &server,
        &["run", "cube", "inline:1,2,3", "discard:", "-wait"],
        &go,
    );
    assert_eq!(waited.code, 0, "{}{}", waited.stdout, waited.stderr);
    assert_eq!(orig.ok(&["engine", "inspect"]), "FINISHED\n");
    // `pneumo` prints the messages as they come (from then on, as the original's did)
    let before = pneumo_clients(&server);
    let log = orig.home.path().join("pneumo.log");
    let mut watch = std::process::Command::new(&orig.bin)
        .arg("pneumo")
        .current_dir(orig.home.path())
        .env("HOME", orig.home.path())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let seen = |want: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains(want) {
                return text;
            }
            if std::time::Instant::now() > deadline {
                return text;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    // (it is listening once the fleet has one more websocket client: its log says so)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while pneumo_clients(&server) < before + 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    orig.ok(&["engine", "reset"]);
    let after = seen("engine-1: state is INIT");
    assert!(!after.contains("state is FINISHED"), "{after}");
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(after.contains("engine-1: state is INIT"), "{after}");
    // the history: what happened, in order, with the engine as source
    let (status, body) = history(&server, &fleet);
    assert_eq!(status, 200);
    let messages: serde_json::Value = serde_json::from_str(&body).unwrap();
    let kinds: Vec<String> = messages
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["src"] == "engine-1")
        .map(|m| {
            format!(
                "{} {}",
                m["type"].as_str().unwrap(),
                m.get("state")
                    .or(m.get("op"))
                    .map(|v| v.as_str().unwrap_or(""))
                    .unwrap_or("")
            )
        })
        .collect();
    // our CLI reads the same history from the fleet
    let c = client_of(&server, &fleet);
    let ours = c.run(&["pneumo", "history"]).ok().stdout;
    assert!(ours.contains(":engine-1: state is FINISHED"), "{ours}");
    for want in [
        "engine-config load",
        "engine-state running",
        "engine-state finished",
        "engine-state init",
    ] {
        assert!(kinds.iter().any(|k| k == want), "{want} not in {kinds:?}");
    }
}

#[test]
fn the_original_run_wait_waits_for_its_own_engine_and_unknown_instances_are_not_found() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &["--engines", "2"]);
    let orig = Original::new();
    orig.ok(&["connect", &fleet.owner_url]);
    // it scores once `run -wait` has opened its websocket: the original's client hears only
    // what happens after it connects
    let go = server.work().join("go-cube");
    server.write("cube.py3", gated(&go, "    yield x*x*x\n"));
    // it fails once the client has opened its websocket
    let go_late = server.work().join("go-late");
    server.write(
        "late.py3",
        gated(
            &go_late,
            "    raise ValueError('record %s is no good' % x)\n",
        ),
    );
    for model in ["cube", "late"] {
        let file = server.work().join(format!("{model}.py3"));
        orig.ok(&["model", "add", model, file.to_str().unwrap()]);
    }
    // engine-2 finishes first
    orig.ok(&["use", "engine-2"]);
    orig.ok(&["engine", "reset"]);
    let finished = run_wait_gated(
        &orig,
        &server,
        &["run", "cube", "inline:1,2,3", "discard:", "-wait"],
        &go,
    );
    assert_eq!(finished.code, 0, "{}{}", finished.stdout, finished.stderr);
    assert_eq!(orig.ok(&["engine", "inspect"]), "FINISHED\n");
    // on engine-1 the model fails: -wait prints its error, not engine-2's old FINISHED
    orig.ok(&["use", "engine-1"]);
    orig.ok(&["engine", "reset"]);
    let waited = run_wait_gated(
        &orig,
        &server,
        &["run", "late", "inline:1", "discard:", "-wait"],
        &go_late,
    );
    let said = format!("{}{}", waited.stdout, waited.stderr);
    assert_eq!(waited.code, 0, "{said}");
    assert!(said.contains("engine-1: MODEL ERROR"), "{said}");
    assert!(said.contains("record 1 is no good"), "{said}");
    assert_eq!(orig.run(&["engine", "inspect"], "").1, "ERROR\n");
    // instances the fleet does not serve are not found, as in the original
    for name in ["engine-3", "engine-42"] {
        let (code, text) = orig.run(&["use", name], "");
        assert_eq!(
            (code, text.as_str()),
            (1, format!("Error: Instance '{name}' not found\n").as_str())
        );
    }
    let c = client_of(&server, &fleet);
    assert_eq!(
        c.run(&["use", "engine-42"]).expect(1).stderr,
        "Error: Instance 'engine-42' not found\n"
    );
    assert!(!server.store().join("engines/engine-42").exists());
    orig.ok(&["engine", "reset"]);
}

/// How many Pneumo websocket clients the fleet of `server` has had (its log says each).
fn pneumo_clients(server: &Env) -> usize {
    std::fs::read_to_string(server.dir.path().join("fleet.log"))
        .unwrap_or_default()
        .matches("fleet: a Pneumo client connected")
        .count()
}

/// A Python model whose action waits (at most 60 s) for the file `go`, then runs `body`.
fn gated(go: &std::path::Path, body: &str) -> String {
    format!(
        "import os, time\nGO = {:?}\ndef action(x):\n    deadline = time.time() + 60\n    while not os.path.exists(GO) and time.time() < deadline:\n        time.sleep(0.05)\n{body}",
        go.display().to_string()
    )
}

/// `orig` runs `args` (a `run … -wait`) while its model waits for the file `go`, which is
/// made once the fleet has one more Pneumo client than before: the command's websocket.
fn run_wait_gated(
    orig: &Original,
    server: &Env,
    args: &[&str],
    go: &std::path::Path,
) -> support::Run {
    let before = pneumo_clients(server);
    let child = std::process::Command::new(&orig.bin)
        .args(args)
        .current_dir(orig.home.path())
        .env("HOME", orig.home.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while pneumo_clients(server) == before && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::fs::write(go, "").unwrap();
    support::wait_within(
        child,
        std::time::Duration::from_secs(60),
        &format!("{args:?}"),
    )
}

/// `GET /api/1/service/connect/2/pneumo` over HTTPS, with the original SDK's Python.
fn history(server: &Env, fleet: &FleetServer) -> (u16, String) {
    let text = requests(
        server,
        &format!(
            "import sys\nr = requests.get({:?}, verify=CERT)\nsys.stdout.write(str(r.status_code) + '\\n' + r.text)",
            format!("{}/api/1/service/connect/2/pneumo", fleet.owner_url)
        ),
    );
    let (status, body) = text.split_once('\n').unwrap_or(("0", ""));
    (status.parse().unwrap_or(0), body.to_string())
}

#[test]
fn the_original_sdk_engine_calls_pass_through_the_fleet() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &[]);
    let orig = Original::new();
    let python = std::path::Path::new(&orig.bin).with_file_name("python");
    let mut cmd = std::process::Command::new(python);
    cmd.arg(fixture("sdk/engine_calls.py"))
        .arg(&fleet.owner_url)
        .current_dir(orig.home.path())
        .env("HOME", orig.home.path());
    let run = support::finish_within(&mut cmd, std::time::Duration::from_secs(120));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        40,
        "{}",
        run.stdout
    );
}

/// A command that runs until Ctrl-C, its stdout in `log`, stopped once `done` says so.
fn live_until(
    mut cmd: std::process::Command,
    log: &std::path::Path,
    done: impl Fn(&str) -> bool,
) -> String {
    let mut child = cmd
        .stdout(std::fs::File::create(log).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let text = loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if done(&text) || std::time::Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    support::signal(child.id() as i32, support::SIGINT);
    let _ = child.wait();
    text
}

#[test]
fn sensors_and_live_commands_work_through_the_fleets_websocket() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &[]);
    let c = client_of(&server, &fleet);
    let data = c.write(
        "in.jsons",
        (1..=1000).map(|n| format!("{n}\n")).collect::<String>(),
    );
    let doc = serde_json::json!({"Transport": {"Type": "file", "Path": data}, "Loop": true, "Encoding": "json"});
    c.write("loop.json", doc.to_string());
    c.run(&["stream", "add", "loop", "loop.json"]).ok();
    c.write("echo.py3", "def action(x):\n    yield x\n");
    c.run(&["model", "add", "echo", "echo.py3"]).ok();
    c.run(&["run", "echo", "loop", "discard:"]).ok();
    c.run(&["use", "engine-1"]).ok();
    assert!(c
        .run(&["sensor", "inspect"])
        .ok()
        .stdout
        .contains("   8  manifold.0.records.rejected.by.schema"));
    // over the fleet's websocket: the engine's default sensors and the ones stats installs
    let streams = live_until(
        c.command(&["stats", "streams"]),
        &c.work().join("streams.log"),
        |t| {
            t.lines()
                .any(|l| l.contains(" rps | 1:") && !l.contains("0:---"))
        },
    );
    assert!(streams.starts_with("engine-1: 0:"), "{streams}");
    let pneumo = live_until(c.command(&["pneumo"]), &c.work().join("pneumo.log"), |t| {
        t.contains(": sensor[6] manifold.0.records.count: ")
    });
    assert!(
        pneumo.contains(":engine-1: sensor[6] manifold.0.records.count: "),
        "{pneumo}"
    );
    let monitor = live_until(
        c.command(&["monitor"]),
        &c.work().join("monitor.log"),
        |t| t.contains(" rps") && t.contains(" mbps"),
    );
    assert!(monitor.contains("Engine: engine-1 [RUNNING]"), "{monitor}");
    // Connect has sensors of its own: the fleet server's memory
    c.run(&["use", "connect"]).ok();
    let memory = live_until(
        c.command(&["stats", "memory"]),
        &c.work().join("memory.log"),
        |t| t.contains("mb"),
    );
    assert!(
        memory.starts_with("connect: ") && memory.trim_end().ends_with("mb"),
        "{memory}"
    );
    assert_eq!(
        c.run(&["sensor", "inspect"]).ok().stdout,
        "Id    Tap\n----  -----\n"
    );
    // the original CLI reads the same sensors and reports
    let orig = Original::new();
    orig.ok(&["connect", &fleet.owner_url]);
    orig.ok(&["use", "engine-1"]);
    assert!(orig
        .ok(&["sensor", "points"])
        .contains("manifold.0.records.count"));
    assert!(orig
        .ok(&["sensor", "inspect"])
        .contains("manifold.0.records.count"));
    let mut cmd = std::process::Command::new(&orig.bin);
    cmd.args(["stats", "memory"])
        .current_dir(orig.home.path())
        .env("HOME", orig.home.path());
    let theirs = live_until(cmd, &orig.home.path().join("memory.log"), |t| {
        t.contains("mb")
    });
    assert!(
        theirs.starts_with("engine-1: ") && theirs.contains("mb"),
        "{theirs}"
    );
}

#[test]
fn snapshots_work_through_the_fleet() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &[]);
    let c = client_of(&server, &fleet);
    c.write(
        "counter.py3",
        concat!(
            "# fastscore.snapshots: eof\nimport fastscore\n",
            "def action(x):\n    yield fastscore.cells('n').update(lambda y: (y or 0) + x)\n",
        ),
    );
    c.run(&["model", "add", "counter", "counter.py3"]).ok();
    c.run(&["engine", "reset"]).ok();
    c.run(&["run", "counter", "inline:1,2", "discard:", "-wait"])
        .ok();
    let id = c
        .run(&["snapshot", "list", "counter"])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(id.len(), 8, "{id}");
    // a joined engine's way of storing one: PUT …/snapshot/<id>; with the original SDK's
    // Python (it has requests), trusting the fleet's certificate
    let snapshots = format!(
        "{}/api/1/service/model-manage-1/1/model/counter/snapshot",
        fleet.owner_url
    );
    let put = requests(
        &server,
        &format!(
            "r = requests.put({:?}, data=b'{{\"cells\": {{\"n\": 100}}}}', headers={{'Content-Type': 'application/octet-stream'}}, verify=CERT)\nprint(r.status_code)\n\
             r = requests.put({:?}, data=b'x', headers={{'Content-Type': 'application/octet-stream'}}, verify=CERT)\nprint(r.status_code)",
            format!("{snapshots}/abcd1234?type=JSON1"),
            format!("{snapshots}/abcd1234?type=JSON1"),
        ),
    );
    // a second snapshot under an id that exists is refused (spec: 400)
    assert_eq!(put, "201\n400\n");
    c.run(&["engine", "reset"]).ok();
    c.run(&["snapshot", "restore", "counter", "abcd"]).ok();
    c.run(&["run", "counter", "inline:5", "rest:"]).ok();
    assert_eq!(c.run(&["model", "output"]).ok().stdout, "105\n");
    c.run(&["engine", "reset"]).ok();
    // a multipart upload stores its contents part; a prefix of two ids is ambiguous (300);
    // GET …/snapshot/<id> is multipart/mixed: the metadata, then the contents
    let answers = requests(
        &server,
        &format!(
            "contents = b'{{\"cells\": {{\"n\": 7}}}}'\n\
             r = requests.put({:?}, files={{'metadata': ('metadata', b'{{\"type\": \"JSON1\"}}', 'application/json'), 'contents': ('state', contents, 'application/octet-stream')}}, verify=CERT)\nprint(r.status_code, r.json()['size'] == len(contents))\n\
             r = requests.get({:?}, verify=CERT)\nprint(r.status_code)\n\
             r = requests.get({:?}, verify=CERT)\nprint(r.status_code, r.content == contents)\n\
             r = requests.get({:?}, verify=CERT)\nprint(r.status_code, r.headers['Content-Type'].startswith('multipart/mixed; boundary='), r.content.count(contents), r.content.count(b'\"id\":\"abcd5678\"'))",
            format!("{snapshots}/abcd5678"),
            format!("{snapshots}/abcd/metadata"),
            format!("{snapshots}/abcd5678/contents"),
            format!("{snapshots}/abcd5678"),
        ),
    );
    assert_eq!(answers, "201 True\n300\n200 True\n200 True 1 1\n");
    // dates as the original's: to the second, in UTC
    let shown: serde_json::Value = serde_json::from_str(
        &c.run(&["snapshot", "show", "counter", "abcd1234", "-json"])
            .ok()
            .stdout,
    )
    .unwrap();
    let date = shown["created_on"].as_str().unwrap();
    assert!(
        regex_lite::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            .unwrap()
            .is_match(date),
        "{date}"
    );
}

/// Run `script` with the original SDK's Python (it has requests), `CERT` the fleet's
/// certificate; what it printed.
fn requests(server: &Env, script: &str) -> String {
    let python = std::path::Path::new(&std::env::var("FASTSCORE_TEST_ORIG_CLI").unwrap())
        .with_file_name("python");
    let cert = server.store().join("fleet/cert.pem");
    let script = format!(
        "import requests\nCERT = {:?}\n{script}",
        cert.display().to_string()
    );
    let out = std::process::Command::new(python)
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_original_cli_waits_through_the_fleet_while_its_engine_installs_a_library() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &[]);
    let orig = Original::new();
    orig.ok(&["connect", &fleet.owner_url]);
    orig.ok(&["use", "engine-1"]);
    // an install that outlasts the engine's quick busy answer and what the original does
    // with one (its urllib3 asks again three times, after the 2 s of Retry-After): the
    // original does not ask for it (`Prefer: respond-async`), so its request waits
    let policy = server.write(
        "policy.yaml",
        "no_such_module_xyz:\n  policy: install\n  command: sleep 15\n",
    );
    orig.ok(&["policy", "set", policy.to_str().unwrap(), "-type:python3"]);
    let model = server.write(
        "needs.py3",
        "import no_such_module_xyz\ndef action(x):\n    yield x\n",
    );
    orig.ok(&["model", "add", "needs", model.to_str().unwrap()]);
    orig.ok(&["model", "load", "needs"]);
    let loaded = orig.ok(&["model", "inspect"]);
    assert!(loaded.contains("needs"), "{loaded}");
    let log = std::fs::read_to_string(server.store().join("engines/engine-1/engine.log")).unwrap();
    assert_eq!(
        log.matches("started to install no_such_module_xyz for ")
            .count(),
        1,
        "{log}"
    );
    assert_eq!(
        log.matches("a load of model 'needs' received").count(),
        1,
        "{log}"
    );
    orig.ok(&["engine", "reset"]);
}

#[test]
fn a_load_waits_through_the_fleet_while_its_engine_installs_a_library() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &[]);
    let c = client_of(&server, &fleet);
    c.run(&["use", "engine-1"]).ok();
    c.write(
        "policy.yaml",
        "no_such_module_xyz:\n  policy: install\n  command: sleep 3\n",
    );
    c.run(&["policy", "set", "policy.yaml", "-type:python3"])
        .ok();
    c.write(
        "needs.py3",
        "import no_such_module_xyz\ndef action(x):\n    yield x\n",
    );
    c.run(&["model", "add", "needs", "needs.py3"]).ok();
    c.run(&["engine", "reset"]).ok();
    // the engine's busy answers (503, Retry-After, the task) pass through the proxy
    let load = support::finish_within(
        &mut c.command(&["model", "load", "needs"]),
        std::time::Duration::from_secs(120),
    )
    .ok();
    assert!(
        load.stderr
            .starts_with("Waiting for engine-1 to install no_such_module_xyz for "),
        "{}",
        load.stderr
    );
    let loaded = c.run(&["model", "inspect"]).ok().stdout;
    assert!(loaded.contains("needs"), "{loaded}");
    c.run(&["engine", "reset"]).ok();
}
