//! The dashboard in a real browser: Debian's Chromium, headless, driven by its ChromeDriver
//! over the WebDriver protocol. `fastscore dashboard` starts a loopback fleet server for the
//! embedded fleet; the page shows engine-1 RUNNING with its model, its charts move as
//! records are sent, and Model Manage's assets can be read.

mod support;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::Env;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A ChromeDriver process and one headless Chromium session; both end when dropped.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

impl Browser {
    fn start(profile: &std::path::Path) -> Browser {
        for tool in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                std::path::Path::new(tool).exists(),
                "{tool} is missing: `make test` installs Debian's chromium and chromium-driver"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .proxy(None)
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while agent.get(format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            agent,
        };
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1200,1000",
        ];
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let answer = browser.post(
            "/session",
            json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
                "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}}),
        );
        browser.session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"))
            .to_string();
        browser
    }

    fn post(&self, path: &str, body: Value) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let mut response = self
            .agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        let text = response.body_mut().read_to_string().unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
        doc["value"].clone()
    }

    fn open(&self, url: &str) {
        self.post("/url", json!({"url": url}));
    }

    /// The value of a script run in the page.
    fn eval(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": []}))
    }

    /// Waits until `script` gives something `done` accepts (at most 30 s); its last value.
    fn until(&self, script: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = self.eval(script);
            if done(&v) || Instant::now() > deadline {
                return v;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The fleet server `dashboard` started, stopped by its pid at the end.
struct Server(i32);

impl Drop for Server {
    fn drop(&mut self) {
        support::signal(self.0, support::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !support::process_gone(self.0) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        support::signal(self.0, support::SIGKILL);
    }
}

#[test]
fn the_dashboard_shows_the_running_engine_and_its_charts_move() {
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    env.run(&["run", "echo", "rest:", "discard:"]).ok();
    let url = env.run(&["dashboard"]).ok().stdout.trim().to_string();
    // the owner's address: the page with the token of fleet/token, as notebook servers print
    let token = std::fs::read_to_string(env.store().join("fleet/token")).unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with(&format!("/?token={}", token.trim())),
        "{url}"
    );
    let record: Value =
        serde_json::from_slice(&std::fs::read(env.store().join("fleet/server.json")).unwrap())
            .unwrap();
    let _server = Server(record["pid"].as_i64().unwrap() as i32);
    // a second call finds the same server
    assert_eq!(env.run(&["dashboard"]).ok().stdout.trim(), url);

    let browser = Browser::start(&env.dir.path().join("chromium"));
    // without the token the page is refused
    let (plain, _) = url.split_once("?token=").unwrap();
    browser.open(plain);
    let refused = browser.until("return document.body.innerText", |v| {
        v.as_str().unwrap_or("").contains("Authorization required")
    });
    assert!(
        refused.as_str().unwrap().contains("answers only its owner"),
        "{refused}"
    );
    // with it, the page works (its calls send the token themselves)
    browser.open(&url);
    let text = browser.until("return document.body.innerText", |v| {
        let t = v.as_str().unwrap_or("");
        t.contains("RUNNING") && t.contains("Model: echo (python3)")
    });
    let text = text.as_str().unwrap();
    assert!(text.contains("engine-1"), "{text}");
    assert!(
        text.contains("RUNNING") && text.contains("Model: echo (python3)"),
        "{text}"
    );

    // records sent now move the chart of slot 0
    let chart = "const c = document.querySelector('[data-engine=\"engine-1\"] canvas[data-series=\"rps-0\"]'); return c ? [Number(c.dataset.last), c.toDataURL()] : null";
    let records: String = (1..=20000).map(|n| format!("{n}\n")).collect();
    let sender = {
        let mut cmd = env.command(&["model", "input"]);
        std::thread::spawn(move || {
            for _ in 0..15 {
                let _ = support::finish(&mut cmd, &records);
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    let moving = browser.until(chart, |v| v[0].as_f64().unwrap_or(0.0) > 0.0);
    assert!(
        moving[0].as_f64().unwrap_or(0.0) > 0.0,
        "the chart shows no records: {moving}"
    );
    let before = moving[1].clone();
    let later = browser.until(chart, |v| v[1] != before);
    assert_ne!(later[1], before, "the chart did not move");
    sender.join().unwrap();

    // Model Manage's assets are readable there
    browser.eval("document.querySelector('#asset-list a').click(); return null");
    let source = browser.until(
        "return document.getElementById('asset-text').textContent",
        |v| v.as_str().unwrap_or("").contains("def action"),
    );
    assert!(source.as_str().unwrap().contains("yield x"), "{source}");
}
