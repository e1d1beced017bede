//! Sensors (spec/engine.md §9.5) and the commands on them (spec/cli.md §9.15–9.20): the
//! engine's REST calls, schedules, filters and aggregates on known readings, rejections,
//! stream counts, and the live commands, `monitor` on a pseudo-terminal among them.

mod support;
use serde_json::{json, Value};
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::{EngineApi, Env};

const ECHO: &str = "def action(x):\n    yield x\n";
/// Ints in, ints out.
const TYPED: &str =
    "# fastscore.schema.0: int\n# fastscore.schema.1: int\ndef action(x):\n    yield x\n";

fn running(env: &Env, source: &str, input: &str, output: &str) -> EngineApi {
    env.write("int.avsc", "\"int\"");
    env.run(&["schema", "add", "int", "int.avsc"]).ok();
    env.write("m.py3", source);
    env.run(&["model", "add", "m", "m.py3"]).ok();
    env.run(&["run", "m", input, output]).ok();
    env.run(&["use", "engine-1"]).ok();
    env.engine_api("engine-1")
}

/// The engine's Pneumo messages after `since` until `enough` says so (or 20 s).
fn messages(api: &EngineApi, since: u64, enough: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut all = Vec::new();
    let mut next = since;
    while !enough(&all) && Instant::now() < deadline {
        let doc = api.get_json(&format!("/1/pneumo?since={next}&wait=500"));
        all.extend(doc["messages"].as_array().unwrap().iter().cloned());
        next = doc["next"].as_u64().unwrap();
    }
    all
}

/// `…T19:06:19.649123Z` → seconds since midnight.
fn seconds_of_day(stamp: &str) -> f64 {
    let time = stamp.split('T').nth(1).unwrap();
    let time = time.split(['Z', '+']).next().unwrap();
    let parts: Vec<f64> = time.split(':').map(|p| p.parse().unwrap()).collect();
    parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]
}

fn cursor(api: &EngineApi) -> u64 {
    api.get_json("/1/pneumo")["next"].as_u64().unwrap()
}

fn reports(all: &[Value], id: u64) -> Vec<Value> {
    all.iter()
        .filter(|m| m["type"] == "sensor-report" && m["id"] == id)
        .cloned()
        .collect()
}

