//! Assertions on one answer: status, JSON body, and the API's error envelopes.

use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use vidreply_core::protocol::{ErrorBody, ErrorEnvelope};

use super::Resp;

impl Resp {
    pub fn expect_status(&self, status: StatusCode) {
        assert_eq!(
            self.status,
            status,
            "{} {}: {}",
            self.method,
            self.uri,
            String::from_utf8_lossy(&self.body)
        );
    }

    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} {}: body is not the expected JSON ({e}): {}",
                self.method,
                self.uri,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }

    /// Assert an API error: status, code, and the `{"error":{code,message,requestId}}`
    /// envelope whose request id matches the `x-request-id` header.
    pub fn api_error(&self, status: StatusCode, code: &str) -> ErrorBody {
        self.expect_status(status);
        assert_eq!(self.header("content-type"), Some("application/json"));
        let raw: Value = self.json();
        let obj = raw["error"].as_object().expect("error object");
        for key in ["code", "message", "requestId"] {
            assert!(obj[key].is_string(), "error.{key} missing: {raw}");
        }
        let body = self.json::<ErrorEnvelope>().error;
        assert_eq!(body.code, code, "{raw}");
        assert!(!body.message.trim().is_empty(), "{raw}");
        assert!(!body.request_id.is_empty(), "{raw}");
        assert_eq!(
            self.header("x-request-id"),
            Some(body.request_id.as_str()),
            "requestId equals the x-request-id header"
        );
        body
    }

    /// Assert a 400 naming `field`.
    pub fn field_error(&self, field: &str) -> ErrorBody {
        let body = self.api_error(StatusCode::BAD_REQUEST, "invalid_field");
        assert_eq!(body.field.as_deref(), Some(field), "{}", self.text());
        let root = field.split(['[', '.']).next().unwrap_or(field);
        assert!(body.message.contains(root), "message names the field");
        body
    }

    /// Assert an S3-shaped refusal from the local storage routes.
    pub fn storage_error(&self, status: StatusCode, code: &str) {
        self.expect_status(status);
        assert_eq!(self.header("content-type"), Some("application/xml"));
        assert!(
            self.text().contains(&format!("<Code>{code}</Code>")),
            "{}",
            self.text()
        );
        assert!(self.header("x-request-id").is_some_and(|v| !v.is_empty()));
    }
}
