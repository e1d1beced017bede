//! The embedded engine through the CLI: models in both conformance styles, streams,
//! schema checks and rejections, failures, and the engine processes themselves.

mod support;
use support::{http, Env};

const CUBE: &str = "def action(x):\n    yield x*x*x\n";

fn engine_with(env: &Env, name: &str, source: &str) {
    env.write(&format!("{name}.py3"), source);
    env.run(&["model", "add", name, &format!("{name}.py3")])
        .ok();
    env.run(&["engine", "reset"]).ok();
}

/// `run <model> <input> file:<name> -wait`: what the model wrote.
fn scored(env: &Env, model: &str, input: &str, name: &str) -> String {
    let out = env.work().join(name);
    env.run(&[
        "run",
        model,
        input,
        &format!("file:{}", out.display()),
        "-wait",
    ])
    .ok();
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn call_back_model_over_rest_until_end_of_input() {
    let env = Env::new();
    engine_with(&env, "cube", CUBE);
    let run = env.run(&["run", "cube", "rest:", "rest:", "-v"]).ok();
    assert_eq!(
        run.stdout,
        "Model and streams verified successfully\nModel loaded\nStream attached to slot 0\nStream attached to slot 1\n"
    );
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "RUNNING\n");
    assert_eq!(
        env.run(&["engine", "inspect", "-json"]).ok().stdout,
        "{\n  \"state\": \"RUNNING\"\n}\n"
    );
    env.run_with_input(&["model", "input"], "1\n2\n\n3\n").ok();
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "1\n");
    assert_eq!(env.run(&["model", "output", "-nowait"]).ok().stdout, "8\n");
    // the end control record finishes the run; -c prints the rest and the end marker
    env.run_with_input(&["model", "input"], "{\"$fastscore\": \"end\"}\n")
        .ok();
    assert_eq!(
        env.run(&["model", "output", "-c"]).ok().stdout,
        "27\n(EOF)\n"
    );
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "FINISHED\n");
    let verbose = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(
        verbose.starts_with(
            "The current engine state is FINISHED.\n\nThe data processing is complete."
        ),
        "{verbose}"
    );
    assert_eq!(
        env.run(&["engine", "reset", "-v"]).ok().stdout,
        "Engine 'engine-1' reset\n"
    );
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "INIT\n");
}

#[test]
fn slots_of_input_and_output_are_checked() {
    let env = Env::new();
    assert_eq!(
        env.run(&["model", "input", "1"]).expect(1).stderr,
        "Error: 1 is an output slot\n"
    );
    assert_eq!(
        env.run(&["model", "input", "x"]).expect(1).stderr,
        "Error: The slot number must be an integer\n"
    );
    assert_eq!(
        env.run(&["model", "output", "2"]).expect(1).stderr,
        "Error: 2 is an input slot\n"
    );
    assert_eq!(
        env.run(&["stream", "detach", "x"]).expect(1).stderr,
        "Error: Malformed slot number 'x'\n"
    );
    assert_eq!(
        env.run(&["model", "scale", "x"]).expect(1).stderr,
        "Error: The number of jets must be a non-negative integer\n"
    );
}

#[test]
fn input_and_output_say_what_is_missing_and_how_to_fix_it() {
    let env = Env::new();
    let run = env.run_with_input(&["model", "input"], "1\n").expect(1);
    assert_eq!(
        run.stderr,
        "Error: No model is running in engine-1, so slot 0 takes no records: start one with 'fastscore run <model-name> rest: rest:'\n"
    );
    let run = env.run(&["model", "output", "-nowait"]).expect(1);
    assert_eq!(
        run.stderr,
        "Error: No model is running in engine-1, so slot 1 has no output: start one with 'fastscore run <model-name> rest: rest:'\n"
    );
    engine_with(&env, "echo", "def action(x):\n    yield x\n");
    env.run(&["model", "load", "echo"]).ok();
    let run = env.run_with_input(&["model", "input"], "1\n").expect(1);
    assert_eq!(
        run.stderr,
        "Error: Slot 0 of engine-1 has no stream: attach one with 'fastscore stream attach rest: 0'\n"
    );
    env.run(&["stream", "attach", "inline:1,2", "0"]).ok();
    let run = env.run_with_input(&["model", "input"], "1\n").expect(1);
    assert_eq!(
        run.stderr,
        "Error: Slot 0 of engine-1 has a stream of transport 'inline', not REST: 'fastscore stream attach rest: 0' replaces it\n"
    );
    let run = env.run(&["model", "output", "3", "-nowait"]).expect(1);
    assert_eq!(
        run.stderr,
        "Error: Slot 3 of engine-1 has no stream: attach one with 'fastscore stream attach rest: 3'\n"
    );
}

#[test]
fn return_values_arity_and_routing_to_output_slots() {
    let env = Env::new();
    let dir = env.work();
    let model = "# fastscore.slot.3: in-use\n\
                 def action(x, slot, seqno):\n    if x % 2:\n        return (3, [x, slot, seqno])\n    return {'even': x}\n";
    engine_with(&env, "router", model);
    let odd = dir.join("odd.jsons");
    env.run(&["run", "router", "inline:1,2,3,4", "rest:"]).ok();
    env.run(&["stream", "attach", &format!("file:{}", odd.display()), "3"])
        .ok();
    assert_eq!(
        env.run(&["model", "output", "-c"]).ok().stdout,
        "{\"even\": 2}\n{\"even\": 4}\n(EOF)\n"
    );
    assert_eq!(
        std::fs::read_to_string(&odd).unwrap(),
        "[1, 0, 1]\n[3, 0, 3]\n"
    );
    let streams = env.run(&["stream", "inspect"]).ok().stdout;
    assert!(
        streams
            .lines()
            .nth(2)
            .unwrap()
            .starts_with("     0  inline-"),
        "{streams}"
    );
    assert!(streams.contains("  inline       True\n"), "{streams}");
    assert!(streams.contains("  file         True"), "{streams}");
}

