//! What a page hands the recorder: where the server is, the capture token, limits,
//! language, theme and mode, and where the recorder's events go. The standalone
//! page reads them from its URL; the widget from `mount(element, options)`.

use std::rc::Rc;

use serde::Deserialize;

use crate::context::CaptureContext;

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

/// What the recorder tells its page, in this order over one recording:
/// `recordingstart`, `recordingstop`, `uploadprogress`…, then `sent` or `error`.
#[derive(Debug, Clone, PartialEq)]
pub enum RecorderEvent {
    RecordingStart { mime_type: String },
    RecordingStop { duration_ms: f64 },
    UploadProgress { sent: u64, total: u64, percent: u64 },
    Sent { video_id: String, share_url: String },
    Error { code: String, message: String },
}

impl RecorderEvent {
    /// The DOM event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::RecordingStart { .. } => "recordingstart",
            Self::RecordingStop { .. } => "recordingstop",
            Self::UploadProgress { .. } => "uploadprogress",
            Self::Sent { .. } => "sent",
            Self::Error { .. } => "error",
        }
    }

    /// The event's `detail`, as JSON.
    pub fn detail(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Self::RecordingStart { mime_type } => json!({ "mimeType": mime_type }),
            Self::RecordingStop { duration_ms } => json!({ "durationMs": duration_ms }),
            Self::UploadProgress {
                sent,
                total,
                percent,
            } => json!({ "sent": sent, "total": total, "percent": percent }),
            Self::Sent {
                video_id,
                share_url,
            } => json!({ "videoId": video_id, "shareUrl": share_url }),
            Self::Error { code, message } => json!({ "code": code, "message": message }),
        }
    }
}

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
    /// The standalone page: everything from the link's query string, the server
    /// being the page's own origin.
    pub fn from_context(ctx: &CaptureContext, origin: String) -> Self {
        Self {
            endpoint: origin,
            token: ctx.token.clone(),
            conversation_id: ctx.conversation_id.clone().unwrap_or_default(),
            max_duration_ms: ctx.max_duration_s.map(|s| u64::from(s) * 1000),
            countdown_s: ctx
                .countdown_s
                .unwrap_or(DEFAULT_COUNTDOWN_S)
                .min(MAX_COUNTDOWN_S),
            lang: ctx.lang.clone(),
            theme: ctx.theme,
            mode: Mode::for_token(ctx.token.as_deref()),
            events: Events::default(),
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
