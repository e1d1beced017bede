//! `engine pause/unpause/reset/inspect`, and this tool's `engine serve` and `engine stop`.

use super::{render, Ctx};
use crate::config;
use crate::error::{Context, Error, Result};
use crate::fleet::engine_client::EngineClient;
use crate::fleet::launcher;
use crate::fleet::local::is_engine_name;
use serde_json::Value;
use std::time::Duration;

/// `engine pause|unpause|reset`; a reset also replaces a local engine that died.
pub fn post(ctx: &Ctx, action: &str) -> Result<()> {
    let engine = ctx.engine_reviving(action == "reset")?;
    engine
        .post_engine(action)
        .context(|| format!("Unable to {action} the engine"))?;
    let done = match action {
        "pause" => "paused",
        "unpause" => "unpaused",
        _ => "reset",
    };
    ctx.verbose(&format!("Engine '{}' {done}", engine.name()));
    Ok(())
}

fn explanation(state: &str) -> Option<&'static str> {
    Some(match state {
        "INIT" => "The engine waits until all required streams are attached and the model is loaded.",
        "RUNNING" => "The engine is reading data from input streams, passing them to model instances,\ncollecting outputs from the model, and writing them to output streams.",
        "PAUSED" => "No data processing is taking place.",
        "PIGGING" => "The engine follows a PIG control record though the data pipeline. Typically, the\nstate is short-lived.",
        "FINISHING" => "All input stream reached EOF but data processing by model instances\ncontinues.",
        "FINISHED" => "The data processing is complete. All streams are at EOF. All model instances are\nidle. Reset the engine to load another model.",
        _ => return None,
    })
}

/// The engine's state (upper case, as shown) and the whole state document.
pub fn state(engine: &EngineClient) -> Result<(String, Value)> {
    let doc = engine
        .state()
        .context(|| "Unable to determine engine state".into())?;
    let state = doc
        .get("state")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_uppercase();
    Ok((state, doc))
}

pub fn inspect(ctx: &Ctx) -> Result<()> {
    let engine = ctx.engine()?;
    let (state, doc) = state(&engine)?;
    if ctx.opts.json {
        println!(
            "{}",
            crate::json::pretty(&serde_json::json!({"state": state}))
        );
    } else if ctx.opts.verbose {
        println!("The current engine state is {state}.\n");
        match explanation(&state) {
            Some(text) => println!("{text}"),
            None if state == "ERROR" => print_error(ctx, doc.get("error")),
            None => println!("None"),
        }
        if state == "FINISHED" {
            match doc.get("unscored").and_then(Value::as_u64).unwrap_or(0) {
                0 => {}
                1 => println!("\nThe model ended before reading 1 accepted record."),
                n => println!("\nThe model ended before reading {n} accepted records."),
            }
        }
        print_slots(doc.get("slots"));
        if let Some(local) = ctx.local()? {
            print_address(&engine, local.home());
        }
    } else if state == "RUNNING" {
        println!("{}", ctx.out.ok(&state));
    } else {
        println!("{state}");
    }
    Ok(())
}

/// How scripts reach a local engine: its URL and where its token is (never the token).
fn print_address(engine: &EngineClient, home: &std::path::Path) {
    let info = launcher::info_path(&launcher::engine_dir(home, engine.name()));
    let info = info.display();
    println!(
        "\n{} answers at {} to requests that carry 'Authorization: Bearer <token>', with the \"token\" of {info}:\n    curl -H \"Authorization: Bearer $(jq -r .token {info})\" {}/2/engine/state",
        engine.name(),
        engine.url(),
        engine.url()
    );
}

