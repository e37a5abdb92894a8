//! The origins settings name: the default `frame-ancestors` (Genesys Cloud), and the
//! parsers of CORS origins and `frame-ancestors` sources.

use url::Url;

/// Genesys Cloud's app hosts in every region (`apps.mypurecloud.com`, `apps.usw2.pure.cloud`, …).
pub const GENESYS_ORIGINS: &str = "https://*.mypurecloud.com,https://*.mypurecloud.com.au,\
https://*.mypurecloud.ie,https://*.mypurecloud.de,https://*.mypurecloud.jp,https://*.pure.cloud,\
https://*.us-gov-pure.cloud";

/// The origin (`scheme://host[:port]`) of an absolute URL.
pub fn origin_of(url: &str) -> Option<String> {
    let origin = Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
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
