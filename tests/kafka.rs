//! Kafka streams against a real Kafka protocol: librdkafka's mock cluster on loopback,
//! engines in one consumer group, a kill -9 midway, and the failures a user meets.

mod support;
use rdkafka::mocking::{MockCluster, MockCoordinator};
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::kafka::{
    all_out, committed, echo_in_group, group_streams, id_counts, kafka_report, kafka_stream,
    produce, records_with_ids, report_until, run_in_group, Collector,
};
use support::netns::Host;
use support::{Env, SIGKILL, SIGSTOP};

/// Slot `n` of an engine's state answer.
fn slot(state: &serde_json::Value, n: u64) -> serde_json::Value {
    let slots = state["slots"].as_array();
    let found = slots.and_then(|slots| slots.iter().find(|s| s["slot"] == n));
    found.cloned().unwrap_or_default()
}

/// What the engine's Kafka input says of its reading and committing (the state answer).
fn input_source(api: &support::EngineApi) -> serde_json::Value {
    slot(&api.get_json("/2/engine/state"), 0)["source"].clone()
}

/// Wait (at most `limit`) until `done` holds of the engine's state answer; that answer.
fn state_until(
    api: &support::EngineApi,
    limit: Duration,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + limit;
    loop {
        let state = api.get_json("/2/engine/state");
        if done(&state) || Instant::now() > deadline {
            return state;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_engines_in_a_group_lose_nothing_when_one_is_killed() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("in", 4, 1).unwrap();
    cluster.create_topic("out", 4, 1).unwrap();
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    echo_in_group(&env, &servers, 0.001);
    let inputs: Vec<String> = (1..=10_000).map(|n| n.to_string()).collect();
    produce(&servers, "in", &inputs);
    let out = Collector::start(&servers, "out");
    for engine in ["engine-1", "engine-2"] {
        env.run(&["use", engine]).ok();
        env.run(&["run", "echo", "kin", "kout"]).ok();
    }
    // midway: engine-2's model freezes, then the engine is killed
    let first = out.until(Duration::from_secs(60), |s| s.len() >= 2_000);
    assert!(first.len() >= 2_000, "only {} outputs", first.len());
    let api = env.engine_api("engine-2");
    for pid in api.jet_pids() {
        support::signal(pid, SIGSTOP);
    }
    std::thread::sleep(Duration::from_millis(500));
    let killed = input_source(&api);
    let count = |v: &serde_json::Value, k: &str| v[k].as_u64().unwrap_or(0);
    support::signal(env.engine_pid("engine-2"), SIGKILL);
    // every input's output arrives: engine-1 takes over engine-2's partitions
    let all = out.until(Duration::from_secs(120), |s| {
        let distinct: std::collections::HashSet<&String> = s.iter().collect();
        distinct.len() == inputs.len()
    });
    let mut counts: HashMap<&String, usize> = HashMap::new();
    for s in &all {
        *counts.entry(s).or_default() += 1;
    }
    let lost = inputs.iter().filter(|i| !counts.contains_key(i)).count();
    let duplicates = all.len() - counts.len();
    assert_eq!(
        lost,
        0,
        "{lost} inputs have no output ({} outputs seen)",
        all.len()
    );
    // what may be read twice: engine-2's records not committed when it was killed, and the
    // records each engine was scoring when the group took a partition from it
    let survivor = input_source(&env.engine_api("engine-1"));
    let may_repeat = count(&killed, "uncommitted")
        + count(&killed, "handed_over")
        + count(&survivor, "handed_over");
    assert!(
        duplicates as u64 <= may_repeat,
        "{duplicates} duplicates, but the engines reported {may_repeat} records that may be read again: {killed} {survivor}"
    );
    // and the engine that read them again says so (engine-2's read marks)
    assert!(
        duplicates as u64 <= count(&survivor, "read_again"),
        "{duplicates} duplicates, but engine-1 read {} again: {survivor}",
        survivor["read_again"]
    );
    eprintln!(
        "{duplicates} duplicates, engine-1 read {} again",
        survivor["read_again"]
    );
    assert!(out.count() >= inputs.len());
    // engine-1 says what it read and committed
    env.run(&["use", "engine-1"]).ok();
    let inspect = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(inspect.contains("Kafka"), "{inspect}");
}

#[test]
fn kafka_failures_are_clear_and_bounded() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("in", 1, 1).unwrap();
    cluster.create_topic("out", 1, 1).unwrap();
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    kafka_stream(&env, "kout", &servers, serde_json::json!({"Topic": "out"}));
    // (a missing input topic is waited for, see below; producing creates a missing
    // output topic, as brokers do by default)
    // a broker nobody answers for
    kafka_stream(
        &env,
        "dead",
        "127.0.0.1:1",
        serde_json::json!({"Topic": "in", "Group": "g"}),
    );
    let started = Instant::now();
    let run = env.run(&["run", "echo", "dead", "kout"]);
    let inspect = env.run(&["engine", "inspect", "-v"]).stdout;
    assert!(
        format!("{}{inspect}", run.stderr).contains("cannot reach Kafka at 127.0.0.1:1"),
        "{}{inspect}",
        run.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(40));
    // malformed messages are counted rejections; their neighbours are scored
    env.run(&["engine", "reset"]).ok();
    produce(&servers, "in", &["1".into(), "x{".into(), "3".into()]);
    kafka_stream(
        &env,
        "kin",
        &servers,
        serde_json::json!({"Topic": "in", "Group": "g2"}),
    );
    let out = Collector::start(&servers, "out");
    env.run(&["run", "echo", "kin", "kout"]).ok();
    let seen = out.until(Duration::from_secs(30), |s| s.len() >= 2);
    assert_eq!(seen, ["1", "3"]);
    let inspect = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(
        inspect.contains("     0          2                       1"),
        "{inspect}"
    );
}

#[test]
fn inputs_are_committed_only_once_their_outputs_are_acknowledged() {
    // the output's partition on a broker of its own, which goes down midway
    let cluster = MockCluster::new(2).unwrap();
    cluster.create_topic("in", 1, 1).unwrap();
    cluster.create_topic("out", 1, 1).unwrap();
    cluster.partition_leader("in", 0, Some(1)).unwrap();
    cluster.partition_leader("out", 0, Some(2)).unwrap();
    for group in ["g", "the-test"] {
        cluster
            .coordinator(MockCoordinator::Group(group.into()), 1)
            .unwrap();
    }
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    group_streams(&env, &servers, "g");
    let first: Vec<String> = (1..=100).map(|n| n.to_string()).collect();
    produce(&servers, "in", &first);
    env.run(&["run", "echo", "kin", "kout"]).ok();
    let api = env.engine_api("engine-1");
    let committed = |state: &serde_json::Value| {
        slot(state, 0)["source"]["committed"]["0"]
            .as_i64()
            .unwrap_or(0)
    };
    let outputs = |state: &serde_json::Value| slot(state, 1)["records"].as_u64();
    let state = state_until(&api, Duration::from_secs(60), |s| committed(s) == 100);
    assert_eq!(committed(&state), 100, "{state}");
    // the output's broker goes away: the next records are read and scored, never committed
    cluster.broker_down(2).unwrap();
    let second: Vec<String> = (101..=200).map(|n| n.to_string()).collect();
    produce(&servers, "in", &second);
    let state = state_until(&api, Duration::from_secs(60), |s| outputs(s) == Some(200));
    assert_eq!(outputs(&state), Some(200), "{state}");
    // commits are asynchronous: give a commit that should not be made the time to be made
    std::thread::sleep(Duration::from_secs(2));
    let state = api.get_json("/2/engine/state");
    assert_eq!(
        committed(&state),
        100,
        "committed before acknowledged: {state}"
    );
    assert_eq!(input_source(&api)["uncommitted"], 100, "{state}");
    assert_eq!(state["state"], "running", "{state}");
    // back: every record is acknowledged, then committed
    cluster.broker_up(2).unwrap();
    let state = state_until(&api, Duration::from_secs(60), |s| committed(s) == 200);
    assert_eq!(committed(&state), 200, "{state}");
    // every output is there (for a reader that never saw the broker go)
    let out = Collector::start(&servers, "out");
    let seen = out.until(Duration::from_secs(60), |s| s.len() >= 200);
    let distinct: std::collections::BTreeSet<&String> = seen.iter().collect();
    let expected: Vec<String> = (1..=200).map(|n| n.to_string()).collect();
    assert_eq!(distinct, expected.iter().collect(), "{seen:?}");
}

#[test]
fn a_refused_output_record_fails_the_job_with_one_clear_line() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("in", 1, 1).unwrap();
    cluster.create_topic("out", 1, 1).unwrap();
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    group_streams(&env, &servers, "g");
    produce(&servers, "in", &["1".into(), "2".into()]);
    // from now on the broker refuses what is produced
    cluster.request_errors(
        RDKafkaApiKey::Produce,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE; 20],
    );
    env.run(&["run", "echo", "kin", "kout"]).ok();
    let api = env.engine_api("engine-1");
    let state = state_until(&api, Duration::from_secs(60), |s| s["state"] == "error");
    let message = state["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(
        message,
        "writing to slot 1 failed: producing to 'out' failed: MessageSizeTooLarge (Broker: Message size too large)",
        "{state}"
    );
    // nothing was committed for the records whose outputs were refused
    assert_eq!(
        input_source(&api)["committed"],
        serde_json::json!({}),
        "{state}"
    );
}

