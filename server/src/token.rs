//! Capture tokens: signed (HS256), scoped to one conversation and one purpose.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use vidreply_core::protocol::CaptureRole;

use crate::error::ApiError;

/// What a token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Record and upload a video for the conversation.
    Record,
    /// Watch the conversation's videos (share and tutorial links).
    Watch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The conversation the token is bound to.
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cus: Option<String>,
    pub scope: Scope,
    pub iat: u64,
    pub exp: u64,
    /// Token id, for revocation.
    pub jti: String,
    /// A record token's role; absent means a customer's.
    #[serde(default, skip_serializing_if = "is_customer")]
    pub rol: CaptureRole,
    /// A watch token's one video: it reports telemetry for nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vid: Option<String>,
    /// A watch token's viewer session, chosen by the server for this visit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

fn is_customer(r: &CaptureRole) -> bool {
    *r == CaptureRole::Customer
}

impl Claims {
    /// May this token send a video to a customer on a channel? Only an agent's.
    pub fn is_agent(&self) -> bool {
        self.scope == Scope::Record && self.rol == CaptureRole::Agent
    }
}

pub struct TokenKeys {
    enc: EncodingKey,
    dec: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(<redacted>)")
    }
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            enc: EncodingKey::from_secret(secret),
            dec: DecodingKey::from_secret(secret),
        }
    }

    pub fn issue(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.enc)
            .expect("HS256 encoding of plain claims cannot fail")
    }

    /// Verify signature, expiry and scope.
    pub fn verify(&self, token: &str, scope: Scope) -> Result<Claims, ApiError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 0;
        v.validate_exp = true;
        v.set_required_spec_claims(&["exp", "sub"]);
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.dec, &v).map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::TokenExpired("This link has expired. Ask for a new link.".into())
                }
                _ => {
                    ApiError::Unauthenticated("This link is not valid. Ask for a new link.".into())
                }
            })?;
        if data.claims.scope != scope {
            return Err(ApiError::Forbidden(
                "This link does not allow that action.".into(),
            ));
        }
        Ok(data.claims)
    }

    /// Sign claims of another shape (tutorial links), with the same key.
    pub fn issue_other<T: Serialize>(&self, claims: &T) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.enc)
            .expect("HS256 encoding of plain claims cannot fail")
    }

    /// Verify signature and expiry of claims of another shape; a token of another
    /// shape (a capture or watch token) does not decode and is not valid here.
    pub fn verify_other<T: serde::de::DeserializeOwned>(&self, token: &str) -> Result<T, ApiError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 0;
        v.validate_exp = true;
        v.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<T>(token, &self.dec, &v)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::TokenExpired("This link has expired. Ask for a new link.".into())
                }
                _ => {
                    ApiError::Unauthenticated("This link is not valid. Ask for a new link.".into())
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> Claims {
        Claims {
            sub: "conv-1".into(),
            cus: None,
            scope: Scope::Record,
            iat: 0,
            exp,
            jti: "t1".into(),
            rol: CaptureRole::Customer,
            vid: None,
            sid: None,
        }
    }

    #[test]
    fn round_trip_expiry_and_forgery() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let now = crate::clock::unix_now();
        let t = keys.issue(&claims(now + 60));
        assert_eq!(keys.verify(&t, Scope::Record).unwrap().sub, "conv-1");
        let expired = keys.issue(&claims(now - 1));
        assert!(matches!(
            keys.verify(&expired, Scope::Record),
            Err(ApiError::TokenExpired(_))
        ));
        // A watch token never records, and a record token never watches.
        let watch = keys.issue(&Claims {
            scope: Scope::Watch,
            ..claims(now + 60)
        });
        assert!(matches!(
            keys.verify(&watch, Scope::Record),
            Err(ApiError::Forbidden(_))
        ));
        assert!(matches!(
            keys.verify(&t, Scope::Watch),
            Err(ApiError::Forbidden(_))
        ));
        assert_eq!(
            keys.verify(&watch, Scope::Watch).unwrap().scope,
            Scope::Watch
        );
        let other = TokenKeys::new(b"another-secret-another-secret-xx");
        assert!(matches!(
            other.verify(&t, Scope::Record),
            Err(ApiError::Unauthenticated(_))
        ));
    }
}