/// What made the model fail: the message, the traceback and the input it was processing.
fn print_error(ctx: &Ctx, error: Option<&Value>) {
    let Some(error) = error.filter(|e| !e.is_null()) else {
        println!("The model failed. Reset the engine to start again.");
        return;
    };
    let field = |k: &str| error.get(k).and_then(Value::as_str).unwrap_or("");
    println!(
        "{}",
        ctx.out
            .fail(&format!("The model failed: {}", field("message")))
    );
    let traceback = field("traceback").trim_end();
    if !traceback.is_empty() {
        println!("\n{traceback}");
    }
    if let Some(input) = error.get("input").filter(|i| !i.is_null()) {
        let seqno = input.get("seqno").and_then(Value::as_u64).unwrap_or(1);
        println!(
            "\nThe input that caused the error (slot {}):",
            input.get("slot").unwrap_or(&Value::Null)
        );
        for (i, record) in input
            .get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            println!("{:>4}: {}", seqno + i as u64, record.as_str().unwrap_or(""));
        }
    }
    match error.get("unscored").and_then(Value::as_u64) {
        Some(1) => println!("\n1 accepted record was not scored."),
        Some(n) if n > 1 => println!("\n{n} accepted records were not scored."),
        _ => {}
    }
    println!("\nReset the engine ('fastscore engine reset') to use it again.");
}

fn print_slots(slots: Option<&Value>) {
    let Some(slots) = slots.and_then(Value::as_array).filter(|s| !s.is_empty()) else {
        return;
    };
    let count =
        |s: &Value, k: &str| render::Cell::Int(s.get(k).and_then(Value::as_i64).unwrap_or(0));
    let rows: Vec<Vec<render::Cell>> = slots
        .iter()
        .map(|s| {
            vec![
                count(s, "slot"),
                count(s, "records"),
                count(s, "rejected_by_encoding"),
                count(s, "rejected_by_schema"),
            ]
        })
        .collect();
    println!(
        "\n{}",
        render::table(
            &[
                "Slot",
                "Records",
                "Rejected by encoding",
                "Rejected by schema"
            ],
            &rows
        )
    );
    for s in slots {
        if let Some(source) = s.get("source").filter(|v| v.is_object()) {
            println!(
                "Slot {} (Kafka): {}",
                s.get("slot").unwrap_or(&Value::Null),
                kafka_source(source)
            );
        }
        for line in s
            .get("recent_rejections")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            println!(
                "Slot {}: {}",
                s.get("slot").unwrap_or(&Value::Null),
                line.as_str().unwrap_or("")
            );
        }
    }
}

/// `engine put [<engine>] <local-file> [<name>]` (ours, after the Go CLI's): copy a local
/// file into the engine's file directory, where a file stream reads it by the path `-v`
/// prints. Of two words, the first is the engine when it names one and no such local file
/// exists (`engine put engine-1 in.jsons`), else the file (`engine put in.jsons input.jsons`).
pub fn put(ctx: &Ctx, engine: Option<&str>, file: &str, name: Option<&str>) -> Result<()> {
    let (engine, file, name) = match (engine, name) {
        (None, Some(second)) if is_engine_name(file) && !std::path::Path::new(file).exists() => {
            (Some(file), second, None)
        }
        _ => (engine, file, name),
    };
    let name = name.unwrap_or_else(|| file.rsplit('/').next().unwrap_or(file));
    let failed = || format!("Unable to copy {file} into the engine");
    // what is wrong here is one line
    let refused = |why: String| Error::new(format!("{}: {why}", failed()));
    crate::engine::files::check_name(name).map_err(refused)?;
    let bytes = std::fs::read(file).map_err(|e| refused(crate::error::io_error_text(file, &e)))?;
    let engine = ctx.engine_named(engine)?;
    let path = engine.put_file(name, &bytes).context(failed)?;
    ctx.verbose(&format!("{file} copied to {}: {path}", engine.name()));
    Ok(())
}

/// `engine stop [<engine-name>]`: stop local engines (all of them without a name).
pub fn stop(ctx: &Ctx, name: Option<&str>) -> Result<()> {
    let local = ctx.local()?.ok_or_else(|| {
        Error::new("'engine stop' stops the engines of the embedded fleet; this connection is to a remote fleet")
    })?;
    let names = match name {
        Some(n) if !is_engine_name(n) => {
            return Err(Error::new(format!("Instance '{n}' not found")))
        }
        Some(n) => vec![n.to_string()],
        None => launcher::known(local.home()),
    };
    for n in names {
        if launcher::stop(local.home(), &n)? {
            ctx.verbose(&format!("Engine '{n}' stopped"));
        }
    }
    Ok(())
}

