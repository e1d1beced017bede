//! The engine's counters in the Prometheus text format (`GET /metrics`), for today's
//! monitoring stacks: per slot records, bytes and rejections, the state, the jets, and what
//! a Kafka input read and has not committed yet.

use serde_json::Value;
use std::fmt::Write;

const STATES: &[&str] = &[
    "init",
    "running",
    "paused",
    "finishing",
    "finished",
    "error",
];

/// `metric{labels} value` lines under their `# HELP` and `# TYPE`.
struct Family<'a> {
    out: &'a mut String,
    engine: &'a str,
}

impl Family<'_> {
    fn head(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn line(&mut self, name: &str, labels: &[(&str, String)], value: u64) {
        let mut all = format!("engine=\"{}\"", self.engine);
        for (k, v) in labels {
            let _ = write!(all, ",{k}=\"{v}\"");
        }
        let _ = writeln!(self.out, "{name}{{{all}}} {value}");
    }
}

/// The text of `GET /metrics`, from the engine's state answer and its jets.
pub fn render(engine: &str, state: &Value, jets: usize) -> String {
    let mut out = String::new();
    let mut f = Family {
        out: &mut out,
        engine,
    };
    let current = state["state"].as_str().unwrap_or("");
    f.head(
        "fastscore_engine_state",
        "gauge",
        "1 for the engine's current state",
    );
    for s in STATES {
        f.line(
            "fastscore_engine_state",
            &[("state", s.to_string())],
            u64::from(*s == current),
        );
    }
    f.head("fastscore_jets", "gauge", "Model instances running");
    f.line("fastscore_jets", &[], jets as u64);
    let slots = state["slots"].as_array().cloned().unwrap_or_default();
    let count = |s: &Value, k: &str| s[k].as_u64().unwrap_or(0);
    let slot = |s: &Value| vec![("slot", s["slot"].to_string())];
    f.head(
        "fastscore_slot_records_total",
        "counter",
        "Records taken (input slots) or written (output slots)",
    );
    for s in &slots {
        f.line(
            "fastscore_slot_records_total",
            &slot(s),
            count(s, "records"),
        );
    }
    f.head(
        "fastscore_slot_bytes_total",
        "counter",
        "Bytes of those records",
    );
    for s in &slots {
        f.line("fastscore_slot_bytes_total", &slot(s), count(s, "bytes"));
    }
    f.head(
        "fastscore_slot_rejected_total",
        "counter",
        "Records rejected, by encoding or by schema",
    );
    for s in &slots {
        for (by, key) in [
            ("encoding", "rejected_by_encoding"),
            ("schema", "rejected_by_schema"),
        ] {
            let mut labels = slot(s);
            labels.push(("by", by.to_string()));
            f.line("fastscore_slot_rejected_total", &labels, count(s, key));
        }
    }
    let sources: Vec<&Value> = slots.iter().filter(|s| s["source"].is_object()).collect();
    if !sources.is_empty() {
        f.head(
            "fastscore_source_uncommitted",
            "gauge",
            "Records a committing input (Kafka) read and has not committed yet",
        );
        for s in &sources {
            f.line(
                "fastscore_source_uncommitted",
                &slot(s),
                count(&s["source"], "uncommitted"),
            );
        }
        f.head(
            "fastscore_kafka_consumer_lag",
            "gauge",
            "Records of a partition an input (Kafka) has not read yet",
        );
        for s in &sources {
            for (partition, lag) in s["source"]["lag"].as_object().into_iter().flatten() {
                let mut labels = slot(s);
                labels.push(("partition", partition.clone()));
                f.line(
                    "fastscore_kafka_consumer_lag",
                    &labels,
                    lag.as_u64().unwrap_or(0),
                );
            }
        }
        for (name, help, key) in [
            (
                "fastscore_kafka_dropped_at_revoke_total",
                "Records read and left unscored when their partition went to another reader",
                "dropped_at_revoke",
            ),
            (
                "fastscore_kafka_handed_over_total",
                "Records handed over uncommitted in rebalances (others may read them again)",
                "handed_over",
            ),
            (
                "fastscore_kafka_read_again_total",
                "Records read again (at or below an offset read before)",
                "read_again",
            ),
        ] {
            f.head(name, "counter", help);
            for s in &sources {
                f.line(name, &slot(s), count(&s["source"], key));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn families_and_labels() {
        let state = json!({"state": "running", "slots": [
            {"slot": 0, "records": 3, "bytes": 6, "rejected_by_encoding": 1, "rejected_by_schema": 0},
            {"slot": 1, "records": 3, "bytes": 6, "rejected_by_encoding": 0, "rejected_by_schema": 0}]});
        let text = super::render("engine-1", &state, 2);
        assert!(text.contains("fastscore_engine_state{engine=\"engine-1\",state=\"running\"} 1\n"));
        assert!(text.contains("fastscore_engine_state{engine=\"engine-1\",state=\"init\"} 0\n"));
        assert!(text.contains("fastscore_jets{engine=\"engine-1\"} 2\n"));
        assert!(text.contains("# TYPE fastscore_slot_records_total counter\n"));
        assert!(text.contains(
            "fastscore_slot_rejected_total{engine=\"engine-1\",slot=\"0\",by=\"encoding\"} 1\n"
        ));
        assert!(!text.contains("uncommitted"));
    }
}
