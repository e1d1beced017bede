//! `model add/show/list/remove`.

use super::{editor, hint, read_input, render, Ctx};
use crate::error::{Cause, Context, Error, Result};
use crate::fleet::engine_client::LoadBody;
use crate::fleet::{ArchiveType, Failure, Model, Saved};
use crate::model_type;
use serde_json::json;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// `Model '<name>' not found`, or `Cannot retrieve '<name>' model` with the cause.
pub fn fetch(ctx: &Ctx, name: &str) -> Result<Model> {
    ctx.model_manage()?.get_model(name).map_err(|f| {
        missing_or(f, format!("Model '{name}' not found"), || {
            format!("Cannot retrieve '{name}' model")
        })
        .with_hint(closest_model(ctx, name))
    })
}

/// The stored models' names closest to `name`, as a hint.
fn closest_model(ctx: &Ctx, name: &str) -> Option<String> {
    let models = ctx.model_manage().ok()?.list_models().ok()?;
    let names: Vec<String> = models.into_iter().map(|m| m.name).collect();
    hint::closest_names(name, &names)
}

/// A "not found" failure as `missing`, anything else as `other` with the failure as cause.
pub fn missing_or(f: Failure, missing: String, other: impl FnOnce() -> String) -> Error {
    if f.is_not_found() {
        Error::new(missing)
    } else {
        Error::new(other()).caused_by(f)
    }
}

pub fn add(ctx: &Ctx, name: &str, file: Option<&str>) -> Result<()> {
    let (source, mtype) =
        read_model(ctx, file).context(|| format!("Unable to add model '{name}'"))?;
    save(ctx, name, &mtype, &source)
}

fn read_model(ctx: &Ctx, file: Option<&str>) -> std::result::Result<(String, String), Cause> {
    // the file is read before its extension is checked, as in the original
    let source = read_input(file)?;
    let mtype = match (&ctx.opts.model_type, file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => model_type::from_file_name(f)?.to_string(),
        (None, None) => model_type::from_source(&source)?.to_string(),
    };
    Ok((source, mtype))
}

fn save(ctx: &Ctx, name: &str, mtype: &str, source: &str) -> Result<()> {
    let saved = ctx
        .model_manage()?
        .put_model(name, mtype, source)
        .context(|| format!("Cannot save model '{name}'"))?;
    ctx.verbose(match saved {
        Saved::Created => "Model created",
        Saved::Updated => "Model updated",
    });
    Ok(())
}

pub fn show(ctx: &Ctx, name: &str) -> Result<()> {
    let model = fetch(ctx, name)?;
    if !ctx.opts.edit {
        print!("{}", model.source);
        return Ok(());
    }
    let suffix = match model.mtype.as_str() {
        "python" | "python3" => ".py",
        "R" | "r" => ".R",
        "pfa-json" => ".json",
        "pfa-yaml" => ".yaml",
        _ => "",
    };
    match editor::edit(&model.source, "MODEL_EDITING", suffix) {
        None => ctx.verbose("No changes (or changes discarded)"),
        Some(source) => save(ctx, name, &model.mtype, &source)?,
    }
    Ok(())
}

pub fn list(ctx: &Ctx) -> Result<()> {
    let models = ctx
        .model_manage()?
        .list_models()
        .context(|| "Cannot list models".into())?;
    if ctx.opts.json {
        let doc: Vec<_> = models
            .iter()
            .map(|m| serde_json::json!({"name": m.name, "mtype": m.mtype}))
            .collect();
        println!("{}", crate::json::pretty(&serde_json::Value::Array(doc)));
    } else {
        let rows: Vec<Vec<render::Cell>> = models
            .iter()
            .map(|m| vec![m.name.as_str().into(), m.mtype.as_str().into()])
            .collect();
        println!("{}", render::table(&["Name", "Type"], &rows));
    }
    Ok(())
}

pub fn remove(ctx: &Ctx, name: &str) -> Result<()> {
    ctx.model_manage()?.delete_model(name).map_err(|f| {
        missing_or(f, format!("Model '{name}' not found"), || {
            format!("Cannot remove model '{name}'")
        })
        .with_hint(closest_model(ctx, name))
    })?;
    ctx.verbose(&format!("Model '{name}' removed"));
    Ok(())
}

