//! Where a video's things live: their keys in object storage and the public URLs
//! people and pages reach them at.
//!
//! A leaf: routes, processing and retention all build keys and URLs here, so none
//! of them imports another for a name. Storage keys are never shown to people;
//! public URLs never name storage.

use url::Url;

use crate::media::{HLS_DIR, HLS_MASTER, POSTER_NAME};

/// Everything of video `video_id` in storage (original, poster, MP4, HLS ladder)
/// lives under this prefix; deleting it forgets the video's bytes.
pub fn video_prefix(video_id: &str) -> String {
    format!("videos/{video_id}/")
}

/// The uploaded original, `ext` naming its container (`webm`, `mp4`).
pub fn original_key(video_id: &str, ext: &str) -> String {
    format!("{}original.{ext}", video_prefix(video_id))
}

/// The poster image (the browser's, or one processing made).
pub fn poster_key(video_id: &str) -> String {
    output_key(video_id, POSTER_NAME)
}

/// A processing output, `file` relative to processing's output folder
/// (`video.mp4`, `hls/master.m3u8`).
pub fn output_key(video_id: &str, file: &str) -> String {
    format!("{}{file}", video_prefix(video_id))
}

/// An HLS file, `file` relative to the ladder (`master.m3u8`, `360p/seg_000.ts`).
pub fn hls_key(video_id: &str, file: &str) -> String {
    output_key(video_id, &format!("{HLS_DIR}/{file}"))
}

/// The HLS master playlist as processing names it (relative to its output folder).
pub fn hls_master_file() -> String {
    format!("{HLS_DIR}/{HLS_MASTER}")
}

/// A video's pages and files on this server, as paths: the watch page names these
/// (relative to its own origin), and they redirect to freshly signed storage URLs.
pub fn watch_path(video_id: &str) -> String {
    format!("/v/{video_id}")
}

/// The playable file behind [`watch_path`].
pub fn media_path(video_id: &str) -> String {
    format!("{}/media", watch_path(video_id))
}

/// The poster behind [`watch_path`].
pub fn poster_path(video_id: &str) -> String {
    format!("{}/{POSTER_NAME}", watch_path(video_id))
}

/// The HLS master playlist behind [`watch_path`].
pub fn hls_master_path(video_id: &str) -> String {
    format!("{}/hls/{HLS_MASTER}", watch_path(video_id))
}

/// Absolute URLs under the server's public base URL (`VIDREPLY_PUBLIC_URL`).
#[derive(Debug, Clone)]
pub struct PublicUrls {
    base: Url,
}

impl PublicUrls {
    pub fn new(base: Url) -> Self {
        Self { base }
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The link people receive for a video: its watch page. Never a storage URL.
    pub fn share(&self, video_id: &str) -> String {
        self.base
            .join(&format!("v/{video_id}"))
            .expect("id is URL-safe")
            .into()
    }

    /// The poster behind a share link (the webhook's `thumbnailUrl`).
    pub fn share_poster(&self, video_id: &str) -> String {
        format!("{}/{POSTER_NAME}", self.share(video_id))
    }

    /// The recorder page a capture link opens; the caller adds its query.
    pub fn record(&self) -> Url {
        self.base.join("record").expect("static path")
    }

    /// The page a tutorial link opens; the caller adds its query.
    pub fn tutorial(&self, asset_id: &str) -> Url {
        self.base
            .join(&format!("t/{asset_id}"))
            .expect("asset ids are URL-safe")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_a_video_is_under_its_prefix() {
        let id = "0123abcd";
        assert_eq!(video_prefix(id), "videos/0123abcd/");
        assert_eq!(original_key(id, "webm"), "videos/0123abcd/original.webm");
        assert_eq!(poster_key(id), "videos/0123abcd/poster.jpg");
        assert_eq!(
            hls_key(id, "360p/seg_000.ts"),
            "videos/0123abcd/hls/360p/seg_000.ts"
        );
        assert_eq!(
            output_key(id, &hls_master_file()),
            "videos/0123abcd/hls/master.m3u8"
        );
    }

    #[test]
    fn public_urls_keep_the_base_path() {
        let urls = PublicUrls::new(Url::parse("https://a.example/reply/").unwrap());
        assert_eq!(urls.share("ab"), "https://a.example/reply/v/ab");
        assert_eq!(
            urls.share_poster("ab"),
            "https://a.example/reply/v/ab/poster.jpg"
        );
        assert_eq!(urls.record().as_str(), "https://a.example/reply/record");
        assert_eq!(urls.tutorial("t1").as_str(), "https://a.example/reply/t/t1");
        assert_eq!(media_path("ab"), "/v/ab/media");
        assert_eq!(poster_path("ab"), "/v/ab/poster.jpg");
        assert_eq!(hls_master_path("ab"), "/v/ab/hls/master.m3u8");
    }
}
