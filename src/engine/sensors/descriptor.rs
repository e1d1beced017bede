//! A sensor descriptor (spec/engine.md §9.5) parsed into what the engine runs: the tap's
//! name, when it is active, how readings are filtered and aggregated, how often and where
//! they are reported.

use super::aggregate::{Aggregate, Filter};
use crate::stream::descriptor::field;
use serde_json::{Map, Value};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Activate {
    Permanent,
    /// An activation every `every`.
    Regular {
        every: Duration,
        window: Window,
    },
    /// Activations at random, `every` apart on average.
    Random {
        every: Duration,
        window: Window,
    },
}

/// How long one activation lasts: `duration` (else until the next one), and at most
/// `max_reads` readings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Window {
    pub duration: Option<Duration>,
    pub max_reads: Option<u64>,
}

/// Where reports go.
#[derive(Debug, Clone, PartialEq)]
pub enum SinkSpec {
    Pneumo,
    /// A stream descriptor (an object, or a literal such as `kafka:host:9092/sensors`).
    Stream(Value),
}

#[derive(Debug, Clone)]
pub struct SensorSpec {
    pub tap: String,
    pub activate: Activate,
    /// Zero: each reading is reported at once.
    pub report_every: Duration,
    pub filter: Option<Filter>,
    pub aggregate: Aggregate,
    pub sink: SinkSpec,
}

/// The shortest interval between a sensor's readings or reports: more often costs a core
/// and tells nothing more.
pub const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// An interval of at least `MIN_INTERVAL` (`zero_ok`: or 0, where 0 means something else).
fn interval(v: &Value, what: &str, zero_ok: bool) -> Result<Duration, String> {
    let d = seconds(v, what)?;
    if d < MIN_INTERVAL && !(zero_ok && d.is_zero()) {
        return Err(format!(
            "{what} must be at least {} s{}, not {v}",
            MIN_INTERVAL.as_secs_f64(),
            if zero_ok { " (or 0)" } else { "" }
        ));
    }
    Ok(d)
}

fn seconds(v: &Value, what: &str) -> Result<Duration, String> {
    let s = v
        .as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        .ok_or_else(|| format!("{what} must be a number of seconds, not {v}"))?;
    Duration::try_from_secs_f64(s)
        .map_err(|_| format!("{what} must be a non-negative number of seconds, not {v}"))
}

fn activate(v: Option<&Value>) -> Result<Activate, String> {
    let obj = match v {
        None | Some(Value::Null) => return Ok(Activate::Permanent),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("permanent") => {
            return Ok(Activate::Permanent)
        }
        Some(Value::Object(o)) => o,
        Some(other) => {
            return Err(format!(
                "Activate must be \"permanent\" or an object with Type, not {other}"
            ))
        }
    };
    let kind = field(obj, "Type")
        .and_then(Value::as_str)
        .unwrap_or("permanent");
    if kind.eq_ignore_ascii_case("permanent") {
        return Ok(Activate::Permanent);
    }
    let every = match (field(obj, "Interval"), field(obj, "Intensity")) {
        (Some(i), _) => interval(i, "Activate.Interval", false)?,
        (None, Some(n)) => {
            let per_second = n
                .as_f64()
                .filter(|n| *n > 0.0)
                .ok_or_else(|| format!("Activate.Intensity must be a positive number, not {n}"))?;
            let most = 1.0 / MIN_INTERVAL.as_secs_f64();
            if per_second > most {
                return Err(format!(
                    "Activate.Intensity must be at most {most} (activations per second), not {n}"
                ));
            }
            Duration::from_secs_f64(1.0 / per_second)
        }
        (None, None) => {
            return Err(format!(
                "a {kind} activation needs Interval (seconds) or Intensity (per second)"
            ))
        }
    };
    if every.is_zero() {
        return Err("Activate.Interval must be more than 0".into());
    }
    let window =
        Window {
            duration: field(obj, "Duration")
                .map(|d| seconds(d, "Activate.Duration"))
                .transpose()?,
            max_reads: match field(obj, "MaxReads") {
                None | Some(Value::Null) => None,
                Some(m) => Some(m.as_u64().filter(|m| *m > 0).ok_or_else(|| {
                    format!("Activate.MaxReads must be a positive integer, not {m}")
                })?),
            },
        };
    match kind.to_ascii_lowercase().as_str() {
        "regular" => Ok(Activate::Regular { every, window }),
        "random" => Ok(Activate::Random { every, window }),
        _ => Err(format!(
            "Activate.Type must be permanent, regular or random, not {kind:?}"
        )),
    }
}