fn install(api: &EngineApi, descriptor: Value) -> u64 {
    let (status, body) = api.call(
        "POST",
        "/2/active/sensor",
        descriptor.to_string().as_bytes(),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice::<Value>(&body).unwrap()["id"]
        .as_u64()
        .unwrap()
}

#[test]
fn engines_come_with_eight_sensors_and_install_list_and_remove_more() {
    let env = Env::new();
    let api = running(&env, ECHO, "rest:", "rest:");
    let list = api.get_json("/2/active/sensor");
    let taps: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["tap"].as_str().unwrap())
        .collect();
    assert_eq!(
        taps,
        [
            "manifold.1.records.size",
            "manifold.0.records.size",
            "manifold.1.records.rejected.by.encoding",
            "manifold.0.records.rejected.by.encoding",
            "manifold.1.records.count",
            "manifold.0.records.count",
            "manifold.1.records.rejected.by.schema",
            "manifold.0.records.rejected.by.schema",
        ]
    );
    assert_eq!(list[0]["id"], 1);
    assert_eq!(list[7]["id"], 8);
    let points = api.get_json("/2/active/sensor/points");
    let points: Vec<&str> = points
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let jet = &api.get_json("/2/active/model")["jets"][0]["sandbox"];
    for p in [
        "sys.memory".to_string(),
        "sys.cpu.utilization".into(),
        "manifold.debug".into(),
        "manifold.0.profile".into(),
        "manifold.1.records.count".into(),
        format!("jet.{}.input.records.count", jet.as_str().unwrap()),
    ] {
        assert!(points.contains(&p.as_str()), "{p} not in {points:?}");
    }
    // through the CLI: a stored descriptor installed on the target, inspected, removed
    env.write("mem.json", r#"{"Tap": "sys.memory", "Activate": "permanent", "Aggregate": "sum", "Report": {"Interval": 1.0}}"#);
    env.run(&["sensor", "add", "mem", "mem.json"]).ok();
    assert_eq!(env.run(&["sensor", "install", "mem"]).ok().stdout, "9\n");
    assert_eq!(
        env.run(&["sensor", "inspect", "9"]).ok().stdout,
        "Sensor id 9 is attached to 'sys.memory' at 'engine-1'.\n"
    );
    let table = env.run(&["sensor", "inspect"]).ok().stdout;
    assert!(table.starts_with("  Id  Tap\n----  ----"), "{table}");
    assert!(table.contains("\n   9  sys.memory\n"), "{table}");
    assert_eq!(
        env.run(&["sensor", "uninstall", "9", "-v"]).ok().stdout,
        "Sensor uninstalled\n"
    );
    assert_eq!(
        env.run(&["sensor", "uninstall", "9"]).expect(1).stderr,
        "Error: Sensor id 9 not found\n"
    );
    assert_eq!(
        env.run(&["sensor", "inspect", "x"]).expect(1).stderr,
        "Error: Invalid sensor id 'x'\n"
    );
    let verbose = env.run(&["sensor", "points", "-v"]).ok().stdout;
    assert!(
        verbose.starts_with("Sensor tapping points at 'engine-1':\n  "),
        "{verbose}"
    );
    // bad descriptors get one clear line each
    for (descriptor, why) in [
        (
            json!({"Tap": "no.such.tap"}),
            "no tapping point 'no.such.tap'",
        ),
        (
            json!({"Tap": "sys.memory", "Filter": {"Type": "~"}}),
            "Filter.Type",
        ),
        (
            json!({"Tap": "sys.memory", "Activate": {"Type": "regular"}}),
            "Interval",
        ),
        (
            json!({"Tap": "sys.memory", "Sink": {"Transport": {"Type": "kafka", "Topic": "t"}}}),
            "Sink",
        ),
    ] {
        let (status, body) = api.call(
            "POST",
            "/2/active/sensor",
            descriptor.to_string().as_bytes(),
            &[],
        );
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 400, "{body}");
        assert!(
            body.starts_with("sensor install error: ") && body.contains(why),
            "{body}"
        );
    }
    assert_eq!(api.call("DELETE", "/2/active/sensor/99", b"", &[]).0, 404);
    // the older calls
    assert_eq!(
        api.get_json("/1/control/sensor/1"),
        json!({"id": 1, "tap": "manifold.1.records.size", "permanent": true})
    );
    assert_eq!(api.get_json("/1/control/sensor")[0]["active"], true);
}

