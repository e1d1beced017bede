//! Work an engine does in the background for the requests that need it: a runtime a runner
//! installs on first use (the PFA venv), the libraries an import policy installs. Such
//! work takes minutes, longer than a client may want to hold a request open, so a request
//! that needs it starts it (once, however many ask) on a thread of its own. A client that
//! prefers an answer at once (`Prefer: respond-async`, RFC 7240: our CLI) is then answered
//! that the engine is busy (503 with Retry-After and the task), asks how the task goes
//! (`running`, which takes nothing) and makes its request again once it ended; any other
//! client's request waits for the work to end (`wait_ended`, on a thread of the blocking
//! pool, within the work's own limit) and is then answered as if it had asked again, as
//! the original engine answered once it had installed. The outcome goes to the next
//! request that asks, and is then forgotten: a failure is told once and tried again by the
//! request after it; a success is kept by the caller (a runtime that is ready stays so, an
//! installed library is found by the next check).

use crate::sync::lock;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How many different pieces of work may run (or wait to be told) at once.
const MAX_RUNNING: usize = 8;
/// How long a request waits for work to end before it answers that the engine is busy,
/// so that quick work costs the client no second request.
const GRACE: Duration = Duration::from_secs(1);
/// The longest any piece of work runs: each bounds itself by this (a runtime's setup, a
/// load's installs with its wait for other installs).
pub const WORK_LIMIT: Duration = Duration::from_secs(10 * 60);
/// The longest a request waits for work to end: the work's limit, and time for it to stop
/// what it ran when that is over.
pub const WAIT_LIMIT: Duration = Duration::from_secs(WORK_LIMIT.as_secs() + 30);

/// Work that is not done.
#[derive(Debug)]
pub enum NotReady {
    /// Still running: the task (`install xgboost`) and how long it has run.
    Busy { task: String, elapsed: Duration },
    /// It failed, for this reason (one line); the next request starts it again.
    Failed(String),
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotReady::Busy { task, elapsed } => write!(
                f,
                "not ready: it started to {task} {} s ago",
                elapsed.as_secs()
            ),
            NotReady::Failed(why) => f.write_str(why),
        }
    }
}

struct Job {
    since: Instant,
    outcome: Option<Result<(), String>>,
}

/// An engine's background work, by task.
pub struct Preparations {
    /// The engine's name, for its log.
    engine: String,
    jobs: Mutex<HashMap<String, Job>>,
    ended: Condvar,
}

impl Preparations {
    pub fn new(engine: &str) -> Arc<Preparations> {
        Arc::new(Preparations {
            engine: engine.to_string(),
            jobs: Mutex::new(HashMap::new()),
            ended: Condvar::new(),
        })
    }

