//! Assertions shared by the media tests: what every processed video must satisfy.

use std::path::Path;

use vidreply_server::media::Processed;

use super::{boxes, ffprobe, header_duration_ms};

pub const SECONDS: u64 = 3;

pub fn assert_about_3s(ms: u64, what: &str) {
    let want = SECONDS * 1000;
    assert!(
        ms.abs_diff(want) <= want / 10,
        "{what}: {ms} ms is not within 10% of {want} ms"
    );
}

pub fn out_is_empty(out: &Path) {
    for name in ["video.mp4", "poster.jpg", "hls"] {
        assert!(
            !out.join(name).exists(),
            "{name} was left behind after a failure"
        );
    }
}

/// The checks every successful result passes, whatever the input was.
pub fn assert_playable(p: &Processed, want_poster: bool) {
    // Duration: ours, our probe of the output, and ffprobe's header of the output.
    assert_about_3s(p.duration_ms, "Processed.duration_ms");
    assert_about_3s(
        header_duration_ms(&p.mp4).expect("mp4 has a duration"),
        "ffprobe of the mp4",
    );
    let streams = ffprobe(&p.mp4, "stream=codec_name,pix_fmt");
    assert!(streams.contains("codec_name=h264"), "{streams}");
    assert!(streams.contains("pix_fmt=yuv420p"), "{streams}");
    assert!(streams.contains("codec_name=aac"), "{streams}");
    assert_eq!((p.width, p.height), (640, 480));

    // Faststart: the index (moov) comes before the media data (mdat).
    let data = std::fs::read(&p.mp4).unwrap();
    let top: Vec<String> = boxes(&data, 0, data.len())
        .into_iter()
        .map(|b| b.0)
        .collect();
    let moov = top.iter().position(|k| k == "moov").expect("moov");
    let mdat = top.iter().position(|k| k == "mdat").expect("mdat");
    assert!(moov < mdat, "moov after mdat: {top:?}");
    assert!(
        !top.iter().any(|k| k == "moof"),
        "output must not be fragmented: {top:?}"
    );

    // HLS: ≥2 variants with BANDWIDTH/RESOLUTION/CODECS; everything referenced exists.
    let master_path = p.hls_dir.join("master.m3u8");
    let master = std::fs::read_to_string(&master_path).unwrap();
    let infs: Vec<&str> = master
        .lines()
        .filter(|l| l.starts_with("#EXT-X-STREAM-INF:"))
        .collect();
    assert!(infs.len() >= 2, "{master}");
    for inf in &infs {
        for attr in ["BANDWIDTH=", "RESOLUTION=", "CODECS=\"avc1."] {
            assert!(inf.contains(attr), "{inf} lacks {attr}");
        }
    }
    let variants: Vec<&str> = master
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(variants.len(), infs.len());
    assert_eq!(variants.len(), p.variants.len());
    let mut segments = 0;
    for v in variants {
        let list_path = p.hls_dir.join(v);
        let list = std::fs::read_to_string(&list_path).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert!(list.contains("#EXT-X-PLAYLIST-TYPE:VOD") && list.contains("#EXT-X-ENDLIST"));
        for seg in list
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let seg_path = list_path.parent().unwrap().join(seg);
            assert!(
                std::fs::metadata(&seg_path).unwrap().len() > 0,
                "{seg} of {v}"
            );
            segments += 1;
        }
    }
    assert!(segments >= 2);

    // Poster.
    match (&p.poster, want_poster) {
        (Some(poster), true) => {
            let jpg = std::fs::read(poster).unwrap();
            assert_eq!(&jpg[..3], &[0xFF, 0xD8, 0xFF], "poster is not a JPEG");
        }
        (None, false) => assert!(!p.mp4.with_file_name("poster.jpg").exists()),
        other => panic!("poster {other:?} but want_poster={want_poster}"),
    }

    // The upload list covers every output exactly once, with the right types.
    let keys: Vec<&str> = p.files.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys[0], "video.mp4");
    assert!(keys.contains(&"hls/master.m3u8"));
    assert_eq!(keys.contains(&"poster.jpg"), want_poster);
    assert_eq!(keys.iter().filter(|k| k.ends_with(".ts")).count(), segments);
    assert_eq!(
        keys.iter().filter(|k| k.ends_with("index.m3u8")).count(),
        infs.len()
    );
    for f in &p.files {
        assert!(f.path.is_file(), "{}", f.key);
        let want = match f.key.rsplit('.').next().unwrap() {
            "mp4" => "video/mp4",
            "jpg" => "image/jpeg",
            "m3u8" => "application/vnd.apple.mpegurl",
            "ts" => "video/mp2t",
            other => panic!("unexpected output {other}"),
        };
        assert_eq!(f.content_type, want, "{}", f.key);
    }
}
