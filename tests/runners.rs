//! Models in other languages than Python, each run by its own runner: the project's own
//! models in fixtures/models/<language>/ scored end to end, syntax errors reported by
//! `model verify` with their line, crashes as engine errors, missing toolchains named.

mod support;
use std::time::{Duration, Instant};
use support::Env;

/// Add the fixture model `fixtures/models/<dir>/<file>` as `name`.
fn add_fixture(env: &Env, dir: &str, file: &str, name: &str) {
    let path = support::fixture(&format!("models/{dir}/{file}"));
    let copy = env.write(file, std::fs::read(&path).expect("fixture model"));
    env.run(&["model", "add", name, copy.to_str().unwrap()])
        .ok();
}

fn add_schema(env: &Env, name: &str, schema: &str) {
    env.run_with_input(&["schema", "add", name], schema).ok();
}

/// `run <model> file:<input> file:<output> -wait` on a reset engine: what it wrote.
fn scored(env: &Env, model: &str, input: &str) -> String {
    env.run(&["engine", "reset"]).ok();
    let data = env.write(&format!("{model}.in"), input);
    let out = env.work().join(format!("{model}.out"));
    env.run(&[
        "run",
        model,
        &format!("file:{}", data.display()),
        &format!("file:{}", out.display()),
        "-wait",
    ])
    .ok();
    std::fs::read_to_string(out).unwrap()
}

/// Two record sets (closed by a `set` control record and by the end) through `model`.
fn sorted_sets(env: &Env, model: &str) -> String {
    env.write("sets.jsons", "{\"x\": 3, \"n\": \"c\"}\n{\"x\": 1.5, \"n\": \"a\"}\n{\"x\": 2, \"n\": \"b\"}\n{\"$fastscore\": \"set\"}\n{\"x\": 9, \"n\": \"z\"}\n{\"x\": -1, \"n\": \"y\"}\n");
    let doc = serde_json::json!({"Transport": {"Type": "file", "Path": env.work().join("sets.jsons")}, "Encoding": "json", "Batching": "explicit"});
    env.write("sets.json", doc.to_string());
    env.run(&["stream", "add", "sets", "sets.json"]).ok();
    env.run(&["engine", "reset"]).ok();
    let out = env.work().join(format!("{model}.sorted"));
    env.run(&[
        "run",
        model,
        "sets",
        &format!("file:{}", out.display()),
        "-wait",
    ])
    .ok();
    std::fs::read_to_string(out).unwrap()
}

/// `engine inspect -v` once the engine is in ERROR.
fn failure(env: &Env) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let shown = env.run(&["engine", "inspect", "-v"]).stdout;
        if shown.contains("The model failed") {
            return shown;
        }
        assert!(Instant::now() < deadline, "no failure: {shown}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn rscript_present() {
    assert!(
        std::process::Command::new("Rscript")
            .args(["-e", "library(jsonlite)"])
            .output()
            .is_ok_and(|o| o.status.success()),
        "Rscript with jsonlite is missing: run `make test`, which installs r-base-core and r-cran-jsonlite"
    );
}

