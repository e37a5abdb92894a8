//! Signing is cached for static assets: tutorial media redirects reuse one signed
//! URL per time bucket and may be cached; customer media is signed per request.

mod common;
mod tutorial_support;

use axum::http::StatusCode;
use common::*;
use tutorial_support::*;

#[tokio::test]
async fn tutorial_media_signing_is_cached_and_customer_media_is_not() {
    let s = Server::start_with(&["--presign-ttl-seconds", "3600"]).await;
    let asset = ready_asset(&s, "Router reset").await;
    let customer = video::send(&s, "conv-c", &recording(PART_SIZE / 2))
        .await
        .video_id;
    // Not a real recording: marked as processing marks a checked original.
    common::watch::vetted(&s, &customer).await;
    for path in ["media", "poster.jpg", "hls/360p/seg_000.ts"] {
        let get = |id: String| {
            let s = &s;
            async move {
                let r = s.get(&format!("/v/{id}/{path}"), None).await;
                r.expect_status(StatusCode::TEMPORARY_REDIRECT);
                r
            }
        };
        // Three, each in a later second (an uncached signature would differ, its
        // expiry being a second later): at most one bucket boundary falls between them.
        let mut rs = Vec::new();
        for _ in 0..3 {
            let second = now();
            while now() == second {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            rs.push(get(asset.clone()).await);
        }
        let loc: Vec<&str> = rs.iter().map(|r| r.header("location").unwrap()).collect();
        assert!(loc[0] == loc[1] || loc[1] == loc[2], "{path}: {loc:?}");
        for r in &rs {
            let cc = r.header("cache-control").unwrap();
            let age: u64 = cc
                .strip_prefix("private, max-age=")
                .unwrap_or_else(|| panic!("{path}: {cc}"))
                .parse()
                .unwrap();
            assert!(
                age <= 1800,
                "{path}: at most the bucket, half the TTL: {cc}"
            );
        }
    }
    let r = s.get(&format!("/v/{customer}/media"), None).await;
    r.expect_status(StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.header("cache-control"), Some("no-store"));
}
