//! The checks between settings that no single value's parser can make.

use super::{Settings, StorageKind};

/// S3's smallest part (all but the last).
pub const S3_MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

impl Settings {
    /// Settings that fit together, or why not (naming the settings to change).
    pub fn validate(&self) -> Result<(), String> {
        if self.tutorial_min_ttl_seconds > self.tutorial_max_ttl_seconds {
            return Err(
                "VIDREPLY_TUTORIAL_MIN_TTL_SECONDS must not be above VIDREPLY_TUTORIAL_MAX_TTL_SECONDS"
                    .into(),
            );
        }
        self.quotas.check(self.max_upload_bytes)?;
        if self.storage == StorageKind::S3 && self.part_size < S3_MIN_PART_SIZE {
            return Err(format!(
                "VIDREPLY_PART_SIZE is {} but S3 refuses parts under {S3_MIN_PART_SIZE} bytes (5 MiB) at complete",
                self.part_size
            ));
        }
        self.genesys.validate(self.capture_link_max_ttl_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(args: &[&str]) -> Settings {
        let mut all = vec!["vidreply-server"];
        all.extend(args);
        super::super::load_from(all).unwrap()
    }

    #[test]
    fn settings_that_do_not_fit_together_are_named() {
        assert_eq!(settings(&[]).validate(), Ok(()));
        let cases = [
            (
                &[
                    "--tutorial-min-ttl-seconds=600",
                    "--tutorial-max-ttl-seconds=60",
                ][..],
                "VIDREPLY_TUTORIAL_MIN_TTL_SECONDS",
            ),
            (
                &["--max-upload-bytes=1000", "--token-max-bytes=10"],
                "VIDREPLY_TOKEN_MAX_BYTES",
            ),
            (&["--storage=s3", "--part-size=1024"], "VIDREPLY_PART_SIZE"),
            (
                &["--genesys-api-base=ftp://a.example/"],
                "VIDREPLY_GENESYS_API_BASE",
            ),
            (
                &[
                    "--agent-link-ttl-seconds=7200",
                    "--capture-link-max-ttl-seconds=3600",
                ],
                "VIDREPLY_AGENT_LINK_TTL_SECONDS",
            ),
        ];
        for (args, named) in cases {
            let err = settings(args).validate().unwrap_err();
            assert!(err.contains(named), "{args:?}: {err}");
        }
    }
}
