//! The agent frame's Genesys Cloud settings (`crate::genesys` uses them).

use clap::Args;
use url::Url;

/// Settings of the agent frame (flattened into [`super::Settings`]).
#[derive(Clone, Args)]
pub struct GenesysSettings {
    /// Genesys Cloud OAuth client id (implicit grant) the agent frame signs agents in with.
    /// Unset, the agent frame's endpoints answer 409 `agent_frame_disabled`.
    #[arg(long, env = "VIDREPLY_GENESYS_CLIENT_ID")]
    pub genesys_client_id: Option<String>,
    /// Platform API base used for every region instead of `https://api.{gcTargetEnv}`
    /// (private clouds, tests).
    #[arg(long, env = "VIDREPLY_GENESYS_API_BASE")]
    pub genesys_api_base: Option<Url>,
    /// Login base used for every region instead of `https://login.{gcTargetEnv}`.
    #[arg(long, env = "VIDREPLY_GENESYS_LOGIN_BASE")]
    pub genesys_login_base: Option<Url>,
    /// A Genesys Cloud API call slower than this fails (502 `genesys_unavailable`), in milliseconds.
    #[arg(long, env = "VIDREPLY_GENESYS_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub genesys_timeout_ms: u64,
    /// How long a verified agent token and conversation are trusted without asking
    /// Genesys Cloud again, in seconds (0: always ask).
    #[arg(long, env = "VIDREPLY_GENESYS_VERIFY_CACHE_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub genesys_verify_cache_seconds: u64,
    /// Lifetime of a capture link issued to an agent frame, in seconds (at most
    /// capture_link_max_ttl_seconds).
    #[arg(long, env = "VIDREPLY_AGENT_LINK_TTL_SECONDS", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(60..))]
    pub agent_link_ttl_seconds: u64,
}

/// Nothing here is secret (the client id is public: it is in the agent's browser);
/// the bases are shown as origins only, in case one carries credentials.
impl std::fmt::Debug for GenesysSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let origin = |u: &Option<Url>| u.as_ref().map(|u| u.origin().ascii_serialization());
        f.debug_struct("GenesysSettings")
            .field("genesys_client_id", &self.genesys_client_id)
            .field("genesys_api_base", &origin(&self.genesys_api_base))
            .field("genesys_login_base", &origin(&self.genesys_login_base))
            .field("genesys_timeout_ms", &self.genesys_timeout_ms)
            .field(
                "genesys_verify_cache_seconds",
                &self.genesys_verify_cache_seconds,
            )
            .field("agent_link_ttl_seconds", &self.agent_link_ttl_seconds)
            .finish()
    }
}

impl GenesysSettings {
    /// Bases that are http(s) URLs, and an agent link no longer than any capture link.
    pub fn validate(&self, capture_link_max_ttl_seconds: u64) -> Result<(), String> {
        for (name, base) in [
            ("VIDREPLY_GENESYS_API_BASE", &self.genesys_api_base),
            ("VIDREPLY_GENESYS_LOGIN_BASE", &self.genesys_login_base),
        ] {
            if let Some(u) = base
                && !matches!(u.scheme(), "http" | "https")
            {
                return Err(format!("{name} must be an http(s) URL"));
            }
        }
        if self.agent_link_ttl_seconds > capture_link_max_ttl_seconds {
            return Err(format!(
                "VIDREPLY_AGENT_LINK_TTL_SECONDS ({}) must not exceed VIDREPLY_CAPTURE_LINK_MAX_TTL_SECONDS ({})",
                self.agent_link_ttl_seconds, capture_link_max_ttl_seconds
            ));
        }
        Ok(())
    }
}
