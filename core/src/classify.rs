//! The one place that decides what a failed request means.

/// What went wrong with one request, as the shell observed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The browser reports it is offline (`navigator.onLine == false`).
    Offline,
    /// The request never got an HTTP answer (connection reset, DNS, CORS...).
    Network,
    /// The server answered with a non-success status.
    Status {
        status: u16,
        /// The start of the response body, used to recognise expired signatures.
        body: String,
        /// `Retry-After`, already converted to milliseconds.
        retry_after_ms: Option<u64>,
    },
}

/// What to do about a [`Failure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Try again after the backoff delay.
    Retry,
    /// The signed URL expired: ask the server for a fresh one, then retry.
    Resign,
    /// The server asks everyone to slow down: pause the whole queue.
    Throttle { retry_after_ms: Option<u64> },
    /// Storage lacks a part the complete listed: ask what it has, re-send the rest.
    Relist,
    /// Wait for the browser's `online` event, then continue.
    WaitOnline,
    /// Give up; the message is for the person.
    Fatal { status: u16, message: String },
}

/// The marker S3 (and our local backend) put in the body of an expired presigned request.
pub const EXPIRED_MARKER: &str = "Request has expired";

/// Classify a failure: 4xx is fatal except 408, 409, 423 and 429; "Request has
/// expired" (on a 403, or a 400 from servers that answer that way) means re-sign;
/// a checksum mismatch (`BadDigest`) means send the part again;
/// offline means wait for `online`; everything else is retried.
pub fn classify(failure: &Failure) -> Verdict {
    match failure {
        Failure::Offline => Verdict::WaitOnline,
        Failure::Network => Verdict::Retry,
        Failure::Status {
            status,
            body,
            retry_after_ms,
        } => match *status {
            400 | 403 if body.contains(EXPIRED_MARKER) => Verdict::Resign,
            // The part was corrupted on the way (Content-MD5 mismatch): send it again.
            400 if body.contains("BadDigest") || body.contains("InvalidDigest") => Verdict::Retry,
            429 => Verdict::Throttle {
                retry_after_ms: *retry_after_ms,
            },
            409 if body.contains("part_missing") => Verdict::Relist,
            408 | 409 | 423 => Verdict::Retry,
            s @ 400..=499 => Verdict::Fatal {
                status: s,
                message: fatal_message(s, body),
            },
            _ => Verdict::Retry,
        },
    }
}

fn fatal_message(status: u16, body: &str) -> String {
    // Prefer the server's own message when it sent our JSON error shape.
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body)
        && let Some(m) = v.pointer("/error/message").and_then(|m| m.as_str())
    {
        return m.to_string();
    }
    match status {
        401 | 403 => "This link is no longer valid. Ask for a new link.".into(),
        404 | 410 => "This upload no longer exists on the server.".into(),
        413 => "The recording is larger than the server accepts.".into(),
        _ => format!("The server refused the upload (HTTP {status})."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: u16, body: &str) -> Failure {
        Failure::Status {
            status: s,
            body: body.into(),
            retry_after_ms: None,
        }
    }

    #[test]
    fn table() {
        assert_eq!(classify(&Failure::Offline), Verdict::WaitOnline);
        assert_eq!(classify(&Failure::Network), Verdict::Retry);
        for s in [500, 502, 503, 504] {
            assert_eq!(classify(&status(s, "")), Verdict::Retry, "{s}");
        }
        for s in [408, 409, 423] {
            assert_eq!(classify(&status(s, "")), Verdict::Retry, "{s}");
        }
        assert_eq!(
            classify(&status(403, "<Message>Request has expired</Message>")),
            Verdict::Resign
        );
        assert_eq!(
            classify(&status(400, "Request has expired")),
            Verdict::Resign
        );
        assert_eq!(
            classify(&status(400, "<Error><Code>BadDigest</Code></Error>")),
            Verdict::Retry
        );
        assert_eq!(
            classify(&status(409, r#"{"error":{"code":"part_missing"}}"#)),
            Verdict::Relist
        );
        assert!(matches!(
            classify(&status(403, "SignatureDoesNotMatch")),
            Verdict::Fatal { status: 403, .. }
        ));
        assert!(matches!(
            classify(&status(404, "")),
            Verdict::Fatal { status: 404, .. }
        ));
        assert_eq!(
            classify(&Failure::Status {
                status: 429,
                body: String::new(),
                retry_after_ms: Some(2000)
            }),
            Verdict::Throttle {
                retry_after_ms: Some(2000)
            }
        );
    }

    #[test]
    fn fatal_uses_server_message() {
        let body = r#"{"error":{"code":"upload_not_found","message":"upload abc does not exist"}}"#;
        assert_eq!(
            classify(&status(404, body)),
            Verdict::Fatal {
                status: 404,
                message: "upload abc does not exist".into()
            }
        );
    }
}
