//! Genesys Cloud for the agent frame: which region's hosts to use, and checking an
//! agent's access token with the Platform API before a capture link is issued.
//!
//! The frame signs the agent in itself (OAuth implicit grant) and hands us the access
//! token. We ask Genesys three things with it, at once: whom the token was issued to
//! (`GET /api/v2/tokens/me`: it must be our OAuth client, so a token from any other
//! client or organization is refused), who the agent is (`GET /api/v2/users/me`), and
//! whether the agent can see the conversation (`GET /api/v2/conversations/{id}`).
//! A success is remembered briefly under a hash of token, region and conversation;
//! the token itself is never stored or logged.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;
use vidreply_core::protocol::GENESYS_REGIONS;

use crate::config::GenesysSettings;
use crate::error::ApiError;

/// The known region `value` names (exactly, as `{{gcTargetEnv}}` gives it), or a 400
/// naming `field`.
pub fn region(field: &str, value: &str) -> Result<&'static str, ApiError> {
    GENESYS_REGIONS
        .iter()
        .copied()
        .find(|r| *r == value)
        .ok_or_else(|| {
            ApiError::field(
                field,
                format!(
                    "{field} must be a Genesys Cloud region: {}.",
                    GENESYS_REGIONS.join(", ")
                ),
            )
        })
}

/// A successful check: the agent's Genesys Cloud user id.
#[derive(Debug, Clone)]
pub struct Agent {
    pub user_id: String,
    /// Answered from the cache, without asking Genesys Cloud.
    pub cached: bool,
}

/// Cached checks kept at most; expired ones are dropped first, then all.
const MAX_CACHED: usize = 10_000;

pub struct Genesys {
    settings: GenesysSettings,
    http: reqwest::Client,
    /// SHA-256 of region, conversation and token → (agent user id, trusted until).
    cache: Mutex<HashMap<[u8; 32], (String, Instant)>>,
}

impl std::fmt::Debug for Genesys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self.cache.lock().map(|c| c.len()).unwrap_or(0);
        f.debug_struct("Genesys")
            .field("settings", &self.settings)
            .field("cached", &cached)
            .finish_non_exhaustive()
    }
}

/// One Platform API answer, as far as we care.
enum Answer {
    Ok(Value),
    /// 401, 403 or 404.
    Refused(u16),
    /// No answer, a timeout, 429, 5xx or anything unexpected; why, for the log.
    Unavailable(String),
}

