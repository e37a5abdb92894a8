//! The real server binary on a free port: start it, read what it printed, stop it.

#![allow(dead_code)] // Each test crate uses a different subset.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const API_KEY: &str = "binary-api-key-0123456789abcdef-0123";
pub const SECRET: &str = "binary-signing-secret-0123456789abcdef";

pub struct Proc {
    pub child: Child,
    pub port: u16,
    pub base: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The binary on `port` with data in `dir`, none of the caller's `VIDREPLY_*`
/// variables, and only `args` (no API key or secret unless given).
pub fn command(dir: &Path, port: u16, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vidreply-server"));
    for (k, _) in std::env::vars() {
        if k.starts_with("VIDREPLY_") {
            cmd.env_remove(k);
        }
    }
    let bind = format!("127.0.0.1:{port}");
    cmd.args(["--data-dir", dir.to_str().unwrap(), "--bind", &bind])
        .args(["--public-url", &format!("http://{bind}/")])
        .args(["--dist-dir", dir.join("dist").to_str().unwrap()])
        .args(args)
        .stdin(Stdio::null());
    cmd
}

/// Run a start-up that must fail; its output.
pub fn run_to_exit(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = command(dir, free_port(), args);
    cmd.envs(env.iter().copied());
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the server started although it should not have: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn drain(pipe: impl Read + Send + 'static, sink: Arc<Mutex<String>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    })
}

impl Proc {
    /// Start the binary and wait until it accepts connections.
    pub fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Proc {
        let port = free_port();
        let mut cmd = command(dir, port, args);
        cmd.envs(env.iter().copied());
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            drain(child.stdout.take().unwrap(), stdout.clone()),
            drain(child.stderr.take().unwrap(), stderr.clone()),
        ];
        let p = Proc {
            child,
            port,
            base: format!("http://127.0.0.1:{port}"),
            stdout,
            stderr,
            readers,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "server did not start: {}",
                p.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        p
    }

    /// The log (stderr) so far.
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// What it printed for the person at the terminal (stdout) so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// SIGTERM, then wait for the exit.
    pub fn stop(&mut self) -> ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                // The pipes closed with the process: read what is left.
                for r in self.readers.drain(..) {
                    let _ = r.join();
                }
                return st;
            }
            assert!(Instant::now() < deadline, "did not stop: {}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
