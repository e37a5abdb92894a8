//! What the link resolver tells the watch page, in its `vidreply-watch` meta tag.

use serde::{Deserialize, Serialize};

/// The watch page's configuration: the video, where to fetch it (relative URLs on
/// our server, never storage URLs), and the token its telemetry is reported with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchPage {
    pub video_id: String,
    pub conversation_id: String,
    /// The viewer session; `None`: the page makes one per visit.
    pub session_id: Option<String>,
    /// A watch-scope token for `POST /api/v1/telemetry`, fresh for this visit.
    pub token: String,
    /// The type of `mp4` (`video/mp4` once processed, the original's before).
    pub mime_type: String,
    /// Seconds, once known.
    pub duration: Option<f64>,
    /// The HLS master playlist, when the ladder exists.
    pub hls: Option<String>,
    /// The progressive file.
    pub mp4: String,
    pub poster: Option<String>,
    pub title: Option<String>,
}

/// The `name` of the meta tag that carries a [`WatchPage`] as JSON.
pub const WATCH_META: &str = "vidreply-watch";
