//! `policy set/show`: the engine's import policy for one model type.

use super::{read_input, Ctx};
use crate::error::{Context, Error, Result};
use crate::model_type::policy_mime_type;

fn required_type(ctx: &Ctx) -> Result<&str> {
    ctx.opts
        .model_type
        .as_deref()
        .ok_or_else(|| Error::new("Model type not set (use -type: option)"))
}

fn mime_type(mtype: &str) -> Result<&'static str> {
    policy_mime_type(mtype)
        .ok_or_else(|| Error::new(format!("Model type '{mtype}' not recognized")))
}

pub fn set(ctx: &Ctx, file: Option<&str>) -> Result<()> {
    let mtype = required_type(ctx)?;
    let text = read_input(file).context(|| "Unable to set policy".into())?;
    let engine = ctx.engine()?;
    let mime = mime_type(mtype)?;
    let mut waiting = super::model::WaitLine::new(engine.name());
    let put = engine.put_policy(mime, &text, ctx.opts.preinstall, &mut |task, waited| {
        waiting.show(task, waited)
    });
    drop(waiting);
    put.context(|| "Unable to upload policy".into())?;
    ctx.verbose("Import policy updated");
    Ok(())
}

pub fn show(ctx: &Ctx) -> Result<()> {
    let mtype = required_type(ctx)?;
    let mime = mime_type(mtype)?;
    let text = ctx
        .engine()?
        .get_policy(mime)
        .context(|| "Unable to retrieve policy".into())?;
    print!("{text}");
    Ok(())
}
