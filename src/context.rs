//! The page's context, read from its query parameters (capture links and Genesys
//! interaction-widget URL templates), as written: `options` checks the recorder's.

use web_sys::UrlSearchParams;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureContext {
    pub conversation_id: Option<String>,
    pub customer_id: Option<String>,
    pub token: Option<String>,
    pub gc_host_origin: Option<String>,
    pub gc_target_env: Option<String>,
    /// `lang`, else Genesys `pcLangTag`.
    pub lang: Option<String>,
    /// The rest as written; `RecorderOptions::from_link` checks them.
    pub theme: Option<String>,
    pub countdown: Option<String>,
    pub max_duration: Option<String>,
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
            token: get("token"),
            gc_host_origin: get("gcHostOrigin"),
            gc_target_env: get("gcTargetEnv"),
            lang: get("lang").or_else(|| get("pcLangTag")),
            theme: get("theme"),
            countdown: get("countdown"),
            max_duration: get("maxDuration"),
        }
    }

    pub fn from_location() -> Self {
        let search = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        Self::from_query(&search)
    }
}
