//! `attachment list/upload/download/remove`.

use super::{model, render::table, render::Cell, Ctx};
use crate::error::{io_error_text, Context, Error, Result};
use crate::fleet::ArchiveType;

pub fn list(ctx: &Ctx, model_name: &str) -> Result<()> {
    model::fetch(ctx, model_name)?;
    let mm = ctx.model_manage()?;
    let names = mm
        .list_attachments(model_name)
        .context(|| "Cannot list attachments".into())?;
    if !ctx.opts.verbose {
        for name in names {
            println!("{name}");
        }
        return Ok(());
    }
    if names.is_empty() {
        println!("No attachments found");
        return Ok(());
    }
    let mut rows = Vec::new();
    for name in names {
        let info = mm
            .attachment_info(model_name, &name)
            .context(|| format!("Cannot retrieve attachment '{name}'"))?;
        rows.push(vec![
            Cell::from(name.as_str()),
            info.atype.key().into(),
            Cell::from(info.size),
        ]);
    }
    println!("{}", table(&["Name", "Type", "Size"], &rows));
    Ok(())
}

pub fn upload(ctx: &Ctx, model_name: &str, file: &str) -> Result<()> {
    model::fetch(ctx, model_name)?;
    let name = file.rsplit('/').next().unwrap_or(file);
    let atype = ArchiveType::from_name(name).ok_or_else(|| {
        Error::new(format!(
            "{name} must have a proper extension (.zip, .tar.gz, .tgz)"
        ))
    })?;
    let failed = || format!("Cannot upload attachment '{name}'");
    let bytes = std::fs::read(file)
        .map_err(|e| io_error_text(file, &e))
        .context(failed)?;
    check_archive(file, atype, &bytes).context(failed)?;
    ctx.model_manage()?
        .put_attachment(model_name, name, atype, &bytes)
        .context(failed)?;
    ctx.verbose("Attachment uploaded");
    Ok(())
}

/// Refuse a file that is not the archive its name says, before it is stored.
fn check_archive(file: &str, atype: ArchiveType, bytes: &[u8]) -> std::result::Result<(), String> {
    let ok = match atype {
        ArchiveType::Zip => bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06"),
        ArchiveType::Tgz => bytes.starts_with(&[0x1f, 0x8b]),
    };
    if ok {
        Ok(())
    } else {
        let what = match atype {
            ArchiveType::Zip => "a zip archive",
            ArchiveType::Tgz => "a gzip-compressed tar archive",
        };
        Err(format!("{file} is not {what}"))
    }
}

pub fn download(ctx: &Ctx, model_name: &str, name: &str) -> Result<()> {
    model::fetch(ctx, model_name)?;
    let mm = ctx.model_manage()?;
    mm.attachment_info(model_name, name)
        .context(|| format!("Cannot retrieve attachment '{name}'"))?;
    let bytes = mm
        .get_attachment(model_name, name)
        .context(|| format!("Cannot download attachment '{name}'"))?;
    // Written into the current directory, whatever directories the name carries.
    let target = name.rsplit('/').next().unwrap_or(name);
    // an ordinary file of the user's, as the original wrote it (not a private temp file)
    crate::fsutil::write_atomic(std::path::Path::new(target), &bytes, Some(0o644))
        .map_err(|e| io_error_text(target, &e))
        .context(|| format!("Cannot download attachment '{name}'"))?;
    ctx.verbose("Attachment downloaded");
    Ok(())
}

pub fn remove(ctx: &Ctx, model_name: &str, name: &str) -> Result<()> {
    model::fetch(ctx, model_name)?;
    ctx.model_manage()?
        .delete_attachment(model_name, name)
        .context(|| format!("Cannot remove attachment '{name}'"))?;
    ctx.verbose("Attachment removed");
    Ok(())
}
