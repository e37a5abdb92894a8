//! What a page hands the recorder: where the server is, the capture token, limits,
//! language, theme and mode, and where the recorder's events go. The standalone
//! page reads them from its URL; the widget from `mount(element, options)`.

use std::rc::Rc;

use serde::Deserialize;

use crate::context::CaptureContext;

#[path = "options_check.rs"]
mod check;
pub(crate) use check::bad;
pub use check::{OptionsError, PageOptions, Written};

/// Default 3-2-1 countdown before recording starts, in seconds.
pub const DEFAULT_COUNTDOWN_S: u32 = 3;
/// Longest countdown a page may ask for.
pub const MAX_COUNTDOWN_S: u32 = 10;
/// Maximum recording length when neither the page nor the server says (5 minutes).
pub const DEFAULT_MAX_DURATION_MS: u64 = 5 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(Self::Auto),
            "light" => Some(Self::Light),
            "dark" => Some(Self::Dark),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

/// Customer: record a reply. Agent: record an outbound answer, then share or send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Customer,
    Agent,
}

impl Mode {
    /// The mode a capture token allows: the agent screens only for an agent's
    /// token, whatever the page or its query string asks for. (The server refuses
    /// an agent's actions to any other token anyway; this keeps the page honest.)
    pub fn for_token(token: Option<&str>) -> Self {
        use vidreply_core::protocol::CaptureRole;
        match token.map(CaptureRole::of_token) {
            Some(CaptureRole::Agent) => Self::Agent,
            _ => Self::Customer,
        }
    }
}

pub use vidreply_core::recorder::RecorderEvent;

/// Where events go; the standalone page ignores them, the widget dispatches them.
#[derive(Clone)]
pub struct Events(Rc<dyn Fn(&RecorderEvent)>);

impl Events {
    pub fn new(f: impl Fn(&RecorderEvent) + 'static) -> Self {
        Self(Rc::new(f))
    }
    pub fn emit(&self, e: RecorderEvent) {
        (self.0)(&e)
    }
}

impl Default for Events {
    fn default() -> Self {
        Self::new(|_| {})
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events")
    }
}

/// Everything the recorder needs from its page.
#[derive(Clone, Default)]
pub struct RecorderOptions {
    /// The server's origin, e.g. `https://video.example.com`.
    pub endpoint: String,
    pub token: Option<String>,
    pub conversation_id: String,
    /// Page-set cap on the recording length; the server's own cap still applies.
    pub max_duration_ms: Option<u64>,
    pub countdown_s: u32,
    /// A BCP 47 tag; `None` means the browser's languages.
    pub lang: Option<String>,
    pub theme: Theme,
    pub mode: Mode,
    pub events: Events,
}

impl std::fmt::Debug for RecorderOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a credential: never printed.
        f.debug_struct("RecorderOptions")
            .field("endpoint", &self.endpoint)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("conversation_id", &self.conversation_id)
            .field("max_duration_ms", &self.max_duration_ms)
            .field("countdown_s", &self.countdown_s)
            .field("lang", &self.lang)
            .field("theme", &self.theme)
            .field("mode", &self.mode)
            .finish()
    }
}

impl RecorderOptions {
    /// The standalone page: everything from the link's query string, checked as
    /// `mount()` checks a page's options, the server being the page's own origin.
    pub fn from_link(ctx: &CaptureContext, origin: String) -> Result<Self, OptionsError> {
        PageOptions::from_link(ctx)?.check(origin, Written::Link, Events::default())
    }

    /// What the standalone page shows a link it refused with: its language and theme
    /// where they are good, and no token, so nothing can be recorded.
    pub fn refused_link(ctx: &CaptureContext, origin: String) -> Self {
        let lang = ctx.lang.clone().filter(|l| check::language(l).is_ok());
        Self {
            endpoint: origin,
            lang,
            theme: ctx
                .theme
                .as_deref()
                .and_then(Theme::parse)
                .unwrap_or_default(),
            ..Self::default()
        }
    }

    /// The recording limit: the smaller of the page's and the server's.
    pub fn limit_ms(&self, server_ms: Option<u64>) -> u64 {
        match (self.max_duration_ms, server_ms) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => DEFAULT_MAX_DURATION_MS,
        }
    }
}