#[test]
fn file_to_file_with_schema_checks_reaches_finished() {
    let env = Env::new();
    env.run_with_input(&["schema", "add", "num"], "{\"type\": \"record\", \"name\": \"n\", \"fields\": [{\"name\": \"x\", \"type\": \"double\"}]}").ok();
    engine_with(&env, "half", "# fastscore.schema.0: num\n# fastscore.schema.1: num\ndef action(r):\n    yield {'x': r['x'] / 2}\n    if r['x'] == 8:\n        yield {'x': 'not a number'}\n");
    let input = env.write(
        "in.jsons",
        "{\"x\": 2}\n{\"x\": \"oops\"}\nnot json\n{\"x\": 8}\n{\"y\": 1}\n",
    );
    let output = env.work().join("out.jsons");
    let run = env
        .run(&[
            "run",
            "half",
            &format!("file:{}", input.display()),
            &format!("file:{}", output.display()),
            "-wait",
            "-v",
        ])
        .ok();
    assert!(
        run.stdout.ends_with("Engine state is FINISHED\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "{\"x\": 1.0}\n{\"x\": 4.0}\n"
    );
    let inspect = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    // the counts, then how to reach the engine
    let (counts, address) = inspect.split_once("\n\nengine-1 answers at ").unwrap();
    let url = env.engine_url("engine-1");
    let info = env.store().join("engines/engine-1/engine.json");
    assert_eq!(
        address,
        format!(
            "{url} to requests that carry 'Authorization: Bearer <token>', with the \"token\" of {info}:\n    curl -H \"Authorization: Bearer $(jq -r .token {info})\" {url}/2/engine/state\n",
            info = info.display()
        )
    );
    assert!(!inspect.contains(&env.engine_token("engine-1")));
    insta::assert_snapshot!(counts.lines().skip(4).collect::<Vec<_>>().join("\n"), @r#"
      Slot    Records    Rejected by encoding    Rejected by schema
    ------  ---------  ----------------------  --------------------
         0          2                       1                     2
         1          2                       0                     1
    Slot 0: rejected by schema: {"x": "oops"}: field 'x': Double expected, not "oops"
    Slot 0: rejected by encoding: not json: not JSON: Expected ident at line 1 column 2
    Slot 0: rejected by schema: {"y": 1}: field 'x': missing (double expected)
    Slot 1: rejected by schema: {"x": "not a number"}: field 'x': Double expected, not "not a number"
    "#);
}

#[test]
fn rejected_input_records_are_reported_by_model_input() {
    let env = Env::new();
    env.run_with_input(&["schema", "add", "int"], "\"int\"")
        .ok();
    engine_with(&env, "cube", &format!("# fastscore.schema.0: int\n{CUBE}"));
    env.run(&["run", "cube", "rest:", "rest:"]).ok();
    let input = env
        .run_with_input(&["model", "input"], "1\nfoo\n\"x\"\n2\n")
        .expect(1);
    assert_eq!(
        input.stderr,
        "Error: 2 of 4 records were rejected by engine-1 (see 'fastscore engine inspect -v')\n  Caused by: record 2: not JSON: Expected ident at line 1 column 2\n"
    );
    // nothing else is lost
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "1\n");
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "8\n");
}

#[test]
fn failures_are_reported_with_their_reason() {
    let env = Env::new();
    engine_with(&env, "syntax", "def action(x)\n    yield x\n");
    assert_eq!(
        env.run(&["run", "syntax", "rest:", "rest:"])
            .expect(1)
            .stderr,
        "Error: SyntaxError: expected ':' (__model.py, line 1)\n"
    );
    engine_with(
        &env,
        "nomod",
        "import no_such_module\ndef action(x):\n    yield x\n",
    );
    let err = env.run(&["model", "verify", "nomod"]).expect(1).stderr;
    assert!(
        err.starts_with("Error: the model imports no_such_module, which "),
        "{err}"
    );
    engine_with(
        &env,
        "noschema",
        "# fastscore.schema.0: nope\ndef action(x):\n    yield x\n",
    );
    assert_eq!(
        env.run(&["model", "verify", "noschema"]).expect(1).stderr,
        "Error: schema 'nope' not found\n"
    );
    engine_with(&env, "noaction", "def act(x):\n    yield x\n");
    assert_eq!(
        env.run(&["model", "verify", "noaction"]).expect(1).stderr,
        "Error: A slot 0 callback function named 'action' not found\n"
    );
    // an import that fails at start-up
    engine_with(
        &env,
        "boom",
        "raise RuntimeError('no luck')\ndef action(x):\n    yield x\n",
    );
    assert_eq!(
        env.run(&["run", "boom", "rest:", "rest:"]).expect(1).stderr,
        "Error: engine-1 is in ERROR: RuntimeError: no luck (see 'fastscore engine inspect -v')\n"
    );
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "ERROR\n");
}

#[test]
fn a_model_that_raises_puts_the_engine_in_error_until_reset() {
    let env = Env::new();
    engine_with(&env, "div", "def action(x):\n    yield 10 // x\n");
    env.run(&["run", "div", "rest:", "rest:"]).ok();
    env.run_with_input(&["model", "input"], "5\n0\n").ok();
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "2\n");
    // the next read reports the failure instead of waiting forever
    assert_eq!(
        env.run(&["model", "output"]).expect(1).stderr,
        "Error: engine-1 is in ERROR: ZeroDivisionError: integer division or modulo by zero (see 'fastscore engine inspect -v')\n"
    );
    let inspect = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(
        inspect
            .contains("The model failed: ZeroDivisionError: integer division or modulo by zero\n"),
        "{inspect}"
    );
    assert!(
        inspect.contains("  File \"__model.py\", line 2, in action\n    yield 10 // x\n"),
        "{inspect}"
    );
    assert!(
        inspect.contains("The input that caused the error (slot 0):\n   2: 0\n"),
        "{inspect}"
    );
    env.run(&["engine", "reset"]).ok();
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "INIT\n");
}

