//! Whether the brokers can be reached. librdkafka reconnects by itself and keeps what it
//! was given meanwhile; this notices when no broker of a cluster can be reached, or the
//! brokers stop acknowledging what was produced, and when they answer again, so that the
//! outage is told once to the inputs' listeners (engine log, Pneumo), shown in the inputs'
//! reports while it lasts, and not taken for jets that stall. The inputs and outputs of an
//! engine that use the same brokers share one `Outage`.

use super::super::SourceListener;
use crate::sync::lock;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// How long after an outage stalled jets are still put down to it.
const AFTERMATH: Duration = Duration::from_secs(10);

#[derive(Default)]
pub(super) struct Outage {
    /// An outage is on (read for every acknowledgement, without the lock).
    on: AtomicBool,
    state: Mutex<State>,
    listeners: Mutex<Vec<Weak<dyn SourceListener>>>,
}

#[derive(Default)]
struct State {
    /// Since when, and why, no broker could be reached (none: they answer).
    down: Option<Down>,
    /// Outages so far, how the last one ended, and when.
    count: u64,
    last: Option<String>,
    ended: Option<Instant>,
}

struct Down {
    since: Instant,
    at: String,
    why: String,
    /// Seen by produced records not acknowledged (the statistics may still call the
    /// brokers up): only acknowledgements end it.
    unacknowledged: bool,
}

/// The `Outage` of the brokers `servers` in this process.
pub(super) fn of(servers: &str) -> Arc<Outage> {
    static ALL: OnceLock<Mutex<HashMap<String, Weak<Outage>>>> = OnceLock::new();
    let mut all = lock(ALL.get_or_init(Mutex::default));
    all.retain(|_, o| o.strong_count() > 0);
    if let Some(outage) = all.get(servers).and_then(Weak::upgrade) {
        return outage;
    }
    let outage = Arc::new(Outage::default());
    all.insert(servers.to_string(), Arc::downgrade(&outage));
    outage
}

impl Outage {
    /// Tell `listener` when an outage begins or ends.
    pub(super) fn listen(&self, listener: &Arc<dyn SourceListener>) {
        let mut listeners = lock(&self.listeners);
        listeners.retain(|l| l.strong_count() > 0);
        listeners.push(Arc::downgrade(listener));
    }

    /// A client error: all brokers down begins an outage (it says why sooner than the
    /// statistics do).
    pub(super) fn error(&self, error: &KafkaError, reason: &str) {
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown) {
            self.down(reason, false);
        }
    }

    /// A client's statistics (every second): whether any broker of the cluster is up.
    pub(super) fn statistics(&self, statistics: &rdkafka::Statistics) {
        // (brokers learnt from the cluster have node ids; bootstrap entries do not)
        let learnt: Vec<_> = statistics
            .brokers
            .values()
            .filter(|b| b.nodeid >= 0)
            .collect();
        if learnt.iter().any(|b| b.state == "UP") {
            self.answered(false);
        } else if !learnt.is_empty() {
            let states: Vec<String> = learnt
                .iter()
                .map(|b| format!("{} {}", b.nodename, b.state))
                .collect();
            self.down(&format!("brokers {}", states.join(", ")), false);
        }
    }

    /// Produced records have waited `waited` for their acknowledgement.
    pub(super) fn unacknowledged(&self, records: usize, waited: Duration) {
        self.down(
            &format!(
                "{records} records produced wait {} s for their acknowledgement",
                waited.as_secs()
            ),
            true,
        );
    }

    /// Produced records were acknowledged: an outage, if one is on, ends.
    pub(super) fn acknowledged(&self) {
        self.answered(true);
    }

    pub(super) fn is_on(&self) -> bool {
        self.on.load(Ordering::Relaxed)
    }

    /// Whether jets that stall may be waiting for the brokers: an outage is on, or ended
    /// a moment ago.
    pub(super) fn excuses_stall(&self) -> bool {
        let st = lock(&self.state);
        st.down.is_some() || st.ended.is_some_and(|e| e.elapsed() < AFTERMATH)
    }

    fn down(&self, why: &str, unacknowledged: bool) {
        {
            let mut st = lock(&self.state);
            if st.down.is_some() {
                return;
            }
            st.count += 1;
            st.down = Some(Down {
                since: Instant::now(),
                at: crate::timestamp::DateTime::now().zulu(),
                why: why.to_string(),
                unacknowledged,
            });
            self.on.store(true, Ordering::Relaxed);
        }
        self.tell(&format!(
            "no Kafka broker can be reached ({why}): retrying, nothing read is lost"
        ));
    }

    /// A broker answered (by acknowledging records, or as the statistics say): the
    /// outage on ends, unless only acknowledgements may end it.
    fn answered(&self, by_acknowledgement: bool) {
        let text = {
            let mut st = lock(&self.state);
            match &st.down {
                Some(d) if by_acknowledgement || !d.unacknowledged => {}
                _ => return,
            }
            let Some(down) = st.down.take() else {
                return;
            };
            self.on.store(false, Ordering::Relaxed);
            let text = format!(
                "the Kafka brokers answer again after {:.1} s",
                down.since.elapsed().as_secs_f64()
            );
            st.last = Some(text.clone());
            st.ended = Some(Instant::now());
            text
        };
        self.tell(&text);
    }

    fn tell(&self, text: &str) {
        let listeners: Vec<_> = lock(&self.listeners)
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        if listeners.is_empty() {
            eprintln!("{text}");
        }
        for l in listeners {
            l.notice(text);
        }
    }

    /// The report's `outage` (while it lasts), `outages` and `last_outage`.
    pub(super) fn report(&self, report: &mut Value) {
        let st = lock(&self.state);
        if let Some(down) = &st.down {
            report["outage"] = json!({
                "since": down.at,
                "seconds": down.since.elapsed().as_secs(),
                "why": down.why,
            });
        }
        report["outages"] = json!(st.count);
        if let Some(last) = &st.last {
            report["last_outage"] = json!(last);
        }
    }
}