#[test]
fn sensor_reports_go_to_a_kafka_topic_when_the_descriptor_says_so() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("sensors", 1, 1).unwrap();
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    env.run(&["run", "echo", "rest:", "rest:"]).ok();
    env.run(&["use", "engine-1"]).ok();
    let collector = Collector::start(&servers, "sensors");
    // the sink: a stream literal, as `run` takes one
    let descriptor = serde_json::json!({"Tap": "sys.test.int", "Activate": "permanent", "Aggregate": "sum",
        "Report": {"Interval": 0.2}, "Sink": format!("kafka:{servers}/sensors")});
    env.write("int.json", descriptor.to_string());
    env.run(&["sensor", "add", "int", "int.json"]).ok();
    let id = env.run(&["sensor", "install", "int"]).ok().stdout;
    let seen = collector.until(Duration::from_secs(20), |s| s.len() >= 3);
    env.run(&["sensor", "uninstall", id.trim()]).ok();
    let reports: Vec<serde_json::Value> = seen
        .iter()
        .map(|s| serde_json::from_str(s).unwrap())
        .collect();
    assert!(reports.len() >= 3, "{seen:?}");
    assert_eq!(reports[0]["type"], "sensor-report");
    assert_eq!(reports[0]["src"], "engine-1");
    assert_eq!(reports[0]["tap"], "sys.test.int");
    assert_eq!(reports[0]["id"].to_string(), id.trim());
    let data: Vec<u64> = reports
        .iter()
        .map(|r| r["data"].as_u64().unwrap())
        .collect();
    assert_eq!(&data[..3], &[1, 2, 3]);
}

