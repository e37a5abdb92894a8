//! The HLS ladder: several H.264 renditions of the MP4, cut into aligned VOD
//! segments, listed in `hls/master.m3u8` with BANDWIDTH, RESOLUTION and CODECS so a
//! player can pick the one its connection carries.
//!
//! All renditions come from one ffmpeg run (decode once, `split`, scale, encode
//! each) with keyframes forced on the same time grid, so every rendition's
//! segments start at the same instants and players can switch between them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use tokio::time::Instant;

use super::probe::Probe;
use super::tool::{self, Tool};
use super::transcode::{X264_PRESET, base_args, ffmpeg, out_threads};
use super::{HLS_MASTER, MIN_RENDITIONS, MediaError, MediaSettings, SETTING_RENDITIONS};

/// A wanted rendition: picture height and video bitrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendition {
    pub height: u32,
    pub bitrate_kbps: u32,
}

impl Rendition {
    /// Parse `HEIGHT:KBPS` pairs separated by commas, e.g. `360:800,720:2500`.
    /// Errors name [`SETTING_RENDITIONS`] and the offending entry.
    pub fn parse_list(s: &str) -> Result<Vec<Rendition>, String> {
        let bad = |entry: &str, why: &str| {
            format!(
                "{SETTING_RENDITIONS}: '{entry}' {why}; expected HEIGHT:KBPS pairs separated by \
                 commas, e.g. 360:800,720:2500"
            )
        };
        let mut out: Vec<Rendition> = Vec::new();
        for entry in s.split(',').map(str::trim) {
            if entry.is_empty() {
                return Err(bad(entry, "is empty"));
            }
            let (h, k) = entry
                .split_once(':')
                .ok_or_else(|| bad(entry, "has no ':'"))?;
            let height: u32 = h
                .trim()
                .parse()
                .map_err(|_| bad(entry, "has a height that is not a whole number"))?;
            let bitrate_kbps: u32 = k
                .trim()
                .parse()
                .map_err(|_| bad(entry, "has a bitrate that is not a whole number of kb/s"))?;
            if !(16..=4320).contains(&height) || !height.is_multiple_of(2) {
                return Err(bad(entry, "needs an even height from 16 to 4320"));
            }
            if !(32..=100_000).contains(&bitrate_kbps) {
                return Err(bad(entry, "needs a bitrate from 32 to 100000 kb/s"));
            }
            if out.iter().any(|r| r.height == height) {
                return Err(bad(entry, "repeats a height"));
            }
            out.push(Rendition {
                height,
                bitrate_kbps,
            });
        }
        out.sort_by_key(|r| r.height);
        Ok(out)
    }
}

/// A rendition as it will be made for one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Folder name under `hls/`, e.g. `360p`.
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub bitrate_kbps: u32,
}

/// Round down to an even number of pixels (4:2:0 needs even sides), at least 2.
fn even(x: f64) -> u32 {
    (((x / 2.0).floor() as u32) * 2).max(2)
}

/// Choose the ladder for a `src_w`×`src_h` (display size) source, lowest first.
///
/// Configured heights above the source are dropped (upscaling only costs bytes).
/// If fewer than [`MIN_RENDITIONS`] remain, the source height and then half of it
/// are added, with bitrates scaled from the nearest configured rendition by
/// (height ratio)^1.6, i.e. pixels^0.8, which is roughly how x264's rate needs grow.
pub fn plan_ladder(renditions: &[Rendition], src_w: u32, src_h: u32) -> Vec<Variant> {
    let src_h = even(f64::from(src_h.max(2)));
    let aspect = f64::from(src_w.max(1)) / f64::from(src_h);
    let mut picks: Vec<Rendition> = renditions
        .iter()
        .filter(|r| r.height <= src_h)
        .copied()
        .collect();
    let scaled = |height: u32| {
        let reference = renditions
            .iter()
            .min_by_key(|r| r.height.abs_diff(height))
            .copied()
            .unwrap_or(Rendition {
                height: 360,
                bitrate_kbps: 800,
            });
        let ratio = f64::from(height) / f64::from(reference.height);
        let kbps = (f64::from(reference.bitrate_kbps) * ratio.powf(1.6)).round() as u32;
        Rendition {
            height,
            bitrate_kbps: kbps.max(64),
        }
    };
    for extra in [src_h, even(f64::from(src_h) / 2.0)] {
        if picks.len() >= MIN_RENDITIONS {
            break;
        }
        if !picks.iter().any(|r| r.height == extra) {
            picks.push(scaled(extra));
        }
    }
    picks.sort_by_key(|r| r.height);
    let mut variants: Vec<Variant> = picks
        .iter()
        .map(|r| Variant {
            name: format!("{}p", r.height),
            width: even(f64::from(r.height) * aspect),
            height: r.height,
            bitrate_kbps: r.bitrate_kbps,
        })
        .collect();
    // A source a few pixels high has a single possible height: offer it twice,
    // the second at half the bitrate, so the ladder still has two rungs.
    while variants.len() < MIN_RENDITIONS {
        let top = variants.last().cloned().unwrap_or(Variant {
            name: String::new(),
            width: even(f64::from(src_h) * aspect),
            height: src_h,
            bitrate_kbps: 128,
        });
        variants.insert(
            0,
            Variant {
                name: format!("{}p-low{}", top.height, variants.len()),
                bitrate_kbps: (top.bitrate_kbps / 2).max(32),
                ..top
            },
        );
    }
    variants
}

