//! `POST /1/job/sample/cpu?duration=<s>` (spec/rest-api.md §6.14, `CpuUsageInfo`): what the
//! engine and its jets did over a few seconds — records and bytes through the input (even)
//! and output (odd) slots, the CPU time of the engine and of each jet, and the slots'
//! stream operation timings (every slot is timed while a sample runs).

use super::sensors::{cpu_seconds, Gauges};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Instant;

/// The longest sample, in seconds.
pub const LONGEST_SECONDS: u64 = 60;

/// `CpuUsageInfo`'s operation names and the engine's (`stats::OP_NAMES`) they come from.
const OPERATIONS: &[(&str, &str)] = &[
    ("unwrap_envelope", "unwrap_envelope"),
    ("wrap_envelope", "wrap_envelope"),
    ("decode_input_record", "decode_input_records"),
    ("type_check_input", "validate_input_records"),
];

/// The engine's counters at one moment.
pub struct Reading {
    at: Instant,
    /// Records and bytes per slot.
    slots: BTreeMap<u32, (u64, u64)>,
    /// Operation timings per slot.
    profiles: BTreeMap<u32, Value>,
    /// User and kernel seconds of the engine's own process.
    cpu: (f64, f64),
    /// Per jet (by sandbox): records in, records out, user and kernel seconds.
    jets: BTreeMap<String, (u64, u64, (f64, f64))>,
}

pub fn read(g: &dyn Gauges) -> Reading {
    let slots = g.slots();
    Reading {
        at: Instant::now(),
        slots: slots
            .iter()
            .filter_map(|s| Some((*s, g.slot_counts(*s)?)))
            .collect(),
        profiles: slots
            .iter()
            .filter_map(|s| Some((*s, g.profile(*s)?)))
            .collect(),
        cpu: cpu_seconds(std::process::id()).unwrap_or_default(),
        jets: g
            .jets()
            .into_iter()
            .map(|j| {
                let cpu = cpu_seconds(j.pid).unwrap_or_default();
                (j.sandbox, (j.input.0, j.output.0, cpu))
            })
            .collect(),
    }
}

/// The change of a total; one that went down (a new job started) counts from zero.
fn change(now: u64, then: u64) -> u64 {
    now.checked_sub(then).unwrap_or(now)
}

fn seconds(x: f64) -> Value {
    json!((x.max(0.0) * 1e6).round() / 1e6)
}

/// `CpuUsageInfo`: what happened between `before` and `after`.
pub fn usage(before: &Reading, after: &Reading) -> Value {
    let (mut input, mut output) = ((0, 0), (0, 0));
    for (slot, (records, bytes)) in &after.slots {
        let (records0, bytes0) = before.slots.get(slot).copied().unwrap_or_default();
        let side = if slot % 2 == 0 {
            &mut input
        } else {
            &mut output
        };
        side.0 += change(*records, records0);
        side.1 += change(*bytes, bytes0);
    }
    let (mut user, mut kernel) = (after.cpu.0 - before.cpu.0, after.cpu.1 - before.cpu.1);
    let jets: Vec<Value> = after
        .jets
        .iter()
        .map(|(sandbox, (records_in, records_out, cpu))| {
            // a jet started during the sample counts from its start
            let (in0, out0, cpu0) = before.jets.get(sandbox).copied().unwrap_or_default();
            let (u, k) = (cpu.0 - cpu0.0, cpu.1 - cpu0.1);
            user += u;
            kernel += k;
            // the jet's CPU time: the model's work and the runner's framing around it
            json!({"sandbox": sandbox,
                   "input_records": change(*records_in, in0),
                   "output_records": change(*records_out, out0),
                   "user_time": seconds(u), "kernel_time": seconds(k),
                   "model_time": seconds(u + k)})
        })
        .collect();
    let op_times: Vec<Value> = after
        .profiles
        .iter()
        .map(|(slot, now)| {
            let then = before.profiles.get(slot);
            let value = |p: Option<&Value>, key: &str| {
                p.and_then(|p| p.get(key))
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0)
            };
            let mut ops = Map::new();
            ops.insert("slot".into(), json!(slot));
            for (name, ours) in OPERATIONS {
                let took = value(Some(now), ours) - value(then, ours);
                let count =
                    value(Some(now), &format!("{ours}_n")) - value(then, &format!("{ours}_n"));
                ops.insert(name.to_string(), seconds(took));
                ops.insert(format!("{name}_n"), json!(count.max(0.0) as u64));
            }
            Value::Object(ops)
        })
        .collect();
    json!({
        "duration": seconds(after.at.duration_since(before.at).as_secs_f64()),
        "input_records": input.0,
        "input_bytes": input.1,
        "output_records": output.0,
        "output_bytes": output.1,
        "user_time": seconds(user),
        "kernel_time": seconds(kernel),
        "op_times": op_times,
        "jets": jets,
    })
}
