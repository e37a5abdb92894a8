//! Settings as the log shows them: secrets never, URLs without credentials.

use url::Url;

use super::Settings;

/// Secrets are never printed; everything else is.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |o: &Option<String>| o.as_ref().map(|_| "<redacted>");
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("public_url", &without_query(&self.public_url()))
            .field("data_dir", &self.data_dir)
            .field("storage", &self.storage)
            .field("s3_endpoint", &self.s3_endpoint.as_ref().map(without_query))
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_access_key_id", &hidden(&self.s3_access_key_id))
            .field("s3_secret_access_key", &hidden(&self.s3_secret_access_key))
            .field("api_key", &hidden(&self.api_key))
            .field("signing_secret", &hidden(&self.signing_secret))
            .field("webhook_url", &self.webhook_url.as_ref().map(without_query))
            .field("webhook_secret", &hidden(&self.webhook_secret))
            .field("webhooks", &hidden(&self.webhooks))
            .field("part_size", &self.part_size)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("presign_ttl_seconds", &self.presign_ttl_seconds)
            .field("quotas", &self.quotas)
            .field("media_limits", &self.media_limits)
            .field("watch_token_ttl_seconds", &self.watch_token_ttl_seconds)
            .field("tutorial_min_ttl_seconds", &self.tutorial_min_ttl_seconds)
            .field("tutorial_max_ttl_seconds", &self.tutorial_max_ttl_seconds)
            .field("frame_ancestors", &self.frame_ancestors)
            .field("cors_origins", &self.cors_origins)
            .field("genesys", &self.genesys)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("metrics_public", &self.metrics_public)
            .field(
                "header_read_timeout_seconds",
                &self.header_read_timeout_seconds,
            )
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

/// A URL fit for a log: no user, password, query or fragment (they may hold credentials).
fn without_query(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    let had_query = u.query().is_some();
    u.set_query(None);
    u.set_fragment(None);
    if had_query {
        format!("{u}?<redacted>")
    } else {
        u.into()
    }
}