/// Encode the ladder from `mp4` (described by `probe`) into `hls_dir`, then check
/// that every playlist and segment the master refers to exists.
pub(crate) async fn make_hls(
    settings: &MediaSettings,
    mp4: &Path,
    probe: &Probe,
    hls_dir: &Path,
    deadline: Instant,
) -> Result<Vec<Variant>, MediaError> {
    let variants = plan_ladder(&settings.renditions, probe.width, probe.height);
    settings.sandbox.make_dir(hls_dir).await?;
    let segment = settings.hls_segment.as_secs_f64().max(1.0);
    let n = variants.len();
    let mut graph = format!("[0:v:0]split={n}");
    for i in 0..n {
        graph.push_str(&format!("[s{i}]"));
    }
    for (i, v) in variants.iter().enumerate() {
        graph.push_str(&format!(
            ";[s{i}]scale={}:{},setsar=1[v{i}]",
            v.width, v.height
        ));
    }
    let mut args = base_args(settings, "mov", mp4, &[]);
    let mut add = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    add(&["-filter_complex", &graph]);
    for i in 0..n {
        add(&["-map", &format!("[v{i}]")]);
        if probe.audio_stream.is_some() {
            add(&["-map", "0:a:0"]);
        }
    }
    let keyframes = format!("expr:gte(t,n_forced*{segment})");
    add(&[
        "-c:v",
        "libx264",
        "-preset",
        X264_PRESET,
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-sc_threshold",
        "0",
        "-force_key_frames",
        &keyframes,
        "-fps_mode",
        "vfr",
    ]);
    for (i, v) in variants.iter().enumerate() {
        let k = v.bitrate_kbps;
        add(&[
            &format!("-b:v:{i}"),
            &format!("{k}k"),
            &format!("-maxrate:v:{i}"),
            &format!("{}k", k + k / 10),
            &format!("-bufsize:v:{i}"),
            &format!("{}k", k * 2),
        ]);
    }
    // The MP4's audio is already AAC: every rendition carries the same copy.
    add(&["-c:a", "copy"]);
    let map: Vec<String> = variants
        .iter()
        .enumerate()
        .map(|(i, v)| match probe.audio_stream {
            Some(_) => format!("v:{i},a:{i},name:{}", v.name),
            None => format!("v:{i},name:{}", v.name),
        })
        .collect();
    let seg_pattern = hls_dir.join("%v").join("seg_%03d.ts");
    let playlist_pattern = hls_dir.join("%v").join("index.m3u8");
    add(&[
        "-f",
        "hls",
        "-hls_time",
        &format!("{segment}"),
        "-hls_playlist_type",
        "vod",
        "-hls_flags",
        "independent_segments",
        "-hls_segment_type",
        "mpegts",
        "-master_pl_name",
        HLS_MASTER,
        "-var_stream_map",
        &map.join(" "),
        "-hls_segment_filename",
    ]);
    // Output paths are absolute (`process` made them so), so ffmpeg cannot take
    // them for URLs; the hls muxer needs plain paths to create the variant folders.
    args.push(seg_pattern.into_os_string());
    out_threads(settings, &mut args);
    args.push(playlist_pattern.into_os_string());
    let tool = ffmpeg(settings, hls_dir);
    let done = tool::run(tool, args, deadline, 0, |_| {}).await?;
    if !done.status.success() {
        return Err(tool::failed(tool, "making the HLS ladder", &done, &[mp4]));
    }
    verify(tool, hls_dir, MIN_RENDITIONS).await?;
    Ok(variants)
}

