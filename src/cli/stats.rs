//! `stats memory|cpu-utilization|jets|streams`, `debug manifold|stream`, `profile stream`
//! (spec/cli.md §9.16–9.18): each installs its sensors, prints what they report until
//! Ctrl-C (or, for `profile`, the first report), and uninstalls them.

use super::pneumo::{clock, repr};
use super::render::{self, Cell};
use super::sensor::{adhoc, simple, Installed};
use super::watch::{catch_ctrl_c, emit, stop_requested, Watch};
use super::Ctx;
use crate::error::{Context, Error, Result};
use crate::fleet::engine_client::EngineClient;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long `profile stream` waits for its first report.
const PROFILE_WAIT: Duration = Duration::from_secs(60);

/// The reports of sensor `id` from the watched instance, each handed to `each`, until Ctrl-C.
fn follow(watch: &mut Watch, mut each: impl FnMut(&Value)) -> Result<()> {
    while !stop_requested() {
        if let Some(m) = watch.next(Duration::from_millis(500))? {
            each(&m);
        }
    }
    Ok(())
}

/// `stats memory` and `stats cpu-utilization`.
pub fn system(ctx: &Ctx, cpu: bool) -> Result<()> {
    let target = ctx.target("Target not selected (use 'fascore use')")?;
    catch_ctrl_c();
    let mut watch = Watch::open(ctx, Some(target.name()), Some("sensor-report"))?;
    let mut installed = Installed::on(&target);
    let tap = if cpu {
        "sys.cpu.utilization"
    } else {
        "sys.memory"
    };
    let id = installed.add(&simple(tap))?;
    follow(&mut watch, |m| {
        if m["id"].as_u64() != Some(id) {
            return;
        }
        let data = &m["data"];
        let value = if cpu {
            let f = |k: &str| data[k].as_f64().unwrap_or(0.0);
            format!("kernel: {:.1} user: {:.1}", f("kernel"), f("user"))
        } else {
            format!("{:.1}mb", data.as_f64().unwrap_or(0.0) / 1048576.0)
        };
        emit(&format!("{}: {value}", m["src"].as_str().unwrap_or("")));
    })
}

fn loaded_model(engine: &EngineClient) -> Result<Value> {
    engine
        .active_model()
        .context(|| "Unable to retrieve active model".into())?
        .ok_or_else(|| Error::new("Model not loaded"))
}

/// The rate a counter's report stands for.
fn rate(m: &Value) -> f64 {
    let data = m["data"].as_f64().unwrap_or(0.0);
    match m["delta_time"].as_f64() {
        Some(dt) if dt > 0.0 => data / dt,
        _ => data,
    }
}

/// Prints a line of rates 1 s after it starts, then every 2 s.
struct Printer {
    next: Instant,
}

impl Printer {
    fn new() -> Printer {
        Printer {
            next: Instant::now() + Duration::from_secs(1),
        }
    }

    fn due(&mut self) -> bool {
        if Instant::now() < self.next {
            return false;
        }
        self.next = Instant::now() + Duration::from_secs(2);
        true
    }
}

fn shown(rate: Option<f64>) -> String {
    rate.map_or("---".into(), |r| format!("{r:.1} rps"))
}

/// `stats jets`: records per second in and out of each jet.
pub fn jets(ctx: &Ctx) -> Result<()> {
    let engine = ctx.engine()?;
    let model = loaded_model(&engine)?;
    catch_ctrl_c();
    let mut watch = Watch::open(ctx, Some(engine.name()), None)?;
    let mut installed = Installed::on(&engine);
    // sandbox → (input sensor, output sensor)
    let mut jets: Vec<(String, u64, u64)> = Vec::new();
    let track = |installed: &mut Installed, model: &Value| -> Result<Vec<(String, u64, u64)>> {
        let mut list = Vec::new();
        for jet in model["jets"].as_array().into_iter().flatten() {
            let sandbox = jet["sandbox"].as_str().unwrap_or_default().to_string();
            let i = installed.add(&simple(&format!("jet.{sandbox}.input.records.count")))?;
            let o = installed.add(&simple(&format!("jet.{sandbox}.output.records.count")))?;
            list.push((sandbox, i, o));
        }
        Ok(list)
    };
    jets.extend(track(&mut installed, &model)?);
    let mut rates: BTreeMap<u64, f64> = BTreeMap::new();
    let mut printer = Printer::new();
    while !stop_requested() {
        if let Some(m) = watch.next(Duration::from_millis(250))? {
            match m["type"].as_str() {
                Some("sensor-report") => {
                    if let Some(id) = m["id"].as_u64().filter(|id| installed.tap(*id).is_some()) {
                        rates.insert(id, rate(&m));
                    }
                }
                Some("engine-config") => {
                    let op = m["op"].as_str().unwrap_or_default();
                    emit(&format!("change detected {op}"));
                    if op == "start" {
                        if let Some(model) = engine
                            .active_model()
                            .context(|| "Unable to retrieve active model".into())?
                        {
                            for (_, i, o) in std::mem::take(&mut jets) {
                                installed.remove(i);
                                installed.remove(o);
                            }
                            jets = track(&mut installed, &model)?;
                        }
                    }
                }
                _ => {}
            }
        }
        if printer.due() {
            let values: Vec<String> = jets
                .iter()
                .map(|(_, i, o)| {
                    format!(
                        "{}/{}",
                        shown(rates.get(i).copied()),
                        shown(rates.get(o).copied())
                    )
                })
                .collect();
            emit(&format!("{}: {}", engine.name(), values.join(" ")));
            rates.clear();
        }
    }
    Ok(())
}

