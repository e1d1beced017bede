//! `pneumo` and `pneumo history` (spec/cli.md §9.19), and how a Pneumo message is printed
//! (§10.9). With no fleet connected the messages come from the local engines themselves
//! (`GET /1/pneumo` of each); from a fleet, `pneumo history` reads its history.

use super::stream::format_record;
use super::Ctx;
use crate::error::{Context, Result};
use crate::fleet::launcher;
use serde_json::Value;
use std::time::Duration;

/// How long the read of the local engines' history may take.
const HISTORY_WAIT: Duration = Duration::from_secs(3);

/// `HH:MM:SS.mmm:<src>` of a message, in the timestamp's own offset.
fn prefix(message: &Value) -> String {
    format!(
        "{}:{}",
        clock(message),
        message["src"].as_str().unwrap_or("")
    )
}

/// `HH:MM:SS.mmm` of a message's timestamp, in its own offset (milliseconds truncated).
pub fn clock(message: &Value) -> String {
    let stamp = message["timestamp"].as_str().unwrap_or("");
    crate::timestamp::parse(stamp).map_or_else(
        || stamp.to_string(),
        |t| {
            format!(
                "{:02}:{:02}:{:02}.{:03}",
                t.hour,
                t.minute,
                t.second,
                t.micro / 1000
            )
        },
    )
}