    /// Whether `task` is done: `work` is started on a thread of its own unless it runs
    /// already. `task` names the work in words (`prepare the PFA runtime (titus2)`); the
    /// same words are the same work.
    pub fn done(
        self: &Arc<Self>,
        task: &str,
        work: impl FnOnce() -> Result<(), String> + Send + 'static,
    ) -> Result<(), NotReady> {
        let mut jobs = lock(&self.jobs);
        if !jobs.contains_key(task) {
            if jobs.len() >= MAX_RUNNING {
                // outcomes nobody came back for make room first
                jobs.retain(|_, job| job.outcome.is_none());
            }
            if jobs.len() >= MAX_RUNNING {
                return Err(NotReady::Failed(format!(
                    "{} is busy preparing {MAX_RUNNING} other things; try again when they are done",
                    self.engine
                )));
            }
            self.start(&mut jobs, task, work)?;
        }
        let deadline = Instant::now() + GRACE;
        loop {
            let Some(job) = jobs.get(task) else {
                // another request took the outcome: it asks again in a moment
                return Err(NotReady::Busy {
                    task: task.to_string(),
                    elapsed: Duration::ZERO,
                });
            };
            if job.outcome.is_some() {
                let outcome = jobs.remove(task).and_then(|j| j.outcome);
                return outcome.unwrap_or(Ok(())).map_err(NotReady::Failed);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(NotReady::Busy {
                    task: task.to_string(),
                    elapsed: job.since.elapsed(),
                });
            }
            jobs = self
                .ended
                .wait_timeout(jobs, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// How long `task` has run, while it runs (and not once it ended, whether or not its
    /// outcome was told): what a client asks while it waits. Takes nothing.
    pub fn running(&self, task: &str) -> Option<Duration> {
        lock(&self.jobs)
            .get(task)
            .filter(|job| job.outcome.is_none())
            .map(|job| job.since.elapsed())
    }

    /// Wait until `task` is not running, until `deadline`: whether it ended. Its outcome
    /// stays for the next request that asks.
    pub fn wait_ended(&self, task: &str, deadline: Instant) -> bool {
        let jobs = lock(&self.jobs);
        let left = deadline.saturating_duration_since(Instant::now());
        let (jobs, _) = self
            .ended
            .wait_timeout_while(jobs, left, |jobs| {
                jobs.get(task).is_some_and(|job| job.outcome.is_none())
            })
            .unwrap_or_else(|p| p.into_inner());
        jobs.get(task).is_none_or(|job| job.outcome.is_some())
    }

    fn start(
        self: &Arc<Self>,
        jobs: &mut HashMap<String, Job>,
        task: &str,
        work: impl FnOnce() -> Result<(), String> + Send + 'static,
    ) -> Result<(), NotReady> {
        let since = Instant::now();
        let me = self.clone();
        let key = task.to_string();
        std::thread::Builder::new()
            .name("preparation".into())
            .spawn(move || {
                let outcome = work();
                // (after the line that says it started, which is printed under this lock)
                let mut jobs = lock(&me.jobs);
                match &outcome {
                    Ok(()) => eprintln!(
                        "{}: done in {} s: {key}",
                        me.engine,
                        since.elapsed().as_secs()
                    ),
                    Err(why) => eprintln!("{}: failed: {why}", me.engine),
                }
                if let Some(job) = jobs.get_mut(&key) {
                    job.outcome = Some(outcome);
                }
                drop(jobs);
                me.ended.notify_all();
            })
            .map_err(|e| NotReady::Failed(format!("cannot start to {task}: {e}")))?;
        eprintln!("{}: started to {task}", self.engine);
        jobs.insert(
            task.to_string(),
            Job {
                since,
                outcome: None,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn work_runs_once_however_many_ask_and_a_failure_is_told_once_then_tried_again() {
        let preparations = Preparations::new("engine-1");
        let runs = Arc::new(AtomicUsize::new(0));
        let (release, released) = std::sync::mpsc::channel::<Result<(), String>>();
        let released = Arc::new(Mutex::new(released));
        let work = || {
            let runs = runs.clone();
            let released = released.clone();
            move || {
                runs.fetch_add(1, Ordering::SeqCst);
                lock(&released)
                    .recv_timeout(Duration::from_secs(10))
                    .unwrap_or(Err("never released".into()))
            }
        };
        for _ in 0..3 {
            match preparations.done("make it", work()) {
                Err(NotReady::Busy { task, .. }) => assert_eq!(task, "make it"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        release.send(Err("no room".into())).unwrap();
        match preparations.done("make it", work()) {
            Err(NotReady::Failed(why)) => assert_eq!(why, "no room"),
            other => panic!("{other:?}"),
        }
        // the next request starts it again, and its success is told
        release.send(Ok(())).unwrap();
        assert!(preparations.done("make it", work()).is_ok());
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_waiter_hears_that_work_ended_and_its_outcome_stays_for_the_next_request() {
        let preparations = Preparations::new("engine-1");
        let (release, released) = std::sync::mpsc::channel::<()>();
        let work = move || {
            released
                .recv_timeout(Duration::from_secs(10))
                .map_err(|e| e.to_string())?;
            Err("no room".to_string())
        };
        assert!(matches!(
            preparations.done("make it", work),
            Err(NotReady::Busy { .. })
        ));
        assert!(preparations.running("make it").is_some());
        assert!(preparations.running("something else").is_none());
        // not ended yet: the wait ends at its deadline
        assert!(!preparations.wait_ended("make it", Instant::now() + Duration::from_millis(50)));
        release.send(()).unwrap();
        assert!(preparations.wait_ended("make it", Instant::now() + Duration::from_secs(10)));
        assert!(preparations.running("make it").is_none());
        // asking how it went took nothing: the next request is told
        match preparations.done("make it", || Ok(())) {
            Err(NotReady::Failed(why)) => assert_eq!(why, "no room"),
            other => panic!("{other:?}"),
        }
    }
}
