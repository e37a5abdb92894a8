//! Extractors that turn bad input into errors naming the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A query parameter's decoded value; when a name repeats, the first one counts
/// everywhere (authentication and rate limiting must agree on which token it is).
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// JSON body whose deserialisation errors name the offending field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("application/json")
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "Send the body as JSON with Content-Type: application/json.".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::TooLarge("The request body is too large.".into()))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Deserialize, reporting the path of the first bad field (`parts[0].etag`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::BadRequest(format!("The body is not valid JSON: {msg}"));
        }
        // serde reports a missing field at its parent's path; name the field itself.
        let field = match msg
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
        {
            Some(name) if path == "." => name.to_string(),
            Some(name) => format!("{path}.{name}"),
            None if path == "." => "body".to_string(),
            None => path,
        };
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        ApiError::field(field.clone(), format!("{field}: {msg}"))
    })?;
    // As `serde_json::from_slice` does: only whitespace may follow the value, so
    // `{…}x` or two bodies back to back are refused, not half read.
    de.end()
        .map_err(|e| ApiError::BadRequest(format!("The body is not valid JSON: {e}")))?;
    Ok(value)
}

/// The bearer token of the `Authorization` header.
pub struct Bearer(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        bearer_token(&parts.headers).map(Bearer)
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthenticated("Missing Authorization: Bearer header.".into()))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer x` is fine.
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthenticated("Authorization must be `Bearer <token>`.".into())
        })?;
    Ok(token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use vidreply_core::protocol::CompleteUploadRequest;

    fn field_of(body: &str) -> String {
        match parse_json::<CompleteUploadRequest>(body.as_bytes()) {
            Err(ApiError::InvalidField { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_the_field() {
        assert_eq!(field_of(r#"{}"#), "parts");
        assert_eq!(
            field_of(r#"{"parts":[{"partNumber":"one","etag":"x"}]}"#),
            "parts[0].partNumber"
        );
        assert_eq!(field_of(r#"{"parts":[{"partNumber":1}]}"#), "parts[0].etag");
        assert_eq!(field_of(r#"{"parts":[],"durationMs":-1}"#), "durationMs");
        assert!(matches!(
            parse_json::<CompleteUploadRequest>(b"{nope"),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn refuses_anything_after_the_value() {
        let ok = r#"{"parts":[{"partNumber":1,"etag":"x"}]}"#;
        assert!(parse_json::<CompleteUploadRequest>(format!(" {ok} \n").as_bytes()).is_ok());
        for bad in [format!("{ok}x"), format!("{ok}{ok}"), format!("{ok},")] {
            assert!(
                matches!(
                    parse_json::<CompleteUploadRequest>(bad.as_bytes()),
                    Err(ApiError::BadRequest(_))
                ),
                "{bad}"
            );
        }
    }
}
