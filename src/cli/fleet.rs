//! `connect`, `config set/show`, `fleet`, `use`.

use super::{render, Ctx};
use crate::config::{self, Connection};
use crate::error::{Cause, Context, Error, Result};
use crate::fleet::http::Timeouts;
use crate::fleet::remote::Remote;
use crate::fleet::{Connect, Instance, Saved};
use serde_json::{json, Value};
use std::io::Write;
use std::time::{Duration, Instant};

const RETRY: Duration = Duration::from_millis(500);

/// `connect <proxy-prefix>`: check the fleet answers (unless `-nowait`), then save.
pub fn connect(ctx: &mut Ctx, prefix: &str) -> Result<()> {
    if prefix == config::EMBEDDED {
        ctx.set_connection(Connection::new(config::EMBEDDED));
        ctx.verbose("Connected to the embedded FastScore fleet");
        return Ok(());
    }
    if !prefix.contains("://") {
        return Err(Error::new(config::PROXY_PREFIX_ERROR));
    }
    let mut conn = Connection::new(prefix);
    conn.tls_insecure = ctx.opts.insecure;
    if let Some(file) = &ctx.opts.ca_cert {
        let path = std::path::absolute(file).map_err(|e| {
            Error::new(format!("Cannot use the CA file {file}")).caused_by(e.to_string())
        })?;
        conn.ca_file = Some(path.display().to_string());
    }
    // also checks that the CA file can be used
    let remote = Remote::new(&conn, Timeouts::from_env()?)?;
    if !ctx.opts.nowait {
        wait_for_health(ctx, &conn, &remote)?;
    }
    ctx.set_connection(conn);
    ctx.verbose(&format!("Connected to FastScore proxy at {prefix}"));
    Ok(())
}

fn progress(ctx: &Ctx, text: &str) {
    if ctx.opts.verbose {
        print!("{text}");
        let _ = std::io::stdout().flush();
    }
}

/// Poll Connect's health until it answers; a 401 ends the wait (the connection is saved, so
/// that `login` can follow), and so does a fleet that cannot be used at all (an untrusted
/// certificate, no answer in time).
fn wait_for_health(ctx: &Ctx, conn: &Connection, remote: &Remote) -> Result<()> {
    progress(ctx, "Waiting...");
    let limit = wait_limit()?;
    let deadline = Instant::now() + limit;
    loop {
        match remote.health() {
            Ok(_) => {
                progress(ctx, "\n");
                return Ok(());
            }
            Err(Cause::Http(h)) if h.status == 401 => {
                conn.save()?;
                return Err(Error::new("Unable to retrieve instance info").caused_by(h));
            }
            Err(Cause::Standalone(line)) => {
                progress(ctx, "\n");
                return Err(Error::standalone(line));
            }
            Err(cause) if Instant::now() >= deadline => {
                progress(ctx, "\n");
                return Err(Error::new(format!(
                    "The fleet at {} did not answer within {} s ('connect -nowait' saves the connection without waiting; FASTSCORE_TIMEOUT=<seconds> waits longer)",
                    conn.proxy_prefix,
                    limit.as_secs()
                ))
                .caused_by(cause));
            }
            Err(_) => {
                progress(ctx, ".");
                std::thread::sleep(RETRY);
            }
        }
    }
}

/// How long `connect` and `fleet -wait` wait for a fleet to come up: four times the time
/// limit of a request (2 min by default).
fn wait_limit() -> Result<Duration> {
    Ok(Timeouts::from_env()?.default * 4)
}

