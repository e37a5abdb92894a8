//! Who a capture token lets its holder be, and how a page reads it.

use base64::Engine;
use serde::{Deserialize, Serialize};

/// The role a capture link is issued for. The server enforces it on every call;
/// the page only follows it, so a link can never show more than it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CaptureRole {
    /// Records and sends its own replies into its one conversation; nothing else.
    #[default]
    Customer,
    /// Records, and may send a video to a customer on a channel.
    Agent,
}

impl CaptureRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Agent => "agent",
        }
    }

    /// The role claimed by a capture token (a JWT): `agent` only when its payload
    /// says `"rol":"agent"`; anything unreadable is a customer's. The signature is
    /// not checked here: the server checks it, and refuses what the role may not do.
    pub fn of_token(token: &str) -> Self {
        #[derive(Deserialize)]
        struct Payload {
            #[serde(default)]
            rol: CaptureRole,
        }
        token
            .split('.')
            .nth(1)
            .and_then(|p| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(p)
                    .ok()
            })
            .and_then(|b| serde_json::from_slice::<Payload>(&b).ok())
            .map_or(Self::Customer, |p| p.rol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            b.encode(r#"{"alg":"HS256"}"#),
            b.encode(payload)
        )
    }

    #[test]
    fn the_role_comes_from_the_payload() {
        assert_eq!(
            CaptureRole::of_token(&token(r#"{"sub":"c","rol":"agent"}"#)),
            CaptureRole::Agent
        );
        for customer in [
            token(r#"{"sub":"c","rol":"customer"}"#),
            token(r#"{"sub":"c"}"#),
            token(r#"{"sub":"c","rol":"admin"}"#),
            token("not json"),
            "no-dots".to_string(),
            "a.%%%.c".to_string(),
            String::new(),
        ] {
            assert_eq!(
                CaptureRole::of_token(&customer),
                CaptureRole::Customer,
                "{customer}"
            );
        }
    }
}
