//! `sensor add/show/remove/list`: sensor descriptors in Model Manage; `sensor
//! install/uninstall/inspect/points`: sensors of the target (spec/cli.md §9.15); and the
//! sensors other commands install for themselves (§10.11).

use super::render::{self, Cell};
use super::{asset, Ctx};
use crate::error::{Context, Error, Result};
use crate::fleet::engine_client::EngineClient;
use crate::fleet::AssetKind;
use serde_json::{json, Value};

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

/// What the sensor commands say when no target was chosen.
const NO_TARGET: &str = "Target not selected (see 'fastscore use')";

fn sensor_id(text: &str) -> Result<u64> {
    crate::cli::args::python_int(text)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| Error::new(format!("Invalid sensor id '{text}'")))
}

/// `sensor install <sensor-name>`: the stored descriptor, installed on the target.
pub fn install(ctx: &Ctx, name: &str) -> Result<()> {
    let target = ctx.target(NO_TARGET)?;
    let doc = asset::fetch(ctx, KIND, name)?;
    let id = target
        .install_sensor(&doc)
        .context(|| "Unable to install sensor".into())?;
    if ctx.opts.verbose {
        println!("Sensor installed [{id}]");
    } else {
        println!("{id}");
    }
    Ok(())
}

fn find(list: &[Value], id: u64) -> Result<&Value> {
    list.iter()
        .find(|s| s["id"].as_u64() == Some(id))
        .ok_or_else(|| Error::new(format!("Sensor id {id} not found")))
}

fn active(target: &EngineClient) -> Result<Vec<Value>> {
    target
        .sensors()
        .context(|| "Unable to retrieve active sensors".into())
}

/// `sensor uninstall <tap-id>`.
pub fn uninstall(ctx: &Ctx, tap: &str) -> Result<()> {
    let id = sensor_id(tap)?;
    let target = ctx.target(NO_TARGET)?;
    find(&active(&target)?, id)?;
    target
        .uninstall_sensor(id)
        .context(|| "Unable to uninstall sensor".into())?;
    ctx.verbose("Sensor uninstalled");
    Ok(())
}

/// `sensor inspect [<tap-id>]`.
pub fn inspect(ctx: &Ctx, tap: Option<&str>) -> Result<()> {
    let id = tap.map(sensor_id).transpose()?;
    let target = ctx.target(NO_TARGET)?;
    let list = active(&target)?;
    let pair = |s: &Value| json!({"id": s["id"], "tap": s["tap"]});
    match id {
        Some(id) => {
            let s = find(&list, id)?;
            if ctx.opts.json {
                println!("{}", crate::json::pretty(&pair(s)));
            } else {
                let tap = s["tap"].as_str().unwrap_or("");
                println!(
                    "Sensor id {id} is attached to '{tap}' at '{}'.",
                    target.name()
                );
            }
        }
        None if ctx.opts.json => {
            let pairs: Vec<Value> = list.iter().map(pair).collect();
            println!("{}", crate::json::pretty(&Value::Array(pairs)));
        }
        None => {
            ctx.verbose(&format!("Sensors installed at '{}':", target.name()));
            let rows: Vec<Vec<Cell>> = list
                .iter()
                .map(|s| {
                    vec![
                        Cell::from(s["id"].as_i64()),
                        Cell::from(s["tap"].as_str().map(str::to_string)),
                    ]
                })
                .collect();
            println!("{}", render::table(&["Id", "Tap"], &rows));
        }
    }
    Ok(())
}

/// `sensor points`.
pub fn points(ctx: &Ctx) -> Result<()> {
    let target = ctx.target(NO_TARGET)?;
    let points = target
        .sensor_points()
        .context(|| "Unable to list tapping points".into())?;
    if ctx.opts.json {
        println!("{}", crate::json::pretty(&Value::Array(points)));
        return Ok(());
    }
    ctx.verbose(&format!("Sensor tapping points at '{}':", target.name()));
    let indent = if ctx.opts.verbose { "  " } else { "" };
    for p in points {
        println!("{indent}{}", p.as_str().unwrap_or_default());
    }
    Ok(())
}

/// A sensor descriptor as the CLI makes them (spec/cli.md §10.11), keys in this order.
pub fn adhoc(tap: &str, activate: Value, aggregate: Value, interval: f64) -> Value {
    json!({"Tap": tap, "Activate": activate, "Aggregate": aggregate, "Sink": "pneumo",
           "Report": {"Interval": interval}})
}

/// The default ad-hoc descriptor: permanent, summed, every second.
pub fn simple(tap: &str) -> Value {
    adhoc(tap, json!("permanent"), json!("sum"), 1.0)
}

/// Sensors a command installs for itself; they are uninstalled when it ends (Ctrl-C too).
pub struct Installed<'a> {
    target: &'a EngineClient,
    /// id → tap
    pub ids: Vec<(u64, String)>,
}

impl<'a> Installed<'a> {
    pub fn on(target: &'a EngineClient) -> Installed<'a> {
        Installed {
            target,
            ids: Vec::new(),
        }
    }

    pub fn add(&mut self, descriptor: &Value) -> Result<u64> {
        let id = self
            .target
            .install_sensor(descriptor)
            .context(|| "Unable to install sensor".into())?;
        let tap = descriptor["Tap"].as_str().unwrap_or_default().to_string();
        self.ids.push((id, tap));
        Ok(id)
    }

    pub fn remove(&mut self, id: u64) {
        self.ids.retain(|(i, _)| *i != id);
        let _ = self.target.uninstall_sensor(id);
    }

    /// The tap of sensor `id`, if it is one of these.
    pub fn tap(&self, id: u64) -> Option<&str> {
        self.ids
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, t)| t.as_str())
    }
}

impl Drop for Installed<'_> {
    fn drop(&mut self) {
        for (id, _) in std::mem::take(&mut self.ids) {
            let _ = self.target.uninstall_sensor(id);
        }
    }
}