/// `config set <file>`: every scalar is sent as a string, as the original does.
pub fn config_set(ctx: &Ctx, file: &str) -> Result<()> {
    let failed = || "Unable to configure FastScore".to_string();
    let text = super::read_input(Some(file)).context(failed)?;
    let node = crate::yaml::parse(&text)
        .map_err(|e| format!("{file}: {e}"))
        .context(failed)?;
    let doc = match node {
        Some(node @ crate::yaml::Node::Map(_)) => node.to_json(),
        _ => {
            return Err(
                Error::new(failed()).caused_by(Error::new("Configuration must be a dictionary"))
            )
        }
    };
    let yaml = crate::yaml::dump(
        &doc,
        crate::yaml::Style {
            allow_unicode: true,
        },
    );
    let saved = ctx.connect()?.put_config(&doc, &yaml).map_err(|f| {
        Error::new(failed())
            .caused_by(Error::new("Unable to set FastScore configuration").caused_by(f))
    })?;
    ctx.verbose(match saved {
        Saved::Updated => "Configuration updated",
        Saved::Created => "Configuration set",
    });
    Ok(())
}

pub fn config_show(ctx: &Ctx) -> Result<()> {
    match ctx
        .connect()?
        .get_config()
        .context(|| "Cannot retrieve configuration".into())?
    {
        None => println!("FastScore not configured (use 'fastscore config set')"),
        Some(doc) => print!(
            "{}",
            crate::yaml::dump(
                &doc,
                crate::yaml::Style {
                    allow_unicode: true
                }
            )
        ),
    }
    Ok(())
}

fn all_healthy(instances: &[Instance]) -> bool {
    instances.iter().all(|i| i.health == "ok")
}

/// `fleet [-v] [-json] [-wait]`
pub fn fleet(ctx: &Ctx) -> Result<()> {
    let connect = ctx.connect()?;
    let chatty = ctx.opts.verbose && !ctx.opts.json;
    let instances = if ctx.opts.wait {
        if chatty {
            print!("Waiting...");
        }
        let limit = wait_limit()?;
        let deadline = Instant::now() + limit;
        loop {
            match connect.instances() {
                Ok(list) if all_healthy(&list) => break list,
                Err(e) if e.is_standalone() => return Err(e),
                Ok(list) if Instant::now() >= deadline => {
                    let sick: Vec<&str> = list
                        .iter()
                        .filter(|i| i.health != "ok")
                        .map(|i| i.name.as_str())
                        .collect();
                    return Err(Error::new(format!(
                        "Not healthy after {} s: {}",
                        limit.as_secs(),
                        sick.join(", ")
                    )));
                }
                Err(e) if Instant::now() >= deadline => return Err(e),
                Ok(_) if chatty => print!(":"),
                Err(_) if chatty => print!("."),
                _ => {}
            }
            let _ = std::io::stdout().flush();
            std::thread::sleep(RETRY);
        }
    } else {
        connect.instances()?
    };
    if ctx.opts.wait && chatty {
        println!("done");
    }
    let mut records: Vec<Value> = instances.iter().map(instance_record).collect();
    if ctx.opts.verbose {
        let health = connect
            .health()
            .context(|| "Unable to retrieve instance info".into())?;
        let mut head = vec![
            json!({"name": "CLI", "api": "UI", "health": "ok", "release": crate::VERSION, "built_on": crate::BUILT_ON}),
            json!({"name": "connect", "api": "connect", "health": "ok",
                   "release": health.get("release"), "built_on": health.get("built_on")}),
        ];
        head.append(&mut records);
        records = head;
    }
    if ctx.opts.json {
        println!("{}", crate::json::pretty(&Value::Array(records)));
        return Ok(());
    }
    let text = |r: &Value, k: &str| -> render::Cell {
        match r.get(k) {
            Some(Value::String(s)) => s.as_str().into(),
            Some(Value::Null) | None => render::Cell::Null,
            Some(other) => other.to_string().into(),
        }
    };
    let rows: Vec<Vec<render::Cell>> = records
        .iter()
        .map(|r| {
            let health = r.get("health").and_then(Value::as_str).unwrap_or("");
            let painted = if health == "ok" {
                ctx.out.ok(health)
            } else {
                ctx.out.fail(health)
            };
            let mut row = vec![text(r, "name"), text(r, "api"), painted.into()];
            if ctx.opts.verbose {
                row.push(text(r, "release"));
                row.push(text(r, "built_on"));
            }
            row
        })
        .collect();
    let headers: &[&str] = if ctx.opts.verbose {
        &["Name", "API", "Health", "Release", "Built On"]
    } else {
        &["Name", "API", "Health"]
    };
    println!("{}", render::table(headers, &rows));
    Ok(())
}

