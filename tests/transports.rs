//! The TCP and UDP transports over loopback.

mod support;
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::Env;

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
    let port = support::free_port();
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

/// A one-request HTTP server on loopback that answers with `answer` (raw bytes).
fn serve_once(answer: Vec<u8>) -> (u16, std::thread::JoinHandle<String>) {
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut s, _) = server.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap_or(0) == 1 {
            head.push(byte[0]);
        }
        s.write_all(&answer).unwrap();
        String::from_utf8_lossy(&head).into_owned()
    });
    (port, handle)
}

#[test]
fn http_bodies_and_chunks() {
    let env = Env::new();
    echo(&env);
    let out = env.work().join("out.jsons");
    let out_stream = format!("file:{}", out.display());
    // a body framed by the envelope (the literal form)
    let (port, server) = serve_once(
        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\n4\n5\n".to_vec(),
    );
    env.run(&[
        "run",
        "echo",
        &format!("http://127.0.0.1:{port}/data.json"),
        &out_stream,
    ])
    .ok();
    finished(&env);
    assert!(server
        .join()
        .unwrap()
        .starts_with("GET /data.json HTTP/1.1\r\n"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "4\n5\n");
    // each chunk a record
    env.run(&["engine", "reset"]).ok();
    let chunks = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n10\r\n1\r\n2\r\n4;x=y\r\n[30]\r\n0\r\n\r\n";
    let (port, server) = serve_once(chunks.to_vec());
    let doc = serde_json::json!({"Transport": {"Type": "HTTP", "Url": format!("http://127.0.0.1:{port}/feed"), "Chunked": true}, "Encoding": "json"});
    env.write("feed.json", doc.to_string());
    env.run(&["stream", "add", "feed", "feed.json"]).ok();
    env.run(&["run", "echo", "feed", &out_stream]).ok();
    finished(&env);
    server.join().unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "10\n2\n[30]\n");
    // a server that says no: one line, at once
    env.run(&["engine", "reset"]).ok();
    let (port, server) =
        serve_once(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec());
    let run = env.run(&[
        "run",
        "echo",
        &format!("http://127.0.0.1:{port}/gone.json"),
        &out_stream,
    ]);
    server.join().unwrap();
    let inspect = env.run(&["engine", "inspect", "-v"]).stdout;
    assert!(
        format!("{}{inspect}", run.stderr).contains("404"),
        "{}{inspect}",
        run.stderr
    );
}
