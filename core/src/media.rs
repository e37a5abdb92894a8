//! Recording format negotiation and container recognition.

/// MediaRecorder types in order of preference.
///
/// MP4 with H.264 + AAC comes first: it is what Safari records and it plays
/// everywhere. Where AAC is missing (Chromium on Debian, Firefox) WebM VP9/VP8 +
/// Opus follows; MP4 with Opus is a late fallback because fewer players accept it.
pub const PREFERRED_TYPES: &[&str] = &[
    "video/mp4;codecs=avc1.42E01E,mp4a.40.2",
    "video/mp4;codecs=avc1,mp4a",
    "video/webm;codecs=vp9,opus",
    "video/webm;codecs=vp8,opus",
    "video/mp4;codecs=avc1,opus",
    "video/webm",
    "video/mp4",
];

/// Pick the first type the browser supports.
pub fn negotiate(is_supported: impl Fn(&str) -> bool) -> Option<&'static str> {
    PREFERRED_TYPES.iter().copied().find(|t| is_supported(t))
}

/// The container of a MIME type we accept for upload, or `None`.
pub fn container_of(mime: &str) -> Option<Container> {
    let base = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match base.as_str() {
        "video/webm" => Some(Container::Webm),
        "video/mp4" => Some(Container::Mp4),
        "video/quicktime" => Some(Container::QuickTime),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Webm,
    Mp4,
    QuickTime,
}

impl Container {
    pub fn extension(self) -> &'static str {
        match self {
            Container::Webm => "webm",
            Container::Mp4 => "mp4",
            Container::QuickTime => "mov",
        }
    }

    /// Whether the first bytes of a file look like this container.
    pub fn matches_magic(self, head: &[u8]) -> bool {
        match self {
            Container::Webm => head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]),
            Container::Mp4 | Container::QuickTime => {
                head.len() >= 8
                    && matches!(&head[4..8], b"ftyp" | b"moov" | b"free" | b"mdat" | b"wide")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_preference() {
        // Safari: AAC in MP4.
        let safari = |t: &str| t.starts_with("video/mp4") && !t.contains("opus");
        assert_eq!(negotiate(safari), Some(PREFERRED_TYPES[0]));
        // Chromium on Debian: no AAC, has VP9 and MP4+Opus.
        let chromium = |t: &str| t.contains("webm") || t.contains("opus");
        assert_eq!(negotiate(chromium), Some("video/webm;codecs=vp9,opus"));
        // Firefox: VP8 only.
        let firefox = |t: &str| t == "video/webm;codecs=vp8,opus" || t == "video/webm";
        assert_eq!(negotiate(firefox), Some("video/webm;codecs=vp8,opus"));
        assert_eq!(negotiate(|_| false), None);
    }

    #[test]
    fn containers() {
        assert_eq!(
            container_of("video/webm;codecs=vp9,opus"),
            Some(Container::Webm)
        );
        assert_eq!(container_of(" VIDEO/MP4 "), Some(Container::Mp4));
        assert_eq!(container_of("text/plain"), None);
        assert!(Container::Webm.matches_magic(&[0x1A, 0x45, 0xDF, 0xA3, 1]));
        assert!(!Container::Webm.matches_magic(b"hello"));
        assert!(Container::Mp4.matches_magic(b"\0\0\0\x18ftypmp42"));
        assert!(!Container::Mp4.matches_magic(b"plain text file"));
    }
}