#[test]
fn verify_inspect_and_scale_outputs() {
    let env = Env::new();
    env.run_with_input(&["schema", "add", "int"], "\"int\"")
        .ok();
    env.write("lib.py", "import pickle\n");
    engine_with(
        &env,
        "cube",
        &format!(
            "# fastscore.schema.0: int\n# fastscore.module-attached: mylib\nimport mylib\n{CUBE}"
        ),
    );
    env.write("mylib.py", "FACTOR = 1\n");
    let tgz = std::process::Command::new("tar")
        .args(["czf", "mylib.tar.gz", "mylib.py"])
        .current_dir(env.work())
        .status()
        .unwrap();
    assert!(tgz.success());
    env.run(&["attachment", "upload", "cube", "mylib.tar.gz"])
        .ok();
    insta::assert_snapshot!(env.run(&["model", "verify", "cube", "-v"]).ok().stdout, @r#"
    Name    Type       SLOC
    ------  -------  ------
    cube    python3       5

      Slot  Schema    Action    Recordsets          Slot  Schema    Recordsets
    ------  --------  --------  ------------  --  ------  --------  ------------
         0  "int"     action    No                     1  -         No

    Libraries to be found in attachment(s): mylib.
    The model contains no errors
    "#);
    let json = env.run(&["model", "verify", "cube", "-json"]).ok().stdout;
    assert!(json.contains("\"attach_libs\": [\n    \"mylib\"\n  ],\n  \"snapshots\": \"none\",\n  \"name\": \"cube\",\n  \"mtype\": \"python3\",\n  \"sloc\": 5\n}"), "{json}");
    assert_eq!(
        env.run(&["model", "inspect"]).ok().stdout,
        "Model not loaded\n"
    );
    assert_eq!(
        env.run(&["model", "inspect", "-json"]).ok().stdout,
        "null\n"
    );
    env.run(&["model", "scale", "2", "-v"]).ok();
    env.run(&["run", "cube", "rest:", "rest:"]).ok();
    let inspect = env.run(&["model", "inspect"]).ok().stdout;
    let jets: Vec<&str> = inspect
        .lines()
        .skip_while(|l| !l.contains("Jet #"))
        .collect();
    assert_eq!(jets.len(), 4, "{inspect}");
    assert!(jets[2].trim_start().starts_with("1 "), "{inspect}");
    assert_eq!(
        env.run(&["model", "unload"])
            .expect(1)
            .stderr
            .lines()
            .next(),
        Some("Error: Unable to unload model: engine-1 is RUNNING; a model can only be unloaded in INIT (use 'engine reset')")
    );
    let verify = env
        .run(&["stream", "verify", "rest:", "0", "-v"])
        .ok()
        .stdout;
    assert!(
        verify.starts_with(
            "{\n  \"transport\": {\n    \"type\": \"rest\",\n    \"mode\": \"simple\"\n  },"
        ),
        "{verify}"
    );
    assert!(verify.contains("\"schema\": \"int\""), "{verify}");
    assert!(
        verify.ends_with("The stream descriptor contains no errors\n"),
        "{verify}"
    );
    assert_eq!(
        env.run(&["stream", "verify", "foo:bar", "0"])
            .expect(1)
            .stderr,
        "Error: transport tag unknown: foo\n"
    );
    assert_eq!(
        env.run(&["stream", "verify", "nope", "0"]).expect(1).stderr,
        "Error: Stream 'nope' not found\n"
    );
}

#[test]
fn explicit_models_and_record_sets_get_pandas_batches() {
    let env = Env::new();
    support::data_python();
    env.run_with_input(&["schema", "add", "pair"], "{\"type\": \"record\", \"name\": \"p\", \"fields\": [{\"name\": \"a\", \"type\": \"int\"}, {\"name\": \"b\", \"type\": \"int\"}]}").ok();
    let explicit = "# fastscore.action: unused\n# fastscore.schema.0: pair\nfrom fastscore.io import Slot\n\
                    for df in Slot(0):\n    Slot(1).write({'rows': len(df), 'sum': int((df['a'] + df['b']).sum())})\n";
    engine_with(&env, "explicit", explicit);
    let data = env.write(
        "pairs.jsons",
        "{\"a\": 1, \"b\": 2}\n{\"a\": 3, \"b\": 4}\n",
    );
    assert_eq!(
        scored(
            &env,
            "explicit",
            &format!("file:{}", data.display()),
            "sums.jsons"
        ),
        "{\"rows\": 2, \"sum\": 10}\n"
    );
    // call-back with record sets: a Series in, a DataFrame out (one record per row)
    let sets =
        "# fastscore.recordsets.0: true\n# fastscore.recordsets.1: true\nimport pandas as pd\n\
                def action(s):\n    yield pd.DataFrame({'x': s, 'double': s * 2})\n";
    engine_with(&env, "sets", sets);
    assert_eq!(
        scored(&env, "sets", "inline:1,2,3", "sets.jsons"),
        // the record set's records, then a `set` control record (spec/engine.md §7.4)
        "{\"x\": 1, \"double\": 2}\n{\"x\": 2, \"double\": 4}\n{\"x\": 3, \"double\": 6}\n{\"$fastscore\": \"set\"}\n"
    );
}

#[test]
fn data_frames_cross_as_typed_columns_both_ways() {
    let env = Env::new();
    support::data_python();
    env.run_with_input(&["schema", "add", "mixed"], "{\"type\": \"record\", \"name\": \"m\", \"fields\": [{\"name\": \"x\", \"type\": \"double\"}, {\"name\": \"n\", \"type\": \"long\"}, {\"name\": \"flag\", \"type\": \"boolean\"}, {\"name\": \"name\", \"type\": \"string\"}]}").ok();
    // numbers and booleans arrive typed, the frame is the model's to change, and a frame,
    // a Series and a 2-D array written to a record-set slot come back as their rows
    let model = "# fastscore.action: unused\n# fastscore.schema.0: mixed\n# fastscore.recordsets.1: true\n\
                 from fastscore.io import Slot\nimport numpy as np\nimport pandas as pd\n\
                 for df in Slot(0):\n    Slot(1).write({'dtypes': [str(df[c].dtype) for c in ['x', 'n', 'flag']], 'names': list(df.columns)})\n    \
                 df.loc[0, 'x'] = -1.0\n    \
                 Slot(1).write(pd.DataFrame({'x': df['x'].astype('float32'), 'n2': df['n'] * 2, 'flag': ~df['flag'], 'name': df['name'] + '!'}))\n    \
                 Slot(1).write(df['n'])\n    Slot(1).write(np.array([[1.5, 2], [3, 4]]))\n";
    engine_with(&env, "frames", model);
    let data = env.write(
        "mixed.jsons",
        "{\"x\": 1.5, \"n\": 3, \"flag\": true, \"name\": \"a\"}\n{\"x\": 0.1, \"n\": 4, \"flag\": false, \"name\": \"b\\u00e9\"}\n",
    );
    assert_eq!(
        scored(&env, "frames", &format!("file:{}", data.display()), "frames.jsons"),
        "{\"dtypes\": [\"float64\", \"int64\", \"bool\"], \"names\": [\"x\", \"n\", \"flag\", \"name\"]}\n\
         {\"x\": -1.0, \"n2\": 6, \"flag\": false, \"name\": \"a!\"}\n\
         {\"x\": 0.10000000149011612, \"n2\": 8, \"flag\": true, \"name\": \"b\\u00e9!\"}\n\
         {\"$fastscore\": \"set\"}\n3\n4\n{\"$fastscore\": \"set\"}\n[1.5, 2.0]\n[3.0, 4.0]\n{\"$fastscore\": \"set\"}\n"
    );
    // a frame written to a slot without record sets: its rows, no `set` after them
    let plain =
        "# fastscore.action: unused\n# fastscore.schema.0: mixed\nfrom fastscore.io import Slot\n\
                 for df in Slot(0):\n    Slot(1).write(df[['n', 'name']])\n";
    engine_with(&env, "plain", plain);
    assert_eq!(
        scored(
            &env,
            "plain",
            &format!("file:{}", data.display()),
            "plain.jsons"
        ),
        "{\"n\": 3, \"name\": \"a\"}\n{\"n\": 4, \"name\": \"b\\u00e9\"}\n"
    );
    // a model that fails on a batch of columns shows its records as rows
    let boom = "# fastscore.recordsets.0: true\n# fastscore.schema.0: mixed\ndef action(df):\n    raise ValueError('no %d' % len(df))\n";
    engine_with(&env, "boom", boom);
    env.run(&[
        "run",
        "boom",
        &format!("file:{}", data.display()),
        "discard:",
    ])
    .ok();
    let mut shown = String::new();
    for _ in 0..100 {
        shown = env.run(&["engine", "inspect", "-v"]).stdout;
        if shown.contains("The input") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(shown.contains("ValueError: no 2"), "{shown}");
    assert!(
        shown.contains("   1: {\"x\": 1.5, \"n\": 3, \"flag\": true, \"name\": \"a\"}\n   2: {\"x\": 0.1, \"n\": 4, \"flag\": false, \"name\": \"b\\u00e9\"}\n"),
        "{shown}"
    );
    env.run(&["engine", "reset"]).ok();
}

#[test]
fn attachments_are_unpacked_into_the_working_directory() {
    let env = Env::new();
    env.write(
        "pack/helper.py",
        "def scale(x):\n    return x * int(open('factor.txt').read())\n",
    );
    env.write("pack/factor.txt", "7");
    let tar = std::process::Command::new("tar")
        .args(["czf", "../helper.tar.gz", "helper.py", "factor.txt"])
        .current_dir(env.work().join("pack"))
        .status()
        .unwrap();
    assert!(tar.success());
    engine_with(&env, "att", "# fastscore.module-attached: helper\nfrom helper import scale\ndef action(x):\n    yield scale(x)\n");
    env.run(&["attachment", "upload", "att", "helper.tar.gz"])
        .ok();
    env.run(&["run", "att", "inline:1,2", "rest:"]).ok();
    assert_eq!(
        env.run(&["model", "output", "-c"]).ok().stdout,
        "7\n14\n(EOF)\n"
    );
    // a local archive replaces the stored attachments for one load
    env.write("pack/factor.txt", "3");
    let tar = std::process::Command::new("tar")
        .args(["czf", "../other.tgz", "helper.py", "factor.txt"])
        .current_dir(env.work().join("pack"))
        .status()
        .unwrap();
    assert!(tar.success());
    env.run(&["engine", "reset"]).ok();
    env.run(&["model", "load", "att", "other.tgz", "-v"]).ok();
    env.run(&["stream", "attach", "inline:5", "0"]).ok();
    env.run(&["stream", "attach", "rest:", "1", "-v"]).ok();
    assert_eq!(
        env.run(&["model", "output", "-c"]).ok().stdout,
        "15\n(EOF)\n"
    );
}

#[test]
fn encodings_envelopes_and_exec_streams() {
    let env = Env::new();
    let schema = "{\"type\": \"record\", \"name\": \"person\", \"fields\": [{\"name\": \"id\", \"type\": \"int\"}, {\"name\": \"name\", \"type\": \"string\"}]}";
    env.run_with_input(&["schema", "add", "person"], schema)
        .ok();
    engine_with(&env, "upper", "# fastscore.schema.0: person\n# fastscore.schema.1: person\ndef action(p):\n    yield {'id': p['id'] + 1, 'name': p['name'].upper()}\n");
    let csv = env.write("people.csv", "id,name\n1,\"ann, a\"\n2,bob\n");
    let out = env.work().join("people.out.csv");
    env.write(
        "in.json",
        format!(
            "{{\"Transport\": {{\"Type\": \"file\", \"Path\": \"{}\"}}, \"Encoding\": \"csv\"}}",
            csv.display()
        ),
    );
    env.write("out.json", format!("{{\"Transport\": {{\"Type\": \"file\", \"Path\": \"{}\"}}, \"Encoding\": \"csv\", \"Envelope\": {{\"Type\": \"delimited\", \"Separator\": \"\\r\\n\"}}}}", out.display()));
    env.run(&["stream", "add", "people-in", "in.json"]).ok();
    env.run(&["stream", "add", "people-out", "out.json"]).ok();
    env.run(&["run", "upper", "people-in", "people-out", "-wait"])
        .ok();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "2,\"ANN, A\"\r\n3,BOB\r\n"
    );

    // utf-8 text from a program's output
    engine_with(&env, "shout", "def action(s):\n    yield s + '!'\n");
    let script = env.write("lines.sh", "#!/bin/sh\nprintf 'hi\\nthere\\n'\n");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    env.write(
        "exec.json",
        format!(
            "{{\"Transport\": {{\"Type\": \"exec\", \"Run\": \"{}\"}}, \"Encoding\": \"utf-8\"}}",
            script.display()
        ),
    );
    env.run(&["stream", "add", "lines", "exec.json"]).ok();
    env.write(
        "text.json",
        "{\"Transport\": \"REST\", \"Encoding\": \"utf-8\"}",
    );
    env.run(&["stream", "add", "text", "text.json"]).ok();
    env.run(&["run", "shout", "lines", "text"]).ok();
    assert_eq!(
        env.run(&["model", "output", "-c"]).ok().stdout,
        "hi!\nthere!\n(EOF)\n"
    );
    // unsupported parts of a descriptor are refused with the reason
    env.write("s3.json", "{\"Transport\": {\"Type\": \"S3\"}}");
    env.run(&["stream", "add", "s3", "s3.json"]).ok();
    let err = env.run(&["stream", "verify", "s3", "0"]).expect(1).stderr;
    assert!(
        err.contains("the s3 transport is not supported by this engine"),
        "{err}"
    );
}

#[test]
fn round_trips_bulk_input_and_pause() {
    let env = Env::new();
    env.run_with_input(&["schema", "add", "int"], "\"int\"")
        .ok();
    engine_with(&env, "cube", &format!("# fastscore.schema.0: int\n{CUBE}"));
    env.write("trip.json", "{\"Transport\": \"REST\", \"Encoding\": \"json\", \"Batching\": {\"NagleTime\": 0, \"Watermark\": null}}");
    env.run(&["stream", "add", "rest-trip", "trip.json"]).ok();
    env.run(&["run", "cube", "rest-trip", "rest-trip"]).ok();
    let url = env.engine_url("engine-1");
    let (key, auth) = env.engine_auth("engine-1");
    let auth = [(key, auth.as_str())];
    let (status, body) = http(&url, "POST", "/2/active/model/roundtrip/0/1", b"3", &auth);
    assert_eq!((status, body.as_slice()), (200, &b"27"[..]));
    let (status, body) = http(
        &url,
        "POST",
        "/api/1/service/engine-1/2/active/model/roundtrip/0/1",
        b"\"x\"",
        &auth,
    );
    assert_eq!(
        (status, String::from_utf8_lossy(&body).as_ref()),
        (400, "the input was rejected: Int expected, not \"x\"")
    );
    let (status, body) = http(
        &url,
        "POST",
        "/1/job/input/0",
        b"1\n2\nnope\n",
        &[("Content-Type", "application/x-ndjson"), auth[0]],
    );
    assert_eq!(status, 200);
    let counts: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (counts["accepted"].as_u64(), counts["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "1\n");
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "8\n");
    assert_eq!(
        env.run(&["engine", "pause", "-v"]).ok().stdout,
        "Engine 'engine-1' paused\n"
    );
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "PAUSED\n");
    env.run_with_input(&["model", "input"], "4\n").ok();
    assert_eq!(env.run(&["model", "output", "-nowait"]).ok().stdout, "");
    env.run(&["engine", "unpause"]).ok();
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "64\n");
}

