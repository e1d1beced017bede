//! What schemas, streams and sensors share: named JSON documents in Model Manage.

use super::{editor, model::missing_or, read_input, Ctx};
use crate::error::{Cause, Context, Error, Result};
use crate::fleet::{AssetKind, Saved};
use serde_json::Value;

fn title(kind: AssetKind) -> String {
    let name = kind.name();
    name[..1].to_ascii_uppercase() + &name[1..]
}

/// `<kind> add <name> [<file>]`: parse, check with `check`, save.
pub fn add(
    ctx: &Ctx,
    kind: AssetKind,
    name: &str,
    file: Option<&str>,
    check: fn(&Value) -> std::result::Result<(), String>,
) -> Result<()> {
    let doc =
        read_document(file, check).context(|| format!("Unable to add {} '{name}'", kind.name()))?;
    save(ctx, kind, name, &doc)
}

fn read_document(
    file: Option<&str>,
    check: fn(&Value) -> std::result::Result<(), String>,
) -> std::result::Result<Value, Cause> {
    let text = read_input(file)?;
    let doc: Value = serde_json::from_str(&text)?;
    check(&doc)?;
    Ok(doc)
}

fn save(ctx: &Ctx, kind: AssetKind, name: &str, doc: &Value) -> Result<()> {
    let saved = ctx
        .model_manage()?
        .put_asset(kind, name, doc)
        .context(|| format!("Cannot save {} '{name}'", kind.name()))?;
    let verb = match saved {
        Saved::Created => "created",
        Saved::Updated => "updated",
    };
    ctx.verbose(&format!("{} {verb}", title(kind)));
    Ok(())
}

pub fn fetch(ctx: &Ctx, kind: AssetKind, name: &str) -> Result<Value> {
    ctx.model_manage()?.get_asset(kind, name).map_err(|f| {
        missing_or(f, format!("{} '{name}' not found", title(kind)), || {
            format!("Cannot retrieve '{name}' {}", kind.name())
        })
        .with_hint(closest(ctx, kind, name))
    })
}

/// `-e`: edit `shown` (the document as shown); `restore` turns the edit into what is saved.
pub fn edit(
    ctx: &Ctx,
    kind: AssetKind,
    name: &str,
    shown: &Value,
    check: fn(&Value) -> std::result::Result<(), String>,
    restore: impl Fn(Value) -> Value,
) -> Result<()> {
    let file_name = format!("{}_EDITING", kind.name().to_ascii_uppercase());
    let Some(text) = editor::edit(&crate::json::pretty(shown), &file_name, ".json") else {
        ctx.verbose("No changes (or changes discarded)");
        return Ok(());
    };
    let doc: Value = serde_json::from_str(&text).map_err(|_| Error::new("Invalid JSON"))?;
    check(&doc).context(|| format!("Unable to save {} '{name}'", kind.name()))?;
    ctx.model_manage()?
        .put_asset(kind, name, &restore(doc))
        .context(|| format!("Cannot save {} '{name}'", kind.name()))?;
    ctx.verbose(&format!("{} updated", title(kind)));
    Ok(())
}

pub fn remove(ctx: &Ctx, kind: AssetKind, name: &str) -> Result<()> {
    ctx.model_manage()?.delete_asset(kind, name).map_err(|f| {
        missing_or(f, format!("{} '{name}' not found", title(kind)), || {
            format!("Cannot remove {} '{name}'", kind.name())
        })
        .with_hint(closest(ctx, kind, name))
    })?;
    ctx.verbose(&format!("{} removed", title(kind)));
    Ok(())
}

/// The stored names of this kind closest to `name`, as a hint.
fn closest(ctx: &Ctx, kind: AssetKind, name: &str) -> Option<String> {
    let names = ctx.model_manage().ok()?.list_assets(kind).ok()?;
    super::hint::closest_names(name, &names)
}

pub fn names(ctx: &Ctx, kind: AssetKind) -> Result<Vec<String>> {
    ctx.model_manage()?
        .list_assets(kind)
        .context(|| format!("Cannot list {}s", kind.name()))
}

/// Names one per line, or a JSON list with `-json`.
pub fn list(ctx: &Ctx, kind: AssetKind) -> Result<()> {
    let names = names(ctx, kind)?;
    if ctx.opts.json {
        println!("{}", crate::json::pretty(&serde_json::json!(names)));
    } else {
        for name in names {
            println!("{name}");
        }
    }
    Ok(())
}

/// Stream and sensor descriptors are JSON objects.
pub fn must_be_object(doc: &Value) -> std::result::Result<(), String> {
    if doc.is_object() {
        Ok(())
    } else {
        Err("a descriptor must be a JSON object".into())
    }
}
