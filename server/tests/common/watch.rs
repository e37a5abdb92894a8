//! Watch-page visits as a viewer makes them: open the share link, read the page's
//! configuration, fetch the media the page names (which the server records as
//! served to this visit's session), and report telemetry with the visit's token.

use axum::http::StatusCode;
use vidreply_core::protocol::WatchPage;

use super::Server;

/// One visit of a share link: its watch token and the session the server chose.
#[derive(Debug, Clone)]
pub struct Visit {
    pub page: WatchPage,
}

impl Visit {
    /// Open `/v/{video}` and read its configuration.
    pub async fn open(s: &Server, video: &str) -> Self {
        let r = s.get(&format!("/v/{video}"), None).await;
        r.expect_status(StatusCode::OK);
        Self {
            page: watch_config(&r.text()),
        }
    }

    pub fn token(&self) -> &str {
        &self.page.token
    }

    pub fn session(&self) -> &str {
        self.page
            .session_id
            .as_deref()
            .expect("a server-chosen session")
    }

    /// Fetch the video as the player does (the page's `mp4` URL, which carries the
    /// visit's credential): the server records that it served this session.
    pub async fn play(&self, s: &Server) {
        let r = s.get(&self.page.mp4, None).await;
        r.expect_status(StatusCode::TEMPORARY_REDIRECT);
    }
}

/// Mark a video as processing marks it once its checks passed (codecs, limits), for
/// tests whose video is not a real recording: its original may then be served.
pub async fn vetted(s: &Server, video: &str) {
    s.state
        .db
        .video_vetted(video, vidreply_server::clock::unix_now() as i64)
        .await
        .unwrap();
}

/// The watch page's configuration, from its meta tag.
pub fn watch_config(page: &str) -> WatchPage {
    let start = page
        .find("name=\"vidreply-watch\" content=\"")
        .expect("the watch page's meta tag")
        + "name=\"vidreply-watch\" content=\"".len();
    let end = start + page[start..].find('"').unwrap();
    let json = page[start..end]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}
