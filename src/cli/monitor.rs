//! `monitor` and `-m` (spec/cli.md §9.20): the engine, its model, the records per second
//! of each stream and jet, kept up to date from Pneumo messages. On a terminal the screen
//! redraws in place exactly as the original's does; piped, each changed line is printed.

use super::sensor::{simple, Installed};
use super::watch::{catch_ctrl_c, stop_requested, Watch};
use super::Ctx;
use crate::error::{Context, Result};
use crate::fleet::engine_client::EngineClient;
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::time::Duration;

const WIDTH: usize = 50;
/// Where the rate fields start in stream and jet lines.
const STREAM_RPS: usize = 24;
const STREAM_MBPS: usize = 38;
const JET_INPUT: usize = 24;
const JET_OUTPUT: usize = 38;
/// Where the second and third columns of the system lines start.
const COLUMN2: usize = 21;
const COLUMN3: usize = 38;

#[derive(Clone, Debug, PartialEq)]
enum Key {
    Roof,
    Engine,
    Model,
    Spacer1,
    Header1,
    Delim1,
    Stream(u64),
    Spacer2,
    Header2,
    Jet(String),
    Spacer3,
    Header3,
    Memory,
    Cpu,
    /// Rejections of an input slot.
    Rejected(u64),
    Cellar,
}

