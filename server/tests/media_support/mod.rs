//! Fixtures for `tests/media.rs`: recordings shaped like what browsers upload,
//! made with ffmpeg's lavfi sources, and small MP4 box edits that reproduce what
//! real recorders get wrong (a lying header duration) or do (portrait rotation).

#![allow(dead_code)] // Each test crate uses a different subset.

pub mod checks;

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run(cmd: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is required for these tests (apt install ffmpeg): {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// 3 s of 640×480 moving test pattern with a tone, encoded with `codec_args`.
pub fn lavfi_args<'a>(codec_args: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x480:rate=30:duration=3",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=3",
    ];
    a.extend_from_slice(codec_args);
    a
}

/// WebM VP8 + Opus written to a pipe, as MediaRecorder streams it: the muxer
/// cannot seek back, so there is no duration and no cue index.
pub fn webm(dir: &Path) -> PathBuf {
    let bytes = run(
        "ffmpeg",
        &lavfi_args(&[
            "-c:v",
            "libvpx",
            "-b:v",
            "1M",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-c:a",
            "libopus",
            "-f",
            "webm",
            "pipe:1",
        ]),
    );
    let path = dir.join("recording.webm");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// MP4 with H.264 + Opus, as Chromium records when asked for `video/mp4`.
pub fn mp4_avc1_opus(dir: &Path) -> PathBuf {
    let path = dir.join("chromium.mp4");
    let p = path.to_str().unwrap();
    run(
        "ffmpeg",
        &lavfi_args(&[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "libopus",
            p,
        ]),
    );
    path
}

/// Fragmented MP4 H.264 + AAC with 1 s fragments, as WebKit records.
pub fn fragmented_mp4(dir: &Path) -> PathBuf {
    let path = dir.join("safari.mp4");
    let p = path.to_str().unwrap();
    run(
        "ffmpeg",
        &lavfi_args(&[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "30",
            "-c:a",
            "aac",
            "-movflags",
            "frag_keyframe+empty_moov+default_base_moof",
            p,
        ]),
    );
    path
}

/// Top-level MP4 boxes: (type, offset, size).
pub fn boxes(data: &[u8], start: usize, end: usize) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut off = start;
    while off + 8 <= end {
        let mut size = u32::from_be_bytes(data[off..off + 4].try_into().unwrap()) as usize;
        let kind = String::from_utf8_lossy(&data[off + 4..off + 8]).to_string();
        if size == 1 {
            size = u64::from_be_bytes(data[off + 8..off + 16].try_into().unwrap()) as usize;
        } else if size == 0 {
            size = end - off;
        }
        assert!(size >= 8, "bad box {kind} at {off}");
        out.push((kind, off, size));
        off += size;
    }
    out
}

pub fn find(data: &[u8], parent: (usize, usize), kind: &str) -> Vec<(usize, usize)> {
    boxes(data, parent.0 + 8, parent.0 + parent.1)
        .into_iter()
        .filter(|(k, ..)| k == kind)
        .map(|(_, o, s)| (o, s))
        .collect()
}

pub fn put_u32(data: &mut [u8], at: usize, v: u32) {
    data[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

pub fn get_u32(data: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(data[at..at + 4].try_into().unwrap())
}

/// Make the header claim `secs` seconds (mvhd, every tkhd and mdhd), the way
/// WebKit's header disagrees with its fragments.
pub fn lie_about_duration(path: &Path, secs: u32) {
    let mut d = std::fs::read(path).unwrap();
    let all = boxes(&d, 0, d.len());
    let (_, mo, ms) = all.iter().find(|(k, ..)| k == "moov").cloned().unwrap();
    let moov = (mo, ms);
    let (mvhd, _) = find(&d, moov, "mvhd")[0];
    assert_eq!(d[mvhd + 8], 0, "fixture expects version-0 boxes");
    let movie_scale = get_u32(&d, mvhd + 20);
    put_u32(&mut d, mvhd + 24, movie_scale * secs);
    for trak in find(&d, moov, "trak") {
        let (tkhd, _) = find(&d, trak, "tkhd")[0];
        assert_eq!(d[tkhd + 8], 0);
        put_u32(&mut d, tkhd + 28, movie_scale * secs);
        let mdia = find(&d, trak, "mdia")[0];
        let (mdhd, _) = find(&d, mdia, "mdhd")[0];
        assert_eq!(d[mdhd + 8], 0);
        let scale = get_u32(&d, mdhd + 20);
        put_u32(&mut d, mdhd + 24, scale * secs);
    }
    std::fs::write(path, d).unwrap();
}

/// Mark the first track as shot in portrait: a display matrix that turns the
/// picture 90° clockwise, as phone cameras write it.
pub fn rotate_90(path: &Path) {
    let mut d = std::fs::read(path).unwrap();
    let all = boxes(&d, 0, d.len());
    let (_, mo, ms) = all.iter().find(|(k, ..)| k == "moov").cloned().unwrap();
    let trak = find(&d, (mo, ms), "trak")[0];
    let (tkhd, _) = find(&d, trak, "tkhd")[0];
    assert_eq!(d[tkhd + 8], 0, "fixture expects a version-0 tkhd");
    let matrix: [i32; 9] = [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x4000_0000];
    for (i, v) in matrix.iter().enumerate() {
        d[tkhd + 48 + 4 * i..tkhd + 52 + 4 * i].copy_from_slice(&v.to_be_bytes());
    }
    std::fs::write(path, d).unwrap();
}

/// What ffprobe (not our code) says about a file.
pub fn ffprobe(path: &Path, entries: &str) -> String {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_entries",
            entries,
            "-of",
            "default=nw=1",
            path.to_str().unwrap(),
        ],
    );
    String::from_utf8(out).unwrap()
}

pub fn header_duration_ms(path: &Path) -> Option<u64> {
    let out = ffprobe(path, "format=duration");
    let v = out.trim().strip_prefix("duration=")?;
    v.parse::<f64>().ok().map(|s| (s * 1000.0).round() as u64)
}

pub fn cut(path: &Path, len: usize, name: &str) -> PathBuf {
    let d = std::fs::read(path).unwrap();
    assert!(len < d.len());
    let out = path.with_file_name(name);
    std::fs::write(&out, &d[..len]).unwrap();
    out
}
