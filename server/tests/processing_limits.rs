//! Processing is no lever against the server, through the real API on real
//! ffmpeg: a codec browsers do not record or a picture over the limit is refused
//! before anything is transcoded, a timeout fails the video at once, and a crafted
//! file gets nothing of the server's secrets out, even from an ffmpeg it took over.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::Server;
use common::video::{files_under, recording, send, server, status};
use vidreply_server::jobs;

/// No ffmpeg at all: a transcode tried would fail as a retryable tool error.
const NO_FFMPEG: [&str; 2] = ["--ffmpeg", "/nonexistent/ffmpeg"];

fn mpeg4_in_matroska() -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi"])
        .args(["-i", "testsrc2=size=320x240:rate=15:duration=1"])
        .args(["-c:v", "mpeg4", "-f", "matroska", "pipe:1"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success());
    out.stdout
}

/// Run the video's job once; it must have settled it for good.
async fn process_once(s: &Server, video_id: &str) -> vidreply_core::protocol::Video {
    assert!(jobs::run_one(&s.state.jobs).await.unwrap(), "the job ran");
    assert!(
        !jobs::run_one(&s.state.jobs).await.unwrap(),
        "and is not queued again"
    );
    let v = status(s, video_id).await;
    assert_eq!(v.status, "failed", "{v:?}");
    v
}

#[tokio::test]
async fn a_codec_browsers_do_not_record_fails_as_not_a_video_without_a_transcode() {
    let s = server(&NO_FFMPEG).await;
    let v = send(&s, "conv-mpeg4", &mpeg4_in_matroska()).await;
    let failed = process_once(&s, &v.video_id).await;
    let f = failed.failure.expect("a reason");
    assert_eq!(f.code, "not_a_video", "{f:?}");
    assert!(f.message.contains("mpeg4"), "{}", f.message);
    let dir = s.data().join("storage/objects/videos").join(&v.video_id);
    assert!(
        files_under(&dir).is_empty(),
        "the refused upload is deleted"
    );
}

#[tokio::test]
async fn a_picture_over_the_limit_is_refused_before_transcoding() {
    // The recording is 320×240.
    let mut args = NO_FFMPEG.to_vec();
    args.extend(["--max-video-pixels", "76799"]);
    let s = server(&args).await;
    let v = send(&s, "conv-too-big", &recording()).await;
    let f = process_once(&s, &v.video_id).await.failure.unwrap();
    assert_eq!(f.code, "not_a_video", "{f:?}");
    assert!(
        f.message.contains("320×240") && f.message.contains("VIDREPLY_MAX_VIDEO_PIXELS"),
        "{}",
        f.message
    );
}

#[tokio::test]
async fn a_processing_timeout_fails_the_video_at_once_and_keeps_the_recording() {
    let s = server(&["--processing-timeout-seconds", "0"]).await;
    let v = send(&s, "conv-slow", &recording()).await;
    let f = process_once(&s, &v.video_id).await.failure.unwrap();
    assert_eq!(f.code, "processing_timeout", "{f:?}");
    assert!(
        f.message.contains("VIDREPLY_PROCESSING_TIMEOUT_SECONDS"),
        "{}",
        f.message
    );
    let dir = s.data().join("storage/objects/videos").join(&v.video_id);
    assert_eq!(
        files_under(&dir),
        vec!["original.webm".to_string()],
        "nothing recorded is lost"
    );
}

/// Everything stored in `dir` (the local backend's objects), as bytes.
fn stored_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    common::video::walk(dir)
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A secret file in the data folder, as the server writes its generated ones.
fn plant_secret(data: &Path) -> Vec<u8> {
    let secret = format!("planted-secret-{}", uuid::Uuid::new_v4().simple()).into_bytes();
    let path = data.join("signing-secret");
    std::fs::write(&path, &secret).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    secret
}

#[tokio::test]
async fn crafted_files_that_point_ffmpeg_at_the_servers_files_get_nothing_out() {
    let s = server(&[]).await;
    let secret = plant_secret(s.data());
    let target = s.data().join("signing-secret");
    let t = target.display();
    // A playlist and a concat list behind a WebM's magic bytes: each asks ffmpeg
    // to read another file (the demuxer is pinned to Matroska, so neither parses).
    let mut hls = common::WEBM_MAGIC.to_vec();
    hls.extend(
        format!("\n#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:{t}\n#EXT-X-ENDLIST\n")
            .bytes(),
    );
    let mut concat = common::WEBM_MAGIC.to_vec();
    concat.extend(format!("\nffconcat version 1.0\nfile 'file:{t}'\n").bytes());
    for (name, bytes, mime) in [("hls", hls, common::WEBM), ("concat", concat, common::WEBM)] {
        let token = s.token(&format!("conv-crafted-{name}")).await;
        let r = s
            .post(
                "/api/v1/uploads",
                Some(&token),
                serde_json::json!({ "mimeType": mime }),
            )
            .await;
        r.expect_status(axum::http::StatusCode::CREATED);
        let up: vidreply_core::protocol::UploadSession = r.json();
        let v = common::video::finish(&s, &token, &up, &bytes).await;
        let failed = process_once(&s, &v.video_id).await;
        let f = failed.failure.unwrap();
        assert!(
            ["not_a_video", "corrupt_video"].contains(&f.code.as_str()),
            "{name}: {f:?}"
        );
        assert!(!contains(f.message.as_bytes(), &secret), "{name}: {f:?}");
    }
    for (path, bytes) in stored_bytes(&s.data().join("storage/objects")) {
        assert!(!contains(&bytes, &secret), "the secret is in {path}");
    }
}