fn sink(v: Option<&Value>) -> Result<SinkSpec, String> {
    match v {
        None | Some(Value::Null) => Ok(SinkSpec::Pneumo),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("pneumo") => Ok(SinkSpec::Pneumo),
        Some(Value::String(s)) if crate::stream::literal::is_literal(s) => Ok(SinkSpec::Stream(
            crate::stream::literal::expand(s).map_err(|e| format!("Sink: {e}"))?,
        )),
        Some(v @ Value::Object(_)) => Ok(SinkSpec::Stream(v.clone())),
        Some(other) => Err(format!(
            "Sink must be \"pneumo\", a stream descriptor or a stream literal, not {other}"
        )),
    }
}

pub fn parse(doc: &Value) -> Result<SensorSpec, String> {
    let empty = Map::new();
    let obj = doc
        .as_object()
        .ok_or("a sensor descriptor must be a JSON object")?;
    let tap = field(obj, "Tap")
        .and_then(Value::as_str)
        .ok_or("the descriptor has no Tap (the name of a tapping point)")?;
    let report = match field(obj, "Report") {
        Some(Value::Object(r)) => r,
        None | Some(Value::Null) => &empty,
        Some(other) => {
            return Err(format!(
                "Report must be an object like {{\"Interval\": 1.0}}, not {other}"
            ))
        }
    };
    let report_every = match field(report, "Interval") {
        Some(i) => interval(i, "Report.Interval", true)?,
        None => Duration::from_secs(1),
    };
    Ok(SensorSpec {
        tap: tap.to_string(),
        activate: activate(field(obj, "Activate"))?,
        report_every,
        filter: Filter::parse(field(obj, "Filter"))?,
        aggregate: Aggregate::parse(field(obj, "Aggregate"))?,
        sink: sink(field(obj, "Sink"))?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn intervals_below_the_floor_are_refused_with_the_floor_named() {
        let e = super::parse(&serde_json::json!({"Tap": "sys.memory", "Activate": {"Type": "regular", "Interval": 1e-9}})).unwrap_err();
        assert_eq!(e, "Activate.Interval must be at least 0.01 s, not 1e-9");
        let e =
            super::parse(&serde_json::json!({"Tap": "sys.memory", "Report": {"Interval": 0.001}}))
                .unwrap_err();
        assert_eq!(
            e,
            "Report.Interval must be at least 0.01 s (or 0), not 0.001"
        );
        let e = super::parse(&serde_json::json!({"Tap": "sys.memory", "Activate": {"Type": "random", "Intensity": 1000}})).unwrap_err();
        assert_eq!(
            e,
            "Activate.Intensity must be at most 100 (activations per second), not 1000"
        );
        assert!(
            super::parse(&serde_json::json!({"Tap": "sys.memory", "Report": {"Interval": 0}}))
                .is_ok()
        );
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn the_sdk_minimal_descriptor() {
        let s = parse(&json!({"Tap": "sys.memory", "Activate": "permanent", "Aggregate": "sum", "Sink": "pneumo", "Report": {"Interval": 1.0}})).unwrap();
        assert_eq!(s.activate, Activate::Permanent);
        assert_eq!(s.report_every, Duration::from_secs(1));
        assert_eq!(s.sink, SinkSpec::Pneumo);
    }

    #[test]
    fn schedules() {
        let s = parse(&json!({"Tap": "x", "Activate": {"Type": "regular", "Intensity": 4, "Duration": 0.1, "MaxReads": 3}})).unwrap();
        assert_eq!(
            s.activate,
            Activate::Regular {
                every: Duration::from_millis(250),
                window: Window {
                    duration: Some(Duration::from_millis(100)),
                    max_reads: Some(3)
                }
            }
        );
        assert!(parse(&json!({"Tap": "x", "Activate": {"Type": "regular"}}))
            .unwrap_err()
            .contains("Interval"));
        assert!(
            parse(&json!({"Tap": "x", "Activate": {"Type": "often", "Interval": 1}}))
                .unwrap_err()
                .contains("often")
        );
        assert!(parse(&json!({"Activate": "permanent"}))
            .unwrap_err()
            .contains("Tap"));
    }
}
