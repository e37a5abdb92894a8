//! The playable MP4 and the poster.
//!
//! The MP4 is H.264 (yuv420p) + AAC with `+faststart`: the combination every
//! browser, Safari included, plays from the first byte. H.264 in 4:2:0 is copied,
//! because re-encoding it costs CPU and quality for nothing; everything else
//! (VP8/VP9/AV1, 4:4:4, 10-bit) is encoded with libx264. Opus becomes AAC because
//! Safari does not play Opus in MP4; AAC is copied.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use tokio::time::Instant;

use super::input::{confined_input, demuxer};
use super::probe::Probe;
use super::tool::{self, Tool};
use super::{MediaError, MediaSettings};

/// libx264 speed/quality trade-off: the ladder and the MP4 are encoded once per
/// video on a shared machine, so speed wins over the last few percent of size.
pub(crate) const X264_PRESET: &str = "veryfast";
/// Constant quality for the full-size MP4 (x264's default, visually clean).
const MP4_CRF: &str = "23";
const AAC_BITRATE: &str = "128k";

/// ffmpeg, working in the folder of `out` (a file it writes).
pub(crate) fn ffmpeg<'a>(settings: &'a MediaSettings, dir: &'a Path) -> Tool<'a> {
    Tool::ffmpeg(settings, dir)
}

/// Arguments shared by every ffmpeg run: quiet but for errors, never prompt,
/// overwrite, at most the threads set, and read `input` only through the `file`
/// protocol with the demuxer pinned and only the decoders of codecs browsers
/// record (so a crafted file cannot redirect ffmpeg to other files or URLs, nor
/// reach another decoder). The output's `-threads` comes from [`out_threads`].
pub(crate) fn base_args(
    settings: &MediaSettings,
    container_demuxer: &str,
    input: &Path,
    pre_input: &[&str],
) -> Vec<OsString> {
    let threads = settings.sandbox.threads.max(1).to_string();
    let mut args: Vec<OsString> = ["-nostdin", "-hide_banner", "-v", "error", "-y"]
        .iter()
        .copied()
        .chain([
            "-filter_threads",
            &threads,
            "-filter_complex_threads",
            &threads,
        ])
        .chain(pre_input.iter().copied())
        .map(OsString::from)
        .collect();
    args.extend(confined_input(settings, container_demuxer, input));
    args
}

/// `-threads N` for the encoders of the output that follows.
pub(crate) fn out_threads(settings: &MediaSettings, args: &mut Vec<OsString>) {
    args.extend(settings.sandbox.threads_arg());
}