/// An instance record with exactly the keys the original prints, in its order.
fn instance_record(i: &Instance) -> Value {
    let get = |k: &str| i.record.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "id": get("id"), "name": get("name"), "api": get("api"), "host": get("host"),
        "port": get("port"), "release": get("release"), "built_on": get("built_on"),
        "health": get("health"),
    })
}

/// `use <instance-name>`: make it the target and the preferred instance of its API.
pub fn use_instance(ctx: &mut Ctx, name: &str) -> Result<()> {
    let instance = ctx.connect()?.get(name)?;
    ctx.update_connection(|conn| {
        conn.target_name = Some(instance.name.clone());
        conn.preferred
            .insert(instance.api.clone(), instance.name.clone());
    })?;
    ctx.verbose(&format!(
        "'{}' set as a preferred instance of '{}'\nSubsequent commands to target '{}'",
        instance.name, instance.api, instance.name
    ));
    Ok(())
}

/// `use`: show the target.
pub fn show_target(ctx: &Ctx) -> Result<()> {
    match (&ctx.connection()?.target_name, ctx.opts.verbose) {
        (Some(name), false) => println!("{name}"),
        (Some(name), true) => println!("Current target instance is '{name}'"),
        (None, true) => println!("Target instance not selected"),
        (None, false) => {}
    }
    Ok(())
}

/// `fleet serve`: Connect, Model Manage and the local engines behind one endpoint.
pub fn serve(ctx: &Ctx) -> Result<()> {
    use crate::fleet_server::{tls, Settings, Users};
    // a client gone mid-answer must not end the server
    // SAFETY: ignoring SIGPIPE has no preconditions; writes then fail with EPIPE instead.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let opts = &ctx.opts;
    let home = config::local_home()?;
    let bind = opts.bind.clone().unwrap_or_else(|| "127.0.0.1".into());
    let ip: std::net::IpAddr = bind
        .parse()
        .map_err(|_| Error::new(format!("'{bind}' is not an IP address to listen on")))?;
    let users = match &opts.users {
        None => None,
        Some(file) => {
            let text = super::read_input(Some(file))
                .map_err(|e| Error::new("Cannot read the users file").caused_by(e))?;
            let users = Users::parse(&text)
                .map_err(|e| Error::new(format!("The users file {file} is not usable: {e}")))?;
            Some(users)
        }
    };
    if users.is_none() && !ip.is_loopback() {
        return Err(Error::new(format!(
            "Without users the fleet answers only its owner, on this machine, so it listens on loopback only: give --users <file> (lines name:password) to listen on {bind}"
        )));
    }
    let tls = match (opts.http, &opts.cert, &opts.key) {
        (true, None, None) => None,
        (true, _, _) => {
            return Err(Error::new(
                "--http serves without TLS: drop --cert and --key",
            ))
        }
        (false, Some(cert), Some(key)) => Some(tls::Source::Given {
            cert: cert.into(),
            key: key.into(),
        }),
        (false, None, None) => {
            let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
            if !ip.is_unspecified() && !names.contains(&bind) {
                names.push(bind.clone());
            }
            Some(tls::Source::SelfSigned {
                dir: home.join("fleet"),
                names,
            })
        }
        _ => {
            return Err(Error::new(
                "HTTPS with your own certificate needs both --cert and --key",
            ))
        }
    };
    crate::fleet_server::run(Settings {
        home,
        addr: std::net::SocketAddr::new(ip, opts.port.unwrap_or(8000)),
        tls,
        users,
        engines: local_engines(opts.engines)?,
    })
}