/// The model load request: the bare source, or multipart with attachments and schemas.
fn load_body(ctx: &Ctx, model: &Model, override_file: Option<&str>) -> Result<LoadBody> {
    let failed = || format!("Unable to load model '{}'", model.name);
    let mime = model_type::mime_type(&model.mtype).ok_or_else(|| {
        Error::new(failed()).caused_by(format!("unknown model type '{}'", model.mtype))
    })?;
    // (filename, Content-Type, content) of each attachment part
    let mut attachments: Vec<(String, String, Vec<u8>)> = Vec::new();
    match override_file {
        Some(file) => {
            let atype = ArchiveType::from_name(file).ok_or_else(|| {
                Error::new(format!("Unable to guess attachment type for '{file}'"))
            })?;
            let bytes = std::fs::read(file)
                .map_err(|e| crate::error::io_error_text(file, &e))
                .context(failed)?;
            let name = file.rsplit('/').next().unwrap_or(file).to_string();
            attachments.push((name, atype.mime_type().to_string(), bytes));
        }
        None => {
            let mm = ctx.model_manage()?;
            for name in mm
                .list_attachments(&model.name)
                .context(|| "Cannot list attachments".into())?
            {
                let info = mm
                    .attachment_info(&model.name, &name)
                    .context(|| format!("Cannot retrieve attachment '{name}'"))?;
                // sent by reference: the engine fetches it from Model Manage
                let ctype = format!(
                    "message/external-body; access-type=x-model-manage; ref=\"urn:fastscore:attachment:{}:{name}\"",
                    model.name
                );
                let content = format!(
                    "Content-Type: {}\r\nContent-Length: {}\r\n\r\n",
                    info.atype.mime_type(),
                    info.size
                );
                attachments.push((name, ctype, content.into_bytes()));
            }
        }
    }
    if attachments.is_empty() && ctx.opts.schemas.is_empty() {
        let body = if model.mtype == "pfa-json" {
            let doc: serde_json::Value = serde_json::from_str(&model.source).context(failed)?;
            crate::json::compact(&doc).into_bytes()
        } else {
            model.source.clone().into_bytes()
        };
        return Ok(LoadBody {
            content_type: mime.to_string(),
            disposition: Some(format!("x-model; name=\"{}\"", model.name)),
            body,
        });
    }
    let mut multipart = crate::multipart::Builder::default();
    let mut part = |disposition: String, ctype: &str, content: &[u8]| {
        multipart.part(
            &[
                ("Content-Disposition", &disposition),
                ("Content-Type", ctype),
            ],
            content,
        );
    };
    for (name, ctype, content) in &attachments {
        part(format!("attachment; filename=\"{name}\""), ctype, content);
    }
    for (name, text) in &ctx.opts.schemas {
        part(
            format!("x-schema; name=\"{name}\""),
            "application/vnd.fastscore.schema-avro",
            text.as_bytes(),
        );
    }
    part(
        format!("x-model; name=\"{}\"", model.name),
        mime,
        model.source.as_bytes(),
    );
    let (content_type, body) = multipart.finish();
    Ok(LoadBody {
        content_type,
        disposition: None,
        body,
    })
}

