//! The TCP and UDP transports over loopback.

mod support;
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::Env;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn echo(env: &Env) {
    env.write("echo.py3", "def action(x):\n    yield x\n");
    env.run(&["model", "add", "echo", "echo.py3"]).ok();
}

/// `engine inspect` until FINISHED (at most 30 s).
fn finished(env: &Env) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let state = env.run(&["engine", "inspect"]).ok().stdout;
        if state == "FINISHED\n" {
            return;
        }
        assert!(Instant::now() < deadline, "state {state}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn tcp_in_listening_and_connecting_and_out() {
    let env = Env::new();
    echo(&env);
    let out = env.work().join("out.jsons");
    let out_stream = format!("file:{}", out.display());
    // the engine listens (tcp::<port>); a client sends three records and closes
    let port = free_port();
    env.run(&["run", "echo", &format!("tcp::{port}"), &out_stream])
        .ok();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut client = loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(c) => break c,
            Err(e) => {
                assert!(Instant::now() < deadline, "{e}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    client.write_all(b"1\n2\n3\n").unwrap();
    drop(client);
    finished(&env);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "1\n2\n3\n");
    // the engine connects to a server that sends two records
    env.run(&["engine", "reset"]).ok();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sport = server.local_addr().unwrap().port();
    let sender = std::thread::spawn(move || {
        let (mut s, _) = server.accept().unwrap();
        s.write_all(b"4\n5\n").unwrap();
    });
    env.run(&[
        "run",
        "echo",
        &format!("tcp:127.0.0.1:{sport}"),
        &out_stream,
    ])
    .ok();
    finished(&env);
    sender.join().unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "4\n5\n");
    // output to a TCP server
    env.run(&["engine", "reset"]).ok();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let oport = server.local_addr().unwrap().port();
    let receiver = std::thread::spawn(move || {
        let (mut s, _) = server.accept().unwrap();
        let mut got = String::new();
        s.read_to_string(&mut got).unwrap();
        got
    });
    env.run(&[
        "run",
        "echo",
        "inline:6,7",
        &format!("tcp:127.0.0.1:{oport}"),
    ])
    .ok();
    finished(&env);
    assert_eq!(receiver.join().unwrap(), "6\n7\n");
}

#[test]
fn udp_datagrams_are_records() {
    let env = Env::new();
    echo(&env);
    let out = env.work().join("out.jsons");
    let port = {
        let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    env.run(&[
        "run",
        "echo",
        &format!("udp:127.0.0.1:{port}"),
        &format!("file:{}", out.display()),
    ])
    .ok();
    // the socket is bound once `run` has answered
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for d in ["7", "8", r#"{"$fastscore": "end"}"#] {
        socket.send_to(d.as_bytes(), ("127.0.0.1", port)).unwrap();
    }
    finished(&env);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text, "7\n8\n");
    // UDP carries input only
    let wrong = env
        .run(&["stream", "attach", &format!("udp::{port}"), "1"])
        .expect(1);
    assert!(wrong.stderr.contains("input slot"), "{}", wrong.stderr);
}
