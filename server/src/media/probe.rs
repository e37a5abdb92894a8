//! What a recording is: container by magic bytes, streams by ffprobe, and the true
//! duration measured from the packets.
//!
//! Why the duration is measured, never read: MediaRecorder's WebM has no duration
//! in its header at all, and WebKit's fragmented MP4 carries a wrong one (ffprobe
//! believes whatever `mvhd`/`mdhd` say). ffprobe's packet listing (`-show_entries
//! packet=…`) demuxes the whole file without decoding, which is cheap (it reads the
//! bytes once) and yields every packet's timestamp: the duration is the latest
//! `pts + duration` minus the earliest `pts` over the video and audio streams.
//!
//! The measuring pass also finds truncation (see [`super::packets`]).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use tokio::io::AsyncReadExt;
use tokio::time::Instant;
use vidreply_core::media::Container;

use super::input::{input_args, work_dir};
use super::limits::{check_codec, refused_codec};
use super::packets::{measured_ms, scan_packets};
use super::tool::{self, Tool};
use super::{MediaError, MediaSettings};

/// Facts about a video file.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Container recognised by its magic bytes (`Mp4` also covers QuickTime).
    pub container: Container,
    /// ffprobe's format name, e.g. `matroska,webm` or `mov,mp4,m4a,3gp,3g2,mj2`.
    pub format_name: String,
    /// True duration in milliseconds, measured from the packets.
    pub duration_ms: u64,
    /// What the container header claims, if anything (often absent or wrong).
    pub container_duration_ms: Option<u64>,
    /// Display size: coded size with rotation (±90°) and pixel aspect applied.
    pub width: u32,
    pub height: u32,
    /// Size of the pictures as stored, before rotation and pixel aspect (what
    /// decoding costs).
    pub coded_width: u32,
    pub coded_height: u32,
    /// Average video frame rate, frames per second, measured from the packets
    /// (0 with fewer than two frames; infinite when they share one instant).
    pub frame_rate: f64,
    /// Clockwise display rotation in degrees (0, 90, 180, 270).
    pub rotation: u32,
    pub video_codec: String,
    pub pix_fmt: Option<String>,
    pub audio_codec: Option<String>,
    /// ffprobe stream indexes of the chosen video and audio streams.
    pub video_stream: usize,
    pub audio_stream: Option<usize>,
    /// Video packets (≈ frames) found.
    pub video_packets: u64,
}

/// Recognise the container by its first bytes; anything else is not a video.
pub async fn sniff(path: &Path) -> Result<Container, MediaError> {
    let mut head = Vec::with_capacity(16);
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| MediaError::io(format!("opening {}", path.display()), e))?;
    file.take(16)
        .read_to_end(&mut head)
        .await
        .map_err(|e| MediaError::io(format!("reading {}", path.display()), e))?;
    if Container::Webm.matches_magic(&head) {
        return Ok(Container::Webm);
    }
    if Container::Mp4.matches_magic(&head) {
        // HEIF/AVIF still images share MP4's box structure.
        if &head[4..8] == b"ftyp" && head.len() >= 12 {
            let brand = &head[8..12];
            if [b"heic", b"heix", b"mif1", b"avif"]
                .iter()
                .any(|b| brand == *b)
            {
                return Err(MediaError::NotAVideo(
                    "This file is a still image, not a video.".into(),
                ));
            }
        }
        return Ok(Container::Mp4);
    }
    Err(MediaError::NotAVideo(
        "This file is not a video: only WebM and MP4 recordings are accepted.".into(),
    ))
}

/// Sniff, read the streams, and measure the duration of the video at `path`.
///
/// Errors: [`MediaError::NotAVideo`] when the magic bytes are wrong or there is no
/// video stream; [`MediaError::Corrupt`] when the container cannot be read, ends
/// before its data does (truncated), or holds no video packet.
pub async fn probe(settings: &MediaSettings, path: &Path) -> Result<Probe, MediaError> {
    probe_until(settings, path, Instant::now() + settings.timeout).await
}