#[test]
fn r_models_score_records_and_record_sets() {
    rscript_present();
    let env = Env::new();
    add_fixture(&env, "r", "echo.R", "echo-r");
    assert_eq!(
        scored(
            &env,
            "echo-r",
            "{\"a\": 1, \"b\": [1, 2], \"c\": \"x\\u00e9\"}\n7\n\"s\"\n"
        ),
        // jsonlite's UTF-8 text rather than Python's \u escapes
        "{\"a\": 1, \"b\": [1, 2], \"c\": \"x\u{e9}\"}\n7\n\"s\"\n"
    );
    add_schema(&env, "int", "\"int\"");
    add_fixture(&env, "r", "add1.R", "add1-r");
    assert_eq!(scored(&env, "add1-r", "1\n2\n41\n"), "2\n3\n42\n");
    // emitTo another slot, the slot number as a second argument
    add_schema(
        &env,
        "doubles",
        "{\"type\": \"array\", \"items\": \"double\"}",
    );
    add_schema(&env, "double", "\"double\"");
    add_fixture(&env, "r", "sum_array.R", "sum-r");
    env.run(&["engine", "reset"]).ok();
    let data = env.write("arrays.jsons", "[1.5, 2.25]\n[0.1, 0.2]\n[]\n");
    let (sums, counts) = (env.work().join("sums"), env.work().join("counts"));
    env.run(&["model", "load", "sum-r"]).ok();
    for (path, slot) in [(&sums, "1"), (&counts, "3")] {
        env.run(&[
            "stream",
            "attach",
            &format!("file:{}", path.display()),
            slot,
        ])
        .ok();
    }
    env.run(&["stream", "attach", &format!("file:{}", data.display()), "0"])
        .ok();
    let deadline = Instant::now() + Duration::from_secs(30);
    while env.run(&["engine", "inspect"]).stdout != "FINISHED\n" {
        assert!(Instant::now() < deadline, "the model never finished");
        std::thread::sleep(Duration::from_millis(100));
    }
    // numbers keep every digit (0.1 + 0.2 is not 0.3)
    assert_eq!(
        std::fs::read_to_string(&sums).unwrap(),
        "3.75\n0.30000000000000004\n0\n"
    );
    assert_eq!(
        std::fs::read_to_string(&counts).unwrap(),
        "{\"n\": 2, \"slot\": 0}\n{\"n\": 2, \"slot\": 0}\n{\"n\": 0, \"slot\": 0}\n"
    );
    // begin and end are the model's own; its console goes to the engine's log
    add_schema(&env, "applicant", "{\"type\": \"record\", \"name\": \"a\", \"fields\": [{\"name\": \"id\", \"type\": \"int\"}, {\"name\": \"income\", \"type\": \"double\"}, {\"name\": \"debt\", \"type\": \"double\"}]}");
    add_fixture(&env, "r", "score.R", "score-r");
    assert_eq!(
        scored(
            &env,
            "score-r",
            "{\"id\": 1, \"income\": 50000, \"debt\": 0.5}\n{\"id\": 2, \"income\": 20000, \"debt\": 1.25}\n{\"id\": 3, \"income\": 120000, \"debt\": 0.1}\n"
        ),
        "{\"id\": 1, \"score\": 0.401312339887548}\n{\"id\": 2, \"score\": 0.13010847436299786}\n{\"id\": 3, \"score\": 0.8828810091242195}\n"
    );
    // record sets: a data.frame in, a data.frame out, then a `set`
    add_fixture(&env, "r", "sort_sets.R", "sort-r");
    assert_eq!(
        sorted_sets(&env, "sort-r"),
        "{\"x\": 1.5, \"n\": \"a\"}\n{\"x\": 2, \"n\": \"b\"}\n{\"x\": 3, \"n\": \"c\"}\n{\"$fastscore\": \"set\"}\n\
         {\"x\": -1, \"n\": \"y\"}\n{\"x\": 9, \"n\": \"z\"}\n{\"$fastscore\": \"set\"}\n"
    );
    env.run(&["engine", "reset"]).ok();
}

