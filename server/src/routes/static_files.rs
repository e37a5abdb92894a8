//! The built app (`dist/`), served as a CDN would: the Brotli or gzip copy made at
//! build time (`scripts/precompress.mjs`) when the browser accepts it, files whose
//! name carries a content hash cached for a year, everything else revalidated.

use std::path::Path;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::services::{ServeDir, ServeFile};

/// `dist/`, with `index.html` for any path that is no file (the app's own routes).
pub fn service(dist: &Path) -> ServeDir<ServeFile> {
    let index = ServeFile::new(dist.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index)
}

/// A name Trunk gave a content hash to: `vidreply-43a2b6e15fd42d9c_bg.wasm`.
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    let stem = name.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(base, hash)| {
        !base.is_empty() && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// The `Cache-Control` of a static answer: a hashed file never changes under its
/// name, so it is kept `max_age` (immutable); a page or an unhashed file is
/// revalidated on every use (`no-cache`: a 304 when unchanged).
pub fn cache_control(path: &str, max_age: Duration) -> HeaderValue {
    if is_hashed(path) {
        let v = format!("public, max-age={}, immutable", max_age.as_secs());
        HeaderValue::from_str(&v).expect("ASCII")
    } else {
        HeaderValue::from_static("no-cache")
    }
}

/// Middleware on [`service`]: caching headers, and `Vary: Accept-Encoding`, since
/// the same URL answers Brotli, gzip or plain bytes.
pub async fn headers(State(max_age): State<Duration>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let fresh = matches!(
        res.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    );
    if fresh {
        // The app's own routes (`/record`) answer index.html: never a hashed name.
        let value = cache_control(&path, max_age);
        res.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trunks_hashed_names_are_immutable() {
        for p in [
            "/vidreply-43a2b6e15fd42d9c.js",
            "/vidreply-43a2b6e15fd42d9c_bg.wasm",
            "/style-0123456789abcdef.css",
            "/vidreply-43a2b6e15fd42d9c_bg.wasm.br",
        ] {
            assert!(is_hashed(p), "{p}");
            let v = cache_control(p, Duration::from_secs(60));
            assert_eq!(v, "public, max-age=60, immutable");
        }
        for p in [
            "/",
            "/index.html",
            "/record",
            "/vendor/hls.min.js",
            "/pkg/vidreply_bg.wasm",
            "/www/agent.html",
            "/x-43a2b6e15fd42d9.js",
            "/x-43a2b6e15fd42d9g.js",
            "/-43a2b6e15fd42d9c.js",
        ] {
            assert!(!is_hashed(p), "{p}");
            assert_eq!(cache_control(p, Duration::from_secs(60)), "no-cache");
        }
    }
}
