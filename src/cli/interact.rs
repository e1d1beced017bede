//! `model interact` (spec/cli.md §9.8.12): type records at a prompt, see the model's
//! outputs and the records its schemas or encodings reject, until end of input.

use super::sensor::{adhoc, Installed};
use super::watch::{catch_ctrl_c, stop_requested, Watch};
use super::Ctx;
use crate::error::{Context, Error, Result};
use crate::fleet::engine_client::OutputRead;
use serde_json::{json, Value};
use std::io::{BufRead, Write};
use std::sync::mpsc;
use std::time::Duration;

/// How long the rejections are waited for after each line.
const DRAIN: Duration = Duration::from_millis(250);

/// Lines of stdin, read on their own thread so that Ctrl-C is noticed while waiting.
fn stdin_lines() -> mpsc::Receiver<Option<String>> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        loop {
            let mut line = String::new();
            let read = stdin.read_line(&mut line);
            let line = match read {
                Ok(n) if n > 0 => Some(line.trim_end_matches(['\n', '\r']).to_string()),
                _ => None,
            };
            let end = line.is_none();
            if tx.send(line).is_err() || end {
                return;
            }
        }
    });
    rx
}

pub fn interact(ctx: &Ctx) -> Result<()> {
    let engine = ctx.engine()?;
    let running = || -> Result<bool> { Ok(super::engine::state(&engine)?.0 == "RUNNING") };
    if !running()? {
        return Err(Error::new(format!("{} is not running", engine.name())));
    }
    let model = engine
        .active_model()
        .context(|| "Unable to retrieve active model".into())?
        .unwrap_or(Value::Null);
    let slots: Vec<u32> = model["slots"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["slot"].as_u64().map(|n| n as u32))
        .collect();
    catch_ctrl_c();
    let mut watch = Watch::open(ctx, Some(engine.name()), Some("sensor-report"))?;
    let mut sensors = Installed::on(&engine);
    // sensor id → (slot, by schema)
    let mut rejections = Vec::new();
    for by_schema in [true, false] {
        let what = if by_schema { "schema" } else { "encoding" };
        for slot in &slots {
            let tap = format!("manifold.{slot}.records.rejected.by.{what}");
            let id = sensors.add(&adhoc(&tap, json!("permanent"), json!("accumulate"), 1.0))?;
            rejections.push((id, *slot, by_schema));
        }
    }
    let lines = stdin_lines();
    let mut slot = 0u32;
    let out = ctx.out;
    while running()? {
        print!(
            "{}",
            if slot == 0 {
                "> ".to_string()
            } else {
                format!("{slot}> ")
            }
        );
        let _ = std::io::stdout().flush();
        let line = loop {
            if stop_requested() {
                return Ok(());
            }
            match lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => break line,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break None,
            }
        };
        let Some(line) = line else {
            println!();
            return Ok(());
        };
        if let Some(rest) = line.strip_prefix('~') {
            if let Ok(n) = rest.trim().parse::<u32>() {
                if n % 2 == 0 && slots.contains(&n) {
                    slot = n;
                }
            }
        } else if !line.is_empty() {
            // a rejected record is told by the sensors below
            let _ = engine.input(slot, line.as_bytes());
        }
        while let Some(m) = watch.next(DRAIN)? {
            let Some(&(_, on, by_schema)) = rejections
                .iter()
                .find(|(id, _, _)| m["id"].as_u64() == Some(*id))
            else {
                continue;
            };
            let what = if by_schema { "Schema" } else { "Encoding" };
            for x in m["data"].as_array().into_iter().flatten() {
                let x = x.as_str().map_or_else(|| x.to_string(), str::to_string);
                println!("{}", out.fail(&format!("REJECTED-By-{what}:{on}: {x}")));
            }
        }
        for &o in slots.iter().filter(|s| *s % 2 == 1) {
            match engine.output(o, true) {
                Ok(OutputRead::Record(r)) => {
                    let r = String::from_utf8_lossy(&r);
                    let r = r.trim_end_matches('\n');
                    let text = if o == 1 {
                        r.to_string()
                    } else {
                        format!("[{o}] {r}")
                    };
                    println!("{}", out.ok(&text));
                }
                Ok(OutputRead::Eof) => {
                    println!();
                    return Ok(());
                }
                _ => {}
            }
        }
    }
    Ok(())
}