/// The folder a file is written in.
fn dir_of(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

fn push(args: &mut Vec<OsString>, items: &[&str]) {
    args.extend(items.iter().map(OsString::from));
}

/// Whether the video stream can go into the MP4 untouched.
pub(crate) fn can_copy_video(p: &Probe) -> bool {
    p.video_codec == "h264" && matches!(p.pix_fmt.as_deref(), Some("yuv420p" | "yuvj420p"))
}

/// Write `out` (faststart MP4). Returns whether the video was copied.
pub(crate) async fn make_mp4(
    settings: &MediaSettings,
    input: &Path,
    probe: &Probe,
    out: &Path,
    deadline: Instant,
) -> Result<bool, MediaError> {
    let copy = can_copy_video(probe);
    let mut args = base_args(settings, demuxer(probe.container), input, &[]);
    push(&mut args, &["-map", &format!("0:{}", probe.video_stream)]);
    if let Some(a) = probe.audio_stream {
        push(&mut args, &["-map", &format!("0:{a}")]);
    }
    // No metadata from the phone (location, device, creation time) reaches viewers.
    push(&mut args, &["-map_metadata", "-1", "-map_chapters", "-1"]);
    if copy {
        push(&mut args, &["-c:v", "copy"]);
    } else {
        push(
            &mut args,
            &[
                "-c:v",
                "libx264",
                "-preset",
                X264_PRESET,
                "-crf",
                MP4_CRF,
                "-profile:v",
                "high",
                "-pix_fmt",
                "yuv420p",
                // Square pixels and even sides: 4:2:0 needs even dimensions.
                "-vf",
                "scale=trunc(iw*sar/2)*2:trunc(ih/2)*2,setsar=1",
                // MediaRecorder frames arrive at a variable rate; keep their times
                // instead of duplicating frames to a guessed constant rate.
                "-fps_mode",
                "vfr",
            ],
        );
    }
    match probe.audio_codec.as_deref() {
        None => push(&mut args, &["-an"]),
        Some("aac") => push(&mut args, &["-c:a", "copy"]),
        Some(_) => push(&mut args, &["-c:a", "aac", "-b:a", AAC_BITRATE]),
    }
    push(&mut args, &["-movflags", "+faststart", "-f", "mp4"]);
    out_threads(settings, &mut args);
    args.push(out.as_os_str().to_owned());
    let tool = ffmpeg(settings, dir_of(out));
    let done = tool::run(tool, args, deadline, 0, |_| {}).await?;
    if let Some(line) = &done.stderr.truncation {
        return Err(MediaError::Corrupt(format!(
            "The video file is incomplete: it ends in the middle of its data ({}).",
            tool::shorten_paths(line, &[input])
        )));
    }
    if !done.status.success() {
        return Err(tool::failed(tool, "making the MP4", &done, &[input, out]));
    }
    if done.stderr.lines > 0 {
        // Decoding glitches in a recording that still converted: keep the video
        // (a glitch is better than a lost message) but leave a trace.
        tracing::warn!(
            input = %input.display(),
            errors = done.stderr.lines,
            tail = %done.stderr.summary(&[]),
            "ffmpeg reported errors while making the MP4"
        );
    }
    Ok(copy)
}

/// When the poster frame is taken: `poster_at`, or 10 % into clips shorter than
/// ten times that (a 3 s clip gets 0.3 s, not a frame near its end).
pub(crate) fn poster_time(settings: &MediaSettings, duration_ms: u64) -> Duration {
    settings
        .poster_at
        .min(Duration::from_millis(duration_ms / 10))
}

/// Write a JPEG of one frame of `mp4` to `out`.
pub(crate) async fn make_poster(
    settings: &MediaSettings,
    mp4: &Path,
    duration_ms: u64,
    out: &Path,
    deadline: Instant,
) -> Result<(), MediaError> {
    let at = poster_time(settings, duration_ms);
    // A seek can land past the last decodable frame of an odd file; the first
    // frame is always there.
    for at in [at, Duration::ZERO] {
        let seek = format!("{:.3}", at.as_secs_f64());
        let mut args = base_args(settings, "mov", mp4, &["-ss", &seek]);
        push(
            &mut args,
            &[
                "-map",
                "0:v:0",
                "-an",
                "-frames:v",
                "1",
                "-c:v",
                "mjpeg",
                "-q:v",
                "3",
                "-pix_fmt",
                "yuvj420p",
                "-f",
                "image2",
                "-update",
                "1",
            ],
        );
        out_threads(settings, &mut args);
        args.push(out.as_os_str().to_owned());
        let tool = ffmpeg(settings, dir_of(out));
        let done = tool::run(tool, args, deadline, 0, |_| {}).await?;
        if !done.status.success() {
            return Err(tool::failed(tool, "making the poster", &done, &[mp4, out]));
        }
        let len = tokio::fs::metadata(out).await.map(|m| m.len()).unwrap_or(0);
        if len > 0 {
            return Ok(());
        }
    }
    Err(MediaError::Corrupt(
        "No picture could be taken from the video for its poster.".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poster_is_one_second_in_or_ten_percent_of_short_clips() {
        let s = MediaSettings::default();
        assert_eq!(poster_time(&s, 60_000), Duration::from_secs(1));
        assert_eq!(poster_time(&s, 10_000), Duration::from_secs(1));
        assert_eq!(poster_time(&s, 3_000), Duration::from_millis(300));
        assert_eq!(poster_time(&s, 0), Duration::ZERO);
    }
}
