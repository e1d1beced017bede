//! `pneumo` and `pneumo history` on the embedded fleet: the local engines' own messages.

mod support;
use std::time::{Duration, Instant};
use support::Env;

#[test]
fn history_and_watch_show_the_local_engines_messages() {
    let env = Env::new();
    env.write(
        "echo.py3",
        "def action(x):\n    print('seen', x)\n    yield x\n",
    );
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
    env.run(&["run", "echo", "inline:1,2", "discard:", "-wait"])
        .ok();
    let history = env.run(&["pneumo", "history"]).ok().stdout;
    for line in [
        ":engine-1: log[info] model loaded",
        ":engine-1: stream attached to 0",
        ":engine-1: state is RUNNING",
        ":engine-1> seen 1",
        ":engine-1: state is FINISHED",
    ] {
        assert!(history.contains(line), "{line} not in:\n{history}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["pneumo", "history", "-json"]).ok().stdout).unwrap();
    assert!(json
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["type"] == "engine-state"));
    // `pneumo` prints what comes next, until it is stopped
    let log = env.work().join("watch.log");
    let mut watch = env
        .command(&["pneumo"])
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let seen = |want: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains(want) || Instant::now() > deadline {
                return text;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    // each engine's current state first, then what happens
    let first = seen("state is FINISHED");
    assert!(first.contains(":engine-1: state is FINISHED"), "{first}");
    env.run(&["engine", "reset"]).ok();
    let text = seen("state is INIT");
    support::signal(watch.id() as i32, support::SIGTERM);
    let _ = watch.wait();
    assert!(text.contains(":engine-1: state is INIT"), "{text}");
    assert!(
        !text.contains("model loaded"),
        "old messages came again:\n{text}"
    );
}