#[test]
fn schedules_filters_and_aggregates_give_the_expected_readings() {
    let env = Env::new();
    let api = running(&env, ECHO, "rest:", "rest:");
    let since = cursor(&api);
    // sys.test.int reads 1, 2, 3, … at each activation; ten activations a second
    let every = |filter: Value, aggregate: Value| {
        json!({"Tap": "sys.test.int", "Activate": {"Type": "regular", "Interval": 0.1},
               "Filter": filter, "Aggregate": aggregate, "Report": {"Interval": 1.0}})
    };
    let range = json!({"Type": "within-range", "MinValue": 3, "MaxValue": 5});
    let listed = install(&api, every(range.clone(), json!("accumulate")));
    let summed = install(&api, every(range.clone(), json!("sum")));
    let counted = install(&api, every(range, json!("count")));
    let above = install(
        &api,
        every(json!({"Type": ">", "Threshold": "1K"}), json!("count")),
    );
    let capped = install(
        &api,
        every(Value::Null, json!({"Type": "accumulate", "SampleSize": 2})),
    );
    // sys.test.bytes reads n KiB: 1024 passes ">= 1K"; with MaxReads 1, one reading per
    // activation of two seconds
    let once = install(
        &api,
        json!({"Tap": "sys.test.bytes", "Activate": {"Type": "regular", "Interval": 2.0, "MaxReads": 1},
               "Filter": {"Type": ">=", "Threshold": "1K"}, "Aggregate": null, "Report": {"Interval": 0.5}}),
    );
    // random activations, 20 a second on average
    let random = install(
        &api,
        json!({"Tap": "sys.test.float", "Activate": {"Type": "random", "Intensity": 20},
               "Aggregate": "count", "Report": {"Interval": 1.0}}),
    );
    let all = messages(&api, since, |all| {
        reports(all, capped).len() >= 3
            && reports(all, once).len() >= 2
            && reports(all, random).len() >= 3
    });
    assert_eq!(reports(&all, listed)[0]["data"], json!([3, 4, 5]));
    assert_eq!(
        reports(&all, listed).len(),
        1,
        "nothing passes after the first second"
    );
    assert_eq!(reports(&all, summed)[0]["data"], 12);
    assert_eq!(reports(&all, counted)[0]["data"], 3);
    assert!(
        reports(&all, above).is_empty(),
        "int readings never exceed 1024"
    );
    let capped_reports = reports(&all, capped);
    assert_eq!(capped_reports[0]["data"], json!([1, 2]));
    // a report a second, within tolerance, saying how long since the previous one
    for r in &capped_reports[1..3] {
        let dt = r["delta_time"].as_f64().unwrap();
        assert!((0.8..1.5).contains(&dt), "delta_time {dt}");
        assert_eq!(r["data"].as_array().unwrap().len(), 2);
        assert_eq!(r["tap"], "sys.test.int");
        assert_eq!(r["src"], "engine-1");
    }
    for r in &reports(&all, random)[1..3] {
        let n = r["data"].as_u64().unwrap();
        assert!((5..=60).contains(&n), "{n} random activations in a second");
    }
    let once_reports = reports(&all, once);
    assert_eq!(once_reports[0]["data"], 1024);
    assert_eq!(once_reports[1]["data"], 2048);
    let t = |r: &Value| seconds_of_day(r["timestamp"].as_str().unwrap());
    let apart = t(&once_reports[1]) - t(&once_reports[0]);
    // activations 2 s apart, each reported at the next of the 0.5 s report times
    assert!((1.3..2.8).contains(&apart), "activations {apart} s apart");
}

