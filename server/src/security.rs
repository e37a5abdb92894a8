//! Browser-facing security headers and CORS, from settings.
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
use url::Url;

use crate::config::Settings;
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
    /// `storage_origin` is the origin of the URLs the store signs; `index_html`, the
    /// built app's page whose inline scripts the CSP allows by hash.
    pub fn new(
        settings: &Settings,
        storage_origin: Option<&str>,
        index_html: Option<&str>,
    ) -> Self {
        let csp = content_security_policy(settings, storage_origin, index_html);
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
    settings: &Settings,
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
    let ancestors = if settings.frame_ancestors.iter().any(|a| a == "'none'") {
        "'none'".to_string()
    } else {
        let mut list = vec!["'self'".to_string()];
        for a in &settings.frame_ancestors {
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

/// The origin (`scheme://host[:port]`) of an absolute URL.
pub fn origin_of(url: &str) -> Option<String> {
    let origin = Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// CORS for the listed origins; `None` when there are none (same origin only).
pub fn cors(settings: &Settings) -> Option<CorsLayer> {
    if settings.cors_origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = settings
        .cors_origins
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

/// A CORS origin: `scheme://host[:port]`, nothing more.
pub fn parse_origin(s: &str) -> Result<String, String> {
    let url = Url::parse(s).map_err(|e| format!("{s:?} is not an origin: {e}"))?;
    let origin = origin_of(s).filter(|o| o == s.trim_end_matches('/'));
    match origin {
        Some(o) if matches!(url.scheme(), "http" | "https") => Ok(o),
        _ => Err(format!(
            "{s:?} is not an origin; write scheme://host[:port], e.g. https://support.example.com"
        )),
    }
}

/// A CSP source for `frame-ancestors`: `'self'`, `'none'`, or
/// `https://host[:port]` where the host may start with `*.`.
pub fn parse_csp_source(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s == "'self'" || s == "'none'" {
        return Ok(s.to_string());
    }
    let bad = || {
        format!(
            "{s:?} is not a frame origin; write https://host[:port] (host may start with *.), 'self' or 'none'"
        )
    };
    let (scheme, rest) = s.split_once("://").ok_or_else(bad)?;
    if !matches!(scheme, "http" | "https") {
        return Err(bad());
    }
    let host = rest.trim_end_matches('/');
    let plain = host.strip_prefix("*.").unwrap_or(host);
    let ok_chars = plain
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if plain.is_empty() || !ok_chars || origin_of(&format!("{scheme}://{plain}")).is_none() {
        return Err(bad());
    }
    Ok(format!("{scheme}://{host}"))
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

    #[test]
    fn sources_are_validated() {
        assert_eq!(
            parse_csp_source("https://*.pure.cloud").unwrap(),
            "https://*.pure.cloud"
        );
        assert_eq!(parse_csp_source("'none'").unwrap(), "'none'");
        for bad in [
            "https://a; script-src *",
            "javascript:x",
            "https://",
            "*",
            "https://a b",
        ] {
            assert!(parse_csp_source(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_origin("https://a.example/").unwrap(),
            "https://a.example"
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:3000").unwrap(),
            "http://127.0.0.1:3000"
        );
        for bad in ["https://a.example/path", "*", "null", "ftp://a.example"] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }
}
