//! The page's context, read from its query parameters (capture links and Genesys
//! interaction-widget URL templates).

use web_sys::UrlSearchParams;

use crate::options::Theme;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureContext {
    pub conversation_id: Option<String>,
    pub customer_id: Option<String>,
    pub token: Option<String>,
    pub gc_host_origin: Option<String>,
    pub gc_target_env: Option<String>,
    /// `lang`, else Genesys `pcLangTag`.
    pub lang: Option<String>,
    pub theme: Theme,
    pub countdown_s: Option<u32>,
    pub max_duration_s: Option<u32>,
}

impl CaptureContext {
    /// Parse a query string such as `?conversationId=…&token=…`.
    ///
    /// Genesys fills `gcConversationId`/`pcConversationId`; an unfilled template
    /// (`{{gcConversationId}}`) counts as absent.
    pub fn from_query(query: &str) -> Self {
        let Ok(p) = UrlSearchParams::new_with_str(query) else {
            return Self::default();
        };
        let get = |k: &str| {
            p.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !(v.is_empty() || v.starts_with("{{") && v.ends_with("}}")))
        };
        Self {
            conversation_id: get("conversationId")
                .or_else(|| get("gcConversationId"))
                .or_else(|| get("pcConversationId")),
            customer_id: get("customerId"),
            // A token is printable ASCII; anything else is a damaged link.
            token: get("token").filter(|t| t.bytes().all(|b| b.is_ascii_graphic())),
            gc_host_origin: get("gcHostOrigin"),
            gc_target_env: get("gcTargetEnv"),
            lang: get("lang").or_else(|| get("pcLangTag")).filter(|l| {
                l.len() <= 35
                    && l.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            }),
            theme: get("theme")
                .and_then(|t| Theme::parse(&t))
                .unwrap_or_default(),
            countdown_s: get("countdown").and_then(|c| c.parse().ok()),
            max_duration_s: get("maxDuration")
                .and_then(|c| c.parse().ok())
                .filter(|&s| s > 0),
        }
    }

    pub fn from_location() -> Self {
        let search = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        Self::from_query(&search)
    }
}
