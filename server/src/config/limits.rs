//! Settings that bound what one capture link can store and what one video can
//! cost to process (flattened into [`super::Settings`]).

use std::path::{Path, PathBuf};

/// Per-capture-token upload quotas (`routes::uploads`).
#[derive(Debug, Clone, clap::Args)]
pub struct UploadQuotas {
    /// Uploads one capture link may have open (started, neither completed nor
    /// cancelled) at once; one more is refused with 429 `quota_exceeded`.
    #[arg(long, env = "VIDREPLY_TOKEN_MAX_OPEN_UPLOADS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub token_max_open_uploads: u32,
    /// Bytes one capture link may store across its uploads: a completed upload
    /// counts its size, an open one what it may still hold (its `totalBytes`, else
    /// VIDREPLY_MAX_UPLOAD_BYTES); an upload that would pass it is refused with 429
    /// `quota_exceeded`. At least VIDREPLY_MAX_UPLOAD_BYTES [default:
    /// (VIDREPLY_TOKEN_MAX_OPEN_UPLOADS + 1) × VIDREPLY_MAX_UPLOAD_BYTES: every open
    /// upload at its largest, and as much again of finished videos].
    #[arg(long, env = "VIDREPLY_TOKEN_MAX_BYTES")]
    pub token_max_bytes: Option<u64>,
}

impl UploadQuotas {
    /// The byte quota, given the largest upload.
    pub fn max_bytes(&self, max_upload_bytes: u64) -> u64 {
        self.token_max_bytes.unwrap_or_else(|| {
            max_upload_bytes.saturating_mul(u64::from(self.token_max_open_uploads) + 1)
        })
    }

    /// A byte quota under the largest upload would refuse every recording.
    pub fn check(&self, max_upload_bytes: u64) -> Result<(), String> {
        match self.token_max_bytes {
            Some(q) if q < max_upload_bytes => Err(format!(
                "VIDREPLY_TOKEN_MAX_BYTES ({q}) must be at least VIDREPLY_MAX_UPLOAD_BYTES \
                 ({max_upload_bytes}): a recording that leaves out its size counts as the \
                 largest upload"
            )),
            _ => Ok(()),
        }
    }
}

/// Limits on one video's processing (`media`, `processing`).
#[derive(Debug, Clone, clap::Args)]
pub struct MediaLimits {
    /// Largest picture accepted, in pixels (width × height, coded or displayed);
    /// a larger video is refused as `not_a_video` before any transcoding.
    #[arg(long, env = "VIDREPLY_MAX_VIDEO_PIXELS", default_value_t = 3840 * 2160,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_video_pixels: u64,
    /// Longest picture side accepted, in pixels; a longer one is refused as `not_a_video`.
    #[arg(long, env = "VIDREPLY_MAX_VIDEO_SIDE", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(16..=16384))]
    pub max_video_side: u32,
    /// Highest average frame rate accepted, in frames per second (measured from the
    /// packets); a faster video is refused as `not_a_video`.
    #[arg(long, env = "VIDREPLY_MAX_FRAME_RATE", default_value_t = 120,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_frame_rate: u32,
    /// Threads one ffmpeg run may use (`-threads`, `-filter_threads`).
    #[arg(long, env = "VIDREPLY_FFMPEG_THREADS", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub ffmpeg_threads: u32,
    /// CPU seconds one ffmpeg or ffprobe run may use (RLIMIT_CPU, set with util-linux
    /// `prlimit`); past it the run is killed and the video fails with
    /// `processing_timeout` (0: no limit).
    #[arg(long, env = "VIDREPLY_FFMPEG_CPU_SECONDS", default_value_t = 3600)]
    pub ffmpeg_cpu_seconds: u64,
    /// Address space one ffmpeg or ffprobe run may use, in bytes (RLIMIT_AS, set with
    /// `prlimit`); a video that needs more fails (0: no limit).
    #[arg(long, env = "VIDREPLY_FFMPEG_MEMORY_BYTES", default_value_t = 4 * 1024 * 1024 * 1024)]
    pub ffmpeg_memory_bytes: u64,
    /// Largest ffprobe report read for one video, in bytes; a file whose description
    /// is larger is refused as `not_a_video`.
    #[arg(long, env = "VIDREPLY_PROBE_OUTPUT_MAX_BYTES", default_value_t = 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(4096..))]
    pub probe_output_max_bytes: u64,
    /// Folder processing works in (downloads, ffmpeg's outputs), one fresh folder per
    /// job; never inside VIDREPLY_DATA_DIR [default: the system temp folder].
    #[arg(long, env = "VIDREPLY_WORK_DIR")]
    pub work_dir: Option<PathBuf>,
    /// `uid:gid` ffmpeg and ffprobe run as when the server runs as root (util-linux
    /// `setpriv`), so they cannot read the server's secrets or database; only each
    /// job's own work folder is given to them. 65534:65534 is nobody:nogroup.
    #[arg(long, env = "VIDREPLY_FFMPEG_RUN_AS", default_value = "65534:65534",
          value_parser = parse_run_as)]
    pub ffmpeg_run_as: (u32, u32),
}

impl MediaLimits {
    /// Where work folders go.
    pub fn work_root(&self) -> PathBuf {
        self.work_dir.clone().unwrap_or_else(std::env::temp_dir)
    }

    /// Keep what ffmpeg is given apart from what it must never read: the work
    /// folder may not lie inside `data_dir`, and `data_dir` (secrets, database,
    /// videos) is made reachable by its owner only (mode 0700).
    pub fn seal_data_dir(&self, data_dir: &Path) -> Result<(), String> {
        use std::os::unix::fs::PermissionsExt;
        let work = self.work_root();
        std::fs::create_dir_all(&work)
            .map_err(|e| format!("cannot create work folder {}: {e}", work.display()))?;
        let canon = |p: &Path| {
            p.canonicalize()
                .map_err(|e| format!("cannot resolve {}: {e}", p.display()))
        };
        let (data, work) = (canon(data_dir)?, canon(&work)?);
        if work.starts_with(&data) {
            return Err(format!(
                "VIDREPLY_WORK_DIR ({}) must not be inside VIDREPLY_DATA_DIR ({}): ffmpeg \
                 works there and must not reach the server's secrets or database",
                work.display(),
                data.display()
            ));
        }
        let mode = std::fs::metadata(&data)
            .map_err(|e| format!("data folder {}: {e}", data.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).map_err(
                |e| {
                    format!(
                        "cannot make data folder {} private (0700): {e}",
                        data.display()
                    )
                },
            )?;
            tracing::info!(data_dir = %data.display(), "data folder made private (mode 0700)");
        }
        Ok(())
    }
}

/// `uid:gid`, both numbers.
pub fn parse_run_as(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("'{s}' is not uid:gid (two numbers, e.g. 65534:65534)");
    let (u, g) = s.split_once(':').ok_or_else(bad)?;
    Ok((
        u.trim().parse().map_err(|_| bad())?,
        g.trim().parse().map_err(|_| bad())?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_as_is_two_numbers() {
        assert_eq!(parse_run_as("65534:65534"), Ok((65534, 65534)));
        assert_eq!(parse_run_as("1000:100"), Ok((1000, 100)));
        for bad in ["nobody", "1:", ":1", "a:b", "1:2:3"] {
            assert!(parse_run_as(bad).unwrap_err().contains("uid:gid"), "{bad}");
        }
    }
}
