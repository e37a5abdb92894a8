//! A server whose client address comes from an `x-test-peer` header, and request
//! builders for the production-guard tests in `hardening.rs`.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request as AxumRequest};
use axum::http::Request;
use axum::middleware::map_request;
use clap::Parser;
use vidreply_server::{Settings, app, build_state};

use crate::common::{API_KEY, PART_SIZE, PUBLIC_URL, SECRET, Server};

/// A server like `Server::start`, with extra settings, optional dist page, and the
/// client address taken from an `x-test-peer` header (as `ConnectInfo` would give it).
pub async fn server_with(extra: &[&str], index_html: Option<&str>) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_str().unwrap().to_string();
    let dist = dir.path().join("dist");
    if let Some(html) = index_html {
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join("index.html"), html).unwrap();
    }
    let dist = dist.to_str().unwrap().to_string();
    let part = PART_SIZE.to_string();
    let mut args = vec![
        "vidreply-server",
        "--data-dir",
        &data,
        "--dist-dir",
        &dist,
        "--public-url",
        PUBLIC_URL,
        "--api-key",
        API_KEY,
        "--signing-secret",
        SECRET,
    ];
    if !extra.contains(&"--part-size") {
        args.extend(["--part-size", &part]);
    }
    args.extend_from_slice(extra);
    let settings = Settings::try_parse_from(args).expect("settings parse");
    let state = build_state(settings).await.expect("state builds");
    let app = app(state.clone()).layer(map_request(peer_from_header));
    Server { dir, app, state }
}

pub async fn peer_from_header(mut req: AxumRequest) -> AxumRequest {
    let peer = req
        .headers()
        .get("x-test-peer")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("192.0.2.1");
    let addr = SocketAddr::new(peer.parse().unwrap(), 40000);
    req.extensions_mut().insert(ConnectInfo(addr));
    req
}

pub fn get_from(uri: &str, peer: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::builder().uri(uri).header("x-test-peer", peer);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::empty()).unwrap()
}

pub fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