#[test]
fn local_engines_are_started_found_again_and_stopped() {
    let env = Env::new();
    engine_with(&env, "cube", CUBE);
    env.run(&["run", "cube", "rest:", "rest:"]).ok();
    let pid = env.engine_pid("engine-1");
    assert!(env.run(&["fleet", "-json"]).ok().stdout.contains("\"name\": \"engine-1\",\n    \"api\": \"engine\",\n    \"host\": \"127.0.0.1\",\n    \"port\": "));
    // a second engine beside the first
    env.run(&["use", "engine-2"]).ok();
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "INIT\n");
    let second = env.engine_pid("engine-2");
    env.run(&["use", "engine-1"]).ok();
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "RUNNING\n");
    // a killed engine is noticed and named; reset starts a fresh one
    unsafe { libc_kill(pid, 9) };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let err = env.run(&["model", "output"]).expect(1).stderr;
    assert!(
        err.starts_with(&format!(
            "Error: engine-1 is not running: it stopped unexpectedly (process {pid} is gone)"
        )),
        "{err}"
    );
    assert!(env
        .run(&["fleet"])
        .ok()
        .stdout
        .contains("engine-1        engine        fail"));
    env.run(&["engine", "reset"]).ok();
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "INIT\n");
    let fresh = env.engine_pid("engine-1");
    assert_ne!(fresh, pid);
    let stop = env.run(&["engine", "stop", "-v"]).ok().stdout;
    assert_eq!(
        stop,
        "Engine 'engine-1' stopped\nEngine 'engine-2' stopped\n"
    );
    for p in [fresh, second] {
        assert!(support::process_gone(p), "engine {p} is still running");
    }
}

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn begin_and_end_run_once_around_the_records() {
    let env = Env::new();
    let ended = env.work().join("ended.txt");
    let model = format!(
        "def begin():\n    global offset\n    offset = 100\n\
         def action(x):\n    yield x + offset\n\
         def end():\n    open({:?}, 'w').write('done')\n",
        ended.display().to_string()
    );
    engine_with(&env, "life", &model);
    env.run(&["run", "life", "inline:1,2", "rest:", "-wait"])
        .ok();
    assert_eq!(
        env.run(&["model", "output", "-c"]).ok().stdout,
        "101\n102\n(EOF)\n"
    );
    assert_eq!(std::fs::read_to_string(ended).unwrap(), "done");
}

