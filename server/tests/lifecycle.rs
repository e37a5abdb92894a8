//! The real server binary: settings precedence, graceful shutdown on SIGTERM, and
//! logs that never carry a credential or a signed URL.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const API_KEY: &str = "lifecycle-api-key-93c1f0aa-0123456789ab";
const SECRET: &str = "lifecycle-signing-secret-0123456789";
const WEBHOOK_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const PART: usize = 1024;

struct Proc {
    child: Child,
    base: String,
    stderr: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The binary with a fresh data folder; the environment holds only `env` of ours.
fn command(dir: &std::path::Path, port: u16, extra: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vidreply-server"));
    for (k, _) in std::env::vars() {
        if k.starts_with("VIDREPLY_") {
            cmd.env_remove(k);
        }
    }
    let bind = format!("127.0.0.1:{port}");
    let public = format!("http://{bind}/");
    cmd.args(["--data-dir", dir.to_str().unwrap(), "--bind", &bind])
        .args(["--public-url", &public, "--api-key", API_KEY])
        .args(["--signing-secret", SECRET, "--demo-link", "false"])
        .args(["--dist-dir", dir.join("dist").to_str().unwrap()])
        .args(extra)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn start(extra: &[&str], env: &[(&str, &str)]) -> Proc {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = command(dir.path(), port, extra, env).spawn().unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let pipe = child.stderr.take().unwrap();
    let sink = stderr.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    let p = Proc {
        child,
        base: format!("http://127.0.0.1:{port}"),
        stderr,
        _dir: dir,
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

impl Proc {
    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn term(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    fn wait(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100)); // let the log reader drain
                return st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not exit within {limit:?}: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    async fn post(&self, path: &str, bearer: &str, body: Value) -> Value {
        let r = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .bearer_auth(bearer)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// A capture token, an upload, and a signed URL for part 1.
    async fn upload_with_signed_part(&self) -> (String, Value, String) {
        let link = json!({ "conversationId": "conv-life" });
        let token = self.post("/api/v1/capture-links", API_KEY, link).await["token"]
            .as_str()
            .unwrap()
            .to_string();
        let mime = json!({ "mimeType": "video/webm" });
        let up = self.post("/api/v1/uploads", &token, mime).await;
        let id = up["uploadId"].as_str().unwrap();
        let signed = self
            .post(
                &format!("/api/v1/uploads/{id}/sign"),
                &token,
                json!({ "partNumbers": [1] }),
            )
            .await;
        let url = signed["parts"][0]["url"].as_str().unwrap().to_string();
        (token, up, url)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn recording() -> Vec<u8> {
    let mut v: Vec<u8> = (0..PART).map(|i| (i * 31 + 7) as u8).collect();
    v[..4].copy_from_slice(&[0x1A, 0x45, 0xDF, 0xA3]);
    v
}

#[tokio::test]
async fn sigterm_lets_a_slow_part_upload_finish_then_exits_zero() {
    let hook = format!("http://127.0.0.1:{}/hook", free_port());
    let args = ["--part-size", "1024", "--shutdown-grace-seconds", "20"];
    let mut p = start(
        &args,
        &[
            ("VIDREPLY_WEBHOOK_URL", &hook),
            ("VIDREPLY_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    );
    let (_, _, url) = p.upload_with_signed_part().await;
    let u = url::Url::parse(&url).unwrap();
    let target = format!("{}?{}", u.path(), u.query().unwrap());
    let bytes = recording();
    let port = u.port().unwrap();
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "PUT {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {PART}\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(&bytes[..PART / 2]).unwrap();
    std::thread::sleep(Duration::from_millis(300));

    p.term();
    // New connections are refused once the signal is seen.
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        p.child.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );

    conn.write_all(&bytes[PART / 2..]).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.to_lowercase().contains("etag:"), "{answer}");

    let status = p.wait(Duration::from_secs(15));
    let log = p.log();
    assert!(status.success(), "exit {status:?}: {log}");
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[tokio::test]
async fn logs_carry_no_credentials_or_signed_urls() {
    let hook = format!(
        "http://127.0.0.1:{}/hook?token=hook-credential-77",
        free_port()
    );
    let env = [
        ("VIDREPLY_LOG", "debug"),
        ("VIDREPLY_WEBHOOK_URL", hook.as_str()),
        ("VIDREPLY_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ];
    let mut p = start(&["--part-size", "1024"], &env);
    let (token, up, url) = p.upload_with_signed_part().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http.put(&url).body(recording()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let id = up["uploadId"].as_str().unwrap();
    // A poster while the upload is open, so the video has a file served through a
    // signed URL before processing has checked the original.
    let poster = http
        .put(format!("{}/api/v1/uploads/{id}/poster", p.base))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .body(vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10])
        .send()
        .await
        .unwrap();
    assert_eq!(poster.status(), 204);
    let done = p
        .post(
            &format!("/api/v1/uploads/{id}/complete"),
            &token,
            json!({ "parts": [{ "partNumber": 1, "etag": etag }] }),
        )
        .await;
    let video = done["videoId"].as_str().unwrap();
    let media = http
        .get(format!("{}/v/{video}/poster.jpg", p.base))
        .send()
        .await
        .unwrap();
    let signed_get = media.headers()["location"].to_str().unwrap().to_string();
    let object = url::Url::parse(&p.base).unwrap().join(&signed_get).unwrap();
    assert_eq!(http.get(object).send().await.unwrap().status(), 200);
    // Queries with credential-looking names, and a bad signature, are not echoed either.
    let probe = format!("{}/v/{video}?token=query-token-1&sig=query-sig-2", p.base);
    http.get(probe).send().await.unwrap();
    http.put(format!("{url}x"))
        .body(recording())
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await; // a webhook attempt or two

    p.term();
    assert!(p.wait(Duration::from_secs(20)).success());
    let log = p.log();
    if std::env::var_os("SHOW_LOG").is_some() {
        eprintln!("{log}");
    }
    let signature = url::Url::parse(&url).unwrap();
    let signature = signature
        .query_pairs()
        .find(|(k, _)| k == "signature")
        .unwrap()
        .1;
    for needle in [
        "X-Amz-Signature",
        "signature=",
        "token=",
        "sig=",
        "query-token-1",
        "query-sig-2",
        "hook-credential-77",
        &token,
        &signature,
        API_KEY,
        SECRET,
        WEBHOOK_SECRET,
    ] {
        assert!(!log.contains(needle), "the log contains {needle:?}:\n{log}");
    }
    // Every line logged inside a request names it, also from work a handler spawns.
    for event in ["upload created", "upload completed"] {
        let line = log.lines().find(|l| l.contains(event)).expect(event);
        assert!(line.contains("request_id="), "{line}");
    }
    assert!(log.contains("webhook"), "the outbox ran: {log}");
}

#[tokio::test]
async fn settings_precedence_flag_env_file_default() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vidreply.toml");
    std::fs::write(
        &file,
        "part_size = 2048\nmax_upload_bytes = 999999\npresign_ttl_seconds = 111\n\
         upload_parallelism = 2\nlog_format = \"json\"\n",
    )
    .unwrap();
    let env = [
        ("VIDREPLY_CONFIG", file.to_str().unwrap()),
        ("VIDREPLY_PART_SIZE", "3072"),
        ("VIDREPLY_PRESIGN_TTL_SECONDS", "333"),
    ];
    let mut p = start(&["--presign-ttl-seconds", "222"], &env);
    let (_, up, _) = p.upload_with_signed_part().await;
    assert_eq!(up["partSize"], 3072, "env beats file");
    assert_eq!(up["maxBytes"], 999999, "file beats default");
    assert_eq!(up["parallelism"], 2, "file beats default");
    assert_eq!(up["retry"]["maxAttempts"], 8, "default stays");
    p.term();
    assert!(p.wait(Duration::from_secs(20)).success());
    let log = p.log();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let created = lines
        .iter()
        .find(|l| l["fields"]["message"] == "upload created")
        .unwrap();
    let id = created["span"]["request_id"].as_str().unwrap_or("");
    assert!(!id.is_empty(), "JSON lines carry the request id: {created}");
    let starting = lines
        .iter()
        .find(|l| l["fields"]["message"] == "starting")
        .unwrap();
    let settings = starting["fields"]["settings"].as_str().unwrap();
    assert!(
        settings.contains("presign_ttl_seconds: 222"),
        "flag beats env and file: {settings}"
    );
}

#[test]
fn a_bad_config_file_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vidreply.toml");
    for (toml, want) in [
        ("part_sise = 10\n", "unknown setting `part_sise`"),
        (
            "part_size = \"10 MiB\"\n",
            "setting `part_size`: expected an integer",
        ),
    ] {
        std::fs::write(&file, toml).unwrap();
        let out = command(
            dir.path(),
            free_port(),
            &["--config", file.to_str().unwrap()],
            &[],
        )
        .output()
        .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(want) && err.contains("vidreply.toml"), "{err}");
    }
}
