//! `connect`, `use`, `fleet`, `login`, `config`: the embedded fleet and a remote one (a fleet
//! stand-in on loopback), and the `~/.fastscore` file they share with the original.

mod support;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use support::fleet::Fleet;
use support::Env;

fn connection_file(env: &Env) -> String {
    std::fs::read_to_string(env.home().join(".fastscore")).unwrap()
}

fn mode(env: &Env) -> u32 {
    std::fs::metadata(env.home().join(".fastscore"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn embedded_fleet_without_any_connection() {
    let env = Env::new();
    insta::assert_snapshot!(env.run(&["fleet"]).ok().stdout, @r"
    Name            API           Health
    --------------  ------------  --------
    model-manage-1  model-manage  ok
    engine-1        engine        ok
    ");
    let json = env.run(&["fleet", "-json"]).ok().stdout;
    assert!(json.starts_with("[\n  {\n    \"id\": null,\n    \"name\": \"model-manage-1\",\n    \"api\": \"model-manage\",\n    \"host\": \"127.0.0.1\",\n    \"port\": null,\n    \"release\": \""), "{json}");
    let verbose = env.run(&["fleet", "-v"]).ok().stdout;
    let lines: Vec<&str> = verbose.lines().collect();
    assert!(
        lines[0].starts_with("Name            API           Health    Release    Built On"),
        "{verbose}"
    );
    assert!(
        lines[2].starts_with("CLI             UI            ok        0.1.0"),
        "{verbose}"
    );
    assert!(
        lines[3].starts_with("connect         connect       ok        0.1.0"),
        "{verbose}"
    );
    assert_eq!(env.run(&["use"]).ok().stdout, "");
    assert_eq!(
        env.run(&["use", "-v"]).ok().stdout,
        "Target instance not selected\n"
    );
    assert!(
        !env.home().join(".fastscore").exists(),
        "read-only commands wrote the connection file"
    );
}

#[test]
fn use_selects_another_local_engine() {
    let env = Env::new();
    let run = env.run(&["use", "engine-2", "-v"]).ok();
    assert_eq!(
        run.stdout,
        "'engine-2' set as a preferred instance of 'engine'\nSubsequent commands to target 'engine-2'\n"
    );
    assert_eq!(
        connection_file(&env),
        "basic-auth-secret: null\nldap-auth-secret: null\noauth2-secret: null\npreferred:\n  engine: engine-2\nproxy-prefix: embedded\nsession-cookie: null\ntarget-name: engine-2\n"
    );
    assert_eq!(mode(&env), 0o600);
    assert_eq!(env.run(&["use"]).ok().stdout, "engine-2\n");
    assert!(env
        .run(&["fleet"])
        .ok()
        .stdout
        .contains("engine-2        engine        ok"));
    // an engine that was used stays listed after another is selected, and after it stopped
    env.run(&["use", "engine-3"]).ok();
    env.run(&["engine", "inspect"]).ok();
    env.run(&["use", "engine-1"]).ok();
    for _ in 0..2 {
        let listed = env.run(&["fleet"]).ok().stdout;
        assert!(
            listed.contains("engine-1        engine        ok"),
            "{listed}"
        );
        assert!(
            listed.contains("engine-3        engine        ok"),
            "{listed}"
        );
        env.run(&["engine", "stop"]).ok();
    }
    assert_eq!(
        env.run(&["use", "bogus"]).expect(1).stderr,
        "Error: Instance 'bogus' not found\n"
    );
    assert_eq!(
        env.run(&["use", "engine-0"]).expect(1).stderr,
        "Error: Instance 'engine-0' not found\n"
    );
    assert_eq!(
        env.run(&["login", "basicauth", "-username:u", "-password:p"])
            .expect(1)
            .stderr,
        "Error: The embedded fleet needs no login (use 'fastscore connect <proxy-url>' first)\n"
    );
}

#[test]
fn waits_for_a_fleet_are_bounded_and_url_passwords_never_show() {
    let env = Env::new();
    // nothing listens on port 1: connect gives up after 4 request limits
    let started = std::time::Instant::now();
    let run = support::finish(
        env.command(&["connect", "http://bob:s3cret@127.0.0.1:1", "-v"])
            .env("FASTSCORE_TIMEOUT", "1"),
        "",
    )
    .expect(1);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(
        run.stderr.starts_with(
            "Error: The fleet at http://bob:***@127.0.0.1:1 did not answer within 4 s"
        ),
        "{}",
        run.stderr
    );
    let run = env
        .run(&["connect", "http://bob:s3cret@127.0.0.1:1", "-nowait", "-v"])
        .ok();
    assert_eq!(
        run.stdout,
        "Connected to FastScore proxy at http://bob:***@127.0.0.1:1\n"
    );
    // the connection file keeps the URL as given (it is the user's own, 0600)
    assert!(connection_file(&env).contains("proxy-prefix: http://bob:s3cret@127.0.0.1:1"));
    assert_eq!(mode(&env), 0o600);
    for args in [
        &["model", "list"][..],
        &["fleet", "-json"],
        &["engine", "inspect", "-v"],
    ] {
        let run = env.run(args).expect(1);
        assert!(
            run.stderr.contains("bob:***@127.0.0.1:1"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            !format!("{}{}", run.stdout, run.stderr).contains("s3cret"),
            "{args:?}"
        );
    }
    let run = support::finish(
        env.command(&["fleet", "-wait"])
            .env("FASTSCORE_TIMEOUT", "1"),
        "",
    )
    .expect(1);
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert!(!run.stderr.contains("s3cret"));
}

#[test]
fn connect_checks_the_url_and_waits_for_health() {
    let env = Env::new();
    assert_eq!(
        env.run(&["connect", "127.0.0.1:8000"]).expect(1).stderr,
        "Error: Proxy prefix must be an URL, e.g. https://dashboard:8000\n"
    );
    assert!(!env.home().join(".fastscore").exists());
    let fleet = Fleet::start();
    let run = env.run(&["connect", &fleet.url, "-v"]).ok();
    assert_eq!(
        run.stdout,
        format!(
            "Waiting...\nConnected to FastScore proxy at {}\n",
            fleet.url
        )
    );
    assert_eq!(
        connection_file(&env),
        format!("basic-auth-secret: null\nldap-auth-secret: null\noauth2-secret: null\npreferred: {{}}\nproxy-prefix: {}\nsession-cookie: null\ntarget-name: null\n", fleet.url)
    );
    assert_eq!(mode(&env), 0o600);
    assert_eq!(fleet.requests()[0].url, "/api/1/service/connect/1/health");
    // -nowait does not call the fleet at all
    let run = env
        .run(&["connect", "http://127.0.0.1:1", "-nowait", "-v"])
        .ok();
    assert_eq!(
        run.stdout,
        "Connected to FastScore proxy at http://127.0.0.1:1\n"
    );
    let dead = env.run(&["model", "list"]).expect(1);
    assert!(
        dead.stderr.starts_with("Error: Cannot retrieve fleet info\n  Caused by: GET http://127.0.0.1:1/api/1/service/connect/1/connect?api=model-manage: "),
        "{}",
        dead.stderr
    );
    assert!(
        dead.stderr.contains("Connection refused"),
        "{}",
        dead.stderr
    );
    // and back to the embedded fleet
    assert_eq!(
        env.run(&["connect", "embedded", "-v"]).ok().stdout,
        "Connected to the embedded FastScore fleet\n"
    );
    env.run(&["model", "list"]).ok();
}

#[test]
fn remote_fleet_listing_and_instance_selection() {
    let env = Env::new();
    let fleet = Fleet::start();
    env.run(&["connect", &fleet.url]).ok();
    fleet.set_health("engine-2", "fail");
    insta::assert_snapshot!(env.run(&["fleet"]).ok().stdout, @r"
    Name            API           Health
    --------------  ------------  --------
    model-manage-1  model-manage  ok
    engine-1        engine        ok
    engine-2        engine        fail
    ");
    let verbose = env.run(&["fleet", "-v"]).ok().stdout;
    assert!(
        verbose.contains(
            "\nconnect         connect       ok        1.10       Mon Jan  6 10:00:00 UTC 2020\n"
        ),
        "{verbose}"
    );
    let json = env.run(&["fleet", "-json"]).ok().stdout;
    assert!(json.contains("    \"id\": \"id-engine-1\",\n    \"name\": \"engine-1\",\n    \"api\": \"engine\",\n    \"host\": \"engine-1\",\n    \"port\": 8003,"), "{json}");
    assert_eq!(
        env.run(&["use", "engine-2"]).expect(1).stderr,
        "Error: Instance 'engine-2' is unhealthy\n"
    );
    assert_eq!(
        env.run(&["use", "nope"]).expect(1).stderr,
        "Error: Instance 'nope' not found\n"
    );
    fleet.set_health("engine-2", "ok");
    env.run(&["use", "engine-2"]).ok();
    assert_eq!(
        env.run(&["use", "-v"]).ok().stdout,
        "Current target instance is 'engine-2'\n"
    );
    assert!(connection_file(&env).contains("preferred:\n  engine: engine-2\n"));
    // the preferred engine is the one commands talk to
    fleet.clear_requests();
    env.run_with_input(&["policy", "set", "-type:python3"], "os: prohibit\n")
        .ok();
    let urls: Vec<String> = fleet.requests().iter().map(|r| r.url.clone()).collect();
    assert_eq!(
        urls,
        [
            "/api/1/service/connect/1/connect?name=engine-2",
            "/api/1/service/engine-2/1/policy?preinstall=False"
        ]
    );
    assert_eq!(
        env.run(&["policy", "show", "-type:python3"]).ok().stdout,
        "os: prohibit\n"
    );
}

#[test]
fn remote_model_manage_over_rest() {
    let env = Env::new();
    let fleet = Fleet::start();
    env.run(&["connect", &fleet.url, "-nowait"]).ok();
    env.write("cube.py3", "def action(x):\n  yield x*x*x\n");
    assert_eq!(
        env.run(&["model", "add", "cube", "cube.py3", "-v"])
            .ok()
            .stdout,
        "Model created\n"
    );
    assert_eq!(
        env.run(&["model", "add", "cube", "cube.py3", "-v"])
            .ok()
            .stdout,
        "Model updated\n"
    );
    let put = fleet
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.url, "/api/1/service/model-manage-1/1/model/cube");
    assert_eq!(
        put.header("Content-Type"),
        Some("application/vnd.fastscore.model-python3")
    );
    assert_eq!(put.body, b"def action(x):\n  yield x*x*x\n");
    assert_eq!(
        env.run(&["model", "show", "cube"]).ok().stdout,
        "def action(x):\n  yield x*x*x\n"
    );
    assert!(env
        .run(&["model", "list"])
        .ok()
        .stdout
        .contains("cube    python3"));

    // pfa-json travels as a JSON string literal, as the original sends it, and comes back intact
    env.write("m.pfa", "{\"input\": \"double\"}\n");
    env.run(&["model", "add", "pfa", "m.pfa"]).ok();
    let put = fleet
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.body, b"\"{\\\"input\\\": \\\"double\\\"}\\n\"");
    assert_eq!(
        env.run(&["model", "show", "pfa"]).ok().stdout,
        "{\"input\": \"double\"}\n"
    );

    env.run_with_input(&["schema", "add", "int"], "\"int\"")
        .ok();
    assert_eq!(env.run(&["schema", "show", "int"]).ok().stdout, "\"int\"\n");
    env.write(
        "s3.json",
        r#"{"Transport": {"Type": "S3", "SecretAccessKey": "s3cr3t"}}"#,
    );
    env.run(&["stream", "add", "s3", "s3.json"]).ok();
    assert!(!env
        .run(&["stream", "show", "s3"])
        .ok()
        .stdout
        .contains("s3cr3t"));
    assert_eq!(
        env.run(&["stream", "list", "-json"]).ok().stdout,
        "[\n  \"s3\"\n]\n"
    );

    env.write("a.tar.gz", [0x1f, 0x8b, 8, 0]);
    env.run(&["attachment", "upload", "cube", "a.tar.gz"]).ok();
    let put = fleet
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.header("Content-Type"), Some("application/gzip"));
    insta::assert_snapshot!(env.run(&["attachment", "list", "cube", "-v"]).ok().stdout, @r"
    Name      Type      Size
    --------  ------  ------
    a.tar.gz  tgz          4
    ");
    insta::assert_snapshot!(env.run(&["snapshot", "list", "cube", "-v", "-since:2018-01-17T08"]).ok().stdout, @r"
    Id        Model    Date/Time             Type      Size
    --------  -------  --------------------  ------  ------
    8qxtf4yw  cube     2018-01-17T10:29:15Z  ETS1       355
    ");
    let list = fleet
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.url.contains("/snapshot"))
        .unwrap();
    assert_eq!(list.url, "/api/1/service/model-manage-1/1/model/cube/snapshot?date-range=2018-01-17T08%3A00%3A00%2B00%3A00--");
    assert_eq!(
        env.run(&["snapshot", "show", "cube", "8qx"]).ok().stdout,
        "id:         8qxtf4yw\ncreated-on: 2018-01-17T10:29:15Z\nstype:      ETS1\nsize:       355\n"
    );
    assert_eq!(
        env.run(&["model", "remove", "nope"]).expect(1).stderr,
        "Error: Model 'nope' not found\n"
    );
    let gone = env
        .run(&["attachment", "remove", "cube", "nope.zip"])
        .expect(1);
    assert_eq!(
        gone.stderr,
        "Error: Cannot remove attachment 'nope.zip'\n  Caused by: (404)\nReason: Not Found\nHTTP response body: Attachment not found\n"
    );
}

#[test]
fn basic_auth_and_ldap_logins() {
    let env = Env::new();
    let fleet = Fleet::start();
    env.run(&["connect", &fleet.url, "-nowait"]).ok();
    fleet.require_auth("Basic dXNlcjpwYXNz");
    assert_eq!(
        env.run(&["model", "list"]).expect(1).stderr,
        "Authorization required\n"
    );
    let json = env.run(&["model", "list", "-json"]).expect(1).stderr;
    assert!(
        json.starts_with(
            "{\n  \"error\": \"Error: Cannot retrieve fleet info\\n  Caused by: (401)"
        ),
        "{json}"
    );

    let login = env
        .run(&["login", "basicauth", "-username:user", "-password:pass"])
        .ok();
    assert_eq!(login.stdout, "");
    assert!(connection_file(&env).starts_with("basic-auth-secret: Basic dXNlcjpwYXNz\n"));
    assert_eq!(mode(&env), 0o600);
    env.run(&["model", "list"]).ok();

    // answers piped on stdin when there is no terminal; the password is never echoed
    env.run(&["connect", &fleet.url, "-nowait"]).ok();
    let login = env
        .run_with_input(&["login", "basicauth"], "user\npass\n")
        .ok();
    assert!(!login.stdout.contains("pass\n") && !login.stderr.contains("pass\n"));
    env.run(&["model", "list"]).ok();
    assert_eq!(
        env.run(&["login", "basicauth", "-username:a:b", "-password:x"])
            .expect(1)
            .stderr,
        "Error: invalid username\n"
    );

    let fleet = Fleet::start();
    env.run(&["connect", &fleet.url, "-nowait"]).ok();
    // a 401 is reported the original's way
    assert_eq!(
        env.run(&["login", "ldap", "-username:u", "-password:wrong"])
            .expect(1)
            .stderr,
        "Authorization required\n"
    );
    env.run(&["login", "ldap", "-username:u", "-password:right"])
        .ok();
    assert!(connection_file(&env).contains("session-cookie: connect.sid=s%3Aabc.def\n"));
    env.run(&["model", "list"]).ok();
    let last = fleet.requests().pop().unwrap();
    assert_eq!(last.header("Cookie"), Some("connect.sid=s%3Aabc.def"));
    assert_eq!(
        env.run(&["login", "kerberos"]).expect(1).stderr,
        "Error: Unknown authentication mode: kerberos (use basicauth, ldap, oauth2 or sessioncookie)\n"
    );
}

/// A browser's GET: status line, the Location header, and the body.
fn browser_get(port: u16, path: &str, cookie: Option<&str>) -> (String, Option<String>, String) {
    let mut stream = None;
    for _ in 0..100 {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
    let mut stream = stream.expect("the login server listens");
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{cookie}\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text.lines().next().unwrap_or("").to_string();
    let location = text
        .lines()
        .find_map(|l| l.strip_prefix("Location: "))
        .map(str::to_string);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, location, body)
}

#[test]
fn oauth2_login_through_the_browser_flow() {
    let env = Env::new();
    let fleet = Fleet::start();
    env.run(&["connect", &fleet.url, "-nowait"]).ok();
    let port = support::free_port();
    let mut cmd = env.command(&["login", "oauth2"]);
    cmd.env("FASTSCORE_LOGIN_PORT", port.to_string());
    let answers = format!(
        "my-client\nN\nN\nhttps://idp.example/authorize\n{}/oauth/token\nopenid\n",
        fleet.url
    );
    let login = std::thread::spawn(move || support::finish(&mut cmd, &answers));
    let (status, location, _) = browser_get(port, "/", None);
    assert_eq!(status, "HTTP/1.1 302 Found");
    let location = location.unwrap();
    assert!(location.starts_with("https://idp.example/authorize?response_type=code&client_id=my-client&redirect_uri=http%3A%2F%2Flocalhost%3A"), "{location}");
    let state = location.split("state=").nth(1).unwrap().to_string();
    let (status, _, _) = browser_get(port, "/elsewhere", None);
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    let (status, _, body) = browser_get(
        port,
        &format!("/auth_callback?code=abc&state={state}"),
        None,
    );
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        body,
        "Authentication successful. You may now close this tab"
    );
    let run = login.join().unwrap().ok();
    assert!(
        run.stdout.ends_with("Authentication successful\n"),
        "{}",
        run.stdout
    );
    assert!(connection_file(&env).contains("oauth2-secret: Bearer tok-123\n"));
    let settings = std::fs::read_to_string(env.home().join(".fastscore.oauth2")).unwrap();
    assert!(settings.contains("client-id: my-client\n"), "{settings}");
    env.run(&["model", "list"]).ok();
    assert_eq!(
        fleet.requests().pop().unwrap().header("Authorization"),
        Some("Bearer tok-123")
    );
}

#[test]
fn session_cookie_login_captures_the_browser_cookie() {
    let env = Env::new();
    let fleet = Fleet::start();
    env.run(&["connect", &fleet.url, "-nowait"]).ok();
    let port = support::free_port();
    let mut cmd = env.command(&["login", "sessioncookie", "-v"]);
    cmd.env("FASTSCORE_LOGIN_PORT", port.to_string());
    let login =
        std::thread::spawn(move || support::finish(&mut cmd, "https://sso.example/login?app=1\n"));
    let (_, location, _) = browser_get(port, "/", None);
    assert!(location
        .unwrap()
        .starts_with("https://sso.example/login?app=1&redirect_uri=http%3A%2F%2Flocalhost%3A"));
    browser_get(port, "/auth_callback", Some("sso=xyz; other=1"));
    let run = login.join().unwrap().ok();
    // the original's prompt, with the current value (none yet)
    assert!(
        run.stdout.starts_with(&format!(
            "Please make sure that http://localhost:{port}/auth_callback is a whitelisted redirect_uri.\nLogin URL [None]:"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Full login url: https://sso.example/login?app=1&redirect_uri="),
        "{}",
        run.stdout
    );
    assert!(connection_file(&env).contains("session-cookie: sso=xyz; other=1\n"));
}

#[test]
fn config_set_and_show() {
    let env = Env::new();
    assert_eq!(
        env.run(&["config", "show"]).ok().stdout,
        "FastScore not configured (use 'fastscore config set')\n"
    );
    env.write(
        "config.yaml",
        "fastscore:\n  db:\n    type: mysql\n    port: 3306\n    host: database\n",
    );
    assert_eq!(
        env.run(&["config", "set", "config.yaml", "-v"]).ok().stdout,
        "Configuration set\n"
    );
    assert_eq!(
        env.run(&["config", "set", "config.yaml", "-v"]).ok().stdout,
        "Configuration updated\n"
    );
    let expected = "fastscore:\n  db:\n    host: database\n    port: '3306'\n    type: mysql\n";
    assert_eq!(env.run(&["config", "show"]).ok().stdout, expected);
    env.write("list.yaml", "- a\n- b\n");
    assert_eq!(
        env.run(&["config", "set", "list.yaml"]).expect(1).stderr,
        "Error: Unable to configure FastScore\n  Caused by: Error: Configuration must be a dictionary\n"
    );

    let fleet = Fleet::start();
    env.run(&["connect", &fleet.url, "-nowait"]).ok();
    assert_eq!(
        env.run(&["config", "show"]).ok().stdout,
        "FastScore not configured (use 'fastscore config set')\n"
    );
    env.run(&["config", "set", "config.yaml"]).ok();
    let put = fleet
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.header("Content-Type"), Some("application/x-yaml"));
    assert_eq!(String::from_utf8(put.body).unwrap(), expected);
    assert_eq!(env.run(&["config", "show"]).ok().stdout, expected);
}

#[test]
fn a_fleet_that_does_not_answer_gets_one_line() {
    let env = Env::new();
    // connections are taken (by the kernel) but never answered
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    env.run(&["connect", &url, "-nowait"]).ok();
    let mut cmd = env.command(&["model", "list"]);
    cmd.env("FASTSCORE_TIMEOUT", "0.5");
    let run = support::finish_within(&mut cmd, std::time::Duration::from_secs(30)).expect(1);
    assert_eq!(
        run.stderr,
        format!("Error: connect ({url}/api/1/service/connect) did not answer within 0.5 s; it may be down or overloaded (try again later, or allow more time with FASTSCORE_TIMEOUT=<seconds>)\n")
    );
}

#[test]
fn tls_is_verified_unless_told_otherwise() {
    let env = Env::new();
    let fleet = Fleet::start();
    let https = support::tls::TlsProxy::start(&fleet.url);
    let untrusted = format!(
        "Error: The certificate of {} is not trusted: it is self-signed, or signed by an \
         authority this machine does not trust. To trust it, connect with -cacert:<file> (the CA \
         certificates of the fleet, PEM; `fastscore fleet serve` keeps its own in <its data \
         directory>/fleet/cert.pem) or with -insecure (accept any certificate); \
         FASTSCORE_CA_FILE=<file> or FASTSCORE_INSECURE=1 do the same for one command\n",
        https.url
    );
    // verified by default: one line, and no connection saved
    assert_eq!(
        env.run(&["connect", &https.url]).expect(1).stderr,
        untrusted
    );
    assert!(!env.home().join(".fastscore").exists());
    let plain = |extra: &str| {
        format!("basic-auth-secret: null\n{}ldap-auth-secret: null\noauth2-secret: null\npreferred: {{}}\nproxy-prefix: {}\nsession-cookie: null\ntarget-name: null\n", extra, https.url)
    };
    // -insecure accepts the self-signed certificate, and is kept for the next commands
    env.run(&["connect", &https.url, "-insecure"]).ok();
    assert_eq!(connection_file(&env), plain("") + "tls-insecure: true\n");
    assert_eq!(mode(&env), 0o600);
    assert!(env.run(&["fleet"]).ok().stdout.contains("engine-1"));
    // -cacert trusts the certificates of a PEM file (kept as an absolute path)
    https.write_cert(&env.work().join("fleet-ca.pem"));
    let ca = env.work().join("fleet-ca.pem").display().to_string();
    env.run(&["connect", &https.url, "--cacert", "fleet-ca.pem", "-v"])
        .ok();
    assert_eq!(connection_file(&env), plain(&format!("ca-file: {ca}\n")));
    env.run(&["model", "list"]).ok();
    // a plain connect forgets both; the variables apply to one command
    env.run(&["connect", &https.url, "-nowait"]).ok();
    assert_eq!(connection_file(&env), plain(""));
    assert_eq!(env.run(&["fleet"]).expect(1).stderr, untrusted);
    for (var, value) in [
        ("FASTSCORE_INSECURE", "1"),
        ("FASTSCORE_CA_FILE", ca.as_str()),
    ] {
        let out = env.command(&["fleet"]).env(var, value).output().unwrap();
        assert!(
            out.status.success(),
            "{var}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(connection_file(&env), plain(""));
    // a CA file that is not one
    let err = env
        .run(&["connect", &https.url, "-cacert:fleet.txt"])
        .expect(1)
        .stderr;
    assert!(
        err.starts_with(&format!(
            "Error: Cannot use the CA file {}\n  Caused by: ",
            env.work().join("fleet.txt").display()
        )),
        "{err}"
    );
    // the local engines' token never goes to a fleet
    assert!(fleet
        .requests()
        .iter()
        .all(|r| r.header("Authorization").is_none()));
}

#[test]
fn a_refused_certificate_is_named_in_words_with_the_fix() {
    use support::tls::{Certificate, TlsProxy};
    let fleet = Fleet::start();
    let cases = [
        (
            Certificate::Expired,
            "it expired on 2020-01-01T00:00:00+00:00. The fleet's operator must renew it",
        ),
        (
            Certificate::OtherName,
            "it is for fleet.example, not for 127.0.0.1. Connect with a name it is for",
        ),
        (
            Certificate::Authority,
            "it is a certificate authority's own certificate, which may only sign others, presented as the server's. The fleet must present a certificate of its own",
        ),
    ];
    for (certificate, words) in cases {
        let env = Env::new();
        let https = TlsProxy::start_with(&fleet.url, certificate);
        https.write_cert(&env.work().join("ca.pem"));
        let err = env
            .run(&["connect", &https.url, "-cacert:ca.pem"])
            .expect(1)
            .stderr;
        let want = format!(
            "Error: The certificate of {} is not trusted: {words}",
            https.url
        );
        assert!(err.starts_with(&want), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!err.contains("Other(") && !err.contains("Error("), "{err}");
    }
}
