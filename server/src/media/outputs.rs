//! The files one run of [`super::process`] leaves in its output folder.

use std::path::{Path, PathBuf};

use super::{HLS_DIR, MP4_NAME, MediaError, OutputFile, POSTER_NAME};

/// Remove what a previous run may have left: our three outputs only.
pub(super) async fn clear_outputs(out_dir: &Path) -> Result<(), MediaError> {
    for name in [MP4_NAME, POSTER_NAME] {
        let p = out_dir.join(name);
        match tokio::fs::remove_file(&p).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(MediaError::io(format!("removing {}", p.display()), e));
            }
            _ => {}
        }
    }
    let hls = out_dir.join(HLS_DIR);
    match tokio::fs::remove_dir_all(&hls).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(MediaError::io(format!("removing {}", hls.display()), e))
        }
        _ => Ok(()),
    }
}

pub(super) async fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), MediaError> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut rd = tokio::fs::read_dir(&d)
            .await
            .map_err(|e| MediaError::io(format!("listing {}", d.display()), e))?;
        while let Some(entry) = rd
            .next_entry()
            .await
            .map_err(|e| MediaError::io(format!("listing {}", d.display()), e))?
        {
            let kind = entry
                .file_type()
                .await
                .map_err(|e| MediaError::io(format!("listing {}", d.display()), e))?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
    Ok(())
}

pub(super) fn output_file(out_dir: &Path, path: &Path) -> OutputFile {
    let rel = path.strip_prefix(out_dir).unwrap_or(path);
    let key = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    OutputFile {
        content_type: content_type(&key),
        key,
        path: path.to_path_buf(),
    }
}

/// Content type of an output, by extension (what object storage should serve).
pub fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next().unwrap_or("") {
        "mp4" => "video/mp4",
        "jpg" | "jpeg" => "image/jpeg",
        "m3u8" => "application/vnd.apple.mpegurl",
        "ts" => "video/mp2t",
        "m4s" => "video/iso.segment",
        _ => "application/octet-stream",
    }
}