impl Genesys {
    /// `g` as `Settings::validate` checked it.
    pub fn new(g: GenesysSettings) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(g.genesys_timeout_ms))
            // Genesys answers these calls directly; a redirect is unexpected, not followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("Genesys Cloud HTTP client: {e}"))?;
        Ok(Self {
            settings: g,
            http,
            cache: Mutex::default(),
        })
    }

    pub fn settings(&self) -> &GenesysSettings {
        &self.settings
    }

    /// The OAuth client id, or 409 `agent_frame_disabled` when none is set.
    pub fn client_id(&self) -> Result<&str, ApiError> {
        self.settings
            .genesys_client_id
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                ApiError::AgentFrameDisabled(
                    "The agent frame is not set up: an administrator must set \
                     VIDREPLY_GENESYS_CLIENT_ID (genesys_client_id) to the Genesys Cloud \
                     OAuth client (implicit grant) it signs agents in with."
                        .into(),
                )
            })
    }

    /// `https://login.{region}/oauth/authorize`, or under the login base.
    pub fn authorize_url(&self, region: &str) -> Url {
        let base = self.settings.genesys_login_base.clone();
        under(base, "login", region, &["oauth", "authorize"])
    }

    fn api_url(&self, region: &str, path: &[&str]) -> Url {
        let base = self.settings.genesys_api_base.clone();
        under(base, "api", region, path)
    }

    /// Check `token` with Genesys Cloud: issued to our OAuth client, and its user can
    /// see `conversation` (a canonical UUID) in `region` (a known region).
    pub async fn verify(
        &self,
        token: &str,
        region: &str,
        conversation: &str,
    ) -> Result<Agent, ApiError> {
        let client_id = self.client_id()?;
        if !plausible(token) {
            return Err(ApiError::Unauthenticated(
                "Authorization must be `Bearer <Genesys Cloud access token>`.".into(),
            ));
        }
        let key = cache_key(token, region, conversation);
        if let Some(user_id) = self.cached(&key) {
            return Ok(Agent {
                user_id,
                cached: true,
            });
        }
        let url = |path: &[&str]| self.api_url(region, &[&["api", "v2"], path].concat());
        let (info, me, conv) = tokio::join!(
            self.get(url(&["tokens", "me"]), token),
            self.get(url(&["users", "me"]), token),
            self.get(url(&["conversations", conversation]), token),
        );
        let calls = [
            ("tokens/me", &info),
            ("users/me", &me),
            ("conversation", &conv),
        ];
        if calls.iter().any(|(_, a)| matches!(a, Answer::Refused(401))) {
            return Err(ApiError::Unauthenticated(
                "Genesys Cloud did not accept the access token; sign in again.".into(),
            ));
        }
        for (call, answer) in calls {
            if let Answer::Unavailable(why) = answer {
                tracing::warn!(call, %why, region, "Genesys Cloud did not answer");
                return Err(ApiError::GenesysUnavailable(
                    "Genesys Cloud did not answer; try again shortly.".into(),
                ));
            }
        }
        let (Answer::Ok(info), Answer::Ok(me)) = (info, me) else {
            return Err(ApiError::Forbidden(
                "The Genesys Cloud access token may not read its own user and token; \
                 check the OAuth client's scopes."
                    .into(),
            ));
        };
        let issued_to = info
            .get("OAuthClient")
            .or_else(|| info.get("oAuthClient"))
            .and_then(|c| c.get("id"))
            .and_then(Value::as_str);
        if issued_to != Some(client_id) {
            // The client id is public; naming only whether there was one helps operators.
            tracing::warn!(
                region,
                named = issued_to.is_some(),
                "a token of another OAuth client"
            );
            return Err(ApiError::Unauthenticated(
                "The access token was not issued to this server's Genesys Cloud OAuth client."
                    .into(),
            ));
        }
        let Some(user_id) = me.get("id").and_then(Value::as_str).map(str::to_string) else {
            tracing::warn!(region, "Genesys Cloud users/me answered without an id");
            return Err(ApiError::GenesysUnavailable(
                "Genesys Cloud gave an answer we could not read; try again shortly.".into(),
            ));
        };
        if let Answer::Refused(_) = conv {
            return Err(ApiError::Forbidden(format!(
                "Your Genesys Cloud user cannot see conversation {conversation}."
            )));
        }
        self.remember(key, &user_id);
        Ok(Agent {
            user_id,
            cached: false,
        })
    }

    async fn get(&self, url: Url, token: &str) -> Answer {
        let res = self
            .http
            .get(url)
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await;
        let res = match res {
            Ok(r) => r,
            // Only the kind: reqwest's message would name the URL, which is fine, but
            // nothing here needs more.
            Err(e) if e.is_timeout() => return Answer::Unavailable("timed out".into()),
            Err(_) => return Answer::Unavailable("could not connect".into()),
        };
        match res.status().as_u16() {
            200..=299 => match res.json::<Value>().await {
                Ok(v) => Answer::Ok(v),
                Err(e) if e.is_timeout() => Answer::Unavailable("timed out".into()),
                Err(_) => Answer::Unavailable("answered something other than JSON".into()),
            },
            s @ (401 | 403 | 404) => Answer::Refused(s),
            s => Answer::Unavailable(format!("HTTP {s}")),
        }
    }

    fn cached(&self, key: &[u8; 32]) -> Option<String> {
        let mut cache = self.cache.lock().ok()?;
        match cache.get(key) {
            Some((user, until)) if *until > Instant::now() => Some(user.clone()),
            Some(_) => {
                cache.remove(key);
                None
            }
            None => None,
        }
    }

    fn remember(&self, key: [u8; 32], user_id: &str) {
        let ttl = Duration::from_secs(self.settings.genesys_verify_cache_seconds);
        if ttl.is_zero() {
            return;
        }
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        let now = Instant::now();
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, (_, until)| *until > now);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(key, (user_id.to_string(), now + ttl));
    }
}

/// `https://{host}.{region}/a/b`, or `a/b` under `base` (keeping its path).
fn under(base: Option<Url>, host: &str, region: &str, path: &[&str]) -> Url {
    let mut url = base.unwrap_or_else(|| {
        Url::parse(&format!("https://{host}.{region}/")).expect("regions form host names")
    });
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .expect("http(s) URLs have a path")
        .pop_if_empty()
        .extend(path);
    url
}

/// A bearer token could be a Genesys access token (RFC 6750 `b64token` characters),
/// so it is safe to pass on in a header.
fn plausible(token: &str) -> bool {
    (1..=4096).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b))
}

fn cache_key(token: &str, region: &str, conversation: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [region, conversation, token] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_per_region_and_under_an_override() {
        let url = under(None, "login", "mypurecloud.de", &["oauth", "authorize"]);
        assert_eq!(url.as_str(), "https://login.mypurecloud.de/oauth/authorize");
        let base = Url::parse("http://127.0.0.1:9/private/?x=1").ok();
        let url = under(base, "api", "mypurecloud.de", &["api", "v2", "users", "me"]);
        assert_eq!(url.as_str(), "http://127.0.0.1:9/private/api/v2/users/me");
    }

    #[test]
    fn regions_are_an_allow_list() {
        assert_eq!(region("f", "mypurecloud.de").unwrap(), "mypurecloud.de");
        for bad in [
            "",
            "MyPureCloud.de",
            "evil.example",
            "mypurecloud.de.evil.example",
            "mypurecloud.de/",
        ] {
            assert!(region("f", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_token_characters_are_passed_on() {
        assert!(plausible("aB3-._~+/="));
        for bad in ["", "a b", "a\r\nX: y", "é", &"a".repeat(4097)] {
            assert!(!plausible(bad), "{bad:?}");
        }
    }
}