#[test]
fn stream_schemas_by_reference_inline_or_inherited() {
    let env = Env::new();
    env.run_with_input(&["schema", "add", "int"], "\"int\"")
        .ok();
    env.run_with_input(&["schema", "add", "text"], "\"string\"")
        .ok();
    engine_with(&env, "echo", "def action(x):\n    yield x\n");
    env.write("ints.json", "{\"Transport\": {\"Type\": \"inline\", \"Data\": [\"1\", \"\\\"a\\\"\", \"2\"]}, \"Encoding\": \"json\", \"Schema\": {\"$ref\": \"int\"}}");
    env.run(&["stream", "add", "ints", "ints.json"]).ok();
    env.write(
        "out.json",
        "{\"Transport\": \"REST\", \"Encoding\": \"json\", \"Schema\": \"int\"}",
    );
    env.run(&["stream", "add", "out", "out.json"]).ok();
    env.run(&["run", "echo", "ints", "out"]).ok();
    assert_eq!(
        env.run(&["model", "output", "-c"]).ok().stdout,
        "1\n2\n(EOF)\n"
    );
    let inspect = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(
        inspect.contains("Slot 0: rejected by schema: \"a\": Int expected, not \"a\""),
        "{inspect}"
    );
    // a stream whose schema disagrees with the model's is refused before anything runs
    engine_with(
        &env,
        "typed",
        "# fastscore.schema.0: text\ndef action(x):\n    yield x\n",
    );
    let err = env.run(&["run", "typed", "ints", "rest:"]).expect(1).stderr;
    // our engine's answers are sentences: one line, no HTTP status dump
    assert_eq!(err, "Error: Unable to attach stream: the schema of stream 'ints' does not match the model's schema for slot 0\n");
    // raw bytes and text need a bytes or string schema
    env.write("raw.json", "{\"Transport\": \"REST\", \"Schema\": \"int\"}");
    env.run(&["stream", "add", "raw", "raw.json"]).ok();
    let err = env.run(&["stream", "verify", "raw", "0"]).expect(1).stderr;
    assert!(
        err.ends_with(
            ": records without an encoding are bytes: the schema must be \"bytes\", not \"int\"\n"
        ),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        env.run(&["stream", "sample", "inline:1,2,3", "-count:2"])
            .ok()
            .stdout,
        "   1: 1\n   2: 2\n"
    );
}

