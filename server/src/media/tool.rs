//! Running ffmpeg/ffprobe: a deadline, no stdin, the child killed when we give up,
//! stdout streamed line by line, and only a short, bounded tail of stderr kept.
//!
//! stderr is read line by line instead of buffered because a damaged file can make
//! ffmpeg print one error per frame; a bounded tail keeps memory flat and error
//! messages short.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::Path;
use std::process::{ExitStatus, Stdio};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::time::Instant;

use super::MediaError;

/// Which binary, where, and which setting points at it (for error messages).
#[derive(Clone, Copy)]
pub(crate) struct Tool<'a> {
    pub name: &'static str,
    pub path: &'a Path,
    pub setting: &'static str,
}

/// Lines ffmpeg's demuxers print when a file ends before the data it announces:
/// the signature of a cut-off upload. Checked on every stderr line.
///
/// - matroska/webm: `File ended prematurely` (EOF inside an element of known size;
///   a cut exactly between blocks of an unknown-size cluster, as Chromium writes
///   them, is silent because the file is then simply a shorter valid recording).
/// - mov/mp4: `stream N, offset 0x…: partial file` (a sample lies past EOF).
const TRUNCATION_MARKERS: &[&str] = &[
    "File ended prematurely",
    ": partial file",
    "Truncating packet",
];

const TAIL_LINES: usize = 6;
const LINE_MAX: usize = 200;

/// What a tool said on stderr: the last few lines and the first truncation sign.
#[derive(Debug, Default)]
pub(crate) struct Stderr {
    tail: VecDeque<String>,
    pub lines: usize,
    pub truncation: Option<String>,
}

impl Stderr {
    fn push(&mut self, raw: &str) {
        let line = clean(raw);
        if line.is_empty() {
            return;
        }
        self.lines += 1;
        if self.truncation.is_none() && TRUNCATION_MARKERS.iter().any(|m| line.contains(m)) {
            self.truncation = Some(line.clone());
        }
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(line);
    }

    /// The kept lines joined with ` | `, with `paths` shortened to their file name
    /// so messages for people do not reveal server folders.
    pub fn summary(&self, paths: &[&Path]) -> String {
        let mut s = self.tail.iter().cloned().collect::<Vec<_>>().join(" | ");
        if self.lines > self.tail.len() {
            s = format!("… {s}");
        }
        shorten_paths(&s, paths)
    }
}

pub(crate) fn shorten_paths(s: &str, paths: &[&Path]) -> String {
    let mut s = s.to_string();
    for p in paths {
        let full = p.display().to_string();
        if let Some(name) = p.file_name() {
            s = s.replace(&format!("file:{full}"), &name.to_string_lossy());
            s = s.replace(&full, &name.to_string_lossy());
        }
    }
    s
}

/// Drop ffmpeg's `[demuxer @ 0x55…] ` prefix (a pointer, useless to anyone) and
/// cap the length.
fn clean(raw: &str) -> String {
    let mut line = raw.trim();
    if line.starts_with('[')
        && let Some(end) = line.find("] ")
        && line[..end].contains(" @ 0x")
    {
        line = &line[end + 2..];
    }
    let mut out: String = line.chars().take(LINE_MAX).collect();
    if out.len() < line.len() {
        out.push('…');
    }
    out
}

pub(crate) struct Finished {
    pub status: ExitStatus,
    pub stderr: Stderr,
}

impl Finished {
    /// How the process ended, for messages: `exit code 1` or `killed by signal 9`.
    pub fn status_text(&self) -> String {
        describe_status(self.status)
    }
}

fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => "unknown exit status".into(),
    }
}

