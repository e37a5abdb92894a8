//! Tutorial delivery (seed 2): an IVR offers a tutorial video, a Data Action signs a
//! link for the caller's session, the caller opens it on any device within the
//! window, and the conversation hears when playback really started.
//!
//! - `assets`: tutorial assets, registered or uploaded by an admin (API key).
//! - `sign`: `POST /api/v1/media/sign-video-url` and the session status for the IVR.
//! - `link`: the link itself, `/t/{asset}`, which serves the watch page.
//! - `marks`: what telemetry of a tutorial session records and announces.
//!
//! Their media goes through `routes::redirect`, as every video's does.

pub(super) mod assets;
pub(super) mod link;
pub(super) mod marks;
pub(super) mod sign;
mod upload;

use serde::{Deserialize, Serialize};

/// The claims of a tutorial link's token: bound to one session, one asset and one
/// conversation until `exp`; not to an IP address or a browser, so the link works
/// on another device within the window. Capture and watch tokens never decode as
/// these (they lack `ses` and `ast`), nor these as theirs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkClaims {
    /// The conversation.
    pub sub: String,
    /// The tutorial session (the voice session's token).
    pub ses: String,
    /// The tutorial asset.
    pub ast: String,
    /// Always [`LINK_KIND`].
    pub typ: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
}

pub const LINK_KIND: &str = "tutorial";

/// `sms` for a phone (the caller most likely followed the SMS), `web` otherwise.
pub fn channel_hint(user_agent: &str) -> &'static str {
    let mobile = ["Mobi", "Android", "iPhone", "iPad", "iPod", "Windows Phone"]
        .iter()
        .any(|m| user_agent.contains(m));
    if mobile { "sms" } else { "web" }
}

/// RFC 3339 (UTC) of unix milliseconds.
pub fn rfc3339_ms(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_hint_sms_and_the_rest_web() {
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36";
        let desktop =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36";
        assert_eq!(channel_hint(iphone), "sms");
        assert_eq!(channel_hint(android), "sms");
        assert_eq!(channel_hint(desktop), "web");
        assert_eq!(channel_hint(""), "web");
        assert_eq!(rfc3339_ms(1_767_225_600_120), "2026-01-01T00:00:00.12Z");
    }
}
