//! `stream add/show/remove/list` (the engine-side stream commands come with the engine).

use super::{asset, Ctx};
use crate::error::Result;
use crate::fleet::AssetKind;
use crate::stream::{self, literal};

const KIND: AssetKind = AssetKind::Stream;

pub fn add(ctx: &Ctx, name: &str, file: Option<&str>) -> Result<()> {
    asset::add(ctx, KIND, name, file, asset::must_be_object)
}

/// A literal is expanded and printed; a named descriptor is printed with its secrets masked.
pub fn show(ctx: &Ctx, name: &str) -> Result<()> {
    if literal::is_literal(name) {
        println!("{}", crate::json::pretty(&literal::expand(name)?));
        return Ok(());
    }
    let doc = asset::fetch(ctx, KIND, name)?;
    let shown = stream::hide(&doc);
    if ctx.opts.edit {
        // what is still masked after editing keeps its real value
        asset::edit(ctx, KIND, name, &shown, asset::must_be_object, |edited| {
            stream::unhide(&edited, &doc)
        })
    } else {
        println!("{}", crate::json::pretty(&shown));
        Ok(())
    }
}

pub fn remove(ctx: &Ctx, name: &str) -> Result<()> {
    asset::remove(ctx, KIND, name)
}

pub fn list(ctx: &Ctx) -> Result<()> {
    asset::list(ctx, KIND)
}