#[test]
fn r_models_that_are_wrong_say_where() {
    rscript_present();
    let env = Env::new();
    env.write(
        "broken.R",
        "action <- function(datum) {\n  x <- datum +\n  emit(x y)\n}\n",
    );
    env.run(&["model", "add", "broken", "broken.R"]).ok();
    let verify = env.run(&["model", "verify", "broken"]).expect(1);
    assert!(
        verify
            .stderr
            .contains("syntax error: unexpected symbol (__model.R, line 3)"),
        "{}",
        verify.stderr
    );
    env.write("nocall.R", "act <- function(datum) emit(datum)\n");
    env.run(&["model", "add", "nocall", "nocall.R"]).ok();
    let verify = env.run(&["model", "verify", "nocall"]).expect(1);
    assert!(
        verify
            .stderr
            .contains("A slot 0 callback function named 'action' not found"),
        "{}",
        verify.stderr
    );
    // an error in the model: ERROR, with the R message, the model's line and the record
    env.write(
        "boom.R",
        "action <- function(datum) {\n  if (datum == 2) stop(\"two is bad\")\n  emit(datum)\n}\n",
    );
    env.run(&["model", "add", "boom", "boom.R"]).ok();
    env.run(&["engine", "reset"]).ok();
    env.run(&["run", "boom", "inline:1,2,3", "discard:"]);
    let shown = failure(&env);
    assert!(
        shown.contains("The model failed: Error in action(datum): two is bad"),
        "{shown}"
    );
    assert!(
        shown.contains("__model.R#2: stop(\"two is bad\")"),
        "{shown}"
    );
    assert!(shown.contains("   2: 2\n"), "{shown}");
    // a model whose R process dies: ERROR with how it ended and its last words
    env.write(
        "quits.R",
        "action <- function(datum) {\n  cat(\"leaving now\\n\")\n  quit(status = 7)\n}\n",
    );
    env.run(&["model", "add", "quits", "quits.R"]).ok();
    env.run(&["engine", "reset"]).ok();
    env.run(&["run", "quits", "inline:1", "discard:"]);
    let shown = failure(&env);
    assert!(shown.contains("exited with status 7"), "{shown}");
    assert!(shown.contains("leaving now"), "{shown}");
    env.run(&["engine", "reset"]).ok();
}

#[test]
fn a_missing_r_is_named_with_what_to_install() {
    let env = Env::new();
    add_fixture(&env, "r", "echo.R", "echo-r");
    let verify = env
        .command(&["model", "verify", "echo-r"])
        .env("FASTSCORE_RSCRIPT", "/nonexistent/Rscript")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert_eq!(verify.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("install r-base-core and r-cran-jsonlite"),
        "{stderr}"
    );
    env.run(&["engine", "stop"]).ok();
}

fn jdk_present() {
    assert!(
        std::process::Command::new("javac")
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "javac is missing: run `make test`, which installs openjdk-17-jdk-headless"
    );
}

#[test]
fn java_models_are_compiled_at_load_and_score_records() {
    jdk_present();
    let env = Env::new();
    add_fixture(&env, "java", "EchoJava.java", "echo-java");
    assert_eq!(
        scored(
            &env,
            "echo-java",
            "{\"a\": 1, \"s\": \"x,y]\\n\\\"z\\\"\"}\n[1, [2, 3]]\n\"s\"\n"
        ),
        "{\"a\": 1, \"s\": \"x,y]\\n\\\"z\\\"\"}\n[1, [2, 3]]\n\"s\"\n"
    );
    add_schema(&env, "int", "\"int\"");
    add_fixture(&env, "java", "AddOne.java", "add1-java");
    assert_eq!(scored(&env, "add1-java", "1\n2\n41\n"), "2\n3\n42\n");
    add_schema(
        &env,
        "doubles",
        "{\"type\": \"array\", \"items\": \"double\"}",
    );
    add_schema(&env, "double", "\"double\"");
    add_fixture(&env, "java", "SumArray.java", "sum-java");
    assert_eq!(
        scored(&env, "sum-java", "[1.5, 2.25]\n[0.1, 0.2]\n[]\n"),
        "3.75\n0.30000000000000004\n0.0\n"
    );
    // a JAR in an attachment is on the class path
    let jar_dir = support::fixture("models/java/jar");
    let classes = env.work().join("jar-classes");
    let javac = std::process::Command::new("javac")
        .arg("-d")
        .arg(&classes)
        .arg(jar_dir.join("scoring/Coefficients.java"))
        .status()
        .unwrap();
    assert!(javac.success());
    let jar = std::process::Command::new("jar")
        .args(["cf", "scoring.jar", "-C"])
        .arg(&classes)
        .arg(".")
        .current_dir(env.work())
        .status()
        .unwrap();
    assert!(jar.success());
    let tar = std::process::Command::new("tar")
        .args(["czf", "coefficients.tar.gz", "scoring.jar"])
        .current_dir(env.work())
        .status()
        .unwrap();
    assert!(tar.success());
    add_schema(&env, "applicant", "{\"type\": \"record\", \"name\": \"a\", \"fields\": [{\"name\": \"id\", \"type\": \"int\"}, {\"name\": \"income\", \"type\": \"double\"}, {\"name\": \"debt\", \"type\": \"double\"}]}");
    add_fixture(&env, "java", "Score.java", "score-java");
    env.run(&["attachment", "upload", "score-java", "coefficients.tar.gz"])
        .ok();
    assert_eq!(
        scored(
            &env,
            "score-java",
            "{\"id\": 1, \"income\": 50000, \"debt\": 0.5}\n{\"id\": 2, \"income\": 20000, \"debt\": 1.25}\n"
        ),
        "{\"id\": 1, \"score\": 0.401312339887548}\n{\"id\": 2, \"score\": 0.13010847436299786}\n"
    );
    // record sets: the set's JSON array in, a JSON array out, then a `set`
    add_fixture(&env, "java", "SortSets.java", "sort-java");
    assert_eq!(
        sorted_sets(&env, "sort-java"),
        "{\"x\": 1.5, \"n\": \"a\"}\n{\"x\": 2, \"n\": \"b\"}\n{\"x\": 3, \"n\": \"c\"}\n{\"$fastscore\": \"set\"}\n\
         {\"x\": -1, \"n\": \"y\"}\n{\"x\": 9, \"n\": \"z\"}\n{\"$fastscore\": \"set\"}\n"
    );
    env.run(&["engine", "reset"]).ok();
}