#[test]
fn rejections_and_counts_are_reported_and_stats_streams_counts_them() {
    let env = Env::new();
    let api = running(&env, TYPED, "rest:", "rest:");
    let since = cursor(&api);
    let records: String = (1..=3000).map(|n| format!("{n}\n")).collect();
    env.run_with_input(
        &["model", "input"],
        &format!("{records}\"text\"\nnot json\n"),
    )
    .expect(1);
    // the default sensors: counts of slot 0 (id 6) and slot 1 (id 5), rejections of slot 0
    let all = messages(&api, since, |all| {
        let sum = |id| {
            reports(all, id)
                .iter()
                .map(|r| r["data"].as_u64().unwrap_or(0))
                .sum::<u64>()
        };
        sum(6) == 3000
            && sum(5) == 3000
            && !reports(all, 8).is_empty()
            && !reports(all, 4).is_empty()
    });
    let sum = |id| {
        reports(&all, id)
            .iter()
            .map(|r| r["data"].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    assert_eq!(sum(6), 3000, "records in");
    assert_eq!(sum(5), 3000, "records out");
    assert!(sum(2) > 3000, "bytes in");
    assert_eq!(reports(&all, 8)[0]["data"], json!(["\"text\""]));
    assert_eq!(reports(&all, 4)[0]["data"], json!(["not json"]));
    // an idle engine goes quiet: after a report of zero, nothing
    let quiet_since = cursor(&api);
    std::thread::sleep(Duration::from_millis(3500));
    let later = messages(&api, quiet_since, |_| true);
    assert!(reports(&later, 6).len() <= 1, "{later:?}");
    // stats streams: a line every two seconds with the rate of each slot, until Ctrl-C
    let log = env.work().join("stats.log");
    let mut stats = env
        .command(&["stats", "streams"])
        .stdout(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    // a burst of 3,000 records shows as 3000.0 rps on each slot; when the burst falls into
    // two report periods, as the sum of the two lines (the printer shows each period's
    // report once, unless two fall into one of its 2 s lines: then the burst is sent again)
    let slot_sum = |line: &str, slot: &str| -> f64 {
        line.split(['|', ' '])
            .filter_map(|f| f.strip_prefix(&format!("{slot}:")))
            .filter_map(|v| v.parse::<f64>().ok())
            .sum()
    };
    wait_for(&log, |t| t.lines().count() >= 1);
    let mut matched = None;
    for _attempt in 0..2 {
        let before = std::fs::read_to_string(&log).unwrap().lines().count();
        env.run_with_input(&["model", "input"], &records).ok();
        // the burst's reports, and a quiet line after them
        let text = wait_for(&log, |t| {
            let new: Vec<&str> = t.lines().skip(before).collect();
            new.len() >= 3 && new.last().is_some_and(|l| slot_sum(l, "0") == 0.0)
        });
        let new: Vec<&str> = text.lines().skip(before).collect();
        let sums = (
            new.iter().map(|l| slot_sum(l, "0")).sum::<f64>(),
            new.iter().map(|l| slot_sum(l, "1")).sum::<f64>(),
        );
        if sums == (3000.0, 3000.0) {
            matched = Some(text);
            break;
        }
    }
    support::signal(stats.id() as i32, support::SIGINT);
    assert!(stats.wait().unwrap().success());
    let text = matched.unwrap_or_else(|| {
        panic!(
            "the rates printed never added up to the 3000 records sent:\n{}",
            std::fs::read_to_string(&log).unwrap()
        )
    });
    assert!(text.starts_with("engine-1: 0:"), "{text}");
    assert!(
        text.lines()
            .any(|l| slot_sum(l, "0") > 0.0 && l.contains(" rps | 1:")),
        "{text}"
    );
    assert!(
        text.contains("0:---") || text.contains("0:0.0 rps"),
        "{text}"
    );
    // its sensor is gone
    assert_eq!(
        api.get_json("/2/active/sensor").as_array().unwrap().len(),
        8
    );
}

fn wait_for(log: &std::path::Path, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if done(&text) || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A stream that never ends: the same file again and again.
fn looping(env: &Env) -> String {
    let data = env.write(
        "in.jsons",
        (1..=1000).map(|n| format!("{n}\n")).collect::<String>(),
    );
    let doc =
        json!({"Transport": {"Type": "file", "Path": data}, "Loop": true, "Encoding": "json"});
    env.write("loop.json", doc.to_string());
    env.run(&["stream", "add", "loop", "loop.json"]).ok();
    "loop".into()
}

#[test]
fn live_commands_print_what_the_sensors_report_and_clean_up() {
    let env = Env::new();
    let input = looping(&env);
    let api = running(&env, ECHO, &input, "discard:");
    let live = |args: &[&str], done: &dyn Fn(&str) -> bool| -> String {
        let log = env.work().join(format!("{}.log", args.join("-")));
        let mut child = env
            .command(args)
            .stdout(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let text = wait_for(&log, done);
        support::signal(child.id() as i32, support::SIGINT);
        assert!(child.wait().unwrap().success(), "{args:?}");
        text
    };
    let memory = live(&["stats", "memory"], &|t| t.lines().count() >= 2);
    let first = memory.lines().next().unwrap();
    assert!(
        first.starts_with("engine-1: ") && first.ends_with("mb"),
        "{memory}"
    );
    let mb: f64 = first["engine-1: ".len()..first.len() - 2].parse().unwrap();
    assert!(mb > 5.0, "{memory}");
    let cpu = live(&["stats", "cpu-utilization"], &|t| !t.is_empty());
    assert!(
        cpu.starts_with("engine-1: kernel: ") && cpu.contains(" user: "),
        "{cpu}"
    );
    let jets = live(&["stats", "jets"], &|t| t.lines().count() >= 2);
    assert!(jets.lines().nth(1).unwrap().contains(" rps/"), "{jets}");
    let debug = live(&["debug", "stream", "0"], &|t| {
        t.contains("goes to the jets")
    });
    assert!(
        debug
            .lines()
            .next()
            .unwrap()
            .contains(": a batch of 1000 records ("),
        "{debug}"
    );
    let manifold = live(&["debug", "manifold"], &|t| t.contains("[1] "));
    assert!(manifold.contains(" records go to the stream"), "{manifold}");
    // profile stream: one second of the slot's work, then it ends by itself
    let profile = env.run(&["profile", "stream", "0"]).ok().stdout;
    assert!(profile.starts_with("Operation"), "{profile}");
    assert!(
        profile.contains("Unwrap envelope") && profile.contains("Validate input records"),
        "{profile}"
    );
    let doc: Value =
        serde_json::from_str(&env.run(&["profile", "stream", "1", "-json"]).ok().stdout).unwrap();
    assert!(doc["wrap_envelope_n"].as_u64().unwrap() > 0, "{doc}");
    // every command took its sensors away
    assert_eq!(
        api.get_json("/2/active/sensor").as_array().unwrap().len(),
        8
    );
    // -m: the command, then the monitor
    let after = live(&["engine", "inspect", "-m"], &|t| t.contains("Jet "));
    assert!(
        after.starts_with("RUNNING\n=====") && after.contains("Engine: engine-1"),
        "{after}"
    );
    // piped, monitor prints plain lines: the screen, then each line that changes
    let plain = live(&["monitor"], &|t| {
        t.contains(" rps") && t.contains("mbps") && t.contains(" mb\n") && t.contains("%\n")
    });
    assert!(plain.starts_with(&"=".repeat(50)), "{plain}");
    assert!(
        plain.contains("Engine: engine-1 [RUNNING]") && plain.contains("Model:  m (python3)"),
        "{plain}"
    );
    assert!(!plain.contains('\x1b'), "{plain}");
    // beyond the original's screen: memory, CPU and rejections
    assert!(plain.contains("Rejected I:0 sch/enc"), "{plain}");
    assert!(
        plain
            .lines()
            .any(|l| l.starts_with("Memory ") && l.contains(" mb")),
        "{plain}"
    );
    assert!(
        plain
            .lines()
            .any(|l| l.starts_with("CPU kernel/user") && l.ends_with('%')),
        "{plain}"
    );
    // on a terminal it redraws in place (`script` gives it one; it stops itself)
    let base = env.command(&["monitor"]);
    let command = format!(
        "timeout -s INT 5 {} monitor",
        base.get_program().to_string_lossy()
    );
    let mut script = std::process::Command::new("script");
    script.args(["-qfc", &command, "/dev/null"]);
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    if let Some(dir) = base.get_current_dir() {
        script.current_dir(dir);
    }
    let run = support::finish_within(script.env_remove("NO_COLOR"), Duration::from_secs(30));
    let screen = run.stdout;
    assert!(
        screen.contains("\x1b[1000DEngine: engine-1\x1b[92m [RUNNING]\x1b[0m"),
        "{screen:?}"
    );
    assert!(
        screen.contains("\x1b[1A") && screen.contains("\x1b[1000D"),
        "{screen:?}"
    );
    let wait = Instant::now() + Duration::from_secs(10);
    while api.get_json("/2/active/sensor").as_array().unwrap().len() != 8 && Instant::now() < wait {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        api.get_json("/2/active/sensor").as_array().unwrap().len(),
        8
    );
}

#[test]
fn model_interact_shows_outputs_and_rejections() {
    let env = Env::new();
    let api = running(&env, TYPED, "rest:", "rest:");
    let mut child = env
        .command(&["model", "interact"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "5").unwrap();
    writeln!(stdin, "\"five\"").unwrap();
    // rejections are reported every second: an empty line looks again
    std::thread::sleep(Duration::from_millis(1500));
    writeln!(stdin).unwrap();
    drop(stdin);
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
        text
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("model interact did not end at the end of its input");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(child.wait().unwrap().success());
    let text = reader.join().unwrap();
    // outputs are read without waiting, as the original does: this one comes at once or
    // after the next line
    assert!(text.starts_with("> ") && text.contains("> 5\n"), "{text:?}");
    assert!(
        text.contains("REJECTED-By-Schema:0: \"five\"\n"),
        "{text:?}"
    );
    assert!(text.ends_with("> \n"), "{text:?}");
    assert_eq!(
        api.get_json("/2/active/sensor").as_array().unwrap().len(),
        8
    );
}
