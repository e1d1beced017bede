//! `sys.memory` (resident bytes of the engine and its jets) and `sys.cpu.utilization`
//! (`{"kernel", "user"}`: percent of one core since the previous reading), from `/proc`.

use super::{Family, Gauges, Sampler, Tap};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Instant;

pub struct System;

fn resident_bytes(pid: u32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a configuration value
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).unwrap_or(4096))
}

/// User and kernel CPU seconds a process has used.
pub fn cpu_seconds(pid: u32) -> Option<(f64, f64)> {
    let (user, kernel) = cpu_ticks(pid)?;
    // SAFETY: sysconf only reads a configuration value
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Some((user as f64 / per_second, kernel as f64 / per_second))
}

/// User and kernel clock ticks a process has used.
fn cpu_ticks(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the fields after the command's name, which may hold spaces and parentheses
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let user = fields.next()?.parse().ok()?;
    let kernel = fields.next()?.parse().ok()?;
    Some((user, kernel))
}

struct Memory;

impl Sampler for Memory {
    fn read(&mut self, g: &dyn Gauges) -> Option<Value> {
        Some(json!(g
            .processes()
            .into_iter()
            .filter_map(resident_bytes)
            .sum::<u64>()))
    }
}

/// User and kernel ticks per process.
type Ticks = HashMap<u32, (u64, u64)>;

#[derive(Default)]
struct Cpu {
    last: Option<(Instant, Ticks)>,
}

impl Cpu {
    fn ticks(g: &dyn Gauges) -> Ticks {
        g.processes()
            .into_iter()
            .filter_map(|p| Some((p, cpu_ticks(p)?)))
            .collect()
    }
}

impl Sampler for Cpu {
    fn start(&mut self, g: &dyn Gauges) {
        self.last = Some((Instant::now(), Cpu::ticks(g)));
    }

    fn read(&mut self, g: &dyn Gauges) -> Option<Value> {
        let now = (Instant::now(), Cpu::ticks(g));
        let (then, before) = self.last.replace(now.clone())?;
        let seconds = now.0.duration_since(then).as_secs_f64();
        if seconds <= 0.0 {
            return None;
        }
        // SAFETY: sysconf only reads a configuration value
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let (mut user, mut kernel) = (0u64, 0u64);
        for (pid, (u, k)) in &now.1 {
            // a process that started since counts from zero
            let (u0, k0) = before.get(pid).copied().unwrap_or((0, 0));
            user += u.saturating_sub(u0);
            kernel += k.saturating_sub(k0);
        }
        let percent = |ticks: u64| (ticks as f64 / per_second / seconds * 1000.0).round() / 10.0;
        Some(json!({"kernel": percent(kernel), "user": percent(user)}))
    }
}

impl Family for System {
    fn points(&self, _g: &dyn Gauges) -> Vec<String> {
        vec!["sys.memory".into(), "sys.cpu.utilization".into()]
    }

    fn open(&self, point: &str) -> Option<Tap> {
        match point {
            "sys.memory" => Some(Tap::sampled(Memory)),
            "sys.cpu.utilization" => Some(Tap::sampled(Cpu::default())),
            _ => None,
        }
    }
}
