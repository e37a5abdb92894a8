//! Processing on real ffmpeg, through the real API: a recording becomes a playable
//! MP4 with an HLS ladder and a poster, then `video.received` goes out; bad files
//! end in a clear failed state; retention forgets everything with a clock we control.

mod common;

use std::process::Command;

use axum::http::StatusCode;
use common::video::{PART, PROCESSED, files_under, receiver, recording, send, server, status};
use common::{API_KEY, WEBM};
use vidreply_server::clock::unix_now;
use vidreply_server::{jobs, retention};

#[tokio::test]
async fn a_webm_becomes_a_playable_mp4_with_hls_and_a_poster_then_video_received_goes_out() {
    let (hook, got) = receiver().await;
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let s = server(&["--webhook-url", &hook, "--webhook-secret", secret]).await;
    let bytes = recording();
    let v = send(&s, "conv-proc", &bytes).await;
    assert_eq!(v.status, "processing");
    assert_eq!(status(&s, &v.video_id).await.status, "processing");
    let outbox = s.state.outbox.clone().unwrap();
    outbox.deliver_due().await.unwrap();
    assert!(
        got.lock().unwrap().is_empty(),
        "nothing is announced before it plays"
    );

    assert!(jobs::run_one(&s.state.jobs).await.unwrap(), "the job ran");
    let ready = status(&s, &v.video_id).await;
    assert_eq!(ready.status, "ready", "{ready:?}");
    let secs = ready.duration.unwrap();
    assert!((1.8..=2.3).contains(&secs), "measured duration {secs}");

    let dir = s.data().join("storage/objects/videos").join(&v.video_id);
    let files = files_under(&dir);
    for want in PROCESSED {
        assert!(
            files.iter().any(|f| f == want),
            "{want} missing from {files:?}"
        );
    }
    assert!(
        files.iter().filter(|f| f.ends_with(".m3u8")).count() >= 3,
        "master + 2 renditions: {files:?}"
    );
    // An independent ffprobe: H.264 + AAC with a real duration.
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name:format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(dir.join("video.mp4"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&probe.stdout);
    assert!(text.contains("h264") && text.contains("aac"), "{text}");

    // People reach every file through our links, which redirect to fresh signed URLs.
    for path in ["media", "poster.jpg"] {
        let r = s.get(&format!("/v/{}/{path}", v.video_id), None).await;
        r.expect_status(StatusCode::TEMPORARY_REDIRECT);
    }
    // Playlists are served here, so the segments they name come back for a signature.
    let r = s
        .get(&format!("/v/{}/hls/master.m3u8", v.video_id), None)
        .await;
    r.expect_status(StatusCode::OK);
    let r = s
        .get(&format!("/v/{}/hls/..%2Fvideo.mp4", v.video_id), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    outbox.deliver_due().await.unwrap();
    let bodies = got.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    let p: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "conversationId",
            "customerId",
            "duration",
            "hasVideoAttachment",
            "mediaUrl",
            "mimeType",
            "retentionExpires",
            "routing",
            "thumbnailUrl",
            "videoId"
        ]
    );
    assert_eq!(p["hasVideoAttachment"], true);
    assert_eq!(p["routing"]["queueName"], "Async_Video_Review");
    assert_eq!(p["routing"]["attributes"]["hasVideoAttachment"], "true");
    assert_eq!(p["mimeType"], WEBM);
    let share = format!("{}v/{}", common::PUBLIC_URL, v.video_id);
    assert_eq!(p["mediaUrl"], share.as_str());
    assert_eq!(p["thumbnailUrl"], format!("{share}/poster.jpg").as_str());
    assert!((1.8..=2.3).contains(&p["duration"].as_f64().unwrap()));
    let expires = time::OffsetDateTime::parse(
        p["retentionExpires"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let days = (expires.unix_timestamp() - unix_now() as i64) as f64 / 86400.0;
    assert!((29.9..=30.1).contains(&days), "{days}");
}

#[tokio::test]
async fn a_file_that_only_looks_like_webm_is_refused_deleted_and_never_announced() {
    let s = server(&[]).await;
    let mut bytes = common::WEBM_MAGIC.to_vec();
    bytes.extend(b"this is a text file, not a recording\n".repeat(50));
    let v = send(&s, "conv-text", &bytes).await;
    assert!(jobs::run_one(&s.state.jobs).await.unwrap());
    let failed = status(&s, &v.video_id).await;
    assert_eq!(failed.status, "failed");
    let f = failed.failure.expect("a reason");
    assert!(
        ["not_a_video", "corrupt_video"].contains(&f.code.as_str()),
        "{f:?}"
    );
    assert!(!f.message.is_empty());
    let dir = s.data().join("storage/objects/videos").join(&v.video_id);
    assert!(
        files_under(&dir).is_empty(),
        "the refused upload is deleted"
    );
    assert!(!jobs::run_one(&s.state.jobs).await.unwrap(), "not retried");
}

#[tokio::test]
async fn a_truncated_recording_fails_with_a_clear_reason() {
    let s = server(&[]).await;
    let bytes = recording();
    let cut = &bytes[..bytes.len() * 6 / 10];
    let v = send(&s, "conv-cut", cut).await;
    assert!(jobs::run_one(&s.state.jobs).await.unwrap());
    let failed = status(&s, &v.video_id).await;
    assert_eq!(failed.status, "failed", "{failed:?}");
    assert_eq!(failed.failure.unwrap().code, "corrupt_video");
}

#[tokio::test]
async fn retention_forgets_videos_and_abandoned_uploads_with_a_controlled_clock() {
    let s = server(&["--retention-days", "30", "--abandoned-upload-hours", "24"]).await;
    let v = send(&s, "conv-ret", &recording()).await;
    assert!(jobs::run_one(&s.state.jobs).await.unwrap());
    // An upload someone started and never finished.
    let token = s.token("conv-ret").await;
    let up = s.create_upload(&token).await;
    s.upload_part(&token, &up.upload_id, 1, vec![7u8; PART])
        .await;
    let objects = s.data().join("storage/objects");
    let multipart = s.data().join("storage/multipart");
    assert!(!files_under(&objects).is_empty() && !files_under(&multipart).is_empty());

    let now = unix_now() as i64;
    let r = retention::purge(&s.state.retention, now + 3600)
        .await
        .unwrap();
    assert_eq!((r.videos, r.uploads_aborted), (0, 0), "nothing is due yet");
    let r = retention::purge(&s.state.retention, now + 2 * 86400)
        .await
        .unwrap();
    assert_eq!(
        (r.videos, r.uploads_aborted),
        (0, 1),
        "the abandoned upload goes after a day"
    );
    assert!(files_under(&multipart).is_empty());

    let r = retention::purge(&s.state.retention, now + 31 * 86400)
        .await
        .unwrap();
    assert_eq!(r.videos, 1);
    assert!(
        r.objects >= 5,
        "original, mp4, poster, playlists, segments: {r:?}"
    );
    assert!(
        files_under(&objects).is_empty(),
        "{:?}",
        files_under(&objects)
    );
    let gone = s
        .get(&format!("/api/v1/videos/{}", v.video_id), Some(API_KEY))
        .await;
    gone.api_error(StatusCode::NOT_FOUND, "not_found");
    let page = s.get(&format!("/v/{}", v.video_id), None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(
        retention::purge(&s.state.retention, now + 32 * 86400)
            .await
            .unwrap()
            .videos,
        0
    );
}

#[tokio::test]
async fn a_separate_worker_process_processes_what_the_web_server_queued() {
    let s = server(&["--processing-workers", "0"]).await;
    let v = send(&s, "conv-worker", &recording()).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vidreply-server"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("VIDREPLY_")) {
        cmd.env_remove(k);
    }
    let mut worker = cmd
        .args(["--role", "worker", "--data-dir", s.data().to_str().unwrap()])
        .args(["--bind", &bind, "--public-url", common::PUBLIC_URL])
        .args(["--api-key", API_KEY, "--signing-secret", common::SECRET])
        .args(["--part-size", "65536", "--demo-link", "false"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut ready = None;
    for _ in 0..600 {
        let st = status(&s, &v.video_id).await;
        if st.status != "processing" {
            ready = Some(st);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let ready = ready.expect("the worker processed the video");
    assert_eq!(ready.status, "ready", "{ready:?}");
    assert!(
        std::net::TcpStream::connect(&bind).is_err(),
        "a worker serves no HTTP"
    );
    Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    assert!(worker.wait().unwrap().success(), "exits 0 on SIGTERM");
}