/// `engine serve [<engine-name>] [--bind ADDR] [--port N] [--no-token]`: run an engine in the
/// foreground. Unless `--no-token`, every request must carry `Authorization: Bearer <token>`
/// with the token written to its engine.json.
pub fn serve(ctx: &Ctx, name: Option<&str>) -> Result<()> {
    let name = name.unwrap_or(crate::fleet::local::DEFAULT_ENGINE);
    if !is_engine_name(name) {
        return Err(Error::new(format!(
            "'{name}' is not an engine name (engine-1, engine-2, …)"
        )));
    }
    // a jet that dies must not take the engine with it when the engine writes to its pipe
    // SAFETY: ignoring SIGPIPE has no preconditions; writes then fail with EPIPE instead.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let home = config::local_home()?;
    let dir = launcher::engine_dir(&home, name);
    let bind = ctx.opts.bind.clone().unwrap_or_else(|| "127.0.0.1".into());
    let port = ctx.opts.port.unwrap_or(8003);
    let listener = std::net::TcpListener::bind((bind.as_str(), port)).map_err(|e| {
        Error::new(format!("Cannot listen on {bind}:{port}")).caused_by(e.to_string())
    })?;
    let port = listener.local_addr().map_or(port, |a| a.port());
    let python = std::env::var("FASTSCORE_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".into());
    // a fleet to join: its Model Manage holds the schemas and attachments loads name
    let fleet = ctx.opts.fleet.clone().or_else(|| {
        std::env::var("CONNECT_PREFIX")
            .ok()
            .filter(|p| !p.trim().is_empty())
    });
    let fleet = fleet
        .map(|url| crate::fleet::join::connection(&url))
        .transpose()?;
    let assets = match &fleet {
        Some(conn) => crate::engine::Assets::Fleet(conn.clone()),
        None => crate::engine::Assets::Local(crate::fleet::store::Store::new(&home)),
    };
    let engine = crate::engine::Engine::new(name, &dir, assets, &python).map_err(|e| {
        Error::new(format!("Cannot prepare {}", dir.display())).caused_by(e.to_string())
    })?;
    let host = if bind == "0.0.0.0" {
        "127.0.0.1"
    } else {
        bind.as_str()
    };
    let url = format!("http://{host}:{port}");
    // where the fleet reaches it: the address it listens on, or the host's name
    let advertised = if bind == "0.0.0.0" {
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        format!("http://{}:{port}", hostname.trim())
    } else {
        url.clone()
    };
    // the token lives in engine.json (mode 0600) only: never printed, never logged
    let token = if ctx.opts.no_token {
        eprintln!("{name}: serving WITHOUT a token (--no-token): anyone who can reach {url} can drive this engine");
        None
    } else {
        Some(
            crate::ids::secret_hex(32).map_err(|e| {
                Error::new("Cannot make the engine's token").caused_by(e.to_string())
            })?,
        )
    };
    launcher::write_info(&dir, &url, token.as_deref()).map_err(|e| {
        Error::new(format!("Cannot write to {}", dir.display())).caused_by(e.to_string())
    })?;
    // a baked engine: its model and streams from the environment (engine.md §9.8)
    let baked = crate::engine::baked::from_env().map_err(Error::new)?;
    let membership =
        fleet.map(|conn| crate::fleet::join::join(conn, name, &advertised, token.clone()));
    let settings = crate::engine::server::Settings {
        token,
        token_file: launcher::info_path(&dir).display().to_string(),
        max_body: max_request_bytes()?,
    };
    eprintln!("{name}: serving the FastScore Engine API at {url} (Python: {python})");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("engine")
        .build()
        .map_err(|e| Error::new("Cannot start the engine").caused_by(e.to_string()))?;
    let served = runtime.block_on(async {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let stop = stop_signal(dir.clone());
        if let Some(baked) = baked {
            // loaded while the engine already answers, as the REST calls would have been
            let engine = engine.clone();
            tokio::task::spawn_blocking(move || {
                if let Err(e) = crate::engine::baked::apply(&engine, &baked) {
                    eprintln!("{}: {e}", engine.name);
                }
            });
        }
        crate::engine::server::serve(engine.clone(), listener, settings, stop).await;
        std::io::Result::Ok(())
    });
    if let Some(m) = membership {
        m.leave();
    }
    launcher::remove_info(&dir);
    runtime.shutdown_timeout(Duration::from_secs(1));
    served.map_err(|e| Error::new(format!("Cannot serve on {url}")).caused_by(e.to_string()))
}

