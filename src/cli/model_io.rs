//! `model input` and `model output`: records in and out of an engine's REST streams.

use super::model::slot_arg;
use super::{watch, Ctx};
use crate::error::{Context, Error, Result};
use crate::fleet::engine_client::{EngineClient, OutputRead};
use crate::stream::descriptor;
use serde_json::Value;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

/// Records per request when the engine takes them in bulk.
const CHUNK_RECORDS: usize = 1000;
const CHUNK_BYTES: usize = 1 << 20;

extern "C" fn quit(_: libc::c_int) {
    // SAFETY: _exit is async-signal-safe; Ctrl-C ends the command quietly, as the original.
    unsafe { libc::_exit(0) }
}

/// For `model input`: a record the engine accepted is scored whether or not the command
/// lives on, and one it did not accept was never taken, so Ctrl-C may end it at once.
fn quit_on_ctrl_c() {
    // SAFETY: installing a handler that only calls _exit.
    unsafe {
        libc::signal(libc::SIGINT, quit as *const () as libc::sighandler_t);
    }
}

struct Tally {
    sent: u64,
    rejected: u64,
    first_reason: Option<String>,
}

/// `model input [<slot>]`: stdin, one record per line (blank lines are skipped).
pub fn input(ctx: &Ctx, slot: Option<&str>) -> Result<()> {
    let slot = slot_arg(slot, 0, true)?;
    let mut engine = ctx.engine()?;
    let bulk = engine.takes_bulk_input();
    quit_on_ctrl_c();
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} records sent ({per_sec})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar
    });
    let mut tally = Tally {
        sent: 0,
        rejected: 0,
        first_reason: None,
    };
    let mut chunk: Vec<u8> = Vec::new();
    let mut in_chunk = 0usize;
    let send_chunk = |chunk: &mut Vec<u8>, in_chunk: &mut usize, tally: &mut Tally| -> Result<()> {
        let mut rest: &[u8] = chunk;
        // when the model takes no more input, the engine answers busy after a while with
        // what it took: the rest is sent again, until nothing is taken for the time limit
        let mut idle_since = None;
        while !rest.is_empty() {
            let answer = engine
                .input_bulk(slot, rest)
                .context(|| "Stream write error".into())
                .map_err(|e| no_rest_stream(&engine, slot, true, e))?;
            let lines = rest.iter().filter(|b| **b == b'\n').count() as u64;
            let taken = answer
                .get("taken")
                .and_then(Value::as_u64)
                .unwrap_or(lines)
                .min(lines);
            tally.rejected += answer.get("rejected").and_then(Value::as_u64).unwrap_or(0);
            if tally.first_reason.is_none() {
                if let Some(e) = answer
                    .get("errors")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                {
                    let n = e.get("record").and_then(Value::as_u64).unwrap_or(0) + tally.sent;
                    let reason = e.get("reason").and_then(Value::as_str).unwrap_or("");
                    tally.first_reason = Some(format!("record {n}: {reason}"));
                }
            }
            tally.sent += taken;
            rest = skip_lines(rest, taken as usize);
            if let Some(bar) = &progress {
                bar.set_position(tally.sent);
            }
            let Some(why) = answer.get("busy").and_then(Value::as_str) else {
                break;
            };
            if taken > 0 {
                idle_since = None;
            }
            let since = *idle_since.get_or_insert_with(std::time::Instant::now);
            if since.elapsed() >= engine.limit() {
                return Err(Error::new(format!(
                    "{} took no input for {} s ({why}): the first {} records were sent, the rest were not",
                    engine.name(),
                    since.elapsed().as_secs(),
                    tally.sent
                )));
            }
        }
        chunk.clear();
        *in_chunk = 0;
        Ok(())
    };
    let stdin = std::io::stdin();
    let mut lines = stdin.lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = lines
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::new("Cannot read standard input").caused_by(e.to_string()))?;
        if n == 0 {
            break;
        }
        let record = line.strip_suffix(b"\n").unwrap_or(&line);
        let record = record.strip_suffix(b"\r").unwrap_or(record);
        if record.is_empty() {
            continue;
        }
        if bulk {
            chunk.extend_from_slice(record);
            chunk.push(b'\n');
            in_chunk += 1;
            if in_chunk >= CHUNK_RECORDS || chunk.len() >= CHUNK_BYTES {
                send_chunk(&mut chunk, &mut in_chunk, &mut tally)?;
            }
        } else {
            engine
                .input(slot, record)
                .context(|| "Stream write error".into())
                .map_err(|e| no_rest_stream(&engine, slot, true, e))?;
            tally.sent += 1;
        }
    }
    send_chunk(&mut chunk, &mut in_chunk, &mut tally)?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if tally.rejected > 0 {
        let err = Error::new(format!(
            "{} of {} records were rejected by {} (see 'fastscore engine inspect -v')",
            tally.rejected,
            tally.sent,
            engine.name()
        ));
        return Err(match tally.first_reason {
            Some(reason) => err.caused_by(reason),
            None => err,
        });
    }
    Ok(())
}