/// Run `tool` with `args` until `deadline`, handing each stdout line to `on_line`.
///
/// A spawn failure, a timeout or an I/O error on the pipes is a [`MediaError::Tool`];
/// the exit status is returned for the caller to judge, because only the caller
/// knows whether a failure means "bad file" or "broken tool".
pub(crate) async fn run(
    tool: Tool<'_>,
    args: Vec<OsString>,
    deadline: Instant,
    mut on_line: impl FnMut(&str),
) -> Result<Finished, MediaError> {
    let mut cmd = Command::new(tool.path);
    cmd.args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| spawn_error(tool, &e))?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(tool_error(
            tool,
            "its output pipes could not be opened".into(),
        ));
    };
    let work = async {
        let read_out = read_lines(stdout, |l| on_line(l));
        let mut log = Stderr::default();
        let read_err = read_lines(stderr, |l| log.push(l));
        let (out, err) = tokio::join!(read_out, read_err);
        out.and(err)?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, log))
    };
    // On timeout `work` is dropped with the child inside it; kill_on_drop ends it.
    match tokio::time::timeout_at(deadline, work).await {
        Ok(Ok((status, stderr))) => Ok(Finished { status, stderr }),
        Ok(Err(e)) => Err(tool_error(tool, format!("reading its output failed: {e}"))),
        Err(_) => Err(tool_error(
            tool,
            format!(
                "it did not finish in time and was stopped (the limit for one video is {})",
                super::SETTING_TIMEOUT
            ),
        )),
    }
}

async fn read_lines(pipe: impl AsyncRead + Unpin, mut f: impl FnMut(&str)) -> std::io::Result<()> {
    let mut reader = BufReader::new(pipe);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).await? == 0 {
            return Ok(());
        }
        // ffmpeg prints carriage returns in progress lines and may echo non-UTF-8
        // metadata; neither may stop us.
        for part in String::from_utf8_lossy(&buf).split('\r') {
            let part = part.trim_end_matches('\n');
            if !part.is_empty() {
                f(part);
            }
        }
    }
}

pub(crate) fn tool_error(tool: Tool<'_>, reason: String) -> MediaError {
    MediaError::Tool {
        tool: tool.name,
        reason,
    }
}

/// A failed run as a [`MediaError::Tool`] with the exit status and stderr tail.
pub(crate) fn failed(tool: Tool<'_>, what: &str, done: &Finished, paths: &[&Path]) -> MediaError {
    tool_error(
        tool,
        format!(
            "{what} failed ({}): {}",
            done.status_text(),
            done.stderr.summary(paths)
        ),
    )
}

fn spawn_error(tool: Tool<'_>, e: &std::io::Error) -> MediaError {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "not found at '{}'; install ffmpeg (Debian package `ffmpeg`) or set {} to the binary",
            tool.path.display(),
            tool.setting
        ),
        _ => format!(
            "cannot start '{}' ({e}); check {}",
            tool.path.display(),
            tool.setting
        ),
    };
    tool_error(tool, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_keeps_a_clean_bounded_tail_and_spots_truncation() {
        let mut s = Stderr::default();
        for i in 0..20 {
            s.push(&format!("[h264 @ 0x55d0c0ffee00] error {i}"));
        }
        s.push("[matroska,webm @ 0x5600aa] File ended prematurely");
        assert_eq!(s.lines, 21);
        assert_eq!(s.truncation.as_deref(), Some("File ended prematurely"));
        let sum = s.summary(&[]);
        assert!(sum.starts_with("… error 15 | "), "{sum}");
        assert!(sum.ends_with("| File ended prematurely"), "{sum}");
        assert!(!sum.contains("0x"), "{sum}");
    }

    #[test]
    fn paths_shrink_to_file_names() {
        let p = Path::new("/srv/data/tmp/abc/input.webm");
        let s = shorten_paths("file:/srv/data/tmp/abc/input.webm: Invalid data", &[p]);
        assert_eq!(s, "input.webm: Invalid data");
    }

    #[test]
    fn long_lines_are_capped() {
        let long = "x".repeat(1000);
        assert!(clean(&long).chars().count() <= LINE_MAX + 1);
    }
}
