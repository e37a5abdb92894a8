//! The one place that decides what a failed request means.
//!
//! Our server's answers are recognised by their stable code
//! ([`ErrorEnvelope`]'s `error.code`), never by their wording. Storage's answers
//! to part PUTs come from S3 (or our local stand-in), whose XML we do not parse;
//! for those the S3 marker strings below are the contract.

use crate::protocol::ErrorEnvelope;

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
        /// The start of the response body: our server's error envelope, or
        /// storage's S3 XML (which names expired signatures and bad digests).
        body: String,
        /// `Retry-After`, already converted to milliseconds.
        retry_after_ms: Option<u64>,
    },
}

impl Failure {
    /// Our server's error envelope, when the body is one.
    pub fn envelope(&self) -> Option<ErrorEnvelope> {
        match self {
            Failure::Status { body, .. } => serde_json::from_str(body).ok(),
            _ => None,
        }
    }

    /// The server's stable error code (`not_found`, `part_missing`...), when it sent one.
    pub fn code(&self) -> Option<String> {
        self.envelope().map(|e| e.error.code)
    }

    fn status(&self) -> Option<u16> {
        match self {
            Failure::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
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

/// What a failed look-up of an upload the journal knows means (resuming it after
/// a reload, or after uploading paused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// Gone, expired, cancelled, or another link's (`not_found`, `gone`,
    /// `forbidden`): the journal still holds every byte, so start a new upload.
    StartOver,
    /// Already complete (`conflict`): ask for its video.
    Collect,
    /// Anything else means what it means for any request.
    As(Verdict),
}

/// Classify a failed ListParts (or Collect) of a known upload, by the server's code.
pub fn classify_resume(failure: &Failure) -> Resume {
    match failure.code().as_deref() {
        Some("not_found" | "gone" | "forbidden") => Resume::StartOver,
        Some("conflict") => Resume::Collect,
        _ => Resume::As(classify(failure)),
    }
}

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
            400 if body.contains("BadDigest")
                || body.contains("InvalidDigest")
                || failure.code().as_deref() == Some("bad_digest") =>
            {
                Verdict::Retry
            }
            429 => Verdict::Throttle {
                retry_after_ms: *retry_after_ms,
            },
            409 if failure.code().as_deref() == Some("part_missing") => Verdict::Relist,
            408 | 409 | 423 => Verdict::Retry,
            s @ 400..=499 => Verdict::Fatal {
                status: s,
                message: fatal_message(failure),
            },
            _ => Verdict::Retry,
        },
    }
}

fn fatal_message(failure: &Failure) -> String {
    // Prefer the server's own message when it sent our error envelope.
    if let Some(e) = failure.envelope() {
        return e.error.message;
    }
    match failure.status().unwrap_or(0) {
        401 | 403 => "This link is no longer valid. Ask for a new link.".into(),
        404 | 410 => "This upload no longer exists on the server.".into(),
        413 => "The recording is larger than the server accepts.".into(),
        status => format!("The server refused the upload (HTTP {status})."),
    }
}

/// An answer from our server, as its error envelope middleware writes it (tests).
#[cfg(test)]
pub(crate) fn envelope(code: &str, message: &str) -> String {
    serde_json::to_string(&ErrorEnvelope {
        error: crate::protocol::ErrorBody {
            code: code.into(),
            message: message.into(),
            field: None,
            request_id: "r1".into(),
        },
    })
    .expect("serialises")
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
            classify(&status(400, &envelope("bad_digest", "Content-MD5"))),
            Verdict::Retry
        );
        assert_eq!(
            classify(&status(
                409,
                &envelope("part_missing", "Part 2 is missing.")
            )),
            Verdict::Relist
        );
        // The wording is not the contract: a message naming part_missing is not the code.
        assert_eq!(
            classify(&status(409, &envelope("conflict", "not part_missing"))),
            Verdict::Retry
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
        let body = envelope("not_found", "upload abc does not exist");
        assert_eq!(
            classify(&status(404, &body)),
            Verdict::Fatal {
                status: 404,
                message: "upload abc does not exist".into()
            }
        );
    }

    #[test]
    fn resume_reads_the_code() {
        for code in ["not_found", "gone", "forbidden"] {
            let f = status(404, &envelope(code, "whatever it says"));
            assert_eq!(classify_resume(&f), Resume::StartOver, "{code}");
        }
        let done = status(
            409,
            &envelope("conflict", "This upload is already complete."),
        );
        assert_eq!(classify_resume(&done), Resume::Collect);
        // A bare 404 from something that is not our server is not a verdict on the upload.
        assert!(matches!(
            classify_resume(&status(404, "<html>Not Found</html>")),
            Resume::As(Verdict::Fatal { status: 404, .. })
        ));
        assert_eq!(
            classify_resume(&status(503, &envelope("storage_unavailable", "later"))),
            Resume::As(Verdict::Retry)
        );
        assert_eq!(
            classify_resume(&Failure::Offline),
            Resume::As(Verdict::WaitOnline)
        );
    }
}