/// `stats streams`: records per second through each slot.
pub fn streams(ctx: &Ctx) -> Result<()> {
    let engine = ctx.engine()?;
    let model = loaded_model(&engine)?;
    catch_ctrl_c();
    let mut watch = Watch::open(ctx, Some(engine.name()), Some("sensor-report"))?;
    let mut installed = Installed::on(&engine);
    let mut slots = Vec::new();
    for slot in model["slots"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["slot"].as_u64())
    {
        let id = installed.add(&simple(&format!("manifold.{slot}.records.count")))?;
        slots.push((slot, id));
    }
    let mut rates: BTreeMap<u64, f64> = BTreeMap::new();
    let mut printer = Printer::new();
    while !stop_requested() {
        if let Some(m) = watch.next(Duration::from_millis(250))? {
            if let Some(id) = m["id"].as_u64().filter(|id| installed.tap(*id).is_some()) {
                rates.insert(id, m["data"].as_f64().unwrap_or(0.0) / 1.0);
            }
        }
        if printer.due() {
            let values: Vec<String> = slots
                .iter()
                .map(|(slot, id)| match rates.get(id) {
                    Some(r) => format!("{slot}:{r:.1} rps"),
                    None => format!("{slot}:---"),
                })
                .collect();
            emit(&format!("{}: {}", engine.name(), values.join(" | ")));
            rates.clear();
        }
    }
    Ok(())
}

/// `debug manifold` (`slot` None) and `debug stream <slot>`: debug text as it comes.
pub fn debug(ctx: &Ctx, slot: Option<&str>) -> Result<()> {
    let engine = ctx.engine()?;
    let tap = match slot {
        Some(s) => format!("manifold.{s}.debug"),
        None => "manifold.debug".into(),
    };
    catch_ctrl_c();
    let mut watch = Watch::open(ctx, Some(engine.name()), Some("sensor-report"))?;
    let mut installed = Installed::on(&engine);
    let id = installed.add(&adhoc(&tap, json!("permanent"), Value::Null, 0.0))?;
    follow(&mut watch, |m| {
        if m["id"].as_u64() == Some(id) {
            let data = match &m["data"] {
                Value::String(s) => s.clone(),
                other => repr(other),
            };
            emit(&format!("{}: {data}", clock(m)));
        }
    })
}

/// The rows of `profile stream`: (key, label), in the original's order.
const OPERATIONS: &[(&str, &str)] = &[
    ("unwrap_envelope", "Unwrap envelope"),
    ("wrap_envelope", "Wrap envelope"),
    ("validate_streaming", "Validate records (streaming mode)"),
    ("validate_input_records", "Validate input records"),
    ("validate_output_records", "Validate output records"),
];

/// `profile stream <slot>`: where a slot's time goes, from one second of work.
pub fn profile(ctx: &Ctx, slot: &str) -> Result<()> {
    let slot = crate::cli::args::python_int(slot)
        .filter(|n| *n >= 0)
        .ok_or_else(|| Error::new("The slot number must be an integer"))?;
    let engine = ctx.engine()?;
    catch_ctrl_c();
    let mut watch = Watch::open(ctx, Some(engine.name()), Some("sensor-report"))?;
    let mut installed = Installed::on(&engine);
    let activate = json!({"Type": "regular", "Interval": 1.0});
    let id = installed.add(&adhoc(
        &format!("manifold.{slot}.profile"),
        activate,
        json!("sum"),
        1.0,
    ))?;
    ctx.verbose("Collecting data (5.0s)...");
    let deadline = Instant::now() + PROFILE_WAIT;
    let data = loop {
        if stop_requested() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Error::new(format!(
                "No profile of slot {slot} within {} s: no records passed it",
                PROFILE_WAIT.as_secs()
            )));
        }
        if let Some(m) = watch.next(Duration::from_millis(500))? {
            if m["id"].as_u64() == Some(id) {
                break m["data"].clone();
            }
        }
    };
    if ctx.opts.json {
        println!("{}", crate::json::pretty(&data));
        return Ok(());
    }
    let rows: Vec<Vec<Cell>> = OPERATIONS
        .iter()
        .filter_map(|(key, label)| {
            let n = data[format!("{key}_n")].as_u64().filter(|n| *n > 0)?;
            let time = format!("{:.3}", data[*key].as_f64().unwrap_or(0.0));
            Some(vec![Cell::from(*label), Cell::from(time), Cell::from(n)])
        })
        .collect();
    println!(
        "{}",
        render::table(&["Operation", "Time, s", "Count"], &rows)
    );
    Ok(())
}