/// Python's repr of a JSON value (what the original prints for sensor data).
pub fn repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Number(n) => crate::json::compact(&Value::Number(n.clone())),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("'{k}': {}", repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The lines of `text` after the first, each indented by `width` spaces.
fn indented(first: String, rest: &[String], width: usize) -> String {
    let pad = " ".repeat(width);
    std::iter::once(first)
        .chain(rest.iter().map(|l| format!("{pad}{l}")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One message as the original prints it (§10.9).
pub fn render(message: &Value) -> String {
    let p = prefix(message);
    let field = |k: &str| message[k].as_str().unwrap_or("");
    match field("type") {
        "health" => {
            let health = match field("health") {
                "ok" => "up",
                "fail" => "DOWN",
                other => other,
            };
            format!("{p}: {} is {health}", field("instance"))
        }
        "log" => {
            let level = message["level"].as_i64().unwrap_or(0);
            let severity = match level {
                128 => "debug".to_string(),
                64 => "info".into(),
                32 => "notice".into(),
                16 => "warning".into(),
                8 => "error".into(),
                4 => "critical".into(),
                2 => "alert".into(),
                1 => "emergency".into(),
                n => n.to_string(),
            };
            format!("{p}: log[{severity}] {}", field("text"))
        }
        "model-console" => {
            let lines: Vec<String> = field("text")
                .trim_end()
                .lines()
                .map(str::to_string)
                .collect();
            let first = format!("{p}> {}", lines.first().map_or("", String::as_str));
            indented(first, lines.get(1..).unwrap_or_default(), p.len() + 2)
        }
        "engine-state" => format!("{p}: state is {}", field("state").to_uppercase()),
        "engine-config" => {
            let r = &message["ref"];
            let shown_ref = match r {
                Value::String(s) => s.clone(),
                other => crate::json::compact(other),
            };
            let what = match (field("item"), field("op")) {
                ("model", "load") => "model loaded".to_string(),
                ("model", "reload") => "model reloaded".into(),
                ("model", "unload") => "model unloaded".into(),
                ("stream", "attach") => format!("stream attached to {shown_ref}"),
                ("stream", "reattach") => format!("stream reattached to {shown_ref}"),
                ("stream", "detach") => format!("stream detached from {shown_ref}"),
                ("jet", "start") => format!("jet started ({shown_ref})"),
                ("jet", "stop") => format!("jet stoppped ({shown_ref})"),
                (item, op) => format!("{item} {op} {shown_ref}"),
            };
            format!("{p}: {what}")
        }
        "sensor-report" => format!(
            "{p}: sensor[{}] {}: {}",
            message["id"],
            field("tap"),
            repr(&message["data"])
        ),
        "model-error" => {
            let mut rest = Vec::new();
            let input = &message["input"];
            if input.is_null() {
                rest.push("(last input not available)".to_string());
            } else {
                rest.push("The input that caused the error:".into());
                let seqno = input["seqno"].as_u64().unwrap_or(1) as usize;
                let data = input["data"].as_array().cloned().unwrap_or_default();
                for (i, record) in data.iter().enumerate() {
                    let text = record
                        .as_str()
                        .map_or_else(|| crate::json::compact(record), str::to_string);
                    rest.push(
                        format_record(text.as_bytes(), seqno + i)
                            .trim_end_matches('\n')
                            .to_string(),
                    );
                }
                let total = input["batch_len"].as_u64().unwrap_or(0) as usize;
                if total > data.len() {
                    rest.push(format!("({} record(s) skipped)", total - data.len()));
                }
                rest.push("-".repeat(32));
            }
            rest.extend(field("console").trim_end().lines().map(str::to_string));
            indented(format!("{p}: MODEL ERROR"), &rest, p.len() + 2)
        }
        _ => repr(message),
    }
}

/// The messages the local engines keep, oldest first.
fn local_history(ctx: &Ctx, home: &std::path::Path) -> Vec<Value> {
    let mut all = Vec::new();
    for name in launcher::known(home) {
        if let Some(engine) = local_engine(ctx, home, &name) {
            if let Ok(answer) = engine.send("GET", "1/pneumo?since=0&wait=0", &[], None) {
                all.extend(
                    answer.json()["messages"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default(),
                );
            }
        }
    }
    all.sort_by(|a, b| a["timestamp"].as_str().cmp(&b["timestamp"].as_str()));
    all
}

/// A client of the running local engine `name`, if it runs.
fn local_engine(
    ctx: &Ctx,
    home: &std::path::Path,
    name: &str,
) -> Option<crate::fleet::http::Service> {
    let _ = ctx;
    let info = launcher::read_info(&launcher::engine_dir(home, name))?;
    let client = std::rc::Rc::new(crate::fleet::http::Client::local(
        crate::fleet::http::Timeouts::around(HISTORY_WAIT),
    ));
    Some(launcher::service(&client, name, &info))
}

/// `pneumo history [-json]`.
pub fn history(ctx: &Ctx) -> Result<()> {
    let messages = match (ctx.local()?, ctx.remote()?) {
        (Some(local), _) => local_history(ctx, local.home()),
        (None, Some(remote)) => remote
            .pneumo_history()
            .context(|| "Unable to retrieve Pneumo history".into())?
            .as_array()
            .cloned()
            .unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    if ctx.opts.json {
        println!("{}", crate::json::pretty(&Value::Array(messages)));
    } else {
        for m in &messages {
            println!("{}", render(m));
        }
    }
    Ok(())
}

/// `pneumo`: every new message as it comes, until Ctrl-C.
pub fn watch(ctx: &Ctx) -> Result<()> {
    super::watch::catch_ctrl_c();
    let mut watch = super::watch::Watch::open(ctx, None, None)?;
    while !super::watch::stop_requested() {
        if let Some(m) = watch.next(Duration::from_secs(1))? {
            super::watch::emit(&render(&m));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::render;
    use serde_json::json;

    #[test]
    fn renders_as_the_original() {
        let at = "2020-01-06T10:00:00.123456+02:00";
        let m = |v: serde_json::Value| {
            let mut v = v;
            v["timestamp"] = at.into();
            v["src"] = "engine-1".into();
            render(&v)
        };
        assert_eq!(
            m(json!({"type": "log", "level": 64, "text": "hello"})),
            "10:00:00.123:engine-1: log[info] hello"
        );
        assert_eq!(
            m(json!({"type": "health", "instance": "engine-2", "health": "fail"})),
            "10:00:00.123:engine-1: engine-2 is DOWN"
        );
        assert_eq!(
            m(json!({"type": "model-console", "text": "line1\nline2\n"})),
            "10:00:00.123:engine-1> line1\n                       line2"
        );
        assert_eq!(
            m(json!({"type": "engine-config", "item": "stream", "op": "attach", "ref": 1})),
            "10:00:00.123:engine-1: stream attached to 1"
        );
        assert_eq!(
            m(
                json!({"type": "sensor-report", "id": 3, "tap": "sys.memory", "data": {"kernel": 1.5}})
            ),
            "10:00:00.123:engine-1: sensor[3] sys.memory: {'kernel': 1.5}"
        );
        assert_eq!(
            m(json!({"type": "engine-state", "state": "running"})),
            "10:00:00.123:engine-1: state is RUNNING"
        );
        let error = m(
            json!({"type": "model-error", "console": "Traceback:\n  boom\n",
            "input": {"slot": 0, "seqno": 99, "data": ["{\"a\": 1}", "{\"a\": 2}"], "batch_len": 5, "encoding": "json"}}),
        );
        assert_eq!(
            error,
            "10:00:00.123:engine-1: MODEL ERROR\n                       The input that caused the error:\n                         99: {\"a\": 1}\n                        100: {\"a\": 2}\n                       (3 record(s) skipped)\n                       --------------------------------\n                       Traceback:\n                         boom"
        );
    }
}
