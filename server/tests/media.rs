//! Media processing on real ffmpeg/ffprobe. Fixtures are made at test time with
//! ffmpeg's lavfi sources, shaped like what browsers' MediaRecorder uploads:
//! WebM with no duration (Chromium/Firefox), MP4 avc1 + Opus (Chromium), and
//! fragmented MP4 avc1 + AAC whose header duration is wrong (Safari/WebKit).

mod media_support;

use std::time::Duration;

use media_support::checks::*;
use media_support::*;

use tempfile::TempDir;
use vidreply_server::media::{self, MediaError, MediaSettings, Processed};

#[tokio::test]
async fn webm_without_duration_becomes_faststart_mp4_with_poster_and_hls() {
    let dir = TempDir::new().unwrap();
    let input = webm(dir.path());
    assert_eq!(
        header_duration_ms(&input),
        None,
        "fixture must lack a duration, like MediaRecorder's"
    );
    let settings = MediaSettings::default();

    let probe = media::probe(&settings, &input).await.unwrap();
    assert_eq!(probe.container_duration_ms, None);
    assert_about_3s(probe.duration_ms, "probe of the webm");
    assert_eq!(
        (probe.video_codec.as_str(), probe.audio_codec.as_deref()),
        ("vp8", Some("opus"))
    );

    let out = dir.path().join("out");
    let p = media::process(&settings, &input, &out, true).await.unwrap();
    assert!(!p.video_copied, "VP8 must be transcoded");
    assert_playable(&p, true);
    assert_about_3s(
        media::probe(&settings, &p.mp4).await.unwrap().duration_ms,
        "our probe of the mp4",
    );
    // 640×480 with the default 360/720 ladder: 720 would upscale, so 360 + 480.
    let heights: Vec<u32> = p.variants.iter().map(|v| v.height).collect();
    assert_eq!(heights, vec![360, 480]);
}

#[tokio::test]
async fn fragmented_mp4_with_a_wrong_header_duration_gets_the_true_one() {
    let dir = TempDir::new().unwrap();
    let input = fragmented_mp4(dir.path());
    lie_about_duration(&input, 60);
    let claimed = header_duration_ms(&input).unwrap();
    assert!(
        claimed >= 50_000,
        "fixture header should claim ~60 s, claims {claimed} ms"
    );
    let settings = MediaSettings::default();

    let probe = media::probe(&settings, &input).await.unwrap();
    assert_eq!(probe.container_duration_ms, Some(claimed));
    assert_about_3s(probe.duration_ms, "probe of the fragmented mp4");

    let p = media::process(&settings, &input, &dir.path().join("out"), true)
        .await
        .unwrap();
    assert!(p.video_copied, "H.264 4:2:0 is remuxed, not re-encoded");
    assert_playable(&p, true);
}

#[tokio::test]
async fn chromium_mp4_with_opus_is_remuxed_and_a_retry_replaces_stale_outputs() {
    let dir = TempDir::new().unwrap();
    let input = mp4_avc1_opus(dir.path());
    let settings = MediaSettings::default();
    let out = dir.path().join("out");
    // Leftovers of an earlier, interrupted attempt must not be uploaded.
    std::fs::create_dir_all(out.join("hls/old")).unwrap();
    std::fs::write(out.join("hls/old/seg_999.ts"), b"stale").unwrap();
    std::fs::write(out.join("poster.jpg"), b"stale").unwrap();
    std::fs::write(out.join("keep.txt"), b"not ours").unwrap();

    let p = media::process(&settings, &input, &out, false)
        .await
        .unwrap();
    assert!(p.video_copied);
    assert_eq!(p.probe.audio_codec.as_deref(), Some("opus"));
    assert_playable(&p, false);
    assert!(!out.join("hls/old").exists());
    assert!(
        out.join("keep.txt").exists(),
        "files that are not outputs stay"
    );
}