/// Fields joined by one space, each padded to its width (never cut).
fn draw(fields: &[(&str, usize, bool)]) -> String {
    fields
        .iter()
        .map(|(text, width, left)| match left {
            true => format!("{text:<width$}"),
            false => format!("{text:>width$}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Python's `'{:9,.0f}'`.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 && digits != "0" {
        out.insert(0, '-');
    }
    format!("{out:>9}")
}

/// The lines and where the cursor is.
struct Screen<W: Write> {
    out: W,
    live: bool,
    lines: Vec<(Key, String)>,
    cursor: usize,
    limit: usize,
}

impl<W: Write> Screen<W> {
    fn move_to(&mut self, row: usize) {
        if row > self.cursor {
            let _ = write!(self.out, "\x1b[{}B", row - self.cursor);
        } else if row < self.cursor {
            let _ = write!(self.out, "\x1b[{}A", self.cursor - row);
        }
        self.cursor = row;
    }

    fn redraw(&mut self, i: usize) {
        self.move_to(i);
        let text = self.lines[i].1.clone();
        let _ = write!(self.out, "{}\x1b[1000D{text}\x1b[1000D", " ".repeat(WIDTH));
    }

    fn position(&self, key: &Key) -> Option<usize> {
        self.lines.iter().position(|(k, _)| k == key)
    }

    fn insert(&mut self, key: Key, text: String, before: Option<&Key>) {
        let at = before
            .and_then(|b| self.position(b))
            .unwrap_or(self.lines.len());
        if !self.live {
            let _ = writeln!(self.out, "{text}");
            self.lines.insert(at, (key, text));
            return self.flush();
        }
        if self.cursor >= self.limit {
            self.move_to(self.limit);
            let _ = writeln!(self.out);
            self.cursor += 1;
            self.limit += 1;
        }
        self.lines.insert(at, (key, text));
        for i in at..self.lines.len() {
            self.redraw(i);
        }
        self.flush();
    }

    fn remove(&mut self, key: &Key) {
        let Some(at) = self.position(key) else { return };
        if self.live {
            self.move_to(self.lines.len() - 1);
            let _ = write!(self.out, "{}\x1b[1000D", " ".repeat(WIDTH));
        }
        self.lines.remove(at);
        if self.live {
            for i in at..self.lines.len() {
                self.redraw(i);
            }
        }
        self.flush();
    }

    /// Replace a line, or (with `pos`) the part of it from column `pos`.
    fn update(&mut self, key: &Key, text: &str, pos: Option<usize>) {
        let Some(at) = self.position(key) else { return };
        let line = &mut self.lines[at].1;
        match pos {
            None => *line = text.to_string(),
            Some(pos) => {
                let mut chars: Vec<char> = line.chars().collect();
                chars.resize(chars.len().max(pos), ' ');
                let end = (pos + text.chars().count()).min(chars.len());
                chars.splice(pos..end, text.chars());
                *line = chars.into_iter().collect();
            }
        }
        if self.live {
            self.redraw(at);
        } else {
            let _ = writeln!(self.out, "{}", self.lines[at].1);
        }
        self.flush();
    }

    fn flush(&mut self) {
        // a closed stdout ends the monitor (its sensors are uninstalled)
        if self.out.flush().is_err() {
            super::watch::request_stop();
        }
    }
}

struct Monitor<'a, W: Write> {
    ctx: &'a Ctx,
    engine: &'a EngineClient,
    screen: Screen<W>,
    sensors: Installed<'a>,
    /// sandbox → its two sensors
    jets: Vec<(String, u64, u64)>,
}

impl<W: Write> Monitor<'_, W> {
    fn engine_text(&self, state: &str) -> String {
        let name = self.engine.name();
        let state = state.to_uppercase();
        let text = if state == "RUNNING" {
            format!("{name}{}", self.ctx.out.ok(" [RUNNING]"))
        } else {
            format!("{name} [{state}]")
        };
        draw(&[("Engine:", 7, true), (&text, 32, true)])
    }

    fn model_text(&self, model: Option<&Value>) -> String {
        let text = match model {
            Some(m) => format!(
                "{} ({})",
                m["name"].as_str().unwrap_or_default(),
                m["mtype"].as_str().unwrap_or_default()
            ),
            None => "(not-loaded)".into(),
        };
        draw(&[("Model:", 7, true), (&text, 32, true)])
    }

    fn stream_text(stream: &Value) -> String {
        let slot = stream["slot"].as_u64().unwrap_or(0);
        let slot_text = format!("{}:{slot}", if slot.is_multiple_of(2) { "I" } else { "O" });
        let eof = if stream["eof"] == true { "EOF" } else { "" };
        draw(&[
            (stream["name"].as_str().unwrap_or_default(), 14, true),
            (&slot_text, 4, true),
            (eof, 3, true),
            ("-", 13, false),
            ("-", 12, false),
        ])
    }

    fn jet_text(&self, model_name: &str) -> String {
        draw(&[
            (model_name, 19, true),
            ("", 3, true),
            ("-", 13, false),
            ("-", 12, false),
        ])
    }

    fn model_name(&self) -> String {
        let model = self.engine.active_model().ok().flatten();
        model
            .map(|m| m["name"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    }

    fn track(&mut self, sandbox: &str) -> Result<()> {
        let i = self
            .sensors
            .add(&simple(&format!("jet.{sandbox}.input.records.count")))?;
        let o = self
            .sensors
            .add(&simple(&format!("jet.{sandbox}.output.records.count")))?;
        self.jets.push((sandbox.to_string(), i, o));
        Ok(())
    }

    fn untrack(&mut self, sandbox: &str) {
        if let Some(at) = self.jets.iter().position(|(s, _, _)| s == sandbox) {
            let (_, i, o) = self.jets.remove(at);
            self.sensors.remove(i);
            self.sensors.remove(o);
        }
    }

    fn setup(&mut self) -> Result<()> {
        let state = super::engine::state(self.engine)?.0;
        let model = self
            .engine
            .active_model()
            .context(|| "Unable to retrieve active model".into())?;
        let streams = self
            .engine
            .streams()
            .context(|| "Unable to retrieve active streams".into())?;
        let mut lines = vec![
            (Key::Roof, "=".repeat(WIDTH)),
            (Key::Engine, self.engine_text(&state)),
            (Key::Model, self.model_text(model.as_ref())),
            (Key::Spacer1, String::new()),
            (
                Key::Header1,
                draw(&[("Stream", 20, true), ("", 16, false), ("", 12, false)]),
            ),
            (Key::Delim1, "-".repeat(WIDTH)),
        ];
        for s in &streams {
            lines.push((
                Key::Stream(s["slot"].as_u64().unwrap_or(0)),
                Self::stream_text(s),
            ));
        }
        lines.push((Key::Spacer2, String::new()));
        lines.push((
            Key::Header2,
            draw(&[
                ("Jet", 20, true),
                ("Input", 16, false),
                ("Output", 12, false),
            ]),
        ));
        lines.push((Key::Delim1, "-".repeat(WIDTH)));
        let name = model
            .as_ref()
            .map(|m| m["name"].as_str().unwrap_or_default().to_string());
        for jet in model
            .as_ref()
            .and_then(|m| m["jets"].as_array())
            .into_iter()
            .flatten()
        {
            let sandbox = jet["sandbox"].as_str().unwrap_or_default().to_string();
            self.track(&sandbox)?;
            lines.push((
                Key::Jet(sandbox),
                self.jet_text(name.as_deref().unwrap_or_default()),
            ));
        }
        // beyond the original's screen: memory, CPU and rejections per input slot
        lines.push((Key::Spacer3, String::new()));
        lines.push((Key::Header3, system_line("System", "", "")));
        lines.push((Key::Delim1, "-".repeat(WIDTH)));
        lines.push((Key::Memory, system_line("Memory", "-", "")));
        lines.push((Key::Cpu, system_line("CPU kernel/user", "-", "-")));
        for s in &streams {
            if let Some(slot) = s["slot"].as_u64().filter(|n| n.is_multiple_of(2)) {
                lines.push((Key::Rejected(slot), rejected_text(slot)));
            }
        }
        self.sensors.add(&simple("sys.memory"))?;
        self.sensors.add(&simple("sys.cpu.utilization"))?;
        lines.push((Key::Cellar, String::new()));
        for (key, text) in lines {
            self.screen.insert(key, text, None);
        }
        Ok(())
    }

    fn handle(&mut self, m: &Value) -> Result<()> {
        let field = |k: &str| m[k].as_str().unwrap_or_default();
        match field("type") {
            "engine-state" => {
                let state = field("state");
                let text = self.engine_text(state);
                self.screen.update(&Key::Engine, &text, None);
                if state == "init" {
                    let text = self.model_text(None);
                    self.screen.update(&Key::Model, &text, None);
                    let gone: Vec<Key> = self
                        .screen
                        .lines
                        .iter()
                        .filter(|(k, _)| {
                            matches!(k, Key::Stream(_) | Key::Jet(_) | Key::Rejected(_))
                        })
                        .map(|(k, _)| k.clone())
                        .collect();
                    for k in gone {
                        self.screen.remove(&k);
                    }
                    for (sandbox, _, _) in self.jets.clone() {
                        self.untrack(&sandbox);
                    }
                }
            }
            "engine-config" => match field("item") {
                "model" => {
                    let model = self
                        .engine
                        .active_model()
                        .context(|| "Unable to retrieve active model".into())?;
                    let text = self.model_text(model.as_ref());
                    self.screen.update(&Key::Model, &text, None);
                }
                "stream" => {
                    let slot = m["ref"].as_u64().unwrap_or(0);
                    if field("op") == "detach" {
                        self.screen.remove(&Key::Stream(slot));
                        self.screen.remove(&Key::Rejected(slot));
                    } else if let Some(s) = self
                        .engine
                        .streams()
                        .context(|| "Unable to retrieve active streams".into())?
                        .iter()
                        .find(|s| s["slot"].as_u64() == Some(slot))
                    {
                        let text = Self::stream_text(s);
                        match self.screen.position(&Key::Stream(slot)) {
                            Some(_) => self.screen.update(&Key::Stream(slot), &text, None),
                            None => {
                                self.screen
                                    .insert(Key::Stream(slot), text, Some(&Key::Spacer2))
                            }
                        }
                        if slot.is_multiple_of(2)
                            && self.screen.position(&Key::Rejected(slot)).is_none()
                        {
                            self.screen.insert(
                                Key::Rejected(slot),
                                rejected_text(slot),
                                Some(&Key::Cellar),
                            );
                        }
                    }
                }
                "jet" => {
                    let sandbox = m["ref"]
                        .as_str()
                        .map_or_else(|| m["ref"].to_string(), str::to_string);
                    if field("op") == "start" {
                        self.track(&sandbox)?;
                        let text = self.jet_text(&self.model_name());
                        self.screen
                            .insert(Key::Jet(sandbox), text, Some(&Key::Spacer3));
                    } else if field("op") == "stop" {
                        self.screen.remove(&Key::Jet(sandbox.clone()));
                        self.untrack(&sandbox);
                    }
                }
                _ => {}
            },
            "sensor-report" => self.report(m),
            _ => {}
        }
        Ok(())
    }

    fn report(&mut self, m: &Value) {
        let tap = m["tap"].as_str().unwrap_or_default();
        let data = m["data"].as_f64().unwrap_or(0.0);
        let per = |fallback: f64| match m["delta_time"].as_f64() {
            Some(dt) if dt > 0.0 => data / dt,
            _ => data / fallback,
        };
        let parts: Vec<&str> = tap.split('.').collect();
        match parts.as_slice() {
            ["jet", sandbox, dir @ ("input" | "output"), "records", "count"] => {
                let pos = if *dir == "input" {
                    JET_INPUT
                } else {
                    JET_OUTPUT
                };
                let text = format!("{} rps", thousands(per(1.0)));
                self.screen
                    .update(&Key::Jet(sandbox.to_string()), &text, Some(pos));
            }
            ["manifold", slot, "records", what @ ("count" | "size")] => {
                let Ok(slot) = slot.parse::<u64>() else {
                    return;
                };
                let (text, pos) = if *what == "count" {
                    (format!("{} rps", thousands(per(2.0))), STREAM_RPS)
                } else {
                    (format!("{:7.1} mbps", per(2.0) / 1048576.0), STREAM_MBPS)
                };
                self.screen.update(&Key::Stream(slot), &text, Some(pos));
            }
            ["manifold", slot, "records", "rejected", "by", by @ ("schema" | "encoding")] => {
                let Ok(slot) = slot.parse::<u64>() else {
                    return;
                };
                let n = m["data"].as_array().map_or(data, |list| list.len() as f64);
                let rate = match m["delta_time"].as_f64() {
                    Some(dt) if dt > 0.0 => n / dt,
                    _ => n,
                };
                let (text, pos) = match *by {
                    "schema" => (format!("{:>16}", format!("{rate:.1}/s")), COLUMN2),
                    _ => (format!("{:>12}", format!("{rate:.1}/s")), COLUMN3),
                };
                self.screen.update(&Key::Rejected(slot), &text, Some(pos));
            }
            ["sys", "memory"] => {
                let text = format!("{:>16}", format!("{:.1} mb", data / 1048576.0));
                self.screen.update(&Key::Memory, &text, Some(COLUMN2));
            }
            ["sys", "cpu", "utilization"] => {
                let f = |k: &str| m["data"][k].as_f64().unwrap_or(0.0);
                let text = system_line(
                    "CPU kernel/user",
                    &format!("{:.1}%", f("kernel")),
                    &format!("{:.1}%", f("user")),
                );
                self.screen.update(&Key::Cpu, &text, None);
            }
            _ => {}
        }
    }
}

/// A line of the system section: a label and two right-justified columns.
fn system_line(label: &str, second: &str, third: &str) -> String {
    draw(&[(label, 20, true), (second, 16, false), (third, 12, false)])
}

/// An input slot's rejections per second, by schema and by encoding.
fn rejected_text(slot: u64) -> String {
    system_line(&format!("Rejected I:{slot} sch/enc"), "-", "-")
}

/// `monitor` (and `-m` after another command).
pub fn monitor(ctx: &Ctx) -> Result<()> {
    let engine = ctx.engine()?;
    catch_ctrl_c();
    let mut watch = Watch::open(ctx, Some(engine.name()), None)?;
    let stdout = std::io::stdout();
    let live = stdout.is_terminal();
    let mut monitor = Monitor {
        ctx,
        engine: &engine,
        screen: Screen {
            out: stdout.lock(),
            live,
            lines: Vec::new(),
            cursor: 0,
            limit: 0,
        },
        sensors: Installed::on(&engine),
        jets: Vec::new(),
    };
    monitor.setup()?;
    while !stop_requested() {
        if let Some(m) = watch.next(Duration::from_millis(500))? {
            monitor.handle(&m)?;
        }
    }
    let _ = writeln!(monitor.screen.out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_look_like_the_originals() {
        assert_eq!(thousands(4649.4), "    4,649");
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(thousands(0.0), "        0");
        assert_eq!(format!("{:7.1} mbps", 0.04), "    0.0 mbps");
    }

    #[test]
    fn the_screen_redraws_in_place() {
        let mut s = Screen {
            out: Vec::new(),
            live: true,
            lines: Vec::new(),
            cursor: 0,
            limit: 0,
        };
        s.insert(Key::Roof, "==".into(), None);
        s.insert(Key::Cellar, String::new(), None);
        s.insert(Key::Engine, "e".into(), Some(&Key::Cellar));
        s.update(&Key::Engine, "x", Some(0));
        let pad = " ".repeat(WIDTH);
        let text = String::from_utf8(s.out).unwrap();
        // the spec's algorithm, step by step: a new row, then up to draw the line
        let expected = format!(
            "\n\x1b[1A{pad}\x1b[1000D==\x1b[1000D\
             \x1b[1B{pad}\x1b[1000D\x1b[1000D\
             \n\x1b[1A{pad}\x1b[1000De\x1b[1000D\x1b[1B{pad}\x1b[1000D\x1b[1000D\
             \x1b[1A{pad}\x1b[1000Dx\x1b[1000D"
        );
        assert_eq!(text, expected);
        assert_eq!(s.lines[1].1, "x");
    }
}