/// A descriptor as the public examples write them: no group, no partition, no start.
fn example_stream(env: &Env, name: &str, servers: &str, topic: &str) {
    let doc = serde_json::json!({"Transport": {"Type": "kafka", "BootstrapServers": [servers], "Topic": topic},
                                 "Envelope": null, "Encoding": "json"});
    env.write(&format!("{name}.json"), doc.to_string());
    env.run(&["stream", "add", name, &format!("{name}.json")])
        .ok();
}

#[test]
fn models_chained_with_the_examples_descriptors_lose_nothing() {
    let cluster = MockCluster::new(1).unwrap();
    // more than one partition: records spread over them would be lost to the next model,
    // which reads partition 0 (as the original did)
    cluster.create_topic("chain", 4, 1).unwrap();
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    example_stream(&env, "chain", &servers, "chain");
    let inputs = records_with_ids(2_000);
    let input = env.write("in.jsons", inputs.join("\n") + "\n");
    let output = env.work().join("out.jsons");
    // the second model first: it reads from the end of the topic (`latest`), so it must be
    // there, and positioned, before the first writes
    env.run(&["use", "engine-2"]).ok();
    env.run(&[
        "run",
        "echo",
        "chain",
        &format!("file:{}", output.display()),
    ])
    .ok();
    let ready = report_until(&env, "engine-2", Duration::from_secs(30), |r| {
        r["lag"].as_object().is_some_and(|l| l.contains_key("0"))
    });
    assert_eq!(ready["assigned"], serde_json::json!([0]), "{ready}");
    env.run(&["use", "engine-1"]).ok();
    env.run(&["run", "echo", &format!("file:{}", input.display()), "chain"])
        .ok();
    let deadline = Instant::now() + Duration::from_secs(60);
    let seen = loop {
        let text = std::fs::read_to_string(&output).unwrap_or_default();
        let seen: Vec<String> = text.lines().map(str::to_string).collect();
        if seen.len() >= inputs.len() || Instant::now() > deadline {
            break seen;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let counts = id_counts(&seen);
    let lost: Vec<usize> = (1..=inputs.len())
        .filter(|i| !counts.contains_key(&(*i as u64)))
        .collect();
    assert!(
        lost.is_empty(),
        "{} records lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );
    assert_eq!(seen.len(), inputs.len(), "duplicates");
    // an output writes to its partition, or (Spread) to every partition; not both
    let doc = serde_json::json!({"Transport": {"Type": "kafka", "BootstrapServers": [servers],
                                               "Topic": "chain", "Spread": "round-robin", "Partition": 1}});
    env.write("both.json", doc.to_string());
    env.run(&["stream", "add", "both", "both.json"]).ok();
    let refused = env.run(&["stream", "verify", "both", "1"]);
    assert!(
        format!("{}{}", refused.stdout, refused.stderr)
            .contains("writes to its Partition or spreads its records (Spread), not both"),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
}

#[test]
fn skip_to_record_works_in_a_group_and_without_and_a_missing_topic_is_waited_for() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("skip", 1, 1).unwrap();
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    produce(&servers, "skip", &records_with_ids(10));
    let ids = |env: &Env, want: usize| -> Vec<u64> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut got = Vec::new();
        while got.len() < want && Instant::now() < deadline {
            let out = env.run(&["model", "output", "-nowait"]).stdout;
            match serde_json::from_str::<serde_json::Value>(out.trim()) {
                Ok(v) if v["id"].is_u64() => got.push(v["id"].as_u64().unwrap_or(0)),
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        got
    };
    // record 5 (the sixth, offsets count from 0): in a new group, with and without a group
    for (name, group) in [("g9", Some("g9")), ("nogroup", None)] {
        let mut t = serde_json::json!({"Topic": "skip"});
        if let Some(g) = group {
            t["Group"] = g.into();
        }
        t["Type"] = "Kafka".into();
        t["BootstrapServers"] = serde_json::json!([servers]);
        let doc = serde_json::json!({"Transport": t, "Encoding": "json", "SkipToRecord": 5});
        env.write(&format!("{name}.json"), doc.to_string());
        env.run(&["stream", "add", name, &format!("{name}.json")])
            .ok();
        env.run(&["engine", "reset"]).ok();
        env.run(&["run", "echo", name, "rest:"]).ok();
        assert_eq!(ids(&env, 5), [6, 7, 8, 9, 10], "{name}");
    }
    // the group's committed offsets win over SkipToRecord: it goes on where it stopped
    env.run(&["engine", "reset"]).ok();
    produce(&servers, "skip", &[r#"{"id": 11}"#.to_string()]);
    env.run(&["run", "echo", "g9", "rest:"]).ok();
    assert_eq!(ids(&env, 1), [11]);
    // an input topic that does not exist yet is waited for, and said to be
    env.run(&["engine", "reset"]).ok();
    kafka_stream(
        &env,
        "later",
        &servers,
        serde_json::json!({"Topic": "later", "Group": "gl"}),
    );
    let run = env.run(&["run", "echo", "later", "rest:"]).ok();
    assert!(
        run.stderr
            .contains("waiting for the Kafka topic 'later' to exist at"),
        "{}",
        run.stderr
    );
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "RUNNING\n");
    let inspect = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(
        inspect.contains("waiting for the Kafka topic 'later' to exist at"),
        "{inspect}"
    );
    cluster.create_topic("later", 1, 1).unwrap();
    produce(&servers, "later", &records_with_ids(3));
    assert_eq!(ids(&env, 3), [1, 2, 3]);
    let inspect = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(
        !inspect.contains("waiting for the Kafka topic"),
        "{inspect}"
    );
    let history = env.run(&["pneumo", "history"]).ok().stdout;
    assert!(
        history.contains("the Kafka topic 'later' exists now: reading it"),
        "{history}"
    );
    env.run(&["engine", "reset"]).ok();
}

/// What engines 1 and 2 say of their Kafka reading, and their logs' lines about it.
fn diagnosis(env: &Env) -> String {
    support::kafka::diagnosis(env, &["engine-1", "engine-2"])
}

#[test]
fn a_member_whose_model_fails_leaves_its_partitions_to_the_others() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("in", 4, 1).unwrap();
    cluster.create_topic("out", 1, 1).unwrap();
    let servers = cluster.bootstrap_servers();
    let env = Env::new();
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.write(
        "fails.py3",
        "n = 0\ndef action(x):\n    global n\n    n += 1\n    if n == 5000:\n        raise ValueError('the 5000th record')\n    yield x\n",
    );
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    env.run(&["model", "add", "fails", "fails.py3"]).ok();
    group_streams(&env, &servers, "scorers");
    let inputs = records_with_ids(20_000);
    produce(&servers, "in", &inputs);
    let out = Collector::start(&servers, "out");
    run_in_group(&env, "engine-1", "echo");
    run_in_group(&env, "engine-2", "fails");
    let counts = all_out(&out, inputs.len(), Duration::from_secs(60));
    let lost = (1..=inputs.len() as u64)
        .filter(|i| !counts.contains_key(i))
        .count();
    assert_eq!(
        lost,
        0,
        "{lost} of {} records lost\n{}",
        inputs.len(),
        diagnosis(&env)
    );
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "ERROR\n");
    // reset, it joins again (the mock group takes two join rounds of 9 s)
    run_in_group(&env, "engine-2", "echo");
    let back = report_until(&env, "engine-2", Duration::from_secs(60), |r| {
        r["assigned"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert!(
        back["assigned"].as_array().is_some_and(|a| !a.is_empty()),
        "{back}"
    );
}

/// Engines 1 and 2 in group `scorers`, running the echo model (0.5 ms a record) from topic
/// `in` (4 partitions) to `out` (1); 20,000 records with ids on `in`, and a reader of `out`.
struct EchoPair {
    cluster: MockCluster<'static, rdkafka::producer::DefaultProducerContext>,
    servers: String,
    env: Env,
    inputs: Vec<String>,
    out: Collector,
}

impl EchoPair {
    fn start() -> EchoPair {
        let cluster = MockCluster::new(1).unwrap();
        cluster.create_topic("in", 4, 1).unwrap();
        cluster.create_topic("out", 1, 1).unwrap();
        let servers = cluster.bootstrap_servers();
        let env = Env::new();
        echo_in_group(&env, &servers, 0.0005);
        let inputs = records_with_ids(20_000);
        produce(&servers, "in", &inputs);
        let out = Collector::start(&servers, "out");
        run_in_group(&env, "engine-1", "echo");
        run_in_group(&env, "engine-2", "echo");
        EchoPair {
            cluster,
            servers,
            env,
            inputs,
            out,
        }
    }
}

#[test]
fn a_member_killed_and_restarted_costs_few_duplicates() {
    let EchoPair {
        cluster: _cluster,
        servers,
        env,
        inputs,
        out,
    } = EchoPair::start();
    out.until(Duration::from_secs(60), |s| s.len() >= 5_000);
    let before_kill = committed(&servers, "scorers", "in", 4);
    let reports_before = (
        kafka_report(&env, "engine-1"),
        kafka_report(&env, "engine-2"),
    );
    support::signal(env.engine_pid("engine-2"), SIGKILL);
    // its restart (a reset revives a dead engine) joins the group again
    run_in_group(&env, "engine-2", "echo");
    let counts = all_out(&out, inputs.len(), Duration::from_secs(120));
    let survivor = kafka_report(&env, "engine-1");
    let logs: String = diagnosis(&env)
        + &format!(
            "committed before the kill {before_kill:?}, then {:?}; reports before {reports_before:?}",
            committed(&servers, "scorers", "in", 4)
        );
    let lost = (1..=inputs.len() as u64)
        .filter(|i| !counts.contains_key(i))
        .count();
    assert_eq!(lost, 0, "{lost} of {} records lost\n{logs}", inputs.len());
    let duplicates: usize = counts.values().map(|n| n - 1).sum();
    eprintln!("{duplicates} duplicates of {} records", inputs.len());
    assert!(
        duplicates * 50 <= inputs.len(),
        "{duplicates} duplicates of {} records (at most 2%); engine-1: {survivor}\n{logs}",
        inputs.len()
    );
}

#[test]
fn a_paused_member_leaves_its_partitions_to_the_others_and_rejoins_when_unpaused() {
    let EchoPair {
        cluster: _cluster,
        servers: _servers,
        env,
        inputs,
        out,
    } = EchoPair::start();
    out.until(Duration::from_secs(60), |s| s.len() >= 2_000);
    env.run(&["use", "engine-2"]).ok();
    env.run(&["engine", "pause"]).ok();
    // engine-1 takes all four partitions, and every record comes out
    let all = report_until(&env, "engine-1", Duration::from_secs(30), |r| {
        r["assigned"].as_array().is_some_and(|a| a.len() == 4)
    });
    assert_eq!(all["assigned"], serde_json::json!([0, 1, 2, 3]), "{all}");
    let counts = all_out(&out, inputs.len(), Duration::from_secs(60));
    let lost = (1..=inputs.len() as u64)
        .filter(|i| !counts.contains_key(i))
        .count();
    assert_eq!(lost, 0, "{lost} of {} records lost", inputs.len());
    // unpaused, it takes its share again (the mock group takes two join rounds of 9 s)
    env.run(&["engine", "unpause"]).ok();
    let back = report_until(&env, "engine-2", Duration::from_secs(60), |r| {
        r["assigned"].as_array().is_some_and(|a| !a.is_empty())
    });
    let history = env.run(&["pneumo", "history"]).ok().stdout;
    assert!(
        back["assigned"].as_array().is_some_and(|a| !a.is_empty()),
        "{back}\n{history}"
    );
    assert!(
        history.contains("leaving the Kafka group to its other members"),
        "{history}"
    );
}

#[test]
fn a_broker_outage_mid_stream_is_shown_and_loses_nothing() {
    let EchoPair {
        cluster,
        servers,
        env,
        inputs,
        out,
    } = EchoPair::start();
    out.until(Duration::from_secs(60), |s| s.len() >= 3_000);
    let down_at = Instant::now();
    cluster.broker_down(1).unwrap();
    let during = report_until(&env, "engine-1", Duration::from_secs(9), |r| {
        r["outage"].is_object()
    });
    let state_during = env.run(&["engine", "inspect"]).ok().stdout;
    std::thread::sleep(Duration::from_secs(10).saturating_sub(down_at.elapsed()));
    cluster.broker_up(1).unwrap();
    assert!(
        during["outage"]["why"].is_string(),
        "{during}\n{}",
        diagnosis(&env)
    );
    // (engine-2 is the engine in use)
    assert_eq!(state_during, "RUNNING\n");
    // (the test's own consumer is slow to come back after an outage: a new one reads
    // the output afresh)
    drop(out);
    let out = Collector::start(&servers, "out");
    let counts = all_out(&out, inputs.len(), Duration::from_secs(60));
    let lost = (1..=inputs.len() as u64)
        .filter(|i| !counts.contains_key(i))
        .count();
    assert_eq!(
        lost,
        0,
        "{lost} of {} records lost\n{}",
        inputs.len(),
        diagnosis(&env)
    );
    let after = report_until(&env, "engine-1", Duration::from_secs(10), |r| {
        r["outage"].is_null()
    });
    assert!(after["outage"].is_null(), "{after}");
    assert!(after["outages"].as_u64() >= Some(1), "{after}");
    let verbose = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(
        verbose.contains("Kafka brokers answer again after"),
        "{verbose}"
    );
    let history = env.run(&["pneumo", "history"]).ok().stdout;
    assert!(
        history.contains("no Kafka broker can be reached")
            && history.contains("the Kafka brokers answer again after"),
        "{history}"
    );
    for engine in ["engine-1", "engine-2"] {
        env.run(&["use", engine]).ok();
        assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "RUNNING\n");
    }
}

/// Two engine hosts that reach a mock cluster (of one broker) over links of their own, for
/// engines 1 and 2 (one on each host) running the echo model in one group from topic `in`
/// (4 partitions, `n` records with ids) to `out`. (The test holds the cluster: it outlives
/// the hosts, which outlive the engines.)
struct Hosted {
    env: Env,
    hosts: [Host; 2],
    servers: String,
}

impl Hosted {
    fn new<C: rdkafka::ClientContext>(cluster: &MockCluster<'_, C>, n: usize) -> Hosted {
        cluster.create_topic("in", 4, 1).unwrap();
        cluster.create_topic("out", 1, 1).unwrap();
        let servers = cluster.bootstrap_servers();
        let hosts = [0, 1].map(|_| Host::new(&support::netns::ports(&servers)));
        let env = Env::new();
        echo_in_group(&env, &servers, 0.0005);
        produce(&servers, "in", &records_with_ids(n));
        Hosted {
            env,
            hosts,
            servers,
        }
    }

    /// Engine `n` (1 or 2), on its host: `f` of the test's `Env` and the engine's name.
    fn on<T: Send>(&self, n: usize, f: impl FnOnce(&Env, &str) -> T + Send) -> T {
        let name = format!("engine-{n}");
        self.hosts[n - 1].within(|| f(&self.env, &name))
    }

    /// Run both engines, and wait until each reads its share.
    fn run_both(&self) {
        for n in [1, 2] {
            self.on(n, |env, e| run_in_group(env, e, "echo"));
        }
        for n in [1, 2] {
            let report =
                self.report_until(n, Duration::from_secs(60), |r| r["read"].as_u64() > Some(0));
            assert!(report["read"].as_u64() > Some(0), "engine-{n}: {report}");
        }
    }

    /// Engine `n`'s Kafka report now.
    fn report(&self, n: usize) -> serde_json::Value {
        self.on(n, kafka_report)
    }

    /// Engine `n`'s Kafka report once `done` holds of it (at most `limit`).
    fn report_until(
        &self,
        n: usize,
        limit: Duration,
        done: impl Fn(&serde_json::Value) -> bool + Send,
    ) -> serde_json::Value {
        self.on(n, |env, e| report_until(env, e, limit, done))
    }

    /// The engine's one-line answer to `engine inspect` (`-v`: and what it says of its
    /// Kafka input).
    fn inspect(&self, n: usize, verbose: bool) -> String {
        let args: &[&str] = if verbose {
            &["engine", "inspect", "-v"]
        } else {
            &["engine", "inspect"]
        };
        self.on(n, |env, e| {
            env.run(&["use", e]).ok();
            env.run(args).ok().stdout
        })
    }

    /// Every input's output comes (at most 60 s), none lost.
    fn all_out(&self, out: &Collector, n: usize) {
        let counts = all_out(out, n, Duration::from_secs(60));
        let lost = (1..=n as u64).filter(|i| !counts.contains_key(i)).count();
        assert_eq!(lost, 0, "{lost} of {n} records lost\n{}", self.diagnosis());
    }

    /// What engines 1 and 2 say of their Kafka reading, and their logs.
    fn diagnosis(&self) -> String {
        (1..=2)
            .map(|n| {
                self.on(n, |env, e| {
                    let log = env.store().join(format!("engines/{e}/engine.log"));
                    let log = std::fs::read_to_string(log).unwrap_or_default();
                    format!("{log}{e}: {}\n", kafka_report(env, e))
                })
            })
            .collect()
    }
}

/// The sum of the offsets a Kafka report says were committed.
fn committed_sum(report: &serde_json::Value) -> i64 {
    let offsets = report["committed"].as_object().into_iter().flatten();
    offsets.filter_map(|(_, o)| o.as_i64()).sum()
}

#[test]
fn a_broker_unreachable_from_an_engine_host_at_start_is_one_clear_error() {
    let cluster = MockCluster::new(1).unwrap();
    let hosted = Hosted::new(&cluster, 10);
    // the host's cable is out: what it sends finds no one (no refusal comes back)
    hosted.hosts[0].link(false);
    let run = hosted.on(1, |env, _| env.run(&["run", "echo", "kin", "kout"]));
    let port = support::netns::ports(&hosted.servers)[0];
    let expected = format!(
        "Error: Unable to attach stream: cannot start the model: slot 1: cannot reach Kafka at 127.0.0.1:{port} within 10 s: "
    );
    assert!(
        run.stderr.starts_with(&expected) && run.stderr.lines().count() == 1,
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(hosted.inspect(1, false), "INIT\n");
}

#[test]
fn an_engine_host_cut_off_for_15_s_gives_up_its_partitions_resumes_and_loses_nothing() {
    let cluster = MockCluster::new(1).unwrap();
    let hosted = Hosted::new(&cluster, 20_000);
    let out = Collector::start(&hosted.servers, "out");
    hosted.run_both();
    let engine2_before = committed_sum(&hosted.report(2));
    let cut_at = Instant::now();
    hosted.hosts[0].link(false);
    let until_back = |limit: u64| Duration::from_secs(limit).saturating_sub(cut_at.elapsed());
    // engine-1 notices: its produced records go unacknowledged
    let noticed = hosted.report_until(1, until_back(14), |r| r["outage"].is_object());
    let verbose = hosted.inspect(1, true);
    // its session over (10 s), it gives up its partitions: they are the group's again.
    // (The mock broker then waits 9 s for members to join again before it assigns them, so
    // within 15 s engine-2 gets none of them: engine-1 takes its share again when back. A
    // Kafka broker assigns as soon as the members it knows joined.)
    let gave_up = hosted.report_until(1, until_back(15), |r| {
        r["assigned"] == serde_json::json!([])
    });
    let engine2_during = hosted.report(2);
    std::thread::sleep(until_back(15));
    hosted.hosts[0].link(true);
    assert!(
        noticed["outage"]["why"].is_string(),
        "{noticed}\n{}",
        hosted.diagnosis()
    );
    assert!(
        verbose.contains("no Kafka broker reached since"),
        "{verbose}"
    );
    assert_eq!(
        gave_up["assigned"],
        serde_json::json!([]),
        "{gave_up}\n{}",
        hosted.diagnosis()
    );
    assert!(gave_up["handed_over"].as_u64() > Some(0), "{gave_up}");
    // engine-2 went on meanwhile
    assert!(
        committed_sum(&engine2_during) > engine2_before,
        "{engine2_during}"
    );
    hosted.all_out(&out, 20_000);
    // engine-1 is back: the outage over, partitions of its own again
    let back = hosted.report_until(1, Duration::from_secs(30), |r| {
        r["outage"].is_null() && r["assigned"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert!(back["outage"].is_null(), "{back}");
    assert!(
        back["assigned"].as_array().is_some_and(|a| !a.is_empty()),
        "{back}\n{}",
        hosted.diagnosis()
    );
    let verbose = hosted.inspect(1, true);
    assert!(
        verbose.contains("broker outages 1, the last: the Kafka brokers answer again after"),
        "{verbose}"
    );
    // its log and Pneumo told the outage and what became of its partitions
    let history = hosted.on(1, |env, _| env.run(&["pneumo", "history"]).ok().stdout);
    for told in [
        "no Kafka broker can be reached",
        "the Kafka group went on without this member (it was not heard from in time): partitions",
        "the Kafka brokers answer again after",
    ] {
        assert!(history.contains(told), "{told}:\n{history}");
    }
    for n in [1, 2] {
        assert_eq!(hosted.inspect(n, false), "RUNNING\n");
    }
}

#[test]
fn an_engine_host_whose_link_loses_a_fifth_of_its_packets_loses_nothing() {
    let cluster = MockCluster::new(1).unwrap();
    let hosted = Hosted::new(&cluster, 20_000);
    let out = Collector::start(&hosted.servers, "out");
    hosted.run_both();
    let engine1_before = committed_sum(&hosted.report(1));
    hosted.hosts[0].lossy(20);
    std::thread::sleep(Duration::from_secs(10));
    let lost_packets = hosted.hosts[0].lost();
    let engine1_after = committed_sum(&hosted.report(1));
    hosted.hosts[0].clear();
    // the link really lost packets, and engine-1 scored on meanwhile
    assert!(lost_packets > 0, "the lossy link dropped nothing");
    assert!(
        engine1_after > engine1_before,
        "engine-1 committed nothing while its link was lossy\n{}",
        hosted.diagnosis()
    );
    hosted.all_out(&out, 20_000);
    for n in [1, 2] {
        assert_eq!(hosted.inspect(n, false), "RUNNING\n");
    }
}