#[tokio::test]
async fn portrait_phone_video_keeps_its_orientation() {
    let dir = TempDir::new().unwrap();
    let input = mp4_avc1_opus(dir.path());
    rotate_90(&input);
    let settings = MediaSettings::default();
    let probe = media::probe(&settings, &input).await.unwrap();
    assert_eq!((probe.width, probe.height, probe.rotation), (480, 640, 90));

    let p = media::process(&settings, &input, &dir.path().join("out"), true)
        .await
        .unwrap();
    assert_eq!((p.width, p.height), (480, 640));
    let heights: Vec<u32> = p.variants.iter().map(|v| v.height).collect();
    assert_eq!(heights, vec![360, 640]);
    let master = std::fs::read_to_string(p.hls_dir.join("master.m3u8")).unwrap();
    assert!(
        master.contains("RESOLUTION=270x360") && master.contains("RESOLUTION=480x640"),
        "{master}"
    );
    // The poster is upright: decoded with the rotation applied.
    let poster = ffprobe(p.poster.as_ref().unwrap(), "stream=width,height");
    assert!(
        poster.contains("width=480") && poster.contains("height=640"),
        "{poster}"
    );
}

#[tokio::test]
async fn a_recording_without_a_microphone_still_gets_mp4_and_hls() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("silent.webm");
    run(
        "ffmpeg",
        &[
            "-nostdin",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=30:duration=3",
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            input.to_str().unwrap(),
        ],
    );
    let settings = MediaSettings::default();
    let p = media::process(&settings, &input, &dir.path().join("out"), false)
        .await
        .unwrap();
    assert_eq!(p.probe.audio_codec, None);
    assert_about_3s(p.duration_ms, "silent recording");
    let streams = ffprobe(&p.mp4, "stream=codec_type");
    assert_eq!(streams.trim(), "codec_type=video");
    // 320×240 is below every configured height: the source and half of it.
    let heights: Vec<u32> = p.variants.iter().map(|v| v.height).collect();
    assert_eq!(heights, vec![120, 240]);
    let master = std::fs::read_to_string(p.hls_dir.join("master.m3u8")).unwrap();
    assert_eq!(master.matches("#EXT-X-STREAM-INF:").count(), 2, "{master}");
    assert!(p.files.iter().filter(|f| f.key.ends_with(".ts")).count() >= 2);
}

fn assert_code(r: Result<Processed, MediaError>, codes: &[&str], what: &str) -> MediaError {
    match r {
        Ok(_) => panic!("{what}: processing succeeded but must fail"),
        Err(e) => {
            assert!(codes.contains(&e.code()), "{what}: got {} ({e})", e.code());
            assert!(
                !e.retryable(),
                "{what}: a bad file is a permanent failure ({e})"
            );
            assert!(!e.to_string().is_empty());
            e
        }
    }
}

#[tokio::test]
async fn a_text_file_named_webm_is_not_a_video() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("x.webm");
    std::fs::write(&input, "hello, this is not a recording\n".repeat(100)).unwrap();
    let settings = MediaSettings::default();
    let out = dir.path().join("out");
    let e = assert_code(
        media::process(&settings, &input, &out, true).await,
        &["not_a_video"],
        "text",
    );
    assert!(matches!(e, MediaError::NotAVideo(_)));
    assert!(e.to_string().contains("not a video"), "{e}");
    out_is_empty(&out);
    assert_eq!(
        media::probe(&settings, &input).await.unwrap_err().code(),
        "not_a_video"
    );
}

#[tokio::test]
async fn audio_only_webm_is_not_a_video() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("voice.webm");
    run(
        "ffmpeg",
        &[
            "-nostdin",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=1",
            "-c:a",
            "libopus",
            input.to_str().unwrap(),
        ],
    );
    let e = media::probe(&MediaSettings::default(), &input)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_a_video", "{e}");
    assert!(e.to_string().contains("no video track"), "{e}");
}

