//! Media processing with ffmpeg/ffprobe: validate a recording, make a faststart MP4
//! (H.264/AAC), a poster JPEG and an HLS ladder, and read the true duration.
//!
//! This is a library: no database, no HTTP, no object storage. The caller downloads
//! the recording to a local file, calls [`process`], uploads every entry of
//! [`Processed::files`] under its prefix, and on [`MediaError::NotAVideo`] or
//! [`MediaError::Corrupt`] deletes the upload and tells the uploader
//! ([`MediaError::code`] gives the stable code, `Display` a message fit for a person).
//!
//! Why each step exists:
//! - Browsers record three shapes: WebM VP8/VP9 + Opus with no duration in its header
//!   (Chromium, Firefox), MP4 avc1 + Opus (Chromium), and fragmented MP4 avc1 + AAC
//!   whose header duration is wrong (Safari/WebKit). Headers are therefore never
//!   trusted for the duration: [`probe`] measures it from the packets.
//! - Magic bytes come first because ffprobe happily "decodes" a text file (its `tty`
//!   demuxer turns text into a video stream); the sniffed container then pins the
//!   demuxer (`-f matroska` / `-f mov`) so nothing else gets auto-detected.
//! - The MP4 is remuxed (H.264 is copied) or transcoded (`libx264`), always with
//!   `+faststart` so the index precedes the data and playback starts before the
//!   download ends; its header duration is then real, which WebM's never was.

mod hls;
mod input;
mod limits;
mod outputs;
mod packets;
mod probe;
mod sandbox;
mod tool;
mod transcode;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use hls::{Rendition, Variant, plan_ladder};
pub use limits::{AUDIO_CODECS, Limits, VIDEO_CODECS};
pub use outputs::content_type;
use outputs::{clear_outputs, collect_files, output_file};
pub use probe::{Probe, probe, sniff};
pub use sandbox::{Sandbox, drop_to_if_root};

/// Name of the setting that lists the HLS renditions (`HEIGHT:KBPS,…`).
pub const SETTING_RENDITIONS: &str = "VIDREPLY_HLS_RENDITIONS";
/// Name of the setting that points at the ffmpeg binary.
pub const SETTING_FFMPEG: &str = "VIDREPLY_FFMPEG";
/// Name of the setting that points at the ffprobe binary.
pub const SETTING_FFPROBE: &str = "VIDREPLY_FFPROBE";
/// Name of the setting that bounds one [`process`] (or [`probe`]) call, in seconds.
pub const SETTING_TIMEOUT: &str = "VIDREPLY_PROCESSING_TIMEOUT_SECONDS";
/// Default for [`SETTING_RENDITIONS`].
pub const DEFAULT_RENDITIONS: &str = "360:800,720:2500";

/// The ladder always has at least this many variants, even for tiny sources, so
/// players can adapt.
pub const MIN_RENDITIONS: usize = 2;

/// File names inside `out_dir`. They are also the object keys relative to the
/// caller's prefix.
pub const MP4_NAME: &str = "video.mp4";
pub const POSTER_NAME: &str = "poster.jpg";
pub const HLS_DIR: &str = "hls";
pub const HLS_MASTER: &str = "master.m3u8";

/// How media is processed. Every limit is a named setting with a default.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// The ffmpeg binary; a bare name is looked up on `PATH` ([`SETTING_FFMPEG`]).
    pub ffmpeg: PathBuf,
    /// The ffprobe binary; a bare name is looked up on `PATH` ([`SETTING_FFPROBE`]).
    pub ffprobe: PathBuf,
    /// Wanted HLS renditions; never upscaled, and topped up to [`MIN_RENDITIONS`]
    /// for small sources (see [`plan_ladder`]).
    pub renditions: Vec<Rendition>,
    /// Budget for one whole [`process`] (or [`probe`]) call; every ffmpeg/ffprobe
    /// run gets what is left and is killed when it runs out.
    pub timeout: Duration,
    /// Where the poster frame is taken; clips shorter than ten times this use the
    /// frame at 10 % of their length, so a short clip's poster is not its last frame.
    pub poster_at: Duration,
    /// Target HLS segment length; keyframes are forced on this grid in every
    /// rendition so segments line up across the ladder.
    pub hls_segment: Duration,
    /// What a video may be (size, frame rate, duration), checked from the probe
    /// before anything is transcoded.
    pub limits: Limits,
    /// How every ffmpeg/ffprobe run is confined (threads, CPU time, memory, user).
    pub sandbox: Sandbox,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            ffmpeg: PathBuf::from("ffmpeg"),
            ffprobe: PathBuf::from("ffprobe"),
            renditions: Rendition::parse_list(DEFAULT_RENDITIONS)
                .expect("the default rendition list parses"),
            timeout: Duration::from_secs(30 * 60),
            poster_at: Duration::from_secs(1),
            hls_segment: Duration::from_secs(4),
            limits: Limits::default(),
            sandbox: Sandbox::default(),
        }
    }
}

