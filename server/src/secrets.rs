//! Secrets: the API key and the signing secret, given as settings or generated once
//! into the data folder (created exclusively, mode 0600), and the per-purpose keys
//! derived from the signing secret with HKDF-SHA256.

use std::io::{Read, Write};
use std::path::Path;

use base64::Engine;
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

/// The shortest signing secret accepted, in bytes.
pub const MIN_SIGNING_SECRET_BYTES: usize = 32;
/// The shortest API key accepted, in characters.
pub const MIN_API_KEY_CHARS: usize = 32;

/// What a derived key signs. Each purpose has its own key, so a signature made for
/// one purpose never verifies for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Capture (record) tokens.
    CaptureTokens,
    /// Watch tokens (share-link pages and their telemetry).
    WatchTokens,
    /// Tutorial links.
    TutorialTokens,
    /// The local storage backend's part and object URLs.
    LocalStorageUrls,
}

impl Purpose {
    /// HKDF's `info` for this purpose. Changing one invalidates everything it signed.
    fn info(self) -> &'static [u8] {
        match self {
            Purpose::CaptureTokens => b"vidreply v1 capture tokens",
            Purpose::WatchTokens => b"vidreply v1 watch tokens",
            Purpose::TutorialTokens => b"vidreply v1 tutorial tokens",
            Purpose::LocalStorageUrls => b"vidreply v1 local storage urls",
        }
    }

    /// The 32-byte key for this purpose, derived from the signing secret.
    pub fn key(self, signing_secret: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        Hkdf::<Sha256>::new(Some(b"vidreply signing secret"), signing_secret)
            .expand(self.info(), &mut out)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        out
    }
}

/// Refuse a signing secret too short to sign with.
pub fn check_signing_secret(secret: &str) -> Result<(), String> {
    if secret.len() < MIN_SIGNING_SECRET_BYTES {
        return Err(format!(
            "VIDREPLY_SIGNING_SECRET must be at least {MIN_SIGNING_SECRET_BYTES} bytes (it is {}); \
             e.g. `openssl rand -base64 32`, or leave it unset to have one generated",
            secret.len()
        ));
    }
    Ok(())
}

/// Refuse an API key too short to resist guessing.
pub fn check_api_key(key: &str) -> Result<(), String> {
    let n = key.chars().count();
    if n < MIN_API_KEY_CHARS {
        return Err(format!(
            "VIDREPLY_API_KEY must be at least {MIN_API_KEY_CHARS} characters (it is {n}); \
             e.g. `openssl rand -base64 32`, or leave it unset to have one generated"
        ));
    }
    Ok(())
}

/// Use `given`, or read `dir/name`, or generate a new random value and store it
/// there, created exclusively with mode 0600. An existing file that its group or
/// others may read or write is refused, naming the file and the `chmod` that fixes it.
pub fn load_or_create(given: Option<&str>, dir: &Path, name: &str) -> std::io::Result<String> {
    if let Some(v) = given {
        return Ok(v.to_string());
    }
    let path = dir.join(name);
    loop {
        match read_private(&path)? {
            Some(v) if !v.is_empty() => return Ok(v),
            // Left empty by a start that stopped between creating and writing it.
            Some(_) => std::fs::remove_file(&path)?,
            None => {}
        }
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        std::fs::create_dir_all(dir)?;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        match opts.open(&path) {
            Ok(mut f) => {
                f.write_all(value.as_bytes())?;
                f.sync_all()?;
                return Ok(value);
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// The trimmed contents of `path`, or `None` when it does not exist; an error when
/// its mode lets group or others read or write it.
fn read_private(path: &Path) -> std::io::Result<Option<String>> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "{} has mode {:03o}: group or others may read or write it; \
                     run `chmod 600 {}` (and use a fresh secret if others may have read it)",
                    path.display(),
                    mode & 0o777,
                    path.display()
                ),
            ));
        }
    }
    let mut s = String::new();
    file.read_to_string(&mut s)?;
    Ok(Some(s.trim().to_string()))
}

/// Constant-time comparison for API keys and signatures.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_purpose_has_its_own_key() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let all = [
            Purpose::CaptureTokens,
            Purpose::WatchTokens,
            Purpose::TutorialTokens,
            Purpose::LocalStorageUrls,
        ];
        let keys: Vec<[u8; 32]> = all.iter().map(|p| p.key(secret)).collect();
        for (i, a) in keys.iter().enumerate() {
            assert_ne!(&a[..], &secret[..], "{:?} is not the secret itself", all[i]);
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        // Stable for one secret, different for another.
        assert_eq!(Purpose::CaptureTokens.key(secret), keys[0]);
        assert_ne!(
            Purpose::CaptureTokens.key(b"another-secret-another-secret-xx"),
            keys[0]
        );
    }

    #[test]
    fn lengths_are_checked() {
        assert!(check_signing_secret(&"x".repeat(31)).is_err());
        assert!(check_signing_secret(&"x".repeat(32)).is_ok());
        let e = check_api_key(&"é".repeat(31)).unwrap_err();
        assert!(e.contains("VIDREPLY_API_KEY") && e.contains("32"), "{e}");
        assert!(check_api_key(&"k".repeat(32)).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn generated_files_are_private_and_open_ones_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let v = load_or_create(None, dir.path(), "api-key").unwrap();
        assert!(v.len() >= 32);
        let path = dir.path().join("api-key");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load_or_create(None, dir.path(), "api-key").unwrap(), v);
        for open in [0o640, 0o604, 0o620] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(open)).unwrap();
            let e = load_or_create(None, dir.path(), "api-key").unwrap_err();
            let m = e.to_string();
            assert!(m.contains("chmod 600") && m.contains("api-key"), "{m}");
        }
        // An empty file left by an interrupted start is replaced.
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(load_or_create(None, dir.path(), "api-key").unwrap().len() >= 32);
    }
}
