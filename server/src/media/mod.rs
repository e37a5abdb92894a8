//! Placeholder until the ffmpeg module lands (branch h-media).
use std::path::{Path, PathBuf};
#[derive(Debug, Default)]
pub struct MediaSettings;
impl MediaSettings {
    pub fn from_settings(_s: &crate::config::Settings) -> Result<Self, String> {
        Ok(Self)
    }
}
#[derive(Debug, thiserror::Error)]
#[error("media")]
pub struct MediaError;
impl MediaError {
    pub fn retryable(&self) -> bool {
        false
    }
    pub fn code(&self) -> &'static str {
        "not_a_video"
    }
}
pub struct Processed {
    pub duration_ms: u64,
    pub mp4: PathBuf,
    pub poster: Option<PathBuf>,
    pub files: Vec<(String, PathBuf, &'static str)>,
}
pub async fn process(
    _s: &MediaSettings,
    _i: &Path,
    _o: &Path,
    _p: bool,
) -> Result<Processed, MediaError> {
    Err(MediaError)
}
