//! Opening an input the confined way, for ffprobe and ffmpeg alike: the demuxer
//! pinned, only local files, only the decoders of codecs browsers record.

use std::ffi::OsString;
use std::path::Path;

use vidreply_core::media::Container;

use super::MediaSettings;
use super::limits::DECODERS;

/// `-v error`, the demuxer pinned to the sniffed container, only the `file`
/// protocol (so a crafted file cannot make ffprobe open other URLs), only the
/// decoders of codecs browsers record, then `extra`.
pub(crate) fn input_args(
    settings: &MediaSettings,
    container: Container,
    path: &Path,
    extra: &[&str],
) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["-v", "error", "-hide_banner"]
        .iter()
        .chain(extra)
        .map(OsString::from)
        .collect();
    args.extend(confined_input(settings, demuxer(container), path));
    args
}

/// The arguments that open `path` as an input the confined way: bounded threads,
/// only the decoders of the codecs browsers record, only local files, and the
/// demuxer named (never guessed from the content).
pub(crate) fn confined_input(
    settings: &MediaSettings,
    demuxer: &str,
    path: &Path,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = settings.sandbox.threads_arg().into();
    args.extend(
        [
            "-codec_whitelist",
            DECODERS,
            "-protocol_whitelist",
            "file",
            "-f",
            demuxer,
            "-i",
        ]
        .map(OsString::from),
    );
    args.push(file_url(path));
    args
}

/// The folder a tool reading `path` works in: the file's own.
pub(crate) fn work_dir(path: &Path) -> std::path::PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// The ffmpeg demuxer for a sniffed container; pinning it means a file is read only
/// as what its magic bytes say it is.
pub(crate) fn demuxer(container: Container) -> &'static str {
    match container {
        Container::Webm => "matroska",
        Container::Mp4 | Container::QuickTime => "mov",
    }
}

/// `file:` + path, so a file name with a colon is never read as a protocol.
pub(crate) fn file_url(path: &Path) -> OsString {
    let mut s = OsString::from("file:");
    s.push(path.as_os_str());
    s
}