/// Why media processing failed. `Display` is written for the person who uploaded
/// (`NotAVideo`, `Corrupt`) or for the operator (`Tool`, `Io`).
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The file is not a video we accept (wrong magic bytes, no video track, an image).
    #[error("{0}")]
    NotAVideo(String),
    /// The file is a video container but damaged, typically cut off (truncated).
    #[error("{0}")]
    Corrupt(String),
    /// ffmpeg/ffprobe is missing, crashed or produced unusable output.
    #[error("{tool} failed: {reason}")]
    Tool { tool: &'static str, reason: String },
    /// Processing ran out of its time ([`SETTING_TIMEOUT`]) or CPU time: the file
    /// is too costly for the limits set, and trying again would cost as much.
    #[error("{0}")]
    TimedOut(String),
    /// The video lasts longer than the limit (measured, before any transcoding).
    #[error("{0}")]
    TooLong(String),
    /// Reading the input or writing an output failed.
    #[error("file error while {context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl MediaError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::NotAVideo(_) => "not_a_video",
            MediaError::Corrupt(_) => "corrupt_video",
            MediaError::TimedOut(_) => "processing_timeout",
            MediaError::TooLong(_) => "too_long",
            MediaError::Tool { .. } | MediaError::Io { .. } => "processing_failed",
        }
    }

    /// Whether trying the same file again may succeed. The file's own faults are
    /// permanent, and so is running out of time (another attempt would cost as
    /// much again); a missing binary, a crash or a full disk are not the video's
    /// fault and may pass on a later attempt.
    pub fn retryable(&self) -> bool {
        matches!(self, MediaError::Tool { .. } | MediaError::Io { .. })
    }

    /// Whether the upload itself is refused (not a video we accept): the caller
    /// deletes it. A video that is too long or too slow to process is a real
    /// recording, and is kept until retention.
    pub fn refuses_input(&self) -> bool {
        matches!(self, MediaError::NotAVideo(_) | MediaError::Corrupt(_))
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        MediaError::Io {
            context: context.into(),
            source,
        }
    }
}

/// One output file, ready to be uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Key relative to the caller's prefix, `/`-separated (`hls/360p/seg_000.ts`).
    pub key: String,
    pub path: PathBuf,
    pub content_type: &'static str,
}

/// What [`process`] made.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The input as found (its `duration_ms` is measured, not read from the header).
    pub probe: Probe,
    /// True duration of `video.mp4` in milliseconds, the one to show and report.
    pub duration_ms: u64,
    /// Display size of `video.mp4`.
    pub width: u32,
    pub height: u32,
    /// Whether the H.264 video was copied (remux) rather than re-encoded.
    pub video_copied: bool,
    pub mp4: PathBuf,
    pub poster: Option<PathBuf>,
    pub hls_dir: PathBuf,
    /// The HLS variants, lowest first.
    pub variants: Vec<Variant>,
    /// Every output file, `video.mp4` first, then the poster, then HLS in key order.
    pub files: Vec<OutputFile>,
}

/// Validate `input` and write `video.mp4`, `poster.jpg` (when `want_poster`) and
/// `hls/` into `out_dir`.
///
/// Earlier outputs in `out_dir` are removed first, so a retried job never uploads
/// stale segments, and they are removed again on failure; other files are left
/// alone. The input itself is never deleted: that is the caller's decision.
pub async fn process(
    settings: &MediaSettings,
    input: &Path,
    out_dir: &Path,
    want_poster: bool,
) -> Result<Processed, MediaError> {
    let deadline = tokio::time::Instant::now() + settings.timeout;
    settings.sandbox.make_dir(out_dir).await?;
    let out_dir = std::path::absolute(out_dir)
        .map_err(|e| MediaError::io(format!("resolving {}", out_dir.display()), e))?;
    let input = std::path::absolute(input)
        .map_err(|e| MediaError::io(format!("resolving {}", input.display()), e))?;
    if input.parent() == Some(out_dir.as_path())
        && [MP4_NAME, POSTER_NAME, HLS_DIR]
            .iter()
            .any(|n| input.file_name() == Some(n.as_ref()))
    {
        return Err(MediaError::io(
            "checking the input",
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "the input {} would be overwritten by an output",
                    input.display()
                ),
            ),
        ));
    }
    clear_outputs(&out_dir).await?;
    let result = process_into(settings, &input, &out_dir, want_poster, deadline)
        .await
        .and_then(|done| {
            let outputs: Vec<&Path> = done.files.iter().map(|f| f.path.as_path()).collect();
            settings.sandbox.take_back(&out_dir, &outputs)?;
            Ok(done)
        });
    if result.is_err() {
        // Best effort: the original error is the one worth reporting.
        let _ = clear_outputs(&out_dir).await;
    }
    result
}

