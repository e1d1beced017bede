//! `stream add/show/remove/list`, and on the engine `stream inspect/verify/attach/detach/sample`.

use super::{asset, render, Ctx};
use crate::error::{Context, Error, Result};
use crate::fleet::AssetKind;
use crate::stream::{self, literal};
use serde_json::Value;

const KIND: AssetKind = AssetKind::Stream;

pub fn add(ctx: &Ctx, name: &str, file: Option<&str>) -> Result<()> {
    asset::add(ctx, KIND, name, file, stream::descriptor::check_transport)
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

/// A stream argument: a literal (expanded here, named `inline-<N>`) or a stored name.
pub fn resolve(ctx: &Ctx, arg: &str) -> Result<(String, serde_json::Value)> {
    if literal::is_literal(arg) {
        let n = crate::ids::random_in(0, 1_000_000);
        Ok((format!("inline-{n}"), literal::expand(arg)?))
    } else {
        Ok((arg.to_string(), asset::fetch(ctx, KIND, arg)?))
    }
}

fn slot_number(arg: &str) -> Result<u32> {
    crate::cli::args::python_int(arg)
        .filter(|n| *n >= 0 && *n <= i64::from(u32::MAX))
        .map(|n| n as u32)
        .ok_or_else(|| Error::new(format!("Malformed slot number '{arg}'")))
}

pub fn inspect(ctx: &Ctx, slot: Option<&str>) -> Result<()> {
    let wanted = slot.map(slot_number).transpose()?;
    let streams = ctx
        .engine()?
        .streams()
        .context(|| "Unable to retrieve active streams".into())?;
    let selected: Vec<&Value> = streams
        .iter()
        .filter(|s| {
            wanted.is_none_or(|w| s.get("slot").and_then(Value::as_u64) == Some(u64::from(w)))
        })
        .collect();
    if let (Some(arg), true) = (slot, selected.is_empty()) {
        if ctx.opts.json {
            println!("null");
        } else {
            println!("No stream attached to slot {arg}");
        }
        return Ok(());
    }
    if ctx.opts.json {
        let doc = match (wanted, selected.first()) {
            (Some(_), Some(one)) => (*one).clone(),
            _ => Value::Array(selected.into_iter().cloned().collect()),
        };
        println!("{}", crate::json::pretty(&doc));
        return Ok(());
    }
    let rows: Vec<Vec<render::Cell>> = selected
        .iter()
        .map(|s| {
            let transport = match s.get("descriptor").and_then(|d| d.get("Transport")) {
                Some(Value::String(t)) => t.clone(),
                Some(t) => t
                    .get("Type")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                None => String::new(),
            };
            let eof = if s.get("eof").and_then(Value::as_bool).unwrap_or(false) {
                "True"
            } else {
                "False"
            };
            vec![
                render::Cell::from(s.get("slot").and_then(Value::as_i64)),
                s.get("name").and_then(Value::as_str).unwrap_or("").into(),
                transport.into(),
                eof.into(),
            ]
        })
        .collect();
    println!(
        "{}",
        render::table(&["Slot", "Name", "Transport", "EOF"], &rows)
    );
    Ok(())
}

/// Attach `stream` to `slot`, or with `dry_run` only check it; the engine's answer.
pub fn attach_to(ctx: &Ctx, stream: &(String, Value), slot: &str, dry_run: bool) -> Result<Value> {
    let slot = slot_number(slot)?;
    ctx.engine()?
        .attach(slot, &stream.0, &stream.1, dry_run)
        .context(|| "Unable to attach stream".into())
}

pub fn verify(ctx: &Ctx, stream: &str, slot: &str) -> Result<()> {
    let stream = resolve(ctx, stream)?;
    let internal = attach_to(ctx, &stream, slot, true)?;
    if ctx.opts.verbose {
        println!("{}", crate::json::pretty(&internal));
    }
    println!("{}", ctx.out.ok("The stream descriptor contains no errors"));
    Ok(())
}

pub fn attach(ctx: &Ctx, stream: &str, slot: &str) -> Result<()> {
    let stream = resolve(ctx, stream)?;
    attach_to(ctx, &stream, slot, false)?;
    ctx.verbose(&format!("Stream attached to slot {slot}"));
    Ok(())
}

pub fn detach(ctx: &Ctx, slot: &str) -> Result<()> {
    let n = slot_number(slot)?;
    let engine = ctx.engine()?;
    let streams = engine
        .streams()
        .context(|| "Unable to retrieve active streams".into())?;
    if streams
        .iter()
        .any(|s| s.get("slot").and_then(Value::as_u64) == Some(u64::from(n)))
    {
        engine
            .detach(n)
            .context(|| "Unable to detach stream".into())?;
        ctx.verbose("Stream detached");
    } else {
        ctx.verbose(&format!("No stream attached to slot {slot}"));
    }
    Ok(())
}

pub fn sample(ctx: &Ctx, stream: &str) -> Result<()> {
    let (_, descriptor) = resolve(ctx, stream)?;
    let records = ctx
        .engine()?
        .sample(&descriptor, ctx.opts.count)
        .context(|| "Unable to sample stream".into())?;
    use base64::Engine as _;
    for (i, b64) in records.iter().enumerate() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap_or_else(|_| b64.as_bytes().to_vec());
        print!("{}", format_record(&bytes, i + 1));
    }
    Ok(())
}

/// A record for `stream sample`: as text when printable, else as a hex dump (spec §10.6).
pub fn format_record(bytes: &[u8], i: usize) -> String {
    let printable =
        |b: u8| b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    if bytes.iter().all(|b| printable(*b)) {
        return format!("{i:>4}: {}\n", String::from_utf8_lossy(bytes));
    }
    let mut out = String::new();
    for (n, chunk) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = (0..16)
            .map(|k| {
                chunk
                    .get(k)
                    .map_or("  ".to_string(), |b| format!("{b:02x}"))
            })
            .collect();
        let text: String = (0..16)
            .map(|k| match chunk.get(k) {
                Some(b) if printable(*b) => *b as char,
                _ => '.',
            })
            .collect();
        if n == 0 {
            out.push_str(&format!("{i:>4}: {}  {text}\n", hex.join(" ")));
        } else {
            out.push_str(&format!("      {}  {text}\n", hex.join(" ")));
        }
    }
    out
}
