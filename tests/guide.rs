//! The guide "Conform and Deploy a Model" (../shared/guide), command for command, on the
//! embedded fleet: the guide's model, schemas and streams, the iris input records, and an
//! XGBoost classifier trained and packed by fixtures/guide/train_iris.py.

mod support;
use std::path::Path;
use support::{attachment, fixture, Env};

/// What the classifier predicts for the first `n` input records, computed directly.
fn expected_predictions(python: &str, attachment: &Path, inputs: &Path, n: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let unpack = std::process::Command::new("tar")
        .arg("xzf")
        .arg(attachment)
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(unpack.success());
    let script = format!(
        "import json, pickle, pandas as pd\n\
         rows = [json.loads(l) for l in open({inputs:?}) if l.strip()][:{n}]\n\
         model = pickle.load(open('xgboost_explicit.pkl', 'rb'))\n\
         preds = model.predict_proba(data=pd.DataFrame(rows))\n\
         for p in preds:\n    print(json.dumps({{'A': float(p[0]), 'B': float(p[1]), 'C': float(p[2])}}))\n"
    );
    let out = std::process::Command::new(python)
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_guide_walk_through_works_verbatim() {
    let env = Env::new();
    let python = support::data_python();
    let attachment = attachment(&env, &python);
    let lib = env.work().join("library");
    for (file, dir) in [
        ("guide/xgboost_iris_inputs.jsons", "scripts"),
        ("guide/xgboost_iris_output.avsc", "schemas"),
        ("guide/xgboost_iris.py3", "models"),
        ("guide/rest.json", "streams"),
    ] {
        std::fs::create_dir_all(lib.join(dir)).unwrap();
        let name = Path::new(file).file_name().unwrap();
        std::fs::copy(fixture(file), lib.join(dir).join(name)).unwrap();
    }
    std::fs::create_dir_all(lib.join("attachments")).unwrap();
    std::fs::copy(&attachment, lib.join("attachments/xgboost_explicit.tar.gz")).unwrap();

    // 2. Model schema
    let inferred = env
        .run(&[
            "schema",
            "infer",
            "library/scripts/xgboost_iris_inputs.jsons",
        ])
        .ok()
        .stdout;
    assert_eq!(inferred.matches("\"type\": \"double\"").count(), 4);
    std::fs::write(lib.join("schemas/xgboost_iris_input.avsc"), &inferred).unwrap();
    env.run(&[
        "schema",
        "add",
        "xgboost_input",
        "library/schemas/xgboost_iris_input.avsc",
    ])
    .ok();
    env.run(&[
        "schema",
        "add",
        "xgboost_output",
        "library/schemas/xgboost_iris_output.avsc",
    ])
    .ok();
    // 3. Model execution script, 4. attachment, 5. stream
    env.run(&[
        "model",
        "add",
        "xgboost_iris-py3",
        "library/models/xgboost_iris.py3",
    ])
    .ok();
    env.run(&[
        "attachment",
        "upload",
        "xgboost_iris-py3",
        "library/attachments/xgboost_explicit.tar.gz",
    ])
    .ok();
    env.run(&["stream", "add", "rest", "library/streams/rest.json"])
        .ok();

    // Deploy as REST
    env.run(&["use", "engine-1"]).ok();
    env.run(&["engine", "reset"]).ok();
    env.run(&["run", "xgboost_iris-py3", "rest:", "rest:"]).ok();
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "RUNNING\n");

    // Test the model, through a real shell pipe
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_fastscore"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut pipe = env.command(&[]);
    pipe.env("PATH", path);
    let mut shell = std::process::Command::new("sh");
    shell
        .args([
            "-c",
            "head -10 library/scripts/xgboost_iris_inputs.jsons | fastscore model input",
        ])
        .current_dir(env.work());
    for (k, v) in pipe.get_envs() {
        match v {
            Some(v) => shell.env(k, v),
            None => shell.env_remove(k),
        };
    }
    let piped = support::finish(&mut shell, "");
    assert_eq!(piped.code, 0, "{}", piped.stderr);

    let expected = expected_predictions(
        &python,
        &attachment,
        &lib.join("scripts/xgboost_iris_inputs.jsons"),
        10,
    );
    let first = env.run(&["model", "output"]).ok().stdout;
    assert_eq!(first, format!("{}\n", expected[0]));
    let record: serde_json::Value = serde_json::from_str(&first).unwrap();
    let keys: Vec<&String> = record.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["A", "B", "C"]);
    let total: f64 = keys
        .iter()
        .map(|k| record[k.as_str()].as_f64().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-3, "{total}");
    for want in &expected[1..] {
        assert_eq!(
            env.run(&["model", "output"]).ok().stdout,
            format!("{want}\n")
        );
    }
    assert_eq!(env.run(&["model", "output", "-nowait"]).ok().stdout, "");
    assert_eq!(env.run(&["engine", "inspect"]).ok().stdout, "RUNNING\n");
}
