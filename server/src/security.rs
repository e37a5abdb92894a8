//! Browser-facing security headers and CORS, from their settings
//! (`frame_ancestors`, `cors_origins`; parsed and checked in `config`).
//!
//! The CSP fits the Trunk-built Leptos app: its module script and wasm come from
//! 'self' (`'wasm-unsafe-eval'` lets it compile the wasm), Trunk's one inline
//! bootstrap script is allowed by its hash (read from `dist/index.html` at start),
//! and video is read and written through the storage origin the server signs URLs for.
//! `frame-ancestors` lets the Genesys Cloud agent desktop frame the recorder.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::REQUEST_ID;

/// Camera and microphone for this origin only; nothing else powerful. A page that
/// frames us (the Genesys desktop) delegates them with its iframe `allow` attribute.
pub const PERMISSIONS_POLICY: &str =
    "camera=(self), microphone=(self), display-capture=(), geolocation=(), payment=(), usb=()";

/// The headers every response carries.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl SecurityHeaders {
    /// `frame_ancestors` is `VIDREPLY_FRAME_ANCESTORS`; `storage_origin`, the origin
    /// of the URLs the store signs; `index_html`, the built app's page whose inline
    /// scripts the CSP allows by hash.
    pub fn new(
        frame_ancestors: &[String],
        storage_origin: Option<&str>,
        index_html: Option<&str>,
    ) -> Self {
        let csp = content_security_policy(frame_ancestors, storage_origin, index_html);
        let value = |s: &str| HeaderValue::from_str(s).expect("validated header value");
        let headers = vec![
            (header::CONTENT_SECURITY_POLICY, value(&csp)),
            (header::X_CONTENT_TYPE_OPTIONS, value("nosniff")),
            (header::REFERRER_POLICY, value("no-referrer")),
            (
                HeaderName::from_static("permissions-policy"),
                value(PERMISSIONS_POLICY),
            ),
        ];
        Self { headers }
    }

    pub fn get(&self, name: &HeaderName) -> Option<&HeaderValue> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// Middleware: add the headers a handler did not set itself.
pub async fn add_headers(
    State(h): State<Arc<SecurityHeaders>>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    for (name, value) in &h.headers {
        if !res.headers().contains_key(name) {
            res.headers_mut().insert(name.clone(), value.clone());
        }
    }
    res
}

pub fn content_security_policy(
    frame_ancestors: &[String],
    storage_origin: Option<&str>,
    index_html: Option<&str>,
) -> String {
    let storage = storage_origin.map(|o| format!(" {o}")).unwrap_or_default();
    let hashes: String = index_html
        .map(inline_script_hashes)
        .unwrap_or_default()
        .iter()
        .map(|h| format!(" {h}"))
        .collect();
    let ancestors = if frame_ancestors.iter().any(|a| a == "'none'") {
        "'none'".to_string()
    } else {
        let mut list = vec!["'self'".to_string()];
        for a in frame_ancestors {
            if !list.contains(a) {
                list.push(a.clone());
            }
        }
        list.join(" ")
    };
    [
        "default-src 'self'".to_string(),
        format!("script-src 'self' 'wasm-unsafe-eval'{hashes}"),
        // Trunk's page has an inline <style>, and Leptos sets style attributes.
        "style-src 'self' 'unsafe-inline'".into(),
        format!("img-src 'self' blob: data:{storage}"),
        format!("media-src 'self' blob:{storage}"),
        format!("connect-src 'self'{storage}"),
        "font-src 'self' data:".into(),
        "object-src 'none'".into(),
        "base-uri 'self'".into(),
        "form-action 'self'".into(),
        format!("frame-ancestors {ancestors}"),
    ]
    .join("; ")
}

/// `'sha256-…'` of every inline `<script>` (one without `src`) in a page.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let Some(close) = body.find("</script") else {
            break;
        };
        if !tag.contains("src=") {
            let digest = Sha256::digest(&body.as_bytes()[..close]);
            let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
            out.push(format!("'sha256-{b64}'"));
        }
        rest = &body[close..];
    }
    out
}

/// CORS for the listed origins (`VIDREPLY_CORS_ORIGINS`); `None` when there are
/// none (same origin only).
pub fn cors(cors_origins: &[String]) -> Option<CorsLayer> {
    if cors_origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = cors_origins
        .iter()
        .map(|o| HeaderValue::from_str(o).expect("validated origin"))
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("content-md5"),
            ])
            .expose_headers([
                HeaderName::from_static(REQUEST_ID),
                header::ETAG,
                header::RETRY_AFTER,
            ])
            .max_age(Duration::from_secs(600)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_only_inline_scripts() {
        let html = "<script src=\"/a.js\"></script><script type=\"module\">x()</script>";
        let want = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"x()"));
        assert_eq!(inline_script_hashes(html), vec![format!("'sha256-{want}'")]);
    }
}
