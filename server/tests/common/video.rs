//! Real recordings through the real API, for the processing and retention tests.

use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use vidreply_core::protocol::Video;

use super::{API_KEY, Server};

pub const PART: usize = 64 * 1024;

/// A 2 s WebM as MediaRecorder writes it: VP8 + Opus, streamed, so no duration in the header.
pub fn recording() -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=15:duration=2",
        ])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=2"])
        .args([
            "-c:v", "libvpx", "-b:v", "300k", "-c:a", "libopus", "-f", "webm", "pipe:1",
        ])
        .output()
        .expect("ffmpeg runs (apt-get install ffmpeg)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub async fn server(extra: &[&str]) -> Server {
    let mut args = vec!["--part-size", "65536"];
    args.extend_from_slice(extra);
    Server::start_with(&args).await
}

/// Upload `bytes` through create → sign → PUT → complete; returns the video.
pub async fn send(s: &Server, conversation: &str, bytes: &[u8]) -> Video {
    let token = s.token(conversation).await;
    let up = s.create_upload(&token).await;
    finish(s, &token, &up, bytes).await
}

/// Send `bytes` as the parts of an upload already created, then complete it.
pub async fn finish(
    s: &Server,
    token: &str,
    up: &vidreply_core::protocol::UploadSession,
    bytes: &[u8],
) -> Video {
    let mut parts = Vec::new();
    for (i, chunk) in bytes.chunks(up.part_size as usize).enumerate() {
        let n = i as u32 + 1;
        parts.push((
            n,
            s.upload_part(token, &up.upload_id, n, chunk.to_vec()).await,
        ));
    }
    let refs: Vec<(u32, &str)> = parts.iter().map(|(n, e)| (*n, e.as_str())).collect();
    let r = s
        .complete(token, &up.upload_id, &refs, Some(bytes.len() as u64))
        .await;
    r.expect_status(StatusCode::OK);
    r.json()
}

pub async fn status(s: &Server, id: &str) -> Video {
    let r = s.get(&format!("/api/v1/videos/{id}"), Some(API_KEY)).await;
    r.expect_status(StatusCode::OK);
    r.json()
}

pub fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in walk(dir) {
        out.push(e.strip_prefix(dir).unwrap().display().to_string());
    }
    out.sort();
    out
}

pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return vec![];
    };
    rd.flatten()
        .flat_map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                vec![e.path()]
            }
        })
        .collect()
}

/// A webhook receiver that keeps (event type, body) of every delivery.
pub async fn typed_receiver() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let got: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let g = g.clone();
            async move {
                let event = headers["x-vidreply-event"].to_str().unwrap().to_string();
                g.lock().unwrap().push((event, body));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, got)
}

/// A webhook receiver that keeps every body.
pub async fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let g = g.clone();
            async move {
                g.lock().unwrap().push(body);
                StatusCode::NO_CONTENT
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, got)
}

/// What processing stores for every video, relative to its folder.
pub const PROCESSED: [&str; 4] = [
    "original.webm",
    "video.mp4",
    "poster.jpg",
    "hls/master.m3u8",
];
