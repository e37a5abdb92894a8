//! The true duration and truncation, from one demux-only pass over every packet.
//!
//! ffprobe's packet listing (`-show_entries packet=…`) demuxes the whole file
//! without decoding: it reads the bytes once and costs little CPU. Every packet's
//! timestamp gives the duration: the latest `pts + duration` minus the earliest
//! `pts` over the video and audio streams. Headers are not consulted, because
//! MediaRecorder's WebM has none and WebKit's fragmented MP4 has a wrong one.
//!
//! The same pass finds truncation: a demuxer that meets end-of-file inside data it
//! was promised says so on stderr (see `tool::TRUNCATION_MARKERS`) but exits 0,
//! which is why `-xerror` and exit codes alone miss a cut-off WebM. Decoding adds
//! nothing here: every truncation we could produce shows at the demuxer.

use std::collections::HashMap;
use std::path::Path;

use tokio::time::Instant;
use vidreply_core::media::Container;

use super::input::{input_args, work_dir};
use super::tool::{self, Tool};
use super::{MediaError, MediaSettings};

/// Packet timing of one stream, in seconds.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Span {
    pub packets: u64,
    start: f64,
    /// Latest `pts + duration` among packets whose duration is known.
    end_known: f64,
    last_pts: f64,
    /// Duration of the packet with the latest pts, if known.
    last_duration: Option<f64>,
}

impl Span {
    fn add(&mut self, pts: f64, duration: Option<f64>) {
        if self.packets == 0 {
            *self = Span {
                packets: 0,
                start: pts,
                end_known: f64::MIN,
                last_pts: pts,
                last_duration: duration,
            };
        }
        self.packets += 1;
        self.start = self.start.min(pts);
        if let Some(d) = duration {
            self.end_known = self.end_known.max(pts + d);
        }
        if pts >= self.last_pts {
            self.last_pts = pts;
            self.last_duration = duration;
        }
    }

    /// Average frames per second over the stream: 0 with fewer than two packets,
    /// infinite when they all share one instant.
    pub fn frame_rate(&self) -> f64 {
        if self.packets < 2 {
            return 0.0;
        }
        let span = self.last_pts - self.start;
        if span > 0.0 {
            (self.packets - 1) as f64 / span
        } else {
            f64::INFINITY
        }
    }

    /// End of the stream. When the last packet has no duration (WebM SimpleBlocks
    /// often have none), it lasts as long as the average packet before it.
    fn end(&self) -> f64 {
        let average = if self.packets > 1 {
            (self.last_pts - self.start) / (self.packets - 1) as f64
        } else {
            0.0
        };
        let last_end = self.last_pts + self.last_duration.unwrap_or(average);
        self.end_known.max(last_end)
    }
}

pub(crate) fn measured_ms<'a>(spans: impl Iterator<Item = &'a Span>) -> u64 {
    let (mut start, mut end) = (f64::MAX, f64::MIN);
    for s in spans.filter(|s| s.packets > 0) {
        start = start.min(s.start);
        end = end.max(s.end());
    }
    if end > start {
        ((end - start) * 1000.0).round() as u64
    } else {
        0
    }
}

/// Demux every packet of the `wanted` streams (no decoding) and collect timings.
pub(crate) async fn scan_packets(
    settings: &MediaSettings,
    container: Container,
    path: &Path,
    wanted: &[usize],
    deadline: Instant,
) -> Result<(HashMap<usize, Span>, tool::Finished), MediaError> {
    let dir = work_dir(path);
    let ffprobe = Tool::ffprobe(settings, &dir);
    let args = input_args(
        settings,
        container,
        path,
        &[
            "-show_entries",
            "packet=stream_index,pts_time,dts_time,duration_time",
            "-of",
            "compact",
        ],
    );
    let mut spans: HashMap<usize, Span> = HashMap::new();
    let done = tool::run(ffprobe, args, deadline, u64::MAX, |line| {
        if let Some((index, pts, duration)) = parse_packet(line)
            && wanted.contains(&index)
        {
            spans.entry(index).or_default().add(pts, duration);
        }
    })
    .await?;
    Ok((spans, done))
}

/// `packet|stream_index=0|pts_time=0.033|dts_time=0.033|duration_time=0.033[|side_data|…]`
fn parse_packet(line: &str) -> Option<(usize, f64, Option<f64>)> {
    let rest = line.strip_prefix("packet|")?;
    let (mut index, mut pts, mut dts, mut duration) = (None, None, None, None);
    for field in rest.split('|') {
        let Some((k, v)) = field.split_once('=') else {
            continue;
        };
        let num = || v.parse::<f64>().ok().filter(|x| x.is_finite());
        match k {
            "stream_index" => index = v.parse::<usize>().ok(),
            "pts_time" => pts = num(),
            "dts_time" => dts = num(),
            "duration_time" => duration = num().filter(|d| *d > 0.0),
            _ => {}
        }
    }
    Some((index?, pts.or(dts)?, duration))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_parse_with_and_without_side_data() {
        assert_eq!(
            parse_packet(
                "packet|stream_index=1|pts_time=2.994|dts_time=2.994|duration_time=0.02|side_data|"
            ),
            Some((1, 2.994, Some(0.02)))
        );
        assert_eq!(
            parse_packet("packet|stream_index=0|pts_time=N/A|dts_time=1.5|duration_time=N/A"),
            Some((0, 1.5, None))
        );
        assert_eq!(parse_packet("side_data|x=1"), None);
        assert_eq!(parse_packet(""), None);
    }

    #[test]
    fn duration_covers_all_streams_and_a_missing_last_duration() {
        let mut v = Span::default();
        for i in 0..90 {
            v.add(f64::from(i) / 30.0, None); // WebM blocks without durations
        }
        let mut a = Span::default();
        for i in 0..150 {
            a.add(-0.007 + f64::from(i) * 0.02, Some(0.02));
        }
        // video ends at 89/30 + 1/30 = 3.0; audio at -0.007 + 150·0.02 = 2.993
        assert_eq!(measured_ms([v].iter()), 3000);
        assert_eq!(measured_ms([v, a].iter()), 3007);
        assert_eq!(measured_ms([Span::default()].iter()), 0);
        assert!((v.frame_rate() - 30.0).abs() < 1e-9, "{}", v.frame_rate());
        let mut burst = Span::default();
        for _ in 0..5 {
            burst.add(1.0, None);
        }
        assert_eq!(burst.frame_rate(), f64::INFINITY);
        assert_eq!(Span::default().frame_rate(), 0.0);
    }
}