/// The most local engines one fleet server runs.
const MAX_LOCAL_ENGINES: u32 = 100;

/// `--engines <n>`: 1 by default, 0 for a fleet of joined engines only.
fn local_engines(given: Option<u32>) -> Result<u32> {
    match given {
        None => Ok(1),
        Some(n) if n <= MAX_LOCAL_ENGINES => Ok(n),
        Some(n) => Err(Error::new(format!(
            "--engines {n}: a fleet server runs at most {MAX_LOCAL_ENGINES} local engines (engines on other machines join with `fastscore engine serve --fleet <url>`)"
        ))),
    }
}

/// How long `dashboard` waits for the fleet server it starts.
const SERVER_START: std::time::Duration = std::time::Duration::from_secs(15);

/// The URL of the fleet server running for `home`, if one answers its owner.
fn running_server(home: &std::path::Path) -> Option<String> {
    let url = crate::fleet::owner::running_server(home)?;
    let token = crate::fleet::owner::read(home)?;
    let tls = crate::fleet::http::Tls {
        insecure: false,
        ca_file: Some(home.join("fleet").join("cert.pem")).filter(|c| c.exists()),
    };
    let client = crate::fleet::http::Client::remote(
        &tls,
        crate::fleet::http::Timeouts::around(std::time::Duration::from_secs(2)),
    )
    .ok()?;
    let health = format!("{url}/api/1/service/connect/1/health");
    let bearer = format!("Bearer {token}");
    let answer = client
        .send(
            "GET",
            &health,
            &[("Authorization", &bearer)],
            None,
            std::time::Duration::from_secs(2),
        )
        .ok()?;
    (answer.status == 200).then_some(url)
}

/// Start `fleet serve --http` on a free loopback port, detached, logging to
/// `fleet/serve.log`; its URL once it answers.
fn start_server(home: &std::path::Path) -> Result<String> {
    let dir = home.join("fleet");
    let log_path = dir.join("serve.log");
    let fail =
        |why: String| Error::new("Cannot start a fleet server for the dashboard").caused_by(why);
    std::fs::create_dir_all(&dir).map_err(|e| fail(e.to_string()))?;
    let log = std::fs::File::create(&log_path).map_err(|e| fail(e.to_string()))?;
    let err_log = log.try_clone().map_err(|e| fail(e.to_string()))?;
    let exe = std::env::current_exe().map_err(|e| fail(e.to_string()))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["fleet", "serve", "--http", "--port", "0"])
        .env("FASTSCORE_HOME", home)
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(err_log);
    crate::fleet::launcher::detach(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| fail(e.to_string()))?;
    let deadline = std::time::Instant::now() + SERVER_START;
    loop {
        if let Some(url) = running_server(home) {
            eprintln!("A fleet server for the embedded fleet runs on loopback (pid {}, log {}); stop it with: kill {}", child.id(), log_path.display(), child.id());
            return Ok(url);
        }
        if let Ok(Some(exit)) = child.try_wait() {
            return Err(fail(format!(
                "it exited ({exit}); see {}",
                log_path.display()
            )));
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            return Err(fail(format!(
                "it did not answer within {} s; see {}",
                SERVER_START.as_secs(),
                log_path.display()
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// `dashboard`: the address of the fleet's dashboard page; for a fleet of this data
/// directory, with the owner's token (the way notebook servers print theirs), which the
/// page turns into a cookie.
pub fn dashboard(ctx: &Ctx) -> Result<()> {
    let conn = ctx.connection()?;
    let home = config::local_home()?;
    let url = if conn.is_embedded() {
        match running_server(&home) {
            Some(url) => url,
            None => start_server(&home)?,
        }
    } else {
        conn.proxy_prefix.trim_end_matches('/').to_string()
    };
    match crate::fleet::owner::token_for(&url) {
        Some(token) => println!("{url}/?token={token}"),
        None => println!("{url}/"),
    }
    Ok(())
}
