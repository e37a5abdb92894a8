//! Slow and greedy clients against the real binary: a connection that does not
//! send a request head in time is closed, and connections beyond the cap wait
//! until one closes.

mod binary_support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use binary_support::*;

/// A guard against hanging forever if the server never closes; not a measurement.
const SAFETY: Duration = Duration::from_secs(60);

fn connect(p: &Proc) -> TcpStream {
    let c = TcpStream::connect(("127.0.0.1", p.port)).unwrap();
    c.set_read_timeout(Some(SAFETY)).unwrap();
    c
}

/// Read until the server closes the connection; what it sent first. Fails if the
/// safety timeout runs out first (the connection was left open).
fn read_until_closed(c: &mut TcpStream, what: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("{what}: the server kept the connection open ({e})"),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Send one keep-alive GET /healthz and read its whole answer ("ok").
fn healthz(c: &mut TcpStream) -> String {
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.ends_with(b"\r\n\r\nok") {
        let n = c.read(&mut buf).expect("an answer");
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[test]
fn a_connection_without_a_request_head_in_time_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--api-key",
        API_KEY,
        "--signing-secret",
        SECRET,
        "--header-read-timeout-seconds",
        "1",
    ];
    let p = Proc::start(dir.path(), &args, &[]);

    // Half a request line, then nothing.
    let mut half = connect(&p);
    half.write_all(b"GET /healthz HT").unwrap();
    let got = read_until_closed(&mut half, "half a request line");
    assert!(!got.contains(" 200 "), "{got}");

    // Nothing at all.
    let mut silent = connect(&p);
    let got = read_until_closed(&mut silent, "a silent connection");
    assert!(got.is_empty(), "{got}");

    // The whole request line and some headers, but never the blank line.
    let mut headers = connect(&p);
    headers
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n")
        .unwrap();
    let got = read_until_closed(&mut headers, "headers without their end");
    assert!(!got.contains(" 200 "), "{got}");

    // After a request, an idle keep-alive connection is on the same clock.
    let mut idle = connect(&p);
    let first = healthz(&mut idle);
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    let rest = read_until_closed(&mut idle, "an idle keep-alive connection");
    assert!(rest.is_empty(), "{rest}");

    // Others are served as ever.
    let mut fine = connect(&p);
    assert!(healthz(&mut fine).starts_with("HTTP/1.1 200"));
}

#[test]
fn beyond_the_connection_cap_a_connection_waits_until_one_closes() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--api-key",
        API_KEY,
        "--signing-secret",
        SECRET,
        "--max-connections",
        "2",
        "--header-read-timeout-seconds",
        "600",
    ];
    let p = Proc::start(dir.path(), &args, &[]);
    let mut first = connect(&p);
    let mut second = connect(&p);
    assert!(healthz(&mut first).starts_with("HTTP/1.1 200"));
    assert!(healthz(&mut second).starts_with("HTTP/1.1 200"));

    // The third connects (the kernel queues it) but is not served while both are open.
    let mut third = connect(&p);
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut buf = [0u8; 64];
    match third.read(&mut buf) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!(
            "a third connection was answered with two open and a cap of 2: {other:?} {:?}",
            String::from_utf8_lossy(&buf)
        ),
    }
    // The two keep being served.
    assert!(healthz(&mut second).starts_with("HTTP/1.1 200"));

    // One closes: the third is taken and answered.
    drop(first);
    third.set_read_timeout(Some(SAFETY)).unwrap();
    let mut got = Vec::new();
    while !got.ends_with(b"\r\n\r\nok") {
        let n = third
            .read(&mut buf)
            .expect("answered once a connection closed");
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    assert!(got.starts_with(b"HTTP/1.1 200"));
}
