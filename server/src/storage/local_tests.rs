//! The local backend's URL key is its own: URLs signed with the signing secret
//! itself or with another purpose's key are refused.

use std::time::Duration;

use super::*;
use crate::secrets::Purpose;
use crate::storage::UrlRefusal;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn store(root: &Path) -> LocalStore {
    let base = Url::parse("http://127.0.0.1:8080/").unwrap();
    LocalStore::new(root.to_path_buf(), base, SECRET)
}

/// `expires` and `signature` of a signed URL.
fn parts(url: &str) -> (u64, String) {
    let u = Url::parse(url).unwrap();
    let get = |n: &str| {
        u.query_pairs()
            .find(|(k, _)| k == n)
            .unwrap()
            .1
            .into_owned()
    };
    (get("expires").parse().unwrap(), get("signature"))
}

#[test]
fn urls_signed_with_another_key_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = store(dir.path());
    let now = crate::clock::unix_now_ms();
    let (exp, sig) = parts(&real.sign_get("videos/v1/video.mp4", Duration::from_secs(60)));
    assert_eq!(
        real.verify_get_url("videos/v1/video.mp4", exp, &sig, now),
        Ok(())
    );
    let foreign = [
        SECRET.to_vec(),
        Purpose::CaptureTokens.key(SECRET).to_vec(),
        Purpose::WatchTokens.key(SECRET).to_vec(),
        Purpose::TutorialTokens.key(SECRET).to_vec(),
    ];
    for key in foreign {
        let other = LocalStore {
            secret: key,
            ..store(dir.path())
        };
        let (exp, sig) = parts(&other.sign_get("videos/v1/video.mp4", Duration::from_secs(60)));
        assert_eq!(
            real.verify_get_url("videos/v1/video.mp4", exp, &sig, now),
            Err(UrlRefusal::BadSignature)
        );
    }
}