#[test]
fn java_models_that_are_wrong_say_where() {
    jdk_present();
    let env = Env::new();
    env.write(
        "Broken.java",
        "import fastscore.IJavaModel;\n\npublic class Broken implements IJavaModel {\n    public void begin() {}\n    public String action(String datum) {\n        return datum\n    }\n    public void end() {}\n}\n",
    );
    env.run(&["model", "add", "broken", "Broken.java"]).ok();
    let verify = env.run(&["model", "verify", "broken"]).expect(1);
    assert!(
        verify
            .stderr
            .contains("compile error: ';' expected (Broken.java, line 6)"),
        "{}",
        verify.stderr
    );
    env.write(
        "Throws.java",
        "import fastscore.IJavaModel;\n\npublic class Throws implements IJavaModel {\n    public void begin() {}\n    public String action(String datum) {\n        if (datum.equals(\"2\")) throw new IllegalStateException(\"two is bad\");\n        return datum;\n    }\n    public void end() {}\n}\n",
    );
    env.run(&["model", "add", "throws", "Throws.java"]).ok();
    env.run(&["engine", "reset"]).ok();
    env.run(&["run", "throws", "inline:1,2,3", "discard:"]);
    let shown = failure(&env);
    assert!(
        shown.contains("The model failed: java.lang.IllegalStateException: two is bad"),
        "{shown}"
    );
    assert!(shown.contains("at Throws.action(Throws.java:6)"), "{shown}");
    assert!(shown.contains("   2: 2\n"), "{shown}");
    env.run(&["engine", "reset"]).ok();
    // no JDK: one message that says what to install
    add_fixture(&env, "java", "EchoJava.java", "echo-java");
    env.run(&["engine", "stop"]).ok();
    let verify = env
        .command(&["model", "verify", "echo-java"])
        .env("JAVA_HOME", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert_eq!(verify.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("install openjdk-17-jdk-headless"),
        "{stderr}"
    );
    env.run(&["engine", "stop"]).ok();
}

fn gcc_present() {
    assert!(
        std::path::Path::new("/usr/include/jansson.h").exists()
            && std::process::Command::new("gcc")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success()),
        "gcc or Jansson is missing: run `make test`, which installs gcc and libjansson-dev"
    );
}

