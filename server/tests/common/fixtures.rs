//! Test data: fake recordings, signed-URL surgery, digests, forged tokens.

use md5::{Digest, Md5};
use sha2::Sha256;
use vidreply_server::token::{Claims, Scope, TokenKeys};

use super::{PART_SIZE, WEBM_MAGIC};

/// A fake recording: WebM magic bytes, then a deterministic pattern.
pub fn recording(len: usize) -> Vec<u8> {
    let mut v: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
    v[..4].copy_from_slice(&WEBM_MAGIC);
    v
}

/// Split a recording into parts of `PART_SIZE` (the last may be shorter).
pub fn chunks(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.chunks(PART_SIZE).map(<[u8]>::to_vec).collect()
}

pub fn path_and_query(url: &str) -> String {
    let u = url::Url::parse(url).expect("absolute URL");
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

/// The storage upload id inside a signed part URL `/storage/parts/<id>/<n>`.
pub fn storage_id(signed_url: &str) -> String {
    let u = url::Url::parse(signed_url).expect("absolute URL");
    let segs: Vec<&str> = u.path_segments().expect("path").collect();
    assert_eq!(&segs[..2], ["storage", "parts"], "{signed_url}");
    segs[2].to_string()
}

/// Replace one query parameter of a URL's path+query.
pub fn with_query(url: &str, name: &str, value: &str) -> String {
    let mut u = url::Url::parse(url).expect("absolute URL");
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_string()
            } else {
                v.into()
            };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.into()
}

pub fn query_param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .expect("absolute URL")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{url} has no {name}"))
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn md5_etag(bytes: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(bytes)))
}

pub fn now() -> u64 {
    vidreply_server::clock::unix_now()
}

/// A record-scoped token signed with `secret`, expiring at `exp`.
pub fn forge_token(secret: &str, conversation: &str, exp: u64) -> String {
    TokenKeys::new(secret.as_bytes()).issue(&Claims {
        sub: conversation.into(),
        cus: None,
        scope: Scope::Record,
        iat: exp.saturating_sub(3600),
        exp,
        jti: "forged".into(),
        rol: Default::default(),
        vid: None,
        sid: None,
        agt: None,
    })
}