pub(crate) async fn probe_until(
    settings: &MediaSettings,
    path: &Path,
    deadline: Instant,
) -> Result<Probe, MediaError> {
    let container = sniff(path).await?;
    let dir = work_dir(path);
    let ffprobe = Tool::ffprobe(settings, &dir);
    let mut json = String::new();
    // Only the fields read below: a file cannot make the report large with tags.
    let args = input_args(
        settings,
        container,
        path,
        &[
            "-show_entries",
            "stream=index,codec_type,codec_name,width,height,\
             pix_fmt,sample_aspect_ratio:stream_disposition=attached_pic:\
             stream_tags=rotate:stream_side_data=rotation:format=format_name,duration",
            "-of",
            "json",
        ],
    );
    let max = settings.sandbox.probe_output_max;
    let done = tool::run(ffprobe, args, deadline, max, |l| {
        json.push_str(l);
        json.push('\n');
    })
    .await?;
    if done.stdout_overflow {
        return Err(MediaError::NotAVideo(format!(
            "This file describes itself in more than {max} bytes \
             (VIDREPLY_PROBE_OUTPUT_MAX_BYTES); a recording needs far fewer."
        )));
    }
    if let Some(codec) = &done.stderr.refused_codec {
        return Err(refused_codec("media", codec));
    }
    if !done.status.success() {
        if done.status.code().is_none() {
            return Err(tool::failed(ffprobe, "reading the streams", &done, &[path]));
        }
        return Err(unreadable(&done.stderr, path));
    }
    let parsed: FfOutput = serde_json::from_str(&json)
        .map_err(|e| tool::tool_error(ffprobe, format!("its JSON could not be understood: {e}")))?;
    let format_name = parsed.format.as_ref().and_then(|f| f.format_name.clone());
    let format_name = format_name.unwrap_or_default();
    if !(format_name.contains("matroska") || format_name.contains("mov")) {
        return Err(MediaError::NotAVideo(
            "This file is not a video: only WebM and MP4 recordings are accepted.".into(),
        ));
    }
    let video = parsed
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video") && !s.is_attached_picture())
        .ok_or_else(|| {
            MediaError::NotAVideo("This file has no video track (audio only?).".into())
        })?;
    let audio = parsed
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"));
    // Every audio and video track, not only the ones used: none is decoded unless
    // it is in a codec browsers record.
    for s in &parsed.streams {
        if let Some(kind @ ("audio" | "video")) = s.codec_type.as_deref()
            && !s.is_attached_picture()
        {
            check_codec(kind, s.codec_name.as_deref().unwrap_or("unknown"))?;
        }
    }
    let video_codec = video.codec_name.clone().unwrap_or_default();
    let (Some(w), Some(h)) = (video.width, video.height) else {
        return Err(MediaError::Corrupt(
            "The video track has no picture size; the file is damaged.".into(),
        ));
    };
    if video_codec.is_empty() || video_codec == "none" || w == 0 || h == 0 {
        return Err(MediaError::NotAVideo(
            "The video track's format is unknown.".into(),
        ));
    }
    let rotation = video.rotation();
    let (width, height) = display_size(w, h, video.sample_aspect_ratio.as_deref(), rotation);
    // Before the packets are read: a picture too large is refused at once.
    settings.limits.check_picture((w, h), (width, height))?;

    let wanted: Vec<usize> = std::iter::once(video.index)
        .chain(audio.map(|a| a.index))
        .collect();
    let (spans, done) = scan_packets(settings, container, path, &wanted, deadline).await?;
    if !done.status.success() {
        if done.status.code().is_none() {
            return Err(tool::failed(ffprobe, "reading the packets", &done, &[path]));
        }
        return Err(unreadable(&done.stderr, path));
    }
    if let Some(line) = &done.stderr.truncation {
        return Err(truncated(line, path));
    }
    let video_packets = spans.get(&video.index).map_or(0, |s| s.packets);
    let frame_rate = spans.get(&video.index).map_or(0.0, |s| s.frame_rate());
    if video_packets == 0 {
        return Err(MediaError::Corrupt(
            "The recording contains no video frames; it was probably cut off right after it started."
                .into(),
        ));
    }
    let duration_ms = measured_ms(spans.values());
    Ok(Probe {
        container,
        format_name,
        duration_ms,
        container_duration_ms: parsed
            .format
            .and_then(|f| f.duration)
            .and_then(|d| d.parse::<f64>().ok())
            .filter(|d| d.is_finite() && *d > 0.0)
            .map(|d| (d * 1000.0).round() as u64),
        width,
        height,
        coded_width: w,
        coded_height: h,
        frame_rate,
        rotation,
        video_codec,
        pix_fmt: video.pix_fmt.clone(),
        audio_codec: audio.and_then(|a| a.codec_name.clone()),
        video_stream: video.index,
        audio_stream: audio.map(|a| a.index),
        video_packets,
    })
}

