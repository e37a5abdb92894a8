//! Production guards, in-process: security headers, CORS, rate limits, body limits, timeouts.

mod common;
mod hardening_support;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use common::*;
use hardening_support::*;
use serde_json::json;

#[tokio::test]
async fn security_headers_on_every_response() {
    let html =
        "<html><script type=\"module\">boot()</script><script src=\"/a.js\"></script></html>";
    let s = server_with(&[], Some(html)).await;
    let link = s.link("conv-h").await;
    let answers = [
        s.get("/healthz", None).await,
        s.get("/api/v1/nope", None).await,
        s.get("/", None).await,
        s.post(
            "/api/v1/uploads",
            Some(&link.token),
            json!({ "mimeType": WEBM }),
        )
        .await,
    ];
    for r in &answers {
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{}",
            r.uri
        );
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        let pp = r.header("permissions-policy").expect("permissions-policy");
        assert!(
            pp.contains("camera=(self)") && pp.contains("microphone=(self)"),
            "{pp}"
        );
        let csp = r.header("content-security-policy").expect("csp");
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{csp}"
        );
        assert!(
            csp.contains("frame-ancestors 'self' https://*.mypurecloud.com"),
            "{csp}"
        );
        assert!(csp.contains("https://*.pure.cloud"), "{csp}");
        assert!(
            csp.contains("media-src 'self' blob: http://127.0.0.1:8080"),
            "{csp}"
        );
        assert!(csp.contains("object-src 'none'"), "{csp}");
    }
    // Exactly Trunk's inline bootstrap is allowed, by its hash.
    let csp = answers[0].header("content-security-policy").unwrap();
    let hashes = vidreply_server::security::inline_script_hashes(html);
    assert_eq!(hashes.len(), 1);
    assert!(csp.contains(&hashes[0]), "{csp}");
}

#[tokio::test]
async fn csp_names_s3_origin_and_configured_frame_ancestors() {
    let s = server_with(
        &[
            "--storage",
            "s3",
            "--s3-endpoint",
            "http://127.0.0.1:9",
            "--s3-bucket",
            "videos",
            "--s3-access-key-id",
            "AKIDEXAMPLE",
            "--s3-secret-access-key",
            "secret-example-key",
            "--part-size",
            "5242880",
            "--frame-ancestors",
            "https://apps.example.com,https://*.example.net:8443",
        ],
        None,
    )
    .await;
    let r = s.get("/healthz", None).await;
    let csp = r.header("content-security-policy").unwrap();
    for want in [
        "media-src 'self' blob: http://127.0.0.1:9",
        "connect-src 'self' http://127.0.0.1:9",
        "img-src 'self' blob: data: http://127.0.0.1:9",
        "frame-ancestors 'self' https://apps.example.com https://*.example.net:8443",
    ] {
        assert!(csp.contains(want), "{want} missing: {csp}");
    }
    assert!(!csp.contains("mypurecloud"), "{csp}");
    let s = server_with(&["--frame-ancestors", "'none'"], None).await;
    let csp = s.get("/healthz", None).await;
    let csp = csp.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn cors_follows_the_allow_list() {
    let origin = "https://support.example.com";
    let preflight = |o: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/v1/uploads")
            .header(header::ORIGIN, o)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type",
            )
            .body(Body::empty())
            .unwrap()
    };
    // Default: same origin only, no CORS headers at all.
    let s = server_with(&[], None).await;
    let r = s.send(preflight(origin)).await;
    assert!(
        r.header("access-control-allow-origin").is_none(),
        "{:?}",
        r.headers
    );

    let s = server_with(&["--cors-origins", origin], None).await;
    let r = s.send(preflight(origin)).await;
    r.expect_status(StatusCode::OK);
    assert_eq!(r.header("access-control-allow-origin"), Some(origin));
    let methods = r
        .header("access-control-allow-methods")
        .unwrap()
        .to_lowercase();
    assert!(
        methods.contains("post") && methods.contains("put"),
        "{methods}"
    );
    let r = s.send(preflight("https://evil.example")).await;
    assert!(r.header("access-control-allow-origin").is_none());

    let r = s
        .send(get_from("/api/v1/nope", "192.0.2.1", &[("origin", origin)]))
        .await;
    assert_eq!(r.header("access-control-allow-origin"), Some(origin));
    let exposed = r
        .header("access-control-expose-headers")
        .unwrap()
        .to_lowercase();
    for h in ["x-request-id", "etag", "retry-after"] {
        assert!(exposed.contains(h), "{h} not exposed: {exposed}");
    }
}