#[test]
fn c_models_are_compiled_at_load_and_score_records_and_record_sets() {
    gcc_present();
    let env = Env::new();
    add_fixture(&env, "c", "echo.c", "echo-c");
    assert_eq!(
        scored(&env, "echo-c", "{\"a\": 1, \"b\": [1.5, 2]}\n7\n\"s\\n\"\n"),
        "{\"a\": 1, \"b\": [1.5, 2]}\n7\n\"s\\n\"\n"
    );
    add_schema(&env, "int", "\"int\"");
    add_fixture(&env, "c", "add1.c", "add1-c");
    assert_eq!(scored(&env, "add1-c", "1\n2\n41\n"), "2\n3\n42\n");
    add_schema(
        &env,
        "doubles",
        "{\"type\": \"array\", \"items\": \"double\"}",
    );
    add_schema(&env, "double", "\"double\"");
    add_fixture(&env, "c", "sum_array.c", "sum-c");
    assert_eq!(
        scored(&env, "sum-c", "[1.5, 2.25]\n[0.1, 0.2]\n[]\n"),
        "3.75\n0.30000000000000004\n0.0\n"
    );
    add_schema(&env, "applicant", "{\"type\": \"record\", \"name\": \"a\", \"fields\": [{\"name\": \"id\", \"type\": \"int\"}, {\"name\": \"income\", \"type\": \"double\"}, {\"name\": \"debt\", \"type\": \"double\"}]}");
    add_fixture(&env, "c", "score.c", "score-c");
    assert_eq!(
        scored(
            &env,
            "score-c",
            "{\"id\": 1, \"income\": 50000, \"debt\": 0.5}\n{\"id\": 3, \"income\": 120000, \"debt\": 0.1}\n"
        ),
        "{\"id\": 1, \"score\": 0.401312339887548}\n{\"id\": 3, \"score\": 0.8828810091242195}\n"
    );
    add_fixture(&env, "c", "sort_sets.c", "sort-c");
    assert_eq!(
        sorted_sets(&env, "sort-c"),
        "{\"x\": 1.5, \"n\": \"a\"}\n{\"x\": 2, \"n\": \"b\"}\n{\"x\": 3, \"n\": \"c\"}\n{\"$fastscore\": \"set\"}\n\
         {\"x\": -1, \"n\": \"y\"}\n{\"x\": 9, \"n\": \"z\"}\n{\"$fastscore\": \"set\"}\n"
    );
    env.run(&["engine", "reset"]).ok();
}

#[test]
fn c_models_that_are_wrong_say_where() {
    gcc_present();
    let env = Env::new();
    env.write(
        "broken.c",
        "#include \"fastscore.h\"\n\nvoid action(fastscore_value_t v, int slot, int seqno)\n{\n    int x = 1\n}\n",
    );
    env.run(&["model", "add", "broken", "broken.c"]).ok();
    let verify = env.run(&["model", "verify", "broken"]).expect(1);
    assert!(
        verify
            .stderr
            .contains("compile error: expected ',' or ';' before '}' token (__model.c, line 6)"),
        "{}",
        verify.stderr
    );
    env.write(
        "noaction.c",
        "#include \"fastscore.h\"\nvoid begin(void) {}\n",
    );
    env.run(&["model", "add", "noaction", "noaction.c"]).ok();
    let verify = env.run(&["model", "verify", "noaction"]).expect(1);
    assert!(
        verify
            .stderr
            .contains("the model defines no action function"),
        "{}",
        verify.stderr
    );
    // a model that crashes: ERROR with the signal and what it printed
    env.write(
        "crash.c",
        "#include <stdio.h>\n#include \"fastscore.h\"\n\nvoid action(fastscore_value_t v, int slot, int seqno)\n{\n    printf(\"record %d\\n\", seqno);\n    fflush(stdout);\n    if (seqno == 2) *(volatile int *)0 = 1;\n}\n",
    );
    env.run(&["model", "add", "crash", "crash.c"]).ok();
    env.run(&["engine", "reset"]).ok();
    // the model may crash before `run` returns, which then says so
    env.run(&["run", "crash", "inline:1,2,3", "discard:"]);
    let shown = failure(&env);
    assert!(shown.contains("killed by signal 11 (SIGSEGV)"), "{shown}");
    assert!(shown.contains("record 2"), "{shown}");
    env.run(&["engine", "reset"]).ok();
    // no compiler: one message that says what to install
    env.run(&["engine", "stop"]).ok();
    let verify = env
        .command(&["model", "verify", "broken"])
        .env("CC", "/nonexistent/gcc")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert_eq!(verify.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("install gcc and libjansson-dev"),
        "{stderr}"
    );
    env.run(&["engine", "stop"]).ok();
}