/// What follows the first `n` lines.
fn skip_lines(text: &[u8], n: usize) -> &[u8] {
    let mut rest = text;
    for _ in 0..n {
        match rest.iter().position(|b| *b == b'\n') {
            Some(i) => rest = &rest[i + 1..],
            None => return &[],
        }
    }
    rest
}

/// `model output [<slot>] [-nowait] [-c]`: print the next record (or all, until EOF).
/// Ctrl-C or SIGTERM stops it between reads, quietly: a read in flight is finished and its
/// record printed first (the engine answers within its 0.5 s wait), since the engine has
/// handed that record out. A second signal stops it at once. A closed stdout stops it
/// before it takes another record it could not print.
pub fn output(ctx: &Ctx, slot: Option<&str>) -> Result<()> {
    watch::catch_ctrl_c_twice();
    let slot = slot_arg(slot, 1, false)?;
    let engine = ctx.engine()?;
    let stdout = std::io::stdout();
    while !watch::stop_requested() {
        let read = engine
            .output(slot, ctx.opts.nowait)
            .context(|| format!("Cannot read the output of slot {slot}"))
            .map_err(|e| no_rest_stream(&engine, slot, false, e))?;
        match read {
            OutputRead::Record(record) => {
                let mut out = stdout.lock();
                let printed = out
                    .write_all(&record)
                    .and_then(|()| out.write_all(b"\n"))
                    .and_then(|()| out.flush());
                if printed.is_err() || !ctx.opts.continuous || ctx.opts.nowait {
                    return Ok(());
                }
            }
            OutputRead::NoData if ctx.opts.nowait => return Ok(()),
            // an engine of this tool waits before answering; others answer at once
            OutputRead::NoData => std::thread::sleep(Duration::from_millis(20)),
            OutputRead::Eof => {
                println!("{}", ctx.out.blue("(EOF)"));
                return Ok(());
            }
            OutputRead::Other(e) if e.status == 500 => {
                return Err(Error::new(e.body.trim().to_string()))
            }
            OutputRead::Other(e) => {
                let err = Error::new(format!("Cannot read the output of slot {slot}")).caused_by(e);
                return Err(no_rest_stream(&engine, slot, false, err));
            }
        }
    }
    Ok(())
}

/// When the engine refused records to or from `slot` (403: no open REST stream there), what
/// is missing and the command that fixes it, in one sentence; other errors as they are.
fn no_rest_stream(engine: &EngineClient, slot: u32, input: bool, err: Error) -> Error {
    if err.cause_status() != Some(403) {
        return err;
    }
    let name = engine.name();
    let (Ok(model), Ok(streams)) = (engine.active_model(), engine.streams()) else {
        return err;
    };
    let stream = streams
        .iter()
        .find(|s| s.get("slot").and_then(Value::as_u64) == Some(u64::from(slot)));
    let transport = stream
        .and_then(|s| s.get("descriptor"))
        .and_then(Value::as_object)
        .and_then(|d| descriptor::field(d, "Transport"))
        .and_then(|t| descriptor::named_part(t, "Transport", false).ok())
        .map(|(kind, _)| kind);
    let records = if input {
        "takes no records"
    } else {
        "has no output"
    };
    let text = match (model, transport.as_deref()) {
        (None, _) => format!(
            "No model is running in {name}, so slot {slot} {records}: start one with 'fastscore run <model-name> rest: rest:'"
        ),
        (Some(_), None) => format!(
            "Slot {slot} of {name} has no stream: attach one with 'fastscore stream attach rest: {slot}'"
        ),
        (Some(_), Some(t)) if t != "rest" => format!(
            "Slot {slot} of {name} has a stream of transport '{t}', not REST: 'fastscore stream attach rest: {slot}' replaces it"
        ),
        // a REST stream that is not open: the engine's own words say why
        (Some(_), Some(_)) => return err,
    };
    Error::new(text)
}