/// `FASTSCORE_MAX_REQUEST_MB`: the largest request body the engine takes (default 1024).
fn max_request_bytes() -> Result<usize> {
    match std::env::var("FASTSCORE_MAX_REQUEST_MB") {
        Err(_) => Ok(1024 << 20),
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|mb| *mb > 0)
            .and_then(|mb| mb.checked_mul(1 << 20))
            .ok_or_else(|| {
                Error::new(format!(
                    "FASTSCORE_MAX_REQUEST_MB must be a positive number of MiB (at most {}), not '{v}'",
                    usize::MAX >> 20
                ))
            }),
    }
}

/// Completes on SIGTERM, SIGINT or SIGHUP, or when the engine's directory is removed.
async fn stop_signal(dir: std::path::PathBuf) {
    use tokio::signal::unix::{signal, SignalKind};
    async fn on(kind: SignalKind) {
        match signal(kind) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    }
    let removed = async {
        while dir.exists() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    tokio::select! {
        () = on(SignalKind::terminate()) => {}
        () = on(SignalKind::interrupt()) => {}
        () = on(SignalKind::hangup()) => {}
        () = removed => {}
    }
}

/// What a Kafka input says of its reading, committing and rebalances, in one line.
fn kafka_source(source: &Value) -> String {
    let by_partition = |key: &str| -> String {
        let pairs: Vec<String> = source[key]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(p, o)| format!("{p}:{o}"))
            .collect();
        if pairs.is_empty() {
            "none".to_string()
        } else {
            pairs.join(" ")
        }
    };
    let assigned: Vec<String> = source["assigned"]
        .as_array()
        .into_iter()
        .flatten()
        .map(Value::to_string)
        .collect();
    let mut line = String::new();
    if let Some(waiting) = source["waiting"].as_str() {
        line.push_str(&format!("{waiting}; "));
    }
    if let Some(unkept) = source["read_marks"].as_str() {
        line.push_str(&format!("{unkept}; "));
    }
    let commit_wait = &source["commit_wait"];
    if commit_wait.is_object() {
        line.push_str(&format!(
            "the group has not kept a commit of partition {} for {} s (its records wait); ",
            commit_wait["partition"], commit_wait["seconds"]
        ));
    }
    let outage = &source["outage"];
    if outage.is_object() {
        line.push_str(&format!(
            "no Kafka broker reached since {} ({} s: {}); ",
            outage["since"].as_str().unwrap_or("?"),
            outage["seconds"],
            outage["why"].as_str().unwrap_or("?")
        ));
    }
    line.push_str(&format!(
        "partitions {}; {} records read ({} of them again: maybe scored before), {} not committed yet; in rebalances {} dropped unread by a jet (their next owner reads them) and {} handed over uncommitted (others may read those again); committed offsets (partition:next) {}; lag (partition:records) {}",
        if assigned.is_empty() { "none".to_string() } else { assigned.join(",") },
        source["read"],
        source["read_again"],
        source["uncommitted"],
        source["dropped_at_revoke"],
        source["handed_over"],
        by_partition("committed"),
        by_partition("lag"),
    ));
    if let Some(last) = source["last_outage"].as_str() {
        line.push_str(&format!(
            "; broker outages {}, the last: {last}",
            source["outages"]
        ));
    }
    line
}