#[test]
fn zip_attachments_and_unsafe_archives() {
    let env = Env::new();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("data/table.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut w, b"42").unwrap();
    env.write("data.zip", w.finish().unwrap().into_inner());
    engine_with(
        &env,
        "z",
        "VALUE = int(open('data/table.txt').read())\ndef action(x):\n    yield x + VALUE\n",
    );
    env.run(&["attachment", "upload", "z", "data.zip"]).ok();
    env.run(&["run", "z", "inline:1", "rest:"]).ok();
    assert_eq!(
        env.run(&["model", "output", "-c"]).ok().stdout,
        "43\n(EOF)\n"
    );
    // an entry that climbs out of the working directory is refused at load
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("../escape.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    env.write("evil.zip", w.finish().unwrap().into_inner());
    env.run(&["attachment", "remove", "z", "data.zip"]).ok();
    env.run(&["attachment", "upload", "z", "evil.zip"]).ok();
    env.run(&["engine", "reset"]).ok();
    let err = env.run(&["model", "verify", "z"]).expect(1).stderr;
    assert_eq!(err, "Error: attachment 'evil.zip': entry '../escape.txt' points outside the working directory\n");
}

#[test]
fn nothing_is_taken_after_the_end_and_odd_console_output_does_not_stall() {
    let env = Env::new();
    // 200 KB of console output that is not UTF-8 must not block the model
    let model = "import sys\ndef begin():\n    sys.stdout.buffer.write(b'\\xe9' * 200000 + b'\\n')\n    sys.stdout.flush()\n\
                 def action(x):\n    print('x' * 100000)\n    yield x\n";
    engine_with(&env, "noisy", model);
    env.run(&["run", "noisy", "rest:", "rest:"]).ok();
    let url = env.engine_url("engine-1");
    let (key, auth) = env.engine_auth("engine-1");
    let body = b"1\n{\"$fastscore\": \"end\"}\n2\n";
    let (status, answer) = http(
        &url,
        "POST",
        "/1/job/input/0",
        body,
        &[("Content-Type", "application/x-ndjson"), (key, &auth)],
    );
    assert_eq!(status, 200);
    let counts: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(counts["accepted"], 1);
    assert_eq!(counts["rejected"], 1);
    assert_eq!(counts["errors"][0]["reason"], "the input has already ended");
    assert_eq!(
        env.run(&["model", "output", "-c"]).ok().stdout,
        "1\n(EOF)\n"
    );
    assert!(env
        .run(&["model", "scale", "0"])
        .expect(1)
        .stderr
        .ends_with("Error: Unable to scale model: a model needs at least one jet\n"));
}

#[test]
fn reset_forgets_the_jet_count_and_loads_take_content_type_parameters() {
    let env = Env::new();
    engine_with(&env, "cube", CUBE);
    env.run(&["model", "scale", "3"]).ok();
    env.run(&["run", "cube", "rest:", "rest:"]).ok();
    let api = env.engine_api("engine-1");
    assert_eq!(api.jet_pids().len(), 3);
    env.run(&["engine", "reset"]).ok();
    env.run(&["run", "cube", "rest:", "rest:"]).ok();
    assert_eq!(api.jet_pids().len(), 1);
    env.run(&["engine", "reset"]).ok();
    let (status, body) = api.call(
        "PUT",
        "/1/job/model",
        CUBE.as_bytes(),
        &[(
            "Content-Type",
            "application/vnd.fastscore.model-python3; charset=utf-8",
        )],
    );
    assert_eq!(status, 204, "{}", String::from_utf8_lossy(&body));
}

#[test]
fn a_running_model_or_stream_is_replaced_when_no_record_waits() {
    let env = Env::new();
    engine_with(&env, "cube", CUBE);
    env.write("square.py3", "def action(x):\n    yield x * x\n");
    env.run(&["model", "add", "square", "square.py3"]).ok();
    env.run(&["run", "cube", "rest:", "rest:"]).ok();
    env.run_with_input(&["model", "input"], "2\n").ok();
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "8\n");
    // a second run without a reset replaces the model on running streams
    env.run(&["run", "square", "rest:", "rest:"]).ok();
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "RUNNING\n");
    env.run_with_input(&["model", "input"], "3\n").ok();
    // a record in flight, then an output not read yet, holds the replacement back:
    // nothing accepted is lost
    let refusal = |why: &str| {
        format!("Error: Unable to load model 'cube': engine-1 cannot replace its model now: {why}; try again when they are done, or reset it\n")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let busy = env.run(&["model", "load", "cube"]).expect(1);
        if busy.stderr == refusal("slot 1 has 1 outputs not read yet") {
            break;
        }
        assert_eq!(
            busy.stderr,
            refusal("1 accepted records are not scored yet")
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the record was not scored"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "9\n");
    // a stream is replaced the same way
    env.run(&["stream", "attach", "rest:", "1"]).ok();
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "RUNNING\n");
    env.run_with_input(&["model", "input"], "4\n").ok();
    assert_eq!(env.run(&["model", "output"]).ok().stdout, "16\n");
    // a trial attach is not held to the slot's direction (the original `run` does one)
    env.run(&["stream", "verify", "inline:1,2", "1"]).ok();
    let wrong = env.run(&["stream", "attach", "inline:1,2", "1"]).expect(1);
    assert!(wrong.stderr.contains("inline"), "{}", wrong.stderr);
}

#[test]
fn metrics_for_prometheus() {
    let env = Env::new();
    engine_with(&env, "cube", CUBE);
    env.run(&["run", "cube", "rest:", "rest:"]).ok();
    env.run_with_input(&["model", "input"], "1\nx{\n2\n")
        .expect(1);
    let api = env.engine_api("engine-1");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let text = loop {
        let (status, body) = api.call("GET", "/metrics", b"", &[]);
        assert_eq!(status, 200);
        let text = String::from_utf8(body).unwrap();
        if text.contains("fastscore_slot_records_total{engine=\"engine-1\",slot=\"1\"} 2")
            || std::time::Instant::now() > deadline
        {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    for line in [
        "fastscore_engine_state{engine=\"engine-1\",state=\"running\"} 1",
        "fastscore_jets{engine=\"engine-1\"} 1",
        "fastscore_slot_records_total{engine=\"engine-1\",slot=\"0\"} 2",
        "fastscore_slot_records_total{engine=\"engine-1\",slot=\"1\"} 2",
        "fastscore_slot_rejected_total{engine=\"engine-1\",slot=\"0\",by=\"encoding\"} 1",
    ] {
        assert!(text.contains(line), "{line} not in:\n{text}");
    }
    // only the owner reads them, as every other call
    let url = env.engine_url("engine-1");
    assert_eq!(support::http(&url, "GET", "/metrics", b"", &[]).0, 401);
}

#[test]
fn a_slow_models_outputs_leave_as_they_come_not_when_its_batch_ends() {
    let env = Env::new();
    // 0.3 s a record: the 30 records of one batch take 9 s
    engine_with(
        &env,
        "slow",
        "import time\ndef action(x):\n    time.sleep(0.3)\n    yield x\n",
    );
    let input = env.write(
        "in.jsons",
        (1..=30).map(|n| format!("{n}\n")).collect::<String>(),
    );
    let output = env.work().join("out.jsons");
    env.run(&[
        "run",
        "slow",
        &format!("file:{}", input.display()),
        &format!("file:{}", output.display()),
    ])
    .ok();
    let started = std::time::Instant::now();
    let first = loop {
        let text = std::fs::read_to_string(&output).unwrap_or_default();
        if let Some(line) = text.lines().next() {
            break line.to_string();
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no output"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let waited = started.elapsed();
    assert_eq!(first, "1");
    // a record's time and the flush interval, not the batch's 9 s
    assert!(
        waited < std::time::Duration::from_secs(3),
        "the first output came after {waited:?}"
    );
    env.run(&["engine", "reset"]).ok();
}

#[test]
fn record_sets_end_with_a_set_marker_and_empty_ones_are_dispatched() {
    let env = Env::new();
    // spec/engine.md §7.4: the DOC-RS example, then a `set` right after a `set`
    engine_with(
        &env,
        "sums",
        "# fastscore.recordsets: both\ndef action(df):\n    if len(df) > 0:\n        df['sum'] = df['x'] + df['y']\n    yield df\n",
    );
    let input = env.write(
        "in.jsons",
        "{\"x\":3.0,\"y\":2.0}\n{\"x\":2.5,\"y\":2.5}\n{\"x\":-3.2,\"y\":-1.0}\n{\"$fastscore\":\"set\"}\n{\"$fastscore\":\"set\"}\n",
    );
    let doc = serde_json::json!({"Transport": {"Type": "file", "Path": input}, "Encoding": "json", "Batching": "explicit"});
    env.write("sets.json", doc.to_string());
    env.run(&["stream", "add", "sets", "sets.json"]).ok();
    assert_eq!(
        scored(&env, "sums", "sets", "out.jsons"),
        "{\"x\": 3.0, \"y\": 2.0, \"sum\": 5.0}\n{\"x\": 2.5, \"y\": 2.5, \"sum\": 5.0}\n{\"x\": -3.2, \"y\": -1.0, \"sum\": -4.2}\n{\"$fastscore\": \"set\"}\n{\"$fastscore\": \"set\"}\n"
    );
}

#[test]
fn a_pig_reaches_the_output_after_what_came_before_it() {
    let env = Env::new();
    engine_with(
        &env,
        "slowish",
        "import time\ndef action(x):\n    time.sleep(0.05)\n    yield x\n",
    );
    let input = env.write(
        "in.jsons",
        "1\n2\n3\n{\"$fastscore\": \"pig\", \"id\": 7}\n4\n5\n",
    );
    let output = env.work().join("out.jsons");
    env.run(&["model", "scale", "2"]).ok();
    env.run(&[
        "run",
        "slowish",
        &format!("file:{}", input.display()),
        &format!("file:{}", output.display()),
        "-wait",
    ])
    .ok();
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "1\n2\n3\n{\"$fastscore\": \"pig\"}\n4\n5\n"
    );
    // over REST too: the pig is read back as a record of the output
    env.run(&["engine", "reset"]).ok();
    env.run(&["run", "slowish", "rest:", "rest:"]).ok();
    env.run_with_input(&["model", "input"], "1\n{\"$fastscore\": \"pig\"}\n2\n")
        .ok();
    let out: Vec<String> = (0..3)
        .map(|_| env.run(&["model", "output"]).ok().stdout)
        .collect();
    assert_eq!(out, ["1\n", "{\"$fastscore\": \"pig\"}\n", "2\n"]);
}

#[test]
fn skip_to_and_end_markers_are_honoured() {
    let env = Env::new();
    engine_with(&env, "echo", "def action(x):\n    yield x\n");
    let data = env.write("in.jsons", "1\n2\n3\n$end-of-stream\n4\n");
    let run_with = |name: &str, extra: serde_json::Value| -> String {
        let mut doc =
            serde_json::json!({"Transport": {"Type": "file", "Path": data}, "Encoding": "json"});
        for (k, v) in extra.as_object().unwrap() {
            doc[k] = v.clone();
        }
        env.write(&format!("{name}.json"), doc.to_string());
        env.run(&["stream", "add", name, &format!("{name}.json")])
            .ok();
        let out = env.work().join(format!("{name}.out"));
        env.run(&["engine", "reset"]).ok();
        env.run(&[
            "run",
            "echo",
            name,
            &format!("file:{}", out.display()),
            "-wait",
        ])
        .ok();
        std::fs::read_to_string(out).unwrap()
    };
    // the default end marker ends the stream; SkipTo passes over the first bytes
    assert_eq!(run_with("plain", serde_json::json!({})), "1\n2\n3\n");
    assert_eq!(run_with("skip", serde_json::json!({"SkipTo": 2})), "2\n3\n");
    assert_eq!(
        run_with("marker", serde_json::json!({"EndMarker": "3"})),
        "1\n2\n"
    );
    // without an end marker the line is a record (not JSON: rejected) and 4 is read
    assert_eq!(
        run_with("none", serde_json::json!({"EndMarker": null})),
        "1\n2\n3\n4\n"
    );
    // SkipToRecord is for transports that keep record boundaries (Kafka)
    let doc = serde_json::json!({"Transport": {"Type": "file", "Path": data}, "SkipToRecord": 3});
    env.write("bad.json", doc.to_string());
    env.run(&["stream", "add", "bad", "bad.json"]).ok();
    env.run(&["engine", "reset"]).ok();
    let err = env
        .run(&["run", "echo", "bad", "discard:"])
        .expect(1)
        .stderr;
    assert!(
        err.contains("SkipToRecord needs a seekable transport with record boundaries"),
        "{err}"
    );
}

#[test]
fn cells_and_pools_are_shared_by_all_jets_and_updated_atomically() {
    let env = Env::new();
    // the spec's examples, one jet: a running sum in a cell, a count in a pool
    engine_with(
        &env,
        "sums",
        concat!(
            "import fastscore\ndef begin():\n    fastscore.cells('counter').set(0)\n",
            "def action(x):\n    counter = fastscore.cells('counter')\n",
            "    counter.update(lambda y: x + y)\n    yield counter.value\n",
        ),
    );
    assert_eq!(
        scored(&env, "sums", "inline:1,2,3", "sums.jsons"),
        "1\n3\n6\n"
    );
    // three jets, one record per batch: every update counts, none is lost
    engine_with(
        &env,
        "shared",
        concat!(
            "import fastscore, os, time\ndef action(x):\n    time.sleep(0.05)\n",
            "    total = fastscore.cells('total').update(lambda y: (y or 0) + x)\n",
            "    n = fastscore.pools('seen').update('records', lambda n: (n or 0) + 1)\n",
            "    yield {'total': total, 'n': n, 'jet': os.getpid()}\n",
        ),
    );
    let data = env.write("in.jsons", "1\n2\n3\n4\n5\n6\n");
    let doc = serde_json::json!({"Transport": {"Type": "file", "Path": data}, "Encoding": "json", "Batching": null});
    env.write("one.json", doc.to_string());
    env.run(&["stream", "add", "one", "one.json"]).ok();
    env.run(&["model", "scale", "3"]).ok();
    let out = env.work().join("shared.jsons");
    env.run(&[
        "run",
        "shared",
        "one",
        &format!("file:{}", out.display()),
        "-wait",
    ])
    .ok();
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut totals: Vec<u64> = rows.iter().map(|r| r["total"].as_u64().unwrap()).collect();
    let mut counts: Vec<u64> = rows.iter().map(|r| r["n"].as_u64().unwrap()).collect();
    totals.sort_unstable();
    counts.sort_unstable();
    let jets: std::collections::BTreeSet<u64> =
        rows.iter().map(|r| r["jet"].as_u64().unwrap()).collect();
    assert!(jets.len() > 1, "one jet took every record: {rows:?}");
    // with state per jet, sums stay partial and counts repeat
    assert_eq!(totals.last(), Some(&21), "{rows:?}");
    assert_eq!(counts, [1, 2, 3, 4, 5, 6], "{rows:?}");
}

#[test]
fn snapshots_capture_cells_at_the_end_and_restore_them_into_the_next_job() {
    let env = Env::new();
    engine_with(
        &env,
        "counter",
        concat!(
            "# fastscore.snapshots: eof\nimport fastscore\n",
            "def begin():\n    c = fastscore.cells('counter')\n    if c.value is None:\n        c.set(0)\n",
            "def action(x):\n    yield fastscore.cells('counter').update(lambda y: y + x)\n",
        ),
    );
    assert_eq!(
        scored(&env, "counter", "inline:1,2,3", "a.jsons"),
        "1\n3\n6\n"
    );
    let ids = env.run(&["snapshot", "list", "counter"]).ok().stdout;
    let id = ids.trim().to_string();
    assert_eq!(id.len(), 8, "{ids}");
    let meta: serde_json::Value = serde_json::from_str(
        &env.run(&["snapshot", "show", "counter", &id[..4], "-json"])
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(meta["id"], id.as_str());
    assert_eq!(meta["stype"], "JSON1");
    let table = env.run(&["snapshot", "list", "counter", "-v"]).ok().stdout;
    assert!(table.contains(&format!("{id}  counter")), "{table}");
    // restored before the next job (here before the model is loaded), the count goes on
    env.run(&["engine", "reset"]).ok();
    assert_eq!(
        env.run(&["snapshot", "restore", "counter", "-v"])
            .ok()
            .stdout,
        "Model state restored\n"
    );
    assert_eq!(scored(&env, "counter", "inline:4,5", "b.jsons"), "10\n15\n");
    // a second snapshot; the engine refuses to restore while a job runs, and bad data
    assert_eq!(
        env.run(&["snapshot", "list", "counter"])
            .ok()
            .stdout
            .lines()
            .count(),
        2
    );
    env.run(&["engine", "reset"]).ok();
    env.run(&["run", "counter", "rest:", "rest:"]).ok();
    let err = env
        .run(&["snapshot", "restore", "counter", &id])
        .expect(1)
        .stderr;
    assert!(err.contains("only before the job runs"), "{err}");
    let api = env.engine_api("engine-1");
    env.run(&["engine", "reset"]).ok();
    let (status, body) = api.call("PUT", "/1/job/state", b"{\"cells\": 3}", &[]);
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    // removed
    env.run(&["snapshot", "remove", "counter", &id]).ok();
    assert_eq!(
        env.run(&["snapshot", "list", "counter"])
            .ok()
            .stdout
            .lines()
            .count(),
        1
    );
}

#[test]
fn models_run_on_a_python_without_the_faster_json_parser() {
    let env = Env::new();
    engine_with(&env, "echo", "def action(x):\n    yield x\n");
    // the system's Python: no orjson (nor pandas), the standard json module parses batches
    let python = "/usr/bin/python3";
    let check = std::process::Command::new(python)
        .args([
            "-c",
            "import importlib.util as u, sys; sys.exit(u.find_spec('orjson') is not None)",
        ])
        .status()
        .unwrap();
    assert!(
        check.success(),
        "{python} has orjson: this test needs a Python without it"
    );
    env.run(&["engine", "stop"]).ok();
    let out = env.work().join("out.jsons");
    let run = support::finish_within(
        env.command(&[
            "run",
            "echo",
            "inline:1,2.5,\"x\"",
            &format!("file:{}", out.display()),
            "-wait",
        ])
        .env("FASTSCORE_PYTHON", python),
        std::time::Duration::from_secs(60),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "1\n2.5\n\"x\"\n");
    env.run(&["engine", "stop"]).ok();
}
