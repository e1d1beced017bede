//! `run <model> <stream0> <stream1>` (and `job run`): verify, load, attach, and optionally
//! wait until the engine has finished.

use super::{engine, model, stream, Ctx};
use crate::error::{Error, Result};
use serde_json::Value;
use std::time::Duration;

pub fn run(ctx: &Ctx, model_name: &str, stream0: &str, stream1: &str) -> Result<()> {
    let input = stream::resolve(ctx, stream0)?;
    let output = stream::resolve(ctx, stream1)?;
    model::verify(ctx, model_name, true)?;
    stream::attach_to(ctx, &input, "0", true)?;
    stream::attach_to(ctx, &output, "1", true)?;
    if ctx.opts.verbose {
        println!("{}", ctx.out.ok("Model and streams verified successfully"));
    }
    model::load(ctx, model_name, None)?;
    stream::attach_to(ctx, &input, "0", false)?;
    ctx.verbose("Stream attached to slot 0");
    stream::attach_to(ctx, &output, "1", false)?;
    ctx.verbose("Stream attached to slot 1");
    let engine = ctx.engine()?;
    let mut last = String::new();
    let mut told = false;
    loop {
        let (state, doc) = engine::state(&engine)?;
        // an input that waits (a Kafka topic that does not exist yet) says so, once
        if !told {
            told = true;
            for slot in doc["slots"].as_array().into_iter().flatten() {
                if let Some(waiting) = slot["source"]["waiting"].as_str() {
                    eprintln!("{}: slot {}: {waiting}", engine.name(), slot["slot"]);
                }
            }
        }
        // a model that fails as it starts (an import, a missing file) is reported here
        if state == "ERROR" {
            let message = doc
                .get("error")
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("the model failed");
            return Err(Error::new(format!(
                "{} is in ERROR: {message} (see 'fastscore engine inspect -v')",
                engine.name()
            )));
        }
        if !ctx.opts.wait {
            return Ok(());
        }
        if state != last {
            ctx.verbose(&format!("Engine state is {state}"));
            last = state.clone();
        }
        if state == "FINISHED" {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