fn display_size(w: u32, h: u32, sar: Option<&str>, rotation: u32) -> (u32, u32) {
    let ratio = sar
        .and_then(|s| s.split_once(':'))
        .and_then(|(a, b)| Some((a.parse::<f64>().ok()?, b.parse::<f64>().ok()?)))
        .filter(|(a, b)| *a > 0.0 && *b > 0.0)
        .map_or(1.0, |(a, b)| a / b);
    let w = ((f64::from(w) * ratio).round() as u32).max(1);
    if rotation % 180 == 90 { (h, w) } else { (w, h) }
}

/// ffprobe could not open the container although the magic bytes matched.
fn unreadable(stderr: &tool::Stderr, path: &Path) -> MediaError {
    let detail = stderr.summary(&[path]);
    let why = if detail.contains("moov atom not found") {
        "it is an MP4 without its index (moov); the recording was cut off before the recorder finished it"
    } else if detail.contains("End of file") || stderr.truncation.is_some() {
        "it ends inside its header; the recording was cut off"
    } else {
        "its container cannot be read"
    };
    MediaError::Corrupt(format!("The video file is damaged: {why} ({detail})."))
}

fn truncated(line: &str, path: &Path) -> MediaError {
    MediaError::Corrupt(format!(
        "The video file is incomplete: it ends in the middle of its data, so part of the \
         recording is missing ({}). Upload it again.",
        tool::shorten_paths(line, &[path])
    ))
}

#[derive(Deserialize)]
struct FfOutput {
    #[serde(default)]
    streams: Vec<FfStream>,
    format: Option<FfFormat>,
}

#[derive(Deserialize)]
struct FfFormat {
    format_name: Option<String>,
    duration: Option<String>,
}

#[derive(Deserialize)]
struct FfStream {
    index: usize,
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    pix_fmt: Option<String>,
    sample_aspect_ratio: Option<String>,
    #[serde(default)]
    disposition: HashMap<String, i64>,
    #[serde(default)]
    tags: HashMap<String, String>,
    #[serde(default)]
    side_data_list: Vec<serde_json::Value>,
}

impl FfStream {
    /// Cover art in an MP4 is a "video" stream too; it is not the recording.
    fn is_attached_picture(&self) -> bool {
        self.disposition.get("attached_pic") == Some(&1)
    }

    /// Clockwise rotation a player applies: ffmpeg ≥ 5 reports the display
    /// matrix's counter-clockwise angle in side data, older ones a `rotate` tag.
    fn rotation(&self) -> u32 {
        let from_matrix = self
            .side_data_list
            .iter()
            .find_map(|sd| sd.get("rotation").and_then(serde_json::Value::as_f64))
            .map(|r| -r);
        let from_tag = || self.tags.get("rotate").and_then(|r| r.parse::<f64>().ok());
        let deg = from_matrix.or_else(from_tag).unwrap_or(0.0);
        let quarter = (deg / 90.0).round() as i64;
        (quarter.rem_euclid(4) * 90) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_size_applies_rotation_and_aspect() {
        assert_eq!(display_size(640, 480, Some("1:1"), 0), (640, 480));
        assert_eq!(display_size(640, 480, None, 90), (480, 640));
        assert_eq!(display_size(720, 576, Some("16:15"), 180), (768, 576));
        assert_eq!(display_size(640, 480, Some("0:1"), 0), (640, 480));
    }
}
