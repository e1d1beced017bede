//! The wheel `make wheel` builds: installed into a fresh venv with pip, it puts a working
//! `fastscore` on the venv's PATH, which runs `help` and the guide's first steps.

mod support;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{finish, fixture, Run};

/// This version's wheel in $FASTSCORE_TEST_WHEELS (made by `make test` through `make wheel`).
fn wheel() -> PathBuf {
    let dir = std::env::var("FASTSCORE_TEST_WHEELS").expect(
        "FASTSCORE_TEST_WHEELS is not set: run the tests with `make test`, which builds the wheel",
    );
    let prefix = format!("fastscore_rs-{}-", env!("CARGO_PKG_VERSION"));
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e} (`make wheel` builds it)"))
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(".whl")
        })
        .unwrap_or_else(|| panic!("no {prefix}*.whl in {dir} (`make wheel` builds it)"))
}

struct Venv {
    bin: PathBuf,
    home: PathBuf,
    work: PathBuf,
}

impl Venv {
    /// `fastscore` found on the venv's PATH, as an activated venv finds it.
    fn fastscore(&self, args: &[&str]) -> Run {
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("fastscore");
        cmd.args(args)
            .current_dir(&self.work)
            .env("PATH", path)
            .env("HOME", &self.home)
            .env("FASTSCORE_HOME", self.home.join("store"))
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE");
        finish(&mut cmd, "")
    }
}

fn make_venv(dir: &Path) -> Venv {
    let venv = dir.join("venv");
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 -m venv");
    assert!(made.success());
    let installed = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
        ])
        .arg(wheel())
        .output()
        .expect("pip install");
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );
    let home = dir.join("home");
    let work = dir.join("work");
    std::fs::create_dir_all(&home).expect("home");
    std::fs::create_dir_all(&work).expect("work");
    Venv {
        bin: venv.join("bin"),
        home,
        work,
    }
}

#[test]
fn pip_install_of_the_wheel_gives_a_working_fastscore() {
    let dir = tempfile::tempdir().expect("temp dir");
    let venv = make_venv(dir.path());
    assert!(venv.bin.join("fastscore").is_file());
    let help = venv.fastscore(&["help"]).ok();
    assert!(
        help.stdout.starts_with(&format!(
            "FastScore CLI v{}\nUsage: fastscore <command>",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        help.stdout
    );
    // the guide's first steps: infer and add the schemas, add the model and the REST stream
    let inputs = fixture("guide/xgboost_iris_inputs.jsons");
    let inferred = venv
        .fastscore(&["schema", "infer", inputs.to_str().unwrap()])
        .ok();
    assert!(
        inferred.stdout.contains("\"type\": \"record\""),
        "{}",
        inferred.stdout
    );
    for (name, file) in [
        ("xgboost_input", "guide/xgboost_iris_input.avsc"),
        ("xgboost_output", "guide/xgboost_iris_output.avsc"),
    ] {
        venv.fastscore(&["schema", "add", name, fixture(file).to_str().unwrap()])
            .ok();
    }
    venv.fastscore(&[
        "model",
        "add",
        "xgboost_iris-py3",
        fixture("guide/xgboost_iris.py3").to_str().unwrap(),
    ])
    .ok();
    venv.fastscore(&[
        "stream",
        "add",
        "rest",
        fixture("guide/rest.json").to_str().unwrap(),
    ])
    .ok();
    assert_eq!(
        venv.fastscore(&["model", "list"]).ok().stdout,
        "Name              Type\n----------------  -------\nxgboost_iris-py3  python3\n"
    );
    assert_eq!(
        venv.fastscore(&["schema", "list"]).ok().stdout,
        "xgboost_input\nxgboost_output\n"
    );
    assert_eq!(venv.fastscore(&["stream", "list"]).ok().stdout, "rest\n");
}
