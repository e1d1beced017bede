//! `run <model> <stream0> <stream1>` (and `job run`): verify, load, attach, and optionally
//! wait until the engine has finished.

use super::{model, stream, Ctx};
use crate::error::{Context, Error, Result};
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
    if ctx.opts.wait {
        return wait(ctx);
    }
    // a model that fails as it starts (an import, a missing file) is reported here
    let engine = ctx.engine()?;
    let doc = engine
        .state()
        .context(|| "Unable to determine engine state".into())?;
    match failure(&doc) {
        Some(message) => Err(in_error(engine.name(), &message)),
        None => Ok(()),
    }
}

/// The failure message when the engine is in ERROR.
fn failure(doc: &Value) -> Option<String> {
    (doc.get("state").and_then(Value::as_str) == Some("error")).then(|| {
        doc.get("error")
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .unwrap_or("the model failed")
            .to_string()
    })
}

fn in_error(engine: &str, message: &str) -> Error {
    Error::new(format!(
        "{engine} is in ERROR: {message} (see 'fastscore engine inspect -v')"
    ))
}

/// Follow the engine's state until it has finished (or failed).
fn wait(ctx: &Ctx) -> Result<()> {
    let engine = ctx.engine()?;
    let mut last = String::new();
    loop {
        let doc = engine
            .state()
            .context(|| "Unable to determine engine state".into())?;
        let state = doc
            .get("state")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if state != last {
            ctx.verbose(&format!("Engine state is {}", state.to_uppercase()));
            last = state.clone();
        }
        if let Some(message) = failure(&doc) {
            return Err(in_error(engine.name(), &message));
        }
        if state == "finished" {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