/// `model verify` (also the first step of `run`, quietly).
pub fn verify(ctx: &Ctx, name: &str, quiet: bool) -> Result<()> {
    let model = fetch(ctx, name)?;
    let engine = ctx.engine()?;
    let body = load_body(ctx, &model, None)?;
    let mut waiting = WaitLine::new(engine.name());
    let info = engine.load(&body, true, &mut |task, waited| waiting.show(task, waited));
    drop(waiting);
    let info = info.map_err(|f| match f.cause {
        // the engine's reason is the message
        crate::error::Cause::Http(h) => Error::new(h.body.trim().to_string()),
        other => Error::new(format!("Unable to load model '{name}'")).caused_by(other),
    })?;
    let sloc = model.source.matches('\n').count() as i64;
    if ctx.opts.json {
        let mut doc = info.clone();
        if let Some(obj) = doc.as_object_mut() {
            obj.insert("name".into(), json!(model.name));
            obj.insert("mtype".into(), json!(model.mtype));
            obj.insert("sloc".into(), json!(sloc));
        }
        println!("{}", crate::json::pretty(&doc));
        return Ok(());
    }
    if quiet {
        return Ok(());
    }
    if ctx.opts.verbose {
        let row = vec![vec![
            render::Cell::from(model.name.as_str()),
            model.mtype.as_str().into(),
            sloc.into(),
        ]];
        println!("{}\n", render::table(&["Name", "Type", "SLOC"], &row));
        println!("{}\n", slot_table(info.get("slots")));
        let list = |k: &str| -> Vec<String> {
            info.get(k)
                .and_then(serde_json::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        for (key, text) in [
            ("install_libs", "These libraries will be installed: {}."),
            ("warn_libs", "WARNING: the model imports {}."),
            ("attach_libs", "Libraries to be found in attachment(s): {}."),
        ] {
            let libs = list(key);
            if !libs.is_empty() {
                println!("{}", text.replace("{}", &libs.join(", ")));
            }
        }
        let snapshots = info
            .get("snapshots")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("none");
        if snapshots != "none" {
            println!("The model snapshots mode is '{snapshots}'");
        }
    }
    println!("{}", ctx.out.ok("The model contains no errors"));
    Ok(())
}

/// What a load waits for while the engine prepares what the model needs, on stderr: a line
/// that updates on a terminal; else a plain line at first, when the task changes and every
/// `PLAIN_EVERY`.
pub(super) struct WaitLine {
    engine: String,
    bar: Option<indicatif::ProgressBar>,
    /// The task of the last plain line, and when it was printed.
    printed: Option<(String, Instant)>,
}

const PLAIN_EVERY: Duration = Duration::from_secs(10);

impl WaitLine {
    pub(super) fn new(engine: &str) -> WaitLine {
        WaitLine {
            engine: engine.to_string(),
            bar: None,
            printed: None,
        }
    }

    pub(super) fn show(&mut self, task: &str, waited: Duration) {
        let line = format!(
            "Waiting for {} to {task}: {} s",
            self.engine,
            waited.as_secs()
        );
        if std::io::stderr().is_terminal() {
            self.bar
                .get_or_insert_with(|| {
                    let bar = indicatif::ProgressBar::new_spinner();
                    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg}") {
                        bar.set_style(style);
                    }
                    bar
                })
                .set_message(line);
            return;
        }
        let due = self
            .printed
            .as_ref()
            .is_none_or(|(t, at)| t != task || at.elapsed() >= PLAIN_EVERY);
        if due {
            eprintln!("{line}");
            self.printed = Some((task.to_string(), Instant::now()));
        }
    }
}

