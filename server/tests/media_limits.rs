//! What processing refuses before it transcodes anything, on real ffmpeg/ffprobe:
//! codecs browsers do not record, pictures too large, frame rates too high,
//! videos too long, and files that describe themselves at great length.
//!
//! ffmpeg is pointed at a path that does not exist: had a transcode been tried,
//! the error would be a tool error naming VIDREPLY_FFMPEG, not a refusal.

mod media_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use media_support::{lavfi_args, run, webm};
use tempfile::TempDir;
use vidreply_server::media::{self, Limits, MediaError, MediaSettings};

/// Settings under which any transcode fails: only ffprobe works.
fn no_transcode(limits: Limits) -> MediaSettings {
    MediaSettings {
        ffmpeg: "/nonexistent/ffmpeg".into(),
        limits,
        ..MediaSettings::default()
    }
}

fn encode(dir: &Path, name: &str, codec_args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let mut args = lavfi_args(codec_args);
    args.push(path.to_str().unwrap());
    run("ffmpeg", &args);
    path
}

async fn refused(settings: &MediaSettings, input: &Path) -> MediaError {
    let out = input.parent().unwrap().join("out");
    let e = media::process(settings, input, &out, true)
        .await
        .expect_err("refused");
    // A tried transcode would have been a retryable tool error (no ffmpeg).
    assert!(
        !e.retryable(),
        "a refusal is final, before any transcode: {e}"
    );
    e
}

#[tokio::test]
async fn codecs_browsers_do_not_record_are_refused_by_name_before_any_transcode() {
    let dir = TempDir::new().unwrap();
    // Each is a Matroska file: it passes the magic-byte check as a WebM would.
    let cases = [
        (
            "mpeg4.mkv",
            vec!["-c:v", "mpeg4", "-c:a", "libopus", "-f", "matroska"],
            "mpeg4",
        ),
        (
            "mjpeg.mkv",
            vec!["-c:v", "mjpeg", "-an", "-f", "matroska"],
            "mjpeg",
        ),
        (
            "mp3.mkv",
            vec!["-c:v", "libvpx", "-c:a", "libmp3lame", "-f", "matroska"],
            "mp3",
        ),
    ];
    for (name, args, codec) in cases {
        let input = encode(dir.path(), name, &args);
        let e = refused(&no_transcode(Limits::default()), &input).await;
        assert!(matches!(e, MediaError::NotAVideo(_)), "{name}: {e:?}");
        assert_eq!(e.code(), "not_a_video");
        let msg = e.to_string();
        assert!(msg.contains(codec), "{name}: {msg}");
        assert!(msg.contains("VP8") || msg.contains("vp8"), "{name}: {msg}");
    }
}

#[tokio::test]
async fn a_picture_too_large_or_a_frame_rate_too_high_is_refused_before_transcoding() {
    let dir = TempDir::new().unwrap();
    let input = webm(dir.path()); // 640×480, 30 frames per second, 3 s
    let cases = [
        (
            Limits {
                max_pixels: 640 * 480 - 1,
                ..Limits::default()
            },
            "VIDREPLY_MAX_VIDEO_PIXELS",
        ),
        (
            Limits {
                max_side: 639,
                ..Limits::default()
            },
            "VIDREPLY_MAX_VIDEO_SIDE",
        ),
        (
            Limits {
                max_frame_rate: 25.0,
                ..Limits::default()
            },
            "VIDREPLY_MAX_FRAME_RATE",
        ),
    ];
    for (limits, setting) in cases {
        let e = refused(&no_transcode(limits), &input).await;
        assert_eq!(e.code(), "not_a_video", "{e}");
        assert!(e.to_string().contains(setting), "{setting}: {e}");
    }
    // Within the limits, the same file is measured as it is.
    let p = media::probe(&MediaSettings::default(), &input)
        .await
        .unwrap();
    assert_eq!((p.coded_width, p.coded_height), (640, 480));
    assert!((29.0..=31.0).contains(&p.frame_rate), "{}", p.frame_rate);
}

#[tokio::test]
async fn a_video_too_long_is_refused_before_transcoding_and_kept() {
    let dir = TempDir::new().unwrap();
    let input = webm(dir.path());
    let e = refused(
        &no_transcode(Limits {
            max_duration: Some(Duration::from_secs(2)),
            ..Limits::default()
        }),
        &input,
    )
    .await;
    assert!(matches!(e, MediaError::TooLong(_)), "{e:?}");
    assert_eq!(e.code(), "too_long");
    assert!(!e.refuses_input(), "a real recording, kept until retention");
    assert!(
        e.to_string().contains("VIDREPLY_MAX_DURATION_SECONDS"),
        "{e}"
    );
}

#[tokio::test]
async fn a_file_that_describes_itself_at_length_is_refused() {
    let dir = TempDir::new().unwrap();
    let input = webm(dir.path());
    let mut settings = no_transcode(Limits::default());
    settings.sandbox.probe_output_max = 64;
    let e = refused(&settings, &input).await;
    assert_eq!(e.code(), "not_a_video", "{e}");
    assert!(
        e.to_string().contains("VIDREPLY_PROBE_OUTPUT_MAX_BYTES"),
        "{e}"
    );
}
