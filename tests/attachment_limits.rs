//! Attachments that unpack to far more than they weigh are refused by the engine without
//! the engine's memory growing with them.

mod support;
use support::Env;

/// The peak resident memory of a process, in bytes (VmHWM).
fn peak_memory(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in kB");
    kb * 1024
}

#[test]
fn a_zip_bomb_is_refused_without_unpacking_it_in_memory() {
    let env = Env::new();
    // 200 MB of zeros in one deflated entry: about 200 KB on disk (Python's zlib is fast).
    let bomb = env.work().join("bomb.zip");
    let status = std::process::Command::new(support::python())
        .arg("-c")
        .arg(
            "import sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n\
             \x20   with z.open('zeros.bin', 'w', force_zip64=True) as f:\n\
             \x20       for _ in range(200):\n\
             \x20           f.write(bytes(1 << 20))\n",
        )
        .arg(&bomb)
        .status()
        .expect("python");
    assert!(status.success());
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);

    env.write("m.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "m", "m.py3"]).ok();
    env.run(&["attachment", "upload", "m", "bomb.zip"]).ok();
    let err = env.run(&["model", "verify", "m"]).expect(1).stderr;
    assert_eq!(
        err,
        "Error: attachment 'bomb.zip' unpacks to more than 200 times its size \
         (limit FASTSCORE_ATTACHMENT_MAX_RATIO)\n"
    );
    let peak = peak_memory(env.engine_pid("engine-1"));
    assert!(
        peak < 64 << 20,
        "the engine's peak memory was {} MiB",
        peak >> 20
    );
    // nothing of the refused entry is left in the engine's directories
    let leftovers = std::process::Command::new("find")
        .arg(env.store().join("engines"))
        .args(["-name", "zeros.bin"])
        .output()
        .expect("find");
    assert_eq!(String::from_utf8_lossy(&leftovers.stdout), "");

    // an engine started with a smaller byte cap says so
    env.run(&["engine", "stop"]).ok();
    let mut verify = env.command(&["model", "verify", "m"]);
    verify.env("FASTSCORE_ATTACHMENT_MAX_BYTES", "1048576");
    assert_eq!(
        support::finish(&mut verify, "").expect(1).stderr,
        "Error: attachment 'bomb.zip' unpacks to more than 1 MiB \
         (limit FASTSCORE_ATTACHMENT_MAX_BYTES)\n"
    );
}