/// The URIs of a playlist (lines that are not tags or blank).
pub fn playlist_uris(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Every variant playlist and segment the master names exists, non-empty, and
/// each variant playlist is a finished VOD list.
async fn verify(tool: Tool<'_>, hls_dir: &Path, min: usize) -> Result<(), MediaError> {
    let bad = |why: String| tool::tool_error(tool, format!("the HLS output is incomplete: {why}"));
    let read = |p: PathBuf| async move {
        tokio::fs::read_to_string(&p)
            .await
            .map_err(|e| bad(format!("{} cannot be read ({e})", p.display())))
    };
    let master = read(hls_dir.join(HLS_MASTER)).await?;
    let inf = master.matches("#EXT-X-STREAM-INF:").count();
    let variants = playlist_uris(&master);
    if inf < min || variants.len() != inf {
        return Err(bad(format!("the master lists {inf} variants, want {min}")));
    }
    for v in variants {
        let path = hls_dir.join(v);
        let dir = path.parent().unwrap_or(hls_dir).to_path_buf();
        let list = read(path).await?;
        if !list.contains("#EXT-X-ENDLIST") {
            return Err(bad(format!("{v} has no #EXT-X-ENDLIST")));
        }
        let segments = playlist_uris(&list);
        if segments.is_empty() {
            return Err(bad(format!("{v} has no segments")));
        }
        for s in segments {
            let len = tokio::fs::metadata(dir.join(s))
                .await
                .map_or(0, |m| m.len());
            if len == 0 {
                return Err(bad(format!("segment {s} of {v} is missing or empty")));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(height: u32, bitrate_kbps: u32) -> Rendition {
        Rendition {
            height,
            bitrate_kbps,
        }
    }

    #[test]
    fn parse_list_accepts_pairs_and_sorts() {
        assert_eq!(
            Rendition::parse_list(" 720:2500 , 360:800").unwrap(),
            vec![r(360, 800), r(720, 2500)]
        );
        assert_eq!(
            Rendition::parse_list("480:1200").unwrap(),
            vec![r(480, 1200)]
        );
    }

    #[test]
    fn parse_list_errors_name_the_setting_and_entry() {
        for (input, why) in [
            ("", "is empty"),
            ("360", "has no ':'"),
            ("360:fast", "bitrate"),
            ("abc:800", "height"),
            ("361:800", "even height"),
            ("360:800,360:900", "repeats"),
            ("360:10", "from 32"),
            ("360:800,", "is empty"),
        ] {
            let e = Rendition::parse_list(input).unwrap_err();
            assert!(e.starts_with("VIDREPLY_HLS_RENDITIONS: "), "{e}");
            assert!(e.contains(why), "{input:?} → {e}");
        }
    }

    fn heights(v: &[Variant]) -> Vec<u32> {
        v.iter().map(|v| v.height).collect()
    }

    #[test]
    fn ladder_never_upscales_and_always_has_two_rungs() {
        let cfg = [r(360, 800), r(720, 2500)];
        let big = plan_ladder(&cfg, 1920, 1080);
        assert_eq!(heights(&big), vec![360, 720]);
        assert_eq!((big[1].width, big[1].bitrate_kbps), (1280, 2500));
        // 640×480: 720 would upscale, so the source height joins 360.
        let vga = plan_ladder(&cfg, 640, 480);
        assert_eq!(heights(&vga), vec![360, 480]);
        assert_eq!(vga[1].width, 640);
        assert!(vga[1].bitrate_kbps > 800 && vga[1].bitrate_kbps < 2500);
        // Smaller than every configured height: the source and half of it.
        let small = plan_ladder(&cfg, 320, 240);
        assert_eq!(heights(&small), vec![120, 240]);
        assert!(small.iter().all(|v| v.width % 2 == 0 && v.height % 2 == 0));
        assert!(small[0].bitrate_kbps < small[1].bitrate_kbps);
        // Portrait phone video keeps its shape.
        let portrait = plan_ladder(&cfg, 720, 1280);
        assert_eq!(heights(&portrait), vec![360, 720]);
        assert_eq!(portrait[0].width, 202);
        // Odd source sizes give even rungs; tiny sources still get two.
        let odd = plan_ladder(&cfg, 175, 99);
        assert!(odd.iter().all(|v| v.width % 2 == 0 && v.height % 2 == 0));
        for (w, h) in [(2, 2), (3, 3), (1, 1)] {
            let tiny = plan_ladder(&cfg, w, h);
            assert_eq!(tiny.len(), 2, "{tiny:?}");
            assert_ne!(tiny[0].name, tiny[1].name);
        }
        // A single configured rendition is topped up too.
        assert_eq!(plan_ladder(&[r(360, 800)], 1280, 720).len(), 2);
    }

    #[test]
    fn uris_skip_tags() {
        let m = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n\n";
        assert_eq!(playlist_uris(m), vec!["360p/index.m3u8"]);
    }
}
