//! `model add/show/list/remove`.

use super::{editor, read_input, render, Ctx};
use crate::error::{Cause, Context, Error, Result};
use crate::fleet::{Failure, Model, Saved};
use crate::model_type;

/// `Model '<name>' not found`, or `Cannot retrieve '<name>' model` with the cause.
pub fn fetch(ctx: &Ctx, name: &str) -> Result<Model> {
    ctx.model_manage()?.get_model(name).map_err(|f| {
        missing_or(f, format!("Model '{name}' not found"), || {
            format!("Cannot retrieve '{name}' model")
        })
    })
}

/// A "not found" failure as `missing`, anything else as `other` with the failure as cause.
pub fn missing_or(f: Failure, missing: String, other: impl FnOnce() -> String) -> Error {
    if f.not_found {
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
    })?;
    ctx.verbose(&format!("Model '{name}' removed"));
    Ok(())
}
