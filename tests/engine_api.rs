//! The engine calls of spec/rest-api.md §6 added last — `GET /1/job/status`, `DELETE /1/job`,
//! `POST /1/job/sample/cpu`, `GET /1/debug/output`, `POST /1/stream/rate`, `PUT /1/file/<name>`
//! — as a client sees them; `fastscore engine put` on the embedded fleet and through `fleet
//! serve`; and `policy set -preinstall`, which installs a policy's libraries at once.

mod support;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::{EngineApi, Env, FleetServer};

fn add_model(env: &Env, name: &str, source: &str) {
    env.write(&format!("{name}.py3"), source);
    env.run(&["model", "add", name, &format!("{name}.py3")])
        .ok();
}

const CUBE: &str = "def action(x):\n    yield x * x * x\n";

/// Wait for the engine to reach `wanted` (lower case).
fn wait_for(api: &EngineApi, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let doc = api.get_json("/2/engine/state");
        if doc["state"] == wanted {
            return;
        }
        assert!(Instant::now() < deadline, "never {wanted}: {doc}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|e| panic!("{e}: {}", text(body)))
}

#[test]
fn job_status_tells_the_model_slots_streams_jets_and_state_and_delete_job_stops_it() {
    let env = Env::new();
    env.run(&["engine", "inspect"]).ok();
    let api = env.engine_api("engine-1");
    assert_eq!(
        api.get_json("/1/job/status"),
        json!({"model": null, "slots": [], "jets": [], "snapshots": "none", "state": "init"})
    );
    add_model(&env, "cube", CUBE);
    env.run(&["run", "cube", "rest:", "rest:"]).ok();
    let status = api.get_json("/1/job/status");
    assert_eq!(
        status["model"],
        json!({"name": "cube", "type": "python3", "source": CUBE, "attachments": []})
    );
    assert_eq!(status["state"], "running");
    assert_eq!(status["snapshots"], "none");
    let slots = status["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 2, "{status}");
    assert_eq!(slots[0]["slot"], 0);
    assert_eq!(slots[0]["action"], true);
    assert_eq!(slots[0]["recordsets"], false);
    assert_eq!(slots[0]["stream"]["eof"], false);
    let attached = api.get_json("/2/active/stream");
    assert_eq!(slots[0]["stream"]["descriptor"], attached[0]["descriptor"]);
    assert_eq!(slots[1]["stream"]["descriptor"], attached[1]["descriptor"]);
    assert!(attached[0]["descriptor"].is_object(), "{attached}");
    assert_eq!(slots[1]["slot"], 1);
    assert_eq!(slots[1]["action"], false);
    let jets = status["jets"].as_array().unwrap();
    assert_eq!(jets.len(), 1);
    assert_eq!(jets[0]["pid"], api.jet_pids()[0]);
    assert_eq!(jets[0]["busy"], false);

    // `return=` picks fields; a field it does not know is one clear error
    assert_eq!(
        api.get_json("/1/job/status?return=state,jets")
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["jets", "state"]
    );
    let (status, body) = api.call("GET", "/1/job/status?return=state,slotz", b"", &[]);
    assert_eq!(
        (status, text(&body)),
        (
            400,
            "unknown field 'slotz' in return= (it takes model, slots, jets, snapshots, state)"
                .to_string()
        )
    );

    let (status, body) = api.call("DELETE", "/1/job", b"", &[]);
    assert_eq!((status, text(&body)), (204, String::new()));
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "INIT\n");
    let (status, _) = api.call("GET", "/2/active/model", b"", &[]);
    assert_eq!(status, 404);
}

#[test]
fn a_cpu_sample_counts_the_records_and_time_of_its_window() {
    let env = Env::new();
    add_model(&env, "cube", CUBE);
    env.run(&["run", "cube", "rest:", "rest:"]).ok();
    let api = env.engine_api("engine-1");
    let (status, body) = api.call("POST", "/1/job/sample/cpu?duration=0", b"", &[]);
    assert_eq!(
        (status, text(&body)),
        (
            403,
            "Invalid parameter: duration must be a whole number of seconds from 1 to 60, not '0'"
                .to_string()
        )
    );
    // records sent while the sample runs are what it counts
    let sampler = {
        let api = env.engine_api("engine-1");
        std::thread::spawn(move || api.call("POST", "/1/job/sample/cpu?duration=10", b"", &[]))
    };
    // (a second for the sample to begin; the 50 posts then have nine more, plenty however
    // busy the machine)
    std::thread::sleep(Duration::from_millis(1000));
    for i in 0..50 {
        let (status, body) = api.call("POST", "/1/job/input/0", i.to_string().as_bytes(), &[]);
        assert_eq!(status, 204, "{}", text(&body));
    }
    let (status, body) = sampler.join().unwrap();
    assert_eq!(status, 200, "{}", text(&body));
    let usage = json_of(&body);
    assert!(usage["duration"].as_f64().unwrap() >= 10.0, "{usage}");
    assert_eq!(usage["input_records"], 50, "{usage}");
    // the bytes of "0" … "49"
    assert_eq!(usage["input_bytes"], 90, "{usage}");
    for key in ["user_time", "kernel_time"] {
        assert!(usage[key].as_f64().is_some_and(|t| t >= 0.0), "{usage}");
    }
    let ops = usage["op_times"].as_array().unwrap();
    assert_eq!(ops.len(), 2, "{usage}");
    assert_eq!(ops[0]["slot"], 0);
    // every record was decoded and checked while the sample timed them
    assert_eq!(ops[0]["decode_input_record_n"], 50, "{usage}");
    assert_eq!(ops[0]["type_check_input_n"], 50, "{usage}");
    let jets = usage["jets"].as_array().unwrap();
    assert_eq!(jets.len(), 1, "{usage}");
    for key in [
        "input_records",
        "output_records",
        "user_time",
        "kernel_time",
        "model_time",
    ] {
        assert!(jets[0][key].is_number(), "{key}: {usage}");
    }
}

#[test]
fn the_debug_output_gives_what_a_model_wrote_to_it_once() {
    let env = Env::new();
    add_model(&env, "cube", CUBE);
    env.write(
        "debug.json",
        r#"{"Transport": "debug", "Encoding": "json"}"#,
    );
    env.run(&["stream", "add", "debug-out", "debug.json"]).ok();
    env.run(&["run", "cube", "inline:1,2,3", "debug-out"]).ok();
    let api = env.engine_api("engine-1");
    wait_for(&api, "finished");
    assert_eq!(api.get_json("/1/debug/output"), json!(["1", "8", "27"]));
    // taken: the next call has what came since
    assert_eq!(api.get_json("/1/debug/output"), json!([]));
    // `debug` with data is still the archived name of `inline`, an input
    let (status, body) = api.call(
        "POST",
        "/1/stream/sample",
        br#"{"Transport": {"Type": "debug", "Data": ["a", "b"]}}"#,
        &[],
    );
    assert_eq!((status, json_of(&body)), (200, json!(["YQ==", "Yg=="])));
}

#[test]
fn a_stream_rate_is_measured_and_a_stream_without_records_refused() {
    let env = Env::new();
    env.run(&["engine", "inspect"]).ok();
    let api = env.engine_api("engine-1");
    let records = env.write("in.jsons", "1\n".repeat(100_000));
    let empty = env.write("empty.jsons", "");
    let descriptor = |path: &std::path::Path| {
        format!(
            r#"{{"Transport": {{"Type": "file", "Path": "{}"}}, "Envelope": "delimited"}}"#,
            path.display()
        )
    };
    let (status, body) = api.call(
        "POST",
        "/1/stream/rate",
        descriptor(&records).as_bytes(),
        &[],
    );
    assert_eq!(status, 200, "{}", text(&body));
    let rate = json_of(&body);
    let rate = rate.as_array().unwrap();
    assert_eq!(rate.len(), 1);
    let (rps, mbps) = (
        rate[0]["rps"].as_f64().unwrap(),
        rate[0]["mbps"].as_f64().unwrap(),
    );
    assert!(rps > 0.0 && mbps > 0.0, "{rate:?}");
    // a record is one byte (its newline frames it)
    assert!((mbps * 1e6 / rps - 1.0).abs() < 1e-6, "{rate:?}");

    let (status, body) = api.call("POST", "/1/stream/rate", descriptor(&empty).as_bytes(), &[]);
    assert_eq!(
        (status, text(&body)),
        (
            400,
            "Stream descriptor invalid or stream too short: the stream is too short to measure: it has no records".to_string()
        )
    );
    let (status, body) = api.call("POST", "/1/stream/rate", br#"{"Transport": "nosuch"}"#, &[]);
    assert_eq!(status, 400);
    assert!(
        text(&body).starts_with("Stream descriptor invalid"),
        "{}",
        text(&body)
    );
}

/// `engine put` copies a file into the engine, and a file stream reads it from there.
#[test]
fn engine_put_copies_a_file_that_a_file_stream_then_reads() {
    let env = Env::new();
    env.write("in.jsons", "1\n2\n3\n");
    let put = env.run(&["engine", "put", "in.jsons", "-v"]).ok().stdout;
    let path = put
        .trim()
        .strip_prefix("in.jsons copied to engine-1: ")
        .unwrap_or_else(|| panic!("{put}"))
        .to_string();
    let expected = env.store().join("engines/engine-1/files/in.jsons");
    assert_eq!(
        std::path::Path::new(&path),
        expected.canonicalize().unwrap()
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "1\n2\n3\n");

    add_model(&env, "cube", CUBE);
    env.run(&["run", "cube", &format!("file:{path}"), "rest:"])
        .ok();
    let outputs = env.run(&["model", "output", "-c"]).ok().stdout;
    assert_eq!(outputs, "1\n8\n27\n(EOF)\n");

    // the engine first when it names one, the local file first else
    env.write("other.jsons", "4\n");
    env.run(&["engine", "put", "engine-1", "other.jsons"]).ok();
    assert_eq!(
        std::fs::read_to_string(expected.with_file_name("other.jsons")).unwrap(),
        "4\n"
    );
    env.run(&["engine", "put", "other.jsons", "renamed.jsons"])
        .ok();
    assert!(expected.with_file_name("renamed.jsons").exists());
    env.run(&["engine", "put", "engine-2", "other.jsons", "x.jsons"])
        .ok();
    assert!(env.store().join("engines/engine-2/files/x.jsons").exists());

    // a name is one path segment
    let refused = env
        .run(&["engine", "put", "other.jsons", "../escape"])
        .expect(1);
    assert_eq!(
        refused.stderr,
        "Error: Unable to copy other.jsons into the engine: the file name '../escape' has a '/' (a file goes into the engine's file directory itself)\n"
    );
    let missing = env.run(&["engine", "put", "nosuch.jsons"]).expect(1);
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .starts_with("Error: Unable to copy nosuch.jsons into the engine"),
        "{}",
        missing.stderr
    );
}

#[test]
fn the_engine_refuses_file_names_that_are_not_one_segment_and_bodies_over_its_limit() {
    let env = Env::new();
    // the first command starts the engine, with its limit
    let mut first = env.command(&["engine", "inspect"]);
    first.env("FASTSCORE_MAX_REQUEST_MB", "1");
    assert!(first.output().unwrap().status.success());
    let api = env.engine_api("engine-1");
    for (path, shown) in [("a%2Fb", "a/b"), ("a/b", "a/b"), ("%2E%2E", "..")] {
        let (status, body) = api.call("PUT", &format!("/1/file/{path}"), b"x", &[]);
        assert_eq!(status, 400, "{path}: {}", text(&body));
        assert!(
            text(&body).starts_with(&format!("the file name '{shown}'")),
            "{path}: {}",
            text(&body)
        );
    }
    let (status, body) = api.call("PUT", "/1/file/new.txt", b"x", &[]);
    assert_eq!(status, 201, "{}", text(&body));
    let (status, body) = api.call("PUT", "/1/file/new.txt", b"y", &[]);
    assert_eq!(status, 200, "{}", text(&body));
    let path = json_of(&body)["path"].as_str().unwrap().to_string();
    assert_eq!(std::fs::read_to_string(path).unwrap(), "y");

    env.write("big.bin", vec![b'x'; 2 << 20]);
    let refused = env.run(&["engine", "put", "big.bin"]).expect(1);
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("larger than 1 MiB"),
        "{}",
        refused.stderr
    );
    assert!(!env.store().join("engines/engine-1/files/big.bin").exists());
}

