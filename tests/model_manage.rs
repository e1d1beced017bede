//! The embedded Model Manage: models, schemas, streams, sensors, attachments, policies and
//! snapshots round trip through the store; bad input is refused with one clear message and
//! leaves what was stored intact.

mod support;
use support::{fixture, Env};

const CUBE: &str = "def action(x):\n  yield x*x*x\n";

#[test]
fn model_round_trip() {
    let env = Env::new();
    env.write("cube.py3", CUBE);
    assert_eq!(
        env.run(&["model", "add", "cube", "cube.py3", "-v"])
            .ok()
            .stdout,
        "Model created\n"
    );
    assert_eq!(
        env.run(&["model", "add", "cube", "cube.py3", "-v"])
            .ok()
            .stdout,
        "Model updated\n"
    );
    assert_eq!(
        env.run(&["model", "add", "cube", "cube.py3"]).ok().stdout,
        ""
    );
    env.write("sq.py", "def action(x):\n  yield x*x\n");
    env.run(&["-v", "model", "add", "sq", "sq.py"]).ok();

    let list = env.run(&["model", "list"]).ok();
    insta::assert_snapshot!(list.stdout, @r"
    Name    Type
    ------  -------
    cube    python3
    sq      python
    ");
    let json = env.run(&["model", "list", "-json"]).ok();
    assert_eq!(
        json.stdout,
        "[\n  {\n    \"name\": \"cube\",\n    \"mtype\": \"python3\"\n  },\n  {\n    \"name\": \"sq\",\n    \"mtype\": \"python\"\n  }\n]\n"
    );
    // the source comes back byte for byte, with no newline added
    assert_eq!(env.run(&["model", "show", "cube"]).ok().stdout, CUBE);

    assert_eq!(
        env.run(&["model", "remove", "cube", "-v"]).ok().stdout,
        "Model 'cube' removed\n"
    );
    let gone = env.run(&["model", "show", "cube"]).expect(1);
    assert_eq!(gone.stderr, "Error: Model 'cube' not found\n");
    assert!(gone.stdout.is_empty());
    assert_eq!(
        env.run(&["model", "remove", "cube"]).expect(1).stderr,
        "Error: Model 'cube' not found\n"
    );
}

#[test]
fn model_type_from_source_option_or_extension() {
    let env = Env::new();
    env.run_with_input(&["model", "add", "p"], "def  action(x):\n  yield x\n")
        .ok();
    env.run_with_input(&["model", "add", "r"], "action <- function(x) emit(x)\n")
        .ok();
    env.run_with_input(&["model", "add", "p3", "--type", "python3"], "print(1)\n")
        .ok();
    env.write("weird.txt", "x");
    env.run(&["model", "add", "t", "weird.txt", "-type:python3"])
        .ok();
    let list = env.run(&["model", "list"]).ok().stdout;
    assert!(
        list.contains("p       python\n") && list.contains("r       R\n"),
        "{list}"
    );
    assert!(
        list.contains("p3      python3\n") && list.contains("t       python3"),
        "{list}"
    );

    let guess = env
        .run_with_input(&["model", "add", "m"], "print(1)\n")
        .expect(1);
    assert_eq!(
        guess.stderr,
        "Error: Unable to add model 'm'\n  Caused by: Error: Cannot guess model type (use -type:<model_type>)\n"
    );
    let ext = env.run(&["model", "add", "m", "weird.txt"]).expect(1);
    assert_eq!(
        ext.stderr,
        "Error: Unable to add model 'm'\n  Caused by: Error: weird.txt must have a proper extension (.pfa, .ppfa, .json, .yaml, .py, .py3, .R, .c, .m, .ipynb, .java)\n"
    );
    let missing = env.run(&["model", "add", "m", "nofile.py"]).expect(1);
    assert_eq!(
        missing.stderr,
        "Error: Unable to add model 'm'\n  Caused by: nofile.py: No such file or directory\n"
    );
    let json = env
        .run(&["model", "add", "m", "nofile.py", "-json"])
        .expect(1);
    assert_eq!(
        json.stderr,
        "{\n  \"error\": \"Error: Unable to add model 'm'\\n  Caused by: nofile.py: No such file or directory\"\n}\n"
    );
}

#[test]
fn missing_names_come_with_the_closest_ones() {
    let env = Env::new();
    env.write("m.py3", "def action(x):\n    yield x\n");
    for name in ["mymodel", "m2", "other"] {
        env.run(&["model", "add", name, "m.py3"]).ok();
    }
    let run = env.run(&["model", "show", "mymodl"]).expect(1);
    assert_eq!(
        run.stderr,
        "Error: Model 'mymodl' not found\nhint: did you mean 'mymodel'?\n"
    );
    let run = env.run(&["model", "remove", "m3"]).expect(1);
    assert_eq!(
        run.stderr,
        "Error: Model 'm3' not found\nhint: did you mean 'm2'?\n"
    );
    // nothing close: the original's line alone
    let run = env.run(&["run", "zzzzzz", "rest:", "rest:"]).expect(1);
    assert_eq!(run.stderr, "Error: Model 'zzzzzz' not found\n");
    env.write("s.avsc", "\"int\"");
    env.run(&["schema", "add", "input_schema", "s.avsc"]).ok();
    let run = env.run(&["schema", "show", "input-schema"]).expect(1);
    assert_eq!(
        run.stderr,
        "Error: Schema 'input-schema' not found\nhint: did you mean 'input_schema'?\n"
    );
}

#[test]
fn reading_from_a_terminal_says_what_it_waits_for() {
    let env = Env::new();
    // `script` gives the command a terminal for stdin, fed from our pipe (Ctrl-D ends it)
    let shown = env.command(&[]);
    let mut cmd = std::process::Command::new("script");
    cmd.args([
        "-qec",
        &format!("{} model add typed -v", env!("CARGO_BIN_EXE_fastscore")),
        "/dev/null",
    ])
    .current_dir(env.work());
    for (key, value) in shown.get_envs() {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    let run = support::finish(&mut cmd, "def action(x):\n    yield x\n\x04");
    assert!(
        run.stdout
            .contains("Reading the text from the terminal: type or paste it, then Ctrl-D"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Model created"), "{}", run.stdout);
    assert_eq!(
        env.run(&["model", "show", "typed"]).ok().stdout,
        "def action(x):\n    yield x\n"
    );
    // piped input is read without a word
    let run = env
        .run_with_input(
            &["model", "add", "piped", "-type:python3"],
            "def action(x):\n    yield x\n",
        )
        .ok();
    assert!(run.stderr.is_empty() && run.stdout.is_empty());
}

#[test]
fn names_that_escape_the_store_are_refused() {
    let env = Env::new();
    env.write("m.py", CUBE);
    env.write("s.avsc", "\"int\"");
    for name in ["../x", "/x", "", "..", "a/b"] {
        let run = env.run(&["model", "add", name, "m.py"]).expect(1);
        assert!(
            run.stderr.starts_with(&format!("Error: Cannot save model '{name}'\n  Caused by: '{name}' is not a valid model name")),
            "{}",
            run.stderr
        );
        let run = env.run(&["schema", "add", name, "s.avsc"]).expect(1);
        assert!(
            run.stderr.contains("is not a valid schema name"),
            "{}",
            run.stderr
        );
    }
    assert!(!env.dir.path().join("x").exists());
    assert!(!env.store().join("x").exists());
    assert!(!env.store().join("model-manage/x").exists());
    let show = env.run(&["model", "show", "../x"]).expect(1);
    assert!(show.stderr.starts_with(
        "Error: Cannot retrieve '../x' model\n  Caused by: '../x' is not a valid model name"
    ));
}

#[test]
fn schema_round_trip_and_checks() {
    let env = Env::new();
    let input = fixture("guide/xgboost_iris_input.avsc");
    let input = input.to_str().unwrap();
    assert_eq!(
        env.run(&["schema", "add", "xgboost_input", input, "-v"])
            .ok()
            .stdout,
        "Schema created\n"
    );
    assert_eq!(
        env.run(&["schema", "add", "xgboost_input", input, "-v"])
            .ok()
            .stdout,
        "Schema updated\n"
    );
    env.run_with_input(&["schema", "add", "int"], "\"int\"")
        .ok();
    let show = env.run(&["schema", "show", "int"]).ok();
    assert_eq!(show.stdout, "\"int\"\n");
    let show = env.run(&["schema", "show", "xgboost_input"]).ok();
    assert!(show
        .stdout
        .starts_with("{\n  \"fields\": [\n    {\n      \"name\": \"sepal_length\",\n"));
    assert_eq!(
        env.run(&["schema", "list"]).ok().stdout,
        "int\nxgboost_input\n"
    );
    insta::assert_snapshot!(env.run(&["schema", "list", "-v"]).ok().stdout, @r"
    Name           Type
    -------------  ------
    int            Avro
    xgboost_input  Avro
    ");

    // bad JSON and bad Avro are refused, and the stored schema stays as it was
    env.write("bad.json", "{not json");
    let bad = env.run(&["schema", "add", "int", "bad.json"]).expect(1);
    assert_eq!(
        bad.stderr,
        "Error: Unable to add schema 'int'\n  Caused by: Key must be a string at line 1 column 2\n"
    );
    env.write("bad.avsc", "{\"type\": \"foobar\"}");
    let bad = env.run(&["schema", "add", "int", "bad.avsc"]).expect(1);
    assert_eq!(
        bad.stderr,
        "Error: Unable to add schema 'int'\n  Caused by: Invalid Avro schema: Unknown primitive type: foobar\n"
    );
    assert_eq!(env.run(&["schema", "show", "int"]).ok().stdout, "\"int\"\n");

    assert_eq!(
        env.run(&["schema", "remove", "int", "-v"]).ok().stdout,
        "Schema removed\n"
    );
    assert_eq!(
        env.run(&["schema", "show", "int"]).expect(1).stderr,
        "Error: Schema 'int' not found\n"
    );
    assert_eq!(
        env.run(&["schema", "remove", "int"]).expect(1).stderr,
        "Error: Schema 'int' not found\n"
    );
}

#[test]
fn schema_verify_says_per_record_ok_or_why_not() {
    let env = Env::new();
    env.run_with_input(&["schema", "add", "int"], "\"int\"")
        .ok();
    env.write("data.jsons", "2\n\"fastscore\"\nnotjson\n\n[]\n");
    let run = env
        .run(&["schema", "verify", "int", "data.jsons", "-v"])
        .expect(1);
    let pad = |s: &str| format!("{s:<32}");
    assert_eq!(
        run.stdout,
        format!(
            "Schema OK\nOK   {}\n\nFAIL {}\n     Int expected, not \"fastscore\"\n\nJSON {}\n     Expected ident at line 1 column 2\n\nFAIL {}\n     Int expected, not []\n\n",
            pad("2"),
            pad("\"fastscore\""),
            pad("notjson"),
            pad("[]")
        )
    );
    assert_eq!(
        run.stderr,
        "Error: 3 of 4 records do not match schema 'int'\n"
    );

    // a line that is not UTF-8 fails on its own; its neighbours are still checked
    env.write("mixed.jsons", b"1\n\"caf\xe9\"\n3\n");
    let run = env
        .run(&["schema", "verify", "int", "mixed.jsons"])
        .expect(1);
    assert_eq!(
        run.stdout,
        format!(
            "OK   {}\n\nUTF-8{}\n     not UTF-8 text\n\nOK   {}\n\n",
            pad("1"),
            pad("\"caf\u{fffd}\""),
            pad("3")
        )
    );
    assert_eq!(
        run.stderr,
        "Error: 1 of 3 records do not match schema 'int'\n"
    );

    env.write("good.jsons", "1\n2\n");
    assert_eq!(
        env.run(&["schema", "verify", "int", "good.jsons"])
            .ok()
            .stderr,
        ""
    );
    assert_eq!(env.run(&["schema", "verify", "int"]).ok().stdout, "");
    assert_eq!(
        env.run(&["schema", "verify", "int", "nodata.jsons"])
            .expect(1)
            .stderr,
        "Error: nodata.jsons not found\n"
    );
    assert_eq!(
        env.run(&["schema", "verify", "nope", "good.jsons"])
            .expect(1)
            .stderr,
        "Error: Schema 'nope' not found\n"
    );
}

#[test]
fn iris_records_match_the_guide_schema() {
    let env = Env::new();
    let schema = fixture("guide/xgboost_iris_input.avsc");
    env.run(&["schema", "add", "xgboost_input", schema.to_str().unwrap()])
        .ok();
    let data = fixture("guide/xgboost_iris_inputs.jsons");
    let run = env
        .run(&["schema", "verify", "xgboost_input", data.to_str().unwrap()])
        .ok();
    assert_eq!(run.stdout.matches("OK   ").count(), 25);
    env.write("bad.jsons", "{\"sepal_length\": \"long\", \"sepal_width\": 1, \"petal_length\": 1, \"petal_width\": 1}\n{\"sepal_length\": 1}\n");
    let run = env
        .run(&["schema", "verify", "xgboost_input", "bad.jsons"])
        .expect(1);
    assert!(
        run.stdout
            .contains("     field 'sepal_length': Double expected, not \"long\"\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("     field 'sepal_width': missing (double expected)\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn stream_round_trip_masks_secrets_and_expands_literals() {
    let env = Env::new();
    let rest = fixture("guide/rest.json");
    assert_eq!(
        env.run(&["stream", "add", "rest", rest.to_str().unwrap(), "-v"])
            .ok()
            .stdout,
        "Stream created\n"
    );
    env.write(
        "s3.json",
        r#"{"Transport": {"Type": "S3", "Bucket": "b", "AccessKeyID": "AK", "SecretAccessKey": "s3cr3t"}, "Encoding": "json"}"#,
    );
    env.run(&["stream", "add", "s3", "s3.json"]).ok();
    let show = env.run(&["stream", "show", "s3"]).ok();
    assert!(
        show.stdout.contains("\"SecretAccessKey\": \"*****\""),
        "{}",
        show.stdout
    );
    assert!(!show.stdout.contains("s3cr3t"));
    assert_eq!(env.run(&["stream", "list"]).ok().stdout, "rest\ns3\n");
    assert_eq!(
        env.run(&["stream", "list", "-json"]).ok().stdout,
        "[\n  \"rest\",\n  \"s3\"\n]\n"
    );
    assert_eq!(
        env.run(&["stream", "show", "rest:"]).ok().stdout,
        "{\n  \"Transport\": \"REST\",\n  \"Encoding\": \"json\"\n}\n"
    );
    assert_eq!(
        env.run(&["stream", "show", "foo:bar"]).expect(1).stderr,
        "Error: transport tag unknown: foo\n"
    );
    assert_eq!(
        env.run(&["stream", "show", "file:rel"]).expect(1).stderr,
        "Error: literal descriptor parse error (a valid file literal example: file:/path/to/mydata.json)\n"
    );
    env.write("list.json", "[1]");
    assert_eq!(
        env.run(&["stream", "add", "x", "list.json"])
            .expect(1)
            .stderr,
        "Error: Unable to add stream 'x'\n  Caused by: a descriptor must be a JSON object\n"
    );
    // the transport must be one of FastScore's (this engine's or a fleet's)
    env.write("typo.json", r#"{"Transport": {"Type": "kafak"}}"#);
    let err = env
        .run(&["stream", "add", "x", "typo.json"])
        .expect(1)
        .stderr;
    assert!(
        err.starts_with("Error: Unable to add stream 'x'\n  Caused by: unknown transport 'kafak' (FastScore's transports are rest, file, inline, exec, discard, kafka, tcp, http, udp,"),
        "{err}"
    );
    env.write("none.json", r#"{"Encoding": "json"}"#);
    assert_eq!(
        env.run(&["stream", "add", "x", "none.json"])
            .expect(1)
            .stderr,
        "Error: Unable to add stream 'x'\n  Caused by: the descriptor has no Transport\n"
    );
    assert_eq!(env.run(&["stream", "list"]).ok().stdout, "rest\ns3\n");
    assert_eq!(
        env.run(&["stream", "remove", "s3", "-v"]).ok().stdout,
        "Stream removed\n"
    );
    assert_eq!(
        env.run(&["stream", "show", "s3"]).expect(1).stderr,
        "Error: Stream 'nope' not found\n".replace("nope", "s3")
    );
}

#[test]
fn editing_with_editor() {
    let env = Env::new();
    env.write("cube.py3", CUBE);
    env.run(&["model", "add", "cube", "cube.py3"]).ok();
    let edit = |editor: &str, args: &[&str]| {
        let mut cmd = env.command(args);
        cmd.env("EDITOR", editor);
        support::finish(&mut cmd, "")
    };
    let unchanged = edit("true", &["model", "show", "cube", "-e", "-v"]).ok();
    assert_eq!(unchanged.stdout, "No changes (or changes discarded)\n");
    let failed = edit("false", &["model", "show", "cube", "-e", "-v"]).ok();
    assert_eq!(failed.stdout, "No changes (or changes discarded)\n");
    // $EDITOR is a shell command; a script keeps the quoting simple
    let script = env.write("edit.sh", "#!/bin/sh\nsed -i 's/x\\*x\\*x/x+1/' \"$1\"\n");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let changed = edit(
        script.to_str().unwrap(),
        &["model", "show", "cube", "-e", "-v"],
    )
    .ok();
    assert_eq!(changed.stdout, "Model updated\n");
    assert_eq!(
        env.run(&["model", "show", "cube"]).ok().stdout,
        "def action(x):\n  yield x+1\n"
    );

    // an edited stream keeps the secret that stayed masked
    env.write(
        "s3.json",
        r#"{"Transport": {"Type": "S3", "SecretAccessKey": "s3cr3t"}, "Encoding": "json"}"#,
    );
    env.run(&["stream", "add", "s3", "s3.json"]).ok();
    edit(
        "sed -i s/json\\\"$/utf8\\\"/",
        &["stream", "show", "s3", "-e", "-v"],
    )
    .ok();
    let stored = std::fs::read_to_string(env.store().join("model-manage/streams/s3.json")).unwrap();
    assert!(
        stored.contains("s3cr3t") && stored.contains("utf8"),
        "{stored}"
    );
    let invalid = edit("sed -i s/{/[/", &["schema", "show", "nope", "-e"]).expect(1);
    assert_eq!(invalid.stderr, "Error: Schema 'nope' not found\n");
    env.run_with_input(
        &["schema", "add", "rec"],
        r#"{"type": "record", "name": "r", "fields": []}"#,
    )
    .ok();
    let invalid = edit("sed -i s/{/[/", &["schema", "show", "rec", "-e"]).expect(1);
    assert_eq!(invalid.stderr, "Error: Invalid JSON\n");
}

#[test]
fn attachments_round_trip() {
    let env = Env::new();
    env.write("m.py3", CUBE);
    env.run(&["model", "add", "m", "m.py3"]).ok();
    // a real gzip stream and a real (empty) zip archive
    env.write(
        "data.tar.gz",
        [
            0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ],
    );
    let mut empty_zip = b"PK\x05\x06".to_vec();
    empty_zip.extend([0u8; 18]);
    env.write("sub/more.zip", &empty_zip);
    assert_eq!(
        env.run(&["attachment", "upload", "m", "data.tar.gz", "-v"])
            .ok()
            .stdout,
        "Attachment uploaded\n"
    );
    env.run(&["attachment", "upload", "m", "sub/more.zip"]).ok();
    assert_eq!(
        env.run(&["attachment", "list", "m"]).ok().stdout,
        "data.tar.gz\nmore.zip\n"
    );
    insta::assert_snapshot!(env.run(&["attachment", "list", "m", "-v"]).ok().stdout, @r"
    Name         Type      Size
    -----------  ------  ------
    data.tar.gz  tgz         20
    more.zip     zip         22
    ");

    std::fs::remove_file(env.work().join("data.tar.gz")).unwrap();
    assert_eq!(
        env.run(&["attachment", "download", "m", "data.tar.gz", "-v"])
            .ok()
            .stdout,
        "Attachment downloaded\n"
    );
    assert_eq!(
        std::fs::read(env.work().join("data.tar.gz")).unwrap().len(),
        20
    );
    // an ordinary file, readable by others as any file the user writes
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(env.work().join("data.tar.gz"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);

    env.write("notes.txt", "x");
    assert_eq!(
        env.run(&["attachment", "upload", "m", "notes.txt"])
            .expect(1)
            .stderr,
        "Error: notes.txt must have a proper extension (.zip, .tar.gz, .tgz)\n"
    );
    env.write("fake.zip", "not a zip");
    assert_eq!(
        env.run(&["attachment", "upload", "m", "fake.zip"])
            .expect(1)
            .stderr,
        "Error: Cannot upload attachment 'fake.zip'\n  Caused by: fake.zip is not a zip archive\n"
    );
    assert_eq!(
        env.run(&["attachment", "upload", "m", "gone.tgz"]).expect(1).stderr,
        "Error: Cannot upload attachment 'gone.tgz'\n  Caused by: gone.tgz: No such file or directory\n"
    );
    assert_eq!(
        env.run(&["attachment", "upload", "nomodel", "sub/more.zip"])
            .expect(1)
            .stderr,
        "Error: Model 'nomodel' not found\n"
    );
    assert_eq!(
        env.run(&["attachment", "remove", "m", "more.zip", "-v"])
            .ok()
            .stdout,
        "Attachment removed\n"
    );
    assert_eq!(
        env.run(&["attachment", "remove", "m", "more.zip"]).expect(1).stderr,
        "Error: Cannot remove attachment 'more.zip'\n  Caused by: attachment 'more.zip' not found\n"
    );
    // removing the model removes its attachments
    env.run(&["model", "remove", "m"]).ok();
    env.run(&["model", "add", "m", "m.py3"]).ok();
    assert_eq!(
        env.run(&["attachment", "list", "m", "-v"]).ok().stdout,
        "No attachments found\n"
    );
}

#[test]
fn policies_sensors_and_snapshots() {
    let env = Env::new();
    assert_eq!(
        env.run_with_input(&["policy", "set"], "os: prohibit\n")
            .expect(1)
            .stderr,
        "Error: Model type not set (use -type: option)\n"
    );
    assert_eq!(
        env.run_with_input(&["policy", "set", "-type:python3", "-v"], "os: prohibit\n")
            .ok()
            .stdout,
        "Import policy updated\n"
    );
    assert_eq!(
        env.run(&["policy", "show", "-type:python3"]).ok().stdout,
        "os: prohibit\n"
    );
    assert_eq!(env.run(&["policy", "show", "-type:python"]).ok().stdout, "");
    assert_eq!(
        env.run(&["policy", "show", "-type:pfa-json"])
            .expect(1)
            .stderr,
        "Error: Model type 'pfa-json' not recognized\n"
    );

    env.write(
        "sensor.json",
        r#"{"Tap": "sys.memory", "Activate": {"Type": "regular", "Interval": 0.5}}"#,
    );
    assert_eq!(
        env.run(&["sensor", "add", "mem", "sensor.json", "-v"])
            .ok()
            .stdout,
        "Sensor created\n"
    );
    assert_eq!(env.run(&["sensor", "list"]).ok().stdout, "mem\n");
    assert_eq!(
        env.run(&["sensor", "list", "-json"]).ok().stdout,
        "[\n  \"mem\"\n]\n"
    );
    assert!(env
        .run(&["sensor", "show", "mem"])
        .ok()
        .stdout
        .contains("\"Tap\": \"sys.memory\""));
    assert_eq!(
        env.run(&["sensor", "remove", "mem", "-v"]).ok().stdout,
        "Sensor removed\n"
    );
    assert_eq!(
        env.run(&["sensor", "show", "mem"]).expect(1).stderr,
        "Error: Sensor 'mem' not found\n"
    );

    env.write("m.py3", CUBE);
    env.run(&["model", "add", "m", "m.py3"]).ok();
    assert_eq!(env.run(&["snapshot", "list", "m"]).ok().stdout, "");
    assert_eq!(
        env.run(&["snapshot", "list", "m", "-v", "-count:3"])
            .ok()
            .stdout,
        "No snapshots found\n"
    );
    assert_eq!(
        env.run(&["snapshot", "restore", "m"]).ok().stdout,
        "No snapshots found\n"
    );
    assert_eq!(
        env.run(&["snapshot", "list", "x"]).expect(1).stderr,
        "Error: Model 'x' not found\n"
    );
    assert_eq!(
        env.run(&["snapshot", "show", "m", "abc"]).expect(1).stderr,
        "Error: Cannot retrieve snapshot 'abc' metadata\n  Caused by: snapshot 'abc' not found\n"
    );
}

#[test]
fn concurrent_writers_lose_nothing() {
    let env = Env::new();
    env.write("m.py3", CUBE);
    let children: Vec<_> = (0..12)
        .map(|i| {
            let name = format!("m{}", i % 6);
            env.command(&["model", "add", &name, "m.py3"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let list = env.run(&["model", "list"]).ok().stdout;
    for i in 0..6 {
        assert!(list.contains(&format!("m{i}      python3")), "{list}");
    }
    for i in 0..6 {
        assert_eq!(
            env.run(&["model", "show", &format!("m{i}")]).ok().stdout,
            CUBE
        );
    }
    // no temporary files are left in the store
    let leftovers: Vec<_> = walk(&env.store())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".fastscore-tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            }
            out.push(p);
        }
    }
    out
}

#[test]
fn the_next_writer_removes_what_a_killed_writer_left() {
    let env = Env::new();
    env.write("m.py3", CUBE);
    env.run(&["model", "add", "m", "m.py3"]).ok();
    let mut empty_zip = b"PK\x05\x06".to_vec();
    empty_zip.extend([0u8; 18]);
    env.write("data.zip", &empty_zip);
    env.run(&["attachment", "upload", "m", "data.zip"]).ok();
    env.run_with_input(&["schema", "add", "s1"], "\"int\"").ok();
    // what `attachment upload`, `schema add` and `model remove` leave when killed mid-way
    let mm = env.store().join("model-manage");
    let big = mm.join("models/m/attachments/.fastscore-tmp-Ab12Cd");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let schema_tmp = mm.join("schemas/.fastscore-tmp-Xy34Zw");
    std::fs::write(&schema_tmp, "\"lo").unwrap();
    let trash = mm.join(".fastscore-tmp-Qr56St/model");
    std::fs::create_dir_all(&trash).unwrap();
    std::fs::write(trash.join("model"), "python3\n").unwrap();

    env.run_with_input(&["schema", "add", "s2"], "\"long\"")
        .ok();
    let leftovers: Vec<_> = walk(&env.store())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".fastscore-tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(
        env.run(&["model", "list"]).ok().stdout,
        "Name    Type\n------  -------\nm       python3\n"
    );
    assert_eq!(
        env.run(&["attachment", "list", "m"]).ok().stdout,
        "data.zip\n"
    );
    assert_eq!(env.run(&["schema", "list"]).ok().stdout, "s1\ns2\n");
    assert_eq!(env.run(&["model", "show", "m"]).ok().stdout, CUBE);
}
