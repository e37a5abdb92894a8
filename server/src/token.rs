//! Capture, watch and tutorial tokens: signed (HS256), scoped to one conversation and
//! one purpose, each purpose with its own key.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use vidreply_core::protocol::CaptureRole;

use crate::error::ApiError;
use crate::secrets::Purpose;

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
    /// The Genesys Cloud user an agent frame's token was issued to: send quotas
    /// count per agent, so reloading the frame (a new token) does not reset them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agt: Option<String>,
}

fn is_customer(r: &CaptureRole) -> bool {
    *r == CaptureRole::Customer
}

impl Claims {
    /// May this token send a video to a customer on a channel? Only an agent's.
    pub fn is_agent(&self) -> bool {
        self.scope == Scope::Record && self.rol == CaptureRole::Agent
    }

    /// Whom a send is counted against: the agent frame's Genesys user, else the token.
    pub fn sender(&self) -> String {
        match &self.agt {
            Some(user) => format!("genesys-user:{user}"),
            None => format!("token:{}", self.jti),
        }
    }
}

/// One signing key: encoding and decoding halves.
struct Key {
    enc: EncodingKey,
    dec: DecodingKey,
}

impl Key {
    fn new(purpose: Purpose, secret: &[u8]) -> Self {
        let k = purpose.key(secret);
        Self {
            enc: EncodingKey::from_secret(&k),
            dec: DecodingKey::from_secret(&k),
        }
    }
}

/// The token keys, one per purpose, each derived from the signing secret with HKDF
/// ([`Purpose`]): a token signed for one purpose never verifies for another.
pub struct TokenKeys {
    capture: Key,
    watch: Key,
    tutorial: Key,
    /// Capture links signed before the per-purpose keys (with the secret itself),
    /// accepted as a customer's until this time (unix seconds) to carry links
    /// already sent through an upgrade; `None`: never.
    legacy: Option<(DecodingKey, u64)>,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(<redacted>)")
    }
}

fn validation() -> Validation {
    let mut v = Validation::new(Algorithm::HS256);
    v.leeway = 0;
    v.validate_exp = true;
    v.set_required_spec_claims(&["exp", "sub"]);
    v
}

fn refusal(e: &jsonwebtoken::errors::Error) -> ApiError {
    match e.kind() {
        ErrorKind::ExpiredSignature => {
            ApiError::TokenExpired("This link has expired. Ask for a new link.".into())
        }
        _ => ApiError::Unauthenticated("This link is not valid. Ask for a new link.".into()),
    }
}