#[test]
fn engine_put_through_fleet_serve_reaches_the_fleets_engine() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &["--http"]);
    let client = Env::new();
    client.run(&["connect", &fleet.owner_url]).ok();
    client.write("in.jsons", "5\n");
    let put = client.run(&["engine", "put", "in.jsons", "-v"]).ok().stdout;
    let expected = server
        .store()
        .join("engines/engine-1/files/in.jsons")
        .canonicalize()
        .unwrap();
    assert_eq!(
        put,
        format!("in.jsons copied to engine-1: {}\n", expected.display())
    );
    assert_eq!(std::fs::read_to_string(&expected).unwrap(), "5\n");
}

/// A wheel of the package `tinylib` (VALUE = 42), made here: pip installs it from the file.
fn tiny_wheel(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("tinylib-1.0-py3-none-any.whl");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let files = [
        ("tinylib/__init__.py", "VALUE = 42\n"),
        (
            "tinylib-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: tinylib\nVersion: 1.0\n",
        ),
        (
            "tinylib-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
        (
            "tinylib-1.0.dist-info/RECORD",
            "tinylib/__init__.py,,\ntinylib-1.0.dist-info/METADATA,,\ntinylib-1.0.dist-info/WHEEL,,\ntinylib-1.0.dist-info/RECORD,,\n",
        ),
    ];
    for (name, content) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    path
}

#[test]
fn policy_set_preinstall_installs_the_libraries_marked_install_once() {
    let env = Env::new();
    let wheel = tiny_wheel(env.dir.path());
    let site = env.dir.path().join("site");
    env.write(
        "policy.yaml",
        format!(
            "os: prohibit\ntinylib:\n  policy: install\n  command: {} -m pip install --no-index --no-deps --disable-pip-version-check --target {} {}\n",
            support::python(),
            site.display(),
            wheel.display()
        ),
    );
    assert!(!site.exists());
    let set = env
        .run(&[
            "policy",
            "set",
            "policy.yaml",
            "-type:python3",
            "-preinstall",
            "-v",
        ])
        .ok();
    assert_eq!(set.stdout, "Import policy updated\n");
    assert_eq!(
        std::fs::read_to_string(site.join("tinylib/__init__.py")).unwrap(),
        "VALUE = 42\n"
    );
    assert!(env
        .run(&["policy", "show", "-type:python3"])
        .ok()
        .stdout
        .starts_with("os: prohibit\n"));

    // no more than once
    std::fs::remove_dir_all(&site).unwrap();
    let again = env
        .run(&[
            "policy",
            "set",
            "policy.yaml",
            "-type:python3",
            "-preinstall",
        ])
        .expect(1);
    assert_eq!(
        again.stderr,
        "Error: Unable to upload policy: the python3 import policy of engine-1 was preinstalled already: a policy can be preinstalled no more than once (what it marks install is installed when a model that imports it loads)\n"
    );
    assert!(!site.exists());
    // without -preinstall the policy is set as always
    env.run(&["policy", "set", "policy.yaml", "-type:python3"])
        .ok();
}

/// `policy set <file> -type:<kind> -preinstall`, started: its stderr goes to `<name>.err`.
fn start_preinstall(env: &Env, file: &str, kind: &str, name: &str) -> std::process::Child {
    let err = std::fs::File::create(env.dir.path().join(format!("{name}.err"))).unwrap();
    env.command(&["policy", "set", file, kind, "-preinstall"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(err)
        .spawn()
        .unwrap()
}

#[test]
fn a_policy_type_has_one_preinstall_at_a_time_and_a_failed_one_may_be_tried_again() {
    let env = Env::new();
    env.run(&["engine", "inspect"]).ok();
    // an install that ends when the test lets it (within a minute)
    let go = env.dir.path().join("go");
    env.write(
        "slow.yaml",
        format!(
            "slowlib:\n  policy: install\n  command: 'for i in $(seq 600); do [ -e {} ] && exit 0; sleep 0.1; done; exit 1'\n",
            go.display()
        ),
    );
    env.write(
        "other.yaml",
        "otherlib:\n  policy: install\n  command: 'true'\n",
    );
    // the same preinstall twice at once: one install, and both are told it succeeded
    let both: Vec<_> = ["first", "second"]
        .iter()
        .map(|name| start_preinstall(&env, "slow.yaml", "-type:python3", name))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    for name in ["first", "second"] {
        let err = env.dir.path().join(format!("{name}.err"));
        while !std::fs::read_to_string(&err)
            .unwrap()
            .starts_with("Waiting for engine-1 to preinstall slowlib (python3 import policy): ")
        {
            assert!(
                Instant::now() < deadline,
                "the {name} preinstall never waited"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    // another one of the same type is refused while it runs
    let other = env
        .run(&[
            "policy",
            "set",
            "other.yaml",
            "-type:python3",
            "-preinstall",
        ])
        .expect(1);
    assert_eq!(
        other.stderr,
        "Error: Unable to upload policy: engine-1 is busy with another preinstall of the python3 import policy (it started to preinstall slowlib (python3 import policy)); try again when it is done\n"
    );
    std::fs::write(&go, "").unwrap();
    for (child, name) in both.into_iter().zip(["first", "second"]) {
        let run = support::wait_within(child, Duration::from_secs(60), name);
        let err = std::fs::read_to_string(env.dir.path().join(format!("{name}.err"))).unwrap();
        assert_eq!(run.code, 0, "the {name} preinstall: {err}");
    }
    let log = std::fs::read_to_string(env.store().join("engines/engine-1/engine.log")).unwrap();
    assert_eq!(
        log.matches("started to preinstall slowlib").count(),
        1,
        "{log}"
    );
    assert_eq!(
        env.run(&["policy", "show", "-type:python3"]).ok().stdout,
        std::fs::read_to_string(env.work().join("slow.yaml")).unwrap()
    );
    // once it succeeded, the type is not preinstalled again
    let again = env
        .run(&[
            "policy",
            "set",
            "other.yaml",
            "-type:python3",
            "-preinstall",
        ])
        .expect(1);
    assert!(
        again.stderr.contains("was preinstalled already"),
        "{}",
        again.stderr
    );

    // one that failed is told so, and may be tried again
    let tried = env.dir.path().join("tried");
    env.write(
        "flaky.yaml",
        format!(
            "flakylib:\n  policy: install\n  command: 'test -e {0} || {{ touch {0}; echo no index >&2; exit 3; }}'\n",
            tried.display()
        ),
    );
    let failed = env
        .run(&["policy", "set", "flaky.yaml", "-type:python", "-preinstall"])
        .expect(1);
    let error: Vec<&str> = failed
        .stderr
        .lines()
        .filter(|l| !l.starts_with("Waiting for engine-1"))
        .collect();
    assert_eq!(
        error,
        ["Error: Unable to upload policy: installing flakylib failed (exit status: 3): no index"]
    );
    assert_eq!(env.run(&["policy", "show", "-type:python"]).ok().stdout, "");
    env.run(&["policy", "set", "flaky.yaml", "-type:python", "-preinstall"])
        .ok();
    env.run(&["policy", "set", "flaky.yaml", "-type:python", "-preinstall"])
        .expect(1);
}

#[test]
fn preinstall_where_the_runner_has_no_installer_is_refused_and_sets_nothing() {
    let env = Env::new();
    env.write("policy.yaml", "libm: install\n");
    let refused = env
        .run(&["policy", "set", "policy.yaml", "-type:c", "-preinstall"])
        .expect(1);
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    assert!(
        refused.stderr.starts_with(
            "Error: Unable to upload policy: libm cannot be installed for models run by "
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(env.run(&["policy", "show", "-type:c"]).ok().stdout, "");
    // a policy that is not a mapping cannot be preinstalled
    env.write("bad.yaml", "- a list\n");
    let bad = env
        .run(&["policy", "set", "bad.yaml", "-type:python3", "-preinstall"])
        .expect(1);
    assert_eq!(
        bad.stderr,
        "Error: Unable to upload policy: the policy is not a YAML mapping of libraries to policies\n"
    );
}