#[tokio::test]
async fn rate_limit_per_ip() {
    let s = server_with(
        &[
            "--rate-limit-ip-per-minute",
            "1",
            "--rate-limit-ip-burst",
            "2",
        ],
        None,
    )
    .await;
    let a = "198.51.100.7";
    for _ in 0..2 {
        s.send(get_from("/api/v1/nope", a, &[]))
            .await
            .expect_status(StatusCode::NOT_FOUND);
    }
    let r = s.send(get_from("/api/v1/nope", a, &[])).await;
    r.api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another client is not affected, and probes are never limited.
    s.send(get_from("/api/v1/nope", "198.51.100.8", &[]))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    s.send(get_from("/healthz", a, &[]))
        .await
        .expect_status(StatusCode::OK);
    // IPv6 clients are keyed by their /64.
    let (v6a, v6b) = ("2001:db8:1:2::1", "2001:db8:1:2::ffff");
    for _ in 0..2 {
        s.send(get_from("/nope", v6a, &[])).await;
    }
    let r = s.send(get_from("/nope", v6b, &[])).await;
    r.api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn forwarded_for_counts_only_when_trusted() {
    let args = [
        "--rate-limit-ip-per-minute",
        "1",
        "--rate-limit-ip-burst",
        "1",
    ];
    let peer = "203.0.113.1";
    // Untrusted: a client cannot dodge its limit by inventing X-Forwarded-For.
    let s = server_with(&args, None).await;
    let xff = |ip: &'static str| [("x-forwarded-for", ip)];
    s.send(get_from("/nope", peer, &xff("192.0.2.10"))).await;
    let r = s.send(get_from("/nope", peer, &xff("192.0.2.11"))).await;
    r.api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Trusted (one proxy in front): the last entry is the client.
    let mut trusted = args.to_vec();
    trusted.extend(["--trust-forwarded-for", "true"]);
    let s = server_with(&trusted, None).await;
    s.send(get_from("/nope", peer, &xff("10.0.0.1, 192.0.2.10")))
        .await;
    let r = s.send(get_from("/nope", peer, &xff("192.0.2.11"))).await;
    assert_ne!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = s
        .send(get_from("/nope", peer, &xff("192.0.2.99, 192.0.2.10")))
        .await;
    r.api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn rate_limit_per_capture_token() {
    let s = server_with(
        &[
            "--rate-limit-ip-per-minute",
            "0",
            "--rate-limit-token-per-minute",
            "1",
            "--rate-limit-token-burst",
            "2",
        ],
        None,
    )
    .await;
    let one = s.token("conv-a").await;
    let two = s.token("conv-b").await;
    s.create_upload(&one).await;
    s.create_upload(&one).await;
    let r = s
        .post("/api/v1/uploads", Some(&one), json!({ "mimeType": WEBM }))
        .await;
    r.api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(
        r.header("retry-after")
            .is_some_and(|v| v.parse::<u64>().unwrap() >= 1)
    );
    // The scheme's case does not buy a fresh bucket.
    let req = Request::builder()
        .uri("/api/v1/uploads/x/parts")
        .header(header::AUTHORIZATION, format!("bearer {one}"))
        .body(Body::empty())
        .unwrap();
    let r = s.send(req).await;
    r.api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Another token, and the API key's routes, are not affected.
    s.create_upload(&two).await;
    s.link("conv-c").await;
}

#[tokio::test]
async fn json_body_limit_is_a_setting() {
    let s = server_with(&["--json-body-limit", "100"], None).await;
    let big = json!({ "conversationId": "c".repeat(120) });
    let r = s.post("/api/v1/capture-links", Some(API_KEY), big).await;
    r.api_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    s.link("conv-small").await;
}

#[tokio::test]
async fn part_larger_than_part_size_is_refused_before_reading() {
    let s = Server::start().await;
    let token = s.token("conv-big").await;
    let up = s.create_upload(&token).await;
    let signed = s.sign(&token, &up.upload_id, &[1]).await;
    let r = s.put(&signed[0].url, vec![7u8; PART_SIZE + 1]).await;
    // Shaped as S3 answers on this S3-like route, so the uploader treats both alike.
    r.storage_error(StatusCode::PAYLOAD_TOO_LARGE, "EntityTooLarge");
    assert!(
        r.text().contains(&format!("at most {PART_SIZE} bytes")),
        "{}",
        r.text()
    );
    assert!(s.list(&token, &up.upload_id).await.is_empty());
    s.put_ok(&signed[0].url, vec![7u8; PART_SIZE]).await;
}

#[tokio::test]
async fn slow_part_body_times_out_with_a_code() {
    let s = server_with(&["--part-timeout-seconds", "1"], None).await;
    let token = s.token("conv-slow").await;
    let up = s.create_upload(&token).await;
    let signed = s.sign(&token, &up.upload_id, &[1]).await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    tx.send(Ok(vec![1u8; 10])).await.unwrap();
    let body = Body::from_stream(tokio_stream_from(rx));
    let req = Request::builder()
        .method(Method::PUT)
        .uri(path_and_query(&signed[0].url))
        .body(body)
        .unwrap();
    let r = s.send(req).await;
    drop(tx);
    let e = r.api_error(StatusCode::REQUEST_TIMEOUT, "timeout");
    assert!(e.message.contains("1 s"), "{}", e.message);
}
#[tokio::test]
async fn slow_api_answer_is_504_timeout_not_an_empty_body() {
    let app = Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .layer(from_fn_with_state(
            Duration::from_millis(50),
            vidreply_server::limits::api_timeout,
        ))
        .layer(from_fn(vidreply_server::error::envelope))
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            tower_http::request_id::MakeRequestUuid,
        ))
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id());
    let req = Request::builder().uri("/slow").body(Body::empty()).unwrap();
    let res = tower::ServiceExt::oneshot(app, req).await.unwrap();
    assert_eq!(res.status(), StatusCode::GATEWAY_TIMEOUT);
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body.to_bytes()).unwrap();
    assert_eq!(v["error"]["code"], "timeout", "{v}");
}