impl Drop for WaitLine {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The slot map table of `model verify -v` and `model inspect` (spec/cli.md §10.8).
fn slot_table(slots: Option<&serde_json::Value>) -> String {
    let slots: Vec<&serde_json::Value> = slots
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let number = |s: &serde_json::Value| {
        s.get("slot")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
    };
    let schema = |s: &serde_json::Value| -> render::Cell {
        match s.get("schema") {
            None | Some(serde_json::Value::Null) => "-".into(),
            Some(v) => {
                let text = crate::json::compact(v);
                if text.chars().count() <= 10 {
                    text.into()
                } else {
                    "*****".into()
                }
            }
        }
    };
    let flag = |s: &serde_json::Value| -> render::Cell {
        if s.get("recordsets")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
        {
            "Yes".into()
        } else {
            "No".into()
        }
    };
    let inputs: Vec<_> = slots.iter().filter(|s| number(s) % 2 == 0).collect();
    let outputs: Vec<_> = slots.iter().filter(|s| number(s) % 2 == 1).collect();
    let rows: Vec<Vec<render::Cell>> = (0..inputs.len().max(outputs.len()))
        .map(|i| {
            let mut row = match inputs.get(i) {
                Some(s) => vec![
                    render::Cell::Int(number(s)),
                    schema(s),
                    s.get("action")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("")
                        .into(),
                    flag(s),
                ],
                None => vec!["".into(), "".into(), "".into(), "".into()],
            };
            row.push("".into());
            match outputs.get(i) {
                Some(s) => row.extend([render::Cell::Int(number(s)), schema(s), flag(s)]),
                None => row.extend(["".into(), "".into(), "".into()]),
            }
            row
        })
        .collect();
    render::table(
        &[
            "Slot",
            "Schema",
            "Action",
            "Recordsets",
            "",
            "Slot",
            "Schema",
            "Recordsets",
        ],
        &rows,
    )
}

pub fn load(ctx: &Ctx, name: &str, attachment: Option<&str>) -> Result<()> {
    let model = fetch(ctx, name)?;
    let engine = ctx.engine()?;
    let body = load_body(ctx, &model, attachment)?;
    let mut waiting = WaitLine::new(engine.name());
    let loaded = engine.load(&body, false, &mut |task, waited| waiting.show(task, waited));
    drop(waiting);
    loaded.context(|| format!("Unable to load model '{name}'"))?;
    ctx.verbose("Model loaded");
    Ok(())
}

pub fn inspect(ctx: &Ctx) -> Result<()> {
    let info = ctx
        .engine()?
        .active_model()
        .context(|| "Unable to retrieve active model".into())?;
    let Some(info) = info else {
        println!(
            "{}",
            if ctx.opts.json {
                "null"
            } else {
                "Model not loaded"
            }
        );
        return Ok(());
    };
    if ctx.opts.json {
        println!("{}", crate::json::pretty(&info));
        return Ok(());
    }
    let text = |k: &str| {
        info.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let sloc = text("source").matches('\n').count() as i64;
    let row = vec![vec![
        render::Cell::from(text("name")),
        text("mtype").into(),
        sloc.into(),
        text("snapshots").into(),
    ]];
    println!(
        "{}\n",
        render::table(&["Name", "Type", "SLOC", "Snapshots"], &row)
    );
    println!("{}\n", slot_table(info.get("slots")));
    let jets: Vec<Vec<render::Cell>> = info
        .get("jets")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, j)| {
            let sandbox = match j.get("sandbox") {
                Some(serde_json::Value::String(s)) => s.as_str().into(),
                Some(other) => other.to_string().into(),
                None => render::Cell::Null,
            };
            vec![
                render::Cell::Int(i as i64 + 1),
                render::Cell::from(j.get("pid").and_then(serde_json::Value::as_i64)),
                sandbox,
            ]
        })
        .collect();
    if jets.is_empty() {
        println!("No jets started");
    } else {
        println!("{}", render::table(&["Jet #", "Pid", "Sandbox"], &jets));
    }
    Ok(())
}

pub fn unload(ctx: &Ctx) -> Result<()> {
    let engine = ctx.engine()?;
    let loaded = engine
        .active_model()
        .context(|| "Unable to retrieve active model".into())?;
    if loaded.is_none() {
        ctx.verbose("Model not loaded");
        return Ok(());
    }
    engine.unload().map_err(|f| {
        missing_or(f, "Model not loaded".into(), || {
            "Unable to unload model".into()
        })
    })?;
    ctx.verbose("Model unloaded");
    Ok(())
}

pub fn scale(ctx: &Ctx, count: &str) -> Result<()> {
    let n = crate::cli::args::python_int(count)
        .filter(|n| *n >= 0)
        .ok_or_else(|| Error::new("The number of jets must be a non-negative integer"))?;
    ctx.engine()?
        .scale(n as u64)
        .context(|| "Unable to scale model".into())?;
    ctx.verbose("Model scale changed");
    Ok(())
}

/// A slot argument: an integer of the right parity (even inputs, odd outputs).
pub fn slot_arg(arg: Option<&str>, default: u32, input: bool) -> Result<u32> {
    let Some(arg) = arg else { return Ok(default) };
    let n = crate::cli::args::python_int(arg)
        .filter(|n| *n >= 0 && *n <= i64::from(u32::MAX))
        .ok_or_else(|| Error::new("The slot number must be an integer"))? as u32;
    match (input, n % 2) {
        (true, 1) => Err(Error::new(format!("{n} is an output slot"))),
        (false, 0) => Err(Error::new(format!("{n} is an input slot"))),
        _ => Ok(n),
    }
}
