//! Signing is cached for static assets: a storage URL signed for a tutorial asset
//! is reused by every viewer until the end of its time bucket, so browsers and
//! proxies can cache the redirect (`Cache-Control: private, max-age=<remaining>`)
//! and a tutorial sent to many callers does not cost a signature per request.
//!
//! A bucket lasts half the presign TTL, and a URL is signed for the whole TTL when
//! first asked for in a bucket, so it stays valid at least until its bucket ends.
//! Customer videos are never cached (`no-store`): their URLs are signed per request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::storage::ObjectStore;

/// Entries kept before expired ones are swept.
const SWEEP_AT: usize = 4096;

#[derive(Default)]
pub struct SignCache {
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    url: String,
    /// Unix seconds: the end of the bucket the URL was signed in.
    bucket_end: u64,
}

// Signed URLs are credentials: never printed.
impl std::fmt::Debug for SignCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignCache(<redacted>)")
    }
}

impl SignCache {
    /// The URL for `key` at `now_s` (unix seconds), signed for `ttl` at the first
    /// request of the bucket, and the seconds left until the bucket ends.
    pub fn get(
        &self,
        store: &dyn ObjectStore,
        key: &str,
        ttl: Duration,
        now_s: u64,
    ) -> (String, u64) {
        let bucket = (ttl.as_secs() / 2).max(1);
        let bucket_end = (now_s / bucket + 1) * bucket;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = entries.get(key).filter(|e| e.bucket_end == bucket_end) {
            return (e.url.clone(), bucket_end - now_s);
        }
        if entries.len() >= SWEEP_AT {
            entries.retain(|_, e| e.bucket_end > now_s);
        }
        let url = store.sign_get(key, ttl);
        entries.insert(
            key.to_string(),
            Entry {
                url: url.clone(),
                bucket_end,
            },
        );
        (url, bucket_end - now_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::LocalStore;

    #[test]
    fn one_url_per_bucket_valid_past_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(
            dir.path().to_path_buf(),
            url::Url::parse("http://127.0.0.1:8080/").unwrap(),
            b"0123456789abcdef0123456789abcdef",
        );
        let cache = SignCache::default();
        let ttl = Duration::from_secs(300);
        let (a, left_a) = cache.get(&store, "videos/x/video.mp4", ttl, 1_000_000_050);
        let (b, left_b) = cache.get(&store, "videos/x/video.mp4", ttl, 1_000_000_199);
        assert_eq!(a, b, "the same URL within the bucket");
        assert_eq!((left_a, left_b), (150, 1));
        // The next bucket gets its own signature; another key never shares one.
        let (c, left_c) = cache.get(&store, "videos/x/video.mp4", ttl, 1_000_000_200);
        assert_eq!(left_c, 150);
        let (d, _) = cache.get(&store, "videos/y/video.mp4", ttl, 1_000_000_200);
        assert_ne!(c, d);
        // Remaining time never exceeds the bucket, which is half the URL's lifetime.
        assert!(left_c <= ttl.as_secs() / 2);
    }
}
