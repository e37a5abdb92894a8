//! The built app is served as a CDN would: the precompressed copy the browser
//! accepts, hashed files cached for a year, pages and unhashed files revalidated.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Resp, Server};

const JS: &str = "/vidreply-43a2b6e15fd42d9c.js";

async fn fetch(s: &Server, path: &str, accept: Option<&str>) -> Resp {
    let mut b = Request::builder().uri(path);
    if let Some(a) = accept {
        b = b.header(header::ACCEPT_ENCODING, a);
    }
    s.send(b.body(Body::empty()).unwrap()).await
}

fn head(r: &Resp, name: header::HeaderName) -> &str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn server_with_dist() -> Server {
    let s = Server::start().await;
    let dist = s.data().join("dist");
    std::fs::create_dir_all(dist.join("vendor")).unwrap();
    let files: [(&str, &[u8]); 7] = [
        ("index.html", b"<!doctype html><title>plain</title>"),
        ("index.html.br", b"html-br"),
        ("index.html.gz", b"html-gz"),
        (&JS[1..], b"plain js"),
        (&format!("{}.br", &JS[1..]), b"js-br"),
        (&format!("{}.gz", &JS[1..]), b"js-gz"),
        ("vendor/hls.min.js", b"hls"),
    ];
    for (name, bytes) in files {
        std::fs::write(dist.join(name), bytes).unwrap();
    }
    s
}

#[tokio::test]
async fn the_encoding_the_browser_accepts_is_served_from_the_build() {
    let s = server_with_dist().await;
    let cases = [
        (Some("gzip, deflate, br, zstd"), "br", &b"js-br"[..]),
        (Some("gzip"), "gzip", b"js-gz"),
        (Some("br;q=0, gzip"), "gzip", b"js-gz"),
        (None, "", b"plain js"),
        (Some("identity"), "", b"plain js"),
    ];
    for (accept, encoding, body) in cases {
        let r = fetch(&s, JS, accept).await;
        assert_eq!(r.status, StatusCode::OK, "{accept:?}");
        assert_eq!(head(&r, header::CONTENT_ENCODING), encoding, "{accept:?}");
        assert_eq!(&r.body[..], body, "{accept:?}");
        assert!(head(&r, header::CONTENT_TYPE).contains("javascript"));
        assert!(
            head(&r, header::VARY)
                .to_ascii_lowercase()
                .contains("accept-encoding")
        );
    }
    // The app's own routes answer index.html, compressed the same way.
    let r = fetch(&s, "/record?c=x", Some("br")).await;
    assert_eq!(
        (head(&r, header::CONTENT_ENCODING), &r.body[..]),
        ("br", &b"html-br"[..])
    );
    assert!(head(&r, header::CONTENT_TYPE).starts_with("text/html"));
}

#[tokio::test]
async fn hashed_files_are_kept_a_year_and_the_rest_revalidated() {
    let s = server_with_dist().await;
    let r = fetch(&s, JS, Some("br")).await;
    assert_eq!(
        head(&r, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    for path in ["/", "/index.html", "/record?c=x", "/vendor/hls.min.js"] {
        let r = fetch(&s, path, Some("gzip")).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(head(&r, header::CACHE_CONTROL), "no-cache", "{path}");
    }
    // A revalidation of an unchanged file is a 304 with the same policy.
    let r = fetch(&s, "/vendor/hls.min.js", None).await;
    let modified = head(&r, header::LAST_MODIFIED).to_string();
    assert!(!modified.is_empty(), "Last-Modified to revalidate with");
    let again = Request::builder()
        .uri("/vendor/hls.min.js")
        .header(header::IF_MODIFIED_SINCE, &modified)
        .body(Body::empty())
        .unwrap();
    let r = s.send(again).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert_eq!(head(&r, header::CACHE_CONTROL), "no-cache");
}

#[tokio::test]
async fn the_max_age_is_a_setting() {
    let s = Server::start_with(&["--static-max-age-seconds", "600"]).await;
    let dist = s.data().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join(&JS[1..]), b"js").unwrap();
    let r = fetch(&s, JS, None).await;
    assert_eq!(
        head(&r, header::CACHE_CONTROL),
        "public, max-age=600, immutable"
    );
}