/// Stands in for an ffmpeg that a crafted file took over (a demuxer bug, say): it
/// notes who and how it runs, tries to read the server's secret and database, and
/// leaves what it got beside the HLS segments, which are stored and served to
/// viewers; then it does the real work with the real ffmpeg.
const TAKEN_OVER: &str = r#"#!/bin/sh
{ echo "uid=$(id -u)"; echo "cpu=$(ulimit -t)"; echo "as=$(ulimit -v)"; echo "cwd=$(pwd)"; env; } \
  > "$REPORT/run.$$" 2>&1
last=""; for a in "$@"; do last="$a"; done
out="$(dirname "$(dirname "$last")")"
for f in "$DATA/signing-secret" "$DATA/vidreply.db"; do
  if got=$(cat "$f" 2>/dev/null); then printf %s "$got" > "$out/stolen-$$-$(basename "$f").ts"; fi
done
exec ffmpeg "$@"
"#;

#[tokio::test]
async fn an_ffmpeg_taken_over_runs_confined_and_reads_no_secret() {
    assert!(
        rustix::process::geteuid().is_root(),
        "this test checks the drop to another user, which happens when the server runs \
         as root (as in CI and on these machines)"
    );
    // World-readable folders for the stand-in and its notes (nobody must reach them).
    let tools = tempfile::tempdir().unwrap();
    let report = tools.path().join("report");
    std::fs::create_dir(&report).unwrap();
    std::fs::set_permissions(tools.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o777)).unwrap();
    let ffmpeg = tools.path().join("ffmpeg");
    let s = server(&[
        "--ffmpeg",
        ffmpeg.to_str().unwrap(),
        "--ffmpeg-cpu-seconds",
        "900",
        "--ffmpeg-memory-bytes",
        "3221225472",
    ])
    .await;
    let script = TAKEN_OVER
        .replace("$REPORT", &report.display().to_string())
        .replace("$DATA", &s.data().display().to_string());
    std::fs::write(&ffmpeg, script).unwrap();
    std::fs::set_permissions(&ffmpeg, std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret = plant_secret(s.data());
    let marker = "conv-db-marker-7f3a9c";
    let v = send(&s, marker, &recording()).await;
    assert!(jobs::run_one(&s.state.jobs).await.unwrap());
    let ready = status(&s, &v.video_id).await;
    assert_eq!(ready.status, "ready", "the real work was done: {ready:?}");

    let runs: Vec<String> = common::video::walk(&report)
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(runs.len() >= 3, "MP4, poster and HLS runs: {runs:?}");
    for run in &runs {
        let field = |k: &str| {
            run.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .unwrap_or_else(|| panic!("{k} missing: {run}"))
                .to_string()
        };
        assert_eq!(field("uid"), "65534", "runs as nobody: {run}");
        assert_eq!(field("cpu"), "900", "CPU-time limit: {run}");
        assert_eq!(
            field("as"),
            (3221225472u64 / 1024).to_string(),
            "memory limit: {run}"
        );
        let cwd = field("cwd");
        assert!(!cwd.starts_with(&s.data().display().to_string()), "{run}");
        assert!(
            !run.contains("VIDREPLY_"),
            "no settings in its environment: {run}"
        );
    }
    let stored = stored_bytes(&s.data().join("storage/objects"));
    assert!(stored.iter().any(|(p, _)| p.ends_with("master.m3u8")));
    for (path, bytes) in &stored {
        assert!(
            !contains(bytes, &secret),
            "the secret file leaked into {path}"
        );
        assert!(
            !contains(bytes, marker.as_bytes()),
            "the database leaked into {path}"
        );
        assert!(!path.contains("stolen"), "{path}: something was read");
    }
}

/// Stands in for an ffmpeg taken over to swap its poster for a link to the server's
/// secret once written, hoping the server (root) follows it into public storage.
const LINKS_AN_OUTPUT: &str = r#"#!/bin/sh
last=""; for a in "$@"; do last="$a"; done
ffmpeg "$@" || exit $?
case "$last" in
  *poster.jpg) rm -f "$last"; ln -s "$DATA/signing-secret" "$last" ;;
esac
"#;

#[tokio::test]
async fn an_output_swapped_for_a_link_to_a_secret_is_never_stored() {
    assert!(
        rustix::process::geteuid().is_root(),
        "the tools run as another user only when the server runs as root"
    );
    let tools = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tools.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let ffmpeg = tools.path().join("ffmpeg");
    let s = server(&["--ffmpeg", ffmpeg.to_str().unwrap()]).await;
    let script = LINKS_AN_OUTPUT.replace("$DATA", &s.data().display().to_string());
    std::fs::write(&ffmpeg, script).unwrap();
    std::fs::set_permissions(&ffmpeg, std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret = plant_secret(s.data());
    let v = send(&s, "conv-link", &recording()).await;
    let failed = process_once(&s, &v.video_id).await;
    assert_eq!(failed.status, "failed", "{failed:?}");
    assert!(
        failed
            .failure
            .as_ref()
            .unwrap()
            .message
            .contains("plain file"),
        "{failed:?}"
    );
    for (path, bytes) in stored_bytes(&s.data().join("storage/objects")) {
        assert!(
            !contains(&bytes, &secret),
            "the secret was stored as {path}"
        );
    }
}