#[tokio::test]
async fn truncated_recordings_fail_clearly() {
    let dir = TempDir::new().unwrap();
    let settings = MediaSettings::default();
    let webm = webm(dir.path());
    let webm_len = std::fs::metadata(&webm).unwrap().len() as usize;
    let frag = fragmented_mp4(dir.path());
    let frag_len = std::fs::metadata(&frag).unwrap().len() as usize;
    let plain = mp4_avc1_opus(dir.path()); // moov at the end, as ffmpeg writes it
    let plain_len = std::fs::metadata(&plain).unwrap().len() as usize;

    let cases = [
        (
            cut(&webm, webm_len / 2, "half.webm"),
            &["corrupt_video"][..],
        ),
        (
            cut(&webm, 1024, "1k.webm"),
            &["corrupt_video", "not_a_video"][..],
        ),
        (
            cut(&frag, frag_len / 2, "half-frag.mp4"),
            &["corrupt_video"][..],
        ),
        (
            cut(&frag, 1024, "1k-frag.mp4"),
            &["corrupt_video", "not_a_video"][..],
        ),
        (
            cut(&plain, plain_len / 2, "half-plain.mp4"),
            &["corrupt_video"][..],
        ),
    ];
    for (input, codes) in cases {
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let out = dir.path().join(format!("out-{name}"));
        let e = assert_code(
            media::process(&settings, &input, &out, true).await,
            codes,
            &name,
        );
        out_is_empty(&out);
        let msg = e.to_string();
        eprintln!("{name}: {} — {msg}", e.code());
        assert!(
            !msg.contains(dir.path().to_str().unwrap()),
            "{name}: message reveals a server path: {msg}"
        );
        if e.code() == "corrupt_video" {
            assert!(
                msg.contains("damaged")
                    || msg.contains("incomplete")
                    || msg.contains("no video frames"),
                "{name}: {msg}"
            );
        }
    }
    // The half WebM is the classic case: say that it was cut off.
    let e = media::probe(&settings, &dir.path().join("half.webm"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("incomplete"), "{e}");
}

#[tokio::test]
async fn missing_tools_are_retryable_tool_errors_naming_the_setting() {
    let dir = TempDir::new().unwrap();
    let input = webm(dir.path());
    let out = dir.path().join("out");

    let no_ffmpeg = MediaSettings {
        ffmpeg: "/nonexistent/ffmpeg".into(),
        ..MediaSettings::default()
    };
    let e = media::process(&no_ffmpeg, &input, &out, true)
        .await
        .unwrap_err();
    assert!(
        matches!(e, MediaError::Tool { tool: "ffmpeg", .. }),
        "{e:?}"
    );
    assert_eq!(e.code(), "processing_failed");
    assert!(e.retryable());
    let msg = e.to_string();
    assert!(
        msg.contains("/nonexistent/ffmpeg") && msg.contains("VIDREPLY_FFMPEG"),
        "{msg}"
    );
    out_is_empty(&out);

    let no_ffprobe = MediaSettings {
        ffprobe: "/nonexistent/ffprobe".into(),
        ..MediaSettings::default()
    };
    let e = media::probe(&no_ffprobe, &input).await.unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::Tool {
                tool: "ffprobe",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("VIDREPLY_FFPROBE"), "{e}");
}

#[tokio::test]
async fn running_out_of_time_stops_the_tool_and_is_not_retried() {
    let dir = TempDir::new().unwrap();
    let input = webm(dir.path());
    let out = dir.path().join("out");
    let settings = MediaSettings {
        timeout: Duration::ZERO,
        ..MediaSettings::default()
    };
    let e = media::process(&settings, &input, &out, true)
        .await
        .unwrap_err();
    // Another attempt would cost as much again: a timeout is final.
    assert!(matches!(e, MediaError::TimedOut(_)), "{e:?}");
    assert!(!e.retryable());
    assert_eq!(e.code(), "processing_timeout");
    assert!(
        e.to_string()
            .contains("VIDREPLY_PROCESSING_TIMEOUT_SECONDS"),
        "{e}"
    );
    out_is_empty(&out);
}