/// The PFA venv `make test` makes (FASTSCORE_PFA_PYTHON).
fn titus_present() {
    let python = std::env::var("FASTSCORE_PFA_PYTHON").unwrap_or_default();
    assert!(
        std::process::Command::new(&python)
            .args(["-c", "import titus, numpy"])
            .output()
            .is_ok_and(|o| o.status.success()),
        "FASTSCORE_PFA_PYTHON ('{python}') has no titus2: run `make test`, which makes .venv-pfa"
    );
}

#[test]
fn pfa_models_in_json_yaml_and_pretty_pfa_score_with_their_own_types() {
    titus_present();
    let env = Env::new();
    add_fixture(&env, "pfa", "echo.pfa", "echo-pfa");
    assert_eq!(
        scored(
            &env,
            "echo-pfa",
            "{\"x\": 1, \"name\": \"a\\u00e9\"}\n{\"x\": \"one\", \"name\": \"b\"}\n{\"x\": 2, \"name\": \"c\"}\n"
        ),
        "{\"x\": 1, \"name\": \"a\\u00e9\"}\n{\"x\": 2, \"name\": \"c\"}\n"
    );
    // the record the document's input type refuses is rejected, with its reason
    let shown = env.run(&["engine", "inspect", "-v"]).ok().stdout;
    assert!(shown.contains("field 'x': Int expected"), "{shown}");
    add_fixture(&env, "pfa", "add1.pfa", "add1-pfa");
    assert_eq!(scored(&env, "add1-pfa", "1\n2\n41\n"), "2\n3\n42\n");
    // YAML, with a cell that keeps a running total
    add_fixture(&env, "pfa", "sum_array.yaml", "sum-pfa");
    assert_eq!(
        scored(&env, "sum-pfa", "[1.5, 2.25]\n[0.1, 0.2]\n[]\n"),
        "{\"sum\": 3.75, \"total\": 3.75}\n{\"sum\": 0.30000000000000004, \"total\": 4.05}\n{\"sum\": 0, \"total\": 4.05}\n"
    );
    add_fixture(&env, "pfa", "score.ppfa", "score-pfa");
    assert_eq!(
        scored(
            &env,
            "score-pfa",
            "{\"id\": 1, \"income\": 50000, \"debt\": 0.5}\n{\"id\": 2, \"income\": 20000, \"debt\": 1.25}\n"
        ),
        "{\"id\": 1, \"score\": 0.401312339887548}\n{\"id\": 2, \"score\": 0.13010847436299786}\n"
    );
    add_fixture(&env, "pfa", "sort.yaml", "sort-pfa");
    assert_eq!(
        scored(&env, "sort-pfa", "[3, 1.5, 2]\n[9, -1]\n"),
        "[1.5, 2.0, 3.0]\n[-1.0, 9.0]\n"
    );
    env.run(&["engine", "reset"]).ok();
}

#[test]
fn pfa_models_that_are_wrong_say_why() {
    titus_present();
    let env = Env::new();
    env.write(
        "typed.pfa",
        "{\"input\": \"double\", \"output\": \"string\", \"action\": [{\"+\": [\"input\", 1]}]}",
    );
    env.run(&["model", "add", "typed", "typed.pfa"]).ok();
    let verify = env.run(&["model", "verify", "typed"]).expect(1);
    assert!(
        verify.stderr.contains("invalid PFA document: PFA semantic error: action's inferred output type is double but the declared output type is string"),
        "{}",
        verify.stderr
    );
    env.write(
        "raises.pfa",
        "{\"input\": \"double\", \"output\": \"double\", \"action\": [{\"if\": {\"==\": [\"input\", 2]}, \"then\": [{\"error\": \"two is bad\"}], \"else\": [\"input\"]}]}",
    );
    env.run(&["model", "add", "raises", "raises.pfa"]).ok();
    env.run(&["engine", "reset"]).ok();
    env.run(&["run", "raises", "inline:1,2,3", "discard:"]);
    let shown = failure(&env);
    assert!(shown.contains("two is bad"), "{shown}");
    assert!(shown.contains("   2: 2\n"), "{shown}");
    env.run(&["engine", "reset"]).ok();
    // no PFA environment: one message that says what to set up
    env.run(&["engine", "stop"]).ok();
    let verify = env
        .command(&["model", "verify", "typed"])
        .env("FASTSCORE_PFA_PYTHON", "/nonexistent/python")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert_eq!(verify.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("titus2 in a Python 3.11 venv"), "{stderr}");
    env.run(&["engine", "stop"]).ok();
}

