//! The engine under faults: models whose process dies, round trips that time out, yield
//! nothing or race with other input, an engine paused under load or busy installing
//! libraries, outputs nobody reads, and requests that are too big.

mod support;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{alive, signal, EngineApi, Env};

fn add_model(env: &Env, name: &str, source: &str) {
    env.write(&format!("{name}.py3"), source);
    env.run(&["model", "add", name, &format!("{name}.py3")])
        .ok();
}

fn engine_with(env: &Env, name: &str, source: &str) {
    add_model(env, name, source);
    env.run(&["engine", "reset"]).ok();
}

fn state(api: &EngineApi) -> serde_json::Value {
    api.get_json("/2/engine/state")
}

/// Wait for the engine to reach `wanted` (lower case); its state document.
fn wait_for(api: &EngineApi, wanted: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let doc = state(api);
        if doc["state"] == wanted {
            return doc;
        }
        assert!(Instant::now() < deadline, "never {wanted}: {doc}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Run a model with the round-trip stream (no batching delay) on slots 0 and 1.
fn round_trips(env: &Env, name: &str, source: &str) {
    engine_with(env, name, source);
    env.write("trip.json", TRIP);
    env.run(&["stream", "add", "trip", "trip.json"]).ok();
    env.run(&["run", name, "trip", "trip"]).ok();
}

const TRIP: &str = "{\"Transport\": \"REST\", \"Encoding\": \"json\", \"Batching\": {\"NagleTime\": 0, \"Watermark\": null}}";

#[test]
fn a_model_process_that_exits_puts_the_engine_in_error_and_the_engine_lives_on() {
    let env = Env::new();
    engine_with(
        &env,
        "quit",
        "import os, sys\ndef action(x):\n    if x == 3:\n        print('about to quit', file=sys.stderr)\n        os._exit(7)\n    yield x\n",
    );
    env.run(&["run", "quit", "rest:", "rest:"]).ok();
    let engine = env.engine_pid("engine-1");
    let api = env.engine_api("engine-1");
    env.run_with_input(&["model", "input"], "1\n2\n3\n4\n").ok();
    let doc = wait_for(&api, "error");
    assert!(alive(engine), "the engine died with its model");
    let error = &doc["error"];
    let jet = error["message"].as_str().unwrap();
    assert!(
        jet.starts_with("the model process (pid ") && jet.ends_with(") exited with status 7"),
        "{doc}"
    );
    // the batch it was on, as accepted and not scored
    assert_eq!(error["unscored"], 4, "{doc}");
    let inspect = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(
        inspect.contains(&format!("The model failed: {jet}\n")),
        "{inspect}"
    );
    assert!(inspect.contains("about to quit"), "{inspect}");
    assert!(
        inspect.contains(
            "The input that caused the error (slot 0):\n   1: 1\n   2: 2\n   3: 3\n   4: 4\n"
        ),
        "{inspect}"
    );
    assert!(
        inspect.contains("4 accepted records were not scored.\n"),
        "{inspect}"
    );
    assert_eq!(
        env.run(&["model", "output"]).expect(1).stderr,
        format!("Error: engine-1 is in ERROR: {jet} (see 'fastscore engine inspect -v')\n")
    );
    // the same engine process takes the next model after a reset
    env.run(&["engine", "reset"]).ok();
    env.run(&["run", "quit", "rest:", "rest:"]).ok();
    env.run_with_input(&["model", "input"], "5\n").ok();
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "5\n");
    assert_eq!(env.engine_pid("engine-1"), engine);
}

#[test]
fn a_model_process_killed_by_a_signal_is_reported_with_the_signal_and_its_input() {
    let env = Env::new();
    round_trips(
        &env,
        "stuck",
        "import time\ndef action(x):\n    if x == 0:\n        time.sleep(600)\n    yield x\n",
    );
    let api = env.engine_api("engine-1");
    let jet = api.jet_pids()[0];
    // a round trip waits on the stuck record; it is answered as soon as the model dies
    let waiting = {
        let api = env.engine_api("engine-1");
        std::thread::spawn(move || {
            api.call(
                "POST",
                "/2/active/model/roundtrip/0/1?timeout=60000",
                b"0",
                &[],
            )
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    signal(jet, 9);
    let (status, body) = waiting.join().unwrap();
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("was killed by signal 9 (SIGKILL)"), "{body}");
    let doc = wait_for(&api, "error");
    assert_eq!(doc["error"]["exit"], "was killed by signal 9 (SIGKILL)");
    assert_eq!(doc["error"]["input"]["data"][0], "0", "{doc}");
    assert_eq!(doc["error"]["unscored"], 1, "{doc}");
    assert!(!alive(jet));
}

#[test]
fn a_model_process_that_closes_its_pipes_is_stopped_and_reported() {
    let env = Env::new();
    engine_with(
        &env,
        "hermit",
        "import os, time\nos.closerange(3, 1024)\ntime.sleep(600)\ndef action(x):\n    yield x\n",
    );
    let run = env.run(&["run", "hermit", "rest:", "rest:"]).expect(1);
    assert!(
        run.stderr
            .contains("closed its connection to the engine and was stopped"),
        "{}",
        run.stderr
    );
    let api = env.engine_api("engine-1");
    let doc = wait_for(&api, "error");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.ends_with("closed its connection to the engine and was stopped"),
        "{doc}"
    );
    let pid: i32 = message
        .split("(pid ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    assert!(!alive(pid), "the silent jet {pid} is still running");
}

/// 200 jets killed at random moments, with random signals, while records flow: the engine
/// answers every time, reports the death, and the next model runs.
#[test]
fn jets_killed_at_random_points_never_take_the_engine_down() {
    let env = Env::new();
    engine_with(&env, "echo", "def action(x):\n    yield x\n");
    // start the engine once; everything else goes straight to its API
    env.run(&["engine", "inspect"]).ok();
    let engine = env.engine_pid("engine-1");
    let api = Arc::new(env.engine_api("engine-1"));
    let source = "def action(x):\n    yield x\n";
    let signals = [9, 15, 11, 6, 2, 1];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..200 {
        let (status, _) = api.call("POST", "/2/engine/reset", b"", &[]);
        assert_eq!(status, 204, "round {round}");
        let (status, body) = api.call(
            "PUT",
            "/1/job/model",
            source.as_bytes(),
            &[("Content-Type", "application/vnd.fastscore.model-python3")],
        );
        assert_eq!(
            status,
            204,
            "round {round}: {}",
            String::from_utf8_lossy(&body)
        );
        for slot in ["0", "1"] {
            let (status, body) = api.call(
                "PUT",
                &format!("/2/active/stream/{slot}"),
                TRIP.as_bytes(),
                &[("Content-Type", "application/json")],
            );
            assert_eq!(
                status,
                204,
                "round {round}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        let jet = api.jet_pids()[0];
        let feeding = {
            let api = api.clone();
            std::thread::spawn(move || {
                let records: String = (0..500).map(|i| format!("{i}\n")).collect();
                for _ in 0..20 {
                    let (status, _) = api.call(
                        "POST",
                        "/1/job/input/0",
                        records.as_bytes(),
                        &[("Content-Type", "application/x-ndjson")],
                    );
                    if status != 200 {
                        break;
                    }
                }
            })
        };
        std::thread::sleep(Duration::from_micros(next() % 20_000));
        signal(jet, signals[(next() % signals.len() as u64) as usize]);
        // how it ended is told: a signal or an exit status (SIGINT is Python's
        // KeyboardInterrupt, which the model's runner reports and exits on)
        let doc = wait_for(&api, "error");
        let exit = doc["error"]["exit"].as_str().unwrap_or("");
        assert!(
            exit.starts_with("was killed by signal ") || exit.starts_with("exited with status "),
            "round {round}: {doc}"
        );
        feeding.join().unwrap();
        assert!(alive(engine), "round {round}: the engine died");
    }
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "ERROR\n");
}

#[test]
fn a_round_trip_after_one_that_timed_out_gets_its_own_output() {
    let env = Env::new();
    round_trips(
        &env,
        "slow",
        "import time\ndef action(x):\n    if x == 1:\n        time.sleep(0.5)\n    yield x * 10\n",
    );
    let api = env.engine_api("engine-1");
    let (status, body) = api.call(
        "POST",
        "/2/active/model/roundtrip/0/1?timeout=100",
        b"1",
        &[],
    );
    assert_eq!(
        (status, String::from_utf8_lossy(&body).as_ref()),
        (504, "no output within 100 ms")
    );
    for x in 2..6 {
        let (status, body) = api.call(
            "POST",
            "/2/active/model/roundtrip/0/1",
            x.to_string().as_bytes(),
            &[],
        );
        assert_eq!(
            (status, String::from_utf8_lossy(&body).to_string()),
            (200, (x * 10).to_string())
        );
    }
    // the late reply was dropped and counted, not queued
    let doc = state(&api);
    assert_eq!(doc["slots"][1]["late_replies_dropped"], 1, "{doc}");
    assert_eq!(env.run(&["model", "output", "-nowait"]).ok().stdout, "");
}

#[test]
fn a_record_that_yields_nothing_is_answered_at_once_without_holding_others() {
    let env = Env::new();
    env.run_with_input(&["schema", "add", "int"], "\"int\"")
        .ok();
    round_trips(
        &env,
        "some",
        "# fastscore.schema.1: int\ndef action(x):\n    if x > 0:\n        yield x\n    elif x == 0:\n        yield 'zero'\n",
    );
    let api = env.engine_api("engine-1");
    let started = Instant::now();
    let (status, body) = api.call("POST", "/2/active/model/roundtrip/0/1", b"-5", &[]);
    assert_eq!(
        (status, String::from_utf8_lossy(&body).as_ref()),
        (
            504,
            "no output: the model produced nothing on slot 1 for this record"
        )
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let (status, body) = api.call("POST", "/2/active/model/roundtrip/0/1", b"7", &[]);
    assert_eq!((status, body.as_slice()), (200, &b"7"[..]));
    // an output the schema rejects is the answer's reason
    let (status, body) = api.call("POST", "/2/active/model/roundtrip/0/1", b"0", &[]);
    assert_eq!(status, 500);
    assert!(
        String::from_utf8_lossy(&body).starts_with("the model's output on slot 1 was rejected: ")
    );
}

/// 10,000 round trips from 8 clients at once, mixed with 3,000 plain REST inputs, round
/// trips that time out, records that yield nothing and records that yield two outputs:
/// every reply is its own record's, and nothing is lost.
#[test]
fn ten_thousand_concurrent_round_trips_mixed_with_rest_input_none_crossed_none_lost() {
    const TRIPS: usize = 10_000;
    const PLAIN: usize = 3_000;
    const CLIENTS: usize = 8;
    let env = Env::new();
    round_trips(
        &env,
        "mixed",
        "import time\n\
         def action(r):\n    k = r['k']\n\
         \x20   if k % 10 == 3:\n        return\n\
         \x20   if k % 500 == 11:\n        time.sleep(0.05)\n\
         \x20   if k % 10 == 7:\n        yield {'k': k, 'part': 1}\n        yield {'k': k, 'part': 2}\n        return\n\
         \x20   yield {'k': k}\n",
    );
    let answered = Arc::new(AtomicUsize::new(0));
    let timeouts = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let api = env.engine_api("engine-1");
        let (answered, timeouts) = (answered.clone(), timeouts.clone());
        clients.push(std::thread::spawn(move || {
            for k in (c..TRIPS).step_by(CLIENTS) {
                let body = format!("{{\"k\": {k}}}");
                let path = if k % 500 == 11 {
                    "/2/active/model/roundtrip/0/1?timeout=10"
                } else {
                    "/2/active/model/roundtrip/0/1"
                };
                let (status, reply) = api.call("POST", path, body.as_bytes(), &[]);
                let reply = String::from_utf8_lossy(&reply).to_string();
                match k {
                    _ if k % 10 == 3 => assert_eq!(
                        (status, reply.as_str()),
                        (
                            504,
                            "no output: the model produced nothing on slot 1 for this record"
                        ),
                        "k={k}"
                    ),
                    _ if k % 500 == 11 => {
                        assert_eq!(
                            (status, reply.as_str()),
                            (504, "no output within 10 ms"),
                            "k={k}"
                        );
                        timeouts.fetch_add(1, Ordering::Relaxed);
                    }
                    _ if k % 10 == 7 => assert_eq!(
                        (status, reply),
                        (200, format!("{{\"k\": {k}, \"part\": 1}}")),
                        "crossed"
                    ),
                    _ => assert_eq!((status, reply), (200, format!("{{\"k\": {k}}}")), "crossed"),
                }
                answered.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // plain records (k = 1,000,000 + 10·i, so each yields exactly one output) meanwhile
    let plain = {
        let api = env.engine_api("engine-1");
        std::thread::spawn(move || {
            for i in 0..PLAIN {
                let body = format!("{{\"k\": {}}}", 1_000_000 + 10 * i);
                let (status, _) = api.call("POST", "/1/job/input/0", body.as_bytes(), &[]);
                assert_eq!(status, 204);
            }
        })
    };
    for c in clients {
        c.join().unwrap();
    }
    plain.join().unwrap();
    assert_eq!(answered.load(Ordering::Relaxed), TRIPS);
    // the queue holds exactly the plain outputs and the round trips' second outputs
    let api = env.engine_api("engine-1");
    let mut plain_seen = std::collections::BTreeSet::new();
    let mut second_seen = std::collections::BTreeSet::new();
    loop {
        let (status, record) = api.call("GET", "/1/job/output/1", b"", &[]);
        if status == 202 {
            break;
        }
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_slice(&record).unwrap();
        let k = v["k"].as_u64().unwrap() as usize;
        if k >= 1_000_000 {
            assert!(plain_seen.insert(k), "plain output {k} twice");
        } else {
            assert_eq!(v["part"], 2, "a round trip's reply in the queue: {v}");
            assert!(second_seen.insert(k), "second output {k} twice");
        }
    }
    assert_eq!(plain_seen.len(), PLAIN, "plain outputs lost");
    let multi = (0..TRIPS).filter(|k| k % 10 == 7).count();
    assert_eq!(second_seen.len(), multi, "second outputs lost");
    let late = state(&api)["slots"][1]["late_replies_dropped"]
        .as_u64()
        .unwrap() as usize;
    assert_eq!(late, timeouts.load(Ordering::Relaxed));
}

/// An echo model over REST, one record per batch (so that 16 records fill the jets'
/// queue), on a paused engine.
fn paused_echo() -> Env {
    let env = Env::new();
    engine_with(&env, "echo", "def action(x):\n    yield x\n");
    env.write(
        "one.json",
        "{\"Transport\": \"REST\", \"Encoding\": \"json\", \"Batching\": null}",
    );
    env.run(&["stream", "add", "one", "one.json"]).ok();
    env.run(&["run", "echo", "one", "rest:"]).ok();
    env.run(&["engine", "pause"]).ok();
    env
}

/// Concurrent round trips to a record-set model, each answering with its record's `k` and
/// the size of the record set it was scored in.
fn gathering(env: &Env, batching: &str) -> EngineApi {
    env.write(
        "trip.json",
        format!("{{\"Transport\": \"REST\", \"Encoding\": \"json\", \"Batching\": {batching}}}"),
    );
    env.run(&["stream", "add", "trip", "trip.json"]).ok();
    env.run(&["run", "sets", "trip", "trip"]).ok();
    env.engine_api("engine-1")
}

fn trip(api: &EngineApi, k: usize) -> (usize, usize) {
    let (status, reply) = api.call(
        "POST",
        "/2/active/model/roundtrip/0/1",
        format!("{{\"k\": {k}}}").as_bytes(),
        &[],
    );
    let text = String::from_utf8_lossy(&reply).to_string();
    assert_eq!(status, 200, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    (
        v["k"].as_u64().unwrap() as usize,
        v["n"].as_u64().unwrap() as usize,
    )
}

#[test]
fn concurrent_round_trips_to_a_record_set_model_are_gathered_and_each_gets_its_own_reply() {
    const CLIENTS: usize = 16;
    const EACH: usize = 15;
    let env = Env::new();
    support::data_python();
    env.run_with_input(&["schema", "add", "k"], "{\"type\": \"record\", \"name\": \"k\", \"fields\": [{\"name\": \"k\", \"type\": \"int\"}]}").ok();
    engine_with(
        &env,
        "sets",
        "# fastscore.recordsets: both\n# fastscore.schema.0: k\nimport time\nimport pandas as pd\n\
         def action(df):\n    time.sleep(0.02)\n    yield pd.DataFrame({'k': df['k'], 'n': len(df)})\n",
    );
    gathering(
        &env,
        "{\"NagleTime\": 0, \"Watermark\": null, \"GatherRecords\": 4}",
    );
    let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let api = env.engine_api("engine-1");
            let sizes = sizes.clone();
            std::thread::spawn(move || {
                for k in (c..CLIENTS * EACH).step_by(CLIENTS) {
                    let (got, n) = trip(&api, k);
                    assert_eq!(got, k, "a reply went to another request");
                    sizes.lock().unwrap().push(n);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    let sizes = sizes.lock().unwrap();
    assert_eq!(sizes.len(), CLIENTS * EACH);
    assert!(sizes.iter().all(|n| (1..=4).contains(n)), "{sizes:?}");
    assert!(
        sizes.iter().filter(|n| **n == 4).count() > CLIENTS * EACH / 2,
        "requests that wait while the model works are scored together: {sizes:?}"
    );
    // with a gathering time, a free model waits for the next request (up to the size)
    env.run(&["engine", "reset"]).ok();
    let api = gathering(
        &env,
        "{\"NagleTime\": 0, \"Watermark\": null, \"GatherRecords\": 2, \"GatherTime\": 5000}",
    );
    let started = Instant::now();
    let first = {
        let api = env.engine_api("engine-1");
        std::thread::spawn(move || trip(&api, 1))
    };
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(trip(&api, 2), (2, 2));
    assert_eq!(first.join().unwrap(), (1, 2));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the wait ends when the set is full"
    );
    env.run(&["engine", "reset"]).ok();
}

#[test]
fn a_paused_engine_with_waiting_inputs_still_answers_everything_else() {
    let env = paused_echo();
    // more requests than the old server had threads, each waiting for room
    let mut waiting = Vec::new();
    for i in 0..40 {
        let api = env.engine_api("engine-1");
        waiting.push(std::thread::spawn(move || {
            api.call("POST", "/1/job/input/0", i.to_string().as_bytes(), &[])
                .0
        }));
    }
    std::thread::sleep(Duration::from_millis(500));
    let api = env.engine_api("engine-1");
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(state(&api)["state"], "paused");
        let (status, _) = api.call("GET", "/1/job/output/1?nowait=true", b"", &[]);
        assert_eq!(status, 202);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
    env.run(&["engine", "unpause"]).ok();
    let statuses: Vec<u16> = waiting.into_iter().map(|w| w.join().unwrap()).collect();
    assert!(statuses.iter().all(|s| *s == 204), "{statuses:?}");
    let mut outputs = 0;
    while api.call("GET", "/1/job/output/1", b"", &[]).0 == 200 {
        outputs += 1;
    }
    assert_eq!(outputs, 40);
}

#[test]
fn a_paused_engine_answers_input_busy_after_a_while_and_keeps_what_it_took() {
    let env = paused_echo();
    let api = env.engine_api("engine-1");
    let records: String = (0..100).map(|i| format!("{i}\n")).collect();
    let started = Instant::now();
    let (status, body) = api.call(
        "POST",
        "/1/job/input/0",
        records.as_bytes(),
        &[("Content-Type", "application/x-ndjson")],
    );
    let waited = started.elapsed();
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&body));
    assert!(waited < Duration::from_secs(15), "{waited:?}");
    let counts: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let taken = counts["taken"].as_u64().unwrap();
    assert!(taken > 0 && taken < 100, "{counts}");
    assert!(
        counts["busy"]
            .as_str()
            .unwrap()
            .contains("took no input from slot 0"),
        "{counts}"
    );
    env.run(&["engine", "unpause"]).ok();
    let mut outputs = Vec::new();
    loop {
        let (status, record) = api.call("GET", "/1/job/output/1", b"", &[]);
        if status != 200 {
            break;
        }
        outputs.push(String::from_utf8(record).unwrap());
    }
    let expected: Vec<String> = (0..taken).map(|i| i.to_string()).collect();
    assert_eq!(outputs, expected, "what was taken is scored, in order");
}

#[test]
fn model_input_to_a_paused_engine_waits_and_sends_everything_after_unpause() {
    let env = paused_echo();
    let records: String = (0..100).map(|i| format!("{i}\n")).collect();
    let input = {
        let mut cmd = env.command(&["model", "input"]);
        std::thread::spawn(move || support::finish(&mut cmd, &records))
    };
    // the engine answers busy after 10 s; the command sends the rest again
    std::thread::sleep(Duration::from_secs(12));
    assert!(
        !input.is_finished(),
        "model input gave up on a paused engine"
    );
    env.run(&["engine", "unpause"]).ok();
    let run = input.join().unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let outputs = env.run(&["model", "output", "-c", "-nowait"]).ok().stdout;
    let api = env.engine_api("engine-1");
    let mut got = vec![outputs.trim().to_string()];
    loop {
        let (status, record) = api.call("GET", "/1/job/output/1", b"", &[]);
        if status != 200 {
            break;
        }
        got.push(String::from_utf8(record).unwrap());
    }
    let expected: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    assert_eq!(got, expected);
}

#[test]
fn the_engine_answers_while_a_policy_install_runs_and_tries_a_failed_one_again() {
    let env = Env::new();
    // long enough for several of the engine's Retry-After
    env.write(
        "policy.yaml",
        "no_such_module_xyz:\n  policy: install\n  command: sleep 6\n",
    );
    env.run(&["policy", "set", "policy.yaml", "-type:python3"])
        .ok();
    engine_with(
        &env,
        "needs",
        "import no_such_module_xyz\ndef action(x):\n    yield x\n",
    );
    let load = env
        .command(&["model", "load", "needs"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    let started = Instant::now();
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "INIT\n");
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    let out = support::wait_within(load, Duration::from_secs(120), "model load");
    let stderr = out.stderr;
    assert_eq!(out.code, 0, "{stderr}");
    // the install ran in the background while the command said what it waited for
    assert!(
        stderr.starts_with("Waiting for engine-1 to install no_such_module_xyz for "),
        "{stderr}"
    );
    // meanwhile it asked how the install went; the model was sent again once, for the load
    let log = std::fs::read_to_string(env.store().join("engines/engine-1/engine.log")).unwrap();
    assert_eq!(
        log.matches("a load of model 'needs' received").count(),
        2,
        "{log}"
    );
    // an install that fails is told in one line, and the next load tries again
    env.write(
        "policy.yaml",
        "no_such_module_abc:\n  policy: install\n  command: sleep 2; echo no index >&2; exit 3\n",
    );
    env.run(&["policy", "set", "policy.yaml", "-type:python3"])
        .ok();
    add_model(
        &env,
        "fails",
        "import no_such_module_abc\ndef action(x):\n    yield x\n",
    );
    for _ in 0..2 {
        let failed = env.run(&["model", "load", "fails"]).expect(1);
        let error: Vec<&str> = failed
            .stderr
            .lines()
            .filter(|l| !l.starts_with("Waiting for engine-1 to install no_such_module_abc"))
            .collect();
        assert_eq!(
            error,
            ["Error: Unable to load model 'fails': installing no_such_module_abc failed (exit status: 3): no index"],
            "{}",
            failed.stderr
        );
    }
    let log = std::fs::read_to_string(env.store().join("engines/engine-1/engine.log")).unwrap();
    assert_eq!(
        log.matches("started to install no_such_module_abc").count(),
        2,
        "{log}"
    );
}

/// The model `big`, whose every output is 4 KB, and a file of `records` inputs for it.
fn big_outputs(env: &Env, records: usize) -> std::path::PathBuf {
    engine_with(
        env,
        "big",
        "def action(x):\n    yield {'x': x, 'pad': '.' * 4000}\n",
    );
    env.write(
        "in.jsons",
        (0..records).map(|i| format!("{i}\n")).collect::<String>(),
    )
}

#[test]
fn outputs_nobody_reads_wait_in_a_bounded_queue_and_none_is_lost() {
    const RECORDS: usize = 20_000;
    let env = Env::new();
    // 80 MB of outputs if the queue had no bound
    let input = big_outputs(&env, RECORDS);
    env.run(&["run", "big", &format!("file:{}", input.display()), "rest:"])
        .ok();
    let api = env.engine_api("engine-1");
    let engine = env.engine_pid("engine-1");
    // the model runs until the queue is full, then waits for a reader
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = 0;
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let records = state(&api)["slots"][1]["records"].as_u64().unwrap();
        if records == last && records > 0 {
            break;
        }
        last = records;
        assert!(
            Instant::now() < deadline,
            "the output never stopped growing"
        );
    }
    let queued = &state(&api)["slots"][1]["queued"];
    assert!(queued["records"].as_u64().unwrap() <= 10_000, "{queued}");
    assert!(queued["bytes"].as_u64().unwrap() <= 16 << 20, "{queued}");
    let rss_kb: u64 = std::fs::read_to_string(format!("/proc/{engine}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    assert!(rss_kb < 60_000, "the engine holds {rss_kb} kB");
    // reading frees the model; every record comes, in order
    for i in 0..RECORDS {
        let (status, record) = api.call("GET", "/1/job/output/1", b"", &[]);
        assert_eq!(status, 200, "record {i}");
        let v: serde_json::Value = serde_json::from_slice(&record).unwrap();
        assert_eq!(v["x"], i, "record {i}");
    }
    assert_eq!(api.call("GET", "/1/job/output/1", b"", &[]).0, 204);
}

#[test]
fn records_a_model_leaves_unread_when_it_ends_are_counted() {
    let env = Env::new();
    engine_with(
        &env,
        "first",
        "# fastscore.action: unused\nfrom fastscore.io import Slot\nfor df in Slot(0):\n    Slot(1).write({'n': len(df)})\n    break\n",
    );
    env.write(
        "one.json",
        "{\"Transport\": \"REST\", \"Encoding\": \"json\", \"Batching\": null}",
    );
    env.run(&["stream", "add", "one", "one.json"]).ok();
    env.run(&["run", "first", "one", "rest:"]).ok();
    let api = env.engine_api("engine-1");
    let records: String = (0..20).map(|i| format!("{{\"x\": {i}}}\n")).collect();
    let (_, body) = api.call(
        "POST",
        "/1/job/input/0",
        records.as_bytes(),
        &[("Content-Type", "application/x-ndjson")],
    );
    let counts: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let doc = wait_for(&api, "finished");
    let accepted = counts["accepted"].as_u64().unwrap();
    assert!(accepted > 1, "{counts}");
    assert_eq!(
        doc["unscored"].as_u64(),
        Some(accepted - 1),
        "{counts} {doc}"
    );
    let inspect = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(
        inspect.contains(&format!(
            "The model ended before reading {} accepted records.",
            accepted - 1
        )),
        "{inspect}"
    );
}

#[test]
fn each_rest_request_is_framed_on_its_own() {
    let env = Env::new();
    engine_with(&env, "echo", "def action(x):\n    yield x\n");
    env.write(
        "lines.json",
        "{\"Transport\": \"REST\", \"Encoding\": \"json\", \"Envelope\": \"delimited\"}",
    );
    env.run(&["stream", "add", "lines", "lines.json"]).ok();
    env.run(&["run", "echo", "lines", "rest:"]).ok();
    let api = env.engine_api("engine-1");
    assert_eq!(api.call("POST", "/1/job/input/0", b"1\n2", &[]).0, 204);
    assert_eq!(api.call("POST", "/1/job/input/0", b"3\n4\n", &[]).0, 204);
    // (records wait for the batch's Nagle time: read until four came, or 10 s went by)
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while got.len() < 4 && Instant::now() < deadline {
        if let (200, record) = api.call("GET", "/1/job/output/1", b"", &[]) {
            got.push(String::from_utf8(record).unwrap());
        }
    }
    assert_eq!(got, ["1", "2", "3", "4"]);
}

#[test]
fn a_round_trip_whose_client_goes_away_has_its_reply_dropped_and_counted() {
    use std::io::Write;
    let env = Env::new();
    round_trips(
        &env,
        "slow",
        "import time\ndef action(x):\n    time.sleep(0.3)\n    yield x\n",
    );
    let (key, auth) = env.engine_auth("engine-1");
    let url = env.engine_url("engine-1");
    let mut stream = std::net::TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    write!(
        stream,
        "POST /2/active/model/roundtrip/0/1 HTTP/1.1\r\nHost: x\r\n{key}: {auth}\r\nContent-Length: 1\r\n\r\n7"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    drop(stream);
    std::thread::sleep(Duration::from_millis(600));
    let api = env.engine_api("engine-1");
    assert_eq!(state(&api)["slots"][1]["late_replies_dropped"], 1);
    // nothing of it in the queue; the next round trip gets its own output
    assert_eq!(
        api.call("GET", "/1/job/output/1?nowait=true", b"", &[]).0,
        202
    );
    let (status, body) = api.call("POST", "/2/active/model/roundtrip/0/1", b"8", &[]);
    assert_eq!((status, body.as_slice()), (200, &b"8"[..]));
}

#[test]
fn scaling_down_an_idle_model_stops_the_extra_jets() {
    let env = Env::new();
    engine_with(&env, "echo", "def action(x):\n    yield x\n");
    env.run(&["model", "scale", "3"]).ok();
    env.run(&["run", "echo", "rest:", "rest:"]).ok();
    let api = env.engine_api("engine-1");
    let jets = api.jet_pids();
    assert_eq!(jets.len(), 3);
    env.run(&["model", "scale", "1"]).ok();
    let deadline = Instant::now() + Duration::from_secs(5);
    while jets.iter().filter(|p| alive(**p)).count() > 1 {
        assert!(Instant::now() < deadline, "idle jets scaled away still run");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(api.jet_pids().len(), 1);
    env.run_with_input(&["model", "input"], "5\n").ok();
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "5\n");
    // a finished model takes no more jets
    env.run_with_input(&["model", "input"], "{\"$fastscore\": \"end\"}\n")
        .ok();
    wait_for(&api, "finished");
    let err = env.run(&["model", "scale", "2"]).expect(1).stderr;
    assert!(
        err.contains("engine-1 is FINISHED: jets can be scaled"),
        "{err}"
    );
}

/// Processes whose command line has `needle` as one of its words.
fn processes_with(needle: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|b| *b == 0).any(|w| w == needle.as_bytes()))
        })
        .filter(|pid| alive(*pid))
        .collect()
}

#[test]
fn an_output_program_that_stops_reading_holds_up_neither_reset_nor_stop() {
    let env = Env::new();
    let input = big_outputs(&env, 2000);
    // a program that never reads its input: the pipe to it fills and the writer waits
    env.write(
        "deaf.json",
        "{\"Transport\": {\"Type\": \"exec\", \"Run\": \"/bin/sleep\", \"Args\": [\"601.25\"]}, \"Encoding\": \"json\"}",
    );
    env.run(&["stream", "add", "deaf", "deaf.json"]).ok();
    let source = format!("file:{}", input.display());
    env.run(&["run", "big", &source, "deaf"]).ok();
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(processes_with("601.25").len(), 1);
    let started = Instant::now();
    env.run(&["engine", "reset"]).ok();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "INIT\n");
    assert!(
        processes_with("601.25").is_empty(),
        "the output program outlived its job"
    );
    // the same with the engine stopped by a signal
    env.run(&["run", "big", &source, "deaf"]).ok();
    std::thread::sleep(Duration::from_millis(1000));
    let engine = env.engine_pid("engine-1");
    let started = Instant::now();
    signal(engine, 15);
    while alive(engine) {
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "the engine ignored SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        processes_with("601.25").is_empty(),
        "the output program outlived the engine"
    );
}

#[test]
fn a_request_over_the_size_limit_is_refused_with_413() {
    let env = Env::new();
    engine_with(&env, "echo", "def action(x):\n    yield x\n");
    env.run(&["engine", "stop"]).ok();
    let run = support::finish(
        env.command(&["run", "echo", "rest:", "rest:"])
            .env("FASTSCORE_MAX_REQUEST_MB", "1"),
        "",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let api = env.engine_api("engine-1");
    let big = vec![b'1'; 2 << 20];
    let (status, body) = api.call("POST", "/1/job/input/0", &big, &[]);
    assert_eq!(
        (status, String::from_utf8_lossy(&body).as_ref()),
        (413, "the request body is larger than 1 MiB, the limit of engine-1 (FASTSCORE_MAX_REQUEST_MB)")
    );
    let (status, _) = api.call("POST", "/1/job/input/0", b"5", &[]);
    assert_eq!(status, 204);
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "5\n");
}

/// Wait for a command a test started to end by itself, within `limit`: its output.
fn exited_within(child: std::process::Child, limit: Duration) -> std::process::Output {
    let pid = child.id() as i32;
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match ended.recv_timeout(limit) {
        Ok(out) => out.expect("wait"),
        Err(_) => {
            signal(pid, support::SIGKILL);
            panic!("the command did not end within {limit:?} after the signal");
        }
    }
}

#[test]
fn model_output_interrupted_a_hundred_times_prints_every_record_exactly_once() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    const RECORDS: usize = 1000;
    const RUNS: usize = 100;
    let env = Env::new();
    engine_with(&env, "echo", "def action(x):\n    yield x\n");
    env.write("trip.json", TRIP);
    env.run(&["stream", "add", "trip", "trip.json"]).ok();
    env.run(&["run", "echo", "trip", "trip"]).ok();
    // records arrive, unevenly, while the runs read: long polls are answered at any moment
    let feeder = {
        let api = env.engine_api("engine-1");
        std::thread::spawn(move || {
            for id in 0..RECORDS {
                let record = format!("{{\"id\": {id}}}");
                let (status, body) = api.call("POST", "/1/job/input/0", record.as_bytes(), &[]);
                assert_eq!(status, 204, "{}", String::from_utf8_lossy(&body));
                std::thread::sleep(Duration::from_millis(if id % 5 == 0 { 90 } else { 10 }));
            }
        })
    };
    let mut printed: Vec<u64> = Vec::new();
    let mut runs = 0;
    while runs < RUNS || printed.len() < RECORDS {
        assert!(
            runs < 3 * RUNS,
            "{} of {RECORDS} records printed after {runs} runs",
            printed.len()
        );
        let sig = if runs % 2 == 0 {
            support::SIGINT
        } else {
            support::SIGTERM
        };
        let child = env
            .command(&["model", "output", "-c"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn fastscore");
        // varied moments: before it reads, while it reads records, during a long poll
        std::thread::sleep(Duration::from_millis(5 + (runs as u64 * 37) % 700));
        signal(child.id() as i32, sig);
        let out = exited_within(child, Duration::from_secs(10));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => assert_eq!(stderr, "", "run {runs}"),
            // a signal before the command caught signals: it had read nothing
            _ => assert!(
                out.status.signal() == Some(sig) && stdout.is_empty(),
                "run {runs}: {:?}\n{stdout}\n{stderr}",
                out.status
            ),
        }
        for line in stdout.lines() {
            let record: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("run {runs} printed '{line}': {e}"));
            printed.push(record["id"].as_u64().expect("id"));
        }
        runs += 1;
    }
    feeder.join().expect("feeder");
    let mut sorted = printed.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), printed.len(), "records printed twice");
    assert_eq!(sorted, (0..RECORDS as u64).collect::<Vec<_>>());
}
