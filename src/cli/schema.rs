//! `schema add/show/remove/list/verify/infer`.

use super::{asset, render, Ctx};
use crate::error::{Context, Error, Result};
use crate::fleet::AssetKind;
use crate::schema;
use serde_json::Value;

const KIND: AssetKind = AssetKind::Schema;

fn check_avro(doc: &Value) -> std::result::Result<(), String> {
    schema::parse(doc)
        .map(drop)
        .map_err(|e| format!("Invalid Avro schema: {e}"))
}

pub fn add(ctx: &Ctx, name: &str, file: Option<&str>) -> Result<()> {
    asset::add(ctx, KIND, name, file, check_avro)
}

pub fn show(ctx: &Ctx, name: &str) -> Result<()> {
    let doc = asset::fetch(ctx, KIND, name)?;
    if ctx.opts.edit {
        asset::edit(ctx, KIND, name, &doc, check_avro, |d| d)
    } else {
        println!("{}", crate::json::pretty(&doc));
        Ok(())
    }
}

pub fn remove(ctx: &Ctx, name: &str) -> Result<()> {
    asset::remove(ctx, KIND, name)
}

pub fn list(ctx: &Ctx) -> Result<()> {
    let names = asset::names(ctx, KIND)?;
    if ctx.opts.verbose {
        let rows: Vec<Vec<render::Cell>> = names
            .iter()
            .map(|n| vec![n.as_str().into(), "Avro".into()])
            .collect();
        println!("{}", render::table(&["Name", "Type"], &rows));
    } else {
        for name in names {
            println!("{name}");
        }
    }
    Ok(())
}

/// Check the schema, then every record of `data_file` (one JSON value per line).
pub fn verify(ctx: &Ctx, name: &str, data_file: Option<&str>) -> Result<()> {
    let data = match data_file {
        Some(path) => Some(std::fs::read(path).map_err(|e| {
            match e.kind() {
                std::io::ErrorKind::NotFound => Error::new(format!("{path} not found")),
                _ => Error::new(format!("Cannot read {path}"))
                    .caused_by(crate::error::io_error_text(path, &e)),
            }
        })?),
        None => None,
    };
    let doc = asset::fetch(ctx, KIND, name)?;
    let avro = schema::parse(&doc).map_err(Error::new)?;
    if ctx.opts.verbose {
        println!("{}", ctx.out.ok("Schema OK"));
    }
    let Some(data) = data else {
        return Ok(());
    };
    let (mut total, mut failed) = (0, 0);
    // each line stands alone: one that is not UTF-8 fails by itself
    for raw in data.split(|b| *b == b'\n') {
        let text = String::from_utf8_lossy(raw);
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        total += 1;
        let verdict = match std::str::from_utf8(raw) {
            Err(_) => Err(("UTF-8", "not UTF-8 text".to_string())),
            Ok(_) => match serde_json::from_str::<Value>(line) {
                Err(e) => Err(("JSON ", crate::error::json_error_text(&e))),
                Ok(record) => avro.check(&record).map_err(|m| ("FAIL ", m.to_string())),
            },
        };
        match verdict {
            Ok(()) => println!("{}{line:<32}", ctx.out.ok("OK   ")),
            Err((mark, reason)) => {
                failed += 1;
                println!("{}{line:<32}\n     {reason}", ctx.out.fail(mark));
            }
        }
        println!();
    }
    if failed > 0 {
        return Err(Error::new(format!(
            "{failed} of {total} records do not match schema '{name}'"
        )));
    }
    Ok(())
}

pub fn infer(ctx: &Ctx, file: &str) -> Result<()> {
    let format = ctx.opts.format.as_deref().unwrap_or("jsons");
    if format != "jsons" && format != "csv" {
        return Err(Error::new(format!(
            "Format {format} not recognized (use -format:jsons or -format:csv)"
        )));
    }
    let failed = || format!("Unable to infer a schema from '{file}'");
    let text = super::read_input(Some(file)).context(failed)?;
    let samples = if format == "csv" {
        schema::infer::samples_from_csv(&text)
    } else {
        schema::infer::samples_from_json_lines(&text)
    }
    .context(failed)?;
    if samples.is_empty() {
        return Err(Error::new(failed()).caused_by(format!("{file} holds no records")));
    }
    println!("{}", crate::json::pretty(&schema::infer::infer(&samples)));
    Ok(())
}