/// A fresh folder (mode 0700) under `root` (`VIDREPLY_WORK_DIR`, never inside
/// `DATA_DIR`), for files on their way to or from storage and processing; it is
/// removed when dropped.
pub async fn work_dir(root: &Path) -> std::io::Result<tempfile::TempDir> {
    tokio::fs::create_dir_all(root).await?;
    tempfile::Builder::new()
        .prefix("vidreply-")
        .tempdir_in(root)
}

/// Check an original as processing does before it transcodes (codecs, picture,
/// frame rate, duration): what passes may be served as it is until its MP4 exists.
pub async fn vet(settings: &MediaSettings, input: &Path) -> Result<(), MediaError> {
    let deadline = tokio::time::Instant::now() + settings.timeout;
    let probe = probe::probe_until(settings, input, deadline).await?;
    settings.limits.check(&probe)
}

async fn process_into(
    settings: &MediaSettings,
    input: &Path,
    out_dir: &Path,
    want_poster: bool,
    deadline: tokio::time::Instant,
) -> Result<Processed, MediaError> {
    let probe = probe::probe_until(settings, input, deadline).await?;
    // Before a single frame is transcoded: the limits, from the probe.
    settings.limits.check(&probe)?;
    let mp4 = out_dir.join(MP4_NAME);
    let video_copied = transcode::make_mp4(settings, input, &probe, &mp4, deadline).await?;
    // Our own MP4 is non-fragmented and written by ffmpeg's muxer from the real
    // packets, but it is measured the same way as any input: one rule for duration.
    let out = probe::probe_until(settings, &mp4, deadline)
        .await
        .map_err(|e| match e {
            MediaError::NotAVideo(m) | MediaError::Corrupt(m) => MediaError::Corrupt(format!(
                "No picture could be decoded from the recording ({m})."
            )),
            other => other,
        })?;
    let poster = if want_poster {
        let path = out_dir.join(POSTER_NAME);
        transcode::make_poster(settings, &mp4, out.duration_ms, &path, deadline).await?;
        Some(path)
    } else {
        None
    };
    let hls_dir = out_dir.join(HLS_DIR);
    let variants = hls::make_hls(settings, &mp4, &out, &hls_dir, deadline).await?;
    let mut files = vec![output_file(out_dir, &mp4)];
    if let Some(p) = &poster {
        files.push(output_file(out_dir, p));
    }
    let mut hls_files = Vec::new();
    collect_files(&hls_dir, &mut hls_files).await?;
    hls_files.sort();
    files.extend(hls_files.iter().map(|p| output_file(out_dir, p)));
    Ok(Processed {
        duration_ms: out.duration_ms,
        width: out.width,
        height: out.height,
        probe,
        video_copied,
        mp4,
        poster,
        hls_dir,
        variants,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_retry() {
        let cases = [
            (MediaError::NotAVideo("x".into()), "not_a_video", false),
            (MediaError::Corrupt("x".into()), "corrupt_video", false),
            (
                MediaError::TimedOut("x".into()),
                "processing_timeout",
                false,
            ),
            (MediaError::TooLong("x".into()), "too_long", false),
            (
                MediaError::Tool {
                    tool: "ffmpeg",
                    reason: "x".into(),
                },
                "processing_failed",
                true,
            ),
            (
                MediaError::io("x", std::io::Error::other("disk full")),
                "processing_failed",
                true,
            ),
        ];
        for (e, code, retry) in cases {
            assert_eq!(e.code(), code);
            assert_eq!(e.retryable(), retry, "{e}");
        }
    }

    #[test]
    fn keys_and_types() {
        let f = output_file(Path::new("/o"), Path::new("/o/hls/360p/seg_000.ts"));
        assert_eq!(f.key, "hls/360p/seg_000.ts");
        assert_eq!(f.content_type, "video/mp2t");
        assert_eq!(
            content_type("hls/master.m3u8"),
            "application/vnd.apple.mpegurl"
        );
        assert_eq!(content_type("video.mp4"), "video/mp4");
        assert_eq!(content_type("poster.jpg"), "image/jpeg");
    }
}