impl TokenKeys {
    /// Derive the keys from the signing secret.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            capture: Key::new(Purpose::CaptureTokens, secret),
            watch: Key::new(Purpose::WatchTokens, secret),
            tutorial: Key::new(Purpose::TutorialTokens, secret),
            legacy: None,
        }
    }

    /// Also accept capture links signed with the secret itself, as a customer's,
    /// until `until_s` (unix seconds; 0: never).
    pub fn with_legacy_capture_links(mut self, secret: &[u8], until_s: u64) -> Self {
        self.legacy = (until_s > 0).then(|| (DecodingKey::from_secret(secret), until_s));
        self
    }

    /// A capture link signed before the per-purpose keys, while they are accepted:
    /// always a customer's, whatever it claims.
    fn legacy_capture(&self, token: &str) -> Option<Claims> {
        let (key, until) = self.legacy.as_ref()?;
        if crate::clock::unix_now() >= *until {
            return None;
        }
        let mut claims = jsonwebtoken::decode::<Claims>(token, key, &validation())
            .ok()?
            .claims;
        (claims.scope == Scope::Record).then(|| {
            claims.rol = CaptureRole::Customer;
            claims.vid = None;
            claims.sid = None;
            claims.agt = None;
            claims
        })
    }

    fn key(&self, scope: Scope) -> &Key {
        match scope {
            Scope::Record => &self.capture,
            Scope::Watch => &self.watch,
        }
    }

    /// Sign claims with the key of their scope.
    pub fn issue(&self, claims: &Claims) -> String {
        let key = &self.key(claims.scope).enc;
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, key)
            .expect("HS256 encoding of plain claims cannot fail")
    }

    /// Verify signature (with `scope`'s key), expiry and scope. A genuine token of
    /// another scope is `Forbidden` (it is a real link, just not for this).
    pub fn verify(&self, token: &str, scope: Scope) -> Result<Claims, ApiError> {
        let data = match jsonwebtoken::decode::<Claims>(token, &self.key(scope).dec, &validation())
        {
            Ok(d) => d,
            Err(e) if *e.kind() == ErrorKind::InvalidSignature => {
                if scope == Scope::Record
                    && let Some(old) = self.legacy_capture(token)
                {
                    return Ok(old);
                }
                return Err(self
                    .other_scope(token, scope)
                    .unwrap_or_else(|| refusal(&e)));
            }
            Err(e) => return Err(refusal(&e)),
        };
        if data.claims.scope != scope {
            return Err(ApiError::Forbidden(
                "This link does not allow that action.".into(),
            ));
        }
        Ok(data.claims)
    }

    /// A token signed with another scope's key: say what the link is, if it is one.
    fn other_scope(&self, token: &str, scope: Scope) -> Option<ApiError> {
        [Scope::Record, Scope::Watch]
            .into_iter()
            .filter(|s| *s != scope)
            .find_map(|s| {
                match jsonwebtoken::decode::<Claims>(token, &self.key(s).dec, &validation()) {
                    Ok(d) if d.claims.scope == s => Some(ApiError::Forbidden(
                        "This link does not allow that action.".into(),
                    )),
                    Err(e) if *e.kind() == ErrorKind::ExpiredSignature => Some(refusal(&e)),
                    _ => None,
                }
            })
    }

    /// Sign claims of another shape (tutorial links), with the tutorial key.
    pub fn issue_other<T: Serialize>(&self, claims: &T) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.tutorial.enc)
            .expect("HS256 encoding of plain claims cannot fail")
    }

    /// Verify signature (with the tutorial key) and expiry of claims of another
    /// shape; a capture or watch token is signed with another key and is not valid here.
    pub fn verify_other<T: serde::de::DeserializeOwned>(&self, token: &str) -> Result<T, ApiError> {
        jsonwebtoken::decode::<T>(token, &self.tutorial.dec, &validation())
            .map(|d| d.claims)
            .map_err(|e| refusal(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn claims(exp: u64) -> Claims {
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
            agt: None,
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

#[cfg(test)]
mod purpose_tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn record(exp: u64) -> Claims {
        super::tests::claims(exp)
    }

    fn sign_with(key: &[u8], claims: &Claims) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(key),
        )
        .unwrap()
    }

    #[test]
    fn a_token_signed_for_one_purpose_never_verifies_for_another() {
        let keys = TokenKeys::new(SECRET);
        let exp = crate::clock::unix_now() + 60;
        let rec = record(exp);
        let watch = Claims {
            scope: Scope::Watch,
            ..record(exp)
        };
        // The purposes' own keys verify their own tokens.
        let genuine = sign_with(&Purpose::CaptureTokens.key(SECRET), &rec);
        assert_eq!(keys.verify(&genuine, Scope::Record).unwrap(), rec);
        let genuine = sign_with(&Purpose::WatchTokens.key(SECRET), &watch);
        assert_eq!(keys.verify(&genuine, Scope::Watch).unwrap(), watch);
        // Record claims under any other key (the raw secret is what one key for
        // everything used to be) are not a capture token.
        for key in [
            Purpose::WatchTokens.key(SECRET).to_vec(),
            Purpose::TutorialTokens.key(SECRET).to_vec(),
            Purpose::LocalStorageUrls.key(SECRET).to_vec(),
            SECRET.to_vec(),
        ] {
            let t = sign_with(&key, &rec);
            assert!(
                matches!(
                    keys.verify(&t, Scope::Record),
                    Err(ApiError::Unauthenticated(_))
                ),
                "record claims under a foreign key verified"
            );
            let t = sign_with(&key, &watch);
            if key != Purpose::WatchTokens.key(SECRET) {
                assert!(matches!(
                    keys.verify(&t, Scope::Watch),
                    Err(ApiError::Unauthenticated(_))
                ));
            }
        }
        // Capture-shaped claims signed as a tutorial link are not a capture token,
        // and a capture token is not a tutorial link.
        let as_tutorial = keys.issue_other(&rec);
        assert!(matches!(
            keys.verify(&as_tutorial, Scope::Record),
            Err(ApiError::Unauthenticated(_))
        ));
        let capture = keys.issue(&rec);
        assert!(matches!(
            keys.verify_other::<Claims>(&capture),
            Err(ApiError::Unauthenticated(_))
        ));
        assert_eq!(keys.verify_other::<Claims>(&as_tutorial).unwrap(), rec);
        let watch_token = keys.issue(&watch);
        assert!(keys.verify_other::<Claims>(&watch_token).is_err());
    }
}
