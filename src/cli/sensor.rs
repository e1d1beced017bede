//! `sensor add/show/remove/list`: sensor descriptors in Model Manage.

use super::{asset, Ctx};
use crate::error::Result;
use crate::fleet::AssetKind;

const KIND: AssetKind = AssetKind::Sensor;

pub fn add(ctx: &Ctx, name: &str, file: Option<&str>) -> Result<()> {
    asset::add(ctx, KIND, name, file, asset::must_be_object)
}

pub fn show(ctx: &Ctx, name: &str) -> Result<()> {
    let doc = asset::fetch(ctx, KIND, name)?;
    if ctx.opts.edit {
        asset::edit(ctx, KIND, name, &doc, asset::must_be_object, |d| d)
    } else {
        println!("{}", crate::json::pretty(&doc));
        Ok(())
    }
}

pub fn remove(ctx: &Ctx, name: &str) -> Result<()> {
    asset::remove(ctx, KIND, name)
}

pub fn list(ctx: &Ctx) -> Result<()> {
    asset::list(ctx, KIND)
}