/// Where `make test` put titus2 and what it needs as wheels ($FASTSCORE_TEST_PFA_WHEELS).
fn pfa_wheels() -> String {
    let dir = std::env::var("FASTSCORE_TEST_PFA_WHEELS").expect(
        "FASTSCORE_TEST_PFA_WHEELS is not set: run the tests with `make test`, which downloads the PFA requirements into target/pfa-wheels",
    );
    assert!(
        std::path::Path::new(&dir).join(".done").exists(),
        "{dir} is not complete: `make test` downloads the PFA requirements there"
    );
    dir
}

/// A command whose engine makes its own PFA venv (no FASTSCORE_PFA_PYTHON) in `cache`,
/// its pip installing from `make test`'s wheels only (never from the package index).
fn without_pfa_venv(env: &Env, cache: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut cmd = env.command(args);
    cmd.env_remove("FASTSCORE_PFA_PYTHON")
        .env("XDG_CACHE_HOME", cache)
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", pfa_wheels())
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
    cmd
}

#[test]
fn the_pfa_runtime_is_made_on_first_use_while_the_cli_waits_for_it() {
    const LIMIT: Duration = Duration::from_secs(15 * 60);
    let env = Env::new();
    let cache = env.dir.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    add_fixture(&env, "pfa", "add1.pfa", "add1-pfa");
    // a file where the venv's directory goes: the preparation fails, told in one line
    std::fs::write(cache.join("fastscore"), "").unwrap();
    let failed = support::finish_within(
        &mut without_pfa_venv(&env, &cache, &["model", "verify", "add1-pfa"]),
        LIMIT,
    )
    .expect(1);
    assert_eq!(failed.stderr.lines().count(), 1, "{}", failed.stderr);
    assert!(
        failed
            .stderr
            .starts_with("Error: cannot prepare the PFA runtime (titus2): cannot create ")
            && failed.stderr.contains("File exists"),
        "{}",
        failed.stderr
    );
    // the next requests try again: two at once wait for one preparation
    std::fs::remove_file(cache.join("fastscore")).unwrap();
    let verified: Vec<support::Run> = std::thread::scope(|scope| {
        let verifies: Vec<_> = (0..2)
            .map(|_| {
                let mut cmd = without_pfa_venv(&env, &cache, &["model", "verify", "add1-pfa"]);
                scope.spawn(move || support::finish_within(&mut cmd, LIMIT))
            })
            .collect();
        verifies.into_iter().map(|v| v.join().unwrap()).collect()
    });
    for run in verified {
        let run = run.ok();
        assert_eq!(run.stdout, "The model contains no errors\n");
        assert!(
            run.stderr.lines().all(|l| l
                .starts_with("Waiting for engine-1 to prepare the PFA runtime (titus2): ")
                && l.ends_with(" s")),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.is_empty(), "it did not wait");
    }
    let log = std::fs::read_to_string(env.store().join("engines/engine-1/engine.log")).unwrap();
    assert_eq!(
        log.matches("started to prepare the PFA runtime (titus2)")
            .count(),
        2,
        "{log}"
    );
    assert!(cache.join("fastscore/pfa-venv/.ready").exists());
    // models run with it
    let out = env.work().join("add1.out");
    support::finish_within(
        &mut without_pfa_venv(
            &env,
            &cache,
            &[
                "run",
                "add1-pfa",
                "inline:1,2,41",
                &format!("file:{}", out.display()),
                "-wait",
            ],
        ),
        Duration::from_secs(120),
    )
    .ok();
    assert_eq!(std::fs::read_to_string(out).unwrap(), "2\n3\n42\n");
}
