//! `snapshot list/show/restore/remove`.

use super::{model, render, Ctx};
use crate::error::{Context, Result};
use crate::fleet::{Snapshot, SnapshotQuery};
use serde_json::{json, Value};

fn cell(v: &Value) -> render::Cell {
    match v {
        Value::Null => render::Cell::Null,
        Value::String(s) => s.as_str().into(),
        Value::Number(n) => n
            .as_i64()
            .map_or_else(|| n.to_string().into(), render::Cell::Int),
        other => other.to_string().into(),
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

pub fn list(ctx: &Ctx, model_name: &str) -> Result<()> {
    model::fetch(ctx, model_name)?;
    let query = SnapshotQuery {
        count: ctx.opts.count,
        since: ctx.opts.since.map(|t| t.isoformat()),
        until: ctx.opts.until.map(|t| t.isoformat()),
    };
    let snapshots = ctx
        .model_manage()?
        .list_snapshots(model_name, &query)
        .context(|| "Cannot list snapshots".into())?;
    if !ctx.opts.verbose {
        for s in &snapshots {
            println!("{}", s.id);
        }
    } else if snapshots.is_empty() {
        println!("No snapshots found");
    } else {
        let rows: Vec<Vec<render::Cell>> = snapshots
            .iter()
            .map(|s| {
                vec![
                    s.id.as_str().into(),
                    model_name.into(),
                    cell(&s.created_on),
                    cell(&s.stype),
                    cell(&s.size),
                ]
            })
            .collect();
        println!(
            "{}",
            render::table(&["Id", "Model", "Date/Time", "Type", "Size"], &rows)
        );
    }
    Ok(())
}

fn metadata(ctx: &Ctx, model_name: &str, id: &str) -> Result<Snapshot> {
    ctx.model_manage()?
        .snapshot_metadata(model_name, id)
        .context(|| format!("Cannot retrieve snapshot '{id}' metadata"))
}

pub fn show(ctx: &Ctx, model_name: &str, id: &str) -> Result<()> {
    model::fetch(ctx, model_name)?;
    let s = metadata(ctx, model_name, id)?;
    if ctx.opts.json {
        let doc = json!({"id": s.id, "created_on": s.created_on, "stype": s.stype, "size": s.size});
        println!("{}", crate::json::pretty(&doc));
    } else {
        println!("id:         {}", s.id);
        println!("created-on: {}", plain(&s.created_on));
        println!("stype:      {}", plain(&s.stype));
        println!("size:       {}", plain(&s.size));
    }
    Ok(())
}

pub fn restore(ctx: &Ctx, model_name: &str, id: Option<&str>) -> Result<()> {
    model::fetch(ctx, model_name)?;
    let id = match id {
        Some(id) => id.to_string(),
        None => {
            let latest = SnapshotQuery {
                count: Some(1),
                ..SnapshotQuery::default()
            };
            let snapshots = ctx
                .model_manage()?
                .list_snapshots(model_name, &latest)
                .context(|| "Cannot list snapshots".into())?;
            match snapshots.into_iter().next() {
                Some(s) => s.id,
                None => {
                    println!("No snapshots found");
                    return Ok(());
                }
            }
        }
    };
    let engine = ctx.engine()?;
    let full_id = metadata(ctx, model_name, &id)?.id;
    let contents = ctx
        .model_manage()?
        .snapshot_contents(model_name, &full_id)
        .context(|| format!("Cannot retrieve snapshot '{id}' contents"))?;
    engine
        .restore_state(&contents)
        .context(|| "Unable to restore model state".into())?;
    ctx.verbose("Model state restored");
    Ok(())
}

pub fn remove(ctx: &Ctx, model_name: &str, id: &str) -> Result<()> {
    model::fetch(ctx, model_name)?;
    ctx.model_manage()?
        .delete_snapshot(model_name, id)
        .context(|| format!("Cannot remove snapshot '{id}'"))?;
    ctx.verbose(&format!("Snapshot '{id}' removed"));
    Ok(())
}
