//! What a video may be before a single frame is transcoded: recorded in codecs
//! browsers record, and within a picture size, a frame rate and a duration. Each
//! refusal names what was refused and the setting that allows more.

use std::time::Duration;

use super::{MediaError, Probe};

/// Video codecs browsers record (MediaRecorder): the only ones accepted.
pub const VIDEO_CODECS: &[&str] = &["vp8", "vp9", "av1", "h264"];
/// Audio codecs browsers record.
pub const AUDIO_CODECS: &[&str] = &["opus", "aac", "vorbis"];
/// The decoders ffmpeg and ffprobe may open for an input (`-codec_whitelist`):
/// those of the codecs above, so a file in any other codec is never decoded at all.
pub(crate) const DECODERS: &str = "h264,vp8,libvpx,vp9,libvpx-vp9,av1,libdav1d,libaom-av1,\
opus,libopus,aac,aac_fixed,vorbis,libvorbis";

/// Names of the settings behind [`Limits`], for messages.
pub const SETTING_MAX_PIXELS: &str = "VIDREPLY_MAX_VIDEO_PIXELS";
pub const SETTING_MAX_SIDE: &str = "VIDREPLY_MAX_VIDEO_SIDE";
pub const SETTING_MAX_FRAME_RATE: &str = "VIDREPLY_MAX_FRAME_RATE";
pub const SETTING_MAX_DURATION: &str = "VIDREPLY_MAX_DURATION_SECONDS";

#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest picture, in pixels (coded or displayed).
    pub max_pixels: u64,
    /// Longest picture side, in pixels.
    pub max_side: u32,
    /// Highest average frame rate, in frames per second.
    pub max_frame_rate: f64,
    /// Longest video; `None`: no limit here.
    pub max_duration: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_pixels: 3840 * 2160,
            max_side: 4096,
            max_frame_rate: 120.0,
            max_duration: None,
        }
    }
}

/// Refuse a stream whose codec is not one browsers record.
pub(crate) fn check_codec(kind: &str, codec: &str) -> Result<(), MediaError> {
    let allowed = if kind == "audio" {
        AUDIO_CODECS
    } else {
        VIDEO_CODECS
    };
    if allowed.contains(&codec) {
        return Ok(());
    }
    Err(refused_codec(kind, codec))
}

pub(crate) fn refused_codec(kind: &str, codec: &str) -> MediaError {
    MediaError::NotAVideo(format!(
        "The {kind} track is in the {codec} codec; only what browsers record is accepted: \
         video in {} with audio in {}.",
        VIDEO_CODECS.join(", "),
        AUDIO_CODECS.join(", ")
    ))
}

impl Limits {
    /// Picture size only (known from the headers, before the packets are read).
    pub(crate) fn check_picture(
        &self,
        coded: (u32, u32),
        shown: (u32, u32),
    ) -> Result<(), MediaError> {
        for (w, h) in [coded, shown] {
            let side = w.max(h);
            if side > self.max_side {
                return Err(MediaError::NotAVideo(format!(
                    "The picture is {w}×{h}; its longest side may be at most {} pixels ({SETTING_MAX_SIDE}).",
                    self.max_side
                )));
            }
            let pixels = u64::from(w) * u64::from(h);
            if pixels > self.max_pixels {
                return Err(MediaError::NotAVideo(format!(
                    "The picture is {w}×{h} ({pixels} pixels); at most {} pixels are accepted ({SETTING_MAX_PIXELS}).",
                    self.max_pixels
                )));
            }
        }
        Ok(())
    }

    /// Everything: picture, frame rate and duration of a probed input.
    pub fn check(&self, p: &Probe) -> Result<(), MediaError> {
        self.check_picture((p.coded_width, p.coded_height), (p.width, p.height))?;
        if p.frame_rate > self.max_frame_rate {
            let rate = if p.frame_rate.is_finite() {
                format!("{:.0} frames per second", p.frame_rate)
            } else {
                "all its frames at one instant".to_string()
            };
            return Err(MediaError::NotAVideo(format!(
                "The video has {rate}; at most {} are accepted ({SETTING_MAX_FRAME_RATE}).",
                self.max_frame_rate
            )));
        }
        if let Some(max) = self.max_duration
            && u128::from(p.duration_ms) > max.as_millis()
        {
            return Err(MediaError::TooLong(format!(
                "The video lasts {} s; the limit is {} s ({SETTING_MAX_DURATION}).",
                p.duration_ms / 1000,
                max.as_secs()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_outside_the_browsers_are_refused_by_name() {
        for c in VIDEO_CODECS {
            assert!(check_codec("video", c).is_ok());
        }
        for c in AUDIO_CODECS {
            assert!(check_codec("audio", c).is_ok());
        }
        let e = check_codec("video", "mpeg4").unwrap_err();
        assert_eq!(e.code(), "not_a_video");
        assert!(e.to_string().contains("mpeg4"), "{e}");
        assert!(
            check_codec("audio", "mp3")
                .unwrap_err()
                .to_string()
                .contains("mp3")
        );
        assert!(
            check_codec("audio", "h264").is_err(),
            "a video codec is not audio"
        );
    }

    #[test]
    fn picture_limits_name_their_setting() {
        let l = Limits {
            max_pixels: 100 * 100,
            max_side: 200,
            ..Limits::default()
        };
        assert!(l.check_picture((100, 100), (100, 100)).is_ok());
        let e = l
            .check_picture((201, 10), (201, 10))
            .unwrap_err()
            .to_string();
        assert!(e.contains(SETTING_MAX_SIDE), "{e}");
        let e = l
            .check_picture((100, 101), (100, 101))
            .unwrap_err()
            .to_string();
        assert!(e.contains(SETTING_MAX_PIXELS), "{e}");
        // A stretched display size counts too.
        assert!(l.check_picture((100, 50), (250, 50)).is_err());
    }
}
