//! Secrets for the embedded default: generated once, kept in the data folder (mode 0600).

use std::io::Write;
use std::path::Path;

use base64::Engine;
use rand::RngCore;

/// Use `given`, or read `dir/name`, or generate and store a new random value.
pub fn load_or_create(given: Option<&str>, dir: &Path, name: &str) -> std::io::Result<String> {
    if let Some(v) = given {
        return Ok(v.to_string());
    }
    let path = dir.join(name);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if !existing.is_empty() {
            return Ok(existing.to_string());
        }
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    std::fs::create_dir_all(dir)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(&path)?.write_all(value.as_bytes())?;
    Ok(value)
}

/// Constant-time comparison for API keys and signatures.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
